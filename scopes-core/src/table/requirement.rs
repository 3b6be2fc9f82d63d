//! What a handler requires, precomputed by `#[requires_scopes]`.

use core::fmt;
use std::sync::{Mutex, RwLock};

use rustc_hash::{FxBuildHasher, FxHashMap};

use super::{ScopeSet, ScopeTable, SecuritySchemes};

/// A scope requirement in disjunctive normal form: it is met when the granted set
/// contains **any one** of the alternatives entirely.
///
/// `#[requires_scopes("a", any("b", "c"))]` becomes the alternatives `{a, b}` and
/// `{a, c}`, computed at compile time; checking is a mask test per alternative.
pub struct Requirement<T: ScopeTable> {
    alternatives: &'static [ScopeSet<T>],
    scope: &'static str,
    authentication: Authentication,
}

/// How the user must have authenticated (RFC 9470 step-up): with one of the `acr`
/// values, and/or no longer than `max_age` seconds ago.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Authentication {
    acr: &'static [&'static str],
    acr_values: &'static str,
    /// `max_age`, when `asks_max_age`: two fields rather than an `Option`, so that
    /// `only_too_old` fits in the same 48 bytes (every refusal carries this, and a
    /// larger one cost each admitted request about 30 instructions, moving results).
    max_age: u64,
    asks_max_age: bool,
    /// In a refusal: the token's `acr` is accepted, and only its login is too old
    /// (RFC 9470's "More recent authentication is required").
    only_too_old: bool,
}

impl Authentication {
    /// No requirement on how the user authenticated.
    pub const NONE: Self = Self {
        acr: &[],
        acr_values: "",
        max_age: 0,
        asks_max_age: false,
        only_too_old: false,
    };

    /// The acceptable `acr` values (empty: any, or none).
    pub fn acr(&self) -> &'static [&'static str] {
        self.acr
    }

    /// The acceptable `acr` values, space-delimited: a challenge's `acr_values`.
    pub fn acr_values(&self) -> &'static str {
        self.acr_values
    }

    /// The longest time since the user last authenticated actively, in seconds.
    pub fn max_age(&self) -> Option<u64> {
        match self.asks_max_age {
            true => Some(self.max_age),
            false => None,
        }
    }

    /// Whether this asks anything.
    pub fn is_required(&self) -> bool {
        !self.acr.is_empty() || self.asks_max_age
    }

    /// In a refusal ([`AuthRejection::InsufficientUserAuthentication`]): whether the
    /// token's authentication context was accepted and only the user's login is too old
    /// (or its time unknown), so that a fresh login at the same level will do.
    ///
    /// [`AuthRejection::InsufficientUserAuthentication`]: crate::AuthRejection::InsufficientUserAuthentication
    pub fn only_too_old(&self) -> bool {
        self.only_too_old
    }

    /// Asking one of `acr` (a test's, with its values leaked).
    #[cfg(test)]
    pub(crate) fn for_test(acr: &'static [&'static str]) -> Self {
        Self {
            acr,
            acr_values: Box::leak(acr.join(" ").into_boxed_str()),
            ..Self::NONE
        }
    }

    /// This, as a refusal of a token whose `acr` was accepted and whose login was too
    /// old (`only_too_old`).
    pub(crate) fn refused_as(mut self, only_too_old: bool) -> Self {
        self.only_too_old = only_too_old;
        self
    }

    /// What several requirements ask together (a route's handler, extractors and
    /// layers): the `acr` values every one that names some accepts, and the strictest
    /// `max_age`. For a refusal's challenge; each requirement is still checked alone.
    pub(crate) fn combined<'a>(needs: impl Iterator<Item = &'a Self> + Clone) -> Self {
        let max_age = needs.clone().filter_map(Self::max_age).min();
        let (max_age, asks_max_age) = (max_age.unwrap_or(0), max_age.is_some());
        let lists = needs.clone().map(|needed| needed.acr);
        let Some(first) = needs.into_iter().find(|needed| !needed.acr.is_empty()) else {
            return Self {
                max_age,
                asks_max_age,
                ..Self::NONE
            };
        };
        if lists.clone().all(|acr| acr.is_empty() || acr == first.acr) {
            return Self {
                max_age,
                asks_max_age,
                ..*first
            };
        }
        // Values in common, or none (no token can meet them all: the challenge then
        // names no `acr_values`).
        let common: Vec<&'static str> = acr_in_common(lists.clone())
            .unwrap_or_default()
            .into_iter()
            .copied()
            .collect();
        if common.is_empty() {
            warn_no_common_acr(lists.filter(|acr| !acr.is_empty()).collect());
        }
        let (acr, acr_values) = interned(common).unwrap_or((first.acr, first.acr_values));
        Self {
            acr,
            acr_values,
            max_age,
            asks_max_age,
            only_too_old: false,
        }
    }
}

