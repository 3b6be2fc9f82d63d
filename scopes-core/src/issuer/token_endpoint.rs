//! Helpers for a token endpoint (RFC 6749 §4.3, §5): the password-grant form, scope
//! granting against the table, the token response and its errors.

use core::fmt;
use core::time::Duration;
use std::borrow::Cow;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::response::{IntoResponse, Response};
use http::header::{CACHE_CONTROL, CONTENT_TYPE, PRAGMA};
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use serde::{Deserialize, Serialize};

use crate::http::challenge::{challenge, header};
use crate::http::refusal::{closing, leaves_unread};
use crate::table::{ScopeSet, ScopeTable};

/// The form of the OAuth2 password grant (RFC 6749 §4.3.2), FastAPI's
/// `OAuth2PasswordRequestFormStrict`: `grant_type=password`, `username`, `password`, a
/// space-delimited `scope`, and optional `client_id` and `client_secret`.
///
/// A token request is a `POST` of an `application/x-www-form-urlencoded` body (RFC 6749
/// §3.2; the media type's name in any case, with parameters): another method (on a
/// route that takes several, such as `any(…)`, where a `GET` would carry the password
/// in its URL) or another body answers `400 invalid_request` before anything is read. A
/// parameter sent without a value is as if omitted. The `grant_type` is checked first:
/// without one, `400 invalid_request`, saying to send `grant_type=password`; another
/// one, whatever else the form holds, `400 unsupported_grant_type`. Then a form without
/// `username` or `password`, or with a parameter given twice (RFC 6749 §3.2: any
/// parameter, `resource` of RFC 8707 aside), answers `400 invalid_request`: JSON errors
/// (RFC 6749 §5.2). [`LaxPasswordForm`] accepts a form without `grant_type`, as
/// FastAPI's `OAuth2PasswordRequestForm` does. A form over 64 KiB or 64 parameters is
/// `400 invalid_request` too, whatever the router's body limit.
///
/// Every field has a default when deserialized (an empty string), so that the
/// extractor can tell which is missing; deserialized any other way, check them.
#[derive(Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "utoipa",
    schema(
        description = "The OAuth2 password grant (RFC 6749 §4.3.2): `grant_type=password`, the resource owner's `username` and `password`, the requested `scope` (space-delimited), and the client's `client_id` and `client_secret` when it authenticates in the form."
    )
)]
pub struct PasswordForm {
    /// `password`.
    #[serde(default)]
    #[cfg_attr(feature = "utoipa", schema(required = true, pattern = "^password$"))]
    pub grant_type: String,
    /// The resource owner's username.
    #[serde(default)]
    #[cfg_attr(feature = "utoipa", schema(required = true))]
    pub username: String,
    /// The resource owner's password.
    #[serde(default)]
    #[cfg_attr(feature = "utoipa", schema(required = true))]
    pub password: String,
    /// The requested scopes, space-delimited.
    #[serde(default)]
    pub scope: String,
    /// The client's id, if sent in the form.
    pub client_id: Option<String>,
    /// The client's secret, if sent in the form.
    pub client_secret: Option<String>,
}

