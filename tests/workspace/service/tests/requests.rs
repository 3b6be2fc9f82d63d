//! The service's routes with real tokens, and handlers of the test crate itself behind
//! the auth crate's table.

use auth::Scopes;
use axum::Router;
use axum::routing::get;
use scopes_core::issuer::Signer;
use scopes_core::openapi::security_of;
use scopes_core::requires_scopes;
use scopes_tests::{Reply, get as request, send};

fn token(scopes: &[&str]) -> String {
    Signer::hs256(service::SECRET)
        .unwrap()
        .mint("johndoe", scopes.iter().copied())
        .unwrap()
}

#[tokio::test]
async fn the_service_enforces_the_auth_crate_s_table() {
    let app = service::app();
    let forbidden = |scope: &str| {
        Reply::new(
            403,
            Some(&format!(
                r#"Bearer error="insufficient_scope", scope="{scope}""#
            )),
            r#"{"detail":"Not enough permissions"}"#,
        )
    };
    assert_eq!(
        send(&app, request("/items/", &token(&["items"]))).await,
        Reply::new(200, None, "items")
    );
    assert_eq!(
        send(&app, request("/items/", &token(&["me"]))).await,
        forbidden("items")
    );
    // The auth crate's scoped extractor adds `me`, listed after the handler's own.
    assert_eq!(
        send(&app, request("/users/me/items/", &token(&["items", "me"]))).await,
        Reply::new(200, None, "items of johndoe (items me)")
    );
    assert_eq!(
        send(&app, request("/users/me/items/", &token(&["items"]))).await,
        forbidden("items me")
    );
    assert_eq!(
        send(&app, request("/users/me/", &token(&["me"]))).await,
        Reply::new(200, None, "johndoe")
    );
    assert_eq!(
        send(&app, request("/users/me/", &token(&["items"]))).await,
        forbidden("me")
    );
    assert_eq!(
        send(&app, request("/users/", &token(&["users:read"]))).await,
        Reply::new(200, None, "users")
    );
    assert_eq!(
        send(&app, request("/users/", &token(&["me"]))).await,
        forbidden("users:read")
    );
    // `admin` implies the rest, across the crate boundary too.
    assert_eq!(
        send(&app, request("/users/edit", &token(&["admin"]))).await,
        Reply::new(200, None, "edited")
    );
    assert_eq!(
        send(&app, request("/users/edit", &token(&["users:write"]))).await,
        Reply::new(200, None, "edited")
    );
    assert_eq!(
        send(&app, request("/users/edit", &token(&["users:read"]))).await,
        forbidden("users:write admin")
    );
    assert_eq!(
        send(&app, request("/admin/stats", &token(&["admin"]))).await,
        Reply::new(200, None, "stats")
    );
    assert_eq!(
        send(&app, request("/admin/stats", &token(&["items"]))).await,
        forbidden("admin")
    );
    let unauthenticated = Reply::new(401, Some("Bearer"), r#"{"detail":"Not authenticated"}"#);
    let anonymous = axum::http::Request::get("/items/")
        .body(axum::body::Body::empty())
        .unwrap();
    assert_eq!(send(&app, anonymous).await, unauthenticated);
}

#[requires_scopes("items")]
async fn in_the_test_crate() -> &'static str {
    "here"
}

#[tokio::test]
async fn handlers_of_an_integration_test_use_the_table_too() {
    let app: Router = Router::new()
        .route("/here", get(in_the_test_crate))
        .with_state(service::verifier());
    assert_eq!(
        send(&app, request("/here", &token(&["items"]))).await,
        Reply::new(200, None, "here")
    );
    assert_eq!(
        send(&app, request("/here", &token(&["me"]))).await.status,
        403
    );
}

#[test]
fn utoipa_documents_a_handler_of_another_crate_with_the_auth_crate_s_scheme() {
    use utoipa::OpenApi;

    #[derive(OpenApi)]
    #[openapi(paths(service::routes::items::documented), modifiers(&Scopes))]
    struct ApiDoc;

    let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
    let get = &doc["paths"]["/items/documented"]["get"];
    assert_eq!(
        get["security"],
        serde_json::json!([{ "OAuth2PasswordBearer": ["items", "me"] }])
    );
    assert_eq!(
        get["responses"]["403"]["headers"]["WWW-Authenticate"]["example"],
        r#"Bearer error="insufficient_scope", scope="items me""#
    );
    let scheme = &doc["components"]["securitySchemes"]["OAuth2PasswordBearer"];
    assert_eq!(
        scheme["flows"]["password"]["scopes"]["admin"],
        "Everything."
    );
}

#[test]
fn a_handler_in_another_crate_documents_what_it_enforces() {
    let security = security_of!(service::routes::items::read_own_items);
    assert_eq!(
        serde_json::to_value(&security).unwrap(),
        serde_json::json!([{ "OAuth2PasswordBearer": ["items", "me"] }])
    );
    let edit = security_of!(service::routes::users::edit_user);
    assert_eq!(
        serde_json::to_value(&edit).unwrap(),
        serde_json::json!([
            { "OAuth2PasswordBearer": ["users:write"] },
            { "OAuth2PasswordBearer": ["admin"] }
        ])
    );
    let _ = std::marker::PhantomData::<Scopes>;
}
