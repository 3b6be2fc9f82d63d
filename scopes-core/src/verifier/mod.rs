//! Verifying bearer JWTs: signature, time claims, issuer and audience.

use core::fmt;
use std::borrow::Cow;
use std::sync::Arc;

use crate::AuthRejection;
use crate::cache::TokenCache;
use crate::claims::{Grant, read};
use crate::respond::{Rejection, Responder, ResponseMode};
use crate::{ScopeSet, ScopeTable, TokenError};

mod builder;
mod profile;

pub use builder::VerifierBuilder;
pub(crate) use profile::Profile;
use profile::{Parsed, now};

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
    /// One profile, or several tenants chosen by the token's `iss`.
    profiles: Box<[Arc<Profile>]>,
    routed: bool,
    cache: Option<TokenCache>,
}

/// A token whose signature and claims were verified: its claims, as JSON.
///
/// The extractors keep it in the request extensions so that a handler taking several
/// of them verifies the token once.
#[derive(Clone, Debug)]
pub struct VerifiedToken {
    claims: Arc<str>,
    /// The profile (tenant) that verified it.
    profile: usize,
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

impl Verifier {
    /// Starts a configuration.
    pub fn builder() -> VerifierBuilder {
        VerifierBuilder::default()
    }

    /// A verifier with one key and the defaults (no issuer or audience check; see
    /// [`VerifierBuilder`]).
    pub fn new(key: crate::Key) -> Result<Self, crate::ConfigError> {
        Self::builder().key(key).build()
    }

    /// Verifies the token's signature, `exp`, `nbf`, and `iss`/`aud` when configured,
    /// with the keys at hand: a key set fetched from a URL is not refreshed for an
    /// unknown `kid` here (the extractors use [`verify_async`](Self::verify_async)).
    pub fn verify(&self, token: &str) -> Result<VerifiedToken, TokenError> {
        self.check_now(token, &mut ())
    }

    /// Verifies the token and reads the scopes of table `T` it grants, in one pass.
    pub fn verify_and_grant<T: ScopeTable>(
        &self,
        token: &str,
    ) -> Result<(VerifiedToken, ScopeSet<T>), TokenError> {
        let mut granted = ScopeSet::EMPTY;
        let verified = self.check_now(token, &mut granted)?;
        Ok((verified, granted))
    }

    /// [`verify`](Self::verify), and for a token naming a key the fetched set lacks,
    /// one refresh of the set when the cooldown allows (then the token is checked again).
    pub async fn verify_async(&self, token: &str) -> Result<VerifiedToken, TokenError> {
        self.check(token, &mut ()).await
    }

    /// [`verify_and_grant`](Self::verify_and_grant), refreshing a fetched key set as
    /// [`verify_async`](Self::verify_async) does.
    pub async fn verify_and_grant_async<T: ScopeTable>(
        &self,
        token: &str,
    ) -> Result<(VerifiedToken, ScopeSet<T>), TokenError> {
        let mut granted = ScopeSet::EMPTY;
        let verified = self.check(token, &mut granted).await?;
        Ok((verified, granted))
    }

    /// The scopes of table `T` that a verified token grants, implications included.
    /// Names the table does not know are ignored.
    pub fn granted<T: ScopeTable>(&self, token: &VerifiedToken) -> Result<ScopeSet<T>, TokenError> {
        let mut granted = ScopeSet::EMPTY;
        let profile = self
            .inner
            .profiles
            .get(token.profile)
            .ok_or(TokenError::ClaimsMismatch)?;
        read(&token.claims, &profile.rules(), &mut granted)?;
        Ok(granted)
    }

    /// Fetches every key set configured by URL now (whatever the cooldown): call it at
    /// start-up to fail fast when the identity provider cannot be reached. Verifiers
    /// with configured keys only return `Ok` at once.
    #[cfg(feature = "jwks")]
    pub async fn refresh_keys(&self) -> Result<(), crate::KeyFetchError> {
        for profile in &self.inner.profiles {
            if let crate::keys::KeySource::Remote(remote) = &profile.keys {
                remote.refresh_now().await?;
            }
        }
        Ok(())
    }

