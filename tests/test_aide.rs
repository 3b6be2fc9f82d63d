//! aide: the tutorial's operations documented through aide's own inference, with the
//! security FastAPI gives them and the 401/403 responses, written once.

use aide::axum::ApiRouter;
use aide::axum::routing::{get, post};
use aide::openapi::OpenApi;
use axum::Json;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use scopes_core::issuer::{AccessTokenResponse, GrantError, LaxPasswordForm, PasswordForm};
use scopes_core::{Claims, Key, Rejection, Verifier, requires_scopes, scopes};
use serde::Deserialize;
use serde_json::{Value, json};

scopes! {
    /// The tutorial's scopes.
    pub Scopes {
        "me": "Read information about the current user.",
        "items": "Read items.",
    }
    oauth2 "OAuth2PasswordBearer" { password { token_url: "token" } }
}

#[derive(Deserialize)]
struct User {
    sub: String,
}

/// `get_current_active_user`, with `Security(get_current_user, scopes=["me"])`.
struct CurrentUser(String);

#[requires_scopes("me")]
impl FromRequestParts<Verifier> for CurrentUser {
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, state: &Verifier) -> Result<Self, Rejection> {
        let Claims(user) = Claims::<User>::from_request_parts(parts, state).await?;
        Ok(Self(user.sub))
    }
}

// aide asks every extractor for its part of the operation: the attribute wrote this
// one's, which documents its scopes.

/// A second scoped extractor.
struct ItemsReader;

#[requires_scopes("items")]
impl FromRequestParts<Verifier> for ItemsReader {
    type Rejection = Rejection;

    async fn from_request_parts(_parts: &mut Parts, _state: &Verifier) -> Result<Self, Rejection> {
        Ok(Self)
    }
}

/// Two scoped extractors and no attribute: both required.
async fn read_both(_user: CurrentUser, _reader: ItemsReader) -> &'static str {
    "both"
}

/// Protected by the scoped extractor alone: documented as protected all the same.
async fn read_profile(CurrentUser(user): CurrentUser) -> String {
    user
}

#[requires_scopes("items")]
async fn read_own_items(CurrentUser(user): CurrentUser) -> Json<Value> {
    Json(json!([{ "item_id": "Foo", "owner": user }]))
}

#[requires_scopes]
async fn read_system_status(CurrentUser(_user): CurrentUser) -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// No parameter of its own: the attribute injects its request extractor, which aide
/// documents as it does the request-parts one.
#[requires_scopes("items", "me")]
async fn read_all_items() -> Json<Value> {
    Json(json!([]))
}

async fn lax_login(_form: LaxPasswordForm) -> Result<AccessTokenResponse, GrantError> {
    Err(GrantError::InvalidClient)
}

async fn login(_form: PasswordForm) -> Result<AccessTokenResponse, GrantError> {
    Err(GrantError::InvalidGrant(
        "Incorrect username or password".into(),
    ))
}

/// A service's own table, whose scheme has the name of the tutorial's, and one whose
/// scheme has another.
mod service {
    scopes_core::scopes! {
        /// A service's scopes.
        pub Billing {
            "invoices:read": "Read invoices.",
        }
        oauth2 "OAuth2PasswordBearer" { password { token_url: "token" } }
    }

    scopes_core::scopes! {
        /// A partner's scopes.
        pub Partner {
            "orders:read": "Read orders.",
        }
        oauth2 "Partner" { client_credentials { token_url: "https://partner.example.com/token" } }
    }
}

/// A handler of another table taking the tutorial's `CurrentUser` (`me`).
#[requires_scopes("invoices:read", table = service::Billing)]
async fn read_invoices(CurrentUser(user): CurrentUser) -> String {
    user
}

#[requires_scopes("orders:read", table = service::Partner)]
async fn read_orders(CurrentUser(user): CurrentUser) -> String {
    user
}

fn document() -> Value {
    serde_json::to_value(api(None)).unwrap()
}

