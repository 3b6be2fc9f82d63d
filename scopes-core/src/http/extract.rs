//! The axum extractors.

use core::fmt;
use core::marker::PhantomData;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::borrow::Cow;

use axum::extract::{FromRequest, FromRequestParts, OptionalFromRequestParts, Request};
use axum::response::Response;
use http::request::Parts;
use serde::de::DeserializeOwned;

use super::bearer::credentials;
use super::dpop::ProofMark;
use super::observe;
use super::refusal::{self, AuthRejection, Rejection};
use super::verifier::{Verifier, VerifierState};
use crate::error::TokenError;
use crate::table::{
    Authentication, Composed, ForeignRequirement, HandlerOf, RequiredScopes, Requirement, ScopeSet,
    ScopeTable, scope_union, scope_union_of,
};
use crate::token::VerifiedToken;

/// `check(args…)`, a check's future, as the future of the marker type
/// (`NeedsVerifierInState<R>`, `NeedsVerifierInStateSole<R>`): with debug assertions the
/// check returns `()` and [`Marked`] gives the marker; without them, the check returns
/// the marker itself (see [`Concludes`]). A macro, so that a debug build compiles no
/// function per handler for it.
macro_rules! as_marker {
    ($check:ident($($arg:expr),*), $marker:expr) => {{
        #[cfg(debug_assertions)]
        let future = Marked {
            check: $check($($arg,)* ()),
            marker: $marker,
        };
        #[cfg(not(debug_assertions))]
        let future = $check($($arg,)* $marker);
        future
    }};
}

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
    S: Send + Sync + VerifierState,
    T: ScopeTable,
    R: RequiredScopes<T>,
{
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        // Thin on purpose: this is instantiated for every requirement; the work is in
        // `verified_unrecorded` (once) and `conclude` (once per table).
        let verifier = state.verifier();
        let verified = verified_unrecorded(parts, &verifier).await;
        let granted = conclude::<T>(parts, &verifier, R::parts(), verified, Record::Yes)
            .map_err(|refused| refused.leaving(parts))?;
        Ok(Self {
            granted,
            requirement: PhantomData,
        })
    }
}

/// What `#[requires_scopes]` injects as a handler's first parameter: [`Authorized`]
/// without the table in its type. The table is reached through `R` (see
/// [`HandlerCheck`]), so a handler's signature names none, and a path that is not a
/// table is an error only where the attribute names it: the handler is still a handler.
///
/// It serves handlers that cannot be generic over the router's state (under
/// `#[axum::debug_handler]`, or generic already); the others take [`CheckIn`]. Its name
/// is what axum's own error shows when such a handler's router state gives no
/// `Verifier` ("the trait bound `fn(NeedsVerifierInState<…>, …) -> … : Handler<…,
/// AppState>` is not satisfied").
#[doc(hidden)]
pub struct NeedsVerifierInState<R: HandlerCheck>(PhantomData<fn() -> R>);

/// Implemented by `#[requires_scopes]` for a handler's requirement type, and for a
/// scoped extractor (whose own check is
/// [`NeedsVerifierInState<Self>`](NeedsVerifierInState)): hands the table, as a type, and
/// the composed requirement to what needs them (the check, OpenAPI).
///
/// For a handler none of whose parameters is probed (it has none, or each mentions
/// the handler's generics) the requirement is an inline constant of
/// `with_table` itself, which is generic (over the visitor), so that `cargo check`
/// does not evaluate it (the literals' own constants report unknown names) and the
/// handler needs no [`RequiredScopes`] impl of its own.
#[doc(hidden)]
pub trait HandlerCheck: Send + Sync + 'static {
    /// `visitor.visit::<Table>(composed)`.
    fn with_table<V: TableVisitor>(visitor: V) -> V::Output;
}

/// What [`HandlerCheck::with_table`] hands a handler's table and requirement to.
#[doc(hidden)]
pub trait TableVisitor {
    /// What the visit gives.
    type Output;

    /// Visits table `T` and the handler's requirement, composed with its parameters'.
    fn visit<T: ScopeTable>(self, composed: Composed<T>) -> Self::Output;
}

/// The requirement of the handler whose hidden requirement type is `R`, of table `T`
/// (which `R`'s [`HandlerOf`] impl names): for `security_of!`, and for tests.
#[doc(hidden)]
pub fn handler_requirement<T: ScopeTable, R: HandlerCheck + HandlerOf<T>>() -> Composed<T> {
    R::with_table(OfTable(PhantomData))
}

/// [`handler_requirement`]'s visitor.
struct OfTable<T>(PhantomData<fn() -> T>);

