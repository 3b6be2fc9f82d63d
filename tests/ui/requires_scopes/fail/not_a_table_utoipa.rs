//! `table = NotATable` on a handler documented with `#[utoipa::path]`: the one error,
//! on the path (the operation's documentation adds none).

use scopes_core::requires_scopes;

struct NotATable;

#[requires_scopes("items", table = NotATable)]
#[utoipa::path(get, path = "/items/{id}", params(("id" = u32, Path)))]
async fn read_item(axum::extract::Path(_id): axum::extract::Path<u32>) {}

#[requires_scopes("items", table = NotATable)]
#[utoipa::path(get, path = "/items")]
async fn read_items() {}

fn main() {}
