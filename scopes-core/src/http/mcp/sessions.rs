//! The sessions an MCP guard saw opened: each bound to the principal whose token opened
//! it, and each principal's share of them.
//!
//! A server keeps a session until it is closed or idle for long (rmcp: five minutes),
//! whatever a token's holder does, so one token could otherwise open sessions faster
//! than the server lets them go (tens of kilobytes each with rmcp). A principal holds at
//! most its share: past it, the guard lets go of one of its others (one the server
//! answered 404 for first, then the least recently used, one being answered last, never
//! the one just opened), and the guard as a whole holds a bounded number (past it, the
//! principal opening one pays with its own, or, holding no other, whoever holds the
//! most). Each session let go is handed back with where its server was addressed, for
//! the guard to close it there.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use std::time::{Duration, Instant};

use http::header::HOST;
use http::{HeaderValue, Uri, Version};
use quick_cache::sync::{Cache, GuardResult};
use quick_cache::{DefaultHashBuilder, Lifecycle, UnitWeighter};
use rustc_hash::FxHashMap;

/// How long a session that was neither named nor answering is taken for one its client
/// left (rmcp's idle timeout): letting it go is no news.
const IDLE: Duration = Duration::from_secs(300);

/// The longest path remembered for a session's `DELETE`: a session opened at a longer
/// one is let go without it (its server lets it go idle).
const MOST_PATH: usize = 1024;

/// Where a request was addressed (its URI without the query, version and `Host`): for a
/// session, where the request that opened it went, and so where its `DELETE` goes.
/// `uri` is `None` past [`MOST_PATH`]: what a session holds stays small, whatever the
/// request that opened it carried.
#[derive(Clone)]
pub(super) struct OpenedAt {
    pub(super) uri: Option<Uri>,
    pub(super) version: Version,
    pub(super) host: Option<HeaderValue>,
}

/// Where a request was addressed, as it came (its URI, version and `Host`, shared with
/// the request rather than copied): what [`OpenedAt`] is made of when the request
/// opens a session, which few do.
pub(super) struct Addressed {
    uri: Uri,
    version: Version,
    host: Option<HeaderValue>,
}

impl Addressed {
    pub(super) fn of(parts: &http::request::Parts) -> Self {
        Self {
            uri: parts.uri.clone(),
            version: parts.version,
            host: parts.headers.get(HOST).cloned(),
        }
    }
}

impl OpenedAt {
    /// Where a request `addressed` so went, copied (and so held apart from the
    /// request's own buffers), without its query.
    pub(super) fn of(addressed: &Addressed) -> Self {
        let uri = &addressed.uri;
        let uri = (uri.path().len() <= MOST_PATH)
            .then(|| {
                let mut builder = Uri::builder();
                if let (Some(scheme), Some(authority)) = (uri.scheme(), uri.authority()) {
                    builder = builder.scheme(scheme.clone()).authority(authority.clone());
                }
                builder.path_and_query(uri.path()).build().ok()
            })
            .flatten();
        let host = addressed
            .host
            .as_ref()
            .filter(|host| host.len() <= MOST_PATH)
            .map(|host| HeaderValue::from_bytes(host.as_bytes()))
            .and_then(Result::ok);
        Self {
            uri,
            version: addressed.version,
            host,
        }
    }
}

/// The guard's clock: microseconds since its first reading, never the same twice, so
/// that of two uses the later always counts as the more recent.
fn stamp() -> u64 {
    static EPOCH: LazyLock<Instant> = LazyLock::new(Instant::now);
    static LAST: AtomicU64 = AtomicU64::new(0);
    let now = u64::try_from(EPOCH.elapsed().as_micros()).unwrap_or(u64::MAX);
    let mut last = LAST.load(Ordering::Relaxed);
    loop {
        let next = now.max(last.saturating_add(1));
        match LAST.compare_exchange_weak(last, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return next,
            Err(seen) => last = seen,
        }
    }
}

