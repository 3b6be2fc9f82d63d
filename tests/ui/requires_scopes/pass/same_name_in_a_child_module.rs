//! A handler, and one of the same name in a child module that imports its parent's
//! names with `use super::*` (versioned APIs do): no ambiguity between what the two
//! attributes leave beside them, with or without `#[utoipa::path]`, and either one
//! reachable by path from elsewhere in the crate.

use scopes_core::{Key, Verifier, requires_scopes, scopes};
use utoipa::OpenApi;

scopes! {
    pub Scopes {
        "items": "Read items.",
    }
    oauth2 "OAuth2PasswordBearer" { password { token_url: "token" } }
}

mod api {
    use super::*;

    #[requires_scopes("items")]
    pub async fn read_items() -> &'static str {
        "[]"
    }

    pub mod v2 {
        use super::*;

        #[requires_scopes("items")]
        #[utoipa::path(get, path = "/v2/items", responses((status = 200, description = "Items")))]
        pub async fn read_items() -> &'static str {
            "[]"
        }
    }
}

#[derive(OpenApi)]
#[openapi(paths(api::v2::read_items), modifiers(&Scopes))]
struct ApiDoc;

fn main() {
    let verifier = Verifier::new(Key::hs256([7u8; 32]).unwrap()).unwrap();
    let _app: axum::Router = axum::Router::new()
        .route("/items", axum::routing::get(api::read_items))
        .route("/v2/items", axum::routing::get(api::v2::read_items))
        .with_state(verifier);
    let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
    assert_eq!(
        doc["paths"]["/v2/items"]["get"]["security"],
        serde_json::json!([{ "OAuth2PasswordBearer": ["items"] }])
    );
}
