//! [utoipa](https://docs.rs/utoipa) integration (feature `utoipa`).
//!
//! - The table is a [`Modify`]: `#[openapi(modifiers(&Scopes))]` adds its security
//!   schemes to `components.securitySchemes`.
//! - `#[requires_scopes]` written **above** `#[utoipa::path]` gives the operation its
//!   `security` (the handler's scopes with those of the scoped extractors it takes) and
//!   its `400`/`401`/`403` responses with their RFC 6750 challenges. Nothing is written twice,
//!   and utoipa's parameter inference never sees the injected parameter (its pattern is
//!   `_`, which utoipa skips).
//! - **A handler whose only requirement is a scoped extractor** (`async fn
//!   me(user: CurrentUser)`) is checked at run time all the same, but utoipa gives an
//!   extractor no way to document itself (aide does): without the attribute, the
//!   operation is documented without `security`, as if public. Write a bare
//!   `#[requires_scopes]` (no scopes of its own: a valid token) above its
//!   `#[utoipa::path]`, and the operation requires the extractor's scopes.
//! - [`add_layer_security`] adds a router layer's scopes to the operations it wraps (the
//!   whole document, or [`add_layer_security_under`] a path prefix), and
//!   [`document_response_mode`] documents FastAPI's answers when the verifier gives them.
//! - [`secure_operation`] and [`add_security_schemes`] do the same by hand, for
//!   operations built another way.
//!
//! ```
//! use scopes_core::{requires_scopes, scopes};
//! use utoipa::OpenApi;
//!
//! scopes! {
//!     Scopes {
//!         "me": "Read information about the current user.",
//!         "items": "Read items.",
//!     }
//!     oauth2 "OAuth2PasswordBearer" { password { token_url: "token" } }
//! }
//!
//! #[requires_scopes("items")]
//! #[utoipa::path(get, path = "/users/me/items/", responses((status = 200, description = "The items")))]
//! async fn read_own_items() -> &'static str {
//!     "[]"
//! }
//!
//! #[derive(OpenApi)]
//! #[openapi(paths(read_own_items), modifiers(&Scopes))]
//! struct ApiDoc;
//!
//! let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
//! let get = &doc["paths"]["/users/me/items/"]["get"];
//! assert_eq!(get["security"], serde_json::json!([{ "OAuth2PasswordBearer": ["items"] }]));
//! assert_eq!(
//!     get["responses"]["403"]["headers"]["WWW-Authenticate"]["example"],
//!     r#"Bearer error="insufficient_scope", scope="items""#,
//! );
//! let scheme = &doc["components"]["securitySchemes"]["OAuth2PasswordBearer"];
//! assert_eq!(scheme["flows"]["password"]["scopes"]["items"], "Read items.");
//! ```
//!
//! [`Modify`]: ::utoipa::Modify

use ::utoipa::openapi::path::Operation;
use ::utoipa::openapi::security::{
    AuthorizationCode, ClientCredentials, Flow, Implicit, OAuth2, OpenIdConnect, Password, Scopes,
    SecurityRequirement, SecurityScheme,
};
use ::utoipa::openapi::{ComponentsBuilder, OpenApi, RefOr, Response};

use super::{FlowKind, OAuth2Flow, OperationSecurity, ProtectedResponses};
use crate::http::{HandlerCheck, TableVisitor};
use crate::table::{Composed, RequiredScopes, ScopeTable};

/// Adds the security schemes `T` declares to `components.securitySchemes`; what the
/// table's [`Modify`](::utoipa::Modify) impl does.
pub fn add_security_schemes<T: ScopeTable>(openapi: &mut OpenApi) {
    let components = openapi
        .components
        .get_or_insert_with(|| ComponentsBuilder::new().build());
    for (name, scheme) in security_schemes::<T>() {
        components.add_security_scheme(name, scheme);
    }
}

