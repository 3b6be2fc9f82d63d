//! Configuring a [`Verifier`].

use core::time::Duration;
use std::sync::Arc;

use super::{Inner, Profile, Verifier};
use crate::cache::{CacheLimits, TokenCache};
use crate::keys::{KeySet, KeySource};
use crate::respond::{Rejection, Responder, ResponseMode};
use crate::{ConfigError, Key};

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
    #[cfg(feature = "jwks")]
    remote: Option<crate::remote::Location>,
    #[cfg(feature = "jwks")]
    fetch: crate::FetchOptions,
    issuers: Vec<String>,
    audiences: Vec<String>,
    leeway: Duration,
    scope_claims: Vec<String>,
    rfc9068: bool,
    tenants: Vec<Verifier>,
    cache: Option<CacheLimits>,
}

impl Default for VerifierBuilder {
    fn default() -> Self {
        Self {
            responder: Responder::default(),
            keys: Vec::new(),
            #[cfg(feature = "jwks")]
            remote: None,
            #[cfg(feature = "jwks")]
            fetch: crate::FetchOptions::default(),
            issuers: Vec::new(),
            audiences: Vec::new(),
            leeway: Duration::from_secs(30),
            scope_claims: ["scope", "scopes", "scp"].map(String::from).to_vec(),
            rfc9068: false,
            tenants: Vec::new(),
            cache: None,
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

    /// Keys from a JSON Web Key Set at `url` (feature `jwks`), fetched on the first
    /// token and refreshed as [`FetchOptions`](crate::FetchOptions) says. Each JWK is
    /// pinned to its `alg`; a key that cannot be used is left out, the rest serve.
    #[cfg(feature = "jwks")]
    pub fn jwks_url(mut self, url: impl Into<String>) -> Self {
        self.remote = Some(crate::remote::Location::Jwks(url.into()));
        self
    }

    /// Keys of an OpenID Connect issuer (feature `jwks`): its
    /// `/.well-known/openid-configuration` names the JWKS, and must name `issuer` as its
    /// issuer exactly. Also requires `iss` to equal `issuer` on every token.
    ///
    /// ```no_run
    /// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
    /// use scopes_core::{CacheLimits, Verifier};
    ///
    /// let verifier = Verifier::builder()
    ///     .oidc_issuer("https://auth.example.com/realms/shop")
    ///     .rfc9068("https://api.example.com") // strict JWT access token profile (optional)
    ///     .cache(CacheLimits::default())      // repeated tokens skip the signature (optional)
    ///     .build()?;
    /// verifier.refresh_keys().await?; // fail fast at start-up if the provider is unreachable
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "jwks")]
    pub fn oidc_issuer(mut self, issuer: impl Into<String>) -> Self {
        let issuer = issuer.into();
        self.issuers.push(issuer.clone());
        self.remote = Some(crate::remote::Location::Issuer(issuer));
        self
    }

    /// How key sets are fetched: time and size limits, refresh timing.
    #[cfg(feature = "jwks")]
    pub fn fetch_options(mut self, options: crate::FetchOptions) -> Self {
        self.fetch = options;
        self
    }

    /// The JWT access token profile (RFC 9068), strictly: the header's `typ` must be
    /// `at+jwt` (or `application/at+jwt`), and `iss`, `exp`, `aud`, `sub`, `client_id`,
    /// `iat` and `jti` must be present; `aud` must contain `resource`, this API's
    /// identifier, and an issuer must be configured. Without it, FastAPI-style tokens
    /// (`sub`, `exp`, `scopes`) are accepted.
    pub fn rfc9068(mut self, resource: impl Into<String>) -> Self {
        self.rfc9068 = true;
        self.audiences.push(resource.into());
        self
    }

    /// Adds a tenant: a verifier for one issuer (or several), with its own keys,
    /// audiences and claim shape. A verifier with tenants routes each token by its
    /// `iss` to the tenant that accepts that issuer (which checks `iss` again), and
    /// refuses tokens of other issuers. Its own response settings (mode, realm, hook)
    /// answer the refusals.
    pub fn tenant(mut self, tenant: Verifier) -> Self {
        self.tenants.push(tenant);
        self
    }

