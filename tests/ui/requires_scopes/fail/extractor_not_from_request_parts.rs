use axum::extract::{FromRequest, Request};
use axum::response::Response;
use scopes_core::{requires_scopes, scopes};

scopes! {
    pub Scopes {
        "me": "Read information about the current user.",
    }
}

struct User;

// Not a trait impl.
#[requires_scopes("me")]
impl User {
    fn name(&self) -> &str {
        "johndoe"
    }
}

// A body-reading extractor: scoped extractors read no body.
struct Upload;

#[requires_scopes("me")]
impl<S: Send + Sync> FromRequest<S> for Upload {
    type Rejection = Response;

    async fn from_request(_request: Request, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Upload)
    }
}

fn main() {}
