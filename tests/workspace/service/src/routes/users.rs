//! Users: the table by path, through an alias and through the service's re-export.

use auth::CurrentUser;
use scopes_core::requires_scopes;

type Table = auth::Scopes;

/// Requires a valid token and `me` (the scoped extractor's).
#[requires_scopes(table = auth::Scopes)]
pub async fn read_me(CurrentUser(user): CurrentUser) -> String {
    user.sub
}

/// Requires `users:read`.
#[requires_scopes("users:read", table = Table)]
pub async fn list_users() -> &'static str {
    "users"
}

/// Requires `users:write`, or `admin`.
#[requires_scopes(any("users:write", "admin"), table = crate::ServiceScopes)]
pub async fn edit_user() -> &'static str {
    "edited"
}

/// Behind the admin layer.
pub async fn stats() -> &'static str {
    "stats"
}
