//! The 400, 401 and 403 responses of a protected operation, as OpenAPI response objects.

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Value, json};

use crate::error::TokenError;
use crate::http::InvalidRequest;
use crate::http::refusal::{AuthRejection, Example, ResponseMode, example};
use crate::table::{Authentication, acr_in_common};

/// OpenAPI `responses` entries for a protected operation, as the verifier's
/// [`ResponseMode`] answers: `400` for credentials that could not be read; with RFC 6750
/// (the default), `401` always and `403` when the operation requires a scope; with
/// FastAPI's mode, `401` for both. Each documents the
/// `WWW-Authenticate` challenge and the JSON body (`{"detail": "…"}`), as the refusal
/// model answers them.
///
/// Get it from [`OperationSecurity::responses`](super::OperationSecurity::responses);
/// it serializes as a map from status code to response object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtectedResponses {
    /// `scope="…"` of the challenge; empty when no scope is required.
    scope: String,
    mode: ResponseMode,
    /// How the user must have authenticated (RFC 9470), when the operation says.
    step_up: Option<StepUp>,
}

/// What an operation asks of the user's authentication (RFC 9470), as documented: the
/// acceptable `acr` values and the strictest `max_age`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct StepUp {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) acr_values: Vec<String>,
    /// The requirements name `acr` values, but none in common: no token can meet them
    /// all (kept apart from asking none, which any token meets).
    #[serde(default, skip_serializing_if = "core::ops::Not::not")]
    pub(crate) no_common_acr: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) max_age: Option<u64>,
}

impl StepUp {
    /// What `requirements` ask together (RFC 9470), as a refusal's challenge names it
    /// (see [`asked`](Self::asked)).
    #[cfg(any(feature = "utoipa", feature = "aide"))]
    pub(crate) fn of<'r, T: crate::table::ScopeTable>(
        requirements: impl Iterator<Item = &'r crate::table::Requirement<T>> + Clone,
    ) -> Option<Self> {
        Self::asked(requirements.map(crate::table::Requirement::authentication))
    }

    /// What `authentications` ask together, as a refusal's challenge names it
    /// ([`Authentication::combined`]): the `acr` values every list accepts
    /// ([`acr_in_common`]), and the strictest `max_age`.
    pub(crate) fn asked<'a>(
        authentications: impl Iterator<Item = &'a Authentication> + Clone,
    ) -> Option<Self> {
        let common = acr_in_common(authentications.clone().map(Authentication::acr));
        Some(Self {
            acr_values: common
                .iter()
                .flatten()
                .map(|acr| (**acr).to_owned())
                .collect(),
            no_common_acr: common.is_some_and(|common| common.is_empty()),
            max_age: authentications.filter_map(Authentication::max_age).min(),
        })
    }

    /// What this and `other` ask together: as [`asked`](Self::asked) of both lists.
    fn and(self, other: Self) -> Self {
        let common = match self.no_common_acr || other.no_common_acr {
            true => Some(Vec::new()),
            false => acr_in_common([&self.acr_values[..], &other.acr_values[..]].into_iter()),
        };
        Self {
            acr_values: common.iter().flatten().map(|acr| (*acr).clone()).collect(),
            no_common_acr: common.is_some_and(|common| common.is_empty()),
            max_age: self.max_age.into_iter().chain(other.max_age).min(),
        }
    }

    /// Whether it asks anything.
    fn asks(&self) -> bool {
        !self.acr_values.is_empty() || self.no_common_acr || self.max_age.is_some()
    }
}

/// The extension of a 401 response object that records the operation's step-up
/// requirement, so that rewriting the responses keeps it.
pub(crate) const STEP_UP: &str = "x-scopes-step-up";

/// The extension that marks a response object this crate wrote, so that it can be
/// rewritten (response mode, router layers) while the operation's own are kept.
pub(crate) const MARKER: &str = "x-scopes-refusal";

impl ProtectedResponses {
    pub(super) fn new(scope: String) -> Self {
        Self {
            scope,
            mode: ResponseMode::Rfc6750,
            step_up: None,
        }
    }

    /// The responses of an operation that also asks how the user authenticated: what
    /// they asked already, composed with `step_up` (the `acr` values both accept, the
    /// strictest `max_age`).
    pub(crate) fn with_step_up(mut self, step_up: Option<StepUp>) -> Self {
        let merged = match (self.step_up.take(), step_up) {
            (Some(own), Some(other)) => Some(own.and(other)),
            (own, other) => own.or(other),
        };
        self.step_up = merged.filter(StepUp::asks);
        self
    }

    /// The responses as a verifier answering in `mode` gives them.
    #[must_use]
    pub fn in_mode(mut self, mode: ResponseMode) -> Self {
        self.mode = mode;
        self
    }

