//! A handler documented with `#[utoipa::path]` in one module, and one of the same name
//! under `#[requires_scopes]` alone in a module that `use super::*`: the glob brings
//! utoipa's `__path_list` beside the attribute's own. rustc reports the ambiguity, and
//! the order check says what to do instead of only blaming an order that is right.

use scopes_core::{requires_scopes, scopes};

scopes! {
    pub Scopes {
        "items": "Read items.",
    }
    oauth2 "OAuth2PasswordBearer" { password { token_url: "token" } }
}

#[utoipa::path(get, path = "/list", responses((status = 200, description = "The list")))]
async fn list() -> &'static str {
    "public"
}

mod admin {
    use super::*;

    #[requires_scopes("items")]
    pub async fn list() -> &'static str {
        "admin"
    }
}

fn main() {}