/// The `acr` values that every one of `lists` accepts, in the first's order: what
/// requirements ask together (RFC 9470: one of the values is needed, so a value counts
/// only where every requirement takes it). A list that names no value asks nothing and
/// is skipped: `None` when no list names one, and an empty list when they name some
/// but none in common, so that no token can meet them all. One rule for a refusal's
/// challenge ([`Authentication::combined`]) and the operation's documentation, which
/// compose all of a route's lists at once or two at a time alike.
pub(crate) fn acr_in_common<'v, V: PartialEq + 'v>(
    lists: impl Iterator<Item = &'v [V]>,
) -> Option<Vec<&'v V>> {
    let mut lists = lists.filter(|list| !list.is_empty());
    let first = lists.next()?;
    let others: Vec<&[V]> = lists.collect();
    Some(
        first
            .iter()
            .filter(|value| others.iter().all(|other| other.contains(value)))
            .collect(),
    )
}

/// The compositions without a common `acr` value already logged (each once; at most
/// [`MAX_INTERNED`] of them).
static NO_COMMON_ACR_WARNED: Mutex<Vec<Vec<&'static [&'static str]>>> = Mutex::new(Vec::new());

/// Logs, once for each, requirements whose `acr` lists have no value in common: a
/// configuration that admits no token, named by its lists (static configuration).
#[cold]
fn warn_no_common_acr(lists: Vec<&'static [&'static str]>) {
    let Ok(mut warned) = NO_COMMON_ACR_WARNED.lock() else {
        return;
    };
    if warned.len() >= MAX_INTERNED || warned.contains(&lists) {
        return;
    }
    tracing::warn!(
        acr_lists = ?lists,
        "a route's requirements (its handler, extractors and layers) name `acr` values with none in common, so no token can be admitted: make them accept a common value"
    );
    warned.push(lists);
}

/// The `acr` lists of composed requirements, kept for the process (each leaked once,
/// at most [`MAX_INTERNED`] of them): a refusal names them as `'static` text.
static INTERNED: RwLock<FxHashMap<Vec<&'static str>, AcrList>> =
    RwLock::new(FxHashMap::with_hasher(FxBuildHasher));

/// An `acr` list and its space-delimited text.
type AcrList = (&'static [&'static str], &'static str);

/// More distinct compositions than routes would be odd; past this, a refusal names the
/// first requirement's values.
const MAX_INTERNED: usize = 1024;

/// `values` and their space-delimited text, `'static`; `None` past [`MAX_INTERNED`].
fn interned(values: Vec<&'static str>) -> Option<AcrList> {
    if let Some(known) = INTERNED.read().ok()?.get(&values) {
        return Some(*known);
    }
    let mut map = INTERNED.write().ok()?;
    if map.len() >= MAX_INTERNED {
        return None;
    }
    let text: &'static str = Box::leak(values.join(" ").into_boxed_str());
    let list: &'static [&'static str] = Box::leak(values.clone().into_boxed_slice());
    Some(*map.entry(values).or_insert((list, text)))
}

