//! Items: the table imported by name.

use auth::{CurrentUser, Scopes};
use scopes_core::{SecurityScopes, requires_scopes};

/// Requires `items`.
#[requires_scopes("items")]
pub async fn read_items() -> &'static str {
    "items"
}

/// Requires `items`, and `me` through the auth crate's scoped extractor.
#[requires_scopes("items")]
pub async fn read_own_items(
    CurrentUser(user): CurrentUser,
    scopes: SecurityScopes<Scopes>,
) -> String {
    format!("items of {} ({})", user.sub, scopes.scope_str())
}
