use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use scopes_core::{requires_scopes, scopes};

scopes! {
    pub Scopes {
        "me": "Read information about the current user.",
    }
}

struct Me;

// The extractor's rejection must be able to carry the scope refusal.
#[requires_scopes("me")]
impl<S: Send + Sync> FromRequestParts<S> for Me {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let _ = (parts, state);
        Ok(Me)
    }
}

fn main() {}