/// Rewrites the URLs of the security schemes `T` declares in `openapi` (the flows'
/// `authorizationUrl`, `tokenUrl` and `refreshUrl`, the `openIdConnectUrl`) with
/// `url`: for URLs known only at run time, such as an identity provider that differs
/// from one environment to the next. The table's URLs are then templates of your own;
/// schemes of other names are left alone. Call it on the finished document. Returns how
/// many schemes it rewrote; none (a document without the table's schemes yet) also
/// logs a warning.
///
/// ```
/// use scopes_core::{openapi, scopes};
/// use utoipa::OpenApi;
///
/// scopes! {
///     pub Scopes { "items": "Read items." }
///     oauth2 "keycloak" {
///         authorization_code {
///             authorization_url: "{issuer}/protocol/openid-connect/auth",
///             token_url: "{issuer}/protocol/openid-connect/token",
///         },
///     }
/// }
///
/// #[derive(OpenApi)]
/// #[openapi(modifiers(&Scopes))]
/// struct ApiDoc;
///
/// // From the configuration, at start-up.
/// let issuer = "https://kc.example.com/realms/shop";
/// let mut doc = ApiDoc::openapi();
/// openapi::utoipa::map_scheme_urls::<Scopes>(&mut doc, |url| url.replace("{issuer}", issuer));
/// let doc = serde_json::to_value(doc).unwrap();
/// assert_eq!(
///     doc["components"]["securitySchemes"]["keycloak"]["flows"]["authorizationCode"]["tokenUrl"],
///     "https://kc.example.com/realms/shop/protocol/openid-connect/token",
/// );
/// ```
pub fn map_scheme_urls<T: ScopeTable>(
    openapi: &mut OpenApi,
    mut url: impl FnMut(&str) -> String,
) -> usize {
    let mut rewritten = 0;
    let mut map = |value: &mut String| *value = url(value);
    for name in super::scheme_names::<T>() {
        let scheme = openapi
            .components
            .as_mut()
            .and_then(|components| components.security_schemes.get_mut(name));
        match scheme {
            Some(RefOr::T(SecurityScheme::OAuth2(oauth2))) => {
                rewritten += 1;
                for flow in oauth2.flows.values_mut() {
                    let (authorization, token, refresh) = match flow {
                        Flow::Implicit(flow) => (
                            Some(&mut flow.authorization_url),
                            None,
                            &mut flow.refresh_url,
                        ),
                        Flow::Password(flow) => {
                            (None, Some(&mut flow.token_url), &mut flow.refresh_url)
                        }
                        Flow::ClientCredentials(flow) => {
                            (None, Some(&mut flow.token_url), &mut flow.refresh_url)
                        }
                        Flow::AuthorizationCode(flow) => (
                            Some(&mut flow.authorization_url),
                            Some(&mut flow.token_url),
                            &mut flow.refresh_url,
                        ),
                        Flow::DeviceAuthorization(flow) => (
                            Some(&mut flow.device_authorization_url),
                            Some(&mut flow.token_url),
                            &mut flow.refresh_url,
                        ),
                    };
                    authorization
                        .into_iter()
                        .chain(token)
                        .chain(refresh.as_mut())
                        .for_each(&mut map);
                }
            }
            Some(RefOr::T(SecurityScheme::OpenIdConnect(oidc))) => {
                rewritten += 1;
                map(&mut oidc.open_id_connect_url);
            }
            _ => {}
        }
    }
    if rewritten == 0 && super::scheme_names::<T>().next().is_some() {
        tracing::warn!(
            "map_scheme_urls: the document holds none of the table's security schemes; call it on the finished document (after the table's schemes were added)"
        );
    }
    rewritten
}

/// The security schemes `T` declares, by name.
pub fn security_schemes<T: ScopeTable>() -> Vec<(&'static str, SecurityScheme)> {
    let declared = T::SECURITY;
    let mut schemes = Vec::new();
    if let Some(oauth2) = declared.oauth2 {
        let flows = oauth2.flows.iter().map(|flow| utoipa_flow::<T>(flow));
        schemes.push((oauth2.name, SecurityScheme::OAuth2(OAuth2::new(flows))));
    }
    if let Some(oidc) = declared.openid_connect {
        let scheme = SecurityScheme::OpenIdConnect(OpenIdConnect::new(oidc.url));
        schemes.push((oidc.name, scheme));
    }
    schemes
}

