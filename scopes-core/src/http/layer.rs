//! A requirement for every route of a router: FastAPI's `dependencies=[Security(...)]`.

use core::fmt;
use core::future::Future;
use core::marker::PhantomData;
use core::pin::Pin;
use core::task::{Context, Poll};

use axum::body::Body;
use axum::extract::FromRef;
use axum::response::Response;
use http::Request;
use http::request::Parts;
use tower_layer::Layer;
use tower_service::Service;

use super::extract::{LayerScopes, scope_of, step_up, verified};
use super::observe;
use super::refusal::{self, AuthRejection, Rejection};
use super::verifier::Verifier;
use crate::table::{RequiredScopes, ScopeTable};
use crate::token::VerifiedToken;

/// Requires the scopes of `R` (a struct annotated with `#[requires_scopes]`) on every
/// route it wraps.
///
/// The token is verified and checked before the route runs, by the verifier of the
/// router state ([`new`](Self::new)). Handlers below that have their own
/// `#[requires_scopes]` on the same table check the layer's scopes too, against their
/// own verification, and list them in their challenge after their own, so a refusal
/// by the handler names everything the route needs. A refusal by the layer itself names
/// the layer's scopes only: it answers before the route is called, and cannot see what
/// the handler requires. Where neither requirement implies the other, a client that
/// asks for only the layer's scopes then meets the handler's refusal, which names both;
/// put the handler's scopes in the layer's requirement too if one round trip matters.
///
/// A layer given a verifier of its own ([`with_verifier`](Self::with_verifier)) never
/// vouches for a token to the handlers: their extractors verify it again with the
/// state's verifier, so a laxer layer cannot let a token through.
///
/// Give it with `route_layer`, as below: it then wraps the router's routes. With
/// `layer` it also wraps the router's fallback, which an app that merges the router
/// inherits, so that a path no route serves answers 401 or 403 instead of 404; and a
/// browser's CORS preflight (which carries no token) never reaches a CORS layer inside
/// it: put tower-http's `CorsLayer` outside (README, "Browsers: CORS").
///
/// ```
/// # use axum::{Router, routing::get};
/// # use scopes_core::{Key, RequireScopesLayer, Verifier, requires_scopes, scopes};
/// scopes! { pub Scopes { "admin": "Administer." } }
///
/// #[requires_scopes("admin")]
/// struct Admin;
///
/// # fn main() -> Result<(), scopes_core::ConfigError> {
/// let verifier = Verifier::new(Key::hs256([7; 32])?)?;
/// let admin: Router<Verifier> = Router::new()
///     .route("/stats", get(|| async { "stats" }))
///     .route_layer(RequireScopesLayer::<Scopes, Admin>::new(&verifier));
/// let app: Router = Router::new().nest("/admin", admin).with_state(verifier);
/// # Ok(()) }
/// ```
pub struct RequireScopesLayer<T, R> {
    verifier: Verifier,
    conclude: Conclude,
    requirement: PhantomData<fn() -> (T, R)>,
}

/// The layer's check once the token's verification is known: [`conclude::<T, R>`],
/// taken where `T` and `R` are known to be a table and its requirement (the
/// constructors), so that the `Layer` and `Service` impls need no bounds of their own:
/// a type that is neither is then one error, at the constructor, not one more at
/// `.layer(…)`.
type Conclude =
    fn(&mut Parts, &Verifier, Result<VerifiedToken, AuthRejection>) -> Result<(), Rejection>;

// The bounds are on the constructors, not on the impl: a type that is not a requirement
// of the table is then `RequiredScopes`' own error, which says how to declare one
// (rather than "`new` exists but its trait bounds were not satisfied").
impl<T, R> RequireScopesLayer<T, R> {
    /// The layer, verifying tokens with the router state's [`Verifier`] (the one the
    /// extractors reach through `FromRef`): pass the state, or the verifier itself.
    /// Whatever verifier this yields is the layer's; the handlers trust its tokens only
    /// if it is theirs (a clone of the state's), and verify again otherwise.
    pub fn new<S>(state: &S) -> Self
    where
        T: ScopeTable,
        R: RequiredScopes<T>,
        Verifier: FromRef<S>,
    {
        Self::with_verifier(Verifier::from_ref(state))
    }

    /// The layer, verifying tokens with a verifier of its own. The tokens it verifies
    /// are bound to that verifier: handlers verify them again with theirs.
    pub fn with_verifier(verifier: Verifier) -> Self
    where
        T: ScopeTable,
        R: RequiredScopes<T>,
    {
        Self {
            verifier,
            conclude: conclude::<T, R>,
            requirement: PhantomData,
        }
    }
}

impl<T, R> Clone for RequireScopesLayer<T, R> {
    fn clone(&self) -> Self {
        Self {
            verifier: self.verifier.clone(),
            conclude: self.conclude,
            requirement: PhantomData,
        }
    }
}

