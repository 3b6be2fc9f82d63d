use axum::Router;
use axum::routing::get;
use scopes_core::{Key, Verifier, requires_scopes, scopes};

scopes! {
    pub Scopes {
        "me": "Read information about the current user.",
        "items": "Read items.",
        "admin": "Administer.",
    }
}

#[requires_scopes("items")]
async fn one() {}

#[requires_scopes("items", "me",)]
async fn all_of_them() {}

#[requires_scopes(any("items", "admin"))]
async fn any_of_them() {}

#[requires_scopes(all("me", any("items", all("admin", "me"))), any("admin", "items"))]
async fn nested() {}

/// Docs, attributes, visibility and the return type are kept.
#[requires_scopes("me")]
#[must_use = "kept"]
pub(crate) async fn kept() -> &'static str {
    "kept"
}

#[requires_scopes("me")]
async fn r#async() {}

fn main() {
    let verifier = Verifier::new(Key::hs256([7; 32]).unwrap()).unwrap();
    let _app: Router = Router::new()
        .route("/one", get(one))
        .route("/all", get(all_of_them))
        .route("/any", get(any_of_them))
        .route("/nested", get(nested))
        .route("/kept", get(kept))
        .route("/async", get(r#async))
        .with_state(verifier);
}
