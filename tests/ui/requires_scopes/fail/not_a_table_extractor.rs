//! `table = NotATable` on a scoped extractor, used by a routed handler: the one error,
//! on the path (the check the attribute puts in `from_request_parts`, its OpenAPI
//! descriptions and its requirement for other tables' handlers add none).

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::Response;
use axum::routing::get;
use scopes_core::{Key, Verifier, requires_scopes};

struct NotATable;

struct CurrentUser;

#[requires_scopes("me", table = NotATable)]
impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let _ = (parts, state);
        Ok(CurrentUser)
    }
}

async fn me(_: CurrentUser) {}

fn main() {
    let verifier = Verifier::new(Key::hs256([7u8; 32]).unwrap()).unwrap();
    let _app: Router = Router::new()
        .route("/users/me", get(me))
        .with_state(verifier);
}
