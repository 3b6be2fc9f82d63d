//! A `State<Arc<AppState>>` router whose `AppState` provides no `Verifier`, without
//! `#[axum::debug_handler]`: the error, where the handler is routed, names `Verifier`
//! and `FromRef`.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use scopes_core::{requires_scopes, scopes};

scopes! {
    pub Scopes {
        "items": "Read items.",
    }
}

struct AppState {
    greeting: String,
}

#[requires_scopes("items")]
async fn read_items(State(state): State<Arc<AppState>>) -> String {
    state.greeting.clone()
}

fn main() {
    let state = Arc::new(AppState { greeting: "hello".into() });
    let _app: Router = Router::new().route("/items", get(read_items)).with_state(state);
}
