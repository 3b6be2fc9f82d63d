//! The one verification path, and the verified token it yields.

use core::cell::Cell;
use core::fmt;
use std::any::TypeId;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use jsonwebtoken::AlgorithmFamily;
use serde::de::DeserializeOwned;

use super::cache::{CacheLimits, TokenCache};
use super::claims::Acr;
use super::issuer::{Binding, Checked, IssuerRules, TenantTemplate, TrustedIssuer};
use super::jws::{Jws, now};
use crate::error::{ConfigError, TokenError};
use crate::keys::AfterMiss;
use crate::table::{Authentication, ScopeSet, ScopeTable, Words};

/// The longest token sent to an introspection endpoint: 16 KiB, many times an opaque
/// token's length and room for an encrypted JWT (a JWE) with a long claims set.
#[cfg(feature = "introspection")]
const MAX_INTROSPECTED: usize = 16 * 1024;

/// Verifies tokens for one [`Verifier`](crate::Verifier): its trusted issuers, leeway
/// and cache.
#[derive(Debug)]
pub(crate) struct TokenVerifier {
    /// Unique in the process: what a [`VerifiedToken`] is bound to.
    id: u64,
    /// One issuer, or several chosen by the token's `iss`.
    issuers: Box<[IssuerRules]>,
    routed: bool,
    leeway_secs: u64,
    cache: Option<TokenCache>,
}

/// A token whose signature and claims were verified: its claims, the scope names it
/// grants, and the verifier that vouched for it.
///
/// Extractors keep it in the request extensions so that a handler taking several of
/// them verifies the token once; another verifier (a layer's, say) never reuses it,
/// it verifies the token again with its own rules. Cheap to clone.
#[derive(Clone)]
pub struct VerifiedToken(Arc<Verified>);

struct Verified {
    /// The token, then its claims as JSON (from `split`), then the space-delimited
    /// scope names the scope claims list (from `scopes`): one allocation.
    text: String,
    split: usize,
    scopes: usize,
    exp: f64,
    verifier: u64,
    /// The trusted issuer that verified it, and the generation of its key set.
    issuer: usize,
    generation: u64,
    /// The grant of the first table asked (of up to 256 scopes), kept: a cached token
    /// is then checked without looking its scope names up again.
    grant: OnceLock<(TypeId, [u64; 4])>,
    /// Whether the verifier's cache holds it.
    cached: bool,
    /// `acr` (a range of `text`, or the string when it had escapes) and `auth_time`.
    acr: Acr,
    auth_time: Option<f64>,
    /// The key it is bound to (`cnf`), which a presentation must prove.
    binding: Binding,
}

impl VerifiedToken {
    /// The claims as JSON text.
    pub fn claims_json(&self) -> &str {
        &self.0.text[self.0.split..self.0.scopes]
    }

    /// Which of the verifier's trusted issuers verified it (its index): subjects of two
    /// issuers are two subjects, whatever their claims say.
    pub(crate) fn issuer_index(&self) -> usize {
        self.0.issuer
    }

    /// Whether this is the verification of `token`.
    pub(crate) fn is_of(&self, token: &str) -> bool {
        self.token_text() == token
    }

    /// The token as it was presented (never logged: a secret).
    pub(crate) fn token_text(&self) -> &str {
        &self.0.text[..self.0.split]
    }

    /// Deserializes the claims into `C`.
    pub fn claims<C: DeserializeOwned>(&self) -> Result<C, TokenError> {
        serde_json::from_str(self.claims_json()).map_err(|_| TokenError::ClaimsMismatch)
    }