    /// Caches verified tokens (bounded by `limits`), so that a repeated token skips the
    /// signature check: well under a microsecond instead of tens of them for RS256.
    /// Entries are keyed by the whole token, never outlive its `exp`, and are dropped
    /// when the key set that verified them changes.
    pub fn cache(mut self, limits: CacheLimits) -> Self {
        self.cache = Some(limits);
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
        if self.scope_claims.is_empty() {
            return Err(ConfigError::NoScopeClaims);
        }
        if let Some(realm) = &self.responder.realm
            && (realm.contains(['"', '\\'])
                || !realm.bytes().all(|b| b == b' ' || b.is_ascii_graphic()))
        {
            return Err(ConfigError::InvalidRealm);
        }
        let cache = self.cache.map(TokenCache::new);
        if !self.tenants.is_empty() {
            return self.build_tenants(cache);
        }
        let profile = self.profile()?;
        Ok(Verifier {
            inner: Arc::new(Inner {
                responder: self.responder,
                profiles: Box::new([Arc::new(profile)]),
                routed: false,
                cache,
            }),
        })
    }

    /// This builder's own keys and rules.
    fn profile(&self) -> Result<Profile, ConfigError> {
        let keys = self.key_source()?;
        if self.rfc9068 && (self.issuers.is_empty() || self.audiences.is_empty()) {
            return Err(ConfigError::Rfc9068Incomplete);
        }
        let boxed = |items: &[String]| items.iter().map(|item| item.as_str().into()).collect();
        Ok(Profile {
            keys,
            issuers: boxed(&self.issuers),
            audiences: boxed(&self.audiences),
            leeway_secs: self.leeway.as_secs(),
            scope_claims: boxed(&self.scope_claims),
            rfc9068: self.rfc9068,
        })
    }

    fn key_source(&self) -> Result<KeySource, ConfigError> {
        #[cfg(feature = "jwks")]
        if let Some(location) = &self.remote {
            if !self.keys.is_empty() {
                return Err(ConfigError::KeysAndKeySet);
            }
            let remote = crate::remote::RemoteKeys::new(location.clone(), self.fetch.clone())?;
            return Ok(KeySource::Remote(Arc::new(remote)));
        }
        if self.keys.is_empty() {
            return Err(ConfigError::NoKeys);
        }
        for (i, key) in self.keys.iter().enumerate() {
            if let Some(kid) = &key.kid
                && self.keys[..i].iter().any(|k| k.kid.as_ref() == Some(kid))
            {
                return Err(ConfigError::DuplicateKid(kid.clone()));
            }
        }
        Ok(KeySource::Static(Arc::new(KeySet {
            keys: self.keys.clone(),
            generation: 0,
        })))
    }

    fn build_tenants(self, cache: Option<TokenCache>) -> Result<Verifier, ConfigError> {
        #[cfg(feature = "jwks")]
        let remote = self.remote.is_some();
        #[cfg(not(feature = "jwks"))]
        let remote = false;
        if !self.keys.is_empty() || remote {
            return Err(ConfigError::TenantsAndKeys);
        }
        let mut profiles: Vec<Arc<Profile>> = Vec::new();
        for tenant in &self.tenants {
            for profile in tenant.inner.profiles.iter() {
                if profile.issuers.is_empty() {
                    return Err(ConfigError::TenantWithoutIssuer);
                }
                for issuer in profile.issuers.iter() {
                    if profiles.iter().any(|other| other.issuers.contains(issuer)) {
                        return Err(ConfigError::DuplicateTenantIssuer(issuer.to_string()));
                    }
                }
                profiles.push(Arc::clone(profile));
            }
        }
        Ok(Verifier {
            inner: Arc::new(Inner {
                responder: self.responder,
                profiles: profiles.into_boxed_slice(),
                routed: true,
                cache,
            }),
        })
    }
}
