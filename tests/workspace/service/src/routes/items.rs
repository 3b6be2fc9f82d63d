//! Items: the table imported by name.

use auth::{CurrentUser, Scopes};
use scopes_core::{SecurityScopes, requires_scopes};

/// Requires `items`.
#[requires_scopes("items")]
pub async fn read_items() -> &'static str {
    "items"
}

/// Documented with utoipa: `security` and 401/403 from the auth crate's table.
#[requires_scopes("items")]
#[utoipa::path(get, path = "/items/documented", responses((status = 200, description = "Items")))]
pub async fn documented(CurrentUser(user): CurrentUser) -> String {
    user.sub
}

/// Requires `items`, and `me` through the auth crate's scoped extractor.
#[requires_scopes("items")]
pub async fn read_own_items(
    CurrentUser(user): CurrentUser,
    scopes: SecurityScopes<Scopes>,
) -> String {
    format!("items of {} ({})", user.sub, scopes.scope_str())
}