impl<T: ScopeTable, R: RequiredScopes<T>> fmt::Debug for RequireScopesLayer<T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequireScopesLayer")
            .field("requirement", &R::REQUIREMENT)
            .finish()
    }
}

impl<S, T, R> Layer<S> for RequireScopesLayer<T, R> {
    type Service = RequireScopes<S, T, R>;

    fn layer(&self, inner: S) -> Self::Service {
        RequireScopes {
            inner,
            verifier: self.verifier.clone(),
            conclude: self.conclude,
            requirement: PhantomData,
        }
    }
}

/// The service [`RequireScopesLayer`] wraps routes in.
pub struct RequireScopes<S, T, R> {
    inner: S,
    verifier: Verifier,
    conclude: Conclude,
    requirement: PhantomData<fn() -> (T, R)>,
}

impl<S: Clone, T, R> Clone for RequireScopes<S, T, R> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            verifier: self.verifier.clone(),
            conclude: self.conclude,
            requirement: PhantomData,
        }
    }
}

impl<S, T: ScopeTable, R: RequiredScopes<T>> fmt::Debug for RequireScopes<S, T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequireScopes")
            .field("requirement", &R::REQUIREMENT)
            .finish_non_exhaustive()
    }
}

impl<S, T, R> Service<Request<Body>> for RequireScopes<S, T, R>
where
    S: Service<Request<Body>, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = ResponseFuture<S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        let (verifier, conclude) = (self.verifier.clone(), self.conclude);
        let mut inner = take_ready(&mut self.inner);
        ResponseFuture(Box::pin(async move {
            let (mut parts, body) = request.into_parts();
            // The resource's metadata document is read without a token (RFC 9728).
            if let Some(document) = verifier.metadata_answer(&parts) {
                return Ok(document);
            }
            // Verified as every extractor verifies (the one path), then checked.
            let verified = verified(&mut parts, &verifier).await;
            match conclude(&mut parts, &verifier, verified) {
                Ok(()) => inner.call(Request::from_parts(parts, body)).await,
                // Answered in the refused request's header map (emptied first), its
                // body left unread.
                Err(rejection) => {
                    let unread =
                        refusal::leaves_unread(parts.version, &parts.method, &parts.headers, &body);
                    Ok(rejection.unread(unread).respond_in(parts.headers))
                }
            }
        }))
    }
}

/// Checks `R` against the request's verified token (`verified`); records the
/// requirement for the handler's own check and challenge.
fn conclude<T: ScopeTable, R: RequiredScopes<T>>(
    parts: &mut Parts,
    verifier: &Verifier,
    verified: Result<VerifiedToken, AuthRejection>,
) -> Result<(), Rejection> {
    let requirement = R::composed();
    // Borrowed where it can be (one alternative): its challenge is then formatted once.
    let scope = || scope_of(requirement, &[], &[]);
    let token = match verified {
        Ok(token) => token,
        Err(reason) => return Err(verifier.rejection(parts, reason, scope)),
    };
    let granted = token.granted::<T>();
    // Refused, the token is released (kept for the next only if nothing records it).
    let refuse = |reason, token: VerifiedToken| {
        let refused = verifier.refusal(reason, scope, Some(&token), || None);
        token.release();
        refused
    };
    if !requirement.iter().all(|r| r.is_met_by(&granted)) {
        return Err(refuse(AuthRejection::InsufficientScope, token));
    }
    if let Some(step_up) = step_up(requirement.iter(), &token, verifier) {
        return Err(refuse(step_up, token));
    }
    observe::admitted("layer", verifier.label(), &token, scope);
    match parts.extensions.get_mut::<LayerScopes<T>>() {
        Some(layers) => layers.0.push(requirement),
        None => {
            parts.extensions.insert(LayerScopes::<T>(vec![requirement]));
        }
    }
    Ok(())
}

/// The inner service that was polled ready, to call from a future; a clone, not yet
/// polled, stays in its place (tower's rule for services called from a future).
pub(crate) fn take_ready<S: Clone>(inner: &mut S) -> S {
    let clone = inner.clone();
    std::mem::replace(inner, clone)
}

/// The future of [`RequireScopes`] (and of [`McpScopes`](crate::McpScopes)).
pub struct ResponseFuture<E>(Pin<Box<dyn Future<Output = Result<Response, E>> + Send>>);

impl<E> ResponseFuture<E> {
    pub(crate) fn new(future: impl Future<Output = Result<Response, E>> + Send + 'static) -> Self {
        Self(Box::pin(future))
    }
}

impl<E> fmt::Debug for ResponseFuture<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

impl<E> Future for ResponseFuture<E> {
    type Output = Result<Response, E>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.0.as_mut().poll(cx)
    }
}
