//! [aide](https://docs.rs/aide) integration (feature `aide`).
//!
//! - [`Authorized`], which `#[requires_scopes]` injects, documents
//!   its operation: `security` (the handler's scopes, then its scoped extractors') and
//!   the `400`/`401`/`403` responses with their RFC 6750 challenges (a status the
//!   operation documents itself is kept). Nothing to write twice.
//! - The crate's other extractors and responses take part in aide's inference:
//!   [`Claims`] and [`SecurityScopes`] add nothing (`Claims<T>` names no table, so it
//!   cannot say whose schemes a token comes from: a route that `Claims` alone protects is
//!   documented as public; give it a bare `#[requires_scopes]`, "any valid token", and it
//!   is documented as protected, with its `401`),
//!   [`PasswordForm`] and [`LaxPasswordForm`] document their form body,
//!   [`AccessTokenResponse`] and
//!   [`GrantError`] their responses.
//! - [`add_security_schemes`] declares the table's schemes in the document
//!   (`finish_api_with(&mut api, add_security_schemes::<Scopes>)`); without it, the
//!   operations name schemes the document lacks. [`security_schemes`] gives them one
//!   by one.
//!
//! - A scoped extractor (`#[requires_scopes]` on its `FromRequestParts` impl) gets its
//!   `aide::OperationInput` impl from the attribute: it documents its scopes and
//!   refusals wherever it is used, beside the handler's (both required) or alone, so a
//!   route protected by the extractor alone is documented as protected. Do not write
//!   that impl yourself (it would conflict, E0119).
//!
//! - A router layer's scopes (`RequireScopesLayer`) are not in aide's inference (aide
//!   never sees a layer): [`add_layer_security`] adds them to the operations below the
//!   path the layered router is nested at, on the finished document.
//!
//! Your other extractors need `impl aide::OperationInput for YourExtractor {}`, as aide
//! asks of every extractor.
//!
//! ```
//! use aide::axum::{ApiRouter, routing::get};
//! use aide::openapi::OpenApi;
//! use scopes_core::{Verifier, Key, requires_scopes, scopes};
//!
//! scopes! {
//!     Scopes { "items": "Read items." }
//!     oauth2 "OAuth2PasswordBearer" { password { token_url: "token" } }
//! }
//!
//! #[requires_scopes("items")]
//! async fn read_items() -> String {
//!     "[]".to_owned()
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let verifier = Verifier::new(Key::hs256([7; 32])?)?;
//! let mut api = OpenApi::default();
//! let _app: axum::Router = ApiRouter::new()
//!     .api_route("/items/", get(read_items))
//!     .finish_api_with(&mut api, scopes_core::openapi::aide::add_security_schemes::<Scopes>)
//!     .with_state(verifier);
//! let doc = serde_json::to_value(&api)?;
//! let get = &doc["paths"]["/items/"]["get"];
//! assert_eq!(get["security"], serde_json::json!([{ "OAuth2PasswordBearer": ["items"] }]));
//! assert!(get["responses"]["403"].is_object());
//! // Declared, and valid OpenAPI 3.1 (no `"refreshUrl": null`).
//! let password = &doc["components"]["securitySchemes"]["OAuth2PasswordBearer"]["flows"]["password"];
//! assert_eq!(password["tokenUrl"], "token");
//! assert_eq!(password["refreshUrl"], "token");
//! # Ok(()) }
//! ```

use ::aide::generate::GenContext;
use ::aide::openapi::{Operation, ReferenceOr, RequestBody, Response, SecurityScheme};
use ::aide::{OperationInput, OperationOutput};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::{OperationSecurity, responses::grant_errors, security_schemes as schemes_json};
use crate::http::refusal::ResponseMode;
use crate::http::{
    Authorized, CheckIn, CheckInSole, Claims, HandlerCheck, NeedsVerifierInState,
    NeedsVerifierInStateSole, SecurityScopes, TableVisitor,
};
use crate::issuer::{AccessTokenResponse, GrantError, LaxPasswordForm, PasswordForm};
use crate::table::{Composed, RequiredScopes, ScopeTable};

