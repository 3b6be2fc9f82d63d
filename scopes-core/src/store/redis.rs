//! [`RedisStore`]: the [`Store`] shared by every instance of an API, in Redis.

use core::fmt;
use core::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::{Store, StoreError, StoreFuture};

/// A [`Store`] in Redis (feature `redis`), shared by every instance of the API: a DPoP
/// proof seen by one instance is refused by the others, and an introspection answer
/// fetched by one serves them all.
///
/// One connection, multiplexed, reconnected in the background when it drops
/// ([`redis::aio::ConnectionManager`]). Each command waits at most
/// [`timeout`](Self::timeout) (250 ms by default); past it, or while Redis is down, a
/// DPoP proof is refused and an introspection answer comes from the process's cache or
/// the endpoint. The replay check is one atomic `SET key 1 NX PX ttl`.
///
/// The replay check is only as good as Redis's memory of what it was told: a proof
/// whose mark Redis lost is taken again. Run the Redis that holds the marks so that it
/// loses none within a replay window (95 s by default): never evicting them
/// (`maxmemory-policy noeviction`, or a `volatile-*` policy with nothing else in it
/// that expires), persisting them across a restart (AOF with `appendfsync everysec` or
/// `always`) or keeping a restarted Redis out of service for a window, and never
/// flushed. Give every instance of one API the same Redis, database and
/// [`prefix`](Self::prefix): instances with different ones check replays apart.
///
/// ```no_run
/// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
/// use std::sync::Arc;
/// use scopes_core::store::RedisStore;
/// use scopes_core::{Dpop, Verifier};
///
/// let store = Arc::new(RedisStore::connect("redis://10.0.0.5:6379/").await?);
/// let verifier = Verifier::builder()
///     .oidc_issuer("https://auth.example.com/realms/shop")
///     .audience("https://api.example.com")
///     .dpop(Dpop::allowed().public_url("https://api.example.com").store(store))
///     .build()?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisStore {
    connection: ConnectionManager,
    prefix: String,
    timeout: Duration,
}

impl RedisStore {
    /// Connects to the Redis at `url` (`redis://host:port/db`, `rediss://` for TLS when
    /// the `redis` crate's TLS feature is on), failing if it cannot be reached now, so
    /// that a misconfiguration shows at start-up.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let timeout = Duration::from_millis(250);
        let client = redis::Client::open(url).map_err(StoreError::new)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            // Each command's wait is bounded by `timeout`, which may be changed later.
            .set_response_timeout(None)
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_secs(2));
        let connection = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(StoreError::new)?;
        Ok(Self {
            connection,
            prefix: "scopes:".to_owned(),
            timeout,
        })
    }

    /// The prefix of every key (`scopes:` by default), to share a Redis with others.
    /// Every instance of one API must use the same one (and the same database): with
    /// another, an instance neither sees the proofs the others took nor shares their
    /// introspection answers.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// How long a command may take before the store counts as unreachable.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    async fn query<T: redis::FromRedisValue>(&self, command: redis::Cmd) -> Result<T, StoreError> {
        let mut connection = self.connection.clone();
        match tokio::time::timeout(self.timeout, command.query_async::<T>(&mut connection)).await {
            Ok(result) => result.map_err(StoreError::new),
            Err(_) => Err(StoreError::new("Redis did not answer in time")),
        }
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }
}

/// Milliseconds, at least 1 (Redis refuses an expiry of 0).
fn millis(ttl: Duration) -> u64 {
    u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1)
}

impl Store for RedisStore {
    fn get<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<Vec<u8>>> {
        Box::pin(async move {
            let mut command = redis::cmd("GET");
            command.arg(self.key(key));
            self.query::<Option<Vec<u8>>>(command).await
        })
    }

    fn set<'a>(&'a self, key: &'a str, value: &'a [u8], ttl: Duration) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut command = redis::cmd("SET");
            command
                .arg(self.key(key))
                .arg(value)
                .arg("PX")
                .arg(millis(ttl));
            self.query::<()>(command).await
        })
    }

    fn set_if_absent<'a>(
        &'a self,
        key: &'a str,
        value: &'a [u8],
        ttl: Duration,
    ) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let mut command = redis::cmd("SET");
            command
                .arg(self.key(key))
                .arg(value)
                .arg("NX")
                .arg("PX")
                .arg(millis(ttl));
            // `OK` when set, nil when the key was there.
            let answer: Option<String> = self.query(command).await?;
            Ok(answer.is_some())
        })
    }
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URL may hold a password: not shown.
        f.debug_struct("RedisStore")
            .field("prefix", &self.prefix)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}
