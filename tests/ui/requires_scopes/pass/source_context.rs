//! The attribute reads the source around it to refuse associated functions and a
//! `#[axum::debug_handler]` written above it. None of these is either: each must
//! compile.
use scopes_core::{Verifier, requires_scopes, scopes};

scopes! {
    pub Scopes {
        "me": "Read information about the current user.",
    }
}

/// A handler in a function body whose signature says `impl` after a `;` in brackets.
fn routes(_key: [u8; 32]) -> impl Fn() -> axum::Router<Verifier> {
    #[requires_scopes("me")]
    async fn inner() {}
    || axum::Router::new().route("/inner", axum::routing::get(inner))
}

/* #[axum::debug_handler] in a comment above is not an attribute. */
#[doc = "Nor is #[debug_handler] in a string."]
#[requires_scopes("me")]
async fn documented() {}

fn r#impl() -> axum::Router<Verifier> {
    #[requires_scopes("me")]
    async fn raw() {}
    axum::Router::new().route("/raw", axum::routing::get(raw))
}

fn main() {
    let _: axum::Router<Verifier> = routes([0; 32])()
        .merge(r#impl())
        .route("/documented", axum::routing::get(documented));
}