    /// The scope names the token grants, as its scope claims list them (known to a
    /// table or not).
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scope_text().split(' ').filter(|name| !name.is_empty())
    }

    /// The scopes of table `T` the token grants, implications included; names the
    /// table does not declare are ignored.
    #[inline]
    pub fn granted<T: ScopeTable>(&self) -> ScopeSet<T> {
        let mut words = T::Words::ZERO;
        let len = words.as_ref().len();
        if let Some((table, kept)) = self.0.grant.get()
            && *table == TypeId::of::<T>()
        {
            words.as_mut().copy_from_slice(&kept[..len]);
            return ScopeSet::from_words(words);
        }
        self.grant_of::<T>()
    }

    /// [`granted`](Self::granted) read from the token's scopes, and kept when the cache
    /// holds the token: out of line, so that a cached token's request inlines only the
    /// read of what was kept.
    #[inline(never)]
    fn grant_of<T: ScopeTable>(&self) -> ScopeSet<T> {
        let len = T::Words::ZERO.as_ref().len();
        let granted = ScopeSet::<T>::granted_by(self.scopes());
        // Kept only for a token the cache holds: another request may ask again.
        if len <= 4 && self.0.cached {
            let mut kept = [0; 4];
            kept[..len].copy_from_slice(granted.words().as_ref());
            // Another table may have been first: it keeps its place.
            let _ = self.0.grant.set((TypeId::of::<T>(), kept));
        }
        granted
    }

    /// The authentication context class the user authenticated with (`acr`, OpenID
    /// Connect), if the token says.
    pub fn acr(&self) -> Option<&str> {
        match &self.0.acr {
            Acr::Absent => None,
            Acr::At(start, end) => self.0.text.get(*start..*end),
            Acr::Owned(acr) => Some(acr),
        }
    }

    /// The thumbprint (RFC 7638) of the key the token is bound to by DPoP (`cnf.jkt`,
    /// RFC 9449 §6.1), if it is: the request that presented it proved that key.
    pub fn dpop_jkt(&self) -> Option<&str> {
        match &self.0.binding {
            Binding::Dpop(jkt) => Some(jkt),
            _ => None,
        }
    }

    /// When the token expires (`exp`, seconds since the epoch); `None` for an opaque
    /// token whose introspection answer gave none (a JWT always has one).
    pub fn expires_at(&self) -> Option<f64> {
        Some(self.0.exp).filter(|exp| exp.is_finite())
    }

    /// When the user last authenticated actively (`auth_time`, seconds since the
    /// epoch), if the token says.
    pub fn auth_time(&self) -> Option<f64> {
        self.0.auth_time
    }

    /// Whether the user authenticated as `needed` asks (RFC 9470): with one of its
    /// `acr` values, and no longer than its `max_age` ago (with the verifier's leeway).
    /// A token that does not say (no `acr`, no `auth_time`) does not meet what it asks.
    pub(crate) fn authenticated_as(&self, needed: &Authentication, leeway_secs: u64) -> bool {
        if !needed.acr().is_empty() && !self.acr().is_some_and(|acr| needed.acr().contains(&acr)) {
            return false;
        }
        match needed.max_age() {
            None => true,
            // An `auth_time` in the future (beyond the leeway) is not a recent login: it
            // is a wrong clock or a forged claim. Verification refuses such a token
            // already (`InvalidClaim("auth_time")`); tested here too, so that this test
            // alone never takes one for a recent login (defence in depth).
            Some(max_age) => match (self.0.auth_time, now()) {
                (Some(auth_time), Some(now)) => {
                    now - auth_time <= max_age.saturating_add(leeway_secs) as f64
                        && auth_time <= now + leeway_secs as f64
                }
                _ => false,
            },
        }
    }

    /// The scope names the scope claims list, space-separated.
    pub(crate) fn scope_text(&self) -> &str {
        &self.0.text[self.0.scopes..]
    }

    /// Bytes held (for the cache's bound): the buffer as allocated, room included.
    pub(crate) fn size(&self) -> usize {
        self.0.text.capacity()
    }

    /// Drops it, keeping its two allocations (its handle and its text) for the next
    /// token this thread verifies, when nothing else holds it: a handler's check that
    /// records nothing calls this, so that an uncached admit or refusal allocates
    /// nothing of its own (`tests/test_allocations.rs`). A token the cache holds, or
    /// one shared with a request's extensions, is only dropped.
    pub(crate) fn release(self) {
        if self.0.cached {
            return;
        }
        let mut handle = self.0;
        let Some(verified) = Arc::get_mut(&mut handle) else {
            return;
        };
        spare_text(core::mem::take(&mut verified.text));
        // What else it owns (an `acr` with escapes, a bound key's thumbprint) goes now,
        // not when the handle is next used.
        verified.acr = Acr::Absent;
        verified.binding = Binding::None;
        let _ = SPARE.try_with(|spare| spare.handle.set(Some(handle)));
    }
}

/// Keeps `text`, a verified token's buffer no longer used, for this thread's next
/// verification ([`text_buffer`]), when it is small.
pub(super) fn spare_text(text: String) {
    if text.capacity() <= SPARE_TEXT_MAX {
        let _ = SPARE.try_with(|spare| spare.text.set(text));
    }
}

