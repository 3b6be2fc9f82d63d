//! `#[requires_scopes]` above `#[utoipa::path]`: utoipa's `paths(...)` finds the
//! secured `__path_` type, in this module or through a path.
use scopes_core::{requires_scopes, scopes};
use utoipa::OpenApi;

scopes! {
    pub Scopes {
        "items": "Read items.",
    }
    oauth2 "OAuth2PasswordBearer" { password { token_url: "token" } }
}

mod routes {
    use scopes_core::requires_scopes;

    use super::Scopes;

    /// Items.
    #[requires_scopes("items")]
    #[utoipa::path(get, path = "/items", responses((status = 200, description = "Items")),)]
    pub async fn read_items() {}
}

#[requires_scopes]
#[utoipa::path(get, path = "/status")]
async fn r#status() {}

#[derive(OpenApi)]
#[openapi(paths(routes::read_items, status), modifiers(&Scopes))]
struct ApiDoc;

fn main() {
    let _ = (routes::read_items::<scopes_core::Verifier>, r#status::<scopes_core::Verifier>);
    let _ = ApiDoc::openapi();
}