fn api(dpop: Option<scopes_core::Dpop>) -> OpenApi {
    // Two inputs writing the same response is an error aide reports here.
    aide::generate::on_error(|error| panic!("aide: {error}"));
    let verifier = Verifier::new(Key::hs256(scopes_tests::SECRET).unwrap()).unwrap();
    let mut api = OpenApi::default();
    let _app: axum::Router = ApiRouter::new()
        .api_route("/token", post(login))
        .api_route("/token-lax", post(lax_login))
        .api_route("/users/me/items/", get(read_own_items))
        .api_route("/status/", get(read_system_status))
        .api_route("/items/", get(read_all_items))
        .api_route("/profile/", get(read_profile))
        .api_route("/both/", get(read_both))
        .api_route("/invoices/", get(read_invoices))
        .api_route("/orders/", get(read_orders))
        .finish_api_with(
            &mut api,
            scopes_core::openapi::aide::add_security_schemes::<Scopes>,
        )
        .with_state(verifier);
    if let Some(dpop) = dpop {
        scopes_core::openapi::aide::document_dpop(&mut api, &dpop);
    }
    api
}

#[test]
fn aide_documents_an_extractor_of_another_table_as_utoipa_does() {
    let document = document();
    for (path, handler_scope, expected) in [
        (
            "/invoices/",
            "invoices:read",
            json!([{"OAuth2PasswordBearer": ["invoices:read", "me"]}]),
        ),
        (
            "/orders/",
            "orders:read",
            json!([{"Partner": ["orders:read"], "OAuth2PasswordBearer": ["me"]}]),
        ),
    ] {
        let operation = &document["paths"][path]["get"];
        assert_eq!(operation["security"], expected, "{path}");
        assert_eq!(
            operation["responses"]["403"]["headers"]["WWW-Authenticate"]["example"],
            format!(r#"Bearer error="insufficient_scope", scope="{handler_scope} me""#),
            "{path}"
        );
    }
    // utoipa's and serde's documents say the same.
    fn serde<T: scopes_core::ScopeTable>(
        security: scopes_core::openapi::OperationSecurity<T>,
    ) -> Value {
        serde_json::to_value(security).unwrap()
    }
    assert_eq!(
        serde(scopes_core::openapi::security_of!(read_invoices)),
        document["paths"]["/invoices/"]["get"]["security"]
    );
    assert_eq!(
        serde(scopes_core::openapi::security_of!(read_orders)),
        document["paths"]["/orders/"]["get"]["security"]
    );
}

#[test]
fn aide_documents_dpop_as_utoipa_does() {
    let api = api(Some(scopes_core::Dpop::allowed()));
    let document = serde_json::to_value(&api).unwrap();
    assert_eq!(
        document["components"]["securitySchemes"]["DPoP"]["scheme"],
        "DPoP"
    );
    let security = &document["paths"]["/users/me/items/"]["get"]["security"];
    assert_eq!(security.as_array().unwrap().len(), 2, "{security}");
    assert_eq!(security[1]["DPoP"], json!([]));
}

#[test]
fn aide_documents_security_and_refusals_as_utoipa_does() {
    let document = document();
    let items = &document["paths"]["/users/me/items/"]["get"];
    // FastAPI's `{"OAuth2PasswordBearer": ["items", "me"]}`: the handler's, then the
    // scoped extractor's.
    assert_eq!(
        items["security"],
        json!([{"OAuth2PasswordBearer": ["items", "me"]}])
    );
    assert_eq!(
        items["responses"]["403"]["headers"]["WWW-Authenticate"]["example"],
        r#"Bearer error="insufficient_scope", scope="items me""#
    );
    let serde =
        serde_json::to_value(scopes_core::openapi::security_of!(read_own_items).responses())
            .unwrap();
    // RFC 6750's 400 for credentials that could not be read is documented too.
    assert_eq!(
        items["responses"]["400"]["headers"]["WWW-Authenticate"]["example"],
        r#"Bearer error="invalid_request", error_description="The Authorization header is malformed""#
    );
    for status in ["400", "401", "403"] {
        // aide spells out the header's default `style: simple`; otherwise the same.
        let mut response = items["responses"][status].clone();
        let header = &mut response["headers"]["WWW-Authenticate"];
        assert_eq!(
            header.as_object_mut().unwrap().remove("style"),
            Some(json!("simple"))
        );
        assert_eq!(response, serde[status], "{status}");
    }
    // A handler protected only by its scoped extractor: its scopes and refusals.
    let profile = &document["paths"]["/profile/"]["get"];
    assert_eq!(
        profile["security"],
        json!([{"OAuth2PasswordBearer": ["me"]}])
    );
    assert_eq!(
        profile["responses"]["403"]["headers"]["WWW-Authenticate"]["example"],
        r#"Bearer error="insufficient_scope", scope="me""#
    );
    assert!(profile["responses"]["401"].is_object());
    // The mark between aide's passes is gone.
    for path in ["/profile/", "/both/", "/users/me/items/", "/items/"] {
        let operation = document["paths"][path]["get"].as_object().unwrap();
        assert!(
            operation.keys().all(|key| !key.starts_with("x-")),
            "{path}: {operation:?}"
        );
    }
    let both = &document["paths"]["/both/"]["get"];
    assert_eq!(
        both["security"],
        json!([{"OAuth2PasswordBearer": ["me", "items"]}])
    );
    assert_eq!(
        both["responses"]["403"]["headers"]["WWW-Authenticate"]["example"],
        r#"Bearer error="insufficient_scope", scope="me items""#
    );
    // A handler without parameters: the same security and refusals.
    let all = &document["paths"]["/items/"]["get"];
    assert_eq!(
        all["security"],
        json!([{"OAuth2PasswordBearer": ["items", "me"]}])
    );
    assert_eq!(all["responses"], items["responses"]);
    // The bare attribute: `me` through the extractor.
    let status = &document["paths"]["/status/"]["get"];
    assert_eq!(
        status["security"],
        json!([{"OAuth2PasswordBearer": ["me"]}])
    );

    // aide 0.15 would write an absent `refreshUrl` as `null` (which OpenAPI's schema
    // does not allow): the flow's token URL stands in for it; otherwise the scheme is
    // ours.
    let mut schemes = document["components"]["securitySchemes"].clone();
    let password = &mut schemes["OAuth2PasswordBearer"]["flows"]["password"];
    let token_url = password["tokenUrl"].clone();
    assert_eq!(
        password.as_object_mut().unwrap().remove("refreshUrl"),
        Some(token_url)
    );
    assert_eq!(
        schemes,
        serde_json::to_value(scopes_core::openapi::security_schemes::<Scopes>()).unwrap()
    );

    let token = &document["paths"]["/token"]["post"];
    assert_eq!(token.get("security"), None);
    let form = &token["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"];
    assert_eq!(
        form["required"],
        json!(["grant_type", "username", "password"])
    );
    assert_eq!(form["properties"]["grant_type"]["const"], "password");
    // FastAPI's lax form: `grant_type` may be left out.
    let lax = &document["paths"]["/token-lax"]["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"]
        ["schema"];
    assert_eq!(lax["required"], json!(["username", "password"]));
    assert_eq!(
        lax["properties"]["username"],
        form["properties"]["username"]
    );
    assert_eq!(
        token["responses"]["200"]["content"]["application/json"]["schema"]["required"][0],
        "access_token"
    );
    assert_eq!(
        token["responses"]["400"]["content"]["application/json"]["schema"]["properties"]["error"]["enum"]
            [1],
        "invalid_grant"
    );
}

mod two_schemes {
    //! A table with two schemes: each alternative is written once per scheme (OpenAPI's
    //! "or"), and a scoped extractor keeps it so; `any(...)` alternatives are minimised.
    use super::*;

    scopes! {
        pub Scopes {
            "a": "A.",
            "b": "B.",
        }
        oauth2 "OAuth2" { password { token_url: "token", refresh_url: "token" } }
        openid_connect { url: "https://auth.example.com/.well-known/openid-configuration" }
    }

    struct NeedsA;

    #[requires_scopes("a")]
    impl FromRequestParts<Verifier> for NeedsA {
        type Rejection = Rejection;

        async fn from_request_parts(
            _parts: &mut Parts,
            _state: &Verifier,
        ) -> Result<Self, Rejection> {
            Ok(Self)
        }
    }

    #[requires_scopes(any("a", "b"))]
    async fn either(_: NeedsA) -> &'static str {
        "x"
    }

    async fn alone(_: NeedsA) -> &'static str {
        "x"
    }

    #[test]
    fn each_alternative_once_per_scheme() {
        aide::generate::on_error(|error| panic!("aide: {error}"));
        let verifier = Verifier::new(Key::hs256(scopes_tests::SECRET).unwrap()).unwrap();
        let mut api = OpenApi::default();
        let _app: axum::Router = ApiRouter::new()
            .api_route("/either", get(either))
            .api_route("/alone", get(alone))
            .finish_api(&mut api)
            .with_state(verifier);
        let document = serde_json::to_value(&api).unwrap();
        // `any("a", "b")` and `"a"`: `a` alone meets both.
        let expected = json!([{"OAuth2": ["a"]}, {"OpenIdConnect": ["a"]}]);
        assert_eq!(document["paths"]["/either"]["get"]["security"], expected);
        assert_eq!(document["paths"]["/alone"]["get"]["security"], expected);
    }
}