impl<T: ScopeTable> Requirement<T> {
    /// A requirement from its alternatives and the space-delimited scope list that goes
    /// into the `WWW-Authenticate` challenge. Built by `#[requires_scopes]`.
    pub const fn new(alternatives: &'static [ScopeSet<T>], scope: &'static str) -> Self {
        Self {
            alternatives,
            scope,
            authentication: Authentication::NONE,
        }
    }

    /// The requirement, asking also that the user authenticated with one of `acr`
    /// (`acr_values` is the same, space-delimited) and/or at most `max_age` seconds
    /// ago. Built by `#[requires_scopes(..., acr = [...], max_age = ...)]`.
    pub const fn with_authentication(
        mut self,
        acr: &'static [&'static str],
        acr_values: &'static str,
        max_age: Option<u64>,
    ) -> Self {
        self.authentication = Authentication {
            acr,
            acr_values,
            max_age: match max_age {
                Some(seconds) => seconds,
                None => 0,
            },
            asks_max_age: max_age.is_some(),
            only_too_old: false,
        };
        self
    }

    /// How the user must have authenticated (RFC 9470), if the requirement says.
    pub fn authentication(&self) -> &Authentication {
        &self.authentication
    }

    /// Whether `granted` meets the requirement. No allocation, no string comparison.
    #[inline]
    pub fn is_met_by(&self, granted: &ScopeSet<T>) -> bool {
        self.alternatives
            .iter()
            .any(|needed| granted.contains_all(needed))
    }

    /// The alternatives; any one of them suffices.
    pub fn alternatives(&self) -> &'static [ScopeSet<T>] {
        self.alternatives
    }

    /// Every scope the requirement names, space-delimited, in the order written: the
    /// value of `scope="..."` in an `insufficient_scope` challenge. A token holding all
    /// of them always meets the requirement.
    pub fn scope(&self) -> &'static str {
        self.scope
    }
}

impl<T: ScopeTable> Clone for Requirement<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: ScopeTable> Copy for Requirement<T> {}

impl<T: ScopeTable> fmt::Debug for Requirement<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Requirement")
            .field("table", &T::NAME)
            .field("any_of", &self.alternatives)
            .field("authentication", &self.authentication)
            .finish()
    }
}

/// A type that names a requirement on the table `T`.
///
/// `#[requires_scopes]` implements it for an extractor when it annotates the extractor's
/// `impl FromRequestParts`, for a struct it annotates (a requirement to reuse, e.g. in
/// [`RequireScopesLayer`](crate::RequireScopesLayer)), and for the hidden unit struct
/// of a handler that takes parameters (whose requirements it composes); a handler
/// without parameters hands its requirement to its check directly.
///
/// The table is a parameter rather than an associated type so that a private table can
/// serve `pub` handlers (an associated type would leak it).
///
/// A handler's requirement includes those of its parameters that implement this trait
/// as the attribute implements it: for any `T` that the table's path names. An impl
/// written by hand for one table (`impl RequiredScopes<Scopes> for MyExtractor`) is not
/// found there; annotate the extractor's `impl FromRequestParts` instead.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a scope requirement of the table `{T}`",
    label = "not a requirement of `{T}`",
    note = "a requirement is a unit struct annotated with `#[requires_scopes(\"…\")]`, e.g. `#[requires_scopes(\"items:write\")] struct WriteItems;` (add `table = path::To::Table` when its table is not the `Scopes` in scope)"
)]
pub trait RequiredScopes<T: ScopeTable>: Send + Sync + 'static {
    /// The type's own requirement.
    const REQUIREMENT: Requirement<T>;

    /// Everything a request must meet: for a handler, its own requirement first, then
    /// those of the scoped extractors it takes (FastAPI's `SecurityScopes` order).
    fn composed() -> &'static [Requirement<T>] {
        Self::parts().own
    }

    /// [`composed`](Self::composed), and for a handler the requirements of the scoped
    /// extractors it takes whose table is another than `T` (checked and named with the
    /// handler's own), as `#[requires_scopes]` writes them for a handler with parameters
    /// (the type's own requirement alone otherwise).
    #[doc(hidden)]
    fn parts() -> Composed<T> {
        Composed {
            own: core::slice::from_ref(const { &Self::REQUIREMENT }),
            foreign: &[],
        }
    }
}

