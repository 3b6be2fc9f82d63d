//! The table of another crate not imported, on handlers documented with
//! `#[utoipa::path]`: rustc's one "cannot find type `Scopes`" per handler, on the
//! attribute (the documentation adds none).

use scopes_core::requires_scopes;

// Forgot `use scopes_fixture_auth::Scopes;` (the fixture crate `scopes_fixture_auth` declares it).
#[requires_scopes("items")]
#[utoipa::path(get, path = "/items/{id}", params(("id" = u32, Path)))]
async fn read_item(axum::extract::Path(_id): axum::extract::Path<u32>) {}

#[requires_scopes("items")]
#[utoipa::path(get, path = "/items")]
async fn read_items() {}

fn main() {}