/// A session's principal and server, and its use.
struct Binding {
    principal: Arc<str>,
    to: OpenedAt,
    /// When a request last named it, or an answer to one ended ([`stamp`]).
    used: AtomicU64,
    /// The answers to requests naming it still being sent (an event stream, a call).
    answering: AtomicUsize,
    /// Whether the server's last answer to a request naming it was 404: it may have let
    /// the session go (idle), so it is the first to go when room is needed. Not
    /// forgotten for that (a 404 of another cause, a route or a method, would let a
    /// principal open sessions past its share).
    unknown: AtomicBool,
}

/// A request's use of its session, from its admission until its answer is sent (or
/// dropped): the session counts as in use meanwhile.
pub(super) struct InUse(Arc<Binding>);

impl InUse {
    fn new(binding: Arc<Binding>) -> Self {
        binding.answering.fetch_add(1, Ordering::Relaxed);
        binding.used.store(stamp(), Ordering::Relaxed);
        Self(binding)
    }
}

impl InUse {
    /// What the server answered the request: a 404 marks the session as one it may
    /// have let go; any other answer, as one it knows.
    pub(super) fn answered(&self, status: http::StatusCode) {
        let unknown = status == http::StatusCode::NOT_FOUND;
        self.0.unknown.store(unknown, Ordering::Relaxed);
    }
}

impl Drop for InUse {
    fn drop(&mut self) {
        self.0.used.store(stamp(), Ordering::Relaxed);
        self.0.answering.fetch_sub(1, Ordering::Relaxed);
    }
}

/// What the guard knows of a session id a request names, for a principal.
pub(super) enum Named {
    /// The principal's own, in use until this is dropped.
    Held(InUse),
    /// Another principal's.
    Foreign,
    /// Not opened through the guard, or let go since.
    Unknown,
}

/// A session id the server answers that another principal holds already (or is being
/// bound to this very moment).
#[derive(Debug)]
pub(super) struct Foreign;

/// Why a session was let go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Cause {
    /// Its principal opened one past its share; `active` when it was in use within the
    /// idle time (a client of the principal's will notice).
    Share { active: bool },
    /// The guard's bound was reached.
    Bound,
}

/// A session the guard let go, to close at its server.
pub(super) struct LetGo {
    pub(super) id: Box<str>,
    pub(super) to: OpenedAt,
    pub(super) cause: Cause,
}

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

/// Each principal's session ids (in no order), and how many in all.
#[derive(Default)]
struct Held {
    by: FxHashMap<Arc<str>, Vec<Box<str>>>,
    total: usize,
}

impl Held {
    /// `id` out of `principal`'s sessions (and the principal out, with none left).
    fn forget(&mut self, principal: &Arc<str>, id: &str) {
        if let Some(ids) = self.by.get_mut(principal) {
            if let Some(at) = ids.iter().position(|held| **held == *id) {
                ids.swap_remove(at);
                self.total -= 1;
            }
            if ids.is_empty() {
                self.by.remove(principal);
            }
        }
    }
}

/// The guard's sessions.
///
/// Locks are taken in one order only, `held` before a shard of `bound`: `bound` is
/// never written while `held` is waited for.
pub(super) struct Sessions {
    /// Each session id, with its principal.
    bound: Cache<Box<str>, Arc<Binding>, UnitWeighter, DefaultHashBuilder, Gathered>,
    /// Each principal's session ids.
    held: Mutex<Held>,
    /// The most sessions a principal holds.
    share: usize,
    /// The most sessions of all principals.
    most: usize,
}

impl Sessions {
    /// At most `most` sessions in all, `share` of them a principal's.
    pub(super) fn new(most: usize, share: usize) -> Self {
        Self {
            // Room for twice the bound, which `open` keeps: the cache's own eviction
            // (by shard, approximately the least used) is a last resort.
            bound: Cache::with(
                most,
                most.saturating_mul(2) as u64,
                UnitWeighter,
                DefaultHashBuilder::default(),
                Gathered,
            ),
            held: Mutex::default(),
            share,
            most,
        }
    }

