//! OpenAPI descriptions, computed at compile time by `scopes!` and `#[requires_scopes]`,
//! and serializable with serde for any OpenAPI generator or a hand-written document.
//!
//! ```
//! use scopes_core::{openapi, requires_scopes, scopes};
//!
//! scopes! {
//!     pub Scopes {
//!         "me": "Read information about the current user.",
//!         "items": "Read items.",
//!     }
//!     oauth2 "OAuth2PasswordBearer" {
//!         password { token_url: "token" },
//!     }
//! }
//!
//! let schemes = serde_json::to_value(openapi::security_schemes::<Scopes>()).unwrap();
//! assert_eq!(schemes["OAuth2PasswordBearer"]["flows"]["password"]["tokenUrl"], "token");
//! assert_eq!(schemes["OAuth2PasswordBearer"]["flows"]["password"]["scopes"]["items"], "Read items.");
//! ```

use core::fmt;
use core::marker::PhantomData;
use std::collections::BTreeMap;

use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::http::HandlerCheck;
use crate::table::{
    Composed, ForeignRequirement, HandlerOf, RequiredScopes, Requirement, ScopeSet, ScopeTable,
    scope_union, scope_union_of,
};
pub use crate::table::{FlowKind, OAuth2Flow, OAuth2Scheme, OpenIdConnectScheme, SecuritySchemes};

#[cfg(feature = "aide")]
pub mod aide;
mod dpop;
mod responses;
#[cfg(feature = "utoipa")]
pub mod utoipa;

pub use dpop::{DPOP_SCHEME, document_dpop};
pub use responses::ProtectedResponses;

/// The [`OperationSecurity`] of a `#[requires_scopes]` handler: its scopes, then those of
/// the scoped extractors it takes. For OpenAPI generators other than utoipa, or a
/// hand-written document.
///
/// Give the handler's path as utoipa's `paths(...)` wants it: the hidden type the macro
/// names lives beside the handler, and `use`-ing the handler does not bring it along, so
/// from another module write `security_of!(routes::read_own_items)`.
///
/// ```
/// use scopes_core::openapi::{OperationSecurity, security_of};
/// use scopes_core::{requires_scopes, scopes};
///
/// scopes! {
///     Scopes { "items": "Read items." }
///     oauth2 "OAuth2PasswordBearer" { password { token_url: "token" } }
/// }
///
/// #[requires_scopes("items")]
/// async fn read_own_items() {}
///
/// let security: OperationSecurity<Scopes> = security_of!(read_own_items);
/// assert_eq!(
///     serde_json::to_value(&security).unwrap(),
///     serde_json::json!([{ "OAuth2PasswordBearer": ["items"] }]),
/// );
/// let responses = serde_json::to_value(security.responses()).unwrap();
/// assert_eq!(
///     responses["403"]["headers"]["WWW-Authenticate"]["example"],
///     r#"Bearer error="insufficient_scope", scope="items""#,
/// );
/// ```
#[cfg(feature = "macros")]
pub use scopes_macros::security_of;

/// Without the `utoipa` feature the table implements no `Modify`.
#[cfg(not(feature = "utoipa"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __utoipa_table {
    ($table:ty) => {};
}

/// Beside a `#[requires_scopes]` handler without `#[utoipa::path]` below it: a fallback
/// `__path_<handler>` through a glob import, which an item of the same name shadows —
/// utoipa's, when `#[utoipa::path]` sits above and documented the operation without its
/// security; the check then fails with the fix in its message. The fallback is one type
/// re-exported ([`utoipa::NoUtoipaPath`]), so that a handler adds no impl of its own.
#[cfg(feature = "utoipa")]
#[doc(hidden)]
#[macro_export]
macro_rules! __utoipa_order_guard {
    ($guard:ident, $outer:ident) => {
        #[doc(hidden)]
        #[allow(non_snake_case, non_camel_case_types, unreachable_pub)]
        mod $guard {
            // A re-export, not an alias: two globs that bring it (a module's own, and its
            // parent's through `use super::*`) are then the same item, not an ambiguity.
            pub use $crate::__private::NoUtoipaPath as $outer;
        }
        // Crate-visible, as `paths(module::handler)` reads it from elsewhere.
        #[allow(unused_imports, unreachable_pub)]
        pub(crate) use $guard::*;
        const _: () = $crate::__private::no_utoipa_path_above::<$outer>();
    };
}

