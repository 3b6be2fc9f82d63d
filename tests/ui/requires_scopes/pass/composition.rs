// A scoped extractor, a requirement marker and a layer compose with handlers.
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use scopes_core::{Claims, Key, RequireScopesLayer, SecurityScopes, Verifier, requires_scopes, scopes};

scopes! {
    pub Scopes {
        "me": "Read information about the current user.",
        "items": "Read items.",
        "admin": "Administer.",
    }
}

#[derive(serde::Deserialize)]
struct User {
    sub: String,
}

struct CurrentUser(User);

#[requires_scopes("me")]
impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Claims(user) = Claims::<User>::from_request_parts(parts, state).await?;
        Ok(CurrentUser(user))
    }
}

#[requires_scopes("admin")]
struct Admin;

#[requires_scopes(any("me", "admin"))]
pub enum Anyone {}

#[requires_scopes("items")]
async fn items(CurrentUser(user): CurrentUser, security: SecurityScopes<Scopes>) -> String {
    format!("{} {}", user.sub, security.scope_str())
}

async fn plain(CurrentUser(user): CurrentUser) -> String {
    user.sub
}

fn main() {
    let verifier = Verifier::new(Key::hs256([7; 32]).unwrap()).unwrap();
    let _app: Router = Router::new()
        .route("/items", get(items))
        .route("/me", get(plain))
        .route_layer(RequireScopesLayer::<Scopes, Admin>::new(&verifier))
        .route_layer(RequireScopesLayer::<Scopes, Anyone>::new(&verifier))
        .with_state(verifier);
}
