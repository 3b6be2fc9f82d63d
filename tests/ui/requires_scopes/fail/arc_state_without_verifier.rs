//! A `State<Arc<AppState>>` router whose `AppState` provides no `Verifier`: the error
//! names `Verifier` and `FromRef`.

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
#[axum::debug_handler(state = Arc<AppState>)]
async fn read_items(State(state): State<Arc<AppState>>) -> String {
    state.greeting.clone()
}

fn main() {
    let state = Arc::new(AppState { greeting: "hello".into() });
    let _app: Router = Router::new().route("/items", get(read_items)).with_state(state);
}
