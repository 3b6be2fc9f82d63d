//! Opaque tokens, checked by the issuer's introspection endpoint (RFC 7662): the answer
//! feeds the same claims pass as a JWT's claims.

use core::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::HeaderValue;
use quick_cache::sync::Cache;
use serde::de::{self, IgnoredAny, MapAccess, Visitor};

use super::VerifiedToken;
use crate::error::{ConfigError, TokenError};
use crate::keys::{FetchOptions, KeyFetchError, for_logs};
use crate::store::Store;

/// How an issuer's introspection endpoint is called (RFC 7662), for opaque tokens (or
/// any token its JWT keys do not cover). Give it to
/// [`TrustedIssuer::introspection`](crate::TrustedIssuer::introspection).
///
/// The resource server authenticates as a client: `client_secret_basic` by default
/// (RFC 6749 §2.3.1), [`client_secret_post`](Self::client_secret_post) otherwise. An
/// active answer is cached until its `exp`, and never longer than
/// [`cache_ceiling`](Self::cache_ceiling) (5 minutes by default); concurrent requests
/// with the same token make one call. An inactive answer is cached for
/// [`inactive_for`](Self::inactive_for) (10 seconds), so a flood of one bad token does
/// not become a flood of calls. A failed call (timeout, connection, status other than
/// 200, a `Content-Type` other than `application/json`, a body larger than the limit)
/// is never cached and refuses the request without blaming the token: 503 with
/// `Retry-After: 10` and no challenge (`AuthRejection::is_outage`), so that a client
/// keeps its token and tries again.
/// After three calls in a row find it down (no connection, no answer in time, 429, 502,
/// 503, 504: the endpoint's state rather than one token's answer) the endpoint is not
/// called for a second, then for twice as long after each further failure (up to 30
/// seconds): tokens that are not cached are refused at once meanwhile, instead of each
/// waiting for its own timeout, and one call at a time tries the endpoint again
/// ([`pause_after_failures`](Self::pause_after_failures)). An answer that is not one
/// (not a JSON object, `active` missing or not a boolean, a member given twice) refuses the token as invalid (401 `invalid_token`,
/// `TokenError::UnreadableIntrospection`), as do claims of the wrong type or out of
/// range (`InvalidClaim`…, as in a JWT); neither is cached.
///
/// With a shared [`store`](Self::store), an answer another instance kept is believed
/// only while this instance would still have cached it (its time of fetching is kept
/// beside it, under a MAC): a store that keeps entries past their time does not extend
/// an answer's life.
///
/// The answer's claims are checked as a JWT's are (`exp`, `nbf`, `aud`, and `iss` when
/// the answer has one: it comes from the issuer's own endpoint, so one without `iss` is
/// the issuer's); its `scope` may also be a JSON array of names, as some servers send.
///
/// ```
/// use scopes_core::{Introspection, TrustedIssuer, Verifier};
/// # fn main() -> Result<(), scopes_core::ConfigError> {
/// let verifier = Verifier::builder()
///     .trust(
///         TrustedIssuer::new("https://auth.example.com/")
///             .introspection(Introspection::new(
///                 "https://auth.example.com/token/introspect",
///                 "my-api",
///                 "my-api-secret",
///             ))
///             .audience("https://api.example.com"),
///     )
///     .build()?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
#[must_use]
pub struct Introspection {
    /// The endpoint; `None`: the one the issuer's discovery document names.
    endpoint: Option<String>,
    client_id: String,
    client_secret: String,
    post: bool,
    pub(crate) options: FetchOptions,
    ceiling: Duration,
    inactive_for: Duration,
    entries: usize,
    store: Option<Arc<dyn Store>>,
    pause: PauseRule,
}

/// When the calls pause: after `failures` calls in a row find the endpoint down (0:
/// never), for `first`, doubled with each further failure up to `longest`.
#[derive(Clone, Copy, Debug)]
struct PauseRule {
    failures: u32,
    first: Duration,
    longest: Duration,
}

impl Introspection {
    /// Calls `endpoint` as client `client_id` with `client_secret`
    /// (`client_secret_basic`).
    pub fn new(
        endpoint: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        Self {
            endpoint: Some(endpoint.into()),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            post: false,
            options: FetchOptions::default(),
            ceiling: Duration::from_secs(300),
            inactive_for: Duration::from_secs(10),
            entries: 10_000,
            store: None,
            pause: PauseRule {
                failures: 3,
                first: Duration::from_secs(1),
                longest: Duration::from_secs(30),
            },
        }
    }

    /// Calls the endpoint the issuer's OpenID Connect discovery document names
    /// (`introspection_endpoint`; the document's `issuer` must be the configured one),
    /// fetched on the first opaque token and kept. The issuer is the
    /// [`TrustedIssuer`](crate::TrustedIssuer)'s `iss`, which must be configured.
    pub fn discovered(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Self {
            endpoint: None,
            ..Self::new(String::new(), client_id, client_secret)
        }
    }

    /// Sends the client's credentials in the form (`client_secret_post`) instead of an
    /// `Authorization: Basic` header.
    pub fn client_secret_post(mut self) -> Self {
        self.post = true;
        self
    }

    /// The time and size limits of each call (5 s, 256 KiB by default; plain `http://`
    /// only on loopback).
    pub fn fetch_options(mut self, options: FetchOptions) -> Self {
        self.options = options;
        self
    }

