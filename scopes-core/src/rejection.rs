//! RFC 6750 §3 responses.

use core::fmt;
use std::borrow::Cow;

use axum::response::{IntoResponse, Response};
use http::header::{CONTENT_TYPE, WWW_AUTHENTICATE};
use http::{HeaderValue, StatusCode};

use crate::{InvalidRequest, TokenError};

/// Why a request was refused, with the response RFC 6750 prescribes.
///
/// | variant | status | `WWW-Authenticate` | `detail` |
/// |---|---|---|---|
/// | `MissingCredentials` | 401 | `Bearer` | `Not authenticated` |
/// | `InvalidRequest` | 400 | `Bearer error="invalid_request", error_description="…"` | the description |
/// | `InvalidToken` | 401 | `Bearer error="invalid_token", error_description="…"` | `Could not validate credentials` |
/// | `InsufficientScope` | 403 | `Bearer error="insufficient_scope", scope="…"` | `Not enough permissions` |
///
/// The body is JSON, `{"detail": "…"}`, as FastAPI answers. Nothing in the response
/// is taken from the request: descriptions are fixed strings and `scope` lists the
/// scopes the handler requires.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthRejection {
    /// No bearer token: no `Authorization` header, another scheme, or an empty token.
    MissingCredentials,
    /// The credentials could not be read.
    InvalidRequest(InvalidRequest),
    /// The token is not acceptable.
    InvalidToken(TokenError),
    /// The token is valid but does not grant the scopes required.
    InsufficientScope {
        /// The required scopes, space-delimited: the handler's, then its extractors',
        /// then its router's, each once.
        scope: Cow<'static, str>,
    },
}

impl AuthRejection {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::MissingCredentials | Self::InvalidToken(_) => StatusCode::UNAUTHORIZED,
            Self::InvalidRequest(_) => StatusCode::BAD_REQUEST,
            Self::InsufficientScope { .. } => StatusCode::FORBIDDEN,
        }
    }

    /// The `WWW-Authenticate` challenge.
    pub fn challenge(&self) -> String {
        match self {
            Self::MissingCredentials => "Bearer".to_owned(),
            Self::InvalidRequest(why) => {
                format!(
                    r#"Bearer error="invalid_request", error_description="{}""#,
                    why.description()
                )
            }
            Self::InvalidToken(why) => {
                format!(
                    r#"Bearer error="invalid_token", error_description="{}""#,
                    why.description()
                )
            }
            Self::InsufficientScope { scope } => {
                format!(r#"Bearer error="insufficient_scope", scope="{scope}""#)
            }
        }
    }

    /// The `detail` of the JSON body.
    pub fn detail(&self) -> &'static str {
        match self {
            Self::MissingCredentials => "Not authenticated",
            Self::InvalidRequest(why) => why.description(),
            Self::InvalidToken(_) => "Could not validate credentials",
            Self::InsufficientScope { .. } => "Not enough permissions",
        }
    }
}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        tracing::debug!(status = self.status().as_u16(), reason = %self, "request refused");
        self.default_response()
    }
}

impl AuthRejection {
    /// The RFC 6750 response, JSON body `{"detail": …}`.
    pub(crate) fn default_response(&self) -> Response {
        let body = serde_json::json!({ "detail": self.detail() }).to_string();
        let challenge = HeaderValue::from_str(&self.challenge())
            .unwrap_or_else(|_| HeaderValue::from_static("Bearer"));
        (
            self.status(),
            [
                (WWW_AUTHENTICATE, challenge),
                (CONTENT_TYPE, HeaderValue::from_static("application/json")),
            ],
            body,
        )
            .into_response()
    }
}

impl fmt::Display for AuthRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingCredentials => f.write_str("no bearer token"),
            Self::InvalidRequest(why) => f.write_str(why.description()),
            Self::InvalidToken(why) => f.write_str(why.description()),
            Self::InsufficientScope { scope } => write!(f, "the token lacks the scopes `{scope}`"),
        }
    }
}

impl std::error::Error for AuthRejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::InvalidToken(why) => Some(why),
            _ => None,
        }
    }
}

/// For extractors whose `Rejection` is a plain `Response`.
impl From<AuthRejection> for Response {
    fn from(rejection: AuthRejection) -> Self {
        rejection.into_response()
    }
}

impl From<InvalidRequest> for AuthRejection {
    fn from(why: InvalidRequest) -> Self {
        Self::InvalidRequest(why)
    }
}

impl From<TokenError> for AuthRejection {
    fn from(why: TokenError) -> Self {
        Self::InvalidToken(why)
    }
}
