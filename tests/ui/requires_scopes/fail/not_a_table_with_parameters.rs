//! `table = NotATable` on a handler with parameters of its own, routed: still the one
//! error, on the path (the composition with the parameters' requirements adds none).

use axum::Router;
use axum::extract::{Path, Query};
use axum::routing::get;
use scopes_core::{Key, Verifier, requires_scopes};

struct NotATable;

#[derive(serde::Deserialize)]
struct Page {
    _page: u32,
}

#[requires_scopes("items", "me", table = NotATable)]
async fn read_item(Path(_id): Path<u32>, Query(_page): Query<Page>) {}

fn main() {
    let verifier = Verifier::new(Key::hs256([7u8; 32]).unwrap()).unwrap();
    let _app: Router = Router::new()
        .route("/items/{id}", get(read_item))
        .with_state(verifier);
}