    /// The longest an active answer is trusted without asking again (5 minutes by
    /// default; its `exp` always bounds it too). A revoked token is refused at the
    /// latest this long after its revocation.
    pub fn cache_ceiling(mut self, ceiling: Duration) -> Self {
        self.ceiling = ceiling;
        self
    }

    /// How long an inactive answer is remembered (10 seconds by default; zero to ask
    /// every time).
    pub fn inactive_for(mut self, duration: Duration) -> Self {
        self.inactive_for = duration;
        self
    }

    /// Shares the answers with the other instances of the API through `store` (a
    /// `RedisStore`, feature `redis`, say): an answer fetched by one instance
    /// serves them all, for as long as it may be cached, and N instances ask the
    /// endpoint once per token, not N times. Each instance still keeps the answers it
    /// used in its own cache. When the store cannot be reached, each instance asks the
    /// endpoint itself (an answer is the endpoint's, whoever keeps it). The store holds
    /// the answer under a digest of the token, never the token, with a MAC under a key
    /// derived from the client secret: whoever can write to the store but lacks the
    /// secret cannot forge an answer, nor move one to another token (a store shared
    /// with other services is still best given its own `prefix`).
    pub fn store(mut self, store: Arc<dyn Store>) -> Self {
        self.store = Some(store);
        self
    }

    /// When the endpoint is down, stops calling it for a while: after `failures` calls
    /// in a row that find it down (no connection, no answer in time, a status 429, 502,
    /// 503 or 504; a discovery of the endpoint that fails counts too), for `first`,
    /// then twice as long after each further failure, up to `longest`. Meanwhile a
    /// token whose answer is not cached is refused at once (503, as for a failed call,
    /// with `Retry-After: 10` whatever the pause) rather than waiting for its own call
    /// to time out; once the pause is over, one call tries the endpoint while the
    /// others keep being refused, and an answer ends the outage. Cached answers, and
    /// those of a shared [`store`](Self::store), are used all along.
    ///
    /// By default: after 3 failures, 1 second doubling up to 30 seconds. `failures` of
    /// 0 never pauses (each request without a cached answer calls the endpoint). A
    /// `first` of zero pauses for no time, but still lets one call at a time try until
    /// an answer comes; a `longest` shorter than `first` is `first`; a pause lasts a
    /// day at most.
    ///
    /// Other failures (another status, a body over the limit) refuse the request as
    /// well but neither count nor end an outage: a token could well cause them (an
    /// endpoint that fails on some tokens). The statuses counted say the endpoint
    /// itself is down or overwhelmed; still, an endpoint that times out on some tokens
    /// lets whoever holds such tokens pause it: where that is a risk, `failures` of 0
    /// turns the pause off.
    pub fn pause_after_failures(
        mut self,
        failures: u32,
        first: Duration,
        longest: Duration,
    ) -> Self {
        const DAY: Duration = Duration::from_secs(86_400);
        self.pause = PauseRule {
            failures,
            first: first.min(DAY),
            longest: longest.max(first).min(DAY),
        };
        self
    }

    /// The most answers cached (10 000 by default).
    pub fn max_entries(mut self, entries: usize) -> Self {
        self.entries = entries;
        self
    }

    pub(crate) fn build(self, issuer: Option<&str>) -> Result<Introspector, ConfigError> {
        // The client must authenticate (RFC 7662 §2.1), and the secret keys the MAC of
        // the answers a shared store keeps: an empty one would let anyone who can write
        // to the store forge them.
        if self.client_id.is_empty() {
            return Err(ConfigError::EmptySetting("client_id"));
        }
        if self.client_secret.is_empty() {
            return Err(ConfigError::EmptySetting("client_secret"));
        }
        let insecure = |url: &str| ConfigError::InsecureIntrospectionEndpoint(for_logs(url));
        let endpoint = tokio::sync::OnceCell::new();
        match (&self.endpoint, issuer) {
            (Some(given), _) => {
                crate::keys::check_url(given, &self.options).map_err(|_| insecure(given))?;
                let _ = endpoint.set(given.clone());
            }
            (None, Some(issuer)) => {
                crate::keys::check_url(issuer, &self.options).map_err(|_| insecure(issuer))?;
            }
            (None, None) => return Err(ConfigError::IntrospectionWithoutIssuer),
        }
        let authorization = match self.post {
            true => None,
            false => {
                // RFC 6749 §2.3.1: each part form-encoded, then base64.
                let encode = |part: &str| {
                    url::form_urlencoded::byte_serialize(part.as_bytes()).collect::<String>()
                };
                let credentials = format!(
                    "{}:{}",
                    encode(&self.client_id),
                    encode(&self.client_secret)
                );
                let mut value =
                    HeaderValue::from_str(&format!("Basic {}", STANDARD.encode(credentials)))
                        .map_err(|_| ConfigError::HttpClient)?;
                value.set_sensitive(true);
                Some(value)
            }
        };
        let entries = self.entries;
        Ok(Introspector {
            client: crate::keys::client(&self.options)?,
            authorization,
            answers: answers(entries),
            endpoint,
            issuer: issuer.map(str::to_owned),
            store_key: jsonwebtoken::EncodingKey::from_secret(&crate::keys::sha256(
                format!("scopes-core introspection store\n{}", self.client_secret).as_bytes(),
            )),
            outage: std::sync::Mutex::new(Outage::default()),
            config: Arc::new(self),
        })
    }
}