impl<T: ScopeTable> TableVisitor for OfTable<T> {
    type Output = Composed<T>;

    fn visit<U: ScopeTable>(self, composed: Composed<U>) -> Composed<T> {
        // `U` is `T`: `#[requires_scopes]` writes `HandlerOf<T>` and `with_table` for the
        // table's one path, so the downcast cannot fail.
        let composed: &dyn core::any::Any = &composed;
        match composed.downcast_ref::<Composed<T>>() {
            Some(composed) => *composed,
            None => unreachable!("a handler's `HandlerOf` and `with_table` name one table"),
        }
    }
}

/// The handler check's table part: [`conclude`] with the handler's requirement.
struct Conclude<'a> {
    parts: &'a mut Parts,
    verifier: &'a Verifier,
    verified: Verified,
    record: Record,
}

impl TableVisitor for Conclude<'_> {
    type Output = Result<(), Rejection>;

    fn visit<T: ScopeTable>(self, composed: Composed<T>) -> Self::Output {
        let Self {
            parts,
            verifier,
            verified,
            record,
        } = self;
        match conclude::<T>(parts, verifier, composed, verified, record) {
            Ok(_) => Ok(()),
            Err(refused) => Err(refused),
        }
    }
}

/// Whether an admitted check records what it saw in the request's extensions.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Record {
    /// For the extractors that follow it (its other parameters).
    Yes,
    /// Nothing follows: the handler takes no other parameter, and the request's parts
    /// are dropped once the check is done, so a record would be read by no one.
    No,
}

/// What `#[requires_scopes]` injects into a handler that is not under
/// `#[axum::debug_handler]`: [`NeedsVerifierInState`], its type naming the router's state
/// `S` too. The handler is then generic over `S`, which rustc infers where the handler
/// is routed (`get(handler)`): a state that gives no `Verifier` is reported there by the
/// handler's bound `__RouterState: VerifierState` ("the router's state `AppState` gives
/// no `Verifier`…", [`VerifierState`]'s message), where axum's own error would name only
/// `Handler<_, _>`.
#[doc(hidden)]
pub struct CheckIn<R: HandlerCheck, S>(PhantomData<fn() -> (R, S)>);

/// [`CheckIn`] as a handler's only extractor: what [`NeedsVerifierInStateSole`] does.
#[doc(hidden)]
pub struct CheckInSole<R: HandlerCheck, S>(PhantomData<fn() -> (R, S)>);

/// `Clone`, `Copy` and `Debug` for the zero-sized types `#[requires_scopes]` injects.
/// Their extractor impls below are written out, each on its own: rustc shows their
/// source in the errors of a router state without a `Verifier`, where an impl written
/// by a macro would read `impl … for $ty` and "in this macro invocation".
macro_rules! injected {
    ($($name:ident<$($param:ident),*>),* $(,)?) => {$(
        impl<R: HandlerCheck $(, $param)*> Clone for $name<R $(, $param)*> {
            fn clone(&self) -> Self {
                *self
            }
        }

        impl<R: HandlerCheck $(, $param)*> Copy for $name<R $(, $param)*> {}

        impl<R: HandlerCheck $(, $param)*> fmt::Debug for $name<R $(, $param)*> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(stringify!($name))
            }
        }
    )*};
}

injected! {
    NeedsVerifierInState<>,
    NeedsVerifierInStateSole<>,
    CheckIn<S>,
    CheckInSole<S>,
}

impl<S, R> FromRequestParts<S> for NeedsVerifierInState<R>
where
    S: VerifierState + Send + Sync,
    R: HandlerCheck,
{
    type Rejection = Rejection;

    /// The check itself is [`check_parts`]; what it is compiled into per handler, see
    /// [`Concludes`].
    fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> impl Future<Output = Result<Self, Self::Rejection>> + Send {
        as_marker!(
            check_parts(parts, state, concluder::<R>()),
            Self(PhantomData)
        )
    }
}

/// [`NeedsVerifierInState`]'s, for a handler generic over the router's state.
impl<S, R> FromRequestParts<S> for CheckIn<R, S>
where
    S: VerifierState + Send + Sync,
    R: HandlerCheck,
{
    type Rejection = Rejection;

    fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> impl Future<Output = Result<Self, Self::Rejection>> + Send {
        as_marker!(
            check_parts(parts, state, concluder::<R>()),
            Self(PhantomData)
        )
    }
}