/// The security schemes `T` declares, by name, for `TransformOpenApi::security_scheme`;
/// [`add_security_schemes`] adds them all in one call.
///
/// A flow the table declares without `refresh_url` gets its token URL as one (refresh
/// requests go to the token endpoint, RFC 6749 §6; an implicit flow, which has none,
/// its authorization URL): aide 0.15 writes a missing refresh URL as
/// `"refreshUrl": null`, which OpenAPI 3.1 does not allow, so validators would refuse
/// the document.
pub fn security_schemes<T: ScopeTable>() -> Vec<(String, SecurityScheme)> {
    let Value::Object(schemes) = serde_json::to_value(schemes_json::<T>()).unwrap_or_default()
    else {
        return Vec::new();
    };
    schemes
        .into_iter()
        .map(|(name, mut scheme)| {
            if let Some(Value::Object(flows)) = scheme.get_mut("flows") {
                for flow in flows.values_mut() {
                    let Value::Object(flow) = flow else { continue };
                    if flow.contains_key("refreshUrl") {
                        continue;
                    }
                    let url = flow
                        .get("tokenUrl")
                        .or_else(|| flow.get("authorizationUrl"));
                    if let Some(url) = url.cloned() {
                        flow.insert("refreshUrl".to_owned(), url);
                    }
                }
            }
            (name, read(scheme))
        })
        .collect()
}

/// Adds the security schemes `T` declares to the document (`components.securitySchemes`),
/// which the operations' `security` names: call it in `finish_api_with`, as
/// `api_router.finish_api_with(&mut api, add_security_schemes::<Scopes>)`, or on the
/// `TransformOpenApi` of your own transform. Without it, the operations name schemes
/// the document does not declare.
pub fn add_security_schemes<T: ScopeTable>(
    mut doc: ::aide::transform::TransformOpenApi<'_>,
) -> ::aide::transform::TransformOpenApi<'_> {
    for (name, scheme) in security_schemes::<T>() {
        doc = doc.security_scheme(&name, scheme);
    }
    doc
}

