//! Opaque tokens, checked by the issuer's introspection endpoint (RFC 7662): the answer
//! feeds the same claims pass as a JWT's claims.

use core::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::HeaderValue;
use quick_cache::sync::Cache;
use serde::de::{self, IgnoredAny, MapAccess, Visitor};

use crate::error::{ConfigError, TokenError};
use crate::keys::FetchOptions;

/// How an issuer's introspection endpoint is called (RFC 7662), for opaque tokens (or
/// any token its JWT keys do not cover). Give it to
/// [`TrustedIssuer::introspection`](crate::TrustedIssuer::introspection).
///
/// The resource server authenticates as a client: `client_secret_basic` by default
/// (RFC 6749 §2.3.1), [`client_secret_post`](Self::client_secret_post) otherwise. An
/// active answer is cached until its `exp`, and never longer than
/// [`cache_ceiling`](Self::cache_ceiling) (5 minutes by default); concurrent requests
/// with the same token make one call. An inactive answer is cached for
/// [`inactive_for`](Self::inactive_for) (10 seconds), so a flood of one bad token does
/// not become a flood of calls. A failed call (timeout, connection, status other than
/// 200, a body that is not an introspection answer or is larger than the limit) is never
/// cached and refuses the request: 401 `invalid_token`, "The token could not be
/// checked".
///
/// ```
/// use scopes_core::{Introspection, TrustedIssuer, Verifier};
/// # fn main() -> Result<(), scopes_core::ConfigError> {
/// let verifier = Verifier::builder()
///     .trust(
///         TrustedIssuer::new("https://auth.example.com/")
///             .introspection(Introspection::new(
///                 "https://auth.example.com/token/introspect",
///                 "my-api",
///                 "my-api-secret",
///             ))
///             .audience("https://api.example.com"),
///     )
///     .build()?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
#[must_use]
pub struct Introspection {
    pub(crate) endpoint: String,
    client_id: String,
    client_secret: String,
    post: bool,
    pub(crate) options: FetchOptions,
    ceiling: Duration,
    inactive_for: Duration,
    entries: usize,
}

impl Introspection {
    /// Calls `endpoint` as client `client_id` with `client_secret`
    /// (`client_secret_basic`).
    pub fn new(
        endpoint: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        Self {
            endpoint: endpoint.into(),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            post: false,
            options: FetchOptions::default(),
            ceiling: Duration::from_secs(300),
            inactive_for: Duration::from_secs(10),
            entries: 10_000,
        }
    }

    /// Sends the client's credentials in the form (`client_secret_post`) instead of an
    /// `Authorization: Basic` header.
    pub fn client_secret_post(mut self) -> Self {
        self.post = true;
        self
    }

    /// The time and size limits of each call (5 s, 256 KiB by default; plain `http://`
    /// only on loopback).
    pub fn fetch_options(mut self, options: FetchOptions) -> Self {
        self.options = options;
        self
    }

    /// The longest an active answer is trusted without asking again (5 minutes by
    /// default; its `exp` always bounds it too). A revoked token is refused at the
    /// latest this long after its revocation.
    pub fn cache_ceiling(mut self, ceiling: Duration) -> Self {
        self.ceiling = ceiling;
        self
    }

    /// How long an inactive answer is remembered (10 seconds by default; zero to ask
    /// every time).
    pub fn inactive_for(mut self, duration: Duration) -> Self {
        self.inactive_for = duration;
        self
    }

    /// The most answers cached (10 000 by default).
    pub fn max_entries(mut self, entries: usize) -> Self {
        self.entries = entries;
        self
    }

    pub(crate) fn build(self) -> Result<Introspector, ConfigError> {
        crate::keys::check_url(&self.endpoint, &self.options)
            .map_err(|_| ConfigError::InsecureIntrospectionEndpoint(self.endpoint.clone()))?;
        let authorization = match self.post {
            true => None,
            false => {
                // RFC 6749 §2.3.1: each part form-encoded, then base64.
                let encode = |part: &str| {
                    url::form_urlencoded::byte_serialize(part.as_bytes()).collect::<String>()
                };
                let credentials = format!(
                    "{}:{}",
                    encode(&self.client_id),
                    encode(&self.client_secret)
                );
                let mut value =
                    HeaderValue::from_str(&format!("Basic {}", STANDARD.encode(credentials)))
                        .map_err(|_| ConfigError::HttpClient)?;
                value.set_sensitive(true);
                Some(value)
            }
        };
        Ok(Introspector {
            client: crate::keys::client(&self.options)?,
            authorization,
            answers: Cache::new(self.entries.max(1)),
            config: Arc::new(self),
        })
    }
}

/// Redacts the secret.
impl fmt::Debug for Introspection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Introspection")
            .field("endpoint", &self.endpoint)
            .field("client_id", &self.client_id)
            .field("client_secret_post", &self.post)
            .field("cache_ceiling", &self.ceiling)
            .field("inactive_for", &self.inactive_for)
            .finish_non_exhaustive()
    }
}

