//! The 401 and 403 responses of a protected operation, as OpenAPI response objects.

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Value, json};

use crate::{AuthRejection, ResponseMode, TokenError};

/// OpenAPI `responses` entries for a protected operation, as the verifier's
/// [`ResponseMode`] answers: with RFC 6750 (the default), `401` always and `403` when the
/// operation requires a scope; with FastAPI's mode, `401` for both. Each documents the
/// `WWW-Authenticate` challenge and the JSON body (`{"detail": "…"}`).
///
/// Get it from [`OperationSecurity::responses`](super::OperationSecurity::responses);
/// it serializes as a map from status code to response object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtectedResponses {
    /// `scope="…"` of the challenge; `None` when no scope is required.
    scope: Option<String>,
    mode: ResponseMode,
}

impl ProtectedResponses {
    pub(super) fn new(scope: String) -> Self {
        Self {
            scope: (!scope.is_empty()).then_some(scope),
            mode: ResponseMode::Rfc6750,
        }
    }

    /// The responses as a verifier answering in `mode` gives them.
    #[must_use]
    pub fn in_mode(mut self, mode: ResponseMode) -> Self {
        self.mode = mode;
        self
    }

    /// `(status, response object)` pairs, 401 first.
    pub fn entries(&self) -> Vec<(&'static str, Value)> {
        match (self.mode, &self.scope) {
            (ResponseMode::FastApi, scope) => vec![("401", fastapi_unauthorized(scope.as_deref()))],
            (_, None) => vec![("401", unauthorized())],
            (_, Some(scope)) => vec![("401", unauthorized()), ("403", forbidden(scope))],
        }
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

fn unauthorized() -> Value {
    let expired = AuthRejection::InvalidToken(TokenError::Expired);
    response(
        "Unauthorized: the bearer token is missing, malformed, expired or otherwise invalid \
         (RFC 6750 §3.1).",
        "The RFC 6750 challenge: `Bearer` alone when no token was sent; otherwise \
         `error=\"invalid_request\"` or `error=\"invalid_token\"` with an \
         `error_description` saying why. A configured `realm` comes first.",
        &expired.challenge(),
        expired.detail(),
    )
}

fn forbidden(scope: &str) -> Value {
    let insufficient = AuthRejection::InsufficientScope {
        scope: scope.to_owned().into(),
    };
    response(
        "Forbidden: the token is valid but lacks a required scope (RFC 6750 §3.1 \
         `insufficient_scope`).",
        "The RFC 6750 challenge, `error=\"insufficient_scope\"` with the scopes the \
         operation requires in `scope`.",
        &insufficient.challenge(),
        insufficient.detail(),
    )
}

fn fastapi_unauthorized(scope: Option<&str>) -> Value {
    let (challenge, description) = match scope {
        Some(scope) => (
            format!(r#"Bearer scope="{scope}""#),
            "Unauthorized, as FastAPI's tutorial answers: no token, a bad token (`Could not \
             validate credentials`) or a missing scope (`Not enough permissions`).",
        ),
        None => (
            "Bearer".to_owned(),
            "Unauthorized, as FastAPI's tutorial answers: no token or a bad token (`Could \
             not validate credentials`).",
        ),
    };
    response(
        description,
        "`Bearer`, with the scopes the operation requires in `scope` when it requires any.",
        &challenge,
        AuthRejection::InvalidToken(TokenError::Expired).detail(),
    )
}

fn response(description: &str, header: &str, challenge: &str, detail: &str) -> Value {
    json!({
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
    })
}

/// The token endpoint's errors (RFC 6749 §5.2), `400` and `401` (`invalid_client`), as
/// [`GrantError`](crate::GrantError) answers them.
#[cfg_attr(not(any(feature = "utoipa", feature = "aide")), allow(dead_code))]
pub(crate) fn grant_errors() -> Vec<(&'static str, Value)> {
    let error = |description: &str, codes: &[&str]| {
        json!({
            "description": description,
            "headers": {
                "Cache-Control": { "description": "`no-store`", "schema": { "type": "string" } },
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
                 (`invalid_request`) or another grant type.",
                &[
                    "invalid_request",
                    "invalid_grant",
                    "invalid_scope",
                    "unauthorized_client",
                    "unsupported_grant_type",
                ],
            ),
        ),
        (
            "401",
            error(
                "Client authentication failed (`invalid_client`).",
                &["invalid_client"],
            ),
        ),
    ]
}
