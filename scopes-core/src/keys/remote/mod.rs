//! A key set fetched from an identity provider: from a JWKS URL, or found through
//! OpenID Connect discovery, and refreshed without ever blocking a request on a lock
//! a refresh holds.
//!
//! - Requests read the current set through an `ArcSwap` (no lock).
//! - When the set is older than its `max-age` (or the configured default), the next
//!   request starts a refresh in the background and goes on with the current set.
//! - A token naming an unknown `kid` waits for one refresh, at most one per cooldown
//!   (single flight: a burst of such tokens causes one fetch, and none during the
//!   cooldown that follows). Only such fetches start that cooldown: a refresh at start-up
//!   or after the set's max-age, or the first fetch, for the first token, does not, so a
//!   key the provider starts signing with just after it is fetched at once. The fetch runs in a task of its own: a request
//!   dropped while it waits (its client gone) neither aborts the fetch nor leaves the
//!   cooldown started with no set fetched.
//! - A fetched set replaces the current one, even when it has no usable key (the
//!   provider withdrew its keys: none is trusted any longer, and tokens are refused
//!   until a usable one is published).
//! - A failed refresh keeps the last good set; it is retried after the cooldown. While
//!   the last fetch failed, a token naming an unknown `kid` could not be checked (the
//!   key may be new): it is refused as such (503), not blamed (401).

mod fetch;
mod options;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;

pub(crate) use fetch::for_logs;
pub use fetch::{KeyFetchError, KeyRefreshError};
#[cfg(feature = "introspection")]
pub(crate) use fetch::{check_url, client, discovery, post_form};
pub use options::FetchOptions;

use super::jwk::parse_set;
use super::{AfterMiss, KeySet, KeyStore, KeysFuture};
use crate::error::ConfigError;

/// Where the key set is found.
#[derive(Clone)]
pub(crate) enum Location {
    /// A JWKS URL.
    Jwks(String),
    /// An issuer, whose discovery document names the JWKS URL.
    Issuer(String),
}

/// Without what of the URL may be a credential: a verifier's `Debug` shows it.
impl core::fmt::Debug for Location {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Jwks(url) => f.debug_tuple("Jwks").field(&for_logs(url)).finish(),
            Self::Issuer(url) => f.debug_tuple("Issuer").field(&for_logs(url)).finish(),
        }
    }
}

/// A remote key set (cheap to clone: the state is shared with background refreshes).
#[derive(Clone)]
pub(crate) struct RemoteKeys(Arc<State>);

/// The set and its refresh state.
struct State {
    location: Location,
    client: reqwest::Client,
    options: FetchOptions,
    current: ArcSwap<KeySet>,
    /// The JWKS URL, once known (discovery); cleared after a failed fetch.
    jwks_uri: Mutex<Option<String>>,
    /// Held across a fetch: one fetch at a time. Shared, so that a token's miss can
    /// hand its guard to the task that fetches.
    flight: Arc<tokio::sync::Mutex<Flight>>,
    /// Fetches attempted, successful or not.
    attempts: AtomicU64,
    /// When the set is due for a refresh, in milliseconds since `epoch`.
    due_at: AtomicU64,
    refreshing: AtomicBool,
    epoch: Instant,
    /// The body the current set was read from: a fetch of the same bytes keeps the
    /// generation (and the cache), any other bytes start a new one.
    body: Mutex<Vec<u8>>,
}

/// What a fetch read.
struct Fetched {
    /// How long the set is fresh.
    fresh_for: Duration,
    /// Whether it holds a key usable for signatures.
    usable: bool,
}

#[derive(Default)]
struct Flight {
    /// When a token naming a key the set lacked last caused a fetch.
    last_miss_fetch: Option<Instant>,
    /// When the last fetch failed; `None` once one succeeds.
    failed_at: Option<Instant>,
    /// When the last fetch started (every fetch holds the flight, so whoever holds it
    /// next finds that fetch done).
    fetch_started: Option<Instant>,
}

