//! Verifying bearer JWTs: signature, time claims, issuer and audience.

use core::fmt;
use core::time::Duration;
use std::borrow::Cow;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Algorithm;
use serde::Deserialize;

use crate::AuthRejection;
use crate::claims::{Found, Grant, Rules, read};
use crate::respond::{Rejection, Responder, ResponseMode};
use crate::{ConfigError, Key, ScopeSet, ScopeTable, TokenError};

/// Verifies bearer tokens. Cheap to clone (an `Arc`), so keep one in the router state.
///
/// The extractors reach it through [`FromRef`](axum::extract::FromRef): a router whose
/// state provides no `Verifier` does not compile, so no route is ever left unprotected
/// by a missing configuration.
///
/// A token is checked in one pass: its header names an algorithm that a configured key
/// is pinned to (by `kid` first), jsonwebtoken's crypto backend verifies the signature,
/// and one reading of the claims checks `exp` (required), `nbf`, `iss` and `aud` and
/// collects the scopes.
///
/// ```
/// use scopes_core::{Key, Verifier};
/// # fn main() -> Result<(), scopes_core::ConfigError> {
/// let verifier = Verifier::builder()
///     .key(Key::hs256("09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7")?)
///     .issuer("https://auth.example.com/")
///     .audience("https://api.example.com")
///     .build()?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Verifier {
    inner: Arc<Inner>,
}

struct Inner {
    responder: Responder,
    keys: Vec<Key>,
    issuers: Box<[Box<str>]>,
    audiences: Box<[Box<str>]>,
    leeway_secs: u64,
    scope_claims: Box<[Box<str>]>,
}

/// A token whose signature and claims were verified: its claims, as JSON.
///
/// The extractors keep it in the request extensions so that a handler taking several
/// of them verifies the token once.
#[derive(Clone, Debug)]
pub struct VerifiedToken {
    claims: Arc<str>,
}

impl VerifiedToken {
    /// The claims as JSON text.
    pub fn claims_json(&self) -> &str {
        &self.claims
    }

    /// Deserializes the claims into `C`.
    pub fn claims<C: serde::de::DeserializeOwned>(&self) -> Result<C, TokenError> {
        serde_json::from_str(&self.claims).map_err(|_| TokenError::ClaimsMismatch)
    }
}

/// The JOSE header fields that matter here; the rest is ignored, except `crit`.
#[derive(Deserialize)]
struct JoseHeader<'a> {
    #[serde(borrow)]
    alg: Cow<'a, str>,
    #[serde(borrow, default)]
    kid: Option<Cow<'a, str>>,
    /// Extensions the token says must be understood: none are, so any refuses it
    /// (RFC 7515 §4.1.11).
    #[serde(default)]
    crit: Option<serde::de::IgnoredAny>,
}

impl Verifier {
    /// Starts a configuration.
    pub fn builder() -> VerifierBuilder {
        VerifierBuilder::default()
    }

    /// A verifier with one key and the defaults (no issuer or audience check; see
    /// [`VerifierBuilder`]).
    pub fn new(key: Key) -> Result<Self, ConfigError> {
        Self::builder().key(key).build()
    }

    /// Verifies the token's signature, `exp`, `nbf`, and `iss`/`aud` when configured.
    pub fn verify(&self, token: &str) -> Result<VerifiedToken, TokenError> {
        self.check(token, &mut ())
    }

    /// Verifies the token and reads the scopes of table `T` it grants, in one pass.
    pub fn verify_and_grant<T: ScopeTable>(
        &self,
        token: &str,
    ) -> Result<(VerifiedToken, ScopeSet<T>), TokenError> {
        let mut granted = ScopeSet::EMPTY;
        let verified = self.check(token, &mut granted)?;
        Ok((verified, granted))
    }

    /// The scopes of table `T` that a verified token grants, implications included.
    /// Names the table does not know are ignored.
    pub fn granted<T: ScopeTable>(&self, token: &VerifiedToken) -> Result<ScopeSet<T>, TokenError> {
        let mut granted = ScopeSet::EMPTY;
        read(&token.claims, &self.rules(), &mut granted)?;
        Ok(granted)
    }

    /// A refusal answered by this verifier's policy, for extractors of your own (a token
    /// whose user no longer exists, say). `required` lists the scopes the route
    /// requires, for FastAPI-style challenges: [`SecurityScopes::scope_str`] gives it.
    ///
    /// [`SecurityScopes::scope_str`]: crate::SecurityScopes::scope_str
    pub fn refuse(
        &self,
        reason: AuthRejection,
        required: impl Into<Cow<'static, str>>,
    ) -> Rejection {
        let required = required.into();
        self.reject(reason, move || required)
    }