    /// The most sessions a principal holds.
    pub(super) fn share(&self) -> usize {
        self.share
    }

    /// The most sessions of all principals.
    pub(super) fn most(&self) -> usize {
        self.most
    }

    /// Whose `id` is, seen from `principal`; the principal's own is in use until the
    /// answer drops what this returns.
    pub(super) fn named(&self, id: &str, principal: &str) -> Named {
        match self.bound.get(id) {
            Some(binding) if *binding.principal == *principal => Named::Held(InUse::new(binding)),
            Some(_) => Named::Foreign,
            None => Named::Unknown,
        }
    }

    /// Binds `id`, a session the server opened for `principal` at `to`. The answer is
    /// the sessions the guard lets go to make room (to close at their servers): the
    /// principal's others past its share, and any the guard's bound pushed out.
    /// [`Foreign`] when another principal holds `id`, or is being given it now.
    pub(super) fn open(
        &self,
        id: &str,
        principal: &str,
        to: &OpenedAt,
    ) -> Result<Vec<LetGo>, Foreign> {
        let key: Box<str> = id.into();
        let (binding, pushed_out) = match self.bound.get_value_or_guard(&key, Some(Duration::ZERO))
        {
            GuardResult::Value(bound) if *bound.principal == *principal => {
                bound.used.store(stamp(), Ordering::Relaxed);
                return Ok(Vec::new());
            }
            GuardResult::Value(_) | GuardResult::Timeout => return Err(Foreign),
            GuardResult::Guard(unbound) => {
                let binding = Arc::new(Binding {
                    principal: principal.into(),
                    to: to.clone(),
                    used: AtomicU64::new(stamp()),
                    answering: AtomicUsize::new(0),
                    unknown: AtomicBool::new(false),
                });
                let mut pushed_out = Vec::new();
                if unbound
                    .insert_with_lifecycle(binding.clone(), &mut pushed_out)
                    .is_err()
                {
                    return Err(Foreign);
                }
                (binding, pushed_out)
            }
        };
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        let held = &mut *held;
        let mut let_go = Vec::new();
        for (gone, binding) in pushed_out {
            held.forget(&binding.principal, &gone);
            let to = binding.to.clone();
            let cause = Cause::Bound;
            let_go.push(LetGo {
                id: gone,
                to,
                cause,
            });
        }
        let principal = &binding.principal;
        let mine = held.by.entry(principal.clone()).or_default();
        mine.push(id.into());
        held.total += 1;
        while held
            .by
            .get(principal)
            .is_some_and(|mine| mine.len() > self.share)
        {
            let Some(gone) = self.let_go_of(held, principal, id) else {
                break;
            };
            let_go.push(gone);
        }
        // Past the guard's bound, the one who opens pays: a session of its own goes,
        // or, when it holds no other, one of whoever holds the most. So many principals
        // opening sessions push out each other's, never those of one who holds few.
        while held.total > self.most {
            let mine_too = held.by.get(principal).is_some_and(|mine| mine.len() > 1);
            let owner = match mine_too {
                true => Some(principal.clone()),
                false => held
                    .by
                    .iter()
                    .max_by_key(|(_, ids)| ids.len())
                    .map(|(owner, _)| owner.clone()),
            };
            let Some(gone) = owner.and_then(|owner| self.let_go_of(held, &owner, id)) else {
                break;
            };
            let cause = Cause::Bound;
            let_go.push(LetGo { cause, ..gone });
        }
        Ok(let_go)
    }

