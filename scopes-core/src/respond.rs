//! How refusals are answered: RFC 6750 (the default), FastAPI's tutorial, or shaped by
//! the application.

use core::fmt;
use std::borrow::Cow;
use std::sync::Arc;

use axum::response::{IntoResponse, Response};
use http::header::WWW_AUTHENTICATE;
use http::{HeaderValue, StatusCode};

use crate::AuthRejection;

/// The status codes and challenges refusals use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ResponseMode {
    /// RFC 6750 §3: 400 `invalid_request`, 401 `invalid_token`, 403
    /// `insufficient_scope` with `scope="…"`.
    #[default]
    Rfc6750,
    /// What FastAPI's OAuth2-scopes tutorial answers: a bad token and insufficient
    /// scope are both 401, challenged with `Bearer scope="…"` (the scopes the route
    /// requires) and no `error`; the bodies are `Could not validate credentials` and
    /// `Not enough permissions`. Malformed requests still answer 400.
    FastApi,
}

type Shape = dyn Fn(&Rejection) -> Response + Send + Sync;

/// A verifier's answering policy.
#[derive(Clone, Default)]
pub(crate) struct Responder {
    pub(crate) mode: ResponseMode,
    pub(crate) realm: Option<Arc<str>>,
    pub(crate) shape: Option<Arc<Shape>>,
}

impl fmt::Debug for Responder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Responder")
            .field("mode", &self.mode)
            .field("realm", &self.realm)
            .field("shape", &self.shape.as_ref().map(|_| "custom"))
            .finish()
    }
}

/// A refused request, as the extractors return it: why ([`Rejection::reason`], to
/// match on), what the route required, and how the verifier answers.
///
/// Its response carries the status and `WWW-Authenticate` challenge of the verifier's
/// [`ResponseMode`], whatever body a rejection hook chose.
#[derive(Debug, Clone)]
pub struct Rejection {
    reason: AuthRejection,
    required: Cow<'static, str>,
    responder: Responder,
}

impl Rejection {
    pub(crate) fn new(
        reason: AuthRejection,
        required: Cow<'static, str>,
        responder: Responder,
    ) -> Self {
        Self {
            reason,
            required,
            responder,
        }
    }

    /// Why the request was refused.
    pub fn reason(&self) -> &AuthRejection {
        &self.reason
    }

    /// The reason, by value.
    pub fn into_reason(self) -> AuthRejection {
        self.reason
    }

    /// The status answered.
    pub fn status(&self) -> StatusCode {
        match (self.responder.mode, &self.reason) {
            (ResponseMode::FastApi, AuthRejection::InsufficientScope { .. }) => {
                StatusCode::UNAUTHORIZED
            }
            (_, reason) => reason.status(),
        }
    }

    /// The `WWW-Authenticate` challenge answered (`realm` first, when configured).
    pub fn challenge(&self) -> String {
        let challenge = self.challenge_without_realm();
        match &self.responder.realm {
            None => challenge,
            Some(realm) => match challenge.strip_prefix("Bearer ") {
                Some(params) => format!(r#"Bearer realm="{realm}", {params}"#),
                None => format!(r#"Bearer realm="{realm}""#),
            },
        }
    }

    fn challenge_without_realm(&self) -> String {
        match (self.responder.mode, &self.reason) {
            (ResponseMode::FastApi, AuthRejection::InvalidToken(_))
                if !self.required.is_empty() =>
            {
                format!(r#"Bearer scope="{}""#, self.required)
            }
            (ResponseMode::FastApi, AuthRejection::InvalidToken(_)) => "Bearer".to_owned(),
            (ResponseMode::FastApi, AuthRejection::InsufficientScope { scope }) => {
                format!(r#"Bearer scope="{scope}""#)
            }
            (_, reason) => reason.challenge(),
        }
    }
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        let (status, challenge) = (self.status(), self.challenge());
        tracing::debug!(status = status.as_u16(), reason = %self.reason, "request refused");
        let mut response = match &self.responder.shape {
            Some(shape) => shape(&self),
            None => self.reason.default_response(),
        };
        // The hook shapes the body; the status and the challenge stay RFC-correct.
        *response.status_mut() = status;
        let challenge = HeaderValue::from_str(&challenge)
            .unwrap_or_else(|_| HeaderValue::from_static("Bearer"));
        response.headers_mut().insert(WWW_AUTHENTICATE, challenge);
        response
    }
}

/// For extractors whose `Rejection` is a plain `Response`.
impl From<Rejection> for Response {
    fn from(rejection: Rejection) -> Self {
        rejection.into_response()
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.reason, f)
    }
}

impl std::error::Error for Rejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.reason)
    }
}
