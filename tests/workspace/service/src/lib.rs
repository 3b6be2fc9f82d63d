//! A service of the company: its routes use the auth crate's table, imported, by path,
//! through an alias and through a re-export.

pub mod routes;

use auth::{Admin, Scopes};
use axum::Router;
use axum::routing::get;
use scopes_core::{Key, RequireScopesLayer, Verifier};

/// The table under the service's own name (a re-export).
pub use auth::Scopes as ServiceScopes;

/// The HS256 secret of the tests.
pub const SECRET: &str = "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7";

/// The service's verifier.
pub fn verifier() -> Verifier {
    Verifier::new(Key::hs256(SECRET).expect("a 32-byte secret")).expect("a valid verifier")
}

/// The service's routes.
pub fn app() -> Router {
    let verifier = verifier();
    let admin: Router<Verifier> = Router::new()
        .route("/stats", get(routes::users::stats))
        .route_layer(RequireScopesLayer::<Scopes, Admin>::new(&verifier));
    Router::new()
        .route("/items/", get(routes::items::read_items))
        .route("/items/documented", get(routes::items::documented))
        .route("/users/me/", get(routes::users::read_me))
        .route("/users/me/items/", get(routes::items::read_own_items))
        .route("/users/", get(routes::users::list_users))
        .route("/users/edit", get(routes::users::edit_user))
        .nest("/admin", admin)
        .with_state(verifier)
}