mod layers {
    //! A router layer's scopes, added to the operations below the path its router is
    //! nested at, as utoipa's `add_layer_security` does.
    use scopes_core::RequireScopesLayer;

    use super::*;

    #[requires_scopes("me")]
    struct MeLayer;

    async fn stats() -> &'static str {
        "stats"
    }

    #[requires_scopes("items")]
    async fn admin_items() -> &'static str {
        "items"
    }

    #[test]
    fn a_layer_s_scopes_reach_the_operations_below_its_path() {
        aide::generate::on_error(|error| panic!("aide: {error}"));
        let verifier = Verifier::new(Key::hs256(scopes_tests::SECRET).unwrap()).unwrap();
        let admin: ApiRouter<Verifier> = ApiRouter::new()
            .api_route("/stats", get(stats))
            .api_route("/items", get(admin_items))
            .route_layer(RequireScopesLayer::<Scopes, MeLayer>::new(&verifier));
        let mut api = OpenApi::default();
        let _app: axum::Router = ApiRouter::new()
            .nest("/admin", admin)
            .api_route("/administrators", get(stats))
            .finish_api(&mut api)
            .with_state(verifier);
        scopes_core::openapi::aide::add_layer_security::<Scopes, MeLayer>(&mut api, "/admin/");
        let document = serde_json::to_value(&api).unwrap();
        let operation = |path: &str| document["paths"][path]["get"].clone();
        let challenge = |path: &str| {
            operation(path)["responses"]["403"]["headers"]["WWW-Authenticate"]["example"].clone()
        };
        // A route of its own without scopes: the layer's.
        assert_eq!(
            operation("/admin/stats")["security"],
            json!([{"OAuth2PasswordBearer": ["me"]}])
        );
        assert_eq!(
            challenge("/admin/stats"),
            r#"Bearer error="insufficient_scope", scope="me""#
        );
        assert!(operation("/admin/stats")["responses"]["401"].is_object());
        // A route with scopes of its own: both, its own first.
        assert_eq!(
            operation("/admin/items")["security"],
            json!([{"OAuth2PasswordBearer": ["items", "me"]}])
        );
        assert_eq!(
            challenge("/admin/items"),
            r#"Bearer error="insufficient_scope", scope="items me""#
        );
        // Another path that only starts with the same letters: untouched.
        assert_eq!(operation("/administrators")["security"], Value::Null);
        assert_eq!(
            operation("/administrators")["responses"]["403"],
            Value::Null
        );
        // Twice is as once.
        scopes_core::openapi::aide::add_layer_security::<Scopes, MeLayer>(&mut api, "/admin");
        let again = serde_json::to_value(&api).unwrap();
        assert_eq!(again, document);
    }
}