/// Without the `utoipa` feature there is no `#[utoipa::path]` to guard.
#[cfg(not(feature = "utoipa"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __utoipa_order_guard {
    ($($tokens:tt)*) => {};
}

/// Without the `utoipa` feature, `#[utoipa::path]` under `#[requires_scopes]` is refused.
#[cfg(not(feature = "utoipa"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __utoipa_path {
    ($($tokens:tt)*) => {
        ::core::compile_error!(
            "#[requires_scopes] documents `#[utoipa::path]` operations with the `utoipa` feature of scopes-core: enable it in the Cargo.toml that depends on scopes-core (`scopes-core = { features = [\"utoipa\"] }`; in a crate that reaches scopes-core through another, such as a shared `auth` crate, enable it there, or forward a feature of that crate)"
        );
    };
}

/// OpenAPI's `components.securitySchemes` for the table `T`: serialize it.
pub fn security_schemes<T: ScopeTable>() -> SecuritySchemesOf<T> {
    SecuritySchemesOf(PhantomData)
}

/// The value of [`security_schemes`].
pub struct SecuritySchemesOf<T>(PhantomData<fn() -> T>);

impl<T: ScopeTable> fmt::Debug for SecuritySchemesOf<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&T::SECURITY, f)
    }
}

impl<T: ScopeTable> Serialize for SecuritySchemesOf<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let schemes = T::SECURITY;
        let mut map = serializer.serialize_map(None)?;
        if let Some(oauth2) = schemes.oauth2 {
            map.serialize_entry(oauth2.name, &OAuth2Json::<T>(oauth2, PhantomData))?;
        }
        if let Some(oidc) = schemes.openid_connect {
            let value = BTreeMap::from([("type", "openIdConnect"), ("openIdConnectUrl", oidc.url)]);
            map.serialize_entry(oidc.name, &value)?;
        }
        map.end()
    }
}

struct OAuth2Json<T>(OAuth2Scheme, PhantomData<fn() -> T>);

impl<T: ScopeTable> Serialize for OAuth2Json<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("type", "oauth2")?;
        map.serialize_entry("flows", &FlowsJson::<T>(self.0.flows, PhantomData))?;
        map.end()
    }
}

struct FlowsJson<T>(&'static [OAuth2Flow], PhantomData<fn() -> T>);

impl<T: ScopeTable> Serialize for FlowsJson<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let scopes: BTreeMap<&str, &str> = T::iter()
            .map(|scope| (scope.name, scope.description))
            .collect();
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for flow in self.0 {
            let mut object = BTreeMap::new();
            let urls = [
                ("authorizationUrl", flow.authorization_url),
                ("tokenUrl", flow.token_url),
                ("refreshUrl", flow.refresh_url),
            ];
            for (key, url) in urls {
                if let Some(url) = url {
                    object.insert(key, serde_json::Value::from(url));
                }
            }
            object.insert(
                "scopes",
                serde_json::to_value(&scopes).map_err(serde::ser::Error::custom)?,
            );
            map.serialize_entry(flow.kind.openapi_name(), &object)?;
        }
        map.end()
    }
}

/// OpenAPI's `security` for an operation: what its handler, the scoped extractors it
/// takes and its router layers require, as requirement objects. `any(...)` becomes
/// several objects (OpenAPI's "or"); within one, scopes are in the order written (the
/// handler's first), as FastAPI lists `["items", "me"]`. A route requiring a valid token
/// and no scope gets one object with no scopes. Every object is offered for each of the
/// table's schemes.
#[must_use]
pub struct OperationSecurity<T: ScopeTable> {
    requirements: Vec<&'static [Requirement<T>]>,
    /// Those of the handler's scoped extractors whose table is another: each object
    /// requires them too, under their table's schemes.
    foreign: &'static [ForeignRequirement],
}

