//! The [`Verifier`] in the router state: how tokens are verified and how refusals are
//! answered, configured once with [`VerifierBuilder`].

use core::fmt;
use core::time::Duration;
use std::borrow::Cow;
use std::sync::Arc;

use http::request::Parts;

use super::bearer::{self, Credentials, Presented};
use super::dpop::{Dpop, Policy, ProofMark};
use super::metadata::ResourceMetadata;
use super::observe::{self, Context};
use super::refusal::{Answering, AuthRejection, DpopChallenge, Rejection, Responder, ResponseMode};
use crate::error::{ConfigError, DpopError, TokenError};
use crate::keys::Key;
use crate::token::{CacheLimits, Presentation, TokenVerifier, TrustedIssuer, VerifiedToken};

/// Verifies bearer tokens and answers refusals. Cheap to clone (an `Arc`), so keep one
/// in the router state.
///
/// The extractors and [`RequireScopesLayer`](crate::RequireScopesLayer) reach it
/// through [`FromRef`](axum::extract::FromRef): a router whose state provides no
/// `Verifier` does not compile, so no route is ever left unprotected by a missing
/// configuration.
///
/// A token is checked in one pass: its header names an algorithm that a configured key
/// is pinned to (by `kid` first), the crypto backend verifies the signature, and one
/// reading of the claims checks `exp` (required), `nbf`, `iat` (not in the future), `iss` and `aud` and collects
/// the scopes. The [`VerifiedToken`] remembers this verifier: no other verifier trusts
/// it.
///
/// ```
/// use scopes_core::{Key, Verifier};
/// # fn main() -> Result<(), scopes_core::ConfigError> {
/// let verifier = Verifier::builder()
///     .key(Key::hs256("09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7")?)
///     .issuer("https://auth.example.com/")
///     .audience("https://api.example.com")
///     .build()?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Verifier {
    inner: Arc<Inner>,
}

struct Inner {
    tokens: TokenVerifier,
    /// How DPoP-bound tokens are taken, if they are.
    dpop: Option<Policy>,
    /// Shared with each refusal, which then carries a pointer, not a copy.
    responder: Answering,
    /// Its issuers, as refusal events name the verifier.
    label: Arc<str>,
    /// The resource's metadata document, if it names one: its layers answer it.
    metadata: Option<ResourceMetadata>,
}

impl Verifier {
    /// Starts a configuration.
    pub fn builder() -> VerifierBuilder {
        VerifierBuilder::default()
    }

    /// A verifier with one key and the defaults (see [`VerifierBuilder`]): no issuer
    /// check, and no audience, so a token that carries `aud` (as an identity provider's
    /// do) is refused; configure the audience with [`VerifierBuilder::audience`].
    pub fn new(key: Key) -> Result<Self, ConfigError> {
        Self::builder().key(key).build()
    }

    /// Verifies a bearer token: its signature, `exp`, `nbf`, `iat`, and `iss`/`aud` when
    /// configured. A token bound to a key (`cnf`, e.g. DPoP) is refused
    /// ([`TokenError::NotBearer`]): it needs its proof, which only a request carries.
    ///
    /// Every extractor and layer takes this path, through the request (which reads the
    /// `Bearer` or `DPoP` scheme and checks a DPoP proof). For a token naming a key that
    /// a fetched key set lacks, it waits for one refresh of the set when the cooldown
    /// allows (then checks the token again); every other token is answered at once. When
    /// that refresh fails (or the last one failed, within the cooldown), the token could
    /// not be checked: [`TokenError::KeysUnavailable`], answered 503.
    pub async fn verify(&self, token: &str) -> Result<VerifiedToken, TokenError> {
        self.inner
            .tokens
            .verify_as(token, Presentation::Bearer)
            .await
    }

