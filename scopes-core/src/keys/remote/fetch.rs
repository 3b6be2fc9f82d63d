//! The HTTP side: one GET with a time limit and a size limit, `Cache-Control`, and
//! OpenID Connect discovery.

use core::fmt;
use std::time::Duration;

use http::header::{ACCEPT, CACHE_CONTROL};
use serde::Deserialize;

use super::FetchOptions;
use crate::error::ConfigError;

/// Why a key set could not be fetched. The last good set stays in use meanwhile, except
/// after [`NoUsableKeys`](Self::NoUsableKeys).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyFetchError {
    /// The URL is `http://` on a host other than loopback (see
    /// [`FetchOptions::allow_http`]), or not a URL. It is given without its user
    /// information, query and fragment.
    InsecureUrl(String),
    /// No answer within the time limit.
    Timeout,
    /// The connection failed: `cause` says how, as the network stack put it (the name
    /// did not resolve, the connection was refused, the TLS handshake failed…).
    Unreachable {
        /// The innermost error's message.
        cause: String,
    },
    /// The answer's status was not 200.
    Status(u16),
    /// The body is larger than [`FetchOptions::max_body`].
    TooLarge,
    /// The JWKS body is not a JSON Web Key Set.
    NotAKeySet,
    /// An introspection answer's `Content-Type` is not `application/json` (RFC 7662
    /// §2.2), or is given twice: the endpoint's, or something in front of it (a login
    /// page, a proxy's error page), not an introspection answer. It holds the (first)
    /// type given, without its parameters, its bytes outside visible ASCII as `?`
    /// (empty when none was).
    NotJson(String),
    /// The set was fetched, and has no key usable for signatures: it is empty, or each
    /// of its keys was left out (an encryption or symmetric key, an unknown key type).
    /// Unlike the other errors, the set replaces the last one all the same (a provider
    /// that withdraws its keys is trusted no longer), so tokens are refused (401) until
    /// the provider publishes a usable key, which the next fetch after the cooldown
    /// finds.
    NoUsableKeys,
    /// The discovery document is not a JSON object with an `issuer` (and, for keys, a
    /// `jwks_uri`).
    NotADiscoveryDocument,
    /// The discovery document names another issuer (OpenID Connect Discovery §4.3).
    IssuerMismatch {
        /// The configured issuer (without what of it may be a credential).
        expected: String,
        /// The document's.
        found: String,
    },
}