/// Redacts the secret, and what of the endpoint could be one (its user information and
/// query, as the logs leave them out).
impl fmt::Debug for Introspection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Introspection")
            .field("endpoint", &self.endpoint.as_deref().map(for_logs))
            .field("client_id", &self.client_id)
            .field("client_secret_post", &self.post)
            .field("cache_ceiling", &self.ceiling)
            .field("inactive_for", &self.inactive_for)
            .field("store", &self.store)
            .field("pause", &self.pause)
            .finish_non_exhaustive()
    }
}

/// An issuer's introspection, built: the client, and the answers cached by token.
pub(crate) struct Introspector {
    config: Arc<Introspection>,
    client: reqwest::Client,
    authorization: Option<HeaderValue>,
    answers: Cache<String, Answer, Bytes>,
    /// The endpoint: configured, or discovered on the first call that needs it.
    endpoint: tokio::sync::OnceCell<String>,
    /// The issuer whose discovery document names the endpoint.
    issuer: Option<String>,
    /// The key of the answers' MACs in the shared store (derived from the secret).
    store_key: jsonwebtoken::EncodingKey,
    /// The endpoint's failures in a row, and the pause they started.
    outage: std::sync::Mutex<Outage>,
}

/// The endpoint's state as its calls found it.
#[derive(Default)]
struct Outage {
    /// Calls that found the endpoint down since the last answer.
    failures: u32,
    /// No call before then (once set, until a good answer: each call after it tries
    /// the endpoint alone).
    paused_until: Option<Instant>,
    /// Pauses since the first one, each twice as long as the one before.
    pauses: u32,
    /// A call is trying the endpoint after a pause; the others are refused meanwhile.
    trying: bool,
    /// Counts the answers: a call that started before the last one and then finds the
    /// endpoint down (a timeout that ends after the endpoint is back) changes nothing.
    generation: u64,
    /// When a discovery of the endpoint last failed: the requests that waited for it
    /// take that failure as theirs rather than each asking the issuer in turn.
    discovery_failed: Option<Instant>,
}

/// Leave to call the endpoint: its outcome is told with [`Leave::ended`]; dropped
/// without it (the request went away mid-call), it lets another call try.
struct Leave<'a> {
    outage: &'a std::sync::Mutex<Outage>,
    rule: PauseRule,
    trying: bool,
    /// The outage's `generation` when the call started.
    generation: u64,
}

/// How a call to the endpoint (or to its discovery) ended, as an outage counts it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Outcome {
    /// An answer came (200).
    Answered,
    /// The endpoint is down or overwhelmed: no connection, no answer in time, 429, 502,
    /// 503 or 504 (the endpoint's state, rather than one token's answer failing).
    Down,
    /// Another failure (another status, a body over the limit), which a token could
    /// well cause (an endpoint that fails on some tokens): neither counted nor an end
    /// of the outage, so that a client cannot pause the calls for everyone that way.
    Failed,
}

impl Outcome {
    fn of(result: &Result<Vec<u8>, KeyFetchError>) -> Self {
        match result {
            Ok(_) => Self::Answered,
            Err(
                KeyFetchError::Timeout
                | KeyFetchError::Unreachable { .. }
                | KeyFetchError::Status(429 | 502 | 503 | 504),
            ) => Self::Down,
            Err(_) => Self::Failed,
        }
    }
}

impl Leave<'_> {
    /// Records the call's outcome (`url`: the endpoint, or the issuer asked for it, for
    /// the logs). An answer ends an outage. Calls that find the endpoint down count,
    /// and enough of them in a row pause the calls; the call that tries after a pause
    /// and finds it down starts a pause twice as long. (A call that started before a
    /// pause, or before the last answer, and finds the endpoint down changes nothing:
    /// it tells of the same outage, or of one that is over.)
    fn ended(mut self, outcome: Outcome, url: &str) {
        let mut outage = lock(self.outage);
        let trying = core::mem::take(&mut self.trying);
        if trying {
            outage.trying = false;
        }
        if outcome == Outcome::Failed {
            return;
        }
        if outcome == Outcome::Answered {
            if outage.paused_until.is_some() {
                tracing::info!(url = %for_logs(url), "the introspection endpoint answers again; it is called again");
            }
            *outage = Outage {
                generation: outage.generation.wrapping_add(1),
                ..Outage::default()
            };
            return;
        }
        if self.generation != outage.generation {
            return;
        }
        outage.failures = outage.failures.saturating_add(1);
        let rule = self.rule;
        let pauses = match (trying, outage.paused_until) {
            (true, _) => outage.pauses.saturating_add(1),
            (false, None) if rule.failures > 0 && outage.failures >= rule.failures => 0,
            _ => return,
        };
        let pause = rule
            .first
            .saturating_mul(1 << pauses.min(16))
            .min(rule.longest);
        outage.pauses = pauses;
        outage.paused_until = Some(
            Instant::now()
                .checked_add(pause)
                .unwrap_or_else(Instant::now),
        );
        tracing::warn!(
            url = %for_logs(url),
            failures = outage.failures,
            pause_ms = pause.as_millis() as u64,
            "the introspection endpoint keeps failing; it is not called for a while, and tokens not cached are refused (503) meanwhile"
        );
    }
}

impl Drop for Leave<'_> {
    fn drop(&mut self) {
        if self.trying {
            lock(self.outage).trying = false;
        }
    }
}

/// The lock, even if a thread panicked holding it (its state stays consistent: plain
/// numbers).
fn lock(outage: &std::sync::Mutex<Outage>) -> std::sync::MutexGuard<'_, Outage> {
    outage
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The most bytes of tokens and answers kept.
const MAX_BYTES: u64 = 16 << 20;