/// Rewrites the URLs of the security schemes `T` declares in `openapi` (the flows'
/// authorization, token and refresh URLs, the OpenID Connect URL) with `url`: for URLs
/// known only at run time, such as an identity provider that differs from one
/// environment to the next. The table's URLs are then templates of your own
/// (`"{issuer}/protocol/openid-connect/token"`); schemes of other names are left alone.
/// Call it on the finished document (after `finish_api`), as
/// `openapi::utoipa::map_scheme_urls` is called on utoipa's.
/// Returns how many schemes it rewrote; none also logs a warning.
pub fn map_scheme_urls<T: ScopeTable>(
    openapi: &mut aide::openapi::OpenApi,
    mut url: impl FnMut(&str) -> String,
) -> usize {
    use aide::openapi::OAuth2Flow;
    let mut rewritten = 0;
    let mut map = |value: &mut String| *value = url(value);
    for name in super::scheme_names::<T>() {
        let scheme = openapi
            .components
            .as_mut()
            .and_then(|components| components.security_schemes.get_mut(name));
        match scheme {
            Some(ReferenceOr::Item(SecurityScheme::OAuth2 { flows, .. })) => {
                rewritten += 1;
                let flows = [
                    &mut flows.implicit,
                    &mut flows.password,
                    &mut flows.client_credentials,
                    &mut flows.authorization_code,
                ];
                for flow in flows.into_iter().flatten() {
                    let (authorization, token, refresh) = match flow {
                        OAuth2Flow::Implicit {
                            authorization_url,
                            refresh_url,
                            ..
                        } => (Some(authorization_url), None, refresh_url),
                        OAuth2Flow::Password {
                            token_url,
                            refresh_url,
                            ..
                        }
                        | OAuth2Flow::ClientCredentials {
                            token_url,
                            refresh_url,
                            ..
                        } => (None, Some(token_url), refresh_url),
                        OAuth2Flow::AuthorizationCode {
                            authorization_url,
                            token_url,
                            refresh_url,
                            ..
                        } => (Some(authorization_url), Some(token_url), refresh_url),
                    };
                    authorization
                        .into_iter()
                        .chain(token)
                        .chain(refresh.as_mut())
                        .for_each(&mut map);
                }
            }
            Some(ReferenceOr::Item(SecurityScheme::OpenIdConnect {
                open_id_connect_url,
                ..
            })) => {
                rewritten += 1;
                map(open_id_connect_url);
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

/// Documents the `DPoP` scheme and the operations that take it, as
/// [`openapi::document_dpop`](super::document_dpop) says, on aide's document. Call it
/// last, on the finished document (after `finish_api`).
pub fn document_dpop(openapi: &mut aide::openapi::OpenApi, dpop: &crate::http::Dpop) {
    use aide::openapi::ReferenceOr;
    let components = openapi.components.get_or_insert_with(Default::default);
    components.security_schemes.insert(
        super::DPOP_SCHEME.to_owned(),
        ReferenceOr::Item(read(super::dpop::scheme(dpop))),
    );
    let required = dpop.advertised().1;
    for (_, operation) in operations_mut(openapi) {
        let Ok(mut json) = serde_json::to_value(&*operation) else {
            continue;
        };
        if super::dpop::secure_operation(&mut json, required) {
            operation.security = read(json["security"].take());
        }
    }
}

/// Our own JSON, in OpenAPI's field names, read into aide's types: a failure is a bug
/// here.
fn read<V: DeserializeOwned>(value: Value) -> V {
    serde_json::from_value(value).expect("scopes-core builds objects aide can read")
}

fn status(status: &str) -> Option<u16> {
    status.parse().ok()
}

/// What a token endpoint refuses with, as `GrantError` answers.
fn grant_error_responses() -> Vec<(Option<u16>, Response)> {
    grant_errors()
        .into_iter()
        .map(|(code, response)| (status(code), read(response)))
        .collect()
}

impl<T: ScopeTable, R: RequiredScopes<T>> OperationInput for Authorized<T, R> {
    fn operation_input(_ctx: &mut GenContext, operation: &mut Operation) {
        checked_input(operation, R::parts(), core::any::type_name::<R>());
    }

    fn inferred_early_responses(
        _ctx: &mut GenContext,
        operation: &mut Operation,
    ) -> Vec<(Option<u16>, Response)> {
        checked_responses(operation, R::parts(), core::any::type_name::<R>())
    }
}

/// What a check (`Authorized`, or the one `#[requires_scopes]` injects) documents of
/// the operation: the `security` of `composed`, its refusals claimed by `by`.
fn checked_input<T: ScopeTable>(
    operation: &mut Operation,
    composed: Composed<T>,
    by: &'static str,
) {
    // The scoped extractors of other tables add theirs when aide asks them.
    let security = OperationSecurity::of_composed(composed)
        .of_its_table()
        .requirements();
    operation.security = security.into_iter().map(to_aide).collect();
    claim_responses(operation, by);
}

/// The refusals a check answers with, when `by` claimed them ([`checked_input`]).
fn checked_responses<T: ScopeTable>(
    operation: &mut Operation,
    composed: Composed<T>,
    by: &'static str,
) -> Vec<(Option<u16>, Response)> {
    if !responses_mine(operation, by) {
        return Vec::new();
    }
    early(
        operation,
        &OperationSecurity::of_composed(composed).responses(),
    )
}

/// `responses` as aide's inferred early responses, but for a status the operation has
/// already (its handler's output documents it, say): aide would report each of those
/// as a conflict (`InferredResponseConflict`), and the operation's own is kept.
fn early(
    operation: &Operation,
    responses: &super::responses::ProtectedResponses,
) -> Vec<(Option<u16>, Response)> {
    let present = |code: u16| {
        operation.responses.as_ref().is_some_and(|responses| {
            responses
                .responses
                .contains_key(&aide::openapi::StatusCode::Code(code))
        })
    };
    responses
        .entries()
        .into_iter()
        .filter_map(|(code, response)| status(code).map(|code| (code, response)))
        .filter(|(code, _)| !present(*code))
        .map(|(code, response)| (Some(code), read(response)))
        .collect()
}

/// What `#[requires_scopes]` injects documents what [`Authorized`] does, for the
/// handler's table: [`NeedsVerifierInState`] and [`NeedsVerifierInStateSole`] alike.
macro_rules! injected_input {
    ($($injected:ident),*) => {$(
        impl<R: HandlerCheck> OperationInput for $injected<R> {
            fn operation_input(_ctx: &mut GenContext, operation: &mut Operation) {
                R::with_table(Input(operation, core::any::type_name::<R>()));
            }

            fn inferred_early_responses(
                _ctx: &mut GenContext,
                operation: &mut Operation,
            ) -> Vec<(Option<u16>, Response)> {
                R::with_table(Responses(operation, core::any::type_name::<R>()))
            }
        }
    )*};
}

injected_input!(NeedsVerifierInState, NeedsVerifierInStateSole);

/// The same for the injected checks that name the router's state.
macro_rules! injected_input_in {
    ($($injected:ident),*) => {$(
        impl<R: HandlerCheck, S> OperationInput for $injected<R, S> {
            fn operation_input(ctx: &mut GenContext, operation: &mut Operation) {
                <NeedsVerifierInState<R> as OperationInput>::operation_input(ctx, operation);
            }

            fn inferred_early_responses(
                ctx: &mut GenContext,
                operation: &mut Operation,
            ) -> Vec<(Option<u16>, Response)> {
                <NeedsVerifierInState<R> as OperationInput>::inferred_early_responses(ctx, operation)
            }
        }
    )*};
}

injected_input_in!(CheckIn, CheckInSole);

/// [`checked_input`] for a handler's table, the input named by its check's type.
struct Input<'a>(&'a mut Operation, &'static str);

impl TableVisitor for Input<'_> {
    type Output = ();

    fn visit<T: ScopeTable>(self, composed: Composed<T>) {
        checked_input(self.0, composed, self.1);
    }
}

/// [`checked_responses`] for a handler's table, the input named by its check's type.
struct Responses<'a>(&'a mut Operation, &'static str);

impl TableVisitor for Responses<'_> {
    type Output = Vec<(Option<u16>, Response)>;

    fn visit<T: ScopeTable>(self, composed: Composed<T>) -> Self::Output {
        checked_responses(self.0, composed, self.1)
    }
}

/// [`OperationInput::operation_input`] of a scoped extractor (`#[requires_scopes]` on its
/// `FromRequestParts` impl writes the impl that calls it): what `R` requires, required
/// beside what the operation requires already (a handler's attribute, other scoped
/// extractors), so that a handler protected by the extractor alone is documented as
/// protected. The operation's requirement objects of `T`'s schemes are joined with
/// `R`'s as a router layer's are (`openapi::utoipa::add_layer_security`
/// for utoipa); objects of another table's schemes each require `R`'s too.
///
/// # Panics
///
/// When `T` declares no OpenAPI security scheme: the operation could not be documented
/// as secured (a handler's attribute makes that a compile error; an extractor's impl
/// is compiled whether aide documents it or not, so it is refused here, when it is).
#[doc(hidden)] // the attribute's, on a scoped extractor's impl
pub fn scoped_input<T: ScopeTable, R: RequiredScopes<T>>(
    _ctx: &mut GenContext,
    operation: &mut Operation,
) {
    if let Some(message) = crate::table::check::missing_scheme::<T>(T::NAME) {
        panic!("{}", message.as_str());
    }
    join_into::<T>(operation, R::composed());
    claim_responses(operation, core::any::type_name::<R>());
}

/// A requirement object as aide's.
fn to_aide<S: Into<String>>(
    object: std::collections::BTreeMap<&'static str, Vec<S>>,
) -> aide::openapi::SecurityRequirement {
    object
        .into_iter()
        .map(|(scheme, scopes)| {
            let scopes = scopes.into_iter().map(Into::into).collect();
            (scheme.to_owned(), scopes)
        })
        .collect()
}

/// Requires `added` of the operation beside what it requires already: its requirement
/// objects of `T`'s schemes are joined with `added`'s ([`super::joined_requirements`],
/// as utoipa's layers are); objects of another table's schemes each require `added`'s
/// too.
fn join_into<T: ScopeTable>(operation: &mut Operation, added: &[crate::table::Requirement<T>]) {
    let schemes = T::SECURITY;
    let ours = |object: &aide::openapi::SecurityRequirement| {
        object.keys().all(|scheme| {
            schemes.oauth2.is_some_and(|s| s.name == scheme)
                || schemes.openid_connect.is_some_and(|s| s.name == scheme)
        })
    };
    let (own, foreign): (Vec<_>, Vec<_>) = core::mem::take(&mut operation.security)
        .into_iter()
        .partition(ours);
    let own = super::alternatives_of(own.iter().map(|object| object.values()));
    // Another table's names under a scheme of the same name (a handler of a service's
    // table whose scheme is named as the company's) are kept.
    let joined = super::joined_keeping(own, added).into_iter().map(to_aide);
    operation.security = match foreign.is_empty() {
        true => joined.collect(),
        // Another table's objects (an "or" of theirs): each must be met with ours.
        false => joined
            .flat_map(|ours| {
                foreign.iter().map(move |theirs| {
                    let mut both = theirs.clone();
                    both.extend(ours.clone());
                    both
                })
            })
            .collect(),
    };
}

/// Adds what `L` requires, a router layer's requirement (see
/// [`RequireScopesLayer`](crate::RequireScopesLayer)), to the operations of the finished
/// document whose path is `prefix` or below it (`"/admin"`: `/admin` and `/admin/stats`,
/// not `/administrators`; `""` for every path; a template as the document writes it,
/// `/t/{tenant}`), as utoipa's
/// `openapi::utoipa::add_layer_security` does: each then requires
/// its own scopes and the layer's, and its 400/401/403 responses name them all (with the
/// layer's step-up). Call it once per layer, on the document `finish_api` filled, with
/// the path the layered router is nested at. aide's inference cannot see a layer, so
/// without it the layer's routes are documented without the layer's scopes (or as
/// public).
pub fn add_layer_security<T: ScopeTable, L: RequiredScopes<T>>(
    openapi: &mut aide::openapi::OpenApi,
    prefix: &str,
) {
    if let Some(message) = crate::table::check::missing_scheme::<T>(T::NAME) {
        panic!("{}", message.as_str());
    }
    let under = super::under(prefix);
    let layer = L::composed();
    let mut matched = 0;
    for (_, operation) in operations_mut(openapi).filter(|(path, _)| under(path)) {
        matched += 1;
        join_into::<T>(operation, layer);
        let step_up = super::responses::StepUp::of(layer.iter());
        rewrite_refusals(operation, step_up, ResponseMode::Rfc6750);
    }
    super::warn_if_no_operation_under(prefix, matched);
}

/// Documents the refusals of the operations this crate documented as a verifier in
/// `mode` answers them, as `openapi::utoipa::document_response_mode` does on utoipa's
/// document: in [`ResponseMode::FastApi`] a missing scope is a 401 too, challenged with
/// `Bearer scope="…"`, and no 403 is documented. Responses the operations documented
/// themselves are kept. Call it last, on the finished document (after
/// [`add_layer_security`], which writes the RFC 6750 answers).
///
/// [`ResponseMode::FastApi`]: crate::ResponseMode::FastApi
pub fn document_response_mode(openapi: &mut aide::openapi::OpenApi, mode: ResponseMode) {
    for (_, operation) in operations_mut(openapi) {
        let code = aide::openapi::StatusCode::Code(401);
        let documented_here = operation
            .responses
            .as_ref()
            .and_then(|responses| responses.responses.get(&code))
            .is_some_and(|response| match response {
                ReferenceOr::Item(response) => {
                    response.extensions.contains_key(super::responses::MARKER)
                }
                _ => false,
            });
        if documented_here {
            rewrite_refusals(operation, None, mode);
        }
    }
}

/// Writes the refusals this crate documents for `operation` again (its 400, 401 and
/// 403, marked as ours), for its security as it is now, with `step_up` composed with
/// the one its 401 recorded, as a verifier in `mode` answers; the operation's own
/// responses (a 400 or 403 its output documents, a 401 of its own) are kept, and with a
/// 401 of its own nothing is written.
fn rewrite_refusals(
    operation: &mut Operation,
    step_up: Option<super::responses::StepUp>,
    mode: ResponseMode,
) {
    let responses = operation.responses.get_or_insert_with(Default::default);
    let code = |code| aide::openapi::StatusCode::Code(code);
    // A 401 of the operation's own (not one this crate wrote) is kept.
    let ours = match responses.responses.get(&code(401)) {
        None => true,
        Some(ReferenceOr::Item(response)) => {
            response.extensions.contains_key(super::responses::MARKER)
        }
        Some(_) => false,
    };
    if !ours {
        return;
    }
    let recorded = match responses.responses.shift_remove(&code(401)) {
        Some(ReferenceOr::Item(response)) => response
            .extensions
            .get(super::responses::STEP_UP)
            .and_then(|value| serde_json::from_value(value.clone()).ok()),
        _ => None,
    };
    // The other refusals this crate wrote are written again.
    responses.responses.retain(|_, response| match response {
        ReferenceOr::Item(response) => !response.extensions.contains_key(super::responses::MARKER),
        _ => true,
    });
    let written = super::responses::ProtectedResponses::new(security_names(operation))
        .with_step_up(recorded)
        .with_step_up(step_up)
        .in_mode(mode);
    let responses = operation.responses.get_or_insert_with(Default::default);
    for (status_code, response) in written.entries() {
        if let Some(status_code) = status(status_code) {
            responses
                .responses
                .entry(code(status_code))
                .or_insert_with(|| ReferenceOr::Item(read(response)));
        }
    }
}

/// Every operation of the document, with its path.
fn operations_mut(
    openapi: &mut aide::openapi::OpenApi,
) -> impl Iterator<Item = (&str, &mut Operation)> {
    let paths = openapi
        .paths
        .iter_mut()
        .flat_map(|paths| paths.paths.iter_mut());
    paths.flat_map(|(path, item)| {
        let item = match item {
            ReferenceOr::Item(item) => Some(item),
            _ => None,
        };
        item.into_iter().flat_map(move |item| {
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
            .flatten()
            .map(move |operation| (path.as_str(), operation))
        })
    })
}

/// Every scope the operation's requirement objects name, each once, in order: what its
/// 403 challenge's `scope` lists.
fn security_names(operation: &Operation) -> String {
    let mut names: Vec<&str> = Vec::new();
    for requirement in &operation.security {
        for scope in requirement.values().flatten() {
            if !names.contains(&scope.as_str()) {
                names.push(scope);
            }
        }
    }
    names.join(" ")
}

/// Marks, between aide's two passes over an operation's inputs (their `security`, then
/// their responses), the input that writes the operation's refusals: the first to
/// document its security (the handler's check, which comes first, or else the first
/// scoped extractor). aide keeps the first response per status and reports the others
/// as conflicts, so only one writes them; it removes the mark.
const RESPONSES_BY: &str = "x-scopes-responses-by";

/// The operation's refusals are written by the input `by` (a type's name), unless
/// another claimed them.
fn claim_responses(operation: &mut Operation, by: &'static str) {
    if !operation.extensions.contains_key(RESPONSES_BY) {
        operation
            .extensions
            .insert(RESPONSES_BY.to_owned(), Value::from(by));
    }
}

/// Whether the input `by` claimed the operation's refusals (the mark is then removed).
fn responses_mine(operation: &mut Operation, by: &'static str) -> bool {
    let mine = operation
        .extensions
        .get(RESPONSES_BY)
        .is_some_and(|claimed| claimed.as_str() == Some(by));
    if mine {
        operation.extensions.shift_remove(RESPONSES_BY);
    }
    mine
}

/// [`OperationInput::inferred_early_responses`] of a scoped extractor: the `401` and
/// `403` responses, their challenges naming every scope of the operation's `security`
/// (the handler's and every scoped extractor's, as a refusal names them), with `R`'s
/// step-up. Only from the first scoped extractor, and only where the handler's
/// attribute did not write them already.
#[doc(hidden)] // the attribute's, on a scoped extractor's impl
pub fn scoped_responses<T: ScopeTable, R: RequiredScopes<T>>(
    _ctx: &mut GenContext,
    operation: &mut Operation,
) -> Vec<(Option<u16>, Response)> {
    if !responses_mine(operation, core::any::type_name::<R>()) {
        return Vec::new();
    }
    let responses = super::responses::ProtectedResponses::new(security_names(operation))
        .with_step_up(super::responses::StepUp::of(R::composed().iter()));
    early(operation, &responses)
}

/// The token is verified by the attribute (or by `Claims` alone, which knows no table
/// to name a scheme from): nothing to add.
impl<C> OperationInput for Claims<C> {}

impl<T: ScopeTable> OperationInput for SecurityScopes<T> {}

/// The body of a password-grant form; `grant_type` is required unless `lax`.
fn password_form_body(operation: &mut Operation, lax: bool) {
    let optional =
        |description: &str| json!({ "type": ["string", "null"], "description": description });
    let (required, grant_type) = match lax {
        false => (
            json!(["grant_type", "username", "password"]),
            json!({ "type": "string", "const": "password", "description": "`password`." }),
        ),
        true => (
            json!(["username", "password"]),
            optional("`password`, or absent (taken as `password`)."),
        ),
    };
    let body: RequestBody = read(json!({
        "required": true,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "required": required,
                    "properties": {
                        "grant_type": grant_type,
                        "username": { "type": "string", "description": "The resource owner's username." },
                        "password": { "type": "string", "description": "The resource owner's password." },
                        "scope": { "type": "string", "description": "The requested scopes, space-delimited." },
                        "client_id": optional("The client's id, if sent in the form."),
                        "client_secret": optional("The client's secret, if sent in the form."),
                    },
                },
            },
        },
    }));
    operation.request_body = Some(ReferenceOr::Item(body));
}

