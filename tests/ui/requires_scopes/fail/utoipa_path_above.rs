//! `#[utoipa::path]` above `#[requires_scopes]` would document the operation without its
//! security: an error that says the order.

use scopes_core::{requires_scopes, scopes};

scopes! {
    pub Scopes {
        "items": "Read items.",
    }
    oauth2 "OAuth2PasswordBearer" { password { token_url: "token" } }
}

#[utoipa::path(get, path = "/items", responses((status = 200, description = "The items")))]
#[requires_scopes("items")]
async fn read_items() {}

fn main() {}
