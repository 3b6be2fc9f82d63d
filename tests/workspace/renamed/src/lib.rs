//! A crate that depends on scopes-core renamed (`sc = { package = "scopes-core", … }`):
//! every macro names it `::sc`, read from this crate's Cargo.toml.

use axum::Router;
use axum::routing::get;
use sc::{Claims, Verifier, requires_scopes, scopes};

scopes! {
    /// This crate's table.
    pub Scopes {
        "items": "Read items.",
        "me": "Read information about the current user.",
    }
    oauth2 "OAuth2PasswordBearer" { password { token_url: "token" } }
}

/// The token's claims this crate reads.
#[derive(Debug, serde::Deserialize)]
pub struct User {
    /// The subject.
    pub sub: String,
}

/// Requires `items`.
#[requires_scopes("items")]
pub async fn read_items() -> &'static str {
    "items"
}

/// Requires `me` and `items`, and reads the claims.
#[requires_scopes("me", "items", table = Scopes)]
pub async fn read_me(Claims(user): Claims<User>) -> String {
    user.sub
}

/// The routes.
pub fn app(verifier: Verifier) -> Router {
    Router::new()
        .route("/items/", get(read_items))
        .route("/users/me", get(read_me))
        .with_state(verifier)
}
