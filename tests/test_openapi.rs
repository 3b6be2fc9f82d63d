//! OpenAPI descriptions generated from the table and the handlers, compared with what
//! FastAPI generates for its tutorial (`app.openapi()` of tests/fastapi/tutorial005.py).

use std::marker::PhantomData;

use scopes_core::openapi::{OperationSecurity, security_of, security_schemes};
use scopes_core::{requires_scopes, scopes};
use scopes_examples::tutorial::{ApiDoc, CurrentActiveUser, Scopes as Tutorial};
use serde_json::{Value, json};
use utoipa::OpenApi;

#[test]
fn the_tutorial_scheme_is_fastapis() {
    assert_eq!(
        serde_json::to_value(security_schemes::<Tutorial>()).unwrap(),
        json!({"OAuth2PasswordBearer": {"flows": {"password": {"scopes": {"items": "Read items.", "me": "Read information about the current user."}, "tokenUrl": "token"}}, "type": "oauth2"}})
    );
}

#[test]
fn the_tutorial_operations_require_what_fastapi_says() {
    let json = |security: OperationSecurity<Tutorial>| serde_json::to_value(security).unwrap();
    assert_eq!(
        json(OperationSecurity::of::<CurrentActiveUser>()),
        json!([{"OAuth2PasswordBearer": ["me"]}])
    );
    assert_eq!(
        json(security_of!(scopes_examples::tutorial::read_own_items)),
        json!([{"OAuth2PasswordBearer": ["items", "me"]}])
    );
    assert_eq!(
        json(OperationSecurity::token_only()),
        json!([{"OAuth2PasswordBearer": []}])
    );
}

scopes! {
    /// Every flow, and OpenID Connect.
    pub Everything {
        "read": "Read data",
        "write": "Write data",
        "admin": "Admin access",
    }
    oauth2 {
        password { token_url: "/token", refresh_url: "/refresh" },
        client_credentials { token_url: "https://auth.example.com/oauth/token" },
        authorization_code {
            authorization_url: "https://auth.example.com/authorize",
            token_url: "https://auth.example.com/oauth/token",
        },
        implicit { authorization_url: "https://auth.example.com/authorize" },
    }
    openid_connect "Keycloak" {
        url: "https://auth.example.com/realms/api/.well-known/openid-configuration",
    }
}

#[requires_scopes("write", any("admin", "read"), table = Everything)]
async fn write() {}

#[requires_scopes("admin", table = Everything)]
struct AdminLayer;

#[test]
fn every_flow_and_openid_connect() {
    let scopes = json!({"admin": "Admin access", "read": "Read data", "write": "Write data"});
    assert_eq!(
        serde_json::to_value(security_schemes::<Everything>()).unwrap(),
        json!({
            "OAuth2": {"type": "oauth2", "flows": {
                "password": {"tokenUrl": "/token", "refreshUrl": "/refresh", "scopes": scopes},
                "clientCredentials": {"tokenUrl": "https://auth.example.com/oauth/token", "scopes": scopes},
                "authorizationCode": {
                    "authorizationUrl": "https://auth.example.com/authorize",
                    "tokenUrl": "https://auth.example.com/oauth/token",
                    "scopes": scopes,
                },
                "implicit": {"authorizationUrl": "https://auth.example.com/authorize", "scopes": scopes},
            }},
            "Keycloak": {"type": "openIdConnect", "openIdConnectUrl": "https://auth.example.com/realms/api/.well-known/openid-configuration"},
        })
    );
}

/// `value` with every `…Url` member passed through `url`.
fn with_urls(mut value: Value, url: &impl Fn(&str) -> String) -> Value {
    match &mut value {
        Value::Object(members) => {
            for (name, member) in members.iter_mut() {
                *member = match member {
                    Value::String(text) if name.ends_with("Url") => Value::from(url(text)),
                    _ => with_urls(member.take(), url),
                };
            }
        }
        Value::Array(items) => {
            for item in items.iter_mut() {
                *item = with_urls(item.take(), url);
            }
        }
        _ => {}
    }
    value
}