impl Flight {
    /// What the set can tell of a key it lacks, without a fetch now.
    fn without_fetch(&self) -> AfterMiss {
        match self.failed_at {
            Some(_) => AfterMiss::Unavailable,
            None => AfterMiss::Current,
        }
    }
}

impl RemoteKeys {
    pub(crate) fn new(location: Location, options: FetchOptions) -> Result<Self, ConfigError> {
        State::new(location, options).map(|state| Self(Arc::new(state)))
    }
}

impl KeyStore for RemoteKeys {
    fn current(&self) -> Arc<KeySet> {
        self.0.current.load_full()
    }

    fn generation(&self) -> u64 {
        self.0.current.load().generation
    }

    fn refresh_if_due(&self) {
        let state = &self.0;
        let due = state.millis() >= state.due_at.load(Ordering::Relaxed);
        // Before the first fetch, the request that finds no key waits for one instead.
        if due && state.attempts.load(Ordering::Relaxed) > 0 {
            self.refresh_in_background();
        }
    }

    fn refresh_after_miss(&self, generation: u64) -> KeysFuture<'_, AfterMiss> {
        Box::pin(Arc::clone(&self.0).refresh_after_miss(generation, Instant::now()))
    }

    fn refresh_now(&self) -> KeysFuture<'_, Result<(), KeyRefreshError>> {
        Box::pin(async {
            self.0
                .refresh_now()
                .await
                .map_err(|error| match &self.0.location {
                    Location::Jwks(url) => KeyRefreshError::of_jwks(url, error),
                    Location::Issuer(issuer) => KeyRefreshError::of_issuer(issuer, error),
                })
        })
    }
}

impl RemoteKeys {
    fn refresh_in_background(&self) {
        let state = &self.0;
        if state.refreshing.swap(true, Ordering::AcqRel) {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            state.refreshing.store(false, Ordering::Release);
            return;
        };
        /// Clears `refreshing` however the task ends (a panic included), so that
        /// background refreshes never stop for good.
        struct Done(Arc<State>);
        impl Drop for Done {
            fn drop(&mut self) {
                self.0.refreshing.store(false, Ordering::Release);
            }
        }
        let done = Done(Arc::clone(state));
        runtime.spawn(async move {
            let this = &done.0;
            let mut flight = this.flight.lock().await;
            // A fetch for an unknown kid may have just refreshed the set.
            if this.millis() >= this.due_at.load(Ordering::Relaxed) {
                let _ = this.fetch_locked(&mut flight).await;
            }
        });
    }
}

/// The well-known names of discovery documents (OpenID Connect Discovery, RFC 8414).
const DISCOVERY_NAMES: [&str; 2] = ["openid-configuration", "oauth-authorization-server"];

/// When `url` is the address of a discovery document, the issuer that document is
/// most likely of, without a trailing `/`: the discovery path appended to the issuer
/// (OpenID Connect Discovery §4, RFC 8414 §3), or, for RFC 8414's name only, inserted
/// between the host and the issuer's path (RFC 8414 §3.1). A path that goes on after
/// `openid-configuration` is not its form: IdentityServer serves its key set at
/// `/.well-known/openid-configuration/jwks`.
fn issuer_of_discovery(url: &str) -> Option<String> {
    let parsed = reqwest::Url::parse(url).ok()?;
    let path = parsed.path();
    DISCOVERY_NAMES.iter().find_map(|name| {
        let marker = format!("/.well-known/{name}");
        let at = path.find(&marker)?;
        let (before, after) = (&path[..at], &path[at + marker.len()..]);
        let inserted = *name == "oauth-authorization-server" && after.starts_with('/');
        if !(after.is_empty() || after == "/" || inserted) {
            return None;
        }
        let origin = parsed.origin().ascii_serialization();
        Some(
            format!("{origin}{before}{after}")
                .trim_end_matches('/')
                .to_owned(),
        )
    })
}