/// The grant errors, where the handler's output (a `GrantError`, usually) did not
/// document them already: aide reports a second response for a status as a conflict.
fn undocumented_grant_errors(operation: &mut Operation) -> Vec<(Option<u16>, Response)> {
    let documented = |code: Option<u16>| {
        let responses = operation.responses.as_ref();
        code.is_some_and(|code| {
            responses.is_some_and(|r| {
                r.responses
                    .contains_key(&aide::openapi::StatusCode::Code(code))
            })
        })
    };
    grant_error_responses()
        .into_iter()
        .filter(|(code, _)| !documented(*code))
        .collect()
}

impl OperationInput for PasswordForm {
    fn operation_input(_ctx: &mut GenContext, operation: &mut Operation) {
        password_form_body(operation, false);
    }

    fn inferred_early_responses(
        _ctx: &mut GenContext,
        operation: &mut Operation,
    ) -> Vec<(Option<u16>, Response)> {
        undocumented_grant_errors(operation)
    }
}

impl OperationInput for LaxPasswordForm {
    fn operation_input(_ctx: &mut GenContext, operation: &mut Operation) {
        password_form_body(operation, true);
    }

    fn inferred_early_responses(
        _ctx: &mut GenContext,
        operation: &mut Operation,
    ) -> Vec<(Option<u16>, Response)> {
        undocumented_grant_errors(operation)
    }
}

