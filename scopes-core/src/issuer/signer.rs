//! Minting access tokens: for token endpoints, and for tests in one line.

use core::fmt;
use core::time::Duration;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, AlgorithmFamily, EncodingKey, Header};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::ConfigError;
use crate::keys::check_secret;
use crate::table::{ScopeSet, ScopeTable};

/// How minted tokens carry their scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ScopeClaim {
    /// `"scopes": ["me", "items"]`, as FastAPI's tutorial mints them (the default, so
    /// that FastAPI apps accept the tokens).
    #[default]
    ScopesArray,
    /// `"scope": "me items"`, as RFC 9068 and most identity providers do.
    ScopeString,
}

/// Signs access tokens with one key and one algorithm.
///
/// ```
/// # use scopes_core::issuer::Signer;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let signer = Signer::hs256("09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7")?;
/// let token = signer.mint("johndoe", ["me", "items"])?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Signer {
    header: Header,
    key: EncodingKey,
    lifetime: Duration,
    issuer: Option<String>,
    audience: Option<String>,
    scope_claim: ScopeClaim,
}

/// A token could not be signed (the key does not fit the algorithm, or the claims do
/// not serialize to a JSON object).
#[derive(Debug)]
pub struct MintError(String);

impl fmt::Display for MintError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot mint the token: {}", self.0)
    }
}

impl std::error::Error for MintError {}

impl Signer {
    /// An HMAC signer (`HS256`, `HS384`, `HS512`); the secret must be at least as long
    /// as the hash output.
    pub fn secret(algorithm: Algorithm, secret: impl AsRef<[u8]>) -> Result<Self, ConfigError> {
        let secret = secret.as_ref();
        check_secret(algorithm, secret)?;
        Ok(Self::new(algorithm, EncodingKey::from_secret(secret)))
    }

    /// An `HS256` signer: the tutorial's setup.
    pub fn hs256(secret: impl AsRef<[u8]>) -> Result<Self, ConfigError> {
        Self::secret(Algorithm::HS256, secret)
    }

    /// A signer from a PEM private key (PKCS#8, or PKCS#1 for RSA) for an RSA, ECDSA or
    /// `EdDSA` algorithm.
    pub fn private_pem(algorithm: Algorithm, pem: impl AsRef<[u8]>) -> Result<Self, ConfigError> {
        let pem = pem.as_ref();
        let key = match algorithm.family() {
            AlgorithmFamily::Hmac => return Err(ConfigError::HmacWithPublicKey(algorithm)),
            AlgorithmFamily::Rsa => EncodingKey::from_rsa_pem(pem),
            AlgorithmFamily::Ec => EncodingKey::from_ec_pem(pem),
            AlgorithmFamily::Ed => EncodingKey::from_ed_pem(pem),
        }
        .map_err(|_| ConfigError::InvalidKey(algorithm))?;
        Ok(Self::new(algorithm, key))
    }

    fn new(algorithm: Algorithm, key: EncodingKey) -> Self {
        Self {
            header: Header::new(algorithm),
            key,
            lifetime: Duration::from_secs(30 * 60),
            issuer: None,
            audience: None,
            scope_claim: ScopeClaim::default(),
        }
    }

    /// Puts `kid` in the header.
    #[must_use]
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.header.kid = Some(kid.into());
        self
    }

    /// How long tokens live (30 minutes by default, as in the tutorial).
    #[must_use]
    pub fn lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// Sets `iss` on every token.
    #[must_use]
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// Sets `aud` on every token.
    #[must_use]
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// The claim scopes are written to.
    #[must_use]
    pub fn scope_claim(mut self, scope_claim: ScopeClaim) -> Self {
        self.scope_claim = scope_claim;
        self
    }

    /// The token lifetime, for `expires_in`.
    pub fn token_lifetime(&self) -> Duration {
        self.lifetime
    }

    /// A token for `sub` granting `scopes`, with `iat` and `exp` (and `iss`/`aud` when
    /// set).
    pub fn mint<'a, I>(&self, sub: &str, scopes: I) -> Result<String, MintError>
    where
        I: IntoIterator<Item = &'a str>,
    {
        self.mint_with(sub, scopes, Map::new())
    }

    /// A token for `sub` granting the scopes of `set`.
    pub fn mint_set<T: ScopeTable>(
        &self,
        sub: &str,
        set: &ScopeSet<T>,
    ) -> Result<String, MintError> {
        self.mint(sub, set.iter().map(|scope| scope.name))
    }

    /// Like [`Signer::mint`], with extra claims (which the standard ones override).
    pub fn mint_with<'a, I>(
        &self,
        sub: &str,
        scopes: I,
        extra: Map<String, Value>,
    ) -> Result<String, MintError>
    where
        I: IntoIterator<Item = &'a str>,
    {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_err(|e| MintError(e.to_string()))?;
        let mut claims = extra;
        claims.insert("sub".into(), sub.into());
        claims.insert("iat".into(), now.as_secs().into());
        claims.insert("exp".into(), (now + self.lifetime).as_secs().into());
        if let Some(issuer) = &self.issuer {
            claims.insert("iss".into(), issuer.as_str().into());
        }
        if let Some(audience) = &self.audience {
            claims.insert("aud".into(), audience.as_str().into());
        }
        let scopes: Vec<&str> = scopes.into_iter().collect();
        match self.scope_claim {
            ScopeClaim::ScopesArray => claims.insert("scopes".into(), scopes.into()),
            ScopeClaim::ScopeString => claims.insert("scope".into(), scopes.join(" ").into()),
        };
        self.sign(&claims)
    }

    /// Signs arbitrary claims as they are.
    pub fn sign<C: Serialize>(&self, claims: &C) -> Result<String, MintError> {
        self.sign_with_header(&self.header, claims)
    }

    /// Signs arbitrary claims under a header of the caller's (its `alg` must be the
    /// signer's).
    pub fn sign_with_header<C: Serialize>(
        &self,
        header: &Header,
        claims: &C,
    ) -> Result<String, MintError> {
        if header.alg != self.header.alg {
            return Err(MintError(format!(
                "the header names {:?}, the key signs {:?}",
                header.alg, self.header.alg
            )));
        }
        let header = serde_json::to_vec(header).map_err(|e| MintError(e.to_string()))?;
        let claims = serde_json::to_vec(claims).map_err(|e| MintError(e.to_string()))?;
        let (header, claims) = (
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(claims),
        );
        let message = format!("{header}.{claims}");
        let signature = crate::keys::sign(message.as_bytes(), &self.key, self.header.alg)
            .map_err(|e| MintError(e.to_string()))?;
        Ok(format!("{message}.{signature}"))
    }
}

/// Redacts the key.
impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("algorithm", &self.header.alg)
            .field("kid", &self.header.kid)
            .field("lifetime", &self.lifetime)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("scope_claim", &self.scope_claim)
            .finish_non_exhaustive()
    }
}