/// An issuer's introspection, built: the client, and the answers cached by token.
pub(crate) struct Introspector {
    config: Arc<Introspection>,
    client: reqwest::Client,
    authorization: Option<HeaderValue>,
    answers: Cache<String, Answer>,
}

/// An answer, as cached.
#[derive(Clone)]
enum Answer {
    /// The answer's JSON (the claims), trusted until then.
    Active(Arc<[u8]>, Instant),
    Inactive(Instant),
}

impl Introspector {
    /// The active answer's claims (JSON) for `token`, from the cache or the endpoint.
    pub(crate) async fn claims(&self, token: &str) -> Result<Arc<[u8]>, TokenError> {
        let now = Instant::now();
        let fresh = |answer: &Answer| match answer {
            Answer::Active(_, until) | Answer::Inactive(until) => *until > now,
        };
        let guard = match self.answers.get_value_or_guard_async(token).await {
            Ok(answer) if fresh(&answer) => return answer.into_result(),
            Ok(_) => {
                self.answers.remove(token);
                match self.answers.get_value_or_guard_async(token).await {
                    Ok(answer) => return answer.into_result(),
                    Err(guard) => guard,
                }
            }
            Err(guard) => guard,
        };
        // This request asks; the others with the same token wait for its answer (a
        // failure is not cached: the next of them asks in turn).
        let answer = self.ask(token).await?;
        let _ = guard.insert(answer.clone());
        answer.into_result()
    }

    async fn ask(&self, token: &str) -> Result<Answer, TokenError> {
        let config = &*self.config;
        let mut form = vec![("token", token), ("token_type_hint", "access_token")];
        if config.post {
            form.push(("client_id", &config.client_id));
            form.push(("client_secret", &config.client_secret));
        }
        let body = crate::keys::post_form(
            &self.client,
            &config.endpoint,
            self.authorization.as_ref(),
            &form,
            &config.options,
        )
        .await
        .map_err(|error| {
            tracing::warn!(%error, endpoint = %config.endpoint, "the introspection call failed; the request is refused");
            TokenError::IntrospectionFailed
        })?;
        let (active, exp) = active_and_exp(&body).map_err(|()| {
            tracing::warn!(endpoint = %config.endpoint, "the introspection answer is not one; the request is refused");
            TokenError::IntrospectionFailed
        })?;
        let now = Instant::now();
        if !active {
            return Ok(Answer::Inactive(now + config.inactive_for));
        }
        let mut until = now + config.ceiling;
        if let (Some(exp), Some(unix_now)) = (exp, super::jws::now()) {
            let left = Duration::from_secs_f64((exp - unix_now).clamp(0.0, 1e9));
            until = until.min(now + left);
        }
        Ok(Answer::Active(body.into(), until))
    }
}

impl Answer {
    fn into_result(self) -> Result<Arc<[u8]>, TokenError> {
        match self {
            Self::Active(claims, _) => Ok(claims),
            Self::Inactive(_) => Err(TokenError::Inactive),
        }
    }
}

impl fmt::Debug for Introspector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Introspector")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// `active` (a boolean, given once, required: RFC 7662 §2.2) and `exp` if it is a
/// number; the claims pass checks the rest.
fn active_and_exp(body: &[u8]) -> Result<(bool, Option<f64>), ()> {
    struct Fields;

    impl<'de> Visitor<'de> for Fields {
        type Value = (bool, Option<f64>);

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an introspection answer")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let (mut active, mut exp) = (None, None);
            while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                match &*key {
                    "active" if active.is_some() => {
                        return Err(de::Error::custom("duplicate active"));
                    }
                    "active" => active = Some(map.next_value::<bool>()?),
                    "exp" => exp = map.next_value::<serde_json::Value>()?.as_f64(),
                    _ => {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
            }
            let active = active.ok_or_else(|| de::Error::missing_field("active"))?;
            Ok((active, exp))
        }
    }

    let mut de = serde_json::Deserializer::from_slice(body);
    let fields = de::Deserializer::deserialize_map(&mut de, Fields).map_err(|_| ())?;
    de.end().map_err(|_| ())?;
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::active_and_exp;

    #[test]
    fn active_is_a_boolean_given_once() {
        assert_eq!(
            active_and_exp(br#"{"active":true,"exp":5}"#),
            Ok((true, Some(5.0)))
        );
        assert_eq!(active_and_exp(br#"{"active":false}"#), Ok((false, None)));
        for bad in [
            &br#"{"exp":5}"#[..],
            br#"{"active":"true"}"#,
            br#"{"active":1}"#,
            br#"{"active":true,"active":false}"#,
            br#"[true]"#,
            br#"{"active":true} x"#,
            b"",
        ] {
            assert_eq!(
                active_and_exp(bad),
                Err(()),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