impl<T: ScopeTable> OperationSecurity<T> {
    const SCHEME_DECLARED: () =
        if let Some(message) = crate::table::check::missing_scheme::<T>(T::NAME) {
            panic!("{}", message.as_str())
        };

    /// What `R` requires: a `#[requires_scopes]` handler's hidden requirement type, a
    /// scoped extractor, or a requirement struct.
    ///
    /// A table without an OpenAPI security scheme fails the build here: its operations
    /// would be documented as needing no authentication.
    pub fn of<R: RequiredScopes<T>>() -> Self {
        Self::of_composed(R::parts())
    }

    /// What a `#[requires_scopes]` handler requires, `R` its hidden requirement type:
    /// what `security_of!` calls.
    #[doc(hidden)]
    pub fn of_handler<R: HandlerCheck + HandlerOf<T>>() -> Self {
        Self::of_composed(crate::http::handler_requirement::<T, R>())
    }

    /// What a handler's or an extractor's composed requirement requires.
    pub(crate) fn of_composed(composed: Composed<T>) -> Self {
        const { Self::SCHEME_DECLARED };
        Self {
            requirements: vec![composed.own],
            foreign: composed.foreign,
        }
    }

    /// A route that requires a valid token and no scope.
    pub fn token_only() -> Self {
        const { Self::SCHEME_DECLARED };
        Self {
            requirements: Vec::new(),
            foreign: &[],
        }
    }

    /// Without the requirements of other tables: for aide, whose inference asks each
    /// scoped extractor for its own.
    #[cfg(feature = "aide")]
    pub(crate) fn of_its_table(mut self) -> Self {
        self.foreign = &[];
        self
    }

    /// Adds what `L` requires (a router layer's requirement struct, say).
    pub fn and<L: RequiredScopes<T>>(mut self, _layer: PhantomData<L>) -> Self {
        self.requirements.push(L::composed());
        self
    }

    /// The `400`, `401` and `403` responses the operation can give, with their challenges.
    pub fn responses(&self) -> ProtectedResponses {
        let scopes = self.all().map(Requirement::scope);
        let foreign = self.foreign.iter().map(ForeignRequirement::scope);
        // A scoped extractor of another table checks how the user authenticated itself;
        // the operation documents it with the handler's.
        let authentications = self
            .all()
            .map(Requirement::authentication)
            .chain(self.foreign.iter().map(ForeignRequirement::authentication));
        ProtectedResponses::new(scope_union_of(scopes.chain(foreign)).join(" "))
            .with_step_up(responses::StepUp::asked(authentications))
    }

    fn all(&self) -> impl Iterator<Item = &Requirement<T>> + Clone {
        self.requirements
            .iter()
            .flat_map(|requirements| requirements.iter())
    }

    /// The requirement objects: scheme name → scope names.
    pub fn requirements(&self) -> Vec<BTreeMap<&'static str, Vec<&'static str>>> {
        let order = scope_union(self.all());
        let met = minimal_alternatives(
            vec![ScopeSet::EMPTY],
            self.all().map(|requirement| requirement.alternatives()),
        );
        let mut objects = requirement_objects(&met, &order);
        // Each of another table's requirements, in each object: one of its alternatives
        // under one of its schemes (OpenAPI's "or" again), beside the handler's.
        for foreign in self.foreign {
            let names: Vec<&'static str> = schemes_of(foreign.security()).collect();
            if names.is_empty() {
                continue;
            }
            let alternatives = foreign.alternatives();
            let mut next = Vec::new();
            for object in &objects {
                // A scheme of the same name as one the object has already: the same
                // scheme, one list; else each of the other table's, in turn.
                let shared: Vec<&'static str> = names
                    .iter()
                    .copied()
                    .filter(|name| object.contains_key(name))
                    .collect();
                let names = match shared.is_empty() {
                    true => &names,
                    false => &shared,
                };
                for alternative in &alternatives {
                    for name in names {
                        let mut joined = object.clone();
                        let scopes = joined.entry(*name).or_default();
                        for scope in alternative {
                            if !scopes.contains(scope) {
                                scopes.push(scope);
                            }
                        }
                        if !next.contains(&joined) {
                            next.push(joined);
                        }
                    }
                }
            }
            objects = next;
        }
        objects
    }
}