/// Links a handler's requirement type to its table, for `security_of!`, which infers
/// the table from it: implemented by `#[requires_scopes]` for every `T` that the
/// table's path names (generic, so that a path that is no table adds no error of its
/// own). A handler none of whose parameters is probed (it has none, or each mentions
/// its generics) has no [`RequiredScopes`] impl: its requirement is an inline constant
/// of its `HandlerCheck::with_table`.
#[doc(hidden)]
pub trait HandlerOf<T: ScopeTable> {}

/// A requirement of another table than the one it is composed with (a handler of a
/// service's table taking the company's `auth::CurrentUser`): the scopes it names and
/// whether a token's scope names meet it, with the table's types left behind.
#[doc(hidden)]
#[derive(Clone, Copy)]
pub struct ForeignRequirement {
    scope: &'static str,
    met: fn(&str) -> bool,
    /// Its table's security schemes, for OpenAPI.
    security: SecuritySchemes,
    alternatives: fn() -> Vec<Vec<&'static str>>,
    /// How the user must have authenticated (RFC 9470), for OpenAPI: the extractor
    /// checks it itself.
    authentication: Authentication,
}

impl ForeignRequirement {
    /// `R`'s requirement of table `U`.
    pub const fn of<U: ScopeTable, R: RequiredScopes<U>>() -> Self {
        Self {
            scope: R::REQUIREMENT.scope,
            met: met_by::<U, R>,
            security: U::SECURITY,
            alternatives: alternatives_of::<U, R>,
            authentication: R::REQUIREMENT.authentication,
        }
    }

    /// A placeholder, never read (see [`present`]).
    const NONE: Self = Self {
        scope: "",
        met: |_| true,
        security: SecuritySchemes::NONE,
        alternatives: Vec::new,
        authentication: Authentication::NONE,
    };

    /// The scopes it names, space-delimited (as [`Requirement::scope`]).
    pub fn scope(&self) -> &'static str {
        self.scope
    }

    /// Whether a token whose scope claims list `scopes` (space-delimited) meets it.
    pub fn is_met_by(&self, scopes: &str) -> bool {
        (self.met)(scopes)
    }

    /// Its table's security schemes.
    pub(crate) fn security(&self) -> SecuritySchemes {
        self.security
    }

    /// Its alternatives (any one of them suffices), each the scope names it requires in
    /// the order written.
    pub(crate) fn alternatives(&self) -> Vec<Vec<&'static str>> {
        (self.alternatives)()
    }

    /// How the user must have authenticated (RFC 9470).
    pub(crate) fn authentication(&self) -> &Authentication {
        &self.authentication
    }
}

/// [`ForeignRequirement::alternatives`] for `R` of table `U`.
fn alternatives_of<U: ScopeTable, R: RequiredScopes<U>>() -> Vec<Vec<&'static str>> {
    let requirement = R::REQUIREMENT;
    requirement
        .alternatives()
        .iter()
        .map(|alternative| {
            requirement
                .scope()
                .split(' ')
                .filter(|name| U::index_of(name).is_some_and(|index| alternative.contains(index)))
                .collect()
        })
        .collect()
}

impl fmt::Debug for ForeignRequirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ForeignRequirement")
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

/// [`ForeignRequirement::is_met_by`] for `R` of table `U`.
fn met_by<U: ScopeTable, R: RequiredScopes<U>>(scopes: &str) -> bool {
    let granted = ScopeSet::<U>::granted_by(scopes.split(' ').filter(|name| !name.is_empty()));
    R::REQUIREMENT.is_met_by(&granted)
}