    /// The request's token verified: `credentials` as read from its `Authorization`
    /// (`Bearer`, or `DPoP` with its proof checked when this verifier takes DPoP),
    /// verified, and its binding checked against the presentation. `seen` is the proof's mark when another
    /// verifier checked this request's proof first; the mark returned is to be kept with
    /// the request for the same reason.
    pub(crate) async fn verify_request(
        &self,
        parts: &Parts,
        credentials: Credentials<'_>,
        seen: Option<&ProofMark>,
    ) -> Result<(VerifiedToken, Option<ProofMark>), AuthRejection> {
        let tokens = &self.inner.tokens;
        match (credentials.scheme, self.inner.dpop.as_ref()) {
            // On the heap: the proof is kept while the token is verified and the proof
            // recorded, which would make every request's future longer (see
            // `TokenVerifier::verify_as`).
            (Presented::Dpop, Some(policy)) => {
                Box::pin(self.verify_with_proof(parts, policy, credentials.token, seen)).await
            }
            // Where DPoP is required, a bearer token is no credential.
            (Presented::Bearer, Some(policy)) if policy.required => {
                Err(AuthRejection::MissingCredentials)
            }
            _ => Ok((
                tokens
                    .verify_as(credentials.token, Presentation::Bearer)
                    .await?,
                None,
            )),
        }
    }

    /// [`verify_request`](Self::verify_request) for a token presented with a DPoP
    /// proof, to a verifier that takes them.
    async fn verify_with_proof(
        &self,
        parts: &Parts,
        policy: &Policy,
        token: &str,
        seen: Option<&ProofMark>,
    ) -> Result<(VerifiedToken, Option<ProofMark>), AuthRejection> {
        let proof = policy.check(parts, token)?;
        let thumbprint = proof.thumbprint.as_str();
        let token = self
            .inner
            .tokens
            .verify_as(token, Presentation::Dpop { thumbprint })
            .await?;
        // The proof is marked seen last: only a proof that would be accepted takes room
        // in the store.
        let mark = policy.remember(&proof, &token, seen).await?;
        Ok((token, Some(mark)))
    }

    /// How the request presented its token, as this verifier reads it.
    pub(crate) fn presented(&self, parts: &Parts) -> Presented {
        bearer::presented(parts, self.inner.dpop.is_some())
    }

    /// The DPoP policy, if DPoP is taken (for metadata).
    pub(crate) fn dpop(&self) -> Option<&Policy> {
        self.inner.dpop.as_ref()
    }

    /// Whether this verifier (or a clone of it) vouched for `token`.
    pub fn vouched_for(&self, token: &VerifiedToken) -> bool {
        self.inner.tokens.vouched_for(token)
    }

    /// Fetches every key set configured by URL now (whatever the cooldown, and starting
    /// none: a token naming a key added just after still fetches the set): call it at
    /// start-up to fail fast when the identity provider cannot be reached. Verifiers
    /// with configured keys only return `Ok` at once. It stops at the first fetch
    /// that fails (or that finds a set without a usable key, which is in use all the
    /// same: [`KeyFetchError::NoUsableKeys`](crate::KeyFetchError::NoUsableKeys)), and
    /// returns its error, which names the issuer or the JWKS URL of the
    /// key set (the provider, when several are trusted) and, in
    /// [`KeyRefreshError::error`](crate::KeyRefreshError::error), why. Each failure is
    /// also logged (a `WARN` event whose `source` field is that issuer or URL).
    #[cfg(feature = "jwks")]
    pub async fn refresh_keys(&self) -> Result<(), crate::keys::KeyRefreshError> {
        self.inner.tokens.refresh_keys().await
    }

    /// The leeway for time claims, in seconds (also for `max_age`).
    pub(crate) fn leeway_secs(&self) -> u64 {
        self.inner.tokens.leeway_secs()
    }

    /// How refusals are answered (for documentation that must say the same).
    pub fn response_mode(&self) -> ResponseMode {
        self.inner.responder.mode
    }

    /// How many verified tokens the cache holds (0 without a cache).
    pub fn cached_tokens(&self) -> usize {
        self.inner.tokens.cached_tokens()
    }