    /// `(status, response object)` pairs: credentials that could not be read (400), a
    /// bad token's (401), then, when the operation requires a scope and the mode
    /// answers it with another status, a missing scope's (403).
    pub fn entries(&self) -> Vec<(&'static str, Value)> {
        let (mode, scope) = (self.mode, self.scope.as_str());
        let malformed = example(
            mode,
            AuthRejection::InvalidRequest(InvalidRequest::MalformedAuthorization),
            scope,
        );
        let invalid = example(
            mode,
            AuthRejection::InvalidToken(TokenError::Expired),
            scope,
        );
        let insufficient = example(mode, AuthRejection::InsufficientScope, scope);
        // RFC 6750's answers carry an `error` code; FastAPI's a bare `scope`.
        let (description, header) = match (invalid.error, scope.is_empty()) {
            (Some(_), _) => (RFC_401, RFC_401_HEADER),
            (None, false) => (FASTAPI_401, FASTAPI_401_HEADER),
            (None, true) => (FASTAPI_401_NO_SCOPE, FASTAPI_401_HEADER),
        };
        let mut unauthorized = response(description, header, &invalid);
        if let Some(step_up) = &self.step_up {
            let mut text = String::from(STEP_UP_401);
            if step_up.no_common_acr {
                text.push_str(NO_COMMON_ACR);
            }
            if !step_up.acr_values.is_empty() {
                text.push_str(&format!(
                    " Acceptable `acr`: {}.",
                    step_up.acr_values.join(", ")
                ));
            }
            if let Some(max_age) = step_up.max_age {
                text.push_str(&format!(" Authenticated at most {max_age} s ago."));
            }
            unauthorized["description"] = Value::String(format!(
                "{} {text}",
                unauthorized["description"].as_str().unwrap_or_default()
            ));
            unauthorized[STEP_UP] = serde_json::to_value(step_up).unwrap_or(Value::Null);
        }
        let mut entries = vec![
            ("400", response(RFC_400, RFC_400_HEADER, &malformed)),
            ("401", unauthorized),
        ];
        if !scope.is_empty() && insufficient.status != invalid.status {
            entries.push(("403", response(RFC_403, RFC_403_HEADER, &insufficient)));
        }
        entries
    }
}

impl Serialize for ProtectedResponses {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let entries = self.entries();
        let mut map = serializer.serialize_map(Some(entries.len()))?;
        for (status, response) in &entries {
            map.serialize_entry(status, response)?;
        }
        map.end()
    }
}

const RFC_400: &str = "Bad Request: the credentials could not be read (RFC 6750 §3.1 \
    `invalid_request`): a `Bearer` (or, where DPoP is accepted, `DPoP`) credential that is \
    not one token (a space, a comma or a byte outside visible ASCII in it), or credentials \
    given twice (two `Authorization` headers, or a token in the query as well). No \
    credentials at all, or another scheme, is a 401.";
const RFC_400_HEADER: &str = "The RFC 6750 challenge, `error=\"invalid_request\"` with an \
    `error_description` saying what could not be read.";
const RFC_401: &str = "Unauthorized: the bearer token is missing, malformed, expired or \
    otherwise invalid (RFC 6750 §3.1).";
const RFC_401_HEADER: &str = "The RFC 6750 challenge: `Bearer` alone when no token was sent; \
    otherwise `error=\"invalid_token\"` with an `error_description` saying why. A \
    configured `realm` comes first.";
const STEP_UP_401: &str = "Also 401 when the token has the scopes but the user did not \
    authenticate as the operation requires (RFC 9470): `error=\"insufficient_user_authentication\"` \
    with `acr_values` and/or `max_age` saying what to ask the authorization server for.";
const NO_COMMON_ACR: &str = " But the requirements of this operation (its handler, \
    extractors and layers) name `acr` values with none in common, so no token is admitted: \
    make them accept a common value.";
const RFC_403: &str = "Forbidden: the token is valid but lacks a required scope (RFC 6750 \
    §3.1 `insufficient_scope`).";
const RFC_403_HEADER: &str = "The RFC 6750 challenge, `error=\"insufficient_scope\"` with \
    the scopes the operation requires in `scope`.";
const FASTAPI_401: &str = "Unauthorized, as FastAPI's tutorial answers: no token, a bad \
    token (`Could not validate credentials`) or a missing scope (`Not enough permissions`).";
const FASTAPI_401_NO_SCOPE: &str = "Unauthorized, as FastAPI's tutorial answers: no token \
    or a bad token (`Could not validate credentials`).";
const FASTAPI_401_HEADER: &str =
    "`Bearer`, with the scopes the operation requires in `scope` when it requires any.";

fn response(description: &str, header: &str, example: &Example) -> Value {
    let (challenge, detail) = (&example.challenge, example.detail);
    let mut response = json!({
        "description": description,
        "headers": {
            "WWW-Authenticate": {
                "description": header,
                "schema": { "type": "string" },
                "example": challenge,
            }
        },
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["detail"],
                    "properties": { "detail": { "type": "string" } },
                },
                "example": { "detail": detail },
            }
        }
    });
    response[MARKER] = Value::Bool(true);
    response
}