/// An entry's weight: its token and its answer, and some overhead; at least `floor`,
/// the share of [`MAX_BYTES`] that keeps the entries within their number.
#[derive(Clone)]
struct Bytes {
    floor: u64,
}

impl quick_cache::Weighter<String, Answer> for Bytes {
    fn weight(&self, token: &String, answer: &Answer) -> u64 {
        let answer = match answer {
            Answer::Active(verified, _) => verified.size(),
            _ => 0,
        };
        ((token.len() + answer + 128) as u64).max(self.floor)
    }
}

/// The answers' cache, bounded in entries (at most `entries`, at least one) and in
/// bytes (the tokens and the answers kept, [`MAX_BYTES`] in all): each entry weighs at
/// least its share of the bytes, so that small answers (a refusal's) cannot outnumber
/// `entries`.
fn answers(entries: usize) -> Cache<String, Answer, Bytes> {
    let entries = entries.max(1);
    let floor = (MAX_BYTES / entries as u64).max(1);
    Cache::with_weighter(entries, MAX_BYTES, Bytes { floor })
}

/// An answer, as cached.
#[derive(Clone)]
enum Answer {
    /// The token, verified from the answer's claims, trusted until then.
    Active(VerifiedToken, Instant),
    /// Not active, or not usable as a bearer token; remembered until then.
    Refused(TokenError, Instant),
    /// The call failed (`IntrospectionFailed`: 503), or its answer could not be read
    /// (401): handed to the requests that waited for it, stale for any later one
    /// (which asks again). Never a reason to admit, never remembered, never kept in the
    /// store: an endpoint's error is not an inactive token.
    Failed(Instant, TokenError),
}

impl Introspector {
    /// `token` verified from its answer: the answer's claims (JSON) go through `check`
    /// once, and what it concludes is kept (an active answer until its bound, a refusal
    /// as briefly as an inactive answer).
    pub(crate) async fn verified(
        &self,
        token: &str,
        check: impl Fn(&[u8]) -> Result<VerifiedToken, TokenError>,
    ) -> Result<VerifiedToken, TokenError> {
        let asked = Instant::now();
        // Fresh for a request that started at `asked`: a failure inserted while it
        // waited is its answer too; one from before is stale.
        let fresh = |answer: &Answer| match (answer, answer.until()) {
            (_, Some(until)) => until > Instant::now(),
            (Answer::Failed(at, _), None) => *at >= asked,
            (_, None) => false,
        };
        let guard = loop {
            match self.answers.get_value_or_guard_async(token).await {
                Ok(answer) if fresh(&answer) => return answer.into_result(),
                // Stale: removed unless another request replaced it meanwhile.
                Ok(_) => {
                    self.answers.remove_if(token, |answer| !fresh(answer));
                }
                Err(guard) => break guard,
            }
        };
        // This request asks; the others with the same token wait for its answer, a
        // failure included (later requests ask again).
        let answer = self.ask(token, check).await;
        let _ = guard.insert(answer.clone());
        answer.into_result()
    }

    async fn ask(
        &self,
        token: &str,
        check: impl Fn(&[u8]) -> Result<VerifiedToken, TokenError>,
    ) -> Answer {
        match self.call(token, check).await {
            Ok(answer) => answer,
            Err(()) => Answer::Failed(Instant::now(), TokenError::IntrospectionFailed),
        }
    }

    async fn call(
        &self,
        token: &str,
        check: impl Fn(&[u8]) -> Result<VerifiedToken, TokenError>,
    ) -> Result<Answer, ()> {
        let config = &*self.config;
        // An answer another instance fetched, while it may still be cached.
        let shared = match &config.store {
            Some(store) => Some((store, self.store_key(token).await?)),
            None => None,
        };
        if let Some((store, key)) = &shared {
            match store.get(key).await {
                Ok(Some(kept)) => match self.read_kept(key, &kept) {
                    // Believed while this instance would still have cached it: a store
                    // that keeps entries past their time (or a writer whose clock runs
                    // ahead of this one's) does not extend an answer's life.
                    Some((fetched, body)) => {
                        let answer = self.conclude(body, fetched, &check);
                        let live = answer.until().is_some_and(|until| until > Instant::now());
                        if live && !self.ahead(fetched) {
                            return Ok(answer);
                        }
                    }
                    // Written without this API's secret, or changed since: not believed.
                    None => tracing::warn!(
                        "an introspection answer in the store fails its check (another API's, or tampered with); the endpoint is asked"
                    ),
                },
                Ok(None) => {}
                Err(error) => {
                    tracing::warn!(%error, "the introspection store did not answer; the endpoint is asked");
                }
            }
        }
        let body = self.fetch(token).await?;
        let fetched = super::jws::now().unwrap_or_default();
        let answer = self.conclude(&body, fetched, &check);
        if let Some((store, key)) = shared {
            let ttl = answer.until().map_or(Duration::ZERO, |until| {
                until.saturating_duration_since(Instant::now())
            });
            if !ttl.is_zero() {
                let kept = self.kept(&key, fetched, &body);
                if let Err(error) = store.set(&key, &kept, ttl).await {
                    tracing::warn!(%error, "the introspection store did not keep an answer");
                }
            }
        }
        Ok(answer)
    }

    /// The store's key for `token`: the endpoint and client, and the token, digested.
    async fn store_key(&self, token: &str) -> Result<String, ()> {
        let endpoint = self.endpoint().await?;
        let client = self.config.client_id.as_bytes();
        Ok(crate::store::key(
            "introspection:",
            &[endpoint.as_bytes(), client, token.as_bytes()],
        ))
    }

