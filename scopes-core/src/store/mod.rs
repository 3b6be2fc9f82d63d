//! What several instances of an API must share: the DPoP proofs already seen (so that a
//! proof replayed to another instance is refused) and introspection answers (so that N
//! instances ask the endpoint once, not N times).
//!
//! [`Store`] is the one small trait both sit behind. A DPoP policy keeps its proofs in a
//! [`MemoryStore`] of its own by default (in the process); introspection answers stay in
//! the introspector's own bounded cache unless it is given a store
//! (`Introspection::store`). `RedisStore` (feature `redis`) shares them between
//! instances.
//! When the store cannot be reached (or is full), a DPoP proof is **refused** (its
//! replay cannot be ruled out: 503 with `Retry-After`, [`DpopError::ReplayCheckFailed`],
//! which blames neither the token nor the proof), while an
//! introspection answer is taken from the process's own cache or the endpoint (an answer
//! is the endpoint's, whoever keeps it).
//!
//! Keys are made by the crate: a prefix, then a SHA-256 digest (never a token or a
//! proof as such). Values are short: a proof's mark, an introspection answer's JSON.
//!
//! [`DpopError::ReplayCheckFailed`]: crate::DpopError::ReplayCheckFailed

use core::cmp::Reverse;
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::time::Duration;
use std::collections::{BinaryHeap, HashMap};
use std::sync::Mutex;
use std::time::Instant;

#[cfg(feature = "redis")]
mod redis;
#[cfg(feature = "redis")]
pub use self::redis::RedisStore;

/// The future a [`Store`] method returns.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// Where the replay check of DPoP proofs and introspection answers are kept; see the
/// [module docs](self). Implement it for another shared store (memcached, a database);
/// `RedisStore` (feature `redis`) is one.
///
/// Every method must answer within a bounded time (give your client a timeout): a
/// request waits for it.
pub trait Store: fmt::Debug + Send + Sync + 'static {
    /// The value kept under `key`, if it is there and has not expired.
    fn get<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<Vec<u8>>>;

    /// Keeps `value` under `key` for `ttl`, replacing what was there.
    fn set<'a>(&'a self, key: &'a str, value: &'a [u8], ttl: Duration) -> StoreFuture<'a, ()>;

    /// Keeps `value` under `key` for `ttl` unless the key is there: `true` when this call
    /// set it, `false` when it was there. It must be atomic across everything sharing
    /// the store (Redis: `SET key value NX PX ttl`): two instances given the same proof
    /// at once must not both get `true`.
    fn set_if_absent<'a>(
        &'a self,
        key: &'a str,
        value: &'a [u8],
        ttl: Duration,
    ) -> StoreFuture<'a, bool>;

    /// The most entries it holds, for a store that refuses new ones past it rather than
    /// make room (as [`MemoryStore`] does): a DPoP policy then gives each subject a
    /// tenth of it by default ([`Dpop::proofs_per_subject`](crate::Dpop::proofs_per_subject)),
    /// so that one cannot fill it for the others. `None` (the default) for a store whose
    /// room is not known here (Redis, a database).
    fn capacity(&self) -> Option<usize> {
        None
    }
}

/// A store could not answer (unreachable, too slow, full).
#[derive(Debug)]
pub struct StoreError {
    source: Box<dyn std::error::Error + Send + Sync>,
}

impl StoreError {
    /// Wraps the store's own error.
    pub fn new(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self {
            source: source.into(),
        }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the store did not answer: {}", self.source)
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.source)
    }
}

/// A [`Store`] in the process's memory, bounded in entries: enough for one instance.
///
/// Expired entries are dropped as new ones arrive (in order of expiry, without a scan).
/// When it holds `capacity` entries that have not expired, it refuses new ones (an
/// error, never an eviction: evicting a proof's mark would let the proof be replayed),
/// so size it for the peak: a DPoP replay check keeps each proof for its replay window
/// (the proof lifetime, three times the clock skew and 5 s: 95 s by default), so the
/// default 100 000 entries serve about 1 050 DPoP requests a second. Give the replay
/// check and introspection answers each their own (a flood of unknown tokens must not
/// take the room proofs need).
#[derive(Debug)]
pub struct MemoryStore {
    entries: Mutex<Entries>,
    capacity: usize,
}

#[derive(Debug, Default)]
struct Entries {
    map: HashMap<Box<str>, (Instant, Box<[u8]>)>,
    /// Every entry's key by its expiry, soonest first (a replaced entry's old expiry
    /// stays until it passes, and then removes nothing).
    expiries: BinaryHeap<Reverse<(Instant, Box<str>)>>,
}

impl MemoryStore {
    /// The capacity of [`MemoryStore::default`], the store a [`Dpop`](crate::Dpop)
    /// policy without one of its own uses.
    pub const DEFAULT_CAPACITY: usize = 100_000;