    /// How refusals are answered (for documentation that must say the same).
    pub fn response_mode(&self) -> ResponseMode {
        self.inner.responder.mode
    }

    /// Whether a token refused for `error` may pass after a key set refresh.
    pub(crate) fn may_refresh_for(&self, error: TokenError) -> bool {
        matches!(
            error,
            TokenError::UnknownKey | TokenError::AlgorithmNotAllowed
        ) && self
            .inner
            .profiles
            .iter()
            .any(|profile| profile.keys.is_remote())
    }

    /// How many verified tokens the cache holds (0 without a cache).
    pub fn cached_tokens(&self) -> usize {
        self.inner.cache.as_ref().map_or(0, TokenCache::len)
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

    /// The profile for `token`: the only one, or the tenant of its issuer.
    fn profile_for(&self, token: &Parsed<'_>) -> Result<(usize, &Profile), TokenError> {
        let profiles = &self.inner.profiles;
        if !self.inner.routed {
            return Ok((0, &profiles[0]));
        }
        let issuer = token.unverified_issuer()?;
        profiles
            .iter()
            .enumerate()
            .find(|(_, profile)| profile.issuers.iter().any(|known| **known == *issuer))
            .map(|(index, profile)| (index, &**profile))
            .ok_or(TokenError::WrongIssuer)
    }

    /// The whole check, without waiting for a key set refresh.
    fn check_now<G: Grant>(&self, token: &str, grant: &mut G) -> Result<VerifiedToken, TokenError> {
        if let Some(verified) = self.cached(token, grant) {
            return Ok(verified);
        }
        let parsed = Parsed::new(token)?;
        let (index, profile) = self.profile_for(&parsed)?;
        let set = profile.keys.current();
        let checked = profile.check(&parsed, &set, grant)?;
        Ok(self.verified(token, index, set.generation, checked, grant))
    }

    /// The whole check; a key the fetched set lacks waits for one allowed refresh.
    async fn check<G: Grant>(
        &self,
        token: &str,
        grant: &mut G,
    ) -> Result<VerifiedToken, TokenError> {
        if let Some(verified) = self.cached(token, grant) {
            return Ok(verified);
        }
        let parsed = Parsed::new(token)?;
        let (index, profile) = self.profile_for(&parsed)?;
        let mut set = profile.keys.current();
        let first = profile.check(&parsed, &set, grant);
        let missed = match &first {
            Err(TokenError::UnknownKey) => true,
            Err(TokenError::AlgorithmNotAllowed) => set.keys.is_empty(),
            _ => false,
        };
        let checked = if missed && profile.keys.refresh_after_miss(&set).await {
            set = profile.keys.current();
            profile.check(&parsed, &set, grant)
        } else {
            first
        }?;
        Ok(self.verified(token, index, set.generation, checked, grant))
    }

    /// A cached verification of `token`, its scopes granted.
    fn cached<G: Grant>(&self, token: &str, grant: &mut G) -> Option<VerifiedToken> {
        let cache = self.inner.cache.as_ref()?;
        let entry = cache.get(token)?;
        let profile = self.inner.profiles.get(entry.profile)?;
        if entry.generation != profile.keys.generation()
            || entry.exp < now()? - profile.leeway_secs as f64
        {
            cache.remove(token);
            return None;
        }
        if !grant.take_cached(&entry) {
            read(&entry.claims, &profile.rules(), grant).ok()?;
            grant.record_cached(&entry);
        }
        Some(VerifiedToken {
            claims: Arc::clone(&entry.claims),
            profile: entry.profile,
        })
    }

    fn verified<G: Grant>(
        &self,
        token: &str,
        profile: usize,
        generation: u64,
        checked: profile::Checked,
        grant: &G,
    ) -> VerifiedToken {
        let claims: Arc<str> = checked.claims.into();
        if let Some(cache) = &self.inner.cache {
            let entry = cache.insert(token, Arc::clone(&claims), checked.exp, profile, generation);
            grant.record_cached(&entry);
        }
        VerifiedToken { claims, profile }
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        f.debug_struct("Verifier")
            .field("profiles", &inner.profiles)
            .field("cache", &inner.cache)
            .field("responder", &inner.responder)
            .finish()
    }
}