impl<S, R> FromRequest<S> for NeedsVerifierInStateSole<R>
where
    S: VerifierState + Send + Sync,
    R: HandlerCheck,
{
    /// The refusal's response, built here: it is written in the request's header map
    /// ([`Rejection::respond_in`]), which the request, dropped with the refusal, no
    /// longer needs.
    type Rejection = Response;

    /// The check itself is [`sole_check`]; what it is compiled into per handler, see
    /// [`Concludes`].
    fn from_request(
        request: Request,
        state: &S,
    ) -> impl Future<Output = Result<Self, Self::Rejection>> + Send {
        as_marker!(
            sole_check(request, state, concluder::<R>()),
            Self(PhantomData)
        )
    }
}

/// [`NeedsVerifierInStateSole`]'s, for a handler generic over the router's state.
impl<S, R> FromRequest<S> for CheckInSole<R, S>
where
    S: VerifierState + Send + Sync,
    R: HandlerCheck,
{
    type Rejection = Response;

    fn from_request(
        request: Request,
        state: &S,
    ) -> impl Future<Output = Result<Self, Self::Rejection>> + Send {
        as_marker!(
            sole_check(request, state, concluder::<R>()),
            Self(PhantomData)
        )
    }
}

/// [`NeedsVerifierInState`]'s work: the token's verification, then the handler's
/// requirement (`conclude`).
async fn check_parts<M>(
    parts: &mut Parts,
    state: &impl VerifierState,
    conclude: impl Concludes,
    marker: M,
) -> Result<M, Rejection> {
    let verifier = state.verifier();
    let verified = verified_unrecorded(parts, &verifier).await;
    match conclude.conclude(Conclude {
        parts,
        verifier: &verifier,
        verified,
        record: Record::Yes,
    }) {
        Ok(()) => Ok(marker),
        // Other extractors (a body's among them) follow, and will not run.
        Err(refused) => Err(refused.leaving(parts)),
    }
}

/// A handler's requirement, checked against a verification ([`Conclude`]).
///
/// The checks ([`check_parts`], [`sole_check`]) are one path in the source, compiled
/// in one of two ways that `debug_assertions` chooses ([`concluder`], `as_marker!`):
/// - with debug assertions (`cargo build`, `cargo test`): the requirement is a
///   function pointer and the marker `()`, so the checks' futures are compiled once
///   for all handlers of a router state's type, and each handler adds only the small
///   [`Marked`] future around them (rustc's instructions for a debug build of an
///   annotated handler: −17 %; its LLVM IR: −27 %);
/// - without (release, `cargo bench`): the requirement is a type ([`ByRequirement`])
///   and the marker the handler's, so each handler's check is one future compiled for
///   its requirement, with nothing called through a pointer or moved twice on the
///   request's path.
///
/// Both forms answer every request alike: the unit tests below run both on the same
/// requests, whatever the profile, and CI lints the second with `clippy --release`.
trait Concludes: Copy + Send + Sync + 'static {
    /// `R::with_table(conclude)` for the handler's requirement `R`.
    fn conclude(self, conclude: Conclude<'_>) -> Result<(), Rejection>;
}

impl Concludes for for<'a> fn(Conclude<'a>) -> Result<(), Rejection> {
    fn conclude(self, conclude: Conclude<'_>) -> Result<(), Rejection> {
        self(conclude)
    }
}

/// The [`Concludes`] of a build without debug assertions: the requirement `R` as a type.
struct ByRequirement<R>(PhantomData<fn() -> R>);

impl<R> Clone for ByRequirement<R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<R> Copy for ByRequirement<R> {}

impl<R: HandlerCheck> Concludes for ByRequirement<R> {
    #[inline]
    fn conclude(self, conclude: Conclude<'_>) -> Result<(), Rejection> {
        R::with_table(conclude)
    }
}

/// The handler's [`Concludes`] (see there for why it depends on the build profile).
#[cfg(debug_assertions)]
fn concluder<R: HandlerCheck>() -> for<'a> fn(Conclude<'a>) -> Result<(), Rejection> {
    |conclude| ByRequirement::<R>(PhantomData).conclude(conclude)
}

/// The handler's [`Concludes`] (see there for why it depends on the build profile).
#[cfg(not(debug_assertions))]
#[inline]
fn concluder<R: HandlerCheck>() -> ByRequirement<R> {
    ByRequirement(PhantomData)
}

pin_project_lite::pin_project! {
    /// A check's future, compiled once, as the future of the marker type a handler
    /// takes (`NeedsVerifierInState<R>`, `NeedsVerifierInStateSole<R>`): rustc then
    /// builds, per handler, this small future rather than the whole verification's.
    struct Marked<F, M> {
        #[pin]
        check: F,
        marker: M,
    }
}

