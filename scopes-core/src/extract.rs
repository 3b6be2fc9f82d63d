//! The axum extractors.

use core::fmt;
use core::marker::PhantomData;
use std::borrow::Cow;

use axum::extract::{FromRef, FromRequestParts, OptionalFromRequestParts};
use http::request::Parts;
use serde::de::DeserializeOwned;

use crate::bearer::bearer_token;
use crate::requirement::scope_union;
use crate::{
    AuthRejection, Rejection, RequiredScopes, Requirement, ScopeSet, ScopeTable, VerifiedToken,
    Verifier,
};

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
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let verifier = Verifier::from_ref(state);
        let required = R::composed();
        let granted = verified_granting::<T>(parts, &verifier)
            .await
            .map_err(|reason| verifier.reject(reason, || required_scope(required, parts)))?;
        let layers = parts
            .extensions
            .get::<LayerScopes<T>>()
            .map_or(&[][..], |layers| &layers.0[..]);
        let met =
            |requirements: &[Requirement<T>]| requirements.iter().all(|r| r.is_met_by(&granted));
        if !met(required) || !layers.iter().all(|layer| met(layer)) {
            let scope = required_scope(required, parts);
            return Err(
                verifier.reject(AuthRejection::InsufficientScope { scope }, || {
                    Cow::Borrowed("")
                }),
            );
        }
        // The handler's check runs first and sees the whole composition; the checks of
        // the scoped extractors after it must not narrow what it recorded.
        if parts.extensions.get::<RequestScopes<T>>().is_none() {
            parts.extensions.insert(RequestScopes { required, granted });
        }
        Ok(Self {
            granted,
            requirement: PhantomData,
        })
    }
}

/// Every scope the route requires: `required`, then the router layers' that the
/// request passed; borrowed when there is a single requirement.
fn required_scope<T: ScopeTable>(required: &[Requirement<T>], parts: &Parts) -> Cow<'static, str> {
    let layers = parts
        .extensions
        .get::<LayerScopes<T>>()
        .map_or(&[][..], |layers| &layers.0[..]);
    match (required, layers) {
        ([only], []) => Cow::Borrowed(only.scope()),
        _ => scope_union(
            required
                .iter()
                .chain(layers.iter().flat_map(|layer| layer.iter())),
        )
        .join(" ")
        .into(),
    }
}

/// Requirements of router layers that a request passed, for the handler's check and
/// challenge to include.
pub(crate) struct LayerScopes<T: ScopeTable>(pub(crate) Vec<&'static [Requirement<T>]>);

impl<T: ScopeTable> Clone for LayerScopes<T> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

/// What the handler's check saw, for [`SecurityScopes`].
struct RequestScopes<T: ScopeTable> {
    required: &'static [Requirement<T>],
    granted: ScopeSet<T>,
}

impl<T: ScopeTable> Clone for RequestScopes<T> {
    fn clone(&self) -> Self {
        Self {
            required: self.required,
            granted: self.granted,
        }
    }
}

/// The scopes required of the current request and those the token grants: FastAPI's
/// `SecurityScopes`, plus the grant.
///
/// In a `#[requires_scopes]` handler, `required` lists the handler's scopes, then those
/// of the scoped extractors it takes, then those of its router layers. Elsewhere it
/// lists the layers' only, and the extractor verifies the token itself.
pub struct SecurityScopes<T: ScopeTable> {
    required: &'static [Requirement<T>],
    layers: Vec<&'static [Requirement<T>]>,
    granted: ScopeSet<T>,
}

impl<T: ScopeTable> SecurityScopes<T> {
    /// The required scope names, each once, the handler's first.
    pub fn scopes(&self) -> Vec<&'static str> {
        scope_union(
            self.required
                .iter()
                .chain(self.layers.iter().flat_map(|layer| layer.iter())),
        )
    }

    /// The required scopes, space-delimited (FastAPI's `scope_str`).
    pub fn scope_str(&self) -> String {
        self.scopes().join(" ")
    }

    /// The scopes the token grants, implications included.
    pub fn granted(&self) -> ScopeSet<T> {
        self.granted
    }
}

