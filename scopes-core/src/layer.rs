//! A requirement for every route of a router: FastAPI's `dependencies=[Security(...)]`.

use core::fmt;
use core::future::Future;
use core::marker::PhantomData;
use core::pin::Pin;
use core::task::{Context, Poll};

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::Request;
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use crate::extract::{LayerScopes, verified_granting, verified_granting_now};
use std::borrow::Cow;

use crate::requirement::scope_union;
use crate::{AuthRejection, Rejection, RequiredScopes, ScopeTable, Verifier};

/// Requires the scopes of `R` (a struct annotated with `#[requires_scopes]`) on every
/// route it wraps.
///
/// The token is verified and checked before the route runs. Handlers below that have
/// their own `#[requires_scopes]` check the layer's scopes too and list them in their
/// challenge after their own, so a refusal names everything the route needs.
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
///     .route_layer(RequireScopesLayer::<Scopes, Admin>::new(verifier.clone()));
/// let app: Router = Router::new().nest("/admin", admin).with_state(verifier);
/// # Ok(()) }
/// ```
pub struct RequireScopesLayer<T, R> {
    verifier: Verifier,
    requirement: PhantomData<fn() -> (T, R)>,
}

impl<T: ScopeTable, R: RequiredScopes<T>> RequireScopesLayer<T, R> {
    /// The layer, verifying tokens with `verifier`.
    pub fn new(verifier: Verifier) -> Self {
        Self {
            verifier,
            requirement: PhantomData,
        }
    }
}

impl<T, R> Clone for RequireScopesLayer<T, R> {
    fn clone(&self) -> Self {
        Self {
            verifier: self.verifier.clone(),
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

impl<S, T: ScopeTable, R: RequiredScopes<T>> Layer<S> for RequireScopesLayer<T, R> {
    type Service = RequireScopes<S, T, R>;

    fn layer(&self, inner: S) -> Self::Service {
        RequireScopes {
            inner,
            verifier: self.verifier.clone(),
            requirement: PhantomData,
        }
    }
}

/// The service [`RequireScopesLayer`] wraps routes in.
pub struct RequireScopes<S, T, R> {
    inner: S,
    verifier: Verifier,
    requirement: PhantomData<fn() -> (T, R)>,
}

impl<S: Clone, T, R> Clone for RequireScopes<S, T, R> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            verifier: self.verifier.clone(),
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
    T: ScopeTable,
    R: RequiredScopes<T>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        let (mut parts, body) = request.into_parts();
        let granted = verified_granting_now::<T>(&mut parts, &self.verifier);
        if matches!(&granted, Err(AuthRejection::InvalidToken(error)) if self.verifier.may_refresh_for(*error))
        {
            // A key the fetched set lacks: wait for a refresh, off the fast path.
            let verifier = self.verifier.clone();
            let clone = self.inner.clone();
            let mut inner = std::mem::replace(&mut self.inner, clone);
            return ResponseFuture::deferred(Box::pin(async move {
                let granted = verified_granting::<T>(&mut parts, &verifier).await;
                match check::<T, R>(granted, &mut parts, &verifier) {
                    Ok(()) => inner.call(Request::from_parts(parts, body)).await,
                    Err(rejection) => Ok(rejection.into_response()),
                }
            }));
        }
        match check::<T, R>(granted, &mut parts, &self.verifier) {
            Ok(()) => ResponseFuture::inner(self.inner.call(Request::from_parts(parts, body))),
            Err(rejection) => ResponseFuture::refused(rejection.into_response()),
        }
    }
}

fn check<T: ScopeTable, R: RequiredScopes<T>>(
    granted: Result<crate::ScopeSet<T>, AuthRejection>,
    parts: &mut http::request::Parts,
    verifier: &Verifier,
) -> Result<(), Rejection> {
    let requirement = R::composed();
    let scope = || Cow::Owned(scope_union(requirement).join(" "));
    let granted = granted.map_err(|reason| verifier.reject(reason, scope))?;
    if !requirement.iter().all(|r| r.is_met_by(&granted)) {
        let reason = AuthRejection::InsufficientScope { scope: scope() };
        return Err(verifier.reject(reason, || Cow::Borrowed("")));
    }
    match parts.extensions.get_mut::<LayerScopes<T>>() {
        Some(layers) => layers.0.push(requirement),
        None => {
            parts.extensions.insert(LayerScopes::<T>(vec![requirement]));
        }
    }
    Ok(())
}

pin_project! {
    /// The future of [`RequireScopes`].
    pub struct ResponseFuture<F: Future> {
        #[pin]
        state: State<F>,
    }
}

pin_project! {
    #[project = StateProjection]
    enum State<F: Future> {
        // The request passed; the route answers.
        Inner { #[pin] future: F },
        // The request was refused.
        Refused { response: Option<Response> },
        // The token names a key the fetched set lacks: refresh, check, then answer.
        Deferred { future: Pin<Box<dyn Future<Output = F::Output> + Send>> },
    }
}

impl<F: Future> ResponseFuture<F> {
    fn deferred(future: Pin<Box<dyn Future<Output = F::Output> + Send>>) -> Self {
        Self {
            state: State::Deferred { future },
        }
    }

    fn inner(future: F) -> Self {
        Self {
            state: State::Inner { future },
        }
    }

    fn refused(response: Response) -> Self {
        Self {
            state: State::Refused {
                response: Some(response),
            },
        }
    }
}

impl<F: Future> fmt::Debug for ResponseFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

impl<F, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            StateProjection::Inner { future } => future.poll(cx),
            StateProjection::Refused { response } => Poll::Ready(Ok(response
                .take()
                .expect("ResponseFuture polled after completion"))),
            StateProjection::Deferred { future } => future.as_mut().poll(cx),
        }
    }
}