impl<F, E, M> Future for Marked<F, M>
where
    F: Future<Output = Result<(), E>>,
    M: Copy,
{
    type Output = Result<M, E>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // A `match` rather than `map`s: per handler, one function instead of three.
        let this = self.project();
        match this.check.poll(cx) {
            Poll::Ready(Ok(())) => Poll::Ready(Ok(*this.marker)),
            Poll::Ready(Err(refused)) => Poll::Ready(Err(refused)),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// What `#[requires_scopes]` injects into a handler that takes no parameter of its own:
/// what [`NeedsVerifierInState`] does, as the handler's only extractor. Nothing can
/// follow it, so it records nothing for later extractors (the request's parts are
/// dropped once it is done), and, taking the whole request, it spares rustc axum's
/// bounds for a request-parts extractor in last place.
#[doc(hidden)]
pub struct NeedsVerifierInStateSole<R: HandlerCheck>(PhantomData<fn() -> R>);

/// [`NeedsVerifierInStateSole`]'s work: [`NeedsVerifierInState`]'s, recording nothing,
/// and a refusal answered in the request's own header map.
///
/// The request is taken apart before the future is built, which then holds its parts
/// alone (an `async fn` would keep the whole request beside them, a few hundred bytes
/// more to move on every request).
fn sole_check<M: Send>(
    request: Request,
    state: &impl VerifierState,
    conclude: impl Concludes,
    marker: M,
) -> impl Future<Output = Result<M, Response>> + Send {
    let (mut parts, body) = request.into_parts();
    let verifier = state.verifier();
    async move {
        let verified = verified_unrecorded(&parts, &verifier).await;
        match conclude.conclude(Conclude {
            parts: &mut parts,
            verifier: &verifier,
            verified,
            record: Record::No,
        }) {
            Ok(()) => Ok(marker),
            // A refusal leaves the body unread.
            Err(rejection) => {
                let unread =
                    refusal::leaves_unread(parts.version, &parts.method, &parts.headers, &body);
                Err(rejection.unread(unread).respond_in(parts.headers))
            }
        }
    }
}

/// A handler check's verification, for its table's part ([`conclude`]).
type Verified = Result<(VerifiedToken, Fresh), AuthRejection>;

/// The handler's check, once the token's verification is known: checks `required` and
/// the router layers' requirements against what this verifier grants, and records what
/// it saw for [`SecurityScopes`] and [`Claims`].
fn conclude<T: ScopeTable>(
    parts: &mut Parts,
    verifier: &Verifier,
    composed: Composed<T>,
    verified: Verified,
    record: Record,
) -> Result<ScopeSet<T>, Rejection> {
    let Composed {
        own: required,
        foreign,
    } = composed;
    let (token, fresh) = match verified {
        Ok(verified) => verified,
        Err(reason) => {
            let parts = &*parts;
            return Err(
                verifier.rejection(parts, reason, || required_scope(required, foreign, parts))
            );
        }
    };
    let granted = token.granted::<T>();
    // A router layer's requirement is checked again against this verifier's grant: the
    // layer may have trusted another verifier.
    let layers = parts
        .extensions
        .get::<LayerScopes<T>>()
        .map_or(&[][..], |layers| &layers.0[..]);
    // Refused, the token is released: nothing records it.
    let refuse = |reason, token: VerifiedToken| {
        let scope = || scope_of(required, layers, foreign);
        let refused = verifier.refusal(reason, scope, Some(&token), || None);
        token.release();
        refused
    };
    let met = |requirements: &[Requirement<T>]| requirements.iter().all(|r| r.is_met_by(&granted));
    // The scoped extractors of other tables are checked here too (they check again
    // when they run), so that a refusal names everything the handler needs at once.
    let foreign_met = || {
        foreign
            .iter()
            .all(|requirement| requirement.is_met_by(token.scope_text()))
    };
    if !met(required) || !layers.iter().all(|layer| met(layer)) || !foreign_met() {
        return Err(refuse(AuthRejection::InsufficientScope, token));
    }
    let all = required
        .iter()
        .chain(layers.iter().flat_map(|layer| layer.iter()));
    if let Some(step_up) = step_up(all, &token, verifier) {
        return Err(refuse(step_up, token));
    }
    observe::admitted("handler", verifier.label(), &token, || {
        scope_of(required, layers, foreign)
    });
    if record == Record::No {
        token.release();
        return Ok(granted);
    }
    // Admitted: the token is recorded for the extractors that follow (the handler's
    // check runs first, so when it refuses there are none, and it records nothing).
    if let Some(mark) = fresh {
        parts.extensions.insert(token.clone());
        record_mark(parts, mark);
    }
    // The handler's check runs first and sees the whole composition; the checks of the
    // scoped extractors after it must not narrow what it recorded.
    let recorded = parts.extensions.get::<RequestScopes<T>>();
    if !recorded.is_some_and(|seen| verifier.vouched_for(&seen.token)) {
        parts.extensions.insert(RequestScopes {
            required,
            foreign,
            granted,
            token,
        });
        // `Claims` knows no table: when its refusals name the route's scopes (FastAPI's
        // mode), or their events do (a subscriber listens), it finds them through this.
        // The first check's (the handler's, which names everything): a scoped extractor
        // of another table checks after it and must not narrow it.
        if (verifier.names_scope(&AuthRejection::InvalidToken(TokenError::ClaimsMismatch))
            || observe::refusals_traced())
            && parts.extensions.get::<RouteScope>().is_none()
        {
            parts.extensions.insert(RouteScope(route_scope::<T>));
        }
    }
    Ok(granted)
}

/// The refusal when the token does not meet how `requirements` ask the user to have
/// authenticated (RFC 9470), else `None`. Each requirement is checked; the refusal asks
/// for what they accept together (a route's requirements compose, the strictest
/// winning): the `acr` values all of them accept, and the strictest `max_age`.
pub(crate) fn step_up<'r, T: ScopeTable>(
    requirements: impl Iterator<Item = &'r Requirement<T>> + Clone,
    token: &VerifiedToken,
    verifier: &Verifier,
) -> Option<AuthRejection> {
    let leeway = verifier.leeway_secs();
    let needs = requirements.map(Requirement::authentication);
    needs
        .clone()
        .find(|needed| needed.is_required() && !token.authenticated_as(needed, leeway))?;
    Some(step_up_refusal(needs, token, leeway))
}

/// [`step_up`]'s refusal, out of the admit's path: what `needs` ask together, and
/// whether only the login's age failed. Each unmet requirement accepting the token's
/// `acr` (or asking none) means the login is too old, or its time unknown, and the
/// refusal says so (RFC 9470 §3's two texts).
#[inline(never)]
fn step_up_refusal<'a>(
    needs: impl Iterator<Item = &'a Authentication> + Clone,
    token: &VerifiedToken,
    leeway: u64,
) -> AuthRejection {
    let only_too_old = needs
        .clone()
        .filter(|needed| needed.is_required() && !token.authenticated_as(needed, leeway))
        .all(|needed| {
            needed.acr().is_empty() || token.acr().is_some_and(|acr| needed.acr().contains(&acr))
        });
    let combined = Authentication::combined(needs).refused_as(only_too_old);
    AuthRejection::InsufficientUserAuthentication(combined)
}

