// A private table at the crate root serves `pub` handlers anywhere in the crate.
use axum::Router;
use axum::routing::get;
use scopes_core::{Key, Verifier, requires_scopes, scopes};

scopes! {
    Scopes {
        "items": "Read items.",
    }
}

#[requires_scopes("items")]
pub async fn public() {}

pub mod nested {
    use super::Scopes;
    use scopes_core::requires_scopes;

    #[requires_scopes("items")]
    pub async fn deep() {}
}

fn main() {
    let verifier = Verifier::new(Key::hs256([7; 32]).unwrap()).unwrap();
    let _app: Router = Router::new()
        .route("/public", get(public))
        .route("/deep", get(nested::deep))
        .with_state(verifier);
}
