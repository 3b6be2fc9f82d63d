//! The verified-token cache: a repeated token skips the signature check.
//!
//! Entries are keyed by the whole token (compared in full, so no other token can hit
//! an entry), hold only tokens that passed every check, are never served past their
//! `exp`, and are bound to the key set generation that verified them: a rotation drops
//! them. The cache is bounded in entries and in bytes.

use std::any::TypeId;
use std::sync::{Arc, OnceLock};

use quick_cache::Weighter;
use quick_cache::sync::Cache;

use crate::{ScopeSet, ScopeTable};

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

/// A verified token, as cached.
pub(crate) struct Entry {
    pub(crate) claims: Arc<str>,
    pub(crate) exp: f64,
    /// The profile (tenant) that verified it, and the generation of its key set.
    pub(crate) profile: usize,
    pub(crate) generation: u64,
    /// The scopes granted to the first table that asked, so a hit reads no JSON.
    granted: OnceLock<(TypeId, Box<[u64]>)>,
}

impl Entry {
    /// The scopes of table `T`, if they were recorded.
    pub(crate) fn granted<T: ScopeTable>(&self) -> Option<ScopeSet<T>> {
        let (table, words) = self.granted.get()?;
        if *table != TypeId::of::<T>() {
            return None;
        }
        let mut all = <T::Words as crate::table::Words>::ZERO;
        all.as_mut().copy_from_slice(words);
        Some(ScopeSet::from_words(all))
    }

    /// Records the scopes of table `T` (the first table wins).
    pub(crate) fn record<T: ScopeTable>(&self, granted: &ScopeSet<T>) {
        let _ = self
            .granted
            .set((TypeId::of::<T>(), granted.words().as_ref().into()));
    }
}

/// Bytes an entry costs, at least the share that keeps the entry count bounded.
#[derive(Clone)]
struct Cost {
    floor: u64,
}

/// Memory an entry takes beyond its strings: key and value boxes, map slot.
const OVERHEAD: usize = 128;

impl Weighter<Box<str>, Arc<Entry>> for Cost {
    fn weight(&self, token: &Box<str>, entry: &Arc<Entry>) -> u64 {
        let bytes = token.len() + entry.claims.len() + OVERHEAD;
        (bytes as u64).max(self.floor)
    }
}

/// The cache.
pub(crate) struct TokenCache {
    entries: Cache<Box<str>, Arc<Entry>, Cost>,
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
    pub(crate) fn get(&self, token: &str) -> Option<Arc<Entry>> {
        self.entries.get(token)
    }

    /// Drops the entry of `token` (expired, or verified by a rotated-out key set).
    pub(crate) fn remove(&self, token: &str) {
        self.entries.remove(token);
    }

    pub(crate) fn insert(
        &self,
        token: &str,
        claims: Arc<str>,
        exp: f64,
        profile: usize,
        generation: u64,
    ) -> Arc<Entry> {
        let entry = Arc::new(Entry {
            claims,
            exp,
            profile,
            generation,
            granted: OnceLock::new(),
        });
        self.entries.insert(token.into(), Arc::clone(&entry));
        entry
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
