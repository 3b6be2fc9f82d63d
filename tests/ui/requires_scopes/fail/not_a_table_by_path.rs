//! `table = a::B` where `B` is no table, on handlers with and without parameters, with
//! and without `#[utoipa::path]`, listed in an OpenAPI document: one error each, on the
//! path (a path of several segments is spanned as a whole, so rustc reports it once).

use scopes_core::requires_scopes;
use utoipa::OpenApi;

mod auth {
    pub struct User;
}

#[requires_scopes("items", table = auth::User)]
#[utoipa::path(get, path = "/items/{id}", params(("id" = u32, Path)))]
async fn read_item(axum::extract::Path(_id): axum::extract::Path<u32>) {}

#[requires_scopes("items", table = auth::User)]
#[utoipa::path(get, path = "/items")]
async fn read_items() {}

#[requires_scopes("items", table = crate::auth::User)]
async fn plain(axum::extract::Path(_id): axum::extract::Path<u32>) {}

#[derive(OpenApi)]
#[openapi(paths(read_item, read_items))]
struct Api;

fn main() {}
