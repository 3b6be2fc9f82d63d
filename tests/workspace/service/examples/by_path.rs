//! An example of the service crate: the auth crate's table by path.

use scopes_core::requires_scopes;

#[requires_scopes("me", table = auth::Scopes)]
async fn whoami() -> &'static str {
    "me"
}

fn main() {
    let _app: axum::Router = axum::Router::new()
        .route("/whoami", axum::routing::get(whoami))
        .with_state(service::verifier());
}