impl fmt::Display for KeyFetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InsecureUrl(url) => write!(
                f,
                "`{}` is not an https URL (http is accepted on loopback only; see FetchOptions::allow_http)",
                for_logs(url)
            ),
            Self::Timeout => f.write_str("no answer in time"),
            Self::Unreachable { cause } => write!(f, "the connection failed: {cause}"),
            Self::Status(status) => write!(f, "the answer's status is {status}, not 200"),
            Self::TooLarge => {
                f.write_str("the body is larger than the limit (FetchOptions::max_body)")
            }
            Self::NotAKeySet => f.write_str("the body is not a JSON Web Key Set"),
            Self::NotJson(given) if given.is_empty() => f.write_str(
                "the answer has no Content-Type; an introspection answer is application/json",
            ),
            Self::NotJson(given) => write!(
                f,
                "the answer's Content-Type is `{given}`, not application/json as an introspection answer's is"
            ),
            Self::NoUsableKeys => f.write_str("the key set has no key usable for signatures"),
            Self::NotADiscoveryDocument => f.write_str(
                "the discovery document is not a JSON object with `issuer` and `jwks_uri`",
            ),
            Self::IssuerMismatch { expected, found } => {
                write!(
                    f,
                    "the discovery document's issuer is `{found}`, not the configured `{expected}`"
                )?;
                // Entra ID's `organizations` and `common` documents.
                if found.contains("{tenantid}") {
                    f.write_str(": an issuer for every tenant; trust it with `TrustedIssuer::any_tenant` (or `VerifierBuilder::any_tenant_issuer`) and the document's `jwks_uri` as `jwks_url`")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for KeyFetchError {}

/// A key set that [`Verifier::refresh_keys`](crate::Verifier::refresh_keys) could not
/// fetch, and whose it is: the issuer (through its discovery document) or the JWKS URL
/// configured. Its message names both, e.g. "the key set of issuer
/// `https://auth.example.com/realms/shop` could not be fetched: the answer's status is
/// 404, not 200", so that a start-up failure says which provider of several it was.
/// Its `Debug` is that message too (`KeyRefreshError: …`), without what of the URL may
/// be a secret.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyRefreshError {
    from: KeySource,
    error: KeyFetchError,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum KeySource {
    Issuer(String),
    Jwks(String),
}

impl KeyRefreshError {
    pub(crate) fn of_issuer(issuer: &str, error: KeyFetchError) -> Self {
        let from = KeySource::Issuer(issuer.to_owned());
        Self { from, error }
    }

    pub(crate) fn of_jwks(url: &str, error: KeyFetchError) -> Self {
        let from = KeySource::Jwks(url.to_owned());
        Self { from, error }
    }

    /// Why the fetch failed.
    pub fn error(&self) -> &KeyFetchError {
        &self.error
    }

    /// Why the fetch failed, by value.
    pub fn into_error(self) -> KeyFetchError {
        self.error
    }

    /// The issuer whose key set it is, when the verifier found it by discovery
    /// (`oidc_issuer`).
    pub fn issuer(&self) -> Option<&str> {
        match &self.from {
            KeySource::Issuer(issuer) => Some(issuer),
            KeySource::Jwks(_) => None,
        }
    }

    /// The JWKS URL configured (`jwks_url`), when the key set has one.
    pub fn jwks_url(&self) -> Option<&str> {
        match &self.from {
            KeySource::Jwks(url) => Some(url),
            KeySource::Issuer(_) => None,
        }
    }
}

impl fmt::Debug for KeyRefreshError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyRefreshError: {self}")
    }
}

/// Its message leaves out what of the URL could be a secret: user information, query
/// and fragment.
impl fmt::Display for KeyRefreshError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.from {
            KeySource::Issuer(issuer) => write!(f, "the key set of issuer `{}`", for_logs(issuer)),
            KeySource::Jwks(url) => write!(f, "the key set at `{}`", for_logs(url)),
        }?;
        write!(f, " could not be fetched: {}", self.error)
    }
}

/// Its message includes the [`KeyFetchError`]'s, so that is not its `source`
/// (a report would say it twice).
impl std::error::Error for KeyRefreshError {}

/// Refuses URLs that are not https, except on loopback.
/// `url` as logs and messages may show it: without its user information, query and
/// fragment, where a configured URL may carry a credential (`https://user:pass@…`,
/// `?api_key=…`). Text that is not a URL is cut the same way, as well as it can be.
pub(crate) fn for_logs(url: &str) -> String {
    match url::Url::parse(url) {
        // `user:pass@host` parses as a URL of scheme `user`, without a host.
        Ok(mut parsed) if parsed.has_host() => {
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            parsed.set_query(None);
            parsed.set_fragment(None);
            let mut shown = parsed.to_string();
            // Serializing adds the `/` of an empty path: `https://t.auth0.com` and
            // `https://t.auth0.com/` are different issuers, shown as given.
            let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
            let had_path = rest
                .find(['/', '?', '#'])
                .is_some_and(|at| rest[at..].starts_with('/'));
            if !had_path && parsed.path() == "/" {
                shown.pop();
            }
            shown
        }
        // Up to the last `@` first (a password may hold `?` or `#`), then the query
        // and fragment: too much left out is harmless here.
        _ => {
            let after = url.rsplit_once('@').map_or(url, |(_, after)| after);
            after
                .split(['?', '#'])
                .next()
                .unwrap_or_default()
                .to_owned()
        }
    }
}