fn utoipa_flow<T: ScopeTable>(flow: &OAuth2Flow) -> Flow {
    let scopes = || Scopes::from_iter(T::iter().map(|scope| (scope.name, scope.description)));
    // `scopes!` refuses a flow without the URLs it needs, so these are always present.
    let url = |url: Option<&'static str>| url.unwrap_or_default();
    let token_url = url(flow.token_url);
    let authorization_url = url(flow.authorization_url);
    match (flow.kind, flow.refresh_url) {
        (FlowKind::Password, None) => Flow::Password(Password::new(token_url, scopes())),
        (FlowKind::Password, Some(refresh)) => {
            Flow::Password(Password::with_refresh_url(token_url, scopes(), refresh))
        }
        (FlowKind::ClientCredentials, None) => {
            Flow::ClientCredentials(ClientCredentials::new(token_url, scopes()))
        }
        (FlowKind::ClientCredentials, Some(refresh)) => Flow::ClientCredentials(
            ClientCredentials::with_refresh_url(token_url, scopes(), refresh),
        ),
        (FlowKind::AuthorizationCode, None) => Flow::AuthorizationCode(AuthorizationCode::new(
            authorization_url,
            token_url,
            scopes(),
        )),
        (FlowKind::AuthorizationCode, Some(refresh)) => Flow::AuthorizationCode(
            AuthorizationCode::with_refresh_url(authorization_url, token_url, scopes(), refresh),
        ),
        (FlowKind::Implicit, None) => Flow::Implicit(Implicit::new(authorization_url, scopes())),
        (FlowKind::Implicit, Some(refresh)) => Flow::Implicit(Implicit::with_refresh_url(
            authorization_url,
            scopes(),
            refresh,
        )),
    }
}

/// Documents `operation` as `security` describes it: sets its `security` and adds the
/// `401` and `403` responses, keeping any response the operation already documents.
pub fn secure_operation<T: ScopeTable>(operation: &mut Operation, security: &OperationSecurity<T>) {
    operation.security = Some(security_requirements(security));
    insert_responses(operation, &security.responses());
}

/// Rewrites the `400`/`401`/`403` responses that `#[requires_scopes]` documented as a
/// verifier answering in `mode` gives them: with [`ResponseMode::FastApi`], `401` for
/// a missing scope too, challenged with `Bearer scope="…"`. Responses the operations
/// documented themselves are kept.
///
/// ```
/// # use scopes_core::openapi::utoipa::document_response_mode;
/// # use scopes_core::ResponseMode;
/// # fn doc() -> utoipa::openapi::OpenApi { utoipa::openapi::OpenApiBuilder::new().build() }
/// let mut openapi = doc();
/// document_response_mode(&mut openapi, ResponseMode::FastApi);
/// ```
///
/// [`ResponseMode::FastApi`]: crate::ResponseMode::FastApi
pub fn document_response_mode(openapi: &mut OpenApi, mode: crate::http::refusal::ResponseMode) {
    for operation in all_operations(openapi) {
        if !documented_here(operation) {
            continue;
        }
        let Some(security) = operation.security.as_ref() else {
            continue;
        };
        let scope = scope_of(security);
        replace_responses(operation, &ProtectedResponses::new(scope).in_mode(mode));
    }
}

/// Documents the `DPoP` scheme and the operations that take it, as
/// [`openapi::document_dpop`](super::document_dpop) says, on utoipa's document. Call it
/// last, on the finished document.
///
/// utoipa cannot name the `DPoP` HTTP authentication scheme (its `HttpAuthScheme` is a
/// closed list), so here the scheme is the `DPoP` proof header (`type: apiKey`, `in:
/// header`, `name: DPoP`), its description saying the rest. For `type: http, scheme:
/// DPoP`, serialize the document and call
/// [`openapi::document_dpop`](super::document_dpop) on the JSON instead.
pub fn document_dpop(openapi: &mut OpenApi, dpop: &crate::http::Dpop) {
    let mut scheme = super::dpop::scheme(dpop);
    scheme["type"] = "apiKey".into();
    scheme["in"] = "header".into();
    scheme["name"] = "DPoP".into();
    if let Some(object) = scheme.as_object_mut() {
        object.remove("scheme");
    }
    // Our own JSON, in OpenAPI's field names: a failure to read it is a bug here.
    let scheme: SecurityScheme =
        serde_json::from_value(scheme).expect("scopes-core builds schemes utoipa can read");
    openapi
        .components
        .get_or_insert_with(Default::default)
        .security_schemes
        .insert(super::DPOP_SCHEME.to_owned(), RefOr::T(scheme));
    let required = dpop.advertised().1;
    for operation in all_operations(openapi) {
        let Ok(mut json) = serde_json::to_value(&*operation) else {
            continue;
        };
        if super::dpop::secure_operation(&mut json, required) {
            operation.security = serde_json::from_value(json["security"].take())
                .expect("scopes-core builds requirements utoipa can read");
        }
    }
}