    /// A refusal of the request whose headers are `headers`, answered by this verifier's
    /// policy, for extractors of your own (a token whose user no longer exists, say).
    /// `scope` lists the scopes the route requires, for the challenges that name them:
    /// [`SecurityScopes::scope_str`] gives it. The headers say how the token was
    /// presented, so that a request made with DPoP is answered in the `DPoP` scheme
    /// (RFC 9449 §7.1), with a nonce when the policy asks for them; and whether it has a
    /// body the refusal leaves unread, so that its answer closes the connection
    /// (`Connection: close`, which hyper leaves out of an HTTP/2 answer).
    ///
    /// Only the names in `scope` that are scope-tokens (RFC 6749 §3.3: printable ASCII
    /// without space, `"` or `\`) are kept, and [`Rejection::scope`] gives what is kept.
    ///
    /// [`SecurityScopes::scope_str`]: crate::SecurityScopes::scope_str
    pub fn refuse(
        &self,
        headers: &http::HeaderMap,
        reason: AuthRejection,
        scope: impl Into<Cow<'static, str>>,
    ) -> Rejection {
        let scope = match scope.into() {
            Cow::Borrowed(scope) => super::challenge::scope_tokens(scope),
            Cow::Owned(scope) => match super::challenge::scope_tokens(&scope) {
                Cow::Borrowed(_) => Cow::Owned(scope),
                Cow::Owned(kept) => Cow::Owned(kept),
            },
        };
        let presented = bearer::presented_in(headers, self.inner.dpop.is_some());
        self.refusal(reason, move || scope, None, || None)
            .presented(presented)
            .unread(super::refusal::announced(headers))
    }

    /// Whether some trusted issuer's tokens may name `audience`.
    pub(crate) fn accepts_audience(&self, audience: &str) -> bool {
        self.inner.tokens.accepts_audience(audience)
    }

    /// Whether the refusal for `reason` names the route's scopes.
    pub(crate) fn names_scope(&self, reason: &AuthRejection) -> bool {
        self.inner.responder.names_scope(reason)
    }

    /// The refusal for `reason`, before a token was verified in `parts`; `scope` (the
    /// route's required scopes) is computed only when the answer names it or refusals
    /// are traced.
    pub(crate) fn rejection(
        &self,
        parts: &Parts,
        reason: AuthRejection,
        scope: impl FnOnce() -> Cow<'static, str>,
    ) -> Rejection {
        let addressed = match reason {
            AuthRejection::InvalidToken(
                error @ (TokenError::WrongAudience | TokenError::WrongIssuer),
            ) => Some(error),
            _ => None,
        };
        let wrong_url = matches!(reason, AuthRejection::InvalidDpopProof(DpopError::Uri));
        let required = reason == AuthRejection::InvalidToken(TokenError::RequiredClaim);
        let scope_claim = reason == AuthRejection::InvalidToken(TokenError::InvalidScopeClaim);
        let mut rejection = self
            .refusal(reason, scope, None, || None)
            .presented(self.presented(parts));
        if let (Some(error), Some(context)) = (addressed, rejection.context_mut()) {
            self.addressed(context, parts, error);
        }
        if let (true, Some(context)) = (required, rejection.context_mut()) {
            self.required_claims(context, parts);
        }
        if let (true, Some(context)) = (scope_claim, rejection.context_mut()) {
            self.scope_claim_misfit(context, parts);
        }
        if let (true, Some(context), Some(dpop)) =
            (wrong_url, rejection.context_mut(), self.inner.dpop.as_ref())
        {
            context.proof_urls = Some(dpop.proof_urls(parts));
        }
        rejection
    }

    /// What a token refused for its issuer or its audience names, for the event that
    /// is written (what it says of other refusals is empty).
    #[cold]
    fn addressed(&self, context: &mut Context, parts: &Parts, error: TokenError) {
        let Some(mut addressed) = self.named_in(parts) else {
            return;
        };
        if error == TokenError::WrongAudience {
            let accepted = self
                .inner
                .tokens
                .audiences_for(addressed.routing_iss.as_deref());
            addressed.accepted = Some(match accepted.is_empty() {
                // A token naming an audience is refused where none is configured.
                true => observe::NO_AUDIENCE.to_owned(),
                false => accepted,
            });
        }
        context.addressed = Some(addressed);
    }

    /// What the issuer of a token refused for a required claim requires, for the
    /// event that is written.
    #[cold]
    fn required_claims(&self, context: &mut Context, parts: &Parts) {
        let iss = self.named_in(parts).and_then(|named| named.routing_iss);
        context.required_claims = Some(self.inner.tokens.required_claims_for(iss.as_deref()));
    }

