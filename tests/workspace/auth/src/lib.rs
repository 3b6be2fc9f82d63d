//! The company's auth crate: one scope table for every service, the scoped extractor
//! that loads the current user, and a requirement for admin-only routers.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::Response;
use scopes_core::{Claims, requires_scopes, scopes};
use serde::Deserialize;

/// Services reach scopes-core through this crate too.
pub use scopes_core;

scopes! {
    /// The scopes of every service of the company.
    pub Scopes {
        "me": "Read information about the current user.",
        "items": "Read items.",
        "users:read": "Read users.",
        "users:write": "Change users.",
        "admin": "Everything." implies ["me", "items", "users:read", "users:write"],
    }
    oauth2 "OAuth2PasswordBearer" { password { token_url: "token" } }
}

/// The verified token's user.
#[derive(Debug, Clone, Deserialize)]
pub struct User {
    /// The subject.
    pub sub: String,
}

/// The current user: requires `me` wherever it is used (FastAPI's
/// `Security(get_current_user, scopes=["me"])`).
#[derive(Debug, Clone)]
pub struct CurrentUser(pub User);

#[requires_scopes("me")]
impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Claims(user) = Claims::<User>::from_request_parts(parts, state).await?;
        Ok(Self(user))
    }
}

/// What an admin router requires (for `RequireScopesLayer`).
#[requires_scopes("admin")]
#[derive(Debug)]
pub struct Admin;

/// A handler guarded by the company's table, for crates that reach scopes-core only
/// through this one: `auth::guarded!(["items"] pub async fn read_items() -> … { … })`.
/// The paths go through `$crate`, which the attribute resolves where this macro is
/// defined.
#[macro_export]
macro_rules! guarded {
    ([$($scope:literal),+ $(,)?] $item:item) => {
        #[$crate::scopes_core::requires_scopes(
            $($scope,)+
            table = $crate::Scopes,
            crate = $crate::scopes_core
        )]
        $item
    };
}

/// The company's scope set of `names`, each checked at compile time, through `$crate`.
#[macro_export]
macro_rules! granted {
    ($($scope:literal),+ $(,)?) => {
        $crate::scopes_core::scope_set!($($scope,)+ table = $crate::Scopes, crate = $crate::scopes_core)
    };
}
