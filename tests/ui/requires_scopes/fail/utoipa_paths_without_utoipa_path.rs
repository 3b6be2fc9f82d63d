//! `#[openapi(paths(read_items))]` (and utoipa-axum's `routes!`) on a handler that has
//! `#[requires_scopes]` but no `#[utoipa::path]`: one error, that says so.

use scopes_core::{requires_scopes, scopes};
use utoipa::OpenApi;

scopes! {
    pub Scopes {
        "items": "Read items.",
    }
    oauth2 "OAuth2PasswordBearer" { password { token_url: "token" } }
}

#[requires_scopes("items")]
async fn read_items() -> &'static str {
    "[]"
}

#[derive(OpenApi)]
#[openapi(paths(read_items), modifiers(&Scopes))]
struct ApiDoc;

fn main() {
    let _ = read_items::<scopes_core::Verifier>;
    let _ = ApiDoc::openapi();
}
