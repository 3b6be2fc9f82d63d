//! The sessions an MCP guard saw opened: each bound to the principal whose token opened
//! it, and each principal's share of them.
//!
//! A server keeps a session until it is closed or idle for long (rmcp: five minutes),
//! whatever a token's holder does, so one token could otherwise open sessions faster
//! than the server lets them go (tens of kilobytes each with rmcp). A principal holds at
//! most its share: past it, the guard closes the one it named least recently, and the
//! guard as a whole remembers at most a fixed number (past it, the least used go). Each
//! session it lets go is handed back for the guard to close at the server.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use quick_cache::sync::Cache;
use quick_cache::{DefaultHashBuilder, Lifecycle, UnitWeighter};
use rustc_hash::FxHashMap;

/// A session's principal, and when a request last named it (on the guard's clock).
struct Binding {
    principal: Arc<str>,
    used: AtomicU64,
}

/// What the guard knows of a session id a request names, for a principal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Named {
    /// The principal's own.
    Held,
    /// Another principal's.
    Foreign,
    /// Not opened through the guard, or let go since.
    Unknown,
}

/// A session id the server answers that another principal holds already.
#[derive(Debug)]
pub(super) struct Foreign;

/// The sessions the guard's bound pushes out while one is inserted, gathered under the
/// cache's lock and let go after it.
#[derive(Clone, Copy, Default)]
struct Gathered;

impl Lifecycle<Box<str>, Arc<Binding>> for Gathered {
    type RequestState = Vec<(Box<str>, Arc<Binding>)>;

    fn on_evict(&self, pushed_out: &mut Self::RequestState, id: Box<str>, binding: Arc<Binding>) {
        pushed_out.push((id, binding));
    }
}

/// The guard's sessions.
///
/// Locks are taken in one order only, `held` before a shard of `bound`: `bound` is
/// never written while `held` is waited for.
pub(super) struct Sessions {
    /// Each session id, with its principal.
    bound: Cache<Box<str>, Arc<Binding>, UnitWeighter, DefaultHashBuilder, Gathered>,
    /// Each principal's session ids, in no order.
    held: Mutex<FxHashMap<Arc<str>, Vec<Box<str>>>>,
    /// Counts the requests that name a session: a session's `used`.
    clock: AtomicU64,
    /// The most sessions a principal holds.
    share: usize,
}

impl Sessions {
    /// At most `most` sessions in all, `share` of them a principal's.
    pub(super) fn new(most: usize, share: usize) -> Self {
        Self {
            bound: Cache::with(
                most,
                most as u64,
                UnitWeighter,
                DefaultHashBuilder::default(),
                Gathered,
            ),
            held: Mutex::default(),
            clock: AtomicU64::new(0),
            share,
        }
    }

    /// The most sessions a principal holds.
    pub(super) fn share(&self) -> usize {
        self.share
    }

    /// Whose `id` is, seen from `principal`; the principal's own is marked as used.
    pub(super) fn named(&self, id: &str, principal: &str) -> Named {
        match self.bound.get(id) {
            Some(binding) if *binding.principal == *principal => {
                binding.used.store(self.tick(), Ordering::Relaxed);
                Named::Held
            }
            Some(_) => Named::Foreign,
            None => Named::Unknown,
        }
    }

    /// Binds `id`, a session the server opened for `principal`. The answer is the
    /// sessions the guard lets go to make room (for the server to close): the
    /// principal's least recently named past its share, and any the guard's bound
    /// pushed out. [`Foreign`] when another principal holds `id` already.
    pub(super) fn open(&self, id: &str, principal: &str) -> Result<Vec<Box<str>>, Foreign> {
        match self.named(id, principal) {
            Named::Held => return Ok(Vec::new()),
            Named::Foreign => return Err(Foreign),
            Named::Unknown => {}
        }
        let principal: Arc<str> = principal.into();
        let binding = Arc::new(Binding {
            principal: principal.clone(),
            used: AtomicU64::new(self.tick()),
        });
        let mut pushed_out = Vec::new();
        self.bound
            .insert_with_lifecycle(id.into(), binding, &mut pushed_out);
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        let mut closed: Vec<Box<str>> = Vec::new();
        for (gone, binding) in pushed_out {
            forget(&mut held, &binding.principal, &gone);
            closed.push(gone);
        }
        let mine = held.entry(principal).or_default();
        mine.push(id.into());
        while mine.len() > self.share {
            // The least recently named; an id the bound let go meanwhile (its owner
            // forgets it once it has this lock) first, as it holds nothing.
            let Some((at, used)) = mine
                .iter()
                .map(|id| {
                    let binding = self.bound.peek(&**id);
                    binding.map(|binding| binding.used.load(Ordering::Relaxed))
                })
                .enumerate()
                .min_by_key(|&(_, used)| used)
            else {
                break;
            };
            let victim = mine.swap_remove(at);
            if used.is_some() && self.bound.remove(&*victim).is_some() {
                closed.push(victim);
            }
        }
        Ok(closed)
    }

