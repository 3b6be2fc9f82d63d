use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::Response;
use scopes_core::{requires_scopes, scopes};

scopes! {
    pub Scopes {
        "me": "Read information about the current user.",
    }
}

struct Wrapper<T>(T);

// The requirement is per type: a generic extractor cannot carry one.
#[requires_scopes("me")]
impl<S: Send + Sync, T: Default> FromRequestParts<S> for Wrapper<T> {
    type Rejection = Response;

    async fn from_request_parts(_parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Wrapper(T::default()))
    }
}

struct Unnamed;

// The check needs the parameters by name.
#[requires_scopes("me")]
impl<S: Send + Sync> FromRequestParts<S> for Unnamed {
    type Rejection = Response;

    async fn from_request_parts(_: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Unnamed)
    }
}

fn main() {}