    /// Which scope claim of a token refused for one did not read, and what it held
    /// (its JSON type), for the event that is written: a configuration that names the
    /// wrong claim (`realm_access` for `/realm_access/roles`) reads like a bad token.
    #[cold]
    fn scope_claim_misfit(&self, context: &mut Context, parts: &Parts) {
        let Ok(credentials) = bearer::credentials(parts, self.inner.dpop.is_some()) else {
            return;
        };
        let Some(claims) = observe::unverified_claims(credentials.token) else {
            return;
        };
        let iss = claims.get("iss").and_then(serde_json::Value::as_str);
        context.claims_error = self.inner.tokens.scope_claim_misfit_for(iss, &claims);
    }

    /// What the token `parts` present names (its `iss` and `aud`, unverified), for a
    /// refusal's event.
    fn named_in(&self, parts: &Parts) -> Option<observe::Addressed> {
        let credentials = bearer::credentials(parts, self.inner.dpop.is_some()).ok()?;
        Some(observe::Addressed::of(credentials.token))
    }

    /// [`rejection`](Self::rejection) of a request whose `token` was verified (a 403, a
    /// step-up, claims of another shape: `claims_error` says why, computed only when
    /// refusals are traced), so that its event names what the token grants.
    // Out of line: inlined into a handler check's refusal, it cost that 403 about 20
    // instructions more (callgrind), the refusal's steps spread over more code.
    #[inline(never)]
    pub(crate) fn refusal(
        &self,
        reason: AuthRejection,
        scope: impl FnOnce() -> Cow<'static, str>,
        token: Option<&VerifiedToken>,
        claims_error: impl FnOnce() -> Option<String>,
    ) -> Rejection {
        let responder = &self.inner.responder;
        let named = self.names_scope(&reason);
        let traced = observe::refusals_traced();
        let scope = match named || traced {
            true => scope(),
            false => Cow::Borrowed(""),
        };
        let context = traced.then(|| {
            Box::new(Context {
                verifier: self.inner.label.clone(),
                token: token.cloned(),
                required: scope.clone(),
                claims_error: claims_error(),
                addressed: None,
                proof_urls: None,
                required_claims: None,
                asked: None,
            })
        });
        let scope = match named {
            true => scope,
            false => Cow::Borrowed(""),
        };
        // A verified token was presented as its binding says.
        let presented = match token {
            Some(token) if token.dpop_jkt().is_some() => Presented::Dpop,
            Some(_) => Presented::Bearer,
            None => Presented::Nothing,
        };
        Rejection::new(reason, scope, responder.clone(), presented, context)
    }

    /// Its issuers, as events name the verifier.
    pub(crate) fn label(&self) -> &str {
        &self.inner.label
    }

    /// The resource's metadata document (RFC 9728), if the verifier names one.
    pub(crate) fn metadata(&self) -> Option<&ResourceMetadata> {
        self.inner.metadata.as_ref()
    }

    /// The resource's metadata document (RFC 9728), when `parts` asks for it (`GET` or
    /// `HEAD` of its path, as the client sent it, before any `nest`): a client reads it
    /// without a token to learn how to get one. A layer answers it itself and passes
    /// nothing on, so that no other route or fallback is ever reached without a token.
    pub(crate) fn metadata_answer(&self, parts: &Parts) -> Option<axum::response::Response> {
        let metadata = self.inner.metadata.as_ref()?;
        // The method first: most requests a layer sees are not reads of the document,
        // and this spares them the extensions' lookup.
        let head = match parts.method {
            http::Method::GET => false,
            http::Method::HEAD => true,
            _ => return None,
        };
        let path = match parts.extensions.get::<axum::extract::OriginalUri>() {
            Some(original) => original.path(),
            None => parts.uri.path(),
        };
        if !metadata.served_at(path) {
            return None;
        }
        let document = metadata.response();
        // The same headers, no body (as axum's `get` answers `HEAD`).
        Some(match head {
            true => document.map(|_| axum::body::Body::empty()),
            false => document,
        })
    }
}