/// A released token's allocations ([`VerifiedToken::release`]), kept for this thread's
/// next verification: at most one of each. Everything in them is written again before
/// use; the text is kept only up to [`SPARE_TEXT_MAX`], and the handle without what
/// else it owned, so a thread holds at most that much and one handle.
struct Spare {
    handle: Cell<Option<Arc<Verified>>>,
    text: Cell<String>,
}

/// The largest text kept spare: claims as large providers write them fit.
const SPARE_TEXT_MAX: usize = 16 * 1024;

thread_local! {
    static SPARE: Spare = const {
        Spare { handle: Cell::new(None), text: Cell::new(String::new()) }
    };
}

/// A buffer of at least `capacity` bytes for a verified token's text: this thread's
/// spare when one is kept and it is not more than twice as large (a token the cache
/// keeps holds its buffer), else a new one.
pub(super) fn text_buffer(capacity: usize) -> String {
    let spare = SPARE
        .try_with(|spare| spare.text.take())
        .unwrap_or_default();
    if spare.capacity() >= capacity && spare.capacity() <= capacity.saturating_mul(2) {
        let mut text = spare;
        text.clear();
        return text;
    }
    if spare.capacity() != 0 {
        // Not this token's size: left for another.
        spare_text(spare);
    }
    String::with_capacity(capacity)
}

/// `verified` in a shared handle: this thread's spare one when kept, else a new one.
fn handle(verified: Verified) -> Arc<Verified> {
    if let Ok(Some(mut handle)) = SPARE.try_with(|spare| spare.handle.take())
        && let Some(slot) = Arc::get_mut(&mut handle)
    {
        *slot = verified;
        return handle;
    }
    Arc::new(verified)
}

impl fmt::Debug for VerifiedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The claims may hold personal data: the scopes say enough.
        f.debug_struct("VerifiedToken")
            .field("scopes", &self.scope_text())
            .field("issuer", &self.0.issuer)
            .finish_non_exhaustive()
    }
}

/// How a token was presented: as a bearer token, or with a checked DPoP proof whose
/// key has this thumbprint (RFC 7638).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Presentation<'a> {
    Bearer,
    Dpop { thumbprint: &'a str },
}

/// A verification as far as it goes without waiting
/// ([`TokenVerifier::verify_now`]).
enum Step {
    /// The verified token, bound as presented, or why not.
    Done(Result<VerifiedToken, TokenError>),
    /// What is left needs waiting ([`TokenVerifier::verify_as`] waits for it).
    Wait(Wait),
}

/// The part of a verification that waits, and since when.
struct Wait {
    reason: Waiting,
    #[cfg(feature = "metrics")]
    started: std::time::Instant,
}

/// What a verification of a token waits for.
enum Waiting {
    /// The introspection endpoint of issuer `.0`.
    #[cfg(feature = "introspection")]
    Introspection(usize),
    /// A refresh of the key set of issuer `index`, which lacked the token's key
    /// (`missed`, the answer when no new set comes).
    KeyRefresh {
        index: usize,
        generation: u64,
        missed: TokenError,
    },
}

/// `verified`, when presented as it is bound: a token bound to a key (`cnf`) only with
/// a DPoP proof of that key (RFC 9449 §7.1), an unbound one only as a bearer token.
fn bound(
    verified: VerifiedToken,
    presentation: Presentation<'_>,
) -> Result<VerifiedToken, TokenError> {
    match (&verified.0.binding, presentation) {
        (Binding::None, Presentation::Bearer) => Ok(verified),
        // Bound: the proof of its key must come with it (RFC 9449 §7.1).
        (_, Presentation::Bearer) => Err(TokenError::NotBearer),
        (Binding::Dpop(jkt), Presentation::Dpop { thumbprint }) if **jkt == *thumbprint => {
            Ok(verified)
        }
        // Bound to another key, to a key this crate cannot check, or not bound while
        // a proof was given (RFC 9449 §7.1: "Invalid DPoP key binding").
        (_, Presentation::Dpop { .. }) => Err(TokenError::KeyBinding),
    }
}

/// Records how long a verification took (not a cache hit).
#[cfg(feature = "metrics")]
fn verified_in(started: std::time::Instant) {
    metrics::histogram!("scopes_verify_seconds").record(started.elapsed().as_secs_f64());
}

/// Which cache keeps a verified token.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Held {
    /// The verified-token cache, when the verifier has one.
    Here,
    /// Another (the introspection answers'), within its own bounds.
    #[cfg_attr(not(feature = "introspection"), allow(dead_code))]
    Elsewhere,
}

/// Settings that apply to every trusted issuer of a verifier.
pub(crate) struct Shared {
    pub(crate) leeway_secs: u64,
    pub(crate) cache: Option<CacheLimits>,
}