/// Adds what `L` requires, a router layer's requirement (see
/// [`RequireScopesLayer`](crate::RequireScopesLayer)), to every operation of `openapi`:
/// call it on the document of the routes the layer wraps (utoipa-axum's
/// `OpenApiRouter::split_for_parts`, say) before nesting or merging it. Each operation
/// then requires its own scopes and the layer's (FastAPI's `dependencies=[Security(…)]`),
/// and its 400/401/403 responses name them all. Call it before
/// [`document_response_mode`], which rewrites those responses last.
///
/// Without utoipa-axum (routes listed in `#[openapi(paths(…))]`, the layer wrapping some
/// of them), [`add_layer_security_under`] adds it to the operations at or below the path
/// the layered router is nested at.
pub fn add_layer_security<T: ScopeTable, L: RequiredScopes<T>>(openapi: &mut OpenApi) {
    add_layer_security_under::<T, L>(openapi, "");
}

/// [`add_layer_security`] for the operations of `openapi` whose path is `prefix` or
/// below it (`"/admin"`: `/admin` and `/admin/stats`, not `/administrators`; `""` for
/// every path; a template as the document writes it, `/t/{tenant}`), as aide's
/// `openapi::aide::add_layer_security` takes it: for a document of all the routes, of
/// which the layered router nested at `prefix` is a part.
pub fn add_layer_security_under<T: ScopeTable, L: RequiredScopes<T>>(
    openapi: &mut OpenApi,
    prefix: &str,
) {
    let layer = L::composed();
    let under = super::under(prefix);
    let layered = openapi
        .paths
        .paths
        .iter_mut()
        .filter(|(path, _)| under(path))
        .flat_map(|(_, item)| operations(item));
    let mut matched = 0;
    for operation in layered {
        matched += 1;
        let ours = documented_here(operation) || !operation.responses.responses.contains_key("401");
        // The operation's own alternatives, joined with the layer's.
        // No security, `[]` or `[{}]` (optional authentication) all leave the layer's.
        // Objects with a scheme of another table (a scoped extractor of that table) keep
        // that part; the layer's scopes join the part of `T`'s schemes.
        let (own, foreign) = split_by_table::<T>(operation.security.as_deref().unwrap_or(&[]));
        let joined = super::joined_keeping(own, layer);
        let security = match foreign.is_empty() {
            true => to_utoipa(joined),
            false => to_utoipa(
                joined
                    .iter()
                    .flat_map(|ours| {
                        foreign.iter().map(move |theirs| {
                            let mut both = theirs.clone();
                            both.extend(
                                ours.iter()
                                    .map(|(scheme, scopes)| (scheme.to_string(), scopes.clone())),
                            );
                            both
                        })
                    })
                    .collect(),
            ),
        };
        let scope = scope_of(&security);
        operation.security = Some(security);
        if ours {
            // The layer's step-up requirement (RFC 9470) too, composed with the
            // operation's.
            let step_up = super::responses::StepUp::of(layer.iter());
            replace_responses(
                operation,
                &ProtectedResponses::new(scope).with_step_up(step_up),
            );
        }
    }
    super::warn_if_no_operation_under(prefix, matched);
}