    /// Leave to call the endpoint, unless its calls are paused (or, after a pause,
    /// another call is trying it).
    fn leave(&self) -> Option<Leave<'_>> {
        let mut outage = lock(&self.outage);
        let mut trying = false;
        if let Some(until) = outage.paused_until {
            if Instant::now() < until || outage.trying {
                return None;
            }
            outage.trying = true;
            trying = true;
        }
        Some(Leave {
            outage: &self.outage,
            rule: self.config.pause,
            trying,
            generation: outage.generation,
        })
    }

    /// Asks the endpoint: the answer's body.
    async fn fetch(&self, token: &str) -> Result<Vec<u8>, ()> {
        let config = &*self.config;
        // Discovered first, if it has to be (a call of its own, paused as these are).
        let endpoint = self.endpoint().await?;
        let Some(leave) = self.leave() else {
            tracing::debug!(
                "the introspection endpoint is not called while it is down; the request is refused"
            );
            return Err(());
        };
        let mut form = vec![("token", token), ("token_type_hint", "access_token")];
        if config.post {
            form.push(("client_id", &config.client_id));
            form.push(("client_secret", &config.client_secret));
        }
        let body = crate::keys::post_form(
            &self.client,
            endpoint,
            self.authorization.as_ref(),
            &form,
            &config.options,
        )
        .await;
        leave.ended(Outcome::of(&body), endpoint);
        body.map_err(|error| {
            tracing::warn!(%error, endpoint = %for_logs(endpoint), "the introspection call failed; the request is refused");
        })
    }

    /// Whether a kept answer's time of fetching is ahead of this instance's clock
    /// (beyond a second): its age cannot be told, so it is not believed.
    fn ahead(&self, fetched: f64) -> bool {
        super::jws::now().is_none_or(|now| fetched > now + 1.0)
    }

    /// What an answer (`body`, fetched at `fetched`, seconds since the epoch) concludes,
    /// and until when.
    ///
    /// An answer that cannot be read (not a JSON object, `active` missing or not a
    /// boolean, a member given twice, claims of the wrong type) refuses the token as
    /// invalid (401: RFC 7662 §2.2 leaves no other reading) without being remembered: a
    /// later request asks again.
    fn conclude(
        &self,
        body: &[u8],
        fetched: f64,
        check: impl FnOnce(&[u8]) -> Result<VerifiedToken, TokenError>,
    ) -> Answer {
        let config = &*self.config;
        let Ok(fields) = read_answer(body) else {
            tracing::warn!("the introspection answer is not one; the token is refused");
            return Answer::Failed(Instant::now(), TokenError::UnreadableIntrospection);
        };
        let now = Instant::now();
        let unix_now = super::jws::now().unwrap_or(fetched);
        // What is left of `duration` from `fetched`.
        let left = |duration: Duration| {
            let spent = Duration::from_secs_f64((unix_now - fetched).clamp(0.0, 1e9));
            now.checked_add(duration.saturating_sub(spent))
                .unwrap_or(now)
        };
        if !fields.active {
            return Answer::Refused(TokenError::Inactive, left(config.inactive_for));
        }
        // A refresh token (an endpoint may ignore the hint), or a DPoP token that names
        // no key: not an access token to accept. (A token bound to a key by `cnf` is
        // accepted only with the proof of that key: the binding is checked with every
        // presentation, after this.)
        if !fields.access_token || (fields.dpop && !fields.cnf) {
            return Answer::Refused(TokenError::NotBearer, left(config.inactive_for));
        }
        let verified = match check(body) {
            Ok(verified) => verified,
            // Claims the pass cannot read or accept (nested past its depth, a member
            // given twice, a claim of the wrong type, a time claim out of range): the
            // token is refused for what its answer says, as a JWT saying it would be,
            // but the answer may be the endpoint's fault, so it is not remembered.
            Err(
                why @ (TokenError::Malformed
                | TokenError::DuplicateClaim
                | TokenError::InvalidClaim(_)
                | TokenError::InvalidScopeClaim),
            ) => {
                tracing::warn!(
                    reason = why.code(),
                    "the introspection answer's claims cannot be accepted; the token is refused"
                );
                let why = match why {
                    TokenError::Malformed | TokenError::DuplicateClaim => {
                        TokenError::UnreadableIntrospection
                    }
                    why => why,
                };
                return Answer::Failed(Instant::now(), why);
            }
            Err(why) => return Answer::Refused(why, left(config.inactive_for)),
        };
        let mut until = left(config.ceiling);
        if let Some(exp) = fields.exp {
            let remaining = Duration::from_secs_f64((exp - unix_now).clamp(0.0, 1e9));
            until = until.min(now.checked_add(remaining).unwrap_or(now));
        }
        Answer::Active(verified, until)
    }
}

/// A kept answer: when it was fetched (seconds since the epoch), a newline, the body.
impl Introspector {
    /// An answer as the store keeps it: when it was fetched, its MAC, its body. The MAC
    /// (HMAC-SHA256 under a key derived from the client secret, over the store key,
    /// the time and the body) keeps a writer of the store who lacks the secret from
    /// forging an answer, or moving one to another token.
    fn kept(&self, key: &str, fetched: f64, body: &[u8]) -> Vec<u8> {
        let mut kept = format!("{fetched}\n{}\n", self.mac(key, fetched, body)).into_bytes();
        kept.extend_from_slice(body);
        kept
    }

