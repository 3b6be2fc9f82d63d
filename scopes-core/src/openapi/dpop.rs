//! DPoP (RFC 9449) in an OpenAPI document: the `DPoP` HTTP authentication scheme, and
//! the operations `#[requires_scopes]` documented requiring it beside their scopes.

use serde_json::{Map, Value, json};

use crate::http::Dpop;

/// The name of the scheme in `components.securitySchemes`.
pub const DPOP_SCHEME: &str = "DPoP";

/// Documents what a verifier configured with `dpop` takes, in an OpenAPI document (as
/// JSON; `openapi::utoipa::document_dpop` and `openapi::aide::document_dpop`, with their
/// features, do it on their types):
///
/// - `components.securitySchemes.DPoP`: `{"type": "http", "scheme": "DPoP"}`, its
///   description naming the proof algorithms;
/// - every operation `#[requires_scopes]` documented: where DPoP is
///   [required](Dpop::required), each of its requirement objects also requires `DPoP`
///   (`{"OAuth2": ["items"], "DPoP": []}`: the token of those scopes, presented with
///   DPoP); where it is [allowed](Dpop::allowed), each gets an alternative that does.
///
/// Operations documented otherwise (and those with no authentication) are left as they
/// are. Call it once, on the finished document.
pub fn document_dpop(openapi: &mut Value, dpop: &Dpop) {
    let required = dpop.advertised().1;
    let Some(document) = openapi.as_object_mut() else {
        return;
    };
    let schemes = document
        .entry("components")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .map(|components| {
            components
                .entry("securitySchemes")
                .or_insert_with(|| json!({}))
        });
    if let Some(Value::Object(schemes)) = schemes {
        schemes.insert(DPOP_SCHEME.to_owned(), scheme(dpop));
    }
    let Some(Value::Object(paths)) = document.get_mut("paths") else {
        return;
    };
    for item in paths.values_mut().filter_map(Value::as_object_mut) {
        for (method, operation) in item.iter_mut() {
            if METHODS.contains(&method.as_str()) {
                secure_operation(operation, required);
            }
        }
    }
}

/// The operations of a path item.
pub(crate) const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The `DPoP` security scheme.
pub(crate) fn scheme(dpop: &Dpop) -> Value {
    let algorithms = dpop.advertised().0;
    json!({
        "type": "http",
        "scheme": "DPoP",
        "description": format!(
            "A DPoP-bound access token (RFC 9449): `Authorization: DPoP <token>` with a `DPoP` proof header signed with {}.",
            algorithms.join(", ")
        ),
    })
}

/// Adds `DPoP` to the requirement objects of `operation` (JSON) if `#[requires_scopes]`
/// documented it: to each where DPoP is `required`, as an alternative to each otherwise.
/// Whether it changed anything.
pub(crate) fn secure_operation(operation: &mut Value, required: bool) -> bool {
    if !documented_here(operation) {
        return false;
    }
    let Some(Value::Array(security)) = operation.get_mut("security") else {
        return false;
    };
    let before = security.clone();
    let mut with_dpop = Vec::new();
    for requirement in security.iter().filter_map(Value::as_object) {
        // `{}`: authentication is optional there; nothing to prove.
        if requirement.is_empty() || requirement.contains_key(DPOP_SCHEME) {
            continue;
        }
        let mut bound: Map<String, Value> = requirement.clone();
        bound.insert(DPOP_SCHEME.to_owned(), json!([]));
        with_dpop.push(Value::Object(bound));
    }
    if required {
        security.retain(|requirement| {
            requirement
                .as_object()
                .is_some_and(|object| object.is_empty() || object.contains_key(DPOP_SCHEME))
        });
    }
    for requirement in with_dpop {
        if !security.contains(&requirement) {
            security.push(requirement);
        }
    }
    *security != before
}

/// Whether the operation's `401` is the one `#[requires_scopes]` documented.
fn documented_here(operation: &Value) -> bool {
    operation
        .pointer("/responses/401")
        .and_then(|response| response.get(super::responses::MARKER))
        .is_some_and(|marker| *marker == Value::Bool(true))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document() -> Value {
        let ours = json!({ "x-scopes-refusal": true });
        json!({
            "openapi": "3.1.0",
            "paths": {
                "/items": { "get": {
                    "security": [{ "OAuth2": ["items"] }, { "OAuth2": ["admin"] }],
                    "responses": { "401": ours },
                }},
                "/me": { "get": {
                    "security": [{}, { "OAuth2": ["me"] }],
                    "responses": { "401": ours },
                }},
                "/other": { "get": {
                    "security": [{ "ApiKey": [] }],
                    "responses": { "401": {} },
                }},
            }
        })
    }

    #[test]
    fn required_adds_the_scheme_to_each_requirement() {
        let mut doc = document();
        document_dpop(
            &mut doc,
            &Dpop::required().algorithms([jsonwebtoken::Algorithm::ES256]),
        );
        assert_eq!(
            doc["components"]["securitySchemes"]["DPoP"]["scheme"],
            "DPoP"
        );
        assert!(
            doc["components"]["securitySchemes"]["DPoP"]["description"]
                .as_str()
                .unwrap()
                .contains("ES256")
        );
        assert_eq!(
            doc["paths"]["/items"]["get"]["security"],
            json!([{ "OAuth2": ["items"], "DPoP": [] }, { "OAuth2": ["admin"], "DPoP": [] }])
        );
        assert_eq!(
            doc["paths"]["/me"]["get"]["security"],
            json!([{}, { "OAuth2": ["me"], "DPoP": [] }])
        );
        assert_eq!(
            doc["paths"]["/other"]["get"]["security"],
            json!([{ "ApiKey": [] }])
        );
        // Twice is once.
        let once = doc.clone();
        document_dpop(
            &mut doc,
            &Dpop::required().algorithms([jsonwebtoken::Algorithm::ES256]),
        );
        assert_eq!(doc, once);
    }

    #[test]
    fn allowed_adds_an_alternative() {
        let mut doc = document();
        document_dpop(&mut doc, &Dpop::allowed());
        assert_eq!(
            doc["paths"]["/items"]["get"]["security"],
            json!([
                { "OAuth2": ["items"] },
                { "OAuth2": ["admin"] },
                { "OAuth2": ["items"], "DPoP": [] },
                { "OAuth2": ["admin"], "DPoP": [] },
            ])
        );
    }
}