/// Requirement objects as utoipa's: one each, all its schemes in it (an object with a
/// scheme of another table's too requires both).
fn to_utoipa<K: Into<String>, S: Into<String>>(
    objects: Vec<std::collections::BTreeMap<K, Vec<S>>>,
) -> Vec<SecurityRequirement> {
    objects
        .into_iter()
        .filter_map(|object| {
            let mut schemes = object.into_iter();
            let (scheme, scopes) = schemes.next()?;
            let first = SecurityRequirement::new(scheme, scopes);
            Some(schemes.fold(first, |object, (scheme, scopes)| object.add(scheme, scopes)))
        })
        .collect()
}

/// A requirement object read back: scheme name → scope names.
type Schemes = std::collections::BTreeMap<String, Vec<String>>;

/// Requirement objects read back.
fn objects_of(security: &[SecurityRequirement]) -> Vec<Schemes> {
    security
        .iter()
        .filter_map(|requirement| {
            serde_json::from_value(serde_json::to_value(requirement).ok()?).ok()
        })
        .collect()
}

/// Adds `list` to `lists` unless it holds the same names already.
fn push_distinct(lists: &mut Vec<Vec<String>>, list: &[String]) {
    let same = |known: &Vec<String>| {
        known.len() == list.len() && known.iter().all(|name| list.contains(name))
    };
    if !lists.iter().any(same) {
        lists.push(list.to_vec());
    }
}

/// An operation's requirement objects apart: the distinct scope lists under `T`'s
/// schemes (one per alternative, whatever the scheme), and, for each object, what it
/// requires under the schemes of other tables (none when every object is `T`'s alone).
fn split_by_table<T: ScopeTable>(
    security: &[SecurityRequirement],
) -> (Vec<Vec<String>>, Vec<Schemes>) {
    let ours: Vec<&'static str> = super::scheme_names::<T>().collect();
    let (mut own, mut foreign) = (Vec::new(), Vec::new());
    for object in objects_of(security) {
        let (mine, theirs): (Schemes, Schemes) = object
            .into_iter()
            .partition(|(scheme, _)| ours.contains(&scheme.as_str()));
        for list in mine.values() {
            push_distinct(&mut own, list);
        }
        if !theirs.is_empty() && !foreign.contains(&theirs) {
            foreign.push(theirs);
        }
    }
    (own, foreign)
}

/// The distinct scope lists of requirement objects (one list per alternative, whatever
/// the scheme).
fn alternatives(security: &[SecurityRequirement]) -> Vec<Vec<String>> {
    let mut lists = Vec::new();
    for object in objects_of(security) {
        for list in object.values() {
            push_distinct(&mut lists, list);
        }
    }
    lists
}

/// Whether the operation's `401` is the one `#[requires_scopes]` documents: it carries
/// the crate's marker extension.
fn documented_here(operation: &Operation) -> bool {
    match operation.responses.responses.get("401") {
        Some(RefOr::T(response)) => response
            .extensions
            .as_ref()
            .is_some_and(|extensions| extensions.contains_key(super::responses::MARKER)),
        _ => false,
    }
}

fn replace_responses(operation: &mut Operation, responses: &ProtectedResponses) {
    // The step-up requirement the operation was documented with (RFC 9470) is kept.
    let step_up = match operation.responses.responses.remove("401") {
        Some(RefOr::T(response)) => response
            .extensions
            .as_ref()
            .and_then(|extensions| extensions.get(super::responses::STEP_UP))
            .and_then(|value| serde_json::from_value(value.clone()).ok()),
        _ => None,
    };
    // The other refusals this crate wrote are written again; the operation's own (a
    // 400 or 403 it documents itself) are kept.
    operation
        .responses
        .responses
        .retain(|_, response| match response {
            RefOr::T(response) => !response
                .extensions
                .as_ref()
                .is_some_and(|extensions| extensions.contains_key(super::responses::MARKER)),
            RefOr::Ref(_) => true,
        });
    insert_responses(operation, &responses.clone().with_step_up(step_up));
}

fn all_operations(openapi: &mut OpenApi) -> impl Iterator<Item = &mut Operation> {
    openapi.paths.paths.values_mut().flat_map(operations)
}

/// Every scope the requirement objects name, each once, in order: the challenge's
/// `scope`.
fn scope_of(security: &[SecurityRequirement]) -> String {
    let mut names: Vec<String> = Vec::new();
    for name in alternatives(security).into_iter().flatten() {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names.join(" ")
}

fn operations(item: &mut ::utoipa::openapi::PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.options,
        &mut item.head,
        &mut item.patch,
        &mut item.trace,
    ]
    .into_iter()
    .filter_map(Option::as_mut)
}