#[test]
fn scheme_urls_are_rewritten_at_run_time_in_utoipa_and_aide() {
    let url = |url: &str| format!("{url}?env=prod");
    let declared = serde_json::to_value(security_schemes::<Everything>()).unwrap();
    // Another scheme of the document, with a URL of its own: left alone.
    let other = json!({"type": "openIdConnect", "openIdConnectUrl": "https://other.example.com/"});
    let mut expected = with_urls(declared.clone(), &url);
    expected["Other"] = other.clone();
    assert_ne!(expected["OAuth2"], declared["OAuth2"]);

    let mut doc = utoipa::openapi::OpenApiBuilder::new().build();
    scopes_core::openapi::utoipa::add_security_schemes::<Everything>(&mut doc);
    let other_scheme: utoipa::openapi::security::SecurityScheme =
        serde_json::from_value(other.clone()).unwrap();
    doc.components
        .as_mut()
        .unwrap()
        .add_security_scheme("Other", other_scheme);
    // Called too early, on a document without the table's schemes: nothing rewritten.
    let mut early = utoipa::openapi::OpenApiBuilder::new().build();
    assert_eq!(
        scopes_core::openapi::utoipa::map_scheme_urls::<Everything>(&mut early, url),
        0
    );
    assert_eq!(
        scopes_core::openapi::utoipa::map_scheme_urls::<Everything>(&mut doc, url),
        2
    );
    let doc = serde_json::to_value(doc).unwrap();
    assert_eq!(doc["components"]["securitySchemes"], expected);

    let mut api = aide::openapi::OpenApi::default();
    let components = api.components.get_or_insert_default();
    let other = serde_json::from_value(other).unwrap();
    let schemes = scopes_core::openapi::aide::security_schemes::<Everything>();
    for (name, scheme) in schemes.into_iter().chain([("Other".to_owned(), other)]) {
        let scheme = aide::openapi::ReferenceOr::Item(scheme);
        components.security_schemes.insert(name, scheme);
    }
    assert_eq!(
        scopes_core::openapi::aide::map_scheme_urls::<Everything>(&mut api, url),
        2
    );
    let mut early = aide::openapi::OpenApi::default();
    assert_eq!(
        scopes_core::openapi::aide::map_scheme_urls::<Everything>(&mut early, url),
        0
    );
    let mut api = serde_json::to_value(api).unwrap();
    // A flow declared without a refresh URL has its token URL as one in aide's document
    // (aide would write `"refreshUrl": null`), or, implicit, its authorization URL,
    // rewritten as they are.
    for (name, flow) in api["components"]["securitySchemes"]["OAuth2"]["flows"]
        .as_object_mut()
        .unwrap()
        .iter_mut()
    {
        let flow = flow.as_object_mut().unwrap();
        if name == "password" {
            assert_eq!(flow["refreshUrl"], "/refresh?env=prod");
            continue;
        }
        let own = flow
            .get("tokenUrl")
            .or_else(|| flow.get("authorizationUrl"));
        assert_eq!(flow.get("refreshUrl"), own, "{name}");
        flow.remove("refreshUrl");
    }
    assert_eq!(api["components"]["securitySchemes"], expected);
}

#[test]
fn any_is_several_requirement_objects_for_each_scheme() {
    let _ = write::<scopes_core::Verifier>;
    let security = security_of!(write);
    let expected: Value = json!([
        {"OAuth2": ["write", "admin"]}, {"Keycloak": ["write", "admin"]},
        {"OAuth2": ["write", "read"]}, {"Keycloak": ["write", "read"]},
    ]);
    assert_eq!(serde_json::to_value(&security).unwrap(), expected);
    // A router layer's scopes come after the handler's. With `admin` required anyway,
    // the `read` alternative needs more than the `admin` one and is dropped.
    let layered = security_of!(write).and(PhantomData::<AdminLayer>);
    assert_eq!(
        serde_json::to_value(&layered).unwrap(),
        json!([{"OAuth2": ["write", "admin"]}, {"Keycloak": ["write", "admin"]}])
    );
}

/// A partner's table, with a scheme of its own, and a scoped extractor of it.
mod partner {
    use axum::extract::FromRequestParts;
    use axum::http::request::Parts;
    use axum::response::Response;
    use scopes_core::{requires_scopes, scopes};

    scopes! {
        /// The partner's scopes.
        pub Partner {
            "orders:read": "Read orders.",
            "orders:all": "Every order.",
        }
        oauth2 "Partner" { client_credentials { token_url: "https://partner.example.com/token" } }
    }