impl TokenVerifier {
    /// Its issuers, space-separated (`(no issuer check)` for a verifier of keys alone),
    /// as events name it.
    pub(crate) fn label(&self) -> String {
        let issuers: Vec<String> = self
            .issuers
            .iter()
            .flat_map(|rules| {
                let exact = rules.issuers.iter().map(|iss| iss.to_string());
                exact.chain(rules.tenants.iter().map(|template| template.text()))
            })
            .collect();
        match issuers.is_empty() {
            true => "(no issuer check)".to_owned(),
            false => issuers.join(" "),
        }
    }

    /// The claims (and values) the issuer of `iss` requires, as [`audiences_for`]
    /// finds that issuer: `required_claims` in a refusal's event.
    ///
    /// [`audiences_for`]: Self::audiences_for
    pub(crate) fn required_claims_for(&self, iss: Option<&str>) -> String {
        let described: Vec<String> = self
            .issuers_for(iss)
            .iter()
            .map(|rules| rules.required.describe())
            .filter(|described| !described.is_empty())
            .collect();
        described.join(" | ")
    }

    /// Why the scope claims of a token naming `iss` (`claims`, unverified) do not read
    /// as its issuer's reader reads them, for a refusal's event.
    pub(crate) fn scope_claim_misfit_for(
        &self,
        iss: Option<&str>,
        claims: &serde_json::Value,
    ) -> Option<String> {
        self.issuers_for(iss)
            .iter()
            .find_map(|rules| rules.scope_claims.misfit(claims))
    }

    /// The issuer a token naming `iss` is routed to, or every issuer when none is.
    fn issuers_for(&self, iss: Option<&str>) -> &[IssuerRules] {
        let routed_to = match (self.routed, iss) {
            (false, _) => self.issuers.first(),
            (true, Some(iss)) => self
                .issuers
                .iter()
                .find(|issuer| issuer.is_issuer(iss))
                .or_else(|| self.issuers.iter().find(|issuer| issuer.fits_template(iss))),
            (true, None) => None,
        };
        match routed_to {
            Some(issuer) => core::slice::from_ref(issuer),
            None => &self.issuers,
        }
    }

    /// The audiences accepted from the issuer a token naming `iss` is checked by (the
    /// only one, or the one its `iss` routes it to; every issuer's when none is),
    /// space-separated, each once: for the event of a token refused for its audience.
    /// Empty when that issuer accepts none.
    pub(crate) fn audiences_for(&self, iss: Option<&str>) -> String {
        let rules = self.issuers_for(iss);
        let mut audiences: Vec<&str> = Vec::new();
        for audience in rules.iter().flat_map(|rules| rules.audiences.iter()) {
            if !audiences.contains(&&**audience) {
                audiences.push(audience);
            }
        }
        audiences.join(" ")
    }

    /// Whether some issuer accepts `audience`.
    pub(crate) fn accepts_audience(&self, audience: &str) -> bool {
        self.issuers
            .iter()
            .any(|rules| rules.audiences.iter().any(|known| **known == *audience))
    }

    /// Whether every issuer checks an audience (`aud`): of its JWTs, and of its
    /// introspection answers, which RFC 7662 lets omit it (and many authorization
    /// servers answer for any token of theirs).
    pub(crate) fn every_issuer_checks_an_audience(&self) -> bool {
        self.issuers.iter().all(|rules| !rules.audiences.is_empty())
    }

    /// The leeway for time claims, in seconds.
    pub(crate) fn leeway_secs(&self) -> u64 {
        self.leeway_secs
    }

    /// One anonymous issuer, or several routed by `iss`.
    pub(crate) fn new(
        issuers: Vec<TrustedIssuer>,
        routed: bool,
        shared: Shared,
    ) -> Result<Self, ConfigError> {
        let issuers: Vec<IssuerRules> = issuers
            .into_iter()
            .map(TrustedIssuer::build)
            .collect::<Result<_, _>>()?;
        for (i, rules) in issuers.iter().enumerate() {
            for iss in rules.issuers.iter() {
                if issuers[..i].iter().any(|other| other.issuers.contains(iss)) {
                    return Err(ConfigError::DuplicateIssuer(iss.to_string()));
                }
            }
        }
        // Templates, across every issuer and within one: none twice, and no exact issuer
        // that only its case keeps from fitting one.
        let templates: Vec<&TenantTemplate> = issuers
            .iter()
            .flat_map(|rules| rules.tenants.iter())
            .collect();
        for (i, template) in templates.iter().enumerate() {
            if templates[..i].contains(template) {
                return Err(ConfigError::DuplicateIssuer(template.text()));
            }
        }
        for rules in &issuers {
            TenantTemplate::exact_apart(&rules.issuers, &templates)?;
        }
        #[cfg(feature = "introspection")]
        if issuers
            .iter()
            .filter(|rules| rules.introspector.is_some())
            .count()
            > 1
        {
            // An opaque token names no issuer: it could only go to one of them.
            return Err(ConfigError::IntrospectionTwice);
        }
        static NEXT_ID: AtomicU64 = AtomicU64::new(0);
        Ok(Self {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            issuers: issuers.into_boxed_slice(),
            routed,
            leeway_secs: shared.leeway_secs,
            cache: shared.cache.map(TokenCache::new),
        })
    }

