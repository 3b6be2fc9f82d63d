//! A table from another crate (the `auth` fixture), imported, by path, through an alias
//! and through a re-export; its scoped extractor and requirement too.

use auth::{Admin, CurrentUser, Scopes};
use axum::Router;
use axum::routing::get;
use scopes_core::{Key, RequireScopesLayer, SecurityScopes, Verifier, requires_scopes};

mod reexport {
    pub use auth::Scopes as Table;
}

type Alias = auth::Scopes;

#[requires_scopes("items")]
async fn imported(CurrentUser(user): CurrentUser) -> String {
    user.sub
}

#[requires_scopes("users:read", table = auth::Scopes)]
async fn by_path() {}

#[requires_scopes(any("users:write", "admin"), table = Alias)]
async fn aliased(scopes: SecurityScopes<Alias>) -> String {
    scopes.scope_str()
}

#[requires_scopes("me", table = reexport::Table)]
async fn reexported() {}

fn main() {
    let verifier = Verifier::new(Key::hs256([7; 32]).unwrap()).unwrap();
    let _app: Router = Router::new()
        .route("/imported", get(imported))
        .route("/by_path", get(by_path))
        .route("/aliased", get(aliased))
        .route("/reexported", get(reexported))
        .route_layer(RequireScopesLayer::<Scopes, Admin>::new(&verifier))
        .with_state(verifier);
}