impl State {
    fn new(location: Location, options: FetchOptions) -> Result<Self, ConfigError> {
        let (url, setting) = match &location {
            Location::Jwks(url) => (url, "jwks_url"),
            Location::Issuer(url) => (url, "oidc_issuer"),
        };
        // An unset environment variable read as `""`.
        if url.is_empty() {
            return Err(ConfigError::EmptySetting(setting));
        }
        // A discovery document's own address given for the issuer it names, or for the
        // key set it points to.
        if let Some(issuer) = issuer_of_discovery(url) {
            return Err(ConfigError::DiscoveryUrl {
                setting,
                url: for_logs(url),
                issuer,
            });
        }
        fetch::check_url(url, &options).map_err(|_| ConfigError::InsecureUrl(for_logs(url)))?;
        // Discovery appends its path to the issuer: a query or fragment would end up
        // before it.
        // Nor can it hold credentials: tokens name it in `iss` as it is.
        if let Location::Issuer(issuer) = &location
            && reqwest::Url::parse(issuer).is_ok_and(|parsed| {
                parsed.query().is_some()
                    || parsed.fragment().is_some()
                    || !parsed.username().is_empty()
                    || parsed.password().is_some()
            })
        {
            return Err(ConfigError::InvalidIssuerUrl(for_logs(issuer)));
        }
        let client = fetch::client(&options)?;
        Ok(Self {
            location,
            client,
            options,
            current: ArcSwap::from_pointee(KeySet::default()),
            jwks_uri: Mutex::new(None),
            flight: Arc::new(tokio::sync::Mutex::new(Flight::default())),
            attempts: AtomicU64::new(0),
            due_at: AtomicU64::new(0),
            refreshing: AtomicBool::new(false),
            epoch: Instant::now(),
            body: Mutex::new(Vec::new()),
        })
    }