impl PasswordForm {
    /// The requested scopes (FastAPI's `form_data.scopes`).
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scope.split(' ').filter(|scope| !scope.is_empty())
    }

    /// The form of `request`; without a `grant_type`, one of `password` when
    /// `missing_is_password` (FastAPI's lax form, whose `scope` is also split at any
    /// whitespace, as FastAPI's `scope.split()`) and `invalid_request` otherwise.
    async fn read<S: Send + Sync>(
        request: Request,
        state: &S,
        missing_is_password: bool,
    ) -> Result<Self, FormRejection> {
        // What is refused before the body is read leaves it unread (HTTP/1).
        let pending = leaves_unread(
            request.version(),
            request.method(),
            request.headers(),
            request.body(),
        );
        let before_reading = |error| FormRejection {
            error,
            close: pending,
        };
        expect_post(request.method()).map_err(before_reading)?;
        let charset = expect_form(request.headers()).map_err(before_reading)?;
        // Read no further than a form may be, whatever the router's body limit.
        let request = request.map(|body| {
            axum::body::Body::new(http_body_util::Limited::new(body, TokenRequest::MOST_BYTES))
        });
        let body =
            Bytes::from_request(request, state)
                .await
                .map_err(|rejection| match rejection.status() {
                    // Its end unread.
                    StatusCode::PAYLOAD_TOO_LARGE => before_reading(TokenRequest::too_large()),
                    _ => GrantError::InvalidRequest("the form could not be read".into()).into(),
                })?;
        Ok(Self::from_form(&body, charset, missing_is_password)?)
    }

    /// The form read from `body`.
    fn from_form(
        body: &[u8],
        charset: FormCharset,
        missing_is_password: bool,
    ) -> Result<Self, GrantError> {
        let form = TokenRequest::parse(body, charset)?;
        // The grant type first: another grant's form has no username.
        match form.one("grant_type")? {
            Some("password") => {}
            None if missing_is_password => {}
            None => {
                return Err(GrantError::InvalidRequest(
                    "the form has no `grant_type`: send `grant_type=password` (RFC 6749, section 4.3.2)"
                        .into(),
                ));
            }
            Some(_) => return Err(GrantError::UnsupportedGrantType),
        }
        form.each_once()?;
        let required = |name: &'static str| match form.one(name) {
            Ok(Some(value)) => Ok(value.to_owned()),
            _ => Err(GrantError::InvalidRequest(
                format!("the form has no `{name}`").into(),
            )),
        };
        let (username, password) = (required("username")?, required("password")?);
        let optional = |name| form.one(name).ok().flatten().map(str::to_owned);
        let scope = optional("scope").unwrap_or_default();
        let scope = match missing_is_password {
            true => scope.split_ascii_whitespace().collect::<Vec<_>>().join(" "),
            false => scope,
        };
        Ok(Self {
            grant_type: "password".to_owned(),
            username,
            password,
            scope,
            client_id: optional("client_id"),
            client_secret: optional("client_secret"),
        })
    }
}

/// The parameters of a token request (RFC 6749 §3.2): its form's pairs, a parameter
/// sent without a value left out, as if omitted. The crate's one reader of them, for
/// [`PasswordForm`] and for a served test issuer's token endpoint.
pub(crate) struct TokenRequest {
    pairs: Vec<(String, String)>,
}

impl TokenRequest {
    /// The largest form read: 64 KiB, room for a signed client assertion and a long
    /// `scope`. Decoded, each pair is two strings, which cost a few times the bytes
    /// they come from, so the bound is on what a request can make the server hold.
    pub(crate) const MOST_BYTES: usize = 64 * 1024;
    /// The most parameters read: RFC 6749's grants send fewer than a dozen, and
    /// `resource` may repeat (RFC 8707).
    pub(crate) const MOST_PARAMETERS: usize = 64;

    /// The refusal of a form over [`MOST_BYTES`](Self::MOST_BYTES), or over the
    /// router's body limit where that is lower.
    pub(crate) fn too_large() -> GrantError {
        let most = Self::MOST_BYTES / 1024;
        GrantError::InvalidRequest(
            format!("the form is too large for a token request (at most {most} KiB)").into(),
        )
    }
}

/// The parameters a request may send more than once: `resource` (RFC 8707 §2).
const REPEATABLE: &[&str] = &["resource"];

/// Parameters named in a refusal for their repetition; another name is not answered
/// back (nothing of the request is).
const KNOWN: &[&str] = &[
    "grant_type",
    "username",
    "password",
    "scope",
    "client_id",
    "client_secret",
    "client_assertion",
    "client_assertion_type",
    "code",
    "redirect_uri",
    "code_verifier",
    "refresh_token",
    "audience",
];

