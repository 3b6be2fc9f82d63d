//! Without scopes, `#[requires_scopes]` requires a valid token (and whatever the scoped
//! extractors taken require): the route is documented as secured with no scope.
//! (`#[requires_scopes()]`, empty parentheses, is an error: see `fail/`.)
use scopes_core::{Verifier, requires_scopes, scopes};

scopes! {
    pub Scopes {
        "me": "Read information about the current user.",
    }
}

#[requires_scopes]
async fn bare() {}

#[requires_scopes(table = Scopes)]
async fn table_only() {}

fn main() {
    let _: axum::Router<Verifier> = axum::Router::new()
        .route("/bare", axum::routing::get(bare))
        .route("/table", axum::routing::get(table_only));
}