impl OperationOutput for AccessTokenResponse {
    type Inner = Self;

    fn operation_response(_ctx: &mut GenContext, _operation: &mut Operation) -> Option<Response> {
        Some(read(json!({
            "description": "A bearer token (RFC 6749 §5.1), sent with `Cache-Control: no-store`.",
            "headers": {
                "Cache-Control": { "description": "`no-store`", "schema": { "type": "string" } },
                "Pragma": { "description": "`no-cache`", "schema": { "type": "string" } },
            },
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["access_token", "token_type", "expires_in"],
                        "properties": {
                            "access_token": { "type": "string" },
                            "token_type": { "type": "string", "const": "bearer" },
                            "expires_in": { "type": "integer", "minimum": 0 },
                            "scope": { "type": "string", "description": "The granted scopes, space-delimited; left out when none is granted (RFC 6749 §3.3)." },
                        },
                    },
                },
            },
        })))
    }

    fn inferred_responses(
        ctx: &mut GenContext,
        operation: &mut Operation,
    ) -> Vec<(Option<u16>, Response)> {
        Self::operation_response(ctx, operation)
            .map(|response| vec![(Some(200), response)])
            .unwrap_or_default()
    }
}

impl OperationOutput for GrantError {
    type Inner = Self;

    fn inferred_responses(
        _ctx: &mut GenContext,
        _operation: &mut Operation,
    ) -> Vec<(Option<u16>, Response)> {
        grant_error_responses()
    }
}