impl TokenRequest {
    /// The pairs of an `application/x-www-form-urlencoded` body (its serializing in the
    /// WHATWG URL standard), read as UTF-8, which RFC 6749 (appendix B) makes it: a name or
    /// value that is not, once percent-decoded, is `invalid_request`. Decoding it with
    /// replacement characters, as form parsers do, would make different passwords the
    /// same string. A form labelled with another ASCII-compatible charset
    /// ([`FormCharset::Ascii`]) is read when it is ASCII, and refused otherwise: its `%FC`
    /// is a `ü` there and no character here.
    ///
    /// A form over [`MOST_BYTES`](Self::MOST_BYTES) or
    /// [`MOST_PARAMETERS`](Self::MOST_PARAMETERS) is `invalid_request`, before anything
    /// of it is decoded.
    pub(crate) fn parse(body: &[u8], charset: FormCharset) -> Result<Self, GrantError> {
        let pairs_of = || {
            body.split(|&byte| byte == b'&')
                .filter(|pair| !pair.is_empty())
        };
        if body.len() > Self::MOST_BYTES {
            return Err(Self::too_large());
        }
        if pairs_of().count() > Self::MOST_PARAMETERS {
            return Err(GrantError::InvalidRequest(
                format!(
                    "the form has more than {} parameters",
                    Self::MOST_PARAMETERS
                )
                .into(),
            ));
        }
        let decode = |part: &[u8]| -> Result<String, GrantError> {
            let plus_as_space: Vec<u8> = part
                .iter()
                .map(|&byte| if byte == b'+' { b' ' } else { byte })
                .collect();
            let bytes: Vec<u8> = percent_encoding::percent_decode(&plus_as_space).collect();
            if charset == FormCharset::Ascii && !bytes.is_ascii() {
                return Err(GrantError::InvalidRequest(
                    "the form's charset is not UTF-8: send the form as UTF-8 (RFC 6749, appendix B)"
                        .into(),
                ));
            }
            String::from_utf8(bytes).map_err(|_| {
                GrantError::InvalidRequest(
                    "the form is not UTF-8 once percent-decoded (RFC 6749, appendix B)".into(),
                )
            })
        };
        let mut pairs = Vec::new();
        for pair in pairs_of() {
            let (name, value) = match pair.iter().position(|&byte| byte == b'=') {
                Some(at) => (&pair[..at], &pair[at + 1..]),
                None => (pair, &[][..]),
            };
            let (name, value) = (decode(name)?, decode(value)?);
            if !value.is_empty() {
                pairs.push((name, value));
            }
        }
        Ok(Self { pairs })
    }

    /// The value of `name`, if sent; `invalid_request` when it is sent more than once.
    pub(crate) fn one<'a>(&'a self, name: &'a str) -> Result<Option<&'a str>, GrantError> {
        let mut values = self.all(name);
        match (values.next(), values.next()) {
            (_, Some(_)) => Err(repeated(name)),
            (value, None) => Ok(value),
        }
    }