    /// The time and body of a kept answer whose MAC holds.
    fn read_kept<'k>(&self, key: &str, kept: &'k [u8]) -> Option<(f64, &'k [u8])> {
        let mut parts = kept.splitn(3, |&b| b == b'\n');
        let (fetched, mac, body) = (parts.next()?, parts.next()?, parts.next()?);
        // A time only (`NaN` and the infinities parse too, and no age is theirs).
        let fetched: f64 = core::str::from_utf8(fetched)
            .ok()?
            .parse()
            .ok()
            .filter(|fetched: &f64| fetched.is_finite())?;
        let expected = self.mac(key, fetched, body);
        let equal = expected.len() == mac.len()
            && expected
                .bytes()
                .zip(mac)
                .fold(0u8, |acc, (x, y)| acc | (x ^ y))
                == 0;
        equal.then_some((fetched, body))
    }

    fn mac(&self, key: &str, fetched: f64, body: &[u8]) -> String {
        let message = [
            key.as_bytes(),
            b"\n",
            fetched.to_string().as_bytes(),
            b"\n",
            body,
        ]
        .concat();
        crate::keys::sign(&message, &self.store_key, jsonwebtoken::Algorithm::HS256)
            .unwrap_or_default()
    }
}

impl Introspector {
    /// The endpoint, discovered on first use when not configured. A failure is not
    /// kept (a later request asks again), but it answers the requests that waited for
    /// that discovery, and it counts as a call that found the endpoint down: the
    /// discoveries pause with the calls.
    async fn endpoint(&self) -> Result<&str, ()> {
        if let Some(endpoint) = self.endpoint.get() {
            return Ok(endpoint);
        }
        let waited_from = Instant::now();
        let endpoint = self
            .endpoint
            .get_or_try_init(|| async {
                let issuer = self.issuer.as_deref().ok_or(())?;
                let failed = lock(&self.outage).discovery_failed;
                if failed.is_some_and(|at| at >= waited_from) {
                    return Err(());
                }
                let Some(leave) = self.leave() else {
                    tracing::debug!(issuer, "the introspection endpoint is not discovered while the issuer is down; the request is refused");
                    return Err(());
                };
                match self.discover(issuer).await {
                    Ok(endpoint) => {
                        leave.ended(Outcome::Answered, issuer);
                        Ok(endpoint)
                    }
                    Err(error) => {
                        tracing::warn!(%error, issuer, "the introspection endpoint could not be discovered; the request is refused");
                        lock(&self.outage).discovery_failed = Some(Instant::now());
                        leave.ended(Outcome::Down, issuer);
                        Err(())
                    }
                }
            })
            .await?;
        Ok(endpoint)
    }

    async fn discover(&self, issuer: &str) -> Result<String, String> {
        let options = &self.config.options;
        let endpoint = crate::keys::discovery(&self.client, issuer, options)
            .await
            .map_err(|error| match error {
                KeyFetchError::NotADiscoveryDocument => {
                    "the discovery document is not a JSON object with an `issuer`".to_owned()
                }
                error => error.to_string(),
            })?
            .introspection_endpoint
            .ok_or("the discovery document names no `introspection_endpoint`")?;
        crate::keys::check_url(&endpoint, options).map_err(|error| error.to_string())?;
        Ok(endpoint)
    }
}

impl Answer {
    /// Until when it may be used: `None` for a failure, which only the requests that
    /// waited for it take.
    fn until(&self) -> Option<Instant> {
        match self {
            Self::Active(_, until) | Self::Refused(_, until) => Some(*until),
            Self::Failed(..) => None,
        }
    }

    fn into_result(self) -> Result<VerifiedToken, TokenError> {
        match self {
            Self::Active(verified, _) => Ok(verified),
            Self::Refused(why, _) => Err(why),
            Self::Failed(_, why) => Err(why),
        }
    }
}

impl fmt::Debug for Introspector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Introspector")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// What the answer says beyond its claims.
#[derive(Debug, PartialEq)]
struct Fields {
    /// `active`: a boolean, given once, required (RFC 7662 §2.2).
    active: bool,
    /// `exp`, for the cache's bound (the claims pass checks it as a NumericDate).
    exp: Option<f64>,
    /// `token_type` absent, `Bearer` or `DPoP` (in any case).
    access_token: bool,
    /// `token_type` is `DPoP`.
    dpop: bool,
    /// A confirmation (`cnf`, RFC 7800): the token is bound to a key.
    cnf: bool,
}