fn insert_responses(operation: &mut Operation, responses: &ProtectedResponses) {
    for (status, response) in responses.entries() {
        if operation.responses.responses.contains_key(status) {
            continue;
        }
        // Our own JSON, built from utoipa's field names: a failure is a bug here.
        let response: Response = serde_json::from_value(response)
            .expect("scopes-core builds response objects utoipa can read");
        operation
            .responses
            .responses
            .insert(status.to_owned(), RefOr::T(response));
    }
}

/// `security` as utoipa's requirement objects.
pub fn security_requirements<T: ScopeTable>(
    security: &OperationSecurity<T>,
) -> Vec<SecurityRequirement> {
    to_utoipa(security.requirements())
}

/// Called by the `__path_<handler>` impl that `#[requires_scopes]` emits: `operation`
/// secured with the requirement of the handler whose check is `R`, for its table (which
/// `R` names, so that a path that is no table is one error, where the attribute names
/// it).
#[doc(hidden)]
pub fn secured_operation<R: HandlerCheck>(operation: Operation) -> Operation {
    R::with_table(Secured(operation))
}

/// [`secured_operation`] for a handler's table.
struct Secured(Operation);

impl TableVisitor for Secured {
    type Output = Operation;

    fn visit<T: ScopeTable>(self, composed: Composed<T>) -> Operation {
        let Self(mut operation) = self;
        secure_operation(&mut operation, &OperationSecurity::of_composed(composed));
        operation
    }
}

/// What `__path_<handler>` is for a `#[requires_scopes]` handler without
/// `#[utoipa::path]` below it (re-exported under that name, through a glob import that
/// utoipa's own `__path_` type shadows): see `__utoipa_order_guard!`.
///
/// utoipa-axum's `routes!` and `#[openapi(paths(…))]` call `path`, `operation`,
/// `methods`, `tags` and `schemas` on a `__path_` type. Here `path` has a bound nothing
/// meets ([`UtoipaPathBelow`](crate::__private::UtoipaPathBelow)), so that the error
/// says the handler has no `#[utoipa::path]` (utoipa's own traits would report bounds
/// of its private `PathConfig`, `Tags`…); the rest is there so that nothing else fails.
/// Never called. Generic, its parameter defaulted, so that `path`'s bound is not a
/// trivial one (which rustc would report where it is written).
#[doc(hidden)]
#[allow(missing_debug_implementations)]
pub struct NoUtoipaPath<X: ?Sized = ()>(core::marker::PhantomData<X>);

// Not offered in the error as "implemented for `NoUtoipaPath`".
#[diagnostic::do_not_recommend]
impl crate::__private::NoUtoipaPathAbove for NoUtoipaPath {}

impl<X: ?Sized> NoUtoipaPath<X> {
    /// Fails the build: the handler has no `#[utoipa::path]`.
    pub fn path() -> String
    where
        Self: crate::__private::UtoipaPathBelow,
    {
        unreachable!("NoUtoipaPath::path has a bound nothing meets")
    }
}

impl NoUtoipaPath {
    /// Never called (see [`NoUtoipaPath::path`]).
    pub fn operation() -> Operation {
        unreachable!("NoUtoipaPath::path fails the build first")
    }

    /// Never called (see [`NoUtoipaPath::path`]).
    pub fn methods() -> Vec<::utoipa::openapi::path::HttpMethod> {
        unreachable!("NoUtoipaPath::path fails the build first")
    }
}

impl<'t> ::utoipa::__dev::Tags<'t> for NoUtoipaPath {
    fn tags() -> Vec<&'t str> {
        unreachable!("NoUtoipaPath::path fails the build first")
    }
}

impl ::utoipa::__dev::SchemaReferences for NoUtoipaPath {
    fn schemas(_: &mut Vec<(String, RefOr<::utoipa::openapi::schema::Schema>)>) {}
}