/// Every scope the route requires: `required`, then the router layers' that the
/// request passed; borrowed when there is a single requirement.
fn required_scope<T: ScopeTable>(
    required: &[Requirement<T>],
    foreign: &[ForeignRequirement],
    parts: &Parts,
) -> Cow<'static, str> {
    let layers = parts
        .extensions
        .get::<LayerScopes<T>>()
        .map_or(&[][..], |layers| &layers.0[..]);
    scope_of(required, layers, foreign)
}

/// [`required_scope`], the router layers' requirements known: `required`, the layers',
/// then those of other tables (`foreign`).
pub(crate) fn scope_of<T: ScopeTable>(
    required: &[Requirement<T>],
    layers: &[&'static [Requirement<T>]],
    foreign: &[ForeignRequirement],
) -> Cow<'static, str> {
    match (required, layers, foreign) {
        ([only], [], []) => Cow::Borrowed(only.scope()),
        _ => scope_union_of(
            required
                .iter()
                .chain(layers.iter().flat_map(|layer| layer.iter()))
                .map(Requirement::scope)
                .chain(foreign.iter().map(ForeignRequirement::scope)),
        )
        .join(" ")
        .into(),
    }
}

/// Lists the scopes of the route whose handler check passed, for refusals by extractors
/// that know no table ([`Claims`]).
#[derive(Clone, Copy)]
struct RouteScope(fn(&Parts) -> Cow<'static, str>);

fn route_scope<T: ScopeTable>(parts: &Parts) -> Cow<'static, str> {
    let (required, foreign) = parts
        .extensions
        .get::<RequestScopes<T>>()
        .map_or((&[][..], &[][..]), |seen| (seen.required, seen.foreign));
    required_scope(required, foreign, parts)
}