impl<T: ScopeTable> Clone for SecurityScopes<T> {
    fn clone(&self) -> Self {
        Self {
            required: self.required,
            layers: self.layers.clone(),
            granted: self.granted,
        }
    }
}

impl<T: ScopeTable> fmt::Debug for SecurityScopes<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecurityScopes")
            .field("scopes", &self.scopes())
            .field("granted", &self.granted)
            .finish()
    }
}

impl<S, T> FromRequestParts<S> for SecurityScopes<T>
where
    S: Send + Sync,
    T: ScopeTable,
    Verifier: FromRef<S>,
{
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let layers = parts
            .extensions
            .get::<LayerScopes<T>>()
            .map(|layers| layers.0.clone())
            .unwrap_or_default();
        if let Some(seen) = parts.extensions.get::<RequestScopes<T>>() {
            return Ok(Self {
                required: seen.required,
                layers,
                granted: seen.granted,
            });
        }
        let verifier = Verifier::from_ref(state);
        let granted = verified_granting::<T>(parts, &verifier)
            .await
            .map_err(|reason| verifier.reject(reason, || required_scope::<T>(&[], parts)))?;
        Ok(Self {
            required: &[],
            layers,
            granted,
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
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let verifier = Verifier::from_ref(state);
        verified(parts, &verifier)
            .await
            .and_then(|token| Ok(token.claims()?))
            .map(Self)
            .map_err(|reason| verifier.reject(reason, || Cow::Borrowed("")))
    }
}

/// Optional authentication: `None` when the request carries no bearer token, the
/// claims when it carries a valid one, and a refusal when it carries a bad one (a bad
/// token is never mistaken for an anonymous request).
impl<S, C> OptionalFromRequestParts<S> for Claims<C>
where
    S: Send + Sync,
    C: DeserializeOwned,
    Verifier: FromRef<S>,
{
    type Rejection = Rejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        match <Self as FromRequestParts<S>>::from_request_parts(parts, state).await {
            Ok(claims) => Ok(Some(claims)),
            Err(rejection) if *rejection.reason() == AuthRejection::MissingCredentials => Ok(None),
            Err(rejection) => Err(rejection),
        }
    }
}

/// The scopes of table `T` the request's token grants: read from the token verified
/// earlier in this request, or in the same pass as its verification now (the token is
/// then remembered for the extractors that follow).
pub(crate) async fn verified_granting<T: ScopeTable>(
    parts: &mut Parts,
    verifier: &Verifier,
) -> Result<ScopeSet<T>, AuthRejection> {
    if let Some(token) = parts.extensions.get::<VerifiedToken>() {
        return Ok(verifier.granted::<T>(token)?);
    }
    let (token, granted) = verifier
        .verify_and_grant_async::<T>(bearer_token(parts)?)
        .await?;
    parts.extensions.insert(token);
    Ok(granted)
}

/// [`verified_granting`] without waiting for a key set refresh (a layer's fast path).
pub(crate) fn verified_granting_now<T: ScopeTable>(
    parts: &mut Parts,
    verifier: &Verifier,
) -> Result<ScopeSet<T>, AuthRejection> {
    if let Some(token) = parts.extensions.get::<VerifiedToken>() {
        return Ok(verifier.granted::<T>(token)?);
    }
    let (token, granted) = verifier.verify_and_grant::<T>(bearer_token(parts)?)?;
    parts.extensions.insert(token);
    Ok(granted)
}

/// The token verified earlier in this request, or the request's bearer token verified
/// now and remembered for the extractors that follow.
async fn verified(parts: &mut Parts, verifier: &Verifier) -> Result<VerifiedToken, AuthRejection> {
    if let Some(token) = parts.extensions.get::<VerifiedToken>() {
        return Ok(token.clone());
    }
    let token = verifier.verify_async(bearer_token(parts)?).await?;
    parts.extensions.insert(token.clone());
    Ok(token)
}