fn read_answer(body: &[u8]) -> Result<Fields, ()> {
    struct Reader;

    impl<'de> Visitor<'de> for Reader {
        type Value = Fields;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an introspection answer")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields, A::Error> {
            let (mut active, mut exp, mut token_type, mut cnf) = (None, None, None, false);
            while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                let twice = match &*key {
                    "active" => active.replace(map.next_value::<bool>()?).is_some(),
                    "exp" => exp
                        .replace(map.next_value::<serde_json::Value>()?.as_f64())
                        .is_some(),
                    "token_type" => token_type.replace(map.next_value::<String>()?).is_some(),
                    "cnf" => {
                        map.next_value::<IgnoredAny>()?;
                        std::mem::replace(&mut cnf, true)
                    }
                    _ => {
                        map.next_value::<IgnoredAny>()?;
                        false
                    }
                };
                if twice {
                    return Err(de::Error::custom("a member given twice"));
                }
            }
            Ok(Fields {
                active: active.ok_or_else(|| de::Error::missing_field("active"))?,
                exp: exp.flatten(),
                access_token: token_type.as_deref().is_none_or(|kind| {
                    kind.eq_ignore_ascii_case("bearer") || kind.eq_ignore_ascii_case("dpop")
                }),
                dpop: token_type.is_some_and(|kind| kind.eq_ignore_ascii_case("dpop")),
                cnf,
            })
        }
    }

    let mut de = serde_json::Deserializer::from_slice(body);
    let fields = de::Deserializer::deserialize_map(&mut de, Reader).map_err(|_| ())?;
    de.end().map_err(|_| ())?;
    Ok(fields)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_kept_answer_s_time_is_a_finite_number() {
        let introspector = pausing(Duration::from_secs(1), Duration::from_secs(2));
        let body = br#"{"active":true}"#;
        for fetched in [1.0e9, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            // What `kept` writes, signed with this API's key: believed only for a time.
            let mac = introspector.mac("key", fetched, body);
            let kept = [format!("{fetched}\n{mac}\n").as_bytes(), body].concat();
            let read = introspector.read_kept("key", &kept);
            assert_eq!(read.is_some(), fetched.is_finite(), "{fetched}");
        }
    }

    #[test]
    fn the_answers_cached_are_bounded_in_number() {
        for entries in [1, 10, 100] {
            let cache = super::answers(entries);
            for n in 0..entries * 20 {
                let refused = super::Answer::Refused(
                    crate::TokenError::Inactive,
                    std::time::Instant::now() + std::time::Duration::from_secs(60),
                );
                cache.insert(format!("token-{n}"), refused);
            }
            assert!(cache.len() <= entries, "{} > {entries}", cache.len());
            // Room is used (a single entry weighs the whole room, which quick_cache keeps
            // none of).
            assert!(
                entries == 1 || cache.len() * 2 >= entries,
                "{} of {entries}",
                cache.len()
            );
        }
    }

    use super::{Answer, Fields, Introspection, read_answer};
    use crate::error::TokenError;
    use crate::store::Store as _;

    use super::{Outcome, lock};
    use std::time::{Duration, Instant};

    const DOWN: &str = "http://127.0.0.1:9/introspect";

    /// An introspector of an endpoint down, pausing after 2 failures in a row.
    fn pausing(first: Duration, longest: Duration) -> super::Introspector {
        Introspection::new(DOWN, "client", "s3cret")
            .pause_after_failures(2, first, longest)
            .build(None)
            .unwrap()
    }

    /// How long the calls are paused from now on, if they are (within the time the
    /// caller took to ask).
    fn paused_for(introspector: &super::Introspector) -> Option<Duration> {
        let until = lock(&introspector.outage).paused_until?;
        Some(until.saturating_duration_since(Instant::now()))
    }

    /// Calls that find the endpoint down in a row pause the calls, each failure of the
    /// call that tries after a pause doubles it, up to the longest; an answer ends it.
    #[test]
    fn pauses_start_after_the_failures_in_a_row_and_double_up_to_the_longest() {
        let introspector = pausing(Duration::from_secs(10), Duration::from_secs(35));
        let fail = || introspector.leave().unwrap().ended(Outcome::Down, DOWN);
        // Failures a token could cause neither count nor end anything.
        introspector.leave().unwrap().ended(Outcome::Failed, DOWN);
        fail();
        assert_eq!(paused_for(&introspector), None);
        fail();
        let first = paused_for(&introspector).unwrap();
        assert!(first > Duration::from_secs(9) && first <= Duration::from_secs(10));
        assert!(introspector.leave().is_none(), "paused");
        // The pause over, the call that tries finds the endpoint down again: twice as
        // long, then capped.
        for expected in [20, 35, 35] {
            lock(&introspector.outage).paused_until = Some(Instant::now());
            let trying = introspector.leave().unwrap();
            assert!(trying.trying);
            trying.ended(Outcome::Down, DOWN);
            let pause = paused_for(&introspector).unwrap();
            let expected = Duration::from_secs(expected);
            assert!(pause > expected - Duration::from_secs(1) && pause <= expected);
        }
        // An answer ends the outage.
        lock(&introspector.outage).paused_until = Some(Instant::now());
        introspector.leave().unwrap().ended(Outcome::Answered, DOWN);
        assert_eq!(paused_for(&introspector), None);
        assert!(introspector.leave().is_some_and(|leave| !leave.trying));
    }

    /// Calls that started before an answer and then find the endpoint down (timeouts
    /// that end after it came back) do not pause it again.
    #[test]
    fn failures_of_calls_older_than_the_last_answer_do_not_count() {
        let introspector = pausing(Duration::from_secs(10), Duration::from_secs(10));
        let (old, older) = (introspector.leave().unwrap(), introspector.leave().unwrap());
        introspector.leave().unwrap().ended(Outcome::Answered, DOWN);
        old.ended(Outcome::Down, DOWN);
        older.ended(Outcome::Down, DOWN);
        assert_eq!(lock(&introspector.outage).failures, 0);
        assert_eq!(paused_for(&introspector), None);
    }

    /// A discovery that fails counts as a call that found the endpoint down (the
    /// discoveries pause with the calls), and the requests that waited for it take its
    /// failure: one timeout for all of them, not one each in turn.
    #[tokio::test]
    async fn discoveries_pause_with_the_calls_and_share_their_failure() {
        // An issuer that takes connections and never answers.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                held.push(socket);
            }
        });
        let timeout = Duration::from_millis(300);
        let introspector = std::sync::Arc::new(
            Introspection::discovered("client", "s3cret")
                .fetch_options(crate::keys::FetchOptions::new().timeout(timeout))
                .pause_after_failures(2, Duration::from_secs(60), Duration::from_secs(60))
                .build(Some(&issuer))
                .unwrap(),
        );
        let started = Instant::now();
        let waiting: Vec<_> = (0..4)
            .map(|_| {
                let introspector = introspector.clone();
                tokio::spawn(async move { introspector.endpoint().await.is_err() })
            })
            .collect();
        for request in waiting {
            assert!(request.await.unwrap());
        }
        assert!(started.elapsed() < timeout * 2, "{:?}", started.elapsed());
        assert_eq!(lock(&introspector.outage).failures, 1);
        // A second failure pauses the calls: the next discovery is not tried at all.
        assert!(introspector.endpoint().await.is_err());
        assert!(paused_for(&introspector).is_some());
        let started = Instant::now();
        assert!(introspector.endpoint().await.is_err());
        assert!(started.elapsed() < timeout / 2);
        assert_eq!(lock(&introspector.outage).failures, 2);
    }

    /// After a pause one call at a time tries the endpoint; one whose request went away
    /// mid-call (its future dropped) lets the next try, rather than pausing forever.
    #[test]
    fn a_call_that_tries_and_goes_away_lets_another_try() {
        let introspector = Introspection::new("http://127.0.0.1:9/introspect", "client", "s3cret")
            .build(None)
            .unwrap();
        assert!(introspector.leave().is_some_and(|leave| !leave.trying));
        super::lock(&introspector.outage).paused_until = Some(std::time::Instant::now());
        let trying = introspector.leave().unwrap();
        assert!(trying.trying);
        assert!(introspector.leave().is_none(), "another call is trying");
        drop(trying);
        let again = introspector.leave().unwrap();
        assert!(again.trying);
        // A good answer ends the outage: calls are free again.
        again.ended(Outcome::Answered, DOWN);
        assert!(introspector.leave().is_some_and(|leave| !leave.trying));
        assert!(super::lock(&introspector.outage).paused_until.is_none());
    }

    /// A kept answer whose time of fetching is ahead of this instance's clock is not
    /// believed: its age cannot be told. (The endpoint is down here, so asking it fails.)
    #[tokio::test]
    async fn a_kept_answer_fetched_in_the_future_is_not_believed() {
        let store = std::sync::Arc::new(crate::store::MemoryStore::default());
        let introspector = Introspection::new("http://127.0.0.1:9/introspect", "client", "s3cret")
            .store(store.clone())
            .build(None)
            .unwrap();
        let body = br#"{"active":true,"scope":"items"}"#;
        let key = introspector.store_key("token").await.unwrap();
        let now = super::super::jws::now().unwrap();
        let refuse = |_: &[u8]| Err(TokenError::WrongAudience);
        let ttl = std::time::Duration::from_secs(60);
        // Kept just now: believed, the endpoint not asked.
        let kept = introspector.kept(&key, now, body);
        store.set(&key, &kept, ttl).await.unwrap();
        let answer = introspector.call("token", refuse).await;
        assert!(matches!(
            answer,
            Ok(Answer::Refused(TokenError::WrongAudience, _))
        ));
        // Kept "a minute from now": not believed, so the endpoint is asked (and fails).
        let kept = introspector.kept(&key, now + 60.0, body);
        store.set(&key, &kept, ttl).await.unwrap();
        assert!(introspector.call("token", refuse).await.is_err());
    }

    #[test]
    fn debug_shows_neither_the_secret_nor_what_of_the_endpoint_could_be_one() {
        let introspection = Introspection::new(
            "https://user:hunter2@auth.example.com/introspect?api_key=k3y",
            "client",
            "s3cret",
        );
        let debug = format!("{introspection:?}");
        for secret in ["hunter2", "k3y", "s3cret", "user:"] {
            assert!(!debug.contains(secret), "{secret} in {debug}");
        }
        assert!(
            debug.contains("https://auth.example.com/introspect"),
            "{debug}"
        );
    }

    #[test]
    fn active_is_a_boolean_given_once() {
        let fields = |active, exp, access_token, dpop, cnf| {
            Ok(Fields {
                active,
                exp,
                access_token,
                dpop,
                cnf,
            })
        };
        assert_eq!(
            read_answer(br#"{"active":true,"exp":5,"token_type":"bearer"}"#),
            fields(true, Some(5.0), true, false, false)
        );
        assert_eq!(
            read_answer(br#"{"active":false}"#),
            fields(false, None, true, false, false)
        );
        assert_eq!(
            read_answer(br#"{"active":true,"token_type":"refresh_token"}"#),
            fields(true, None, false, false, false)
        );
        assert_eq!(
            read_answer(br#"{"active":true,"token_type":"DPoP","cnf":{"jkt":"x"}}"#),
            fields(true, None, true, true, true)
        );
        for bad in [
            &br#"{"exp":5}"#[..],
            br#"{"active":"true"}"#,
            br#"{"active":1}"#,
            br#"{"active":true,"active":false}"#,
            br#"{"active":true,"exp":1,"exp":2}"#,
            br#"{"active":true,"token_type":5}"#,
            br#"[true]"#,
            br#"{"active":true} x"#,
            b"",
        ] {
            assert_eq!(
                read_answer(bad),
                Err(()),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