    /// Lets go of one of `principal`'s sessions in `held` (never `except`, the one just
    /// opened): an id the bound let go or gave another meanwhile first (it holds
    /// nothing, and is only dropped from the list), then one the server answered 404
    /// for last, then a session not being answered before one that is, the least
    /// recently used first. `None` when none is left to choose.
    fn let_go_of(&self, held: &mut Held, principal: &Arc<str>, except: &str) -> Option<LetGo> {
        let now = stamp();
        loop {
            let ids = held.by.get_mut(principal)?;
            let (at, chosen) = ids
                .iter()
                .enumerate()
                .filter(|(_, other)| ***other != *except)
                .map(|(at, other)| {
                    let binding = self.bound.peek(&**other);
                    (at, binding.filter(|bound| bound.principal == *principal))
                })
                .min_by_key(|(_, bound)| {
                    bound.as_ref().map(|bound| {
                        let known = !bound.unknown.load(Ordering::Relaxed);
                        let answering = bound.answering.load(Ordering::Relaxed) > 0;
                        (known, answering, bound.used.load(Ordering::Relaxed))
                    })
                })?;
            let victim = ids.swap_remove(at);
            held.total -= 1;
            if ids.is_empty() {
                held.by.remove(principal);
            }
            let Some(chosen) = chosen else {
                continue;
            };
            let removed = self
                .bound
                .remove_if(&*victim, |bound| Arc::ptr_eq(bound, &chosen));
            if removed.is_some() {
                let idle = chosen.unknown.load(Ordering::Relaxed)
                    || chosen.answering.load(Ordering::Relaxed) == 0
                        && now.saturating_sub(chosen.used.load(Ordering::Relaxed))
                            >= IDLE.as_micros() as u64;
                let to = chosen.to.clone();
                let cause = Cause::Share { active: !idle };
                return Some(LetGo {
                    id: victim,
                    to,
                    cause,
                });
            }
        }
    }

