//! A crate without a dependency on scopes-core: it reaches it through `auth`, and tells
//! the macros so once, in its Cargo.toml (`[package.metadata.scopes] crate =
//! "auth::scopes_core"`), or on a macro with `crate = auth::scopes_core`.

use auth::Scopes;
use auth::scopes_core::{self, Key, Verifier, requires_scopes};
use axum::Router;
use axum::routing::get;

scopes_core::scopes! {
    /// A table of this crate's own.
    pub Billing {
        "invoices:read": "Read invoices.",
    }
    oauth2 "OAuth2PasswordBearer" { password { token_url: "token" } }
}

/// Requires `items` of the auth crate's table (the crate's path given here as well).
#[requires_scopes("items", crate = auth::scopes_core)]
pub async fn read_items() -> &'static str {
    "items"
}

/// Requires `invoices:read` of this crate's table (the crate's path given here too, in a
/// string).
#[requires_scopes("invoices:read", table = Billing, crate = "auth::scopes_core")]
pub async fn read_invoices(auth::CurrentUser(user): auth::CurrentUser) -> String {
    user.sub
}

/// The routes.
pub fn app(secret: &str) -> Router {
    let _ = std::marker::PhantomData::<Scopes>;
    let verifier = Verifier::new(Key::hs256(secret).expect("a secret")).expect("a verifier");
    Router::new()
        .route("/items/", get(read_items))
        .route("/invoices/", get(read_invoices))
        .with_state(verifier)
}
