//! `table = NotATable` on a handler the router uses, as a new user writes it: one
//! error, on the path, and the router adds none (the handler stays a handler).

use axum::Router;
use axum::routing::get;
use scopes_core::{Key, Verifier, requires_scopes};

struct NotATable;

#[requires_scopes("items", "me", table = NotATable)]
async fn read_items() {}

fn main() {
    let verifier = Verifier::new(Key::hs256([7u8; 32]).unwrap()).unwrap();
    let _app: Router = Router::new()
        .route("/items", get(read_items))
        .with_state(verifier);
}