    /// Every value of `name` (one that may repeat: [`REPEATABLE`]).
    pub(crate) fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.pairs
            .iter()
            .filter(move |(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// `invalid_request` for a parameter sent more than once (RFC 6749 §3.2), but those
    /// that may repeat.
    pub(crate) fn each_once(&self) -> Result<(), GrantError> {
        let mut seen = std::collections::HashSet::with_capacity(self.pairs.len());
        for (name, _) in &self.pairs {
            if !seen.insert(name.as_str()) && !REPEATABLE.contains(&name.as_str()) {
                return Err(repeated(name));
            }
        }
        Ok(())
    }
}

/// `invalid_request` for a parameter sent twice: named when it is a known one.
fn repeated(name: &str) -> GrantError {
    match KNOWN.iter().find(|known| **known == name) {
        Some(known) => GrantError::InvalidRequest(
            format!("`{known}` is given more than once (RFC 6749, section 3.2)").into(),
        ),
        None => GrantError::InvalidRequest(
            "a parameter is given more than once (RFC 6749, section 3.2)".into(),
        ),
    }
}

/// A token request is a `POST` (RFC 6749 §3.2): a `GET` would carry the password or
/// secret in its URL, where logs and histories keep it.
pub(crate) fn expect_post(method: &Method) -> Result<(), GrantError> {
    match *method == Method::POST {
        true => Ok(()),
        false => Err(GrantError::InvalidRequest(
            "a token request is a POST (RFC 6749, section 3.2)".into(),
        )),
    }
}

/// How a token request's form is encoded, as its `Content-Type` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FormCharset {
    /// UTF-8, as RFC 6749 (appendix B) has it: no `charset`, or `charset=utf-8`.
    Utf8,
    /// A charset that writes ASCII as ASCII (`iso-8859-1`, Apache HttpClient's default
    /// label for a form, `us-ascii`, `windows-1252`): read when the form is ASCII, which
    /// every such charset and UTF-8 write alike.
    Ascii,
}

/// A token request's body is a form: one `Content-Type`, of the media type
/// `application/x-www-form-urlencoded` in any case, with parameters or without. Its
/// `charset` is UTF-8, or one that agrees with UTF-8 on ASCII ([`FormCharset::Ascii`]);
/// any other (`utf-16`, `shift_jis`) is `invalid_request`, as a form of such a charset
/// would be read wrong.
pub(crate) fn expect_form(headers: &HeaderMap) -> Result<FormCharset, GrantError> {
    let mut types = headers.get_all(CONTENT_TYPE).iter();
    let value = match (types.next(), types.next()) {
        (Some(value), None) => value.to_str().ok(),
        _ => None,
    };
    let mut parts = value.unwrap_or_default().split(';');
    let essence = parts.next().unwrap_or_default().trim();
    if !essence.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        return Err(GrantError::InvalidRequest(
            "expected a form: `Content-Type: application/x-www-form-urlencoded` (RFC 6749, section 3.2)"
                .into(),
        ));
    }
    let mut read = FormCharset::Utf8;
    for parameter in parts {
        let Some((name, charset)) = parameter.split_once('=') else {
            continue;
        };
        if !name.trim().eq_ignore_ascii_case("charset") {
            continue;
        }
        let charset = charset.trim();
        let charset = charset
            .strip_prefix('"')
            .and_then(|quoted| quoted.strip_suffix('"'))
            .unwrap_or(charset);
        let is = |names: &[&str]| names.iter().any(|name| charset.eq_ignore_ascii_case(name));
        if is(&["utf-8", "utf8"]) {
            continue;
        }
        if is(&[
            "us-ascii",
            "ascii",
            "iso-8859-1",
            "iso_8859-1",
            "latin1",
            "l1",
            "iso-8859-15",
            "windows-1252",
            "cp1252",
        ]) {
            read = FormCharset::Ascii;
            continue;
        }
        return Err(GrantError::InvalidRequest(
            "the form's charset must be UTF-8 (RFC 6749, appendix B)".into(),
        ));
    }
    Ok(read)
}

/// Redacts the password and the client secret.
impl fmt::Debug for PasswordForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordForm")
            .field("grant_type", &self.grant_type)
            .field("username", &self.username)
            .field("scope", &self.scope)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// The rejection of [`PasswordForm`] and [`LaxPasswordForm`]: the [`GrantError`] a
/// token endpoint answers, with `Connection: close` when it leaves the request's body
/// unread (a `Content-Type` that is no form, a form over 64 KiB): over HTTP/1, hyper
/// closes such a connection when the body is still on its way, and a keep-alive
/// client's next request on it would fail. A handler taking
/// `Result<PasswordForm, FormRejection>` reads the error with [`error`](Self::error),
/// and [`closes_connection`](Self::closes_connection) if it answers its own way.
#[derive(Debug)]
pub struct FormRejection {
    error: GrantError,
    close: bool,
}

impl FormRejection {
    /// What the token endpoint answers.
    pub fn error(&self) -> &GrantError {
        &self.error
    }

    /// The error, without the connection's state.
    pub fn into_error(self) -> GrantError {
        self.error
    }