    /// Verifies `token` (see [`Verifier::verify`](crate::Verifier::verify)), then its
    /// binding: a token bound to a key (`cnf`) is
    /// accepted only with a DPoP proof of that key (RFC 9449 §7.1), an unbound one only
    /// as a bearer token.
    ///
    /// Everything that needs no waiting is done by [`verify_now`](Self::verify_now),
    /// which answers nearly every token; only a key-set refresh or an introspection
    /// call waits, in a future of its own on the heap. So the future a request holds
    /// stays short: axum boxes and moves a handler's future, and copies all of it each
    /// time (232 bytes for the injected check, against 656 when the waits were inline).
    pub(crate) async fn verify_as(
        &self,
        token: &str,
        presentation: Presentation<'_>,
    ) -> Result<VerifiedToken, TokenError> {
        match self.verify_now(token, presentation) {
            Step::Done(verified) => verified,
            Step::Wait(wait) => Box::pin(self.resume(token, presentation, wait)).await,
        }
    }

    /// [`verify_as`](Self::verify_as) as far as it goes without waiting.
    fn verify_now(&self, token: &str, presentation: Presentation<'_>) -> Step {
        if let Some(cached) = self.cached(token) {
            #[cfg(feature = "metrics")]
            metrics::counter!("scopes_token_cache_total", "result" => "hit").increment(1);
            return Step::Done(cached.and_then(|verified| bound(verified, presentation)));
        }
        #[cfg(feature = "metrics")]
        let started = std::time::Instant::now();
        #[cfg(feature = "metrics")]
        if self.cache.is_some() {
            metrics::counter!("scopes_token_cache_total", "result" => "miss").increment(1);
        }
        match self.verify_uncached(token) {
            Ok(verified) => {
                #[cfg(feature = "metrics")]
                verified_in(started);
                Step::Done(verified.and_then(|verified| bound(verified, presentation)))
            }
            Err(reason) => Step::Wait(Wait {
                reason,
                #[cfg(feature = "metrics")]
                started,
            }),
        }
    }

    /// The rest of a verification that had to wait.
    async fn resume(
        &self,
        token: &str,
        presentation: Presentation<'_>,
        wait: Wait,
    ) -> Result<VerifiedToken, TokenError> {
        let verified = match wait.reason {
            #[cfg(feature = "introspection")]
            Waiting::Introspection(index) => {
                self.introspect(token, index, &self.issuers[index]).await
            }
            Waiting::KeyRefresh {
                index,
                generation,
                missed,
            } => match self.issuers[index]
                .keys
                .refresh_after_miss(generation)
                .await
            {
                // The set changed: the token is checked again with the new set, once (read
                // again, as it was once). Not through `verify_uncached`, which would ask
                // for a refresh when the new set is already due.
                AfterMiss::Changed => {
                    let rechecked =
                        Jws::parse(token).map(|jws| self.check_with_keys(token, &jws, index));
                    match rechecked {
                        Ok(Ok(verified)) => verified,
                        Ok(Err(Waiting::KeyRefresh { missed, .. })) => Err(missed),
                        #[cfg(feature = "introspection")]
                        Ok(Err(Waiting::Introspection(_))) => Err(missed),
                        Err(error) => Err(error),
                    }
                }
                AfterMiss::Current => Err(missed),
                // The provider failed: the key may be one it started signing with since
                // the last good set, so the token could not be checked.
                AfterMiss::Unavailable => Err(TokenError::KeysUnavailable),
            },
        };
        #[cfg(feature = "metrics")]
        verified_in(wait.started);
        bound(verified?, presentation)
    }