    /// The refusal for `reason`, answered by this verifier's policy; `required` lists
    /// the scopes the route requires (for FastAPI-style challenges).
    pub(crate) fn reject(
        &self,
        reason: AuthRejection,
        required: impl FnOnce() -> Cow<'static, str>,
    ) -> Rejection {
        let required = match (&reason, self.inner.responder.mode) {
            (AuthRejection::InvalidToken(_), ResponseMode::FastApi) => required(),
            _ => Cow::Borrowed(""),
        };
        Rejection::new(reason, required, self.inner.responder.clone())
    }

    fn rules(&self) -> Rules<'_> {
        Rules {
            issuers: &self.inner.issuers,
            audiences: &self.inner.audiences,
            scope_claims: &self.inner.scope_claims,
        }
    }

    fn check<G: Grant>(&self, token: &str, grant: &mut G) -> Result<VerifiedToken, TokenError> {
        let (message, signature) = token.rsplit_once('.').ok_or(TokenError::Malformed)?;
        let (header, payload) = message.split_once('.').ok_or(TokenError::Malformed)?;
        let header = decode_segment(header)?;
        let header: JoseHeader<'_> =
            serde_json::from_slice(&header).map_err(|_| TokenError::Malformed)?;
        if header.crit.is_some() {
            return Err(TokenError::Malformed);
        }
        let algorithm: Algorithm = header
            .alg
            .parse()
            .map_err(|_| TokenError::AlgorithmNotAllowed)?;
        let key = self.key_for(algorithm, header.kid.as_deref())?;
        match jsonwebtoken::crypto::verify(signature, message.as_bytes(), &key.key, algorithm) {
            Ok(true) => {}
            Ok(false) => return Err(TokenError::BadSignature),
            Err(_) => return Err(TokenError::Malformed),
        }
        let claims =
            String::from_utf8(decode_segment(payload)?).map_err(|_| TokenError::Malformed)?;
        let found = read(&claims, &self.rules(), grant)?;
        self.validate(&found)?;
        Ok(VerifiedToken {
            claims: claims.into(),
        })
    }

    /// The key for the token's header: by `kid` when the token names one and keys have
    /// ids, else the first key pinned to the token's algorithm.
    fn key_for(&self, algorithm: Algorithm, kid: Option<&str>) -> Result<&Key, TokenError> {
        let keys = &self.inner.keys;
        let key = match kid {
            Some(kid) if keys.iter().any(|k| k.kid.is_some()) => keys
                .iter()
                .find(|k| k.kid.as_deref() == Some(kid))
                .ok_or(TokenError::UnknownKey)?,
            _ => keys
                .iter()
                .find(|k| k.algorithm == algorithm)
                .ok_or(TokenError::AlgorithmNotAllowed)?,
        };
        if key.algorithm == algorithm {
            Ok(key)
        } else {
            Err(TokenError::AlgorithmNotAllowed)
        }
    }

    /// RFC 7519 §4.1 checks, in jsonwebtoken's order: presence, time, issuer, audience.
    fn validate(&self, found: &Found) -> Result<(), TokenError> {
        let inner = &self.inner;
        let exp = found.exp.ok_or(TokenError::MissingClaim("exp"))?;
        if !inner.issuers.is_empty() && found.issuer_matches.is_none() {
            return Err(TokenError::MissingClaim("iss"));
        }
        if !inner.audiences.is_empty() && found.audience_matches.is_none() {
            return Err(TokenError::MissingClaim("aud"));
        }
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_err(|_| TokenError::Expired)?
            .as_secs_f64();
        let leeway = inner.leeway_secs as f64;
        if exp < now - leeway {
            return Err(TokenError::Expired);
        }
        if found.nbf.is_some_and(|nbf| nbf > now + leeway) {
            return Err(TokenError::NotYetValid);
        }
        if !inner.issuers.is_empty() && found.issuer_matches == Some(false) {
            return Err(TokenError::WrongIssuer);
        }
        // A token meant for some audience is refused when none is configured: it may
        // be meant for another API that trusts the same keys.
        if found.audience_matches == Some(false)
            || (inner.audiences.is_empty() && found.audience_matches.is_some())
        {
            return Err(TokenError::WrongAudience);
        }
        Ok(())
    }
}

/// A base64url segment (no padding) of a compact JWS.
fn decode_segment(segment: &str) -> Result<Vec<u8>, TokenError> {
    URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| TokenError::Malformed)
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        f.debug_struct("Verifier")
            .field("keys", &inner.keys)
            .field("issuers", &inner.issuers)
            .field("audiences", &inner.audiences)
            .field("leeway_secs", &inner.leeway_secs)
            .field("scope_claims", &inner.scope_claims)
            .field("responder", &inner.responder)
            .finish()
    }
}