/// An application's error type that documents a 400 of its own (a validation error).
struct ApiError;

impl axum::response::IntoResponse for ApiError {
    fn into_response(self) -> axum::response::Response {
        axum::http::StatusCode::BAD_REQUEST.into_response()
    }
}

impl aide::OperationOutput for ApiError {
    type Inner = Self;

    fn inferred_responses(
        _: &mut aide::generate::GenContext,
        _: &mut aide::openapi::Operation,
    ) -> Vec<(Option<u16>, aide::openapi::Response)> {
        let own = aide::openapi::Response {
            description: "Validation failed.".into(),
            ..Default::default()
        };
        vec![(Some(400), own)]
    }
}

#[requires_scopes("items")]
async fn create_item() -> Result<String, ApiError> {
    Ok(String::new())
}

async fn stats() -> Result<String, ApiError> {
    Ok(String::new())
}

/// A router layer's requirement.
#[requires_scopes("me")]
struct Staff;

#[test]
fn an_operations_own_responses_are_kept() {
    // The handler's output documents a 400: the check's inferred 400 does not
    // conflict with it (aide would report it), and the handler's stays.
    aide::generate::on_error(|error| panic!("aide: {error}"));
    let verifier = Verifier::new(Key::hs256([7u8; 32]).unwrap()).unwrap();
    let staff: ApiRouter<Verifier> = ApiRouter::new()
        .api_route("/stats", get(stats))
        .route_layer(scopes_core::RequireScopesLayer::<Scopes, Staff>::new(
            &verifier,
        ));
    let mut api = OpenApi::default();
    let _app: axum::Router = ApiRouter::new()
        .api_route("/items", post(create_item))
        .nest("/staff", staff)
        .finish_api(&mut api)
        .with_state(verifier);
    // A layer's refusals join an operation's own 400, which stays.
    scopes_core::openapi::aide::add_layer_security::<Scopes, Staff>(&mut api, "/staff");
    let document = serde_json::to_value(&api).unwrap();
    for (path, method) in [("/items", "post"), ("/staff/stats", "get")] {
        let responses = &document["paths"][path][method]["responses"];
        assert_eq!(
            responses["400"]["description"], "Validation failed.",
            "{path}"
        );
        assert!(responses["401"].is_object(), "{path}");
        assert!(responses["403"].is_object(), "{path}");
    }
}