    /// [`verify_now`](Self::verify_now) without the cache: the verified token (or why
    /// not), or what is left to wait for.
    fn verify_uncached(&self, token: &str) -> Result<Result<VerifiedToken, TokenError>, Waiting> {
        // A JWT is verified by the issuer its `iss` routes to, with that issuer's keys
        // and only so (an issuer without keys introspects it); a token that is not a JWT
        // at all, or an encrypted one (a JWE, which only its issuer can read), goes to
        // the introspection endpoint when one is configured. Another issuer's JWT is
        // refused, never sent to an endpoint.
        let jws = match Jws::parse(token) {
            Ok(jws) => jws,
            #[cfg(feature = "introspection")]
            Err(error)
                if (error == TokenError::Malformed && !super::jws::is_compact_jws(token))
                    || super::jws::is_compact_jwe(token) =>
            {
                return match self.introspecting() {
                    Some((index, _)) => Err(Waiting::Introspection(index)),
                    None => Ok(Err(error)),
                };
            }
            Err(error) => return Ok(Err(error)),
        };
        let (index, issuer) = match self.issuer_for(&jws) {
            Ok(found) => found,
            Err(error) => return Ok(Err(error)),
        };
        #[cfg(feature = "introspection")]
        if !issuer.local {
            return Err(Waiting::Introspection(index));
        }
        issuer.keys.refresh_if_due();
        self.check_with_keys(token, &jws, index)
    }

    /// `token` (read as `jws`) checked by issuer `index` with its current key set: the
    /// verified token (or why not), or a refresh to wait for when the set lacked its key.
    fn check_with_keys(
        &self,
        token: &str,
        jws: &Jws<'_>,
        index: usize,
    ) -> Result<Result<VerifiedToken, TokenError>, Waiting> {
        let issuer = &self.issuers[index];
        let set = issuer.keys.current();
        let generation = set.generation;
        match issuer.check(token, jws, &set, self.leeway_secs) {
            // A key the set lacks: worth a refresh.
            Err(missed @ TokenError::UnknownKey) if set.known() => Err(Waiting::KeyRefresh {
                index,
                generation,
                missed,
            }),
            // No set yet (none fetched): a refresh, and if it fails, the token could not
            // be checked, which is not the token's fault. (An HMAC token never could: a
            // fetched set holds no shared secrets.)
            Err(TokenError::UnknownKey | TokenError::AlgorithmNotAllowed)
                if !set.known() && jws.algorithm.family() != AlgorithmFamily::Hmac =>
            {
                Err(Waiting::KeyRefresh {
                    index,
                    generation,
                    missed: TokenError::KeysUnavailable,
                })
            }
            checked => {
                Ok(checked
                    .map(|checked| self.remember(token, index, generation, checked, Held::Here)))
            }
        }
    }

    /// The issuer that introspects opaque tokens (at most one: the build refuses two).
    #[cfg(feature = "introspection")]
    fn introspecting(&self) -> Option<(usize, &IssuerRules)> {
        self.issuers
            .iter()
            .enumerate()
            .find(|(_, issuer)| issuer.introspector.is_some())
    }

    /// `token` checked by `issuer`'s introspection endpoint (cached there, within its
    /// own bounds: never in the verified-token cache).
    #[cfg(feature = "introspection")]
    async fn introspect(
        &self,
        token: &str,
        index: usize,
        issuer: &IssuerRules,
    ) -> Result<VerifiedToken, TokenError> {
        let introspector = issuer.introspector.as_ref().ok_or(TokenError::Malformed)?;
        // Longer than any token an authorization server hands out: not worth a call,
        // nor the room its answer would take in the cache.
        if token.len() > MAX_INTROSPECTED {
            return Err(TokenError::Malformed);
        }
        // The answer is checked once, and the verified token kept with it.
        let check = |claims: &[u8]| {
            let checked = issuer.check_introspected(token, claims, self.leeway_secs)?;
            Ok(self.remember(
                token,
                index,
                issuer.keys.generation(),
                checked,
                Held::Elsewhere,
            ))
        };
        introspector.verified(token, check).await
    }

    /// Whether this verifier vouched for `token`.
    pub(crate) fn vouched_for(&self, token: &VerifiedToken) -> bool {
        token.0.verifier == self.id
    }

    /// Fetches every key set configured by URL now.
    #[cfg(feature = "jwks")]
    pub(crate) async fn refresh_keys(&self) -> Result<(), crate::keys::KeyRefreshError> {
        for issuer in &self.issuers {
            issuer.keys.refresh_now().await?;
        }
        Ok(())
    }

