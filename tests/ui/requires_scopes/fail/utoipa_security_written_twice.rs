//! `#[requires_scopes]` writes the operation's `security` and owns `impl_for`.
use scopes_core::{requires_scopes, scopes};

scopes! {
    pub Scopes {
        "items": "Read items.",
    }
    oauth2 "OAuth2PasswordBearer" { password { token_url: "token" } }
}

#[requires_scopes("items")]
#[utoipa::path(get, path = "/items", security(("OAuth2PasswordBearer" = ["items"])))]
async fn read_items() {}

struct Elsewhere;

#[requires_scopes("items")]
#[utoipa::path(get, path = "/items/mine", impl_for = Elsewhere)]
async fn read_own_items() {}

fn main() {}
