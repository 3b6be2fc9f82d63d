//! The axum extractors.

use core::fmt;
use core::marker::PhantomData;

use axum::extract::{FromRef, FromRequestParts};
use http::request::Parts;
use serde::de::DeserializeOwned;

use crate::bearer::bearer_token;
use crate::{AuthRejection, RequiredScopes, ScopeSet, ScopeTable, VerifiedToken, Verifier};

/// Verifies the bearer token and checks the scopes `R` requires of table `T`.
///
/// `#[requires_scopes]` injects it as the handler's first parameter, so the token is
/// checked before any other extractor runs (a bad token answers 401/403, never a 422
/// about the body). It can also be written by hand with a type implementing
/// [`RequiredScopes`].
pub struct Authorized<T: ScopeTable, R: RequiredScopes<T>> {
    granted: ScopeSet<T>,
    requirement: PhantomData<fn() -> R>,
}

impl<T: ScopeTable, R: RequiredScopes<T>> Authorized<T, R> {
    /// The scopes the token grants (implications included).
    pub fn granted(&self) -> ScopeSet<T> {
        self.granted
    }
}

impl<T: ScopeTable, R: RequiredScopes<T>> fmt::Debug for Authorized<T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authorized")
            .field("granted", &self.granted)
            .finish()
    }
}

impl<S, T, R> FromRequestParts<S> for Authorized<T, R>
where
    S: Send + Sync,
    T: ScopeTable,
    R: RequiredScopes<T>,
    Verifier: FromRef<S>,
{
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let verifier = Verifier::from_ref(state);
        let token = verified(parts, &verifier)?;
        let granted = verifier.granted::<T>(&token)?;
        let requirement = R::REQUIREMENT;
        if !requirement.is_met_by(&granted) {
            return Err(AuthRejection::InsufficientScope {
                scope: requirement.scope(),
            });
        }
        Ok(Self {
            granted,
            requirement: PhantomData,
        })
    }
}

/// The verified claims of the bearer token, deserialized into `C`.
///
/// In a `#[requires_scopes]` handler it reuses the token the attribute verified; on its
/// own it verifies the token (no scopes required). Claims that do not fit `C` answer
/// `401 invalid_token`, as FastAPI does when its Pydantic model fails.
///
/// ```
/// # use scopes_core::Claims;
/// #[derive(serde::Deserialize)]
/// struct User {
///     sub: String,
/// }
///
/// async fn whoami(Claims(user): Claims<User>) -> String {
///     user.sub
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Claims<C>(pub C);

impl<S, C> FromRequestParts<S> for Claims<C>
where
    S: Send + Sync,
    C: DeserializeOwned,
    Verifier: FromRef<S>,
{
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let token = verified(parts, &Verifier::from_ref(state))?;
        Ok(Self(token.claims()?))
    }
}

/// The token verified earlier in this request, or the request's bearer token verified
/// now and remembered for the extractors that follow.
fn verified(parts: &mut Parts, verifier: &Verifier) -> Result<VerifiedToken, AuthRejection> {
    if let Some(token) = parts.extensions.get::<VerifiedToken>() {
        return Ok(token.clone());
    }
    let token = verifier.verify(bearer_token(parts)?)?;
    parts.extensions.insert(token.clone());
    Ok(token)
}