    /// Whether the answer says `Connection: close`: the request's body was left unread
    /// (over HTTP/1). A handler answering the rejection its own way sets the header too.
    pub fn closes_connection(&self) -> bool {
        self.close
    }
}

impl From<GrantError> for FormRejection {
    /// A refusal after the form was read.
    fn from(error: GrantError) -> Self {
        Self {
            error,
            close: false,
        }
    }
}

impl From<FormRejection> for GrantError {
    fn from(rejection: FormRejection) -> Self {
        rejection.error
    }
}

impl fmt::Display for FormRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.error, f)
    }
}

impl std::error::Error for FormRejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

impl IntoResponse for FormRejection {
    fn into_response(self) -> Response {
        closing(self.error.into_response(), self.close)
    }
}

impl<S: Send + Sync> FromRequest<S> for PasswordForm {
    type Rejection = FormRejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        Self::read(request, state, false).await
    }
}

/// The password-grant form as FastAPI's `OAuth2PasswordRequestForm` reads it: a form
/// without `grant_type` is taken as `grant_type=password`, for clients written against
/// FastAPI that leave it out. Otherwise as [`PasswordForm`], which it holds (and
/// derefs to); prefer that one, which RFC 6749 §4.3.2 asks for.
///
/// ```
/// use scopes_core::issuer::{GrantError, LaxPasswordForm};
///
/// async fn login(LaxPasswordForm(form): LaxPasswordForm) -> Result<String, GrantError> {
///     Ok(form.username)
/// }
/// # let _ = axum::Router::<()>::new().route("/token", axum::routing::post(login));
/// ```
#[derive(Debug)]
pub struct LaxPasswordForm(pub PasswordForm);

impl core::ops::Deref for LaxPasswordForm {
    type Target = PasswordForm;

    fn deref(&self) -> &PasswordForm {
        &self.0
    }
}

impl<S: Send + Sync> FromRequest<S> for LaxPasswordForm {
    type Rejection = FormRejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        PasswordForm::read(request, state, true).await.map(Self)
    }
}

/// The scopes to grant: each requested scope must be in the table (else
/// `invalid_scope`), and only those in `allowed` (what the user or client may have) are
/// granted. The tutorial grants whatever is asked for and warns against doing so; this
/// is the fix.
///
/// A request of which nothing may be granted is refused
/// ([`GrantError::ScopeNotGranted`], `invalid_scope`): a token response says what it
/// grants when that differs from the request (RFC 6749 §5.1), and a grant of nothing
/// has no `scope` to say it with (§3.3: a scope names at least one), where a response
/// without `scope` reads as "what was asked for". No scope asked, none granted.
pub fn grant_scopes<'a, T: ScopeTable>(
    requested: impl IntoIterator<Item = &'a str>,
    allowed: &ScopeSet<T>,
) -> Result<ScopeSet<T>, GrantError> {
    let mut granted = ScopeSet::EMPTY;
    let mut asked = false;
    for name in requested {
        let index = T::index_of(name).ok_or_else(|| GrantError::InvalidScope(name.to_owned()))?;
        asked = true;
        if allowed.contains(index) {
            granted.insert(index);
        }
    }
    match asked && granted.is_empty() {
        true => Err(GrantError::ScopeNotGranted),
        false => Ok(granted),
    }
}

/// A successful token response (RFC 6749 §5.1), sent with `Cache-Control: no-store`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct AccessTokenResponse {
    /// The token.
    pub access_token: String,
    /// Always `bearer`.
    pub token_type: String,
    /// Lifetime in seconds.
    pub expires_in: u64,
    /// The granted scopes, space-delimited; left out when none is granted (RFC 6749 §3.3).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub scope: String,
}

impl AccessTokenResponse {
    /// A bearer token response for `granted`.
    pub fn bearer<T: ScopeTable>(
        access_token: String,
        lifetime: Duration,
        granted: &ScopeSet<T>,
    ) -> Self {
        Self {
            access_token,
            token_type: "bearer".to_owned(),
            expires_in: lifetime.as_secs(),
            scope: granted.to_string(),
        }
    }
}