/// The token endpoint's errors (RFC 6749 §5.2), `400` and `401` (`invalid_client`), as
/// [`GrantError`](crate::issuer::GrantError) answers them.
#[cfg_attr(not(any(feature = "utoipa", feature = "aide")), allow(dead_code))]
pub(crate) fn grant_errors() -> Vec<(&'static str, Value)> {
    let error = |description: &str, codes: &[&str]| {
        json!({
            "description": description,
            "headers": {
                "Cache-Control": { "description": "`no-store`", "schema": { "type": "string" } },
                "Pragma": { "description": "`no-cache`", "schema": { "type": "string" } },
            },
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["error", "error_description", "detail"],
                        "properties": {
                            "error": { "type": "string", "enum": codes },
                            "error_description": { "type": "string" },
                            "detail": {
                                "type": "string",
                                "description": "`error_description` again, as FastAPI clients read it",
                            },
                        },
                    },
                },
            },
        })
    };
    vec![
        (
            "400",
            error(
                "The grant was refused (RFC 6749 §5.2): wrong username or password \
                 (`invalid_grant`), an unknown scope (`invalid_scope`), a malformed form \
                 (`invalid_request`), a resource not served (`invalid_target`, RFC 8707) \
                 or another grant type.",
                &[
                    "invalid_request",
                    "invalid_grant",
                    "invalid_scope",
                    "invalid_target",
                    "unauthorized_client",
                    "unsupported_grant_type",
                ],
            ),
        ),
        ("401", {
            let mut unauthorized = error(
                "Client authentication failed (`invalid_client`).",
                &["invalid_client"],
            );
            unauthorized["headers"]["WWW-Authenticate"] = json!({
                "description": "The scheme clients authenticate with (RFC 6749 §5.2).",
                "schema": { "type": "string" },
                "example": crate::issuer::invalid_client_challenge(),
            });
            unauthorized
        }),
    ]
}

#[cfg(test)]
mod tests {
    use super::{ProtectedResponses, StepUp};

    fn step_up(acr_values: &[&str], max_age: Option<u64>) -> Option<StepUp> {
        Some(StepUp {
            acr_values: acr_values.iter().map(|acr| (*acr).to_owned()).collect(),
            no_common_acr: false,
            max_age,
        })
    }

    #[test]
    fn step_ups_compose_as_a_refusal_composes_them() {
        // The values both accept, in the first's order, and the strictest `max_age`.
        let both = ProtectedResponses::new("items".to_owned())
            .with_step_up(step_up(&["gold", "silver", "bronze"], Some(600)))
            .with_step_up(step_up(&["bronze", "silver"], Some(300)));
        assert_eq!(both.step_up, step_up(&["silver", "bronze"], Some(300)));
        // A list that names no value asks nothing of the other's.
        let one = ProtectedResponses::new(String::new())
            .with_step_up(step_up(&[], Some(60)))
            .with_step_up(step_up(&["gold"], None));
        assert_eq!(one.step_up, step_up(&["gold"], Some(60)));
        // Nothing asked is no step-up at all.
        let none = ProtectedResponses::new(String::new())
            .with_step_up(None)
            .with_step_up(step_up(&[], None));
        assert_eq!(none.step_up, None);
    }

    #[test]
    fn lists_without_a_common_value_stay_unsatisfiable_in_any_order() {
        use crate::table::Authentication;
        // A handler asking `gold`, an extractor `silver`, a layer either.
        let lists: [&'static [&'static str]; 3] = [&["gold"], &["silver"], &["gold", "silver"]];
        let orders = [[0, 1, 2], [0, 2, 1], [2, 0, 1], [2, 1, 0], [1, 2, 0]];
        for order in orders {
            let folded = order
                .iter()
                .fold(ProtectedResponses::new(String::new()), |responses, &i| {
                    responses.with_step_up(step_up(lists[i], None))
                });
            let unsatisfiable = Some(StepUp {
                acr_values: Vec::new(),
                no_common_acr: true,
                max_age: None,
            });
            assert_eq!(folded.step_up, unsatisfiable, "{order:?}");
            // As documented for all lists at once, and as a refusal's challenge says.
            let asked = order.map(|i| Authentication::for_test(lists[i]));
            assert_eq!(StepUp::asked(asked.iter()), unsatisfiable);
            assert_eq!(Authentication::combined(asked.iter()).acr(), &[] as &[&str]);
            let text = folded.entries()[1].1["description"].to_string();
            assert!(text.contains("none in common"), "{text}");
        }
        // Serialized and read back (as the operation's extension keeps it).
        let kept: StepUp = serde_json::from_value(
            serde_json::to_value(StepUp {
                acr_values: Vec::new(),
                no_common_acr: true,
                max_age: Some(60),
            })
            .unwrap(),
        )
        .unwrap();
        assert!(kept.no_common_acr);
    }
}
