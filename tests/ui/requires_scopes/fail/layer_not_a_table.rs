//! `RequireScopesLayer::<NotATable, _>`: the constructor says that `NotATable` is not a
//! scope table (then that `ReadItems` is not a requirement of it), and `.layer(…)`
//! adds nothing.

use axum::Router;
use axum::routing::get;
use scopes_core::{Key, RequireScopesLayer, Verifier, requires_scopes, scopes};

scopes! {
    pub Scopes {
        "items": "Read items.",
    }
}

struct NotATable;

#[requires_scopes("items")]
struct ReadItems;

async fn hello() -> &'static str {
    "hi"
}

fn main() {
    let verifier = Verifier::new(Key::hs256([7u8; 32]).unwrap()).unwrap();
    let _app: Router = Router::new()
        .route("/", get(hello))
        .layer(RequireScopesLayer::<NotATable, ReadItems>::new(&verifier));
}
