//! The second stage: where an issuer's keys come from. One seam, [`KeyStore`], with
//! the configured keys ([`StaticKeys`]) or a key set fetched from an identity provider
//! (`RemoteKeys`, feature `jwks`) behind it; nothing after this stage branches on which.

use core::fmt::Debug;
use core::future::Future;
use core::pin::Pin;
use std::sync::Arc;

use jsonwebtoken::Algorithm;

use crate::error::TokenError;

mod crypto;
mod jwk;
mod key;
#[cfg(feature = "jwks")]
mod remote;

pub use crypto::install_crypto_provider;
pub(crate) use crypto::{Prepared, sha256, sign, with_decoded};
pub(crate) use jwk::is_object;
#[cfg(fuzzing)]
pub(crate) use jwk::parse_set;
pub use jwk::{SkipReason, SkippedKey};
pub use key::Key;
pub(crate) use key::check_secret;
#[cfg(feature = "jwks")]
pub(crate) use remote::for_logs;
#[cfg(feature = "jwks")]
pub use remote::{FetchOptions, KeyFetchError, KeyRefreshError};
#[cfg(feature = "jwks")]
pub(crate) use remote::{Location, RemoteKeys};
#[cfg(feature = "introspection")]
pub(crate) use remote::{check_url, client, discovery, post_form};

/// The most keys one token is tried with ([`KeySet::candidates`]): a rotation's two or
/// three, and a bound on what a forged token without `kid` costs (one signature check
/// each) whatever the size of a fetched set.
pub(crate) const KEYS_TRIED: usize = 4;

/// A set of keys, and a number that changes whenever its keys do (cached
/// verifications of an older generation are not trusted).
#[derive(Debug, Default)]
pub(crate) struct KeySet {
    pub(crate) keys: Vec<Key>,
    pub(crate) generation: u64,
}

impl KeySet {
    /// Whether the set is one: keys given to the builder, or what the provider last
    /// answered, empty or not. Only a remote set before its first fetch is none.
    pub(crate) fn known(&self) -> bool {
        self.generation != 0 || !self.keys.is_empty()
    }

    /// The keys a token's header may have been signed with, in the set's order: the
    /// key of its `kid` when the token names one and keys have ids, else every key
    /// pinned to the token's algorithm (a token without `kid`, or keys without ids:
    /// several secrets during a rotation, a provider that names no key), at most
    /// [`KEYS_TRIED`] of them. Each key's algorithm is the token's; when there is none,
    /// [`missing`](Self::missing) says why.
    pub(crate) fn candidates(
        &self,
        algorithm: Algorithm,
        kid: Option<&str>,
    ) -> impl Iterator<Item = &Key> {
        let by_kid = self.by_kid(kid);
        self.keys
            .iter()
            .filter(move |key| {
                key.algorithm == algorithm
                    && by_kid.is_none_or(|kid| key.kid.as_deref() == Some(kid))
            })
            .take(KEYS_TRIED)
    }

    /// Why a token's header (`kid`, `algorithm`) has no [`candidates`](Self::candidates):
    /// a `kid` no key has, or no key at all (a provider's set without a usable key, for
    /// a token of a public-key algorithm), each worth a refresh of a fetched set; or no
    /// key of its algorithm by that id or at all (refused whatever the set).
    pub(crate) fn missing(
        &self,
        kid: Option<&str>,
        algorithm: jsonwebtoken::Algorithm,
    ) -> TokenError {
        use jsonwebtoken::AlgorithmFamily;
        if self.keys.is_empty() && algorithm.family() != AlgorithmFamily::Hmac {
            return TokenError::UnknownKey;
        }
        match self.by_kid(kid) {
            Some(kid) if !self.keys.iter().any(|key| key.kid.as_deref() == Some(kid)) => {
                TokenError::UnknownKey
            }
            _ => TokenError::AlgorithmNotAllowed,
        }
    }

    /// The `kid` keys are chosen by: the token's, when the set's keys have ids.
    fn by_kid<'a>(&self, kid: Option<&'a str>) -> Option<&'a str> {
        kid.filter(|_| self.keys.iter().any(|key| key.kid.is_some()))
    }
}

/// What a key set can tell, after a refresh it was asked for, of a key it lacked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(
    not(feature = "jwks"),
    expect(dead_code, reason = "only fetched key sets change or fail")
)]
pub(crate) enum AfterMiss {
    /// The set changed since: a second lookup is worth it.
    Changed,
    /// The set is as fresh as a fetch allowed now makes it, and the key is not in it.
    Current,
    /// The provider could not be reached for a fresh set (the last fetch failed): the
    /// key may be new, so the token cannot be judged.
    Unavailable,
}

/// A future a key store returns (only on the slow paths: a refresh).
pub(crate) type KeysFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Where one issuer's keys come from.
///
/// Reading ([`current`](Self::current), [`generation`](Self::generation)) has no side
/// effect and takes no lock a refresh holds; refreshing is always an explicit call.
pub(crate) trait KeyStore: Debug + Send + Sync {
    /// The current set.
    fn current(&self) -> Arc<KeySet>;

    /// The generation of the current set, without cloning it.
    fn generation(&self) -> u64;

    /// Starts a refresh in the background when the set is due for one (its max-age
    /// passed); returns at once. Nothing to do for keys that never change.
    fn refresh_if_due(&self) {}

    /// After a token named a key the set of `generation` lacks: waits for a refresh
    /// when one is allowed now, and says what the set can tell of the key since.
    fn refresh_after_miss(&self, generation: u64) -> KeysFuture<'_, AfterMiss> {
        let _ = generation;
        Box::pin(async { AfterMiss::Current })
    }

    /// Fetches now, whatever the cooldown (start-up checks).
    #[cfg(feature = "jwks")]
    fn refresh_now(&self) -> KeysFuture<'_, Result<(), KeyRefreshError>> {
        Box::pin(async { Ok(()) })
    }
}

/// Keys given to the builder: one set, forever.
#[derive(Debug)]
pub(crate) struct StaticKeys(Arc<KeySet>);

impl StaticKeys {
    pub(crate) fn new(keys: Vec<Key>) -> Self {
        Self(Arc::new(KeySet {
            keys,
            generation: 0,
        }))
    }
}

impl KeyStore for StaticKeys {
    fn current(&self) -> Arc<KeySet> {
        Arc::clone(&self.0)
    }

    fn generation(&self) -> u64 {
        self.0.generation
    }
}

/// The bound of the key-fetching methods of a build without the `jwks`
/// feature (`VerifierBuilder::oidc_issuer`, `VerifierBuilder::jwks_url`,
/// `TrustedIssuer::oidc`, `TrustedIssuer::jwks_url`), which nothing implements
/// (nor can: it is sealed), so that a call says which feature to enable where rustc
/// would suggest another method.
#[cfg(not(feature = "jwks"))]
pub(crate) mod without_jwks {
    mod sealed {
        pub trait Sealed {}
    }

    #[diagnostic::on_unimplemented(
        message = "fetching keys from an identity provider needs scopes-core's `jwks` feature",
        label = "`oidc_issuer`, `jwks_url`, `TrustedIssuer::oidc` and `TrustedIssuer::jwks_url` need the `jwks` feature",
        note = "enable it: `scopes-core = {{ version = \"…\", features = [\"jwks\"] }}` (or `cargo add scopes-core -F jwks`)"
    )]
    pub trait NeedsTheJwksFeature: sealed::Sealed {}
}

/// Bytes written in hex, for the tests' known-answer vectors.
#[cfg(test)]
pub(crate) fn from_hex(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(&hex[at..at + 2], 16).unwrap())
        .collect()
}