/// Configures a [`Verifier`].
///
/// Defaults: `exp` required, `nbf` checked when present, 30 s leeway, no issuer or
/// audience (a token that carries `aud` is then refused: configure the audience),
/// scopes read from `scope`, `scopes` and `scp`.
#[derive(Debug)]
#[must_use]
pub struct VerifierBuilder {
    responder: Responder,
    keys: Vec<Key>,
    issuers: Vec<String>,
    audiences: Vec<String>,
    leeway: Duration,
    scope_claims: Vec<String>,
}

impl Default for VerifierBuilder {
    fn default() -> Self {
        Self {
            responder: Responder::default(),
            keys: Vec::new(),
            issuers: Vec::new(),
            audiences: Vec::new(),
            leeway: Duration::from_secs(30),
            scope_claims: ["scope", "scopes", "scp"].map(String::from).to_vec(),
        }
    }
}

impl VerifierBuilder {
    /// Adds a key. Several keys may be configured (rotation, several algorithms); a
    /// token is tried only with the key its `kid` (or else its `alg`) selects.
    pub fn key(mut self, key: Key) -> Self {
        self.keys.push(key);
        self
    }

    /// Requires `iss` to equal `issuer` (call again to accept several issuers).
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuers.push(issuer.into());
        self
    }

    /// Requires `aud` to contain `audience` (call again to accept any of several).
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audiences.push(audience.into());
        self
    }

    /// Clock skew tolerated on `exp` and `nbf` (whole seconds).
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// The claims scopes are read from, replacing the default `scope`, `scopes`, `scp`.
    /// Each may hold a space-delimited string or an array of strings; the scopes of all
    /// of them are granted. Auth0's RBAC uses `permissions`, for instance.
    pub fn scope_claims<I, S>(mut self, claims: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scope_claims = claims.into_iter().map(Into::into).collect();
        self
    }

    /// The `realm` of every challenge (RFC 6750 §3), e.g. `realm="api"`. It may not
    /// contain `"` or `\`, which [`build`](Self::build) refuses.
    pub fn realm(mut self, realm: impl Into<String>) -> Self {
        self.responder.realm = Some(realm.into().into());
        self
    }

    /// How refusals are answered: RFC 6750 (the default) or as FastAPI's tutorial does.
    pub fn response_mode(mut self, mode: ResponseMode) -> Self {
        self.responder.mode = mode;
        self
    }

    /// Shapes the response of every refusal, e.g. as `application/problem+json`. The
    /// status and the `WWW-Authenticate` challenge are set after the hook, so they stay
    /// what RFC 6750 (or the [`ResponseMode`]) prescribes.
    ///
    /// ```
    /// # use axum::response::IntoResponse;
    /// # use scopes_core::{Key, Rejection, Verifier};
    /// # fn main() -> Result<(), scopes_core::ConfigError> {
    /// let verifier = Verifier::builder()
    ///     .key(Key::hs256([7; 32])?)
    ///     .on_rejection(|rejection: &Rejection| {
    ///         let status = rejection.status().as_u16();
    ///         let body = serde_json::json!({ "title": rejection.reason().detail(), "status": status });
    ///         ([("content-type", "application/problem+json")], body.to_string()).into_response()
    ///     })
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    pub fn on_rejection<F>(mut self, shape: F) -> Self
    where
        F: Fn(&Rejection) -> axum::response::Response + Send + Sync + 'static,
    {
        self.responder.shape = Some(Arc::new(shape));
        self
    }

    /// Checks the configuration and builds the verifier.
    pub fn build(self) -> Result<Verifier, ConfigError> {
        crate::crypto::ensure_provider()?;
        if self.keys.is_empty() {
            return Err(ConfigError::NoKeys);
        }
        if self.scope_claims.is_empty() {
            return Err(ConfigError::NoScopeClaims);
        }
        if let Some(realm) = &self.responder.realm
            && (realm.contains(['"', '\\'])
                || !realm.bytes().all(|b| b == b' ' || b.is_ascii_graphic()))
        {
            return Err(ConfigError::InvalidRealm);
        }
        for (i, key) in self.keys.iter().enumerate() {
            if let Some(kid) = &key.kid
                && self.keys[..i].iter().any(|k| k.kid.as_ref() == Some(kid))
            {
                return Err(ConfigError::DuplicateKid(kid.clone()));
            }
        }
        let boxed = |items: Vec<String>| items.into_iter().map(String::into_boxed_str).collect();
        Ok(Verifier {
            inner: Arc::new(Inner {
                responder: self.responder,
                keys: self.keys,
                issuers: boxed(self.issuers),
                audiences: boxed(self.audiences),
                leeway_secs: self.leeway.as_secs(),
                scope_claims: boxed(self.scope_claims),
            }),
        })
    }
}