    /// Requires either of the partner's scopes.
    pub(crate) struct PartnerCall;

    #[requires_scopes(any("orders:read", "orders:all"), table = Partner)]
    impl<S: Send + Sync> FromRequestParts<S> for PartnerCall {
        type Rejection = Response;

        async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
            let _ = (parts, state);
            Ok(PartnerCall)
        }
    }
}

#[requires_scopes("write", table = Everything)]
async fn write_for_partner(_: partner::PartnerCall) {}

#[test]
fn an_extractor_of_another_table_is_required_under_its_own_schemes() {
    let _ = write_for_partner::<scopes_core::Verifier>;
    let security = security_of!(write_for_partner);
    // Each of the handler's objects (one per scheme of its table) with each of the
    // partner's alternatives under the partner's scheme: both are required.
    let expected: Value = json!([
        {"OAuth2": ["write"], "Partner": ["orders:read"]},
        {"OAuth2": ["write"], "Partner": ["orders:all"]},
        {"Keycloak": ["write"], "Partner": ["orders:read"]},
        {"Keycloak": ["write"], "Partner": ["orders:all"]},
    ]);
    assert_eq!(serde_json::to_value(&security).unwrap(), expected);
    // The documented 403 names every scope, the handler's first.
    let responses = serde_json::to_value(security.responses()).unwrap();
    assert!(
        responses
            .to_string()
            .contains(r#"scope=\"write orders:read orders:all\""#),
        "{responses}"
    );
}

/// The tutorial's whole document, as `/openapi.json` serves it.
fn tutorial_document() -> Value {
    serde_json::to_value(ApiDoc::openapi()).unwrap()
}

#[test]
fn the_tutorial_document_is_as_reviewed() {
    insta::assert_json_snapshot!("tutorial_openapi", tutorial_document());
}

#[test]
fn the_tutorial_document_has_fastapis_scheme_and_security() {
    let document = tutorial_document();
    assert_eq!(
        document["components"]["securitySchemes"],
        serde_json::to_value(security_schemes::<Tutorial>()).unwrap()
    );
    let security = |path: &str| document["paths"][path]["get"]["security"].clone();
    // FastAPI's `app.openapi()` for tutorial005.py, operation by operation.
    assert_eq!(
        security("/users/me/"),
        json!([{"OAuth2PasswordBearer": ["me"]}])
    );
    assert_eq!(
        security("/users/me/items/"),
        json!([{"OAuth2PasswordBearer": ["items", "me"]}])
    );
    assert_eq!(security("/status/"), json!([{"OAuth2PasswordBearer": []}]));
    assert_eq!(document["paths"]["/token"]["post"].get("security"), None);
}

#[test]
fn protected_operations_document_their_401_and_403() {
    let document = tutorial_document();
    let responses = |path: &str| document["paths"][path]["get"]["responses"].clone();
    let challenge = |path: &str, status: &str| {
        responses(path)[status]["headers"]["WWW-Authenticate"]["example"].clone()
    };
    assert_eq!(
        challenge("/users/me/items/", "403"),
        r#"Bearer error="insufficient_scope", scope="items me""#
    );
    assert_eq!(
        challenge("/users/me/", "403"),
        r#"Bearer error="insufficient_scope", scope="me""#
    );
    assert_eq!(
        challenge("/status/", "401"),
        r#"Bearer error="invalid_token", error_description="The access token expired""#
    );
    // A route that requires no scope cannot answer 403.
    assert_eq!(responses("/status/").get("403"), None);
    // The handler's own 200 is kept, and utoipa's responses equal the serde ones.
    let items = responses("/users/me/items/");
    assert_eq!(items["200"]["description"], "The current user's items");
    let serde =
        serde_json::to_value(security_of!(scopes_examples::tutorial::read_own_items).responses())
            .unwrap();
    assert_eq!(items["401"], serde["401"]);
    assert_eq!(items["403"], serde["403"]);
}

mod inference {
    //! The same handler with and without `#[requires_scopes]`: utoipa infers the same
    //! parameters and body, the injected `_: Authorized<…>` is invisible to it.
    use axum::Json;
    use axum::extract::{Path, Query};
    use scopes_core::requires_scopes;
    use serde::Deserialize;
    use utoipa::{IntoParams, ToSchema};

    use super::Everything;

    // Read by utoipa and serde only.
    #[allow(dead_code)]
    #[derive(Deserialize, IntoParams)]
    pub(super) struct Page {
        /// Items per page.
        pub(super) limit: Option<u32>,
    }

    #[allow(dead_code)]
    #[derive(Deserialize, ToSchema)]
    pub(super) struct Note {
        pub(super) text: String,
    }

    /// Update a note.
    #[utoipa::path(put, path = "/notes/{id}", params(("id" = u64, Path, description = "The note"), Page), request_body = Note, responses((status = 204)))]
    pub(super) async fn plain(
        Path(_id): Path<u64>,
        Query(_page): Query<Page>,
        Json(_note): Json<Note>,
    ) {
    }

    /// Update a note.
    #[requires_scopes("write", table = Everything)]
    #[utoipa::path(put, path = "/notes/{id}", params(("id" = u64, Path, description = "The note"), Page), request_body = Note, responses((status = 204)))]
    pub(super) async fn secured(
        Path(_id): Path<u64>,
        Query(_page): Query<Page>,
        Json(_note): Json<Note>,
    ) {
    }

    /// Update a note.
    #[requires_scopes("write", table = Everything)]
    #[axum::debug_handler(state = scopes_core::Verifier)]
    #[utoipa::path(put, path = "/notes/{id}", params(("id" = u64, Path, description = "The note"), Page), request_body = Note, responses((status = 204)))]
    pub(super) async fn debugged(
        Path(_id): Path<u64>,
        Query(_page): Query<Page>,
        Json(_note): Json<Note>,
    ) {
    }
}

#[test]
fn the_injected_parameter_leaves_utoipas_inference_alone() {
    use utoipa::Path as _;
    let plain = serde_json::to_value(inference::__path_plain::operation()).unwrap();
    let secured = serde_json::to_value(inference::__path_secured::operation()).unwrap();
    assert_eq!(secured["parameters"], plain["parameters"]);
    assert_eq!(secured["requestBody"], plain["requestBody"]);
    assert_eq!(plain["parameters"].as_array().unwrap().len(), 2);
    assert_eq!(secured["operationId"], "secured");
    assert_eq!(secured["summary"], "Update a note.");
    assert_eq!(
        secured["security"],
        json!([{"OAuth2": ["write"]}, {"Keycloak": ["write"]}])
    );
    assert_eq!(plain.get("security"), None);
    // `#[axum::debug_handler]` between the two: documented the same.
    let debugged = serde_json::to_value(inference::__path_debugged::operation()).unwrap();
    assert_eq!(debugged["parameters"], plain["parameters"]);
    assert_eq!(debugged["security"], secured["security"]);
    assert_eq!(debugged["operationId"], "debugged");
    assert_eq!(debugged["summary"], secured["summary"]);
    assert_eq!(debugged["requestBody"], secured["requestBody"]);
    assert_eq!(debugged["responses"], secured["responses"]);
    let _ = (
        inference::plain,
        inference::secured::<scopes_core::Verifier>,
        inference::debugged,
    );
}

#[test]
fn the_documented_responses_follow_the_response_mode() {
    use scopes_core::ResponseMode;
    // The default mode changes nothing.
    assert_eq!(
        serde_json::to_value(ApiDoc::document(ResponseMode::Rfc6750)).unwrap(),
        tutorial_document()
    );
    // FastAPI's: 401 for a missing scope too, challenged with the route's scopes.
    let document = serde_json::to_value(ApiDoc::document(ResponseMode::FastApi)).unwrap();
    let responses = |path: &str| document["paths"][path]["get"]["responses"].clone();
    let challenge =
        |path: &str| responses(path)["401"]["headers"]["WWW-Authenticate"]["example"].clone();
    for path in ["/users/me/", "/users/me/items/", "/status/"] {
        assert_eq!(responses(path).get("403"), None, "{path}");
        assert_eq!(
            responses(path)["200"],
            tutorial_document()["paths"][path]["get"]["responses"]["200"]
        );
    }
    assert_eq!(challenge("/users/me/items/"), r#"Bearer scope="items me""#);
    assert_eq!(challenge("/users/me/"), r#"Bearer scope="me""#);
    assert_eq!(challenge("/status/"), "Bearer");
    // The token endpoint's own 401 (invalid_client) is not ours to rewrite.
    assert_eq!(
        document["paths"]["/token"]["post"]["responses"]["401"],
        tutorial_document()["paths"]["/token"]["post"]["responses"]["401"]
    );
}

mod layered {
    //! Routes a `RequireScopesLayer<Everything, AdminLayer>` wraps.
    use scopes_core::requires_scopes;

    use super::Everything;

    #[requires_scopes("write", table = Everything)]
    #[utoipa::path(get, path = "/secured", responses((status = 200, description = "Written")))]
    pub(super) async fn secured() {}

    #[utoipa::path(get, path = "/plain", responses((status = 200, description = "Plain")))]
    pub(super) async fn plain() {}

    /// Documented by hand as optional authentication (`[{}]`).
    #[utoipa::path(get, path = "/optional", security(()), responses((status = 200, description = "Maybe")))]
    pub(super) async fn optional() {}

    /// Documents a 400 and a 403 of its own (validation, a rule of the application).
    #[requires_scopes("write", table = Everything)]
    #[utoipa::path(
        post,
        path = "/own",
        responses(
            (status = 200, description = "Written"),
            (status = 400, description = "Validation failed."),
            (status = 403, description = "Not your item."),
        )
    )]
    pub(super) async fn own() {}

    #[derive(utoipa::OpenApi)]
    #[openapi(paths(secured, plain, optional, own))]
    pub(super) struct Routes;
}

#[test]
fn an_operations_own_responses_are_kept_by_the_rewrites() {
    let _ = layered::own::<scopes_core::Verifier>;
    let mut document = <layered::Routes as OpenApi>::openapi();
    scopes_core::openapi::utoipa::add_layer_security::<Everything, AdminLayer>(&mut document);
    scopes_core::openapi::utoipa::document_response_mode(
        &mut document,
        scopes_core::ResponseMode::FastApi,
    );
    let document = serde_json::to_value(document).unwrap();
    let responses = &document["paths"]["/own"]["post"]["responses"];
    assert_eq!(responses["400"]["description"], "Validation failed.");
    assert_eq!(responses["403"]["description"], "Not your item.");
    // Ours, rewritten for the layer and the mode: FastAPI's 401 names every scope.
    assert_eq!(
        responses["401"]["headers"]["WWW-Authenticate"]["example"],
        r#"Bearer scope="write admin""#
    );
}

#[test]
fn a_layers_scopes_join_every_operation_it_wraps() {
    let _ = (
        layered::secured::<scopes_core::Verifier>,
        layered::plain,
        layered::optional,
    );
    let mut document = <layered::Routes as OpenApi>::openapi();
    scopes_core::openapi::utoipa::add_layer_security::<Everything, AdminLayer>(&mut document);
    let document = serde_json::to_value(document).unwrap();
    let operation = |path: &str| document["paths"][path]["get"].clone();
    // The handler's `write`, then the layer's `admin`, for each scheme.
    assert_eq!(
        operation("/secured")["security"],
        json!([{"OAuth2": ["write", "admin"]}, {"Keycloak": ["write", "admin"]}])
    );
    assert_eq!(
        operation("/secured")["responses"]["403"]["headers"]["WWW-Authenticate"]["example"],
        r#"Bearer error="insufficient_scope", scope="write admin""#
    );
    // A route without its own requirement gets the layer's, and its refusals.
    assert_eq!(
        operation("/plain")["security"],
        json!([{"OAuth2": ["admin"]}, {"Keycloak": ["admin"]}])
    );
    assert_eq!(
        operation("/plain")["responses"]["403"]["headers"]["WWW-Authenticate"]["example"],
        r#"Bearer error="insufficient_scope", scope="admin""#
    );
    assert_eq!(
        operation("/plain")["responses"]["200"]["description"],
        "Plain"
    );
    // Optional authentication under the layer is no longer optional: the layer's scopes.
    assert_eq!(
        operation("/optional")["security"],
        json!([{"OAuth2": ["admin"]}, {"Keycloak": ["admin"]}])
    );
    // The same as OperationSecurity says for the handler with the layer.
    let expected = security_of!(write).and(PhantomData::<AdminLayer>);
    let _ = write::<scopes_core::Verifier>;
    assert_eq!(
        serde_json::to_value(expected).unwrap(),
        json!([{"OAuth2": ["write", "admin"]}, {"Keycloak": ["write", "admin"]}])
    );
}

#[test]
fn a_layers_scopes_join_the_operations_under_its_prefix_only() {
    let _ = (
        layered::secured::<scopes_core::Verifier>,
        layered::plain,
        layered::optional,
    );
    let document = |prefix: Option<&str>| {
        let mut document = <layered::Routes as OpenApi>::openapi();
        match prefix {
            Some(prefix) => scopes_core::openapi::utoipa::add_layer_security_under::<
                Everything,
                AdminLayer,
            >(&mut document, prefix),
            None => scopes_core::openapi::utoipa::add_layer_security::<Everything, AdminLayer>(
                &mut document,
            ),
        }
        serde_json::to_value(document).unwrap()
    };
    let untouched = serde_json::to_value(<layered::Routes as OpenApi>::openapi()).unwrap();
    // Over the whole document (see `a_layers_scopes_join_every_operation_it_wraps`).
    let everywhere = document(None);
    // A document of every route, the layer wrapping what is nested at `/plain`: that
    // operation as the layer over the whole document makes it, the others untouched.
    let under = document(Some("/plain/"));
    assert_eq!(under["paths"]["/plain"], everywhere["paths"]["/plain"]);
    assert_ne!(under["paths"]["/plain"], untouched["paths"]["/plain"]);
    for path in ["/secured", "/optional", "/own"] {
        assert_eq!(under["paths"][path], untouched["paths"][path], "{path}");
    }
    // A prefix is a whole segment: `/pla` is not `/plain`'s. The leading slash may be
    // left out.
    assert_eq!(document(Some("/pla")), untouched);
    assert_eq!(document(Some("plain")), under);
    // `""` and `"/"` are every path.
    assert_eq!(document(Some("")), everywhere);
    assert_eq!(document(Some("/")), everywhere);
}

#[test]
fn dpop_is_documented_where_the_verifier_requires_it() {
    let mut openapi = ApiDoc::openapi();
    scopes_core::openapi::utoipa::document_dpop(&mut openapi, &scopes_core::Dpop::required());
    let document = serde_json::to_value(openapi).unwrap();
    // utoipa names no `DPoP` HTTP scheme: the proof header stands for it.
    let scheme = &document["components"]["securitySchemes"]["DPoP"];
    assert_eq!(
        (&scheme["type"], &scheme["in"], &scheme["name"]),
        (&json!("apiKey"), &json!("header"), &json!("DPoP"))
    );
    assert_eq!(
        document["paths"]["/users/me/items/"]["get"]["security"],
        json!([{"OAuth2PasswordBearer": ["items", "me"], "DPoP": []}])
    );
    // The token endpoint stays unauthenticated.
    assert_eq!(document["paths"]["/token"]["post"].get("security"), None);
}

mod cross_table {
    //! A handler of `Everything` taking a scoped extractor of the partner's table, and
    //! one taking an extractor of a table whose schemes have `Everything`'s names.
    use axum::extract::FromRequestParts;
    use axum::http::request::Parts;
    use axum::response::Response;
    use scopes_core::{requires_scopes, scopes};

    use super::Everything;
    use super::partner::PartnerCall;

    scopes! {
        /// Another table with `Everything`'s scheme names.
        pub Twin {
            "me": "Me.",
        }
        oauth2 { password { token_url: "/token" } }
        openid_connect "Keycloak" { url: "https://auth.example.com/.well-known/openid-configuration" }
    }

    pub(super) struct TwinUser;

    #[requires_scopes("me", table = Twin)]
    impl<S: Send + Sync> FromRequestParts<S> for TwinUser {
        type Rejection = Response;

        async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
            let _ = (parts, state);
            Ok(TwinUser)
        }
    }

    #[requires_scopes("write", table = Everything)]
    #[utoipa::path(get, path = "/partner", responses((status = 200, description = "Done")))]
    pub(super) async fn partner(_: PartnerCall) {}

    #[requires_scopes("write", table = Everything)]
    #[utoipa::path(get, path = "/twin", responses((status = 200, description = "Done")))]
    pub(super) async fn twin(_: TwinUser) {}

    /// Only the extractor requires scopes: a bare attribute documents them (utoipa has
    /// no way for an extractor to document itself).
    #[requires_scopes(table = Everything)]
    #[utoipa::path(get, path = "/partner-only", responses((status = 200, description = "Done")))]
    pub(super) async fn partner_only(_: PartnerCall) {}

    #[derive(utoipa::OpenApi)]
    #[openapi(paths(partner, twin, partner_only))]
    pub(super) struct Routes;
}