/// A scoped extractor as any handler sees it, whatever its table: implemented by
/// `#[requires_scopes]` beside `RequiredScopes`, for the handlers of other tables that
/// take it.
#[doc(hidden)]
pub trait ForeignScoped {
    /// Its requirement, of its own table.
    const FOREIGN: ForeignRequirement;
}

/// The union of the scopes `requirements` name, space-delimited, first mention first.
pub(crate) fn scope_union<'a, T: ScopeTable>(
    requirements: impl IntoIterator<Item = &'a Requirement<T>>,
) -> Vec<&'static str> {
    scope_union_of(requirements.into_iter().map(Requirement::scope))
}

/// The union of the space-delimited scope lists `scopes`, first mention first.
pub(crate) fn scope_union_of(scopes: impl IntoIterator<Item = &'static str>) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Vec::new();
    for scope in scopes {
        for name in scope.split(' ').filter(|name| !name.is_empty()) {
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    names
}

/// A handler's requirement `R` composed with its parameters' (`Self`, a tuple of what
/// each parameter's probe found): the requirements that are present, in order, built at
/// compile time. The handler attribute calls it through [`composed`] from a function of
/// its own, once per handler; a request reads a constant.
#[doc(hidden)]
pub trait Parts<T: ScopeTable> {
    /// `R`'s requirement, then those of the parameters that are scoped extractors of
    /// `T`; and the requirements of those of other tables.
    fn composed<R: RequiredScopes<T>>() -> Composed<T>;
}

/// A handler's requirements: of its table (its own first), and of other tables.
#[doc(hidden)]
pub struct Composed<T: ScopeTable> {
    /// The handler's, then its parameters' of the same table.
    pub own: &'static [Requirement<T>],
    /// Its parameters' of other tables.
    pub foreign: &'static [ForeignRequirement],
}

impl<T: ScopeTable> Clone for Composed<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: ScopeTable> Copy for Composed<T> {}

impl<T: ScopeTable> fmt::Debug for Composed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Composed")
            .field("own", &self.own)
            .field("foreign", &self.foreign)
            .finish()
    }
}

/// What a handler's probes found, composed after its own requirement `R`: see [`Parts`].
#[doc(hidden)]
pub fn composed<T: ScopeTable, R: RequiredScopes<T>, P: Parts<T>>(_: P) -> Composed<T> {
    P::composed::<R>()
}

/// `R`'s [`RequiredScopes::parts`] for table `T`: how a handler with parameters hands
/// its requirement to its check. The attribute names `R` as `<R as Same>::Is`, a type
/// whose span runs from the table path's first token to its last, as the table's own
/// projection does: an error about a `table = a::B` that is no table then falls where
/// the others do, and rustc reports it once.
#[doc(hidden)]
pub fn parts_of<T: ScopeTable, R: RequiredScopes<T>>() -> Composed<T> {
    R::parts()
}

/// Every type is itself: `<R as Same>::Is` is `R`, written with more tokens than `R`
/// (see [`parts_of`]).
#[doc(hidden)]
pub trait Same {
    /// `Self`.
    type Is: ?Sized;
}

impl<T: ?Sized> Same for T {
    type Is = T;
}

/// What one parameter's probe found: [`Scoped`], [`Foreign`] or [`Plain`].
#[doc(hidden)]
pub trait Part<T: ScopeTable> {
    /// The parameter's requirement, when it is a scoped extractor of `T`.
    const REQUIREMENT: Option<Requirement<T>>;
    /// The parameter's requirement, when it is a scoped extractor of another table.
    const FOREIGN: Option<ForeignRequirement> = None;
}

/// A parameter of type `P`, a scoped extractor.
#[doc(hidden)]
#[derive(Debug)]
pub struct Scoped<P>(core::marker::PhantomData<fn() -> P>);

/// A parameter of type `P`, a scoped extractor of another table than the handler's.
#[doc(hidden)]
#[derive(Debug)]
pub struct Foreign<P>(core::marker::PhantomData<fn() -> P>);