    /// Forgets `id`, which the server closed.
    pub(super) fn close(&self, id: &str) {
        if let Some((id, binding)) = self.bound.remove(id) {
            let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
            forget(&mut held, &binding.principal, &id);
        }
    }

    /// The next tick of the guard's clock.
    fn tick(&self) -> u64 {
        self.clock.fetch_add(1, Ordering::Relaxed) + 1
    }
}

/// `id` out of `principal`'s sessions in `held` (and the principal out, with none left).
fn forget(held: &mut FxHashMap<Arc<str>, Vec<Box<str>>>, principal: &Arc<str>, id: &str) {
    if let Some(ids) = held.get_mut(principal) {
        if let Some(at) = ids.iter().position(|held| **held == *id) {
            ids.swap_remove(at);
        }
        if ids.is_empty() {
            held.remove(principal);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_principal_past_its_share_lets_go_of_its_least_recently_named() {
        let sessions = Sessions::new(1_000, 3);
        for id in ["a1", "a2", "a3"] {
            assert!(sessions.open(id, "alice").unwrap().is_empty());
        }
        assert!(sessions.open("b1", "bob").unwrap().is_empty());
        // a1 named since: a2 is the least recently named.
        assert_eq!(sessions.named("a1", "alice"), Named::Held);
        assert_eq!(
            sessions.open("a4", "alice").unwrap(),
            vec![Box::<str>::from("a2")]
        );
        assert_eq!(sessions.named("a2", "alice"), Named::Unknown);
        for id in ["a1", "a3", "a4"] {
            assert_eq!(sessions.named(id, "alice"), Named::Held, "{id}");
        }
        // Another principal's share is its own.
        assert_eq!(sessions.named("b1", "bob"), Named::Held);
        assert_eq!(sessions.named("b1", "alice"), Named::Foreign);
        assert!(matches!(sessions.open("b1", "alice"), Err(Foreign)));
        // Binding one held again changes nothing.
        assert!(sessions.open("a4", "alice").unwrap().is_empty());
        // A closed session makes room.
        sessions.close("a3");
        assert_eq!(sessions.named("a3", "alice"), Named::Unknown);
        assert!(sessions.open("a5", "alice").unwrap().is_empty());
        assert_eq!(sessions.open("a6", "alice").unwrap().len(), 1);
        let held = sessions.held.lock().unwrap();
        assert_eq!(held.get("alice").map(Vec::len), Some(3));
        assert_eq!(held.get("bob").map(Vec::len), Some(1));
    }

    #[test]
    fn what_the_bound_pushes_out_is_let_go_and_forgotten() {
        let sessions = Sessions::new(64, 1_000);
        let mut closed = Vec::new();
        for n in 0..2_000 {
            closed.extend(
                sessions
                    .open(&format!("s{n}"), &format!("p{}", n % 7))
                    .unwrap(),
            );
        }
        let remembered = sessions.bound.len();
        assert!(remembered < 1_000, "{remembered}");
        assert_eq!(closed.len() + remembered, 2_000);
        // Each principal's list holds exactly the sessions the bound remembers.
        let held = sessions.held.lock().unwrap();
        assert_eq!(held.values().map(Vec::len).sum::<usize>(), remembered);
        for (principal, ids) in held.iter() {
            for id in ids {
                assert_eq!(sessions.named(id, principal), Named::Held);
            }
        }
        drop(held);
        for id in &closed {
            assert_eq!(sessions.named(id, "p0"), Named::Unknown);
        }
    }
}