#[test]
fn a_bare_attribute_documents_the_scoped_extractor_it_is_given() {
    let _ = cross_table::partner_only::<scopes_core::Verifier>;
    let document = serde_json::to_value(<cross_table::Routes as OpenApi>::openapi()).unwrap();
    let operation = &document["paths"]["/partner-only"]["get"];
    let mut expected = Vec::new();
    for scheme in ["OAuth2", "Keycloak"] {
        for theirs in ["orders:read", "orders:all"] {
            expected.push(json!({ scheme: [], "Partner": [theirs] }));
        }
    }
    assert_eq!(operation["security"], Value::from(expected));
    assert!(operation["responses"]["403"].is_object(), "{operation}");
}

#[test]
fn another_tables_extractor_is_required_with_the_handler_in_utoipa_and_under_a_layer() {
    let _ = (
        cross_table::partner::<scopes_core::Verifier>,
        cross_table::twin::<scopes_core::Verifier>,
    );
    // Same scheme names: one list per scheme, never a scheme's list beside another's.
    assert_eq!(
        serde_json::to_value(security_of!(cross_table::twin)).unwrap(),
        json!([{"OAuth2": ["write", "me"]}, {"Keycloak": ["write", "me"]}])
    );
    let mut document = <cross_table::Routes as OpenApi>::openapi();
    let operation = |document: &Value, path: &str| document["paths"][path]["get"].clone();
    let partner = |handler: &[&str]| {
        let mut objects = Vec::new();
        for scheme in ["OAuth2", "Keycloak"] {
            for theirs in ["orders:read", "orders:all"] {
                objects.push(json!({ scheme: handler, "Partner": [theirs] }));
            }
        }
        Value::from(objects)
    };
    // utoipa writes each object whole: both schemes in it, both required.
    let written = serde_json::to_value(&document).unwrap();
    assert_eq!(
        operation(&written, "/partner")["security"],
        partner(&["write"])
    );
    assert_eq!(
        operation(&written, "/partner")["security"],
        serde_json::to_value(security_of!(cross_table::partner)).unwrap()
    );
    assert_eq!(
        operation(&written, "/twin")["security"],
        json!([{"OAuth2": ["write", "me"]}, {"Keycloak": ["write", "me"]}])
    );
    // A layer's `admin` joins the handler's part; the partner's stays beside it.
    scopes_core::openapi::utoipa::add_layer_security::<Everything, AdminLayer>(&mut document);
    let layered = serde_json::to_value(&document).unwrap();
    assert_eq!(
        operation(&layered, "/partner")["security"],
        partner(&["write", "admin"])
    );
    assert_eq!(
        operation(&layered, "/twin")["security"],
        json!([{"OAuth2": ["write", "me", "admin"]}, {"Keycloak": ["write", "me", "admin"]}])
    );
}

#[test]
fn the_lax_password_form_documents_grant_type_as_optional() {
    use scopes_core::issuer::{LaxPasswordForm, PasswordForm};
    use utoipa::{PartialSchema, ToSchema};
    let strict = serde_json::to_value(PasswordForm::schema()).unwrap();
    let lax = serde_json::to_value(LaxPasswordForm::schema()).unwrap();
    assert_eq!(
        strict["required"],
        json!(["grant_type", "username", "password"])
    );
    assert_eq!(lax["required"], json!(["username", "password"]));
    assert_eq!(
        lax["properties"]["username"],
        strict["properties"]["username"]
    );
    assert!(
        lax["properties"]["grant_type"]["description"]
            .as_str()
            .unwrap()
            .contains("absent"),
        "{lax}"
    );
    assert_eq!(LaxPasswordForm::name(), "LaxPasswordForm");
}