impl<T: ScopeTable, P: ForeignScoped> Part<T> for Foreign<P> {
    const REQUIREMENT: Option<Requirement<T>> = None;
    const FOREIGN: Option<ForeignRequirement> = Some(P::FOREIGN);
}

/// A parameter that is not a scoped extractor.
#[doc(hidden)]
#[derive(Debug)]
pub struct Plain;

impl<T: ScopeTable, P: RequiredScopes<T>> Part<T> for Scoped<P> {
    const REQUIREMENT: Option<Requirement<T>> = Some(P::REQUIREMENT);
}

impl<T: ScopeTable> Part<T> for Plain {
    const REQUIREMENT: Option<Requirement<T>> = None;
}

/// `parts` with the ones that are present first, in order, and how many they are (the
/// rest is `filler`, never read).
const fn present<X: Copy, const N: usize>(parts: [Option<X>; N], filler: X) -> ([X; N], usize) {
    let mut present = [filler; N];
    let (mut i, mut count) = (0, 0);
    while i < N {
        if let Some(part) = parts[i] {
            present[count] = part;
            count += 1;
        }
        i += 1;
    }
    (present, count)
}

/// [`Parts`] for tuples of up to 32 parameter types: axum's 16 parameters, some of them
/// tuples probed element by element (none, when every parameter is compiled out).
macro_rules! parts {
    ($($part:ident)*) => {
        impl<T: ScopeTable, $($part: Part<T>),*> Parts<T> for ($($part,)*) {
            fn composed<R: RequiredScopes<T>>() -> Composed<T> {
                let (own, count) = const {
                    &present([
                        Some(R::REQUIREMENT),
                        $($part::REQUIREMENT,)*
                    ], R::REQUIREMENT)
                };
                let (foreign, foreigners) = const {
                    &present([$($part::FOREIGN,)*], ForeignRequirement::NONE)
                };
                Composed {
                    own: &own[..*count],
                    foreign: &foreign[..*foreigners],
                }
            }
        }
    };
}