/// Warns when a layer's security reached no operation (`matched` is 0): a prefix that
/// names no path of the document (a typo, or a document not finished yet) leaves the
/// layer's routes documented without its scopes, silently otherwise.
#[cfg(any(feature = "utoipa", feature = "aide"))]
pub(crate) fn warn_if_no_operation_under(prefix: &str, matched: usize) {
    if matched == 0 {
        tracing::warn!(
            prefix,
            "add_layer_security: no operation of the document is at or below this prefix, so the layer's scopes are documented nowhere; check the prefix (the path the layered router is nested at) and call it on the finished document"
        );
    }
}

/// Whether a document's path is `prefix` or below it (`"/admin"`, `"/admin/"` or
/// `"admin"`: `/admin` and `/admin/stats`, not `/administrators`; `""` or `"/"` for
/// every path): where a router layer nested at `prefix` applies. Compared as text,
/// segment by segment: a path template is written as the document writes it
/// (`/t/{tenant}`).
#[cfg(any(feature = "utoipa", feature = "aide"))]
pub(crate) fn under(prefix: &str) -> impl Fn(&str) -> bool + '_ {
    let prefix = prefix.trim_matches('/');
    move |path: &str| {
        let path = path.strip_prefix('/').unwrap_or(path);
        prefix.is_empty()
            || path
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    }
}

/// The sets of scopes that meet, together, `start` (alternatives already required) and
/// each of `requirements` (each a list of alternatives): their cross product, minimal.
/// An alternative that needs everything another needs, and more, never decides, so it
/// is left out. The one place `any(...)` alternatives are combined and minimised.
pub(crate) fn minimal_alternatives<'a, T: ScopeTable>(
    start: Vec<ScopeSet<T>>,
    requirements: impl IntoIterator<Item = &'a [ScopeSet<T>]>,
) -> Vec<ScopeSet<T>> {
    let mut alternatives = start;
    for requirement in requirements {
        let mut next = Vec::new();
        for have in &alternatives {
            for option in requirement {
                let mut both = *have;
                both.union_with(option);
                if !next.contains(&both) {
                    next.push(both);
                }
            }
        }
        alternatives = next;
    }
    alternatives
        .iter()
        .filter(|candidate| {
            !alternatives
                .iter()
                .any(|other| other != *candidate && candidate.contains_all(other))
        })
        .copied()
        .collect()
}

/// [`joined_requirements`] for alternatives that may name scopes `T` does not know
/// (another table's, under a scheme of the same name, from a scoped extractor of that
/// table): those are joined with `added` one by one, their names kept first.
#[cfg(any(feature = "utoipa", feature = "aide"))]
pub(crate) fn joined_keeping<T: ScopeTable>(
    own: Vec<Vec<String>>,
    added: &[Requirement<T>],
) -> Vec<BTreeMap<&'static str, Vec<String>>> {
    let owned = |object: BTreeMap<&'static str, Vec<&'static str>>| {
        object
            .into_iter()
            .map(|(scheme, names)| (scheme, names.into_iter().map(str::to_owned).collect()))
            .collect()
    };
    if own.iter().flatten().all(|name| T::index_of(name).is_some()) {
        return joined_requirements(own, added)
            .into_iter()
            .map(owned)
            .collect();
    }
    let mut joined: Vec<BTreeMap<&'static str, Vec<String>>> = Vec::new();
    for list in own {
        for object in joined_requirements(vec![list.clone()], added) {
            let object = owned(object)
                .into_iter()
                .map(|(scheme, names): (&'static str, Vec<String>)| {
                    let mut all = list.clone();
                    all.extend(names.into_iter().filter(|name| !list.contains(name)));
                    (scheme, all)
                })
                .collect();
            if !joined.contains(&object) {
                joined.push(object);
            }
        }
    }
    joined
}

