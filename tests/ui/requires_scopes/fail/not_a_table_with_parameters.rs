//! `table = NotATable` on a handler with parameters of its own, one of them a scoped
//! extractor, routed: still the one error, on the path (the composition with the
//! parameters' requirements adds none).

use axum::Router;
use axum::extract::{FromRequestParts, Path, Query};
use axum::http::request::Parts;
use axum::response::Response;
use axum::routing::get;
use scopes_core::{Key, Verifier, requires_scopes, scopes};

scopes! {
    pub Scopes {
        "me": "Read information about the current user.",
    }
}

struct CurrentUser;

#[requires_scopes("me")]
impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let _ = (parts, state);
        Ok(CurrentUser)
    }
}

struct NotATable;

#[derive(serde::Deserialize)]
struct Page {
    _page: u32,
}

#[requires_scopes("items", "me", table = NotATable)]
async fn read_item(_: CurrentUser, Path(_id): Path<u32>, Query(_page): Query<Page>) {}

fn main() {
    let verifier = Verifier::new(Key::hs256([7u8; 32]).unwrap()).unwrap();
    let _app: Router = Router::new()
        .route("/items/{id}", get(read_item))
        .with_state(verifier);
}
