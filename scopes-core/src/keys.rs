//! Where a verifier's keys come from: configured ones, or a key set fetched from an
//! identity provider (feature `jwks`).

use std::sync::Arc;

use jsonwebtoken::Algorithm;

use crate::{Key, TokenError};

/// A set of keys, and a number that changes whenever its keys do (cached
/// verifications of an older generation are not trusted).
#[derive(Debug, Default)]
pub(crate) struct KeySet {
    pub(crate) keys: Vec<Key>,
    pub(crate) generation: u64,
}

impl KeySet {
    /// The key for a token's header: by `kid` when the token names one and keys have
    /// ids, else the first key pinned to the token's algorithm. The key's algorithm must
    /// be the token's.
    pub(crate) fn select(
        &self,
        algorithm: Algorithm,
        kid: Option<&str>,
    ) -> Result<&Key, TokenError> {
        let keys = &self.keys;
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
}

/// The keys of one issuer.
#[derive(Debug)]
pub(crate) enum KeySource {
    /// Keys given to the builder.
    Static(Arc<KeySet>),
    /// A JWKS fetched and refreshed from a URL.
    #[cfg(feature = "jwks")]
    Remote(Arc<crate::remote::RemoteKeys>),
}

impl KeySource {
    /// The current set, without taking any lock a refresh holds. A remote set that is
    /// due for a refresh starts one in the background.
    pub(crate) fn current(&self) -> Arc<KeySet> {
        match self {
            Self::Static(set) => Arc::clone(set),
            #[cfg(feature = "jwks")]
            Self::Remote(remote) => remote.current(),
        }
    }

    /// The generation of the current set, without cloning it.
    pub(crate) fn generation(&self) -> u64 {
        match self {
            Self::Static(set) => set.generation,
            #[cfg(feature = "jwks")]
            Self::Remote(remote) => remote.generation(),
        }
    }

    /// Whether the set is fetched (and may change).
    pub(crate) fn is_remote(&self) -> bool {
        match self {
            Self::Static(_) => false,
            #[cfg(feature = "jwks")]
            Self::Remote(_) => true,
        }
    }

    /// After a token named a key the set lacks (or before any set was fetched): waits
    /// for a refresh when one is allowed now. `true` when a fetch completed since the
    /// miss, so the lookup is worth retrying.
    pub(crate) async fn refresh_after_miss(&self, set: &KeySet) -> bool {
        match self {
            Self::Static(_) => {
                let _ = set;
                false
            }
            #[cfg(feature = "jwks")]
            Self::Remote(remote) => remote.refresh_after_miss(set.generation).await,
        }
    }
}