/// The document, with DPoP, where `tests/fastapi/test_interop.py` (run after the cargo
/// tests by `tests/run-all`) holds it against the OpenAPI 3.1 schema with a real
/// validator, as it does the tutorial's utoipa document.
#[test]
fn the_document_is_written_for_the_openapi_validator() {
    let api = api(Some(scopes_core::Dpop::allowed()));
    let path = concat!(env!("CARGO_TARGET_TMPDIR"), "/aide-openapi.json");
    std::fs::write(path, serde_json::to_string_pretty(&api).unwrap()).unwrap();
}

/// FastAPI's response mode documented on aide's document, as utoipa's
/// `document_response_mode` documents it: a missing scope is a 401 too, challenged with
/// the route's scopes, and the operations' own responses stay.
#[test]
fn the_documented_responses_follow_the_response_mode() {
    use scopes_core::ResponseMode;
    let rfc = document();
    let mut api = api(None);
    scopes_core::openapi::aide::document_response_mode(&mut api, ResponseMode::Rfc6750);
    assert_eq!(
        serde_json::to_value(&api).unwrap(),
        rfc,
        "the default changes nothing"
    );
    scopes_core::openapi::aide::document_response_mode(&mut api, ResponseMode::FastApi);
    let document = serde_json::to_value(&api).unwrap();
    let responses = |path: &str| document["paths"][path]["get"]["responses"].clone();
    let challenge =
        |path: &str| responses(path)["401"]["headers"]["WWW-Authenticate"]["example"].clone();
    for path in ["/users/me/items/", "/status/"] {
        assert_eq!(responses(path).get("403"), None, "{path}");
        assert!(
            rfc["paths"][path]["get"]["responses"]["403"].is_object(),
            "{path}"
        );
        assert_eq!(
            responses(path)["200"],
            rfc["paths"][path]["get"]["responses"]["200"]
        );
    }
    assert_eq!(challenge("/users/me/items/"), r#"Bearer scope="items me""#);
    assert_eq!(challenge("/status/"), r#"Bearer scope="me""#);
    // The token endpoint's own 401 (invalid_client) is not ours to rewrite.
    assert_eq!(
        document["paths"]["/token"]["post"]["responses"]["401"],
        rfc["paths"]["/token"]["post"]["responses"]["401"]
    );
}