pub(crate) fn check_url(url: &str, options: &FetchOptions) -> Result<(), KeyFetchError> {
    let insecure = || KeyFetchError::InsecureUrl(for_logs(url));
    let parsed = reqwest::Url::parse(url).map_err(|_| insecure())?;
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if options.allow_http => Ok(()),
        "http" => match parsed.host() {
            Some(url::Host::Ipv4(ip)) if ip.is_loopback() => Ok(()),
            Some(url::Host::Ipv6(ip)) if ip.is_loopback() => Ok(()),
            Some(url::Host::Domain("localhost")) => Ok(()),
            _ => Err(insecure()),
        },
        _ => Err(insecure()),
    }
}

pub(crate) fn client(options: &FetchOptions) -> Result<reqwest::Client, ConfigError> {
    reqwest::Client::builder()
        .timeout(options.timeout)
        .connect_timeout(options.timeout)
        // The URLs come from configuration only; a redirect could lead anywhere.
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|_| ConfigError::HttpClient)
}

/// A fetched body and its `max-age`.
pub(crate) struct Fetched {
    pub(crate) body: Vec<u8>,
    pub(crate) max_age: Option<Duration>,
}

/// GET `url`, reading at most `max_body` bytes.
pub(crate) async fn get(
    client: &reqwest::Client,
    url: &str,
    options: &FetchOptions,
) -> Result<Fetched, KeyFetchError> {
    check_url(url, options)?;
    let mut response = client
        .get(url)
        .header(ACCEPT, "application/json")
        .send()
        .await
        .map_err(classify)?;
    let max_age = response
        .headers()
        .get(CACHE_CONTROL)
        .and_then(|value| value.to_str().ok())
        .and_then(max_age);
    let body = read_body(&mut response, options).await?;
    Ok(Fetched { body, max_age })
}