/// Requirements of router layers that a request passed, for the handler's check and
/// challenge to include.
pub(crate) struct LayerScopes<T: ScopeTable>(pub(crate) Vec<&'static [Requirement<T>]>);

impl<T: ScopeTable> Clone for LayerScopes<T> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

/// What the handler's check saw, for [`SecurityScopes`], and the token it checked.
struct RequestScopes<T: ScopeTable> {
    required: &'static [Requirement<T>],
    /// The handler's requirements of other tables (named in refusals, not listed by
    /// [`SecurityScopes`], which is of one table).
    foreign: &'static [ForeignRequirement],
    granted: ScopeSet<T>,
    token: VerifiedToken,
}

impl<T: ScopeTable> Clone for RequestScopes<T> {
    fn clone(&self) -> Self {
        Self {
            required: self.required,
            foreign: self.foreign,
            granted: self.granted,
            token: self.token.clone(),
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
    /// The required scope names, each once, the handler's first. Every name a
    /// requirement mentions is listed: for `any("orders:read", "admin")`, both, of which
    /// one suffices (the 403's `scope` names them the same way).
    pub fn scopes(&self) -> Vec<&'static str> {
        scope_union(
            self.required
                .iter()
                .chain(self.layers.iter().flat_map(|layer| layer.iter())),
        )
    }

    /// The required scopes, space-delimited (FastAPI's `scope_str`), as
    /// [`scopes`](Self::scopes) lists them.
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
    S: Send + Sync + VerifierState,
    T: ScopeTable,
{
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let layers = parts
            .extensions
            .get::<LayerScopes<T>>()
            .map(|layers| layers.0.clone())
            .unwrap_or_default();
        let verifier = state.verifier();
        if let Some(seen) = parts.extensions.get::<RequestScopes<T>>()
            && verifier.vouched_for(&seen.token)
        {
            return Ok(Self {
                required: seen.required,
                layers,
                granted: seen.granted,
            });
        }
        let granted = match verified(parts, &verifier).await {
            Ok(token) => token.granted::<T>(),
            Err(reason) => {
                return Err(verifier
                    .rejection(parts, reason, || required_scope::<T>(&[], &[], parts))
                    .leaving(parts));
            }
        };
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
///
/// It dereferences to `C`, as axum's `Json` and `State` do: `claims.sub` reads a field.
#[derive(Debug, Clone)]
pub struct Claims<C>(pub C);

impl<C> core::ops::Deref for Claims<C> {
    type Target = C;

    fn deref(&self) -> &C {
        &self.0
    }
}

impl<C> core::ops::DerefMut for Claims<C> {
    fn deref_mut(&mut self) -> &mut C {
        &mut self.0
    }
}

impl<S, C> FromRequestParts<S> for Claims<C>
where
    S: Send + Sync + VerifierState,
    C: DeserializeOwned,
{
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let verifier = state.verifier();
        let scope = |parts: &Parts| match parts.extensions.get::<RouteScope>() {
            Some(RouteScope(scope)) => scope(parts),
            None => Cow::Borrowed(""),
        };
        let token = match verified(parts, &verifier).await {
            Ok(token) => token,
            Err(reason) => {
                return Err(verifier
                    .rejection(parts, reason, || scope(parts))
                    .leaving(parts));
            }
        };
        match token.claims() {
            Ok(claims) => Ok(Self(claims)),
            // Why is told to the logs (the field and the type expected), not the client.
            Err(why) => Err(verifier
                .refusal(
                    why.into(),
                    || scope(parts),
                    Some(&token),
                    || observe::claims_error::<C>(&token),
                )
                .leaving(parts)),
        }
    }
}

/// Optional authentication: `None` when the request carries no bearer token, the
/// claims when it carries a valid one, and a refusal when it carries a bad one (a bad
/// token is never mistaken for an anonymous request: nor is a `Bearer` token where the
/// verifier requires DPoP, which is refused as the non-optional extractor refuses it).
impl<S, C> OptionalFromRequestParts<S> for Claims<C>
where
    S: Send + Sync + VerifierState,
    C: DeserializeOwned,
{
    type Rejection = Rejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        match <Self as FromRequestParts<S>>::from_request_parts(parts, state).await {
            Ok(claims) => Ok(Some(claims)),
            Err(rejection) if *rejection.reason() == AuthRejection::MissingCredentials => {
                // No credentials of a scheme the verifier reads: anonymous. Credentials of
                // one, refused as none (a bearer token where DPoP is required): refused.
                let takes_dpop = state.verifier().dpop().is_some();
                match credentials(parts, takes_dpop) {
                    Ok(_) => Err(rejection),
                    Err(_) => Ok(None),
                }
            }
            Err(rejection) => Err(rejection),
        }
    }
}

/// The request's bearer token, verified by `verifier`: the token verified earlier in
/// this request when this same verifier vouched for that same bearer string, else the
/// bearer token verified now (and remembered for the extractors that follow). The
/// extractors and the layer go through here; the handler's check goes through
/// [`verified_unrecorded`] and records only what it admits.
pub(crate) async fn verified(
    parts: &mut Parts,
    verifier: &Verifier,
) -> Result<VerifiedToken, AuthRejection> {
    let (token, fresh) = verified_unrecorded(parts, verifier).await?;
    if let Some(mark) = fresh {
        parts.extensions.insert(token.clone());
        record_mark(parts, mark);
    }
    Ok(token)
}

/// A fresh verification, to record: the DPoP proof's mark, if a proof was checked.
type Fresh = Option<Option<ProofMark>>;

/// [`verified`], leaving it to the caller to record a fresh verification (`Some`): a
/// check that may still refuse the request records it only when it admits it.
async fn verified_unrecorded(
    parts: &Parts,
    verifier: &Verifier,
) -> Result<(VerifiedToken, Fresh), AuthRejection> {
    let presented = credentials(parts, verifier.dpop().is_some())?;
    if let Some(token) = parts.extensions.get::<VerifiedToken>()
        && verifier.vouched_for(token)
        && token.is_of(presented.token)
    {
        return Ok((token.clone(), None));
    }
    // A proof checked by another verifier earlier in this request is no replay.
    let seen = parts.extensions.get::<ProofMark>();
    let (token, mark) = verifier.verify_request(parts, presented, seen).await?;
    Ok((token, Some(mark)))
}

fn record_mark(parts: &mut Parts, mark: Option<ProofMark>) {
    if let Some(mark) = mark {
        parts.extensions.insert(mark);
    }
}

/// The two forms of a handler's check (see [`Concludes`]) answer every request alike;
/// a test build compiles both, whatever the profile, so the form without debug
/// assertions (release) runs here too, not only in benchmarks.
#[cfg(all(test, feature = "macros"))]
mod tests {
    use axum::body::to_bytes;
    use axum::response::IntoResponse;
    use http::{HeaderMap, StatusCode, header};

    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use jsonwebtoken::{Algorithm, EncodingKey};
    use scopes_macros::{requires_scopes, scopes};

    use super::*;
    use crate::keys::{Key, sign};

    scopes! {
        Scopes {
            "items": "Read items.",
            "admin": "Administer.",
        }
    }

    // Here for its requirement type: the tests check with it, not through a router.
    #[allow(dead_code)]
    #[requires_scopes("items")]
    async fn read_items() {}

    type Items = __scopes_requirement_read_items;

    const SECRET: &[u8] = b"a test secret of thirty-two bytes or more";

    /// The debug build's form: the requirement behind a function pointer.
    fn by_pointer() -> for<'a> fn(Conclude<'a>) -> Result<(), Rejection> {
        |conclude| ByRequirement::<Items>(PhantomData).conclude(conclude)
    }

    /// The form without debug assertions (release): the requirement as a type.
    fn by_type() -> ByRequirement<Items> {
        ByRequirement(PhantomData)
    }

    /// An HS256 token for `sub` with `scope`, an hour long, signed with `secret`.
    fn token(secret: &[u8], sub: &str, scope: &str) -> String {
        let exp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + 3600;
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#);
        let claims = serde_json::json!({ "sub": sub, "exp": exp, "scope": scope });
        let message = format!("{header}.{}", URL_SAFE_NO_PAD.encode(claims.to_string()));
        let key = EncodingKey::from_secret(secret);
        let signature = sign(message.as_bytes(), &key, Algorithm::HS256).unwrap();
        format!("{message}.{signature}")
    }

    /// A request case: its `Authorization` header, and the status its refusal gives
    /// (`None`: admitted).
    fn cases() -> Vec<(&'static str, Option<String>, Option<StatusCode>)> {
        let forged = token(
            b"another secret of thirty-two bytes or more",
            "eve",
            "items",
        );
        let items = token(SECRET, "alice", "items");
        vec![
            ("admitted", Some(format!("Bearer {items}")), None),
            // Twice: verified, then from the verified-token cache.
            ("admitted again", Some(format!("Bearer {items}")), None),
            (
                "insufficient scope",
                Some(format!("Bearer {}", token(SECRET, "bob", "admin"))),
                Some(StatusCode::FORBIDDEN),
            ),
            (
                "forged",
                Some(format!("Bearer {forged}")),
                Some(StatusCode::UNAUTHORIZED),
            ),
            (
                "garbage",
                Some("Bearer not.a.jwt".into()),
                Some(StatusCode::UNAUTHORIZED),
            ),
            ("no credentials", None, Some(StatusCode::UNAUTHORIZED)),
            (
                "two tokens",
                Some(format!("Bearer {items} {items}")),
                Some(StatusCode::BAD_REQUEST),
            ),
        ]
    }

    fn request(authorization: &Option<String>) -> Request {
        let mut request = Request::new(axum::body::Body::empty());
        if let Some(value) = authorization {
            request
                .headers_mut()
                .insert(header::AUTHORIZATION, value.parse().unwrap());
        }
        request
    }

    /// A response's status, headers and body, to compare.
    async fn answer(response: Response) -> (StatusCode, HeaderMap, axum::body::Bytes) {
        let (parts, body) = response.into_parts();
        (
            parts.status,
            parts.headers,
            to_bytes(body, 1 << 16).await.unwrap(),
        )
    }

    #[tokio::test]
    async fn both_forms_of_a_sole_check_answer_alike() {
        let verifier = Verifier::new(Key::hs256(SECRET).unwrap()).unwrap();
        for (case, authorization, refused) in cases() {
            let pointer = sole_check(request(&authorization), &verifier, by_pointer(), ()).await;
            let typed = sole_check(request(&authorization), &verifier, by_type(), ()).await;
            let built = <NeedsVerifierInStateSole<Items> as FromRequest<Verifier>>::from_request(
                request(&authorization),
                &verifier,
            )
            .await;
            match (refused, pointer, typed, built) {
                (None, Ok(()), Ok(()), Ok(_)) => {}
                (Some(status), Err(pointer), Err(typed), Err(built)) => {
                    let pointer = answer(pointer).await;
                    assert_eq!(pointer.0, status, "{case}");
                    assert!(pointer.1.contains_key(header::WWW_AUTHENTICATE), "{case}");
                    assert_eq!(answer(typed).await, pointer, "{case}");
                    assert_eq!(answer(built).await, pointer, "{case}");
                }
                (refused, pointer, typed, built) => panic!(
                    "{case}: expected {refused:?}, got {:?} / {:?} / {:?}",
                    pointer.map_err(|r| r.status()),
                    typed.map_err(|r| r.status()),
                    built.map_err(|r| r.status()),
                ),
            }
        }
    }

    #[tokio::test]
    async fn both_forms_of_a_check_answer_and_record_alike() {
        let verifier = Verifier::new(Key::hs256(SECRET).unwrap()).unwrap();
        for (case, authorization, refused) in cases() {
            let (mut pointer_parts, _) = request(&authorization).into_parts();
            let (mut typed_parts, _) = request(&authorization).into_parts();
            let (mut built_parts, _) = request(&authorization).into_parts();
            let pointer = check_parts(&mut pointer_parts, &verifier, by_pointer(), ()).await;
            let typed = check_parts(&mut typed_parts, &verifier, by_type(), ()).await;
            let built =
                <NeedsVerifierInState<Items> as FromRequestParts<Verifier>>::from_request_parts(
                    &mut built_parts,
                    &verifier,
                )
                .await;
            match (refused, pointer, typed, built) {
                (None, Ok(()), Ok(()), Ok(_)) => {
                    // What the extractors that follow read: the token, recorded alike.
                    for parts in [&pointer_parts, &typed_parts, &built_parts] {
                        let token = parts.extensions.get::<VerifiedToken>().expect(case);
                        assert!(verifier.vouched_for(token), "{case}");
                        let seen = parts.extensions.get::<RequestScopes<Scopes>>().expect(case);
                        assert_eq!(seen.granted, ScopeSet::granted_by(["items"]), "{case}");
                    }
                }
                (Some(status), Err(pointer), Err(typed), Err(built)) => {
                    let pointer = answer(pointer.into_response()).await;
                    assert_eq!(pointer.0, status, "{case}");
                    assert_eq!(answer(typed.into_response()).await, pointer, "{case}");
                    assert_eq!(answer(built.into_response()).await, pointer, "{case}");
                }
                (refused, pointer, typed, built) => panic!(
                    "{case}: expected {refused:?}, got {:?} / {:?} / {:?}",
                    pointer.map_err(|r| r.into_response().status()),
                    typed.map_err(|r| r.into_response().status()),
                    built.map_err(|r| r.into_response().status()),
                ),
            }
        }
    }
}