/// A router whose state is `Arc<AppState>` reaches the verifier through `AppState`:
/// implement (or derive) `FromRef<AppState> for Verifier` and this gives the `Arc`
/// case (which the orphan rule would not let your crate write).
///
/// ```
/// use std::sync::Arc;
/// use axum::{Router, extract::FromRef, routing::get};
/// use scopes_core::{Key, Verifier, requires_scopes, scopes};
///
/// scopes! { pub Scopes { "items": "Read items." } }
///
/// struct AppState {
///     verifier: Verifier,
///     greeting: String,
/// }
///
/// impl FromRef<AppState> for Verifier {
///     fn from_ref(state: &AppState) -> Verifier {
///         state.verifier.clone()
///     }
/// }
///
/// #[requires_scopes("items")]
/// async fn read_items(axum::extract::State(state): axum::extract::State<Arc<AppState>>) -> String {
///     state.greeting.clone()
/// }
///
/// # fn main() -> Result<(), scopes_core::ConfigError> {
/// let state = Arc::new(AppState {
///     verifier: Verifier::new(Key::hs256([7; 32])?)?,
///     greeting: "hello".into(),
/// });
/// let app: Router = Router::new().route("/items", get(read_items)).with_state(state);
/// # Ok(()) }
/// ```
impl<S> axum::extract::FromRef<Arc<S>> for Verifier
where
    Verifier: axum::extract::FromRef<S>,
{
    fn from_ref(state: &Arc<S>) -> Self {
        Verifier::from_ref(&**state)
    }
}

/// A router state that gives a [`Verifier`] (`Verifier: FromRef<S>`), as the handler
/// check `#[requires_scopes]` injects needs: only the impl below exists, and its message
/// says what a state without one lacks (rustc would otherwise name `FromRef<()>` alone).
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "the router's state `{Self}` gives no `Verifier` to check the token with",
    label = "`#[requires_scopes]` verifies the token with the `Verifier` of the router's state",
    note = "give the router the verifier as its state (`.with_state(verifier)`), or implement `FromRef<T> for Verifier` for your state type `T`; for a state `Arc<T>`, implement it for the `T` inside (scopes-core covers the `Arc`)",
    note = "when this state is `()` under `#[axum::debug_handler]`, the router's state was not named: write `#[axum::debug_handler(state = AppState)]` below `#[requires_scopes]`, naming the state as the router has it (`state = Arc<AppState>` for a router of `Arc<AppState>`)"
)]
pub trait VerifierState {
    /// The state's verifier.
    fn verifier(&self) -> Verifier;
}

#[diagnostic::do_not_recommend]
impl<S> VerifierState for S
where
    Verifier: axum::extract::FromRef<S>,
{
    fn verifier(&self) -> Verifier {
        <Verifier as axum::extract::FromRef<S>>::from_ref(self)
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("tokens", &self.inner.tokens)
            .field("responder", &self.inner.responder)
            .finish()
    }
}

/// Configures a [`Verifier`].
///
/// One issuer is configured on the builder itself ([`key`](Self::key),
/// `oidc_issuer`, [`issuer`](Self::issuer),
/// [`audience`](Self::audience), …). Several are each a [`TrustedIssuer`] given to
/// [`trust`](Self::trust); the builder then carries only what applies to all of them
/// (leeway, cache, response mode, realm, hook), and an issuer setting left on the
/// builder is a [`ConfigError::IssuerSettingOnVerifier`].
///
/// Defaults: `exp` required, `nbf` and `iat` checked when present, 30 s leeway, no issuer or
/// audience (a token that carries `aud` is then refused: configure the audience),
/// scopes read from `scope`, `scopes` and `scp`.
#[derive(Debug)]
#[must_use]
pub struct VerifierBuilder {
    responder: Responder,
    /// The issuer configured on the builder itself.
    own: TrustedIssuer,
    trusted: Vec<TrustedIssuer>,
    leeway: Duration,
    cache: Option<CacheLimits>,
    dpop: Option<Dpop>,
    /// The resource's metadata (RFC 9728): what it says of DPoP must be what `dpop`
    /// says, and the tokens must be checked for an audience.
    metadata: Option<ResourceMetadata>,
}

impl Default for VerifierBuilder {
    fn default() -> Self {
        Self {
            responder: Responder::default(),
            own: TrustedIssuer::anonymous(),
            trusted: Vec::new(),
            leeway: Duration::from_secs(30),
            cache: Some(CacheLimits::default()),
            dpop: None,
            metadata: None,
        }
    }
}