    /// A store of at most `capacity` live entries.
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: Mutex::default(),
            capacity,
        }
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Entries>, StoreError> {
        self.entries
            .lock()
            .map_err(|_| StoreError::new("the memory store's lock is poisoned"))
    }

    fn insert(
        &self,
        key: &str,
        value: &[u8],
        ttl: Duration,
        replace: bool,
    ) -> Result<bool, StoreError> {
        let now = Instant::now();
        // A year stands for longer: an expiry past the clock's range is no expiry past.
        let until = now + ttl.min(Duration::from_secs(365 * 24 * 3600));
        let mut entries = self.lock()?;
        if let Some((expires, _)) = entries.map.get(key)
            && *expires > now
            && !replace
        {
            return Ok(false);
        }
        let entries = &mut *entries;
        while let Some(Reverse((expires, _))) = entries.expiries.peek()
            && *expires <= now
        {
            let Some(Reverse((expires, key))) = entries.expiries.pop() else {
                break;
            };
            if entries.map.get(&key).is_some_and(|(at, _)| *at == expires) {
                entries.map.remove(&key);
            }
        }
        if entries.map.len() >= self.capacity && !entries.map.contains_key(key) {
            return Err(StoreError::new("the memory store is full"));
        }
        entries.map.insert(key.into(), (until, value.into()));
        entries.expiries.push(Reverse((until, key.into())));
        Ok(true)
    }

    /// How many entries it holds (expired ones not yet dropped included).
    pub fn len(&self) -> usize {
        self.lock().map_or(0, |entries| entries.map.len())
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Default for MemoryStore {
    /// 100 000 entries ([`DEFAULT_CAPACITY`](Self::DEFAULT_CAPACITY)).
    fn default() -> Self {
        Self::new(Self::DEFAULT_CAPACITY)
    }
}

impl Store for MemoryStore {
    fn get<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<Vec<u8>>> {
        let found = self.lock().map(|entries| {
            entries
                .map
                .get(key)
                .filter(|(expires, _)| *expires > Instant::now())
                .map(|(_, value)| value.to_vec())
        });
        Box::pin(core::future::ready(found))
    }

    fn set<'a>(&'a self, key: &'a str, value: &'a [u8], ttl: Duration) -> StoreFuture<'a, ()> {
        Box::pin(core::future::ready(
            self.insert(key, value, ttl, true).map(|_| ()),
        ))
    }

    fn set_if_absent<'a>(
        &'a self,
        key: &'a str,
        value: &'a [u8],
        ttl: Duration,
    ) -> StoreFuture<'a, bool> {
        Box::pin(core::future::ready(self.insert(key, value, ttl, false)))
    }

    fn capacity(&self) -> Option<usize> {
        Some(self.capacity)
    }
}

/// A key of the crate's: `prefix`, then the base64url SHA-256 of `parts` (each
/// length-prefixed, so that no two lists of parts give the same key).
pub(crate) fn key(prefix: &str, parts: &[&[u8]]) -> String {
    use base64::Engine as _;
    let mut input = Vec::with_capacity(parts.iter().map(|part| part.len() + 8).sum());
    for part in parts {
        input.extend_from_slice(&(part.len() as u64).to_be_bytes());
        input.extend_from_slice(part);
    }
    let digest = crate::keys::sha256(&input);
    let mut key = String::with_capacity(prefix.len() + 43);
    key.push_str(prefix);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode_string(digest, &mut key);
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block<T>(future: StoreFuture<'_, T>) -> Result<T, StoreError> {
        // The memory store's futures are ready when first polled.
        let waker = core::task::Waker::noop();
        let mut context = core::task::Context::from_waker(waker);
        let mut future = future;
        match future.as_mut().poll(&mut context) {
            core::task::Poll::Ready(result) => result,
            core::task::Poll::Pending => panic!("a memory store future was pending"),
        }
    }

    #[test]
    fn set_if_absent_is_true_once_until_expiry() {
        let store = MemoryStore::new(10);
        let ttl = Duration::from_millis(50);
        assert!(block(store.set_if_absent("a", b"1", ttl)).unwrap());
        assert!(!block(store.set_if_absent("a", b"2", ttl)).unwrap());
        assert_eq!(block(store.get("a")).unwrap().as_deref(), Some(&b"1"[..]));
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(block(store.get("a")).unwrap(), None);
        assert!(block(store.set_if_absent("a", b"3", ttl)).unwrap());
    }

    #[test]
    fn a_full_store_refuses_rather_than_evicts() {
        let store = MemoryStore::new(2);
        let long = Duration::from_secs(60);
        assert!(block(store.set_if_absent("a", b"", long)).unwrap());
        assert!(block(store.set_if_absent("b", b"", long)).unwrap());
        assert!(block(store.set_if_absent("c", b"", long)).is_err());
        // The marks are still there.
        assert!(!block(store.set_if_absent("a", b"", long)).unwrap());
        // Replacing a present key is no growth.
        block(store.set("b", b"x", long)).unwrap();
        // Expired entries make room.
        let store = MemoryStore::new(1);
        block(store.set("a", b"", Duration::from_millis(1))).unwrap();
        std::thread::sleep(Duration::from_millis(5));
        assert!(block(store.set_if_absent("b", b"", long)).unwrap());
    }

    #[test]
    fn keys_are_prefixed_digests_of_length_prefixed_parts() {
        let one = key("dpop:", &[b"ab", b"c"]);
        assert!(one.starts_with("dpop:") && one.len() == 5 + 43);
        assert_ne!(one, key("dpop:", &[b"a", b"bc"]));
        assert_eq!(one, key("dpop:", &[b"ab", b"c"]));
    }
}
