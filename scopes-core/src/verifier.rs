//! Verifying bearer JWTs: signature, time claims, issuer and audience.

use core::fmt;
use core::time::Duration;
use std::sync::Arc;

use jsonwebtoken::{Validation, decode, decode_header};
use serde_json::value::RawValue;

use crate::scope_claims::granted_scopes;
use crate::{ConfigError, Key, ScopeSet, ScopeTable, TokenError};

/// Verifies bearer tokens. Cheap to clone (an `Arc`), so keep one in the router state.
///
/// The extractors reach it through [`FromRef`](axum::extract::FromRef): a router whose
/// state provides no `Verifier` does not compile, so no route is ever left unprotected
/// by a missing configuration.
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
    keys: Vec<PinnedKey>,
    scope_claims: Box<[Box<str>]>,
}

/// A key with the validation rules for its one algorithm.
struct PinnedKey {
    key: Key,
    validation: Validation,
}

/// A token whose signature and claims were verified: the raw JSON claims.
///
/// The extractors keep it in the request extensions so that a handler taking several
/// of them verifies the token once.
#[derive(Clone, Debug)]
pub struct VerifiedToken {
    claims: Arc<RawValue>,
}

impl VerifiedToken {
    /// The claims as JSON text.
    pub fn claims_json(&self) -> &str {
        self.claims.get()
    }

    /// Deserializes the claims into `C`.
    pub fn claims<C: serde::de::DeserializeOwned>(&self) -> Result<C, TokenError> {
        serde_json::from_str(self.claims.get()).map_err(|_| TokenError::ClaimsMismatch)
    }
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
        let pinned = self.key_for(token)?;
        let data = decode::<Box<RawValue>>(token, &pinned.key.key, &pinned.validation)
            .map_err(|error| TokenError::from_jwt(&error))?;
        Ok(VerifiedToken {
            claims: Arc::from(data.claims),
        })
    }

    /// The scopes of table `T` that the verified token grants, implications included.
    /// Names the table does not know are ignored.
    pub fn granted<T: ScopeTable>(&self, token: &VerifiedToken) -> Result<ScopeSet<T>, TokenError> {
        granted_scopes(token.claims.get(), &self.inner.scope_claims)
    }

    /// Picks the key: by `kid` when the token names one, else by `alg`. With a single
    /// key the header is not parsed here; jsonwebtoken checks `alg` against the key's.
    fn key_for(&self, token: &str) -> Result<&PinnedKey, TokenError> {
        let keys = &self.inner.keys;
        if let [only] = keys.as_slice()
            && only.key.kid.is_none()
        {
            return Ok(only);
        }
        let header = decode_header(token).map_err(|error| TokenError::from_jwt(&error))?;
        match &header.kid {
            Some(kid) if keys.iter().any(|k| k.key.kid.is_some()) => {
                let pinned = keys
                    .iter()
                    .find(|k| k.key.kid.as_deref() == Some(kid.as_str()))
                    .ok_or(TokenError::UnknownKey)?;
                if pinned.key.algorithm == header.alg {
                    Ok(pinned)
                } else {
                    Err(TokenError::AlgorithmNotAllowed)
                }
            }
            _ => keys
                .iter()
                .find(|k| k.key.algorithm == header.alg)
                .ok_or(TokenError::AlgorithmNotAllowed),
        }
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys: Vec<&Key> = self.inner.keys.iter().map(|k| &k.key).collect();
        let first = self.inner.keys.first().map(|k| &k.validation);
        f.debug_struct("Verifier")
            .field("keys", &keys)
            .field("issuer", &first.and_then(|v| v.iss.as_ref()))
            .field("audience", &first.and_then(|v| v.aud.as_ref()))
            .field("leeway_secs", &first.map(|v| v.leeway))
            .field("scope_claims", &self.inner.scope_claims)
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
    keys: Vec<Key>,
    issuers: Vec<String>,
    audiences: Vec<String>,
    leeway: Duration,
    scope_claims: Vec<String>,
}

impl Default for VerifierBuilder {
    fn default() -> Self {
        Self {
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

    /// Checks the configuration and builds the verifier.
    pub fn build(mut self) -> Result<Verifier, ConfigError> {
        crate::crypto::ensure_provider()?;
        if self.keys.is_empty() {
            return Err(ConfigError::NoKeys);
        }
        if self.scope_claims.is_empty() {
            return Err(ConfigError::NoScopeClaims);
        }
        for (i, key) in self.keys.iter().enumerate() {
            if let Some(kid) = &key.kid
                && self.keys[..i].iter().any(|k| k.kid.as_ref() == Some(kid))
            {
                return Err(ConfigError::DuplicateKid(kid.clone()));
            }
        }
        let keys = std::mem::take(&mut self.keys)
            .into_iter()
            .map(|key| {
                let validation = self.validation(&key);
                PinnedKey { key, validation }
            })
            .collect();
        let scope_claims = std::mem::take(&mut self.scope_claims)
            .into_iter()
            .map(String::into_boxed_str)
            .collect();
        Ok(Verifier {
            inner: Arc::new(Inner { keys, scope_claims }),
        })
    }

    fn validation(&self, key: &Key) -> Validation {
        let mut validation = Validation::new(key.algorithm);
        validation.leeway = self.leeway.as_secs();
        validation.validate_nbf = true;
        let mut required = vec!["exp"];
        if !self.issuers.is_empty() {
            validation.set_issuer(&self.issuers);
            required.push("iss");
        }
        if !self.audiences.is_empty() {
            validation.set_audience(&self.audiences);
            required.push("aud");
        }
        validation.set_required_spec_claims(&required);
        validation
    }
}