/// The requirement objects of an operation that requires `added` beside what it required
/// already: `own`, its alternatives as lists of scope names (none when it had no
/// `security`), read back from its document. Each alternative is joined with each of
/// `added`'s and the result minimised ([`minimal_alternatives`]); the operation's names
/// come first, then `added`'s. What a router layer (utoipa's `add_layer_security`) and a
/// scoped extractor (aide's inference) add to an operation, computed once here.
#[cfg(any(feature = "utoipa", feature = "aide"))]
pub(crate) fn joined_requirements<T: ScopeTable>(
    mut own: Vec<Vec<String>>,
    added: &[Requirement<T>],
) -> Vec<BTreeMap<&'static str, Vec<&'static str>>> {
    if own.is_empty() {
        own.push(Vec::new());
    }
    let own_sets: Vec<ScopeSet<T>> = own
        .iter()
        .map(|names| {
            let mut set = ScopeSet::EMPTY;
            names
                .iter()
                .filter_map(|name| T::index_of(name))
                .for_each(|index| set.insert(index));
            set
        })
        .collect();
    let met = minimal_alternatives(
        own_sets,
        added.iter().map(|requirement| requirement.alternatives()),
    );
    let mut order: Vec<&'static str> = Vec::new();
    let own_names = own.iter().flatten().filter_map(|name| T::lookup(name));
    for name in own_names.map(|scope| scope.name).chain(scope_union(added)) {
        if !order.contains(&name) {
            order.push(name);
        }
    }
    requirement_objects(&met, &order)
}

/// The distinct scope lists of an operation's requirement objects, one per alternative
/// whatever the scheme (each alternative is written once per scheme of the table).
#[cfg(feature = "aide")]
pub(crate) fn alternatives_of<'a>(
    objects: impl IntoIterator<Item = impl IntoIterator<Item = &'a Vec<String>>>,
) -> Vec<Vec<String>> {
    let same = |left: &[String], right: &[String]| {
        left.len() == right.len() && left.iter().all(|name| right.contains(name))
    };
    let mut lists: Vec<Vec<String>> = Vec::new();
    for object in objects {
        for scopes in object {
            if !lists.iter().any(|known| same(known, scopes)) {
                lists.push(scopes.clone());
            }
        }
    }
    lists
}

/// The names of the security schemes `T` declares.
pub(crate) fn scheme_names<T: ScopeTable>() -> impl Iterator<Item = &'static str> {
    schemes_of(T::SECURITY)
}

/// The names of the security schemes in `schemes`.
fn schemes_of(schemes: SecuritySchemes) -> impl Iterator<Item = &'static str> {
    let oauth2 = schemes.oauth2.map(|scheme| scheme.name);
    oauth2
        .into_iter()
        .chain(schemes.openid_connect.map(|scheme| scheme.name))
}

/// OpenAPI requirement objects for `alternatives`, one per alternative and scheme of
/// `T`, scope names listed in `order`.
pub(crate) fn requirement_objects<T: ScopeTable>(
    alternatives: &[ScopeSet<T>],
    order: &[&'static str],
) -> Vec<BTreeMap<&'static str, Vec<&'static str>>> {
    let names: Vec<&'static str> = scheme_names::<T>().collect();
    alternatives
        .iter()
        .flat_map(|alternative| {
            let scopes: Vec<&'static str> = order
                .iter()
                .copied()
                .filter(|name| T::index_of(name).is_some_and(|index| alternative.contains(index)))
                .collect();
            names
                .iter()
                .map(move |name| BTreeMap::from([(*name, scopes.clone())]))
        })
        .collect()
}

impl<T: ScopeTable> fmt::Debug for OperationSecurity<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.requirements()).finish()
    }
}

impl<T: ScopeTable> Serialize for OperationSecurity<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.requirements().serialize(serializer)
    }
}