impl IntoResponse for AccessTokenResponse {
    fn into_response(self) -> Response {
        let body = serde_json::to_string(&self).unwrap_or_default();
        (
            no_store(),
            [(http::header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response()
    }
}

/// A token endpoint error (RFC 6749 §5.2): status 400 (401 for `invalid_client`), JSON
/// `{"error": …, "error_description": …, "detail": …}` (`detail` repeats the description
/// for clients written against FastAPI), `Cache-Control: no-store`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum GrantError {
    /// The request is missing a parameter or is malformed.
    InvalidRequest(Cow<'static, str>),
    /// Client authentication failed.
    InvalidClient,
    /// The credentials are wrong (the tutorial's "Incorrect username or password").
    InvalidGrant(Cow<'static, str>),
    /// The client may not use this grant.
    UnauthorizedClient,
    /// The grant type is not supported.
    UnsupportedGrantType,
    /// A requested scope is not in the table.
    InvalidScope(String),
    /// None of the requested scopes may be granted to this user or client
    /// ([`grant_scopes`]): `invalid_scope`.
    ScopeNotGranted,
    /// The `resource` asked for (RFC 8707 §2) is not one this server issues tokens
    /// for: `invalid_target`.
    InvalidTarget(Cow<'static, str>),
}

impl GrantError {
    /// The `error` code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidRequest(_) => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant(_) => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidScope(_) | Self::ScopeNotGranted => "invalid_scope",
            Self::InvalidTarget(_) => "invalid_target",
        }
    }

    /// The status.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::InvalidClient => StatusCode::UNAUTHORIZED,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

impl fmt::Display for GrantError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidRequest(why) | Self::InvalidGrant(why) | Self::InvalidTarget(why) => {
                f.write_str(why)
            }
            Self::InvalidClient => f.write_str("client authentication failed"),
            Self::UnauthorizedClient => f.write_str("the client may not use this grant type"),
            Self::UnsupportedGrantType => f.write_str("this grant type is not supported here"),
            // The name is not repeated: nothing of the request is answered back (the
            // variant keeps it, for the application's own logs).
            Self::InvalidScope(_) => f.write_str("a requested scope is not known"),
            Self::ScopeNotGranted => f.write_str("none of the requested scopes may be granted"),
        }
    }
}

/// `text` with what RFC 6749 §5.2 does not allow in an `error_description` (outside
/// `%x20-21 / %x23-5B / %x5D-7E`: quotes, backslashes, controls, non-ASCII) replaced
/// by `?`: an application's own description may quote its input.
fn description_text(text: &str) -> Cow<'_, str> {
    let allowed =
        |c: char| c == ' ' || c == '!' || ('#'..='[').contains(&c) || (']'..='~').contains(&c);
    match text.chars().all(allowed) {
        true => Cow::Borrowed(text),
        false => text
            .chars()
            .map(|c| if allowed(c) { c } else { '?' })
            .collect(),
    }
}

impl std::error::Error for GrantError {}