/// The body of a 200 answer, at most `max_body` bytes.
async fn read_body(
    response: &mut reqwest::Response,
    options: &FetchOptions,
) -> Result<Vec<u8>, KeyFetchError> {
    if response.status() != reqwest::StatusCode::OK {
        return Err(KeyFetchError::Status(response.status().as_u16()));
    }
    if response
        .content_length()
        .is_some_and(|length| length > options.max_body as u64)
    {
        return Err(KeyFetchError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(classify)? {
        if body.len() + chunk.len() > options.max_body {
            return Err(KeyFetchError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// POST `form` to `url` (`application/x-www-form-urlencoded`) with `authorization` when
/// given; the body of a 200 answer, at most `max_body` bytes (an introspection call).
#[cfg(feature = "introspection")]
pub(crate) async fn post_form(
    client: &reqwest::Client,
    url: &str,
    authorization: Option<&http::HeaderValue>,
    form: &[(&str, &str)],
    options: &FetchOptions,
) -> Result<Vec<u8>, KeyFetchError> {
    check_url(url, options)?;
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let mut request = client
        .post(url)
        .header(ACCEPT, "application/json")
        .header(
            http::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(body);
    if let Some(authorization) = authorization {
        request = request.header(http::header::AUTHORIZATION, authorization.clone());
    }
    let mut response = request.send().await.map_err(classify)?;
    if response.status() == reqwest::StatusCode::OK {
        // RFC 7662 §2.2: "in application/json format" (parameters such as a charset
        // aside). Anything else is not the endpoint's answer, whatever it holds.
        // One `Content-Type`, whose type (before any parameter) is JSON's.
        let mut types = response
            .headers()
            .get_all(http::header::CONTENT_TYPE)
            .iter();
        let (first, second) = (types.next(), types.next());
        let given = first.map_or(&b""[..], |value| value.as_bytes());
        let given = given
            .split(|&byte| byte == b';')
            .next()
            .unwrap_or_default()
            .trim_ascii();
        if second.is_some() || !given.eq_ignore_ascii_case(b"application/json") {
            // Shown as visible ASCII only (it is the answer's text), and short.
            let shown = given
                .iter()
                .take(100)
                .map(|&byte| match byte {
                    b' '..=b'~' => byte as char,
                    _ => '?',
                })
                .collect();
            return Err(KeyFetchError::NotJson(shown));
        }
    }
    read_body(&mut response, options).await
}

fn classify(error: reqwest::Error) -> KeyFetchError {
    if error.is_timeout() {
        return KeyFetchError::Timeout;
    }
    // The innermost source says what happened (reqwest's own message only that a
    // request failed); the URL is left out here, and named where the error is
    // reported, without what could be a credential (`for_logs`). A TLS failure's cause
    // may name the host.
    let error = error.without_url();
    let mut cause: &dyn std::error::Error = &error;
    while let Some(source) = cause.source() {
        cause = source;
    }
    KeyFetchError::Unreachable {
        cause: cause.to_string(),
    }
}

/// `max-age` of a `Cache-Control` value; `no-cache`/`no-store` count as zero (the
/// lower bound then applies).
fn max_age(value: &str) -> Option<Duration> {
    value.split(',').map(str::trim).find_map(|directive| {
        let lower = directive.to_ascii_lowercase();
        if lower == "no-cache" || lower == "no-store" {
            return Some(Duration::ZERO);
        }
        let seconds = lower.strip_prefix("max-age=")?;
        seconds
            .trim_matches('"')
            .parse()
            .ok()
            .map(Duration::from_secs)
    })
}

/// What the crate reads of an OpenID Connect discovery document: its `issuer`, and
/// the endpoints it names. An endpoint that is not a string is none (each caller then
/// refuses the document for the one it needs, and only for that one).
#[derive(Deserialize)]
pub(crate) struct Discovery {
    issuer: String,
    #[serde(default, deserialize_with = "string_or_none")]
    jwks_uri: Option<String>,
    #[cfg_attr(not(feature = "introspection"), allow(dead_code))]
    #[serde(default, deserialize_with = "string_or_none")]
    pub(crate) introspection_endpoint: Option<String>,
}

/// A member's value when it is a string, else none (read whole, whatever it is).
fn string_or_none<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(deserializer)? {
        serde_json::Value::String(text) => Some(text),
        _ => None,
    })
}

/// The discovery document of `issuer`: a JSON object, whose `issuer` must be the
/// configured one exactly (OpenID Connect Discovery §4.3).
pub(crate) async fn discovery(
    client: &reqwest::Client,
    issuer: &str,
    options: &FetchOptions,
) -> Result<Discovery, KeyFetchError> {
    let url = format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    );
    let fetched = get(client, &url, options).await?;
    if !crate::keys::is_object(&fetched.body) {
        return Err(KeyFetchError::NotADiscoveryDocument);
    }
    let document: Discovery =
        serde_json::from_slice(&fetched.body).map_err(|_| KeyFetchError::NotADiscoveryDocument)?;
    if document.issuer != issuer {
        return Err(KeyFetchError::IssuerMismatch {
            expected: for_logs(issuer),
            found: document.issuer,
        });
    }
    Ok(document)
}

/// The JWKS URL of `issuer`, from its [`discovery`] document.
pub(super) async fn discover(
    client: &reqwest::Client,
    issuer: &str,
    options: &FetchOptions,
) -> Result<String, KeyFetchError> {
    let jwks_uri = discovery(client, issuer, options)
        .await?
        .jwks_uri
        .ok_or(KeyFetchError::NotADiscoveryDocument)?;
    check_url(&jwks_uri, options)?;
    Ok(jwks_uri)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endpoint_that_is_not_a_string_fails_only_its_reader() {
        let document: Discovery = serde_json::from_str(
            r#"{"issuer":"https://a","jwks_uri":"https://a/keys","introspection_endpoint":5}"#,
        )
        .unwrap();
        assert_eq!(document.jwks_uri.as_deref(), Some("https://a/keys"));
        assert_eq!(document.introspection_endpoint, None);
        let document: Discovery =
            serde_json::from_str(r#"{"issuer":"https://a","jwks_uri":{"x":1}}"#).unwrap();
        assert_eq!(document.jwks_uri, None);
        // Still one member each.
        assert!(
            serde_json::from_str::<Discovery>(
                r#"{"issuer":"https://a","jwks_uri":"x","jwks_uri":"y"}"#
            )
            .is_err()
        );
    }

    #[test]
    fn what_could_be_a_credential_is_left_out_of_logged_urls() {
        for (url, logged) in [
            (
                "https://user:hunter2@idp.example.com/jwks?key=hunter2#hunter2",
                "https://idp.example.com/jwks",
            ),
            (
                "https://idp.example.com/realms/shop",
                "https://idp.example.com/realms/shop",
            ),
            ("http://127.0.0.1:8080/jwks", "http://127.0.0.1:8080/jwks"),
            // No path: none added.
            ("https://t.auth0.com", "https://t.auth0.com"),
            ("https://t.auth0.com/", "https://t.auth0.com/"),
            ("https://u:p@t.auth0.com?x=1", "https://t.auth0.com"),
            // Not URLs: cut as well as can be, a password with `#` or `?` too.
            (
                "https://user:pa#hunter2@idp.example.com/jwks",
                "idp.example.com/jwks",
            ),
            (
                "https://user:pa?hunter2@idp.example.com/jwks",
                "idp.example.com/jwks",
            ),
            (
                "user:hunter2@idp.example.com/jwks?key=hunter2",
                "idp.example.com/jwks",
            ),
            ("idp.example.com/jwks", "idp.example.com/jwks"),
        ] {
            assert_eq!(for_logs(url), logged, "{url}");
        }
        let refused = KeyRefreshError::of_jwks(
            "https://user:hunter2@idp.example.com/jwks?key=hunter2",
            KeyFetchError::InsecureUrl("http://user:hunter2@idp.example.com/".to_owned()),
        )
        .to_string();
        assert!(!refused.contains("hunter2"), "{refused}");
        assert!(
            refused.contains("`https://idp.example.com/jwks`"),
            "{refused}"
        );
    }

    #[test]
    fn a_template_issuer_in_discovery_points_to_any_tenant() {
        let mismatch = |found: &str| KeyFetchError::IssuerMismatch {
            expected: "https://login.microsoftonline.com/organizations/v2.0".to_owned(),
            found: found.to_owned(),
        };
        let entra = mismatch("https://login.microsoftonline.com/{tenantid}/v2.0").to_string();
        assert!(entra.contains("TrustedIssuer::any_tenant"), "{entra}");
        let other = mismatch("https://other.example").to_string();
        assert!(!other.contains("any_tenant"), "{other}");
    }

    #[test]
    fn max_age_is_read_from_cache_control() {
        assert_eq!(
            max_age("public, max-age=300"),
            Some(Duration::from_secs(300))
        );
        assert_eq!(max_age("Max-Age=\"60\""), Some(Duration::from_secs(60)));
        assert_eq!(max_age("no-cache"), Some(Duration::ZERO));
        assert_eq!(max_age("public"), None);
        assert_eq!(max_age("max-age=soon"), None);
    }

    #[test]
    fn only_https_or_loopback_http() {
        let options = FetchOptions::default();
        assert!(check_url("https://idp.example.com/jwks", &options).is_ok());
        assert!(check_url("http://127.0.0.1:8080/jwks", &options).is_ok());
        assert!(check_url("http://localhost/jwks", &options).is_ok());
        assert!(check_url("http://[::1]/jwks", &options).is_ok());
        assert!(check_url("http://idp.example.com/jwks", &options).is_err());
        assert!(check_url("file:///etc/passwd", &options).is_err());
        assert!(check_url("not a url", &options).is_err());
        assert!(check_url("http://idp.example.com/jwks", &options.allow_http()).is_ok());
    }
}
