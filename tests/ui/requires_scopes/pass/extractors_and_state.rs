// Other extractors, custom state with `FromRef`, claims and `debug_handler` all work.
use axum::extract::{FromRef, FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::routing::{get, post};
use axum::{Json, Router};
use scopes_core::{Claims, Key, Verifier, requires_scopes, scopes};

scopes! {
    pub Scopes {
        "items": "Read items.",
    }
}

#[derive(Clone, FromRef)]
struct AppState {
    verifier: Verifier,
    name: String,
}

struct Custom;

impl<S: Send + Sync> FromRequestParts<S> for Custom {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(_parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Custom)
    }
}

#[derive(serde::Deserialize)]
struct User {
    sub: String,
}

#[requires_scopes("items")]
#[axum::debug_handler(state = AppState)]
async fn create(
    State(name): State<String>,
    Path(id): Path<u32>,
    _custom: Custom,
    Claims(user): Claims<User>,
    Json(body): Json<serde_json::Value>,
) -> String {
    format!("{name} {id} {} {body}", user.sub)
}

/// Generic handlers keep their generics and where clauses.
#[requires_scopes("items")]
async fn generic<T>(State(name): State<String>) -> String
where
    T: Default + std::fmt::Debug,
{
    format!("{name} {:?}", T::default())
}

/// A parameter whose type uses the handler's constant generic.
struct Page<const N: usize>;

impl<S: Send + Sync, const N: usize> FromRequestParts<S> for Page<N> {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        _: &mut Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(Page)
    }
}

/// Constant generics too: the parameter that uses one is not probed.
#[requires_scopes("items")]
async fn paged<const N: usize>(State(name): State<String>, _page: Page<N>) -> String {
    format!("{name} {N}")
}

fn main() {
    let state = AppState { verifier: Verifier::new(Key::hs256([7; 32]).unwrap()).unwrap(), name: "app".into() };
    let _app: Router = Router::new().route("/items/{id}", post(create).get(generic::<u8>)).route("/pages", get(paged::<10>)).with_state(state);
}