impl VerifierBuilder {
    /// Adds a key. Several keys may be configured (rotation, several algorithms): a
    /// token naming a `kid` is tried only with the key of that id (when keys have ids),
    /// else with each key of its `alg` in turn, until one verifies it (two secrets
    /// during a rotation need no ids). At most four keys are tried for one token, so
    /// that a forged token without `kid` costs at most four signature checks whatever
    /// the size of a fetched key set.
    pub fn key(mut self, key: Key) -> Self {
        self.own = self.own.key(key);
        self
    }

    /// Keys from a JSON Web Key Set at `url` (feature `jwks`), fetched on the first
    /// token and refreshed as [`FetchOptions`](crate::FetchOptions) says. Each JWK is
    /// pinned to its `alg`; a key that cannot be used is left out, the rest serve.
    #[cfg(feature = "jwks")]
    pub fn jwks_url(mut self, url: impl Into<String>) -> Self {
        self.own = self.own.jwks_url(url);
        self
    }

    /// Keys of an OpenID Connect issuer (feature `jwks`): its
    /// `/.well-known/openid-configuration` names the JWKS, and must name `issuer` as its
    /// issuer exactly. Also requires `iss` to equal `issuer` on every token.
    ///
    /// ```no_run
    /// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
    /// use scopes_core::{CacheLimits, Verifier};
    ///
    /// let verifier = Verifier::builder()
    ///     .oidc_issuer("https://auth.example.com")
    ///     // The strict JWT access token profile, for a provider that issues it (`typ`
    ///     // `at+jwt`); for Keycloak, Entra ID or Okta, `.audience(…)` instead: see `providers`.
    ///     .rfc9068("https://api.example.com")
    ///     .cache(CacheLimits { entries: 100_000, bytes: 64 << 20 }) // (on by default)
    ///     .build()?;
    /// verifier.refresh_keys().await?; // fail fast at start-up if the provider is unreachable
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "jwks")]
    pub fn oidc_issuer(mut self, issuer: impl Into<String>) -> Self {
        let issuer = issuer.into();
        self.own.issuers.push(issuer.clone());
        self.own.locate(crate::keys::Location::Issuer(issuer));
        self
    }

    /// How key sets are fetched: time and size limits, refresh timing.
    #[cfg(feature = "jwks")]
    pub fn fetch_options(mut self, options: crate::keys::FetchOptions) -> Self {
        self.own = self.own.fetch_options(options);
        self
    }

    /// Without the `jwks` feature: a compile error that says to enable it.
    #[cfg(not(feature = "jwks"))]
    #[doc(hidden)]
    pub fn jwks_url<U: Into<String> + crate::keys::without_jwks::NeedsTheJwksFeature>(
        self,
        _url: U,
    ) -> Self {
        self
    }

    /// Without the `jwks` feature: a compile error that says to enable it.
    #[cfg(not(feature = "jwks"))]
    #[doc(hidden)]
    pub fn oidc_issuer<I: Into<String> + crate::keys::without_jwks::NeedsTheJwksFeature>(
        self,
        _issuer: I,
    ) -> Self {
        self
    }

    /// The JWT access token profile (RFC 9068), strictly; see
    /// [`TrustedIssuer::rfc9068`].
    pub fn rfc9068(mut self, resource: impl Into<String>) -> Self {
        self.own = self.own.rfc9068(resource);
        self
    }

    /// Requires `iss` to equal `issuer` (call again to accept several issuers that share
    /// keys and rules; issuers with keys of their own are each a [`TrustedIssuer`]).
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.own.issuers.push(issuer.into());
        self
    }

    /// Requires `iss` to be `template` filled with the token's `tid`, for a provider's
    /// every tenant (Entra ID); see [`TrustedIssuer::any_tenant`]. Beside
    /// [`issuer`](Self::issuer), an `iss` is accepted if either accepts it: an `iss`
    /// equal to an exact issuer is taken without a look at `tid` (as a valid issuer is
    /// in Microsoft.Identity.Web); [`require_claim`](Self::require_claim)`("tid", …)`
    /// checks it too.
    pub fn any_tenant_issuer(mut self, template: impl Into<String>) -> Self {
        self.own.tenant_templates.push(template.into());
        self
    }

    /// Requires `aud` to contain `audience` (call again to accept any of several).
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.own = self.own.audience(audience);
        self
    }

    /// The claims scopes are read from; see [`TrustedIssuer::scope_claims`].
    pub fn scope_claims<I, S>(mut self, claims: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.own = self.own.scope_claims(claims);
        self
    }

    /// Requires the claim `name` to hold `value`; see [`TrustedIssuer::require_claim`].
    pub fn require_claim(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.own = self.own.require_claim(name, value);
        self
    }

    /// Trusts one more issuer, with its own keys, audiences, claim shape and profile.
    /// Tokens are then routed by their `iss` to the issuer that has it (which checks it
    /// again), and tokens of other issuers are refused.
    pub fn trust(mut self, issuer: TrustedIssuer) -> Self {
        self.trusted.push(issuer);
        self
    }

    /// Sizes the cache of verified tokens, on by default with [`CacheLimits::default`]
    /// (10 000 tokens, 16 MiB): a repeated token skips the signature check and the
    /// claims, about 0.3 µs instead of about 0.9 µs for HS256 and tens of µs for
    /// RS256 or ES256 (BENCHMARKS.md has the figures). Entries are keyed by the whole
    /// token, are never served past its `exp` (with the leeway, as verification
    /// allows), are dropped when the key set that verified them changes, and serve this
    /// verifier only.
    pub fn cache(mut self, limits: CacheLimits) -> Self {
        self.cache = Some(limits);
        self
    }

    /// Turns the cache of verified tokens off: every request verifies its token.
    pub fn no_cache(mut self) -> Self {
        self.cache = None;
        self
    }

    /// Clock skew tolerated on `exp`, `nbf` and `iat` (whole seconds), for every issuer.
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// The `realm` of every challenge (RFC 6750 §3), e.g. `realm="api"`. It may not be
    /// empty or contain `"` or `\`, which [`build`](Self::build) refuses.
    pub fn realm(mut self, realm: impl Into<String>) -> Self {
        self.responder.realm = Some(realm.into().into());
        self
    }

    /// Names the resource's metadata document (RFC 9728) in every challenge, 401 and 403
    /// alike and in every response mode: `resource_metadata="<its URL>"`, which clients
    /// (MCP clients among them) follow to find the authorization server. Serve the
    /// document with [`ResourceMetadata::router`]; the verifier's layers
    /// ([`RequireScopesLayer`](crate::RequireScopesLayer),
    /// [`McpScopesLayer`](crate::McpScopesLayer)) answer a `GET` or `HEAD` of it
    /// themselves, so that a layer over the whole router does not hide it behind a
    /// token; a route of the application's own at that path behind such a layer is then
    /// never reached (serve a document of your own outside the layer).
    ///
    /// The tokens must then be meant for this resource (RFC 8707; MCP requires it):
    /// [`build`](Self::build) refuses a verifier, or a trusted issuer, that checks no
    /// [`audience`](Self::audience)
    /// ([`ConfigError::MetadataAudience`]). The audience is what the authorization
    /// server writes in this API's tokens: for an MCP client, which asks for the
    /// metadata's `resource` (RFC 8707), that resource; some providers write an id of
    /// their own instead (Entra ID the API's client id).
    pub fn resource_metadata(mut self, metadata: &ResourceMetadata) -> Self {
        self.responder.resource_metadata = Some(metadata.url().into());
        self.metadata = Some(metadata.clone());
        self
    }

    /// Names the route's scopes in the 401 challenges too, not only in the 403s:
    /// `Bearer scope="items me"`, `Bearer error="invalid_token", error_description="…",
    /// scope="items me"` (RFC 6750 §3 allows `scope` in any challenge). MCP asks its
    /// servers for it, so that a client without a token knows which scopes to ask the
    /// authorization server for. Off by default (the FastAPI mode names them anyway).
    pub fn scope_on_401(mut self, on: bool) -> Self {
        self.responder.scope_on_401 = on;
        self
    }

    /// How refusals are answered: RFC 6750 (the default) or as FastAPI's tutorial does.
    pub fn response_mode(mut self, mode: ResponseMode) -> Self {
        self.responder.mode = mode;
        self
    }

    /// Shapes the response of every refusal, e.g. as `application/problem+json`. The
    /// status and the `WWW-Authenticate` challenge are set after the hook, so they stay
    /// what RFC 6750 (or the [`ResponseMode`]) prescribes.
    ///
    /// ```
    /// # use axum::response::IntoResponse;
    /// # use scopes_core::{Key, Rejection, Verifier};
    /// # fn main() -> Result<(), scopes_core::ConfigError> {
    /// let verifier = Verifier::builder()
    ///     .key(Key::hs256([7; 32])?)
    ///     .on_rejection(|rejection: &Rejection| {
    ///         let status = rejection.status().as_u16();
    ///         let body = serde_json::json!({ "title": rejection.reason().detail(), "status": status });
    ///         ([("content-type", "application/problem+json")], body.to_string()).into_response()
    ///     })
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    pub fn on_rejection<F>(mut self, shape: F) -> Self
    where
        F: Fn(&Rejection) -> axum::response::Response + Send + Sync + 'static,
    {
        self.responder.shape = Some(Arc::new(shape));
        self
    }

    /// Takes DPoP-bound access tokens (RFC 9449) as [`Dpop`] says: beside bearer tokens
    /// ([`Dpop::allowed`]) or only them ([`Dpop::required`]). Off by default: the `DPoP`
    /// scheme is then not read, and a token bound to a key is refused as `Bearer`
    /// either way.
    pub fn dpop(mut self, dpop: Dpop) -> Self {
        self.dpop = Some(dpop);
        self
    }

    /// Checks the configuration and builds the verifier.
    pub fn build(self) -> Result<Verifier, ConfigError> {
        // An empty realm would be left out of every challenge: most likely an unset
        // environment variable, refused as the other empty settings are.
        if self.responder.realm.as_deref() == Some("") {
            return Err(ConfigError::EmptySetting("realm"));
        }
        if let Some(realm) = &self.responder.realm
            && (realm.contains(['"', '\\'])
                || !realm.bytes().all(|b| b == b' ' || b.is_ascii_graphic()))
        {
            return Err(ConfigError::InvalidRealm);
        }
        let shared = crate::token::Shared {
            leeway_secs: self.leeway.as_secs(),
            cache: self.cache,
        };
        // Legal (a provider may write no `aud`), but a provider's tokens name an audience
        // as a rule, and are then refused as "The token audience is not accepted".
        // Said once the configuration is known to build.
        let unchecked: Vec<String> = (self.trusted.iter().chain([&self.own]))
            .filter_map(TrustedIssuer::provider_without_audience)
            .collect();
        let tokens = if self.trusted.is_empty() {
            TokenVerifier::new(vec![self.own], false, shared)?
        } else {
            if let Some(setting) = self.own.first_setting() {
                return Err(ConfigError::IssuerSettingOnVerifier(setting));
            }
            TokenVerifier::new(self.trusted, true, shared)?
        };
        if let Some(metadata) = &self.metadata {
            let policy = self
                .dpop
                .as_ref()
                .map_or((Vec::new(), false), Dpop::advertised);
            if metadata.dpop_advertised() != policy {
                return Err(ConfigError::MetadataDpopMismatch);
            }
            if !tokens.every_issuer_checks_an_audience() {
                return Err(ConfigError::MetadataAudience {
                    resource: metadata.resource().to_owned(),
                });
            }
        }
        let dpop = match self.dpop {
            Some(dpop) => Some(dpop.build()?),
            None => None,
        };
        let mut responder = self.responder;
        responder.dpop = dpop.as_ref().map(|policy| DpopChallenge {
            required: policy.required,
            algs: policy.algs.clone(),
            nonces: policy.nonces.clone(),
            // Whole seconds, rounded up: by then the key's window is over.
            retry_after: http::HeaderValue::from(
                policy.window.as_secs() + u64::from(policy.window.subsec_nanos() > 0),
            ),
        });
        for issuer in unchecked {
            tracing::warn!(
                issuer,
                "an identity provider's tokens are trusted without an audience: those that name one (most do: Keycloak's `account`, this API's identifier) are refused; name this API's with `.audience(\"…\")`"
            );
        }
        Ok(Verifier {
            inner: Arc::new(Inner {
                label: tokens.label().into(),
                tokens,
                dpop,
                responder: Answering::new(responder),
                metadata: self.metadata,
            }),
        })
    }
}