    /// Forgets `id`, which the server closed (or no longer knows).
    pub(super) fn close(&self, id: &str) {
        if let Some((id, binding)) = self.bound.remove(id) {
            let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
            held.forget(&binding.principal, &id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn to() -> OpenedAt {
        OpenedAt {
            uri: Some(Uri::from_static("/mcp")),
            version: Version::HTTP_11,
            host: Some(HeaderValue::from_static("api.test")),
        }
    }

    fn opened(sessions: &Sessions, id: &str, principal: &str) -> Vec<(String, Cause)> {
        let let_go = sessions.open(id, principal, &to()).unwrap();
        let_go
            .into_iter()
            .map(|gone| (gone.id.into(), gone.cause))
            .collect()
    }

    fn is_held(sessions: &Sessions, id: &str, principal: &str) -> bool {
        matches!(sessions.named(id, principal), Named::Held(_))
    }

    #[test]
    fn a_principal_past_its_share_lets_go_of_its_least_recently_used() {
        let sessions = Sessions::new(1_000, 3);
        for id in ["a1", "a2", "a3"] {
            assert!(opened(&sessions, id, "alice").is_empty());
        }
        assert!(opened(&sessions, "b1", "bob").is_empty());
        // a1 named since (and its answer sent): a2 is the least recently used, and was
        // used just now, so its client will notice.
        drop(sessions.named("a1", "alice"));
        let active = Cause::Share { active: true };
        assert_eq!(opened(&sessions, "a4", "alice"), [("a2".into(), active)]);
        assert!(matches!(sessions.named("a2", "alice"), Named::Unknown));
        for id in ["a1", "a3", "a4"] {
            assert!(is_held(&sessions, id, "alice"), "{id}");
        }
        // Another principal's share is its own.
        assert!(is_held(&sessions, "b1", "bob"));
        assert!(matches!(sessions.named("b1", "alice"), Named::Foreign));
        assert!(matches!(sessions.open("b1", "alice", &to()), Err(Foreign)));
        // Binding one held again changes nothing.
        assert!(opened(&sessions, "a4", "alice").is_empty());
        // A closed session makes room.
        sessions.close("a3");
        assert!(matches!(sessions.named("a3", "alice"), Named::Unknown));
        assert!(opened(&sessions, "a5", "alice").is_empty());
        assert_eq!(opened(&sessions, "a6", "alice").len(), 1);
        let held = sessions.held.lock().unwrap();
        assert_eq!(held.by.get("alice").map(Vec::len), Some(3));
        assert_eq!(held.by.get("bob").map(Vec::len), Some(1));
        assert_eq!(held.total, 4);
    }

    #[test]
    fn the_session_just_opened_and_those_being_answered_go_last() {
        let sessions = Sessions::new(1_000, 2);
        assert!(opened(&sessions, "s1", "alice").is_empty());
        assert!(opened(&sessions, "s2", "alice").is_empty());
        // s1 streams (its answer is not done); s2 is used after s1 was named.
        let streaming = sessions.named("s1", "alice");
        drop(sessions.named("s2", "alice"));
        // s3 is the newest: s2, the one not being answered, goes.
        assert_eq!(opened(&sessions, "s3", "alice")[0].0, "s2");
        // s1, named again, is still being answered: s3 goes before it.
        drop(sessions.named("s1", "alice"));
        assert_eq!(opened(&sessions, "s4", "alice")[0].0, "s3");
        drop(streaming);
        // With a share of one, whatever was used last, the new one stays.
        let sessions = Sessions::new(1_000, 1);
        assert!(opened(&sessions, "t1", "bob").is_empty());
        let _in_use = sessions.named("t1", "bob");
        assert_eq!(opened(&sessions, "t2", "bob")[0].0, "t1");
        assert!(is_held(&sessions, "t2", "bob"));
    }

    #[test]
    fn past_the_bound_the_opener_pays_or_whoever_holds_the_most() {
        let sessions = Sessions::new(10, 10);
        for n in 0..8 {
            assert!(opened(&sessions, &format!("a{n}"), "alice").is_empty());
        }
        assert!(opened(&sessions, "b0", "bob").is_empty());
        assert!(opened(&sessions, "b1", "bob").is_empty());
        // Full: a newcomer with no other session costs the one holding the most.
        let bound = Cause::Bound;
        assert_eq!(opened(&sessions, "c0", "carol"), [("a0".into(), bound)]);
        // One who holds others pays with its own, the least recently used.
        drop(sessions.named("b0", "bob"));
        assert_eq!(opened(&sessions, "b2", "bob"), [("b1".into(), bound)]);
        assert_eq!(opened(&sessions, "a8", "alice"), [("a1".into(), bound)]);
        for (id, principal) in [("b0", "bob"), ("b2", "bob"), ("c0", "carol")] {
            assert!(is_held(&sessions, id, principal), "{id}");
        }
        assert_eq!(sessions.held.lock().unwrap().total, 10);
    }

    #[test]
    fn what_the_bound_pushes_out_is_let_go_and_forgotten() {
        let sessions = Sessions::new(64, 1_000);
        let mut closed = Vec::new();
        for n in 0..2_000 {
            let let_go = opened(&sessions, &format!("s{n}"), &format!("p{}", n % 7));
            assert!(let_go.iter().all(|(_, cause)| *cause == Cause::Bound));
            closed.extend(let_go.into_iter().map(|(id, _)| id));
        }
        let remembered = sessions.bound.len();
        assert!(remembered < 200, "{remembered}");
        assert_eq!(closed.len() + remembered, 2_000);
        // Each principal's list holds exactly the sessions the bound remembers.
        let held = sessions.held.lock().unwrap();
        assert_eq!(held.by.values().map(Vec::len).sum::<usize>(), remembered);
        assert_eq!(held.total, remembered);
        let all: Vec<(String, String)> = held
            .by
            .iter()
            .flat_map(|(principal, ids)| {
                ids.iter().map(|id| (id.to_string(), principal.to_string()))
            })
            .collect();
        drop(held);
        for (id, principal) in all {
            assert!(is_held(&sessions, &id, &principal), "{id}");
        }
        for id in &closed {
            assert!(matches!(sessions.named(id, "p0"), Named::Unknown));
        }
    }
}