parts!();
parts!(P0);
parts!(P0 P1);
parts!(P0 P1 P2);
parts!(P0 P1 P2 P3);
parts!(P0 P1 P2 P3 P4);
parts!(P0 P1 P2 P3 P4 P5);
parts!(P0 P1 P2 P3 P4 P5 P6);
parts!(P0 P1 P2 P3 P4 P5 P6 P7);
parts!(P0 P1 P2 P3 P4 P5 P6 P7 P8);
parts!(P0 P1 P2 P3 P4 P5 P6 P7 P8 P9);
parts!(P0 P1 P2 P3 P4 P5 P6 P7 P8 P9 P10);
parts!(P0 P1 P2 P3 P4 P5 P6 P7 P8 P9 P10 P11);
parts!(P0 P1 P2 P3 P4 P5 P6 P7 P8 P9 P10 P11 P12);
parts!(P0 P1 P2 P3 P4 P5 P6 P7 P8 P9 P10 P11 P12 P13);
parts!(P0 P1 P2 P3 P4 P5 P6 P7 P8 P9 P10 P11 P12 P13 P14);
parts!(P0 P1 P2 P3 P4 P5 P6 P7 P8 P9 P10 P11 P12 P13 P14 P15);
parts!(P0 P1 P2 P3 P4 P5 P6 P7 P8 P9 P10 P11 P12 P13 P14 P15 P16);
parts!(P0 P1 P2 P3 P4 P5 P6 P7 P8 P9 P10 P11 P12 P13 P14 P15 P16 P17);
parts!(P0 P1 P2 P3 P4 P5 P6 P7 P8 P9 P10 P11 P12 P13 P14 P15 P16 P17 P18);
parts!(P0 P1 P2 P3 P4 P5 P6 P7 P8 P9 P10 P11 P12 P13 P14 P15 P16 P17 P18 P19);
parts!(P0 P1 P2 P3 P4 P5 P6 P7 P8 P9 P10 P11 P12 P13 P14 P15 P16 P17 P18 P19 P20);
parts!(P0 P1 P2 P3 P4 P5 P6 P7 P8 P9 P10 P11 P12 P13 P14 P15 P16 P17 P18 P19 P20 P21);
parts!(P0 P1 P2 P3 P4 P5 P6 P7 P8 P9 P10 P11 P12 P13 P14 P15 P16 P17 P18 P19 P20 P21 P22);
parts!(P0 P1 P2 P3 P4 P5 P6 P7 P8 P9 P10 P11 P12 P13 P14 P15 P16 P17 P18 P19 P20 P21 P22 P23);
parts!(P0 P1 P2 P3 P4 P5 P6 P7 P8 P9 P10 P11 P12 P13 P14 P15 P16 P17 P18 P19 P20 P21 P22 P23 P24);
parts!(P0 P1 P2 P3 P4 P5 P6 P7 P8 P9 P10 P11 P12 P13 P14 P15 P16 P17 P18 P19 P20 P21 P22 P23 P24 P25);
parts!(P0 P1 P2 P3 P4 P5 P6 P7 P8 P9 P10 P11 P12 P13 P14 P15 P16 P17 P18 P19 P20 P21 P22 P23 P24 P25 P26);
parts!(P0 P1 P2 P3 P4 P5 P6 P7 P8 P9 P10 P11 P12 P13 P14 P15 P16 P17 P18 P19 P20 P21 P22 P23 P24 P25 P26 P27);
parts!(P0 P1 P2 P3 P4 P5 P6 P7 P8 P9 P10 P11 P12 P13 P14 P15 P16 P17 P18 P19 P20 P21 P22 P23 P24 P25 P26 P27 P28);
parts!(P0 P1 P2 P3 P4 P5 P6 P7 P8 P9 P10 P11 P12 P13 P14 P15 P16 P17 P18 P19 P20 P21 P22 P23 P24 P25 P26 P27 P28 P29);
parts!(P0 P1 P2 P3 P4 P5 P6 P7 P8 P9 P10 P11 P12 P13 P14 P15 P16 P17 P18 P19 P20 P21 P22 P23 P24 P25 P26 P27 P28 P29 P30);
parts!(P0 P1 P2 P3 P4 P5 P6 P7 P8 P9 P10 P11 P12 P13 P14 P15 P16 P17 P18 P19 P20 P21 P22 P23 P24 P25 P26 P27 P28 P29 P30 P31);

/// Autoref specialization: `(&&&Probe::<T, P>::new()).part()` is [`Scoped<P>`] when
/// `P: RequiredScopes<T>`, else [`Foreign<P>`] when `P` is a scoped extractor of another
/// table, else [`Plain`]. The handler attribute probes each parameter type with it,
/// since a macro cannot see which types are scoped extractors.
#[doc(hidden)]
#[derive(Debug)]
pub struct Probe<T, P>(core::marker::PhantomData<fn() -> (T, P)>);

impl<T, P> Probe<T, P> {
    #[doc(hidden)]
    pub const fn new() -> Self {
        Self(core::marker::PhantomData)
    }
}

#[doc(hidden)]
pub trait ProbeScoped<P> {
    fn part(&self) -> Scoped<P>;
}

impl<T: ScopeTable, P: RequiredScopes<T>> ProbeScoped<P> for &&Probe<T, P> {
    fn part(&self) -> Scoped<P> {
        Scoped(core::marker::PhantomData)
    }
}

#[doc(hidden)]
pub trait ProbeForeign<P> {
    fn part(&self) -> Foreign<P>;
}

impl<T, P: ForeignScoped> ProbeForeign<P> for &Probe<T, P> {
    fn part(&self) -> Foreign<P> {
        Foreign(core::marker::PhantomData)
    }
}

#[doc(hidden)]
pub trait ProbePlain {
    fn part(&self) -> Plain;
}

impl<T, P> ProbePlain for Probe<T, P> {
    fn part(&self) -> Plain {
        Plain
    }
}