    /// After a miss, at `missed_at`, on the set of `generation`: whether the set changed
    /// since (or a fetch allowed now changed it), and if not, whether it is current or
    /// the provider failed.
    async fn refresh_after_miss(self: Arc<Self>, generation: u64, missed_at: Instant) -> AfterMiss {
        if self.current.load().generation != generation {
            return AfterMiss::Changed;
        }
        let mut flight = Arc::clone(&self.flight).lock_owned().await;
        if self.current.load().generation != generation {
            return AfterMiss::Changed;
        }
        let cooling =
            |at: Option<Instant>| at.is_some_and(|at| at.elapsed() < self.options.cooldown);
        // A fetch started since the miss (it is done: it held the flight), so the set is
        // as fresh as it gets; or a token's miss fetched within the cooldown; or a fetch
        // failed within it (the provider is not asked again before).
        if flight.fetch_started.is_some_and(|at| at >= missed_at)
            || cooling(flight.last_miss_fetch)
            || cooling(flight.failed_at)
        {
            return flight.without_fetch();
        }
        // The first set is fetched for whoever needs it first, a start-up's fetch: it
        // starts no cooldown, or a key rotated in soon after would wait for it.
        if self.current.load().known() {
            flight.last_miss_fetch = Some(Instant::now());
        }
        let state = Arc::clone(&self);
        let fetch = async move {
            match state.fetch_locked(&mut flight).await {
                // A set without a usable key is the provider's answer all the same.
                Err(error) if error != KeyFetchError::NoUsableKeys => AfterMiss::Unavailable,
                _ if state.current.load().generation != generation => AfterMiss::Changed,
                _ => AfterMiss::Current,
            }
        };
        // In a task of its own, with the flight: the fetch that started the cooldown
        // ends, whatever becomes of this request.
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => runtime.spawn(fetch).await.unwrap_or(AfterMiss::Unavailable),
            Err(_) => fetch.await,
        }
    }

    /// Fetches now, whatever the cooldown (start-up checks, tests).
    async fn refresh_now(&self) -> Result<(), KeyFetchError> {
        let mut flight = self.flight.lock().await;
        self.fetch_locked(&mut flight).await
    }

    async fn fetch_locked(&self, flight: &mut Flight) -> Result<(), KeyFetchError> {
        flight.fetch_started = Some(Instant::now());
        let fetched = self.fetch().await;
        flight.failed_at = fetched.is_err().then(Instant::now);
        // A set without a usable key is in use, and an error all the same for whoever
        // asked for the fetch (a start-up check), asked again after the cooldown.
        let result = match fetched {
            Ok(Fetched { usable: false, .. }) => Err(KeyFetchError::NoUsableKeys),
            Ok(Fetched { fresh_for, .. }) => Ok(fresh_for),
            Err(error) => Err(error),
        };
        self.attempts.fetch_add(1, Ordering::AcqRel);
        #[cfg(feature = "metrics")]
        metrics::counter!(
            "scopes_key_refresh_total",
            "outcome" => if result.is_ok() { "ok" } else { "error" }
        )
        .increment(1);
        let retry_in = match &result {
            Ok(max_age) => *max_age,
            Err(error) => {
                // Which provider: a verifier may trust several.
                let source = match &self.location {
                    Location::Jwks(url) | Location::Issuer(url) => for_logs(url),
                };
                match (error, self.current.load().known()) {
                    (KeyFetchError::NoUsableKeys, _) => tracing::warn!(
                        %source,
                        "the key set has no key usable for signatures (it is empty, or its keys were left out); it replaces the last one, so tokens are refused until it has one"
                    ),
                    (_, false) => tracing::warn!(
                        %error,
                        %source,
                        "fetching the key set failed; there is no key set yet, so tokens are refused until a fetch succeeds"
                    ),
                    (_, true) => tracing::warn!(
                        %error,
                        %source,
                        "fetching the key set failed; the last good set stays in use"
                    ),
                }
                self.options.cooldown
            }
        };
        // Saturating: `Duration::MAX` (a cooldown or a bound meant as "never") must not
        // wrap to a time already past, which would fetch on every request.
        self.due_at.store(
            self.millis().saturating_add(millis(retry_in)),
            Ordering::Relaxed,
        );
        result.map(|_| ())
    }

    /// One fetch: discovery when needed, then the JWKS, which replaces the current set
    /// (a set without a usable key too: the provider's keys are the ones it publishes now,
    /// and one it withdrew is trusted no longer).
    async fn fetch(&self) -> Result<Fetched, KeyFetchError> {
        let uri = self.jwks_uri().await?;
        let response = match fetch::get(&self.client, &uri, &self.options).await {
            Ok(response) => response,
            Err(error) => {
                // The discovery document may name another URL by now.
                *lock(&self.jwks_uri) = None;
                return Err(error);
            }
        };
        let parsed = parse_set(&response.body).map_err(|_| KeyFetchError::NotAKeySet)?;
        for skipped in &parsed.skipped {
            tracing::warn!(kid = ?skipped.kid, reason = %skipped.reason, "a key of the set was left out");
        }
        let usable = !parsed.keys.is_empty();
        let previous = self.current.load();
        let generation = {
            let mut body = lock(&self.body);
            if *body == response.body {
                previous.generation
            } else {
                *body = response.body;
                previous.generation + 1
            }
        };
        self.current.store(Arc::new(KeySet {
            keys: parsed.keys,
            generation,
        }));
        Ok(Fetched {
            fresh_for: self.options.fresh_for(response.max_age),
            usable,
        })
    }

    async fn jwks_uri(&self) -> Result<String, KeyFetchError> {
        let issuer = match &self.location {
            Location::Jwks(url) => return Ok(url.clone()),
            Location::Issuer(issuer) => issuer,
        };
        if let Some(uri) = lock(&self.jwks_uri).clone() {
            return Ok(uri);
        }
        let uri = fetch::discover(&self.client, issuer, &self.options).await?;
        *lock(&self.jwks_uri) = Some(uri.clone());
        Ok(uri)
    }

    fn millis(&self) -> u64 {
        millis(self.epoch.elapsed())
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl std::fmt::Debug for RemoteKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteKeys")
            .field("location", &self.0.location)
            .field("keys", &self.0.current.load().keys)
            .finish_non_exhaustive()
    }
}