impl IntoResponse for GrantError {
    fn into_response(self) -> Response {
        let text = self.to_string();
        let description = description_text(&text);
        let body = serde_json::json!({
            "error": self.code(),
            "error_description": description,
            "detail": description,
        });
        let mut response = (
            self.status(),
            no_store(),
            [(http::header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response();
        if self == Self::InvalidClient {
            // RFC 6749 §5.2: a 401 names the scheme clients authenticate with.
            let challenge = invalid_client_challenge();
            response
                .headers_mut()
                .insert(http::header::WWW_AUTHENTICATE, header(&challenge));
        }
        response
    }
}

/// The challenge of `invalid_client` (also in the OpenAPI description).
pub(crate) fn invalid_client_challenge() -> String {
    challenge("Basic", &[("realm", Some("token"))])
}

/// `Cache-Control: no-store` and `Pragma: no-cache`, as every token endpoint answer
/// carries them (RFC 6749 §5.1, §5.2).
pub(crate) fn no_store() -> [(http::HeaderName, HeaderValue); 2] {
    [
        (CACHE_CONTROL, HeaderValue::from_static("no-store")),
        (PRAGMA, HeaderValue::from_static("no-cache")),
    ]
}

/// The form reader against the WHATWG parser (`form_urlencoded`, which it replaced):
/// the same pairs for every body that is UTF-8 once decoded, and a refusal exactly
/// where that parser would have put a replacement character.
#[cfg(test)]
mod form_tests {
    use proptest::prelude::*;

    use super::{FormCharset, GrantError, TokenRequest};

    /// Bodies of the characters that matter to the syntax, escapes good and bad, and
    /// bytes that are not UTF-8 once decoded.
    fn body() -> impl Strategy<Value = String> {
        let piece = prop::sample::select(vec![
            "a",
            "Z",
            "0",
            "=",
            "&",
            "+",
            "%",
            "%2",
            "%41",
            "%2B",
            "%26",
            "%3D",
            "%C3%BC",
            "%C3",
            "%FF",
            "%G1",
            "ü",
            " ",
            "%00",
            "%E2%80%AE",
        ]);
        prop::collection::vec(piece, 0..24).prop_map(|pieces| pieces.concat())
    }

    /// What a form can make the server hold is bounded: its bytes and its pairs are
    /// counted before anything is decoded (a body of `a=1&` repeated held 28 times its
    /// size as strings, found by a cold review).
    #[test]
    fn a_form_is_refused_over_its_bytes_or_parameters() {
        let refused = |body: &[u8]| match TokenRequest::parse(body, FormCharset::Utf8) {
            Err(GrantError::InvalidRequest(why)) => why.into_owned(),
            Err(other) => panic!("{other:?}"),
            Ok(_) => panic!("read"),
        };
        let pairs = |n: usize| "a=1&".repeat(n).into_bytes();
        assert!(TokenRequest::parse(&pairs(64), FormCharset::Utf8).is_ok());
        assert_eq!(refused(&pairs(65)), "the form has more than 64 parameters");
        // Empty pairs (`&&`) are no parameters.
        let sparse = format!("{}{}", "&".repeat(1000), "a=1&".repeat(64));
        assert!(TokenRequest::parse(sparse.as_bytes(), FormCharset::Utf8).is_ok());
        let long = format!("scope={}", "s".repeat(TokenRequest::MOST_BYTES - 6));
        assert_eq!(long.len(), TokenRequest::MOST_BYTES);
        assert!(TokenRequest::parse(long.as_bytes(), FormCharset::Utf8).is_ok());
        assert_eq!(
            refused(format!("{long}s").as_bytes()),
            "the form is too large for a token request (at most 64 KiB)"
        );
    }

    proptest! {
        #[test]
        fn reads_as_the_whatwg_parser_does_or_refuses_what_is_not_utf8(body in body()) {
            let whatwg: Vec<(String, String)> = form_urlencoded::parse(body.as_bytes())
                .filter(|(_, value)| !value.is_empty())
                .map(|(name, value)| (name.into_owned(), value.into_owned()))
                .collect();
            let lossy = form_urlencoded::parse(body.as_bytes())
                .any(|(name, value)| name.contains('\u{fffd}') || value.contains('\u{fffd}'));
            match TokenRequest::parse(body.as_bytes(), FormCharset::Utf8) {
                Ok(read) => {
                    prop_assert!(!lossy);
                    prop_assert_eq!(&read.pairs, &whatwg);
                }
                Err(_) => prop_assert!(lossy),
            }
            // A charset that agrees with UTF-8 on ASCII: read when the form is ASCII.
            let ascii = form_urlencoded::parse(body.as_bytes())
                .all(|(name, value)| name.is_ascii() && value.is_ascii());
            let as_ascii = TokenRequest::parse(body.as_bytes(), FormCharset::Ascii);
            prop_assert_eq!(as_ascii.is_ok(), !lossy && ascii);
        }
    }
}
