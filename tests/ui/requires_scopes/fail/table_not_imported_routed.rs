//! A table from another crate that was not imported, on a routed handler: rustc's one
//! "cannot find type `Scopes`" on the attribute, and nothing from the router.

use axum::Router;
use axum::routing::get;
use scopes_core::{Key, Verifier, requires_scopes};

// Forgot `use scopes_fixture_auth::Scopes;` (the fixture crate `scopes_fixture_auth` declares it).
#[requires_scopes("items")]
async fn read_items() {}

fn main() {
    let verifier = Verifier::new(Key::hs256([7u8; 32]).unwrap()).unwrap();
    let _app: Router = Router::new()
        .route("/items", get(read_items))
        .with_state(verifier);
}
