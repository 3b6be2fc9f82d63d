use axum::Router;
use axum::routing::get;
use scopes_core::{requires_scopes, scopes};

scopes! {
    pub Scopes {
        "items": "Read items.",
    }
}

#[derive(Clone)]
struct AppState {
    name: String,
}

#[requires_scopes("items")]
#[axum::debug_handler(state = AppState)]
async fn checked() {}

#[requires_scopes("items")]
async fn read_items() {}

fn main() {
    // No `Verifier` reachable from the state: the handlers are not handlers.
    let _app: Router = Router::new()
        .route("/items", get(read_items))
        .with_state(AppState { name: "app".into() });
}