    pub(crate) fn cached_tokens(&self) -> usize {
        self.cache.as_ref().map_or(0, TokenCache::len)
    }

    /// The issuer for `token`: the only one, or the one of its `iss`: the one that names
    /// it exactly, else the one with a template it fits (`any_tenant`; its claims' pass
    /// then checks that the token's `tid` fills it in).
    fn issuer_for(&self, token: &Jws<'_>) -> Result<(usize, &IssuerRules), TokenError> {
        if !self.routed {
            return Ok((0, &self.issuers[0]));
        }
        let iss = token.unverified_issuer()?;
        let issuers = || self.issuers.iter().enumerate();
        issuers()
            .find(|(_, issuer)| issuer.is_issuer(&iss))
            .or_else(|| issuers().find(|(_, issuer)| issuer.fits_template(&iss)))
            .ok_or(TokenError::WrongIssuer)
    }

    /// A cached verification of `token`: the token when still fresh, `Expired` when it
    /// was verified by this verifier with the current keys and has expired since (the
    /// same token verified again could only be refused so); `None` otherwise.
    fn cached(&self, token: &str) -> Option<Result<VerifiedToken, TokenError>> {
        let cache = self.cache.as_ref()?;
        let verified = cache.get(token)?;
        let entry = &verified.0;
        let issuer = self.issuers.get(entry.issuer)?;
        issuer.keys.refresh_if_due();
        if entry.verifier != self.id || entry.generation != issuer.keys.generation() {
            cache.remove(token);
            return None;
        }
        let Some(now) = now() else {
            cache.remove(token);
            return Some(Err(TokenError::Expired));
        };
        if entry.exp < now - self.leeway_secs as f64 {
            cache.remove(token);
            return Some(Err(TokenError::Expired));
        }
        Some(Ok(verified))
    }