/// The table's `Modify` impl and the handler's `__path_` wrapper, emitted through
/// `scopes_core` so that they exist only with the feature.
#[doc(hidden)]
#[macro_export]
macro_rules! __utoipa_table {
    ($table:ty) => {
        impl $crate::__private::utoipa::Modify for $table {
            fn modify(&self, openapi: &mut $crate::__private::utoipa::openapi::OpenApi) {
                $crate::openapi::utoipa::add_security_schemes::<$table>(openapi);
            }
        }
    };
}

/// `__path_<handler>`: utoipa's operation (generated for `$inner` through `impl_for`),
/// secured.
///
/// The one use of utoipa's private `__dev` traits (`Tags`, `SchemaReferences`), written
/// against utoipa 6.0: `#[openapi(paths(...))]` and utoipa-axum's `routes!` require them
/// of every `__path_` type, and no public trait lets a wrapper forward them. Everything
/// else goes through utoipa's public `Path` and `openapi` types.
#[doc(hidden)]
#[macro_export]
macro_rules! __utoipa_path {
    ($vis:vis $path:ident => $inner:ident, $requirement:ty) => {
        #[doc(hidden)]
        #[allow(non_camel_case_types, unreachable_pub)]
        #[derive(::core::clone::Clone)]
        $vis struct $path;

        impl<'t> $crate::__private::utoipa::__dev::Tags<'t> for $path {
            fn tags() -> ::std::vec::Vec<&'t str> {
                <$inner as $crate::__private::utoipa::__dev::Tags<'t>>::tags()
            }
        }

        impl $crate::__private::utoipa::Path for $path {
            fn path() -> ::std::string::String {
                <$inner as $crate::__private::utoipa::Path>::path()
            }

            fn methods() -> ::std::vec::Vec<$crate::__private::utoipa::openapi::path::HttpMethod> {
                <$inner as $crate::__private::utoipa::Path>::methods()
            }

            fn operation() -> $crate::__private::utoipa::openapi::path::Operation {
                $crate::openapi::utoipa::secured_operation::<$requirement>(
                    <$inner as $crate::__private::utoipa::Path>::operation(),
                )
            }
        }

        impl $crate::__private::utoipa::__dev::SchemaReferences for $path {
            fn schemas(
                schemas: &mut ::std::vec::Vec<(
                    ::std::string::String,
                    $crate::__private::utoipa::openapi::RefOr<
                        $crate::__private::utoipa::openapi::schema::Schema,
                    >,
                )>,
            ) {
                <$inner as $crate::__private::utoipa::__dev::SchemaReferences>::schemas(schemas);
            }
        }
    };
}

/// `responses(GrantError)` in `#[utoipa::path]` of a token endpoint: the RFC 6749 §5.2
/// errors, `400` and `401` (`invalid_client`).
impl ::utoipa::IntoResponses for crate::issuer::GrantError {
    fn responses() -> std::collections::BTreeMap<String, RefOr<Response>> {
        super::responses::grant_errors()
            .into_iter()
            .map(|(status, response)| {
                // Our own JSON, built from utoipa's field names: a failure is a bug here.
                let response: Response = serde_json::from_value(response)
                    .expect("scopes-core builds response objects utoipa can read");
                (status.to_owned(), RefOr::T(response))
            })
            .collect()
    }
}

/// [`PasswordForm`](crate::issuer::PasswordForm)'s schema, `grant_type` optional.
impl ::utoipa::PartialSchema for crate::issuer::LaxPasswordForm {
    fn schema() -> RefOr<::utoipa::openapi::schema::Schema> {
        use ::utoipa::openapi::schema::Schema;
        let mut schema = <crate::issuer::PasswordForm as ::utoipa::PartialSchema>::schema();
        if let RefOr::T(Schema::Object(object)) = &mut schema {
            object.required.retain(|name| name != "grant_type");
            if let Some(RefOr::T(Schema::Object(grant_type))) =
                object.properties.get_mut("grant_type")
            {
                grant_type.description =
                    Some("`password`, or absent (taken as `password`).".into());
                grant_type.pattern = Some("^(password)?$".into());
            }
        }
        schema
    }
}

impl ::utoipa::ToSchema for crate::issuer::LaxPasswordForm {}
