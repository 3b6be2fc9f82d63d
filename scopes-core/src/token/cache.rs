//! The verified-token cache: a repeated token skips the signature check.
//!
//! Entries are keyed by the whole token (compared in full, so no other token can hit
//! an entry), hold only tokens that passed every check of the verifier that owns the
//! cache, are never served past their `exp` (plus the leeway), and are bound to the key set generation
//! that verified them: a rotation drops them. The cache is bounded in entries and in
//! bytes. An entry is the verified token itself (its claims and granted scope names),
//! whatever table later reads it.

use quick_cache::Weighter;
use quick_cache::sync::Cache;

use super::verify::VerifiedToken;

/// Limits of the verified-token cache; see
/// [`VerifierBuilder::cache`](crate::VerifierBuilder::cache).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheLimits {
    /// The most tokens kept.
    pub entries: usize,
    /// The most bytes kept (tokens and claims, with a per-entry overhead).
    pub bytes: usize,
}

impl Default for CacheLimits {
    /// 10 000 tokens, 16 MiB.
    fn default() -> Self {
        Self {
            entries: 10_000,
            bytes: 16 * 1024 * 1024,
        }
    }
}

/// Bytes an entry costs, at least the share that keeps the entry count bounded.
#[derive(Clone)]
struct Cost {
    floor: u64,
}

/// Memory an entry takes beyond its strings: key and value boxes, map slot.
const OVERHEAD: usize = 128;

impl Weighter<Box<str>, VerifiedToken> for Cost {
    fn weight(&self, token: &Box<str>, verified: &VerifiedToken) -> u64 {
        let bytes = token.len() + verified.size() + OVERHEAD;
        (bytes as u64).max(self.floor)
    }
}

/// The cache.
pub(crate) struct TokenCache {
    entries: Cache<Box<str>, VerifiedToken, Cost>,
}

impl TokenCache {
    pub(crate) fn new(limits: CacheLimits) -> Self {
        let entries = limits.entries.max(1);
        let bytes = limits.bytes.max(OVERHEAD);
        let cost = Cost {
            floor: (bytes / entries).max(1) as u64,
        };
        Self {
            entries: Cache::with_weighter(entries, bytes as u64, cost),
        }
    }

    /// The entry of `token`; the caller checks that it is still fresh.
    pub(crate) fn get(&self, token: &str) -> Option<VerifiedToken> {
        self.entries.get(token)
    }

    /// Drops the entry of `token` (expired, or verified by a rotated-out key set).
    pub(crate) fn remove(&self, token: &str) {
        self.entries.remove(token);
    }

    pub(crate) fn insert(&self, token: &str, verified: VerifiedToken) {
        self.entries.insert(token.into(), verified);
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache")
            .field("entries", &self.entries.len())
            .field("weight", &self.entries.weight())
            .finish()
    }
}
