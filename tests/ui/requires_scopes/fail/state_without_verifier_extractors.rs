//! A router state without a `Verifier`, for handlers that also take the crate's
//! extractors (`SecurityScopes`, `Claims`, a scoped extractor of the table): each route
//! is the worded error, not axum's "`Handler<_, _>` is not satisfied" (their own bounds
//! ask the same of the state).

use std::sync::Arc;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::Response;
use axum::routing::get;
use scopes_core::{Claims, SecurityScopes, requires_scopes, scopes};

scopes! {
    pub Scopes {
        "items": "Read items.",
        "me": "Read me.",
    }
}

#[derive(Clone)]
struct AppState;

struct CurrentUser;

#[requires_scopes("me")]
impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = Response;

    async fn from_request_parts(_parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(CurrentUser)
    }
}

#[requires_scopes("items")]
async fn scopes_of(security: SecurityScopes<Scopes>) -> String {
    security.scope_str()
}

#[requires_scopes("items")]
async fn claims(Claims(claims): Claims<serde_json::Value>) -> String {
    claims.to_string()
}

#[requires_scopes("items")]
async fn me(_: CurrentUser) {}

fn main() {
    let _app: Router = Router::new()
        .route("/scopes", get(scopes_of))
        .with_state(Arc::new(AppState));
    let _app: Router = Router::new()
        .route("/claims", get(claims))
        .with_state(AppState);
    let _app: Router = Router::new()
        .route("/me", get(me))
        .with_state(Arc::new(AppState));
}