    fn remember(
        &self,
        token: &str,
        issuer: usize,
        generation: u64,
        checked: Checked,
        held: Held,
    ) -> VerifiedToken {
        let cache = self.cache.as_ref().filter(|_| held == Held::Here);
        let verified = VerifiedToken(handle(Verified {
            text: checked.text,
            split: token.len(),
            scopes: checked.claims_end,
            exp: checked.exp,
            verifier: self.id,
            issuer,
            generation,
            grant: OnceLock::new(),
            cached: cache.is_some() || held == Held::Elsewhere,
            acr: checked.acr,
            auth_time: checked.auth_time,
            binding: checked.binding,
        }));
        if let Some(cache) = cache {
            cache.insert(token, verified.clone());
        }
        verified
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use jsonwebtoken::{Algorithm, EncodingKey};

    use super::*;
    use crate::keys::{Key, sign};

    const SECRET: &[u8] = b"a secret of at least thirty-two bytes, for tests";

    /// An HS256 token with `claims` (an hour long).
    fn token(mut claims: serde_json::Value) -> String {
        if claims.get("exp").is_none() {
            claims["exp"] = (now().unwrap() as u64 + 3600).into();
        }
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#);
        let message = format!("{header}.{}", URL_SAFE_NO_PAD.encode(claims.to_string()));
        let key = EncodingKey::from_secret(SECRET);
        let signature = sign(message.as_bytes(), &key, Algorithm::HS256).unwrap();
        format!("{message}.{signature}")
    }

    fn verifier(cache: Option<CacheLimits>) -> TokenVerifier {
        let issuer = TrustedIssuer::anonymous().key(Key::hs256(SECRET).unwrap());
        let shared = Shared {
            leeway_secs: 0,
            cache,
        };
        TokenVerifier::new(vec![issuer], false, shared).unwrap()
    }

    fn verified(verifier: &TokenVerifier, token: &str) -> VerifiedToken {
        verified_as(verifier, token, Presentation::Bearer).unwrap()
    }

    fn verified_as(
        verifier: &TokenVerifier,
        token: &str,
        presentation: Presentation<'_>,
    ) -> Result<VerifiedToken, TokenError> {
        match verifier.verify_now(token, presentation) {
            Step::Done(verified) => verified,
            Step::Wait(_) => panic!("a token checked with configured keys waits for nothing"),
        }
    }

    /// What a reused handle holds beyond the text: the key a token is bound to, `exp`,
    /// the issuer that verified it, an `acr` kept apart (it had escapes), each the new
    /// token's, in both directions: a bound token's handle given to a bearer token, and a
    /// bearer token's to a bound one, which then still needs its proof.
    #[test]
    fn a_reused_handle_holds_only_the_new_token_s_binding_and_dates() {
        let issuer = |iss: &str| TrustedIssuer::new(iss).key(Key::hs256(SECRET).unwrap());
        let shared = Shared {
            leeway_secs: 0,
            cache: None,
        };
        let issuers = vec![issuer("https://a.example"), issuer("https://b.example")];
        let routed = TokenVerifier::new(issuers, true, shared).unwrap();
        let jkt = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I";
        let exp = now().unwrap() as u64;
        let bound = token(serde_json::json!({
            "iss": "https://b.example", "sub": "alice", "scope": "items", "exp": exp + 3600,
            "acr": "urn:mfa\t", "cnf": { "jkt": jkt },
        }));
        let plain = token(serde_json::json!({
            "iss": "https://a.example", "sub": "bob", "scope": "me", "exp": exp + 60,
        }));
        let dpop = Presentation::Dpop { thumbprint: jkt };

        for first_bound in [true, false] {
            let (first, first_as) = match first_bound {
                true => (&bound, dpop),
                false => (&plain, Presentation::Bearer),
            };
            let released = verified_as(&routed, first, first_as).unwrap();
            let handle = Arc::as_ptr(&released.0);
            released.release();
            let reused = if first_bound {
                verified(&routed, &plain)
            } else {
                // Bound: refused as a bearer token, whatever the handle held before.
                assert!(matches!(
                    verified_as(&routed, &bound, Presentation::Bearer),
                    Err(TokenError::NotBearer)
                ));
                verified_as(&routed, &bound, dpop).unwrap()
            };
            assert_eq!(Arc::as_ptr(&reused.0), handle, "the handle is reused");
            let (want_jkt, want_acr, want_issuer, want_exp) = match first_bound {
                true => (None, None, 0, exp + 60),
                false => (Some(jkt), Some("urn:mfa\t"), 1, exp + 3600),
            };
            assert_eq!(reused.dpop_jkt(), want_jkt);
            assert_eq!(reused.acr(), want_acr);
            assert_eq!(reused.0.issuer, want_issuer);
            assert_eq!(reused.0.exp, want_exp as f64);
            assert_eq!(reused.0.binding == Binding::None, first_bound);
        }
    }

    /// A released token's handle and text are reused by the next token verified on the
    /// thread, and nothing of the first shows through the second: not its claims, its
    /// scopes, its `acr` or `auth_time`, nor the verifier or the cache it was held by.
    #[test]
    fn a_released_token_leaves_nothing_but_its_allocations() {
        let (uncached, cached) = (verifier(None), verifier(Some(CacheLimits::default())));
        let first = token(serde_json::json!({
            "sub": "alice", "scope": "admin items", "acr": "mfa", "auth_time": 1,
        }));
        let second = token(serde_json::json!({ "sub": "bob", "scope": "me", "xyz": 12 }));
        // Not larger, and not less than half: the first's text is reused.
        assert!(second.len() <= first.len() && 2 * second.len() >= first.len());

        let released = verified(&uncached, &first);
        assert_eq!(released.acr(), Some("mfa"));
        let (handle, text) = (Arc::as_ptr(&released.0), released.0.text.as_ptr());
        released.release();

        let reused = verified(&cached, &second);
        assert_eq!(Arc::as_ptr(&reused.0), handle, "the handle is reused");
        assert_eq!(reused.0.text.as_ptr(), text, "the text is reused");
        assert!(reused.is_of(&second));
        assert!(reused.claims_json().contains(r#""sub":"bob""#));
        assert!(!reused.claims_json().contains("alice"));
        assert_eq!(reused.scopes().collect::<Vec<_>>(), ["me"]);
        assert_eq!((reused.acr(), reused.auth_time()), (None, None));
        assert!(cached.vouched_for(&reused) && !uncached.vouched_for(&reused));

        // Held by the cache: released, it stays where it is, whole.
        reused.release();
        let again = verified(&cached, &second);
        assert_eq!(Arc::as_ptr(&again.0), handle, "from the cache");
        assert_eq!(again.scopes().collect::<Vec<_>>(), ["me"]);
        // Shared with another holder: only dropped.
        let held = verified(&uncached, &first);
        let (other, handle) = (held.clone(), Arc::as_ptr(&held.0));
        held.release();
        assert_eq!(other.acr(), Some("mfa"));
        let next = verified(&uncached, &first);
        assert_ne!(
            Arc::as_ptr(&next.0),
            handle,
            "a shared handle is not reused"
        );
    }
}
