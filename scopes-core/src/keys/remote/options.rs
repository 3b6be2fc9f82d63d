//! How key sets are fetched and how long they are trusted.

use std::time::Duration;

/// How a [`Verifier`](crate::Verifier) fetches its key set.
///
/// Defaults: 5 s for the whole request, at most 256 KiB of body, a fetch on an unknown
/// `kid` at most every 10 s, the set refreshed after its `Cache-Control: max-age`
/// (10 minutes when absent), never sooner than 1 minute nor later than 24 hours, and
/// plain `http://` only on loopback.
#[derive(Debug, Clone)]
#[must_use]
pub struct FetchOptions {
    pub(crate) timeout: Duration,
    pub(crate) max_body: usize,
    pub(crate) cooldown: Duration,
    pub(crate) default_max_age: Duration,
    pub(crate) min_max_age: Duration,
    pub(crate) max_max_age: Duration,
    pub(crate) allow_http: bool,
}

impl Default for FetchOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(5),
            max_body: 256 * 1024,
            cooldown: Duration::from_secs(10),
            default_max_age: Duration::from_secs(600),
            min_max_age: Duration::from_secs(60),
            max_max_age: Duration::from_secs(24 * 3600),
            allow_http: false,
        }
    }
}

impl FetchOptions {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// The time allowed for a whole fetch (connection, headers and body).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The largest body accepted; a larger one fails the fetch.
    pub fn max_body(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// The shortest time between two fetches caused by tokens naming an unknown `kid`
    /// (and between retries after a failure). Tokens with unknown `kid`s inside it are
    /// refused without a fetch: 401 `invalid_token` when the last fetch succeeded, 503
    /// with `Retry-After` when it failed (the key may be one the provider started
    /// signing with since, so the token could not be checked). A fetch at start-up
    /// ([`refresh_keys`](crate::Verifier::refresh_keys), or the first token's fetch of
    /// the first set) or after the set's `max-age` starts no cooldown: a key the
    /// provider signs with just after it is fetched at once.
    ///
    /// While the provider is down, a token naming a `kid` the last good set lacks is
    /// answered 503, a forged one as well: nothing tells it from a key published since
    /// the outage began. Tokens signed with the last good set's keys still pass. The
    /// 503's `Retry-After` is 10 seconds, the default cooldown, whatever this one is.
    pub fn cooldown(mut self, cooldown: Duration) -> Self {
        self.cooldown = cooldown;
        self
    }

    /// How long a set is used before a refresh when the response has no
    /// `Cache-Control: max-age`.
    pub fn default_max_age(mut self, max_age: Duration) -> Self {
        self.default_max_age = max_age;
        self
    }

    /// The bounds put on a response's `max-age`.
    pub fn max_age_bounds(mut self, min: Duration, max: Duration) -> Self {
        self.min_max_age = min;
        self.max_max_age = max.max(min);
        self
    }

    /// Accepts `http://` URLs on any host. Only for networks you trust end to end: a
    /// key set fetched in the clear can be replaced in transit.
    pub fn allow_http(mut self) -> Self {
        self.allow_http = true;
        self
    }

    /// How long a set fetched with `max_age` is fresh.
    pub(crate) fn fresh_for(&self, max_age: Option<Duration>) -> Duration {
        max_age
            .unwrap_or(self.default_max_age)
            .clamp(self.min_max_age, self.max_max_age)
    }
}
