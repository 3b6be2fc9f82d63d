//! Keys from a JSON Web Key Set (RFC 7517), each pinned to one algorithm.

use core::fmt;

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::Key;

/// A JWK that was left out of a set, and why. One bad key never drops the others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedKey {
    /// Its `kid`, if it has one.
    pub kid: Option<String>,
    /// Why it was left out.
    pub reason: SkipReason,
}

/// Why a JWK was left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SkipReason {
    /// Not a JWK jsonwebtoken can read (missing or malformed members).
    Unparsable,
    /// `use` is not `sig`, or `key_ops` lacks `verify`.
    NotForSignatures,
    /// A symmetric (`oct`) key: a shared secret has no place in a published key set.
    Symmetric,
    /// The `alg` is not a signature algorithm supported here (P-521, `RSA-OAEP`, …).
    UnsupportedAlgorithm,
    /// `kty` or `crv` do not fit the `alg` (an EC key marked `RS256`, a P-384 key
    /// marked `ES256`, …).
    Mismatch,
    /// No `alg`, and the key type alone names no single algorithm.
    NoAlgorithm,
    /// Another key of the set has the same `kid`: both are left out, since a token
    /// naming it could not tell them apart.
    DuplicateKid,
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Unparsable => "not a readable JWK",
            Self::NotForSignatures => "not a signature key (use/key_ops)",
            Self::Symmetric => "a symmetric key",
            Self::UnsupportedAlgorithm => "an unsupported algorithm",
            Self::Mismatch => "kty/crv do not fit alg",
            Self::NoAlgorithm => "no alg, and none follows from the key type",
            Self::DuplicateKid => "its kid is used twice",
        })
    }
}

/// The keys of a JWKS document, and the JWKs left out.
#[cfg_attr(not(feature = "jwks"), allow(dead_code))]
#[derive(Debug, Default)]
pub(crate) struct ParsedSet {
    pub(crate) keys: Vec<Key>,
    pub(crate) skipped: Vec<SkippedKey>,
}

#[cfg_attr(not(feature = "jwks"), allow(dead_code))]
#[derive(Deserialize)]
struct Document<'a> {
    #[serde(borrow)]
    keys: Vec<&'a RawValue>,
}

/// Reads a JWKS document (`{"keys": [...]}`). `Err` when the document itself is not
/// one; a key that cannot be used is skipped, with its reason.
#[cfg_attr(not(feature = "jwks"), allow(dead_code))]
pub(crate) fn parse_set(json: &[u8]) -> Result<ParsedSet, serde_json::Error> {
    let document: Document<'_> = serde_json::from_slice(json)?;
    let mut parsed = ParsedSet::default();
    for raw in document.keys {
        match serde_json::from_str::<Jwk>(raw.get()) {
            Ok(jwk) => match Key::from_jwk(&jwk) {
                Ok(key) => parsed.keys.push(key),
                Err(skipped) => parsed.skipped.push(skipped),
            },
            Err(_) => parsed.skipped.push(SkippedKey {
                kid: kid_of(raw),
                reason: SkipReason::Unparsable,
            }),
        }
    }
    // A `kid` used twice selects no key reliably: leave out every key that has it.
    let mut index = 0;
    while index < parsed.keys.len() {
        let kid = parsed.keys[index].kid.clone();
        let twins = kid.as_ref().is_some_and(|kid| {
            parsed
                .keys
                .iter()
                .filter(|key| key.kid.as_ref() == Some(kid))
                .count()
                > 1
        });
        if twins {
            parsed.keys.retain(|key| key.kid != kid);
            parsed.skipped.push(SkippedKey {
                kid,
                reason: SkipReason::DuplicateKid,
            });
        } else {
            index += 1;
        }
    }
    Ok(parsed)
}

#[cfg_attr(not(feature = "jwks"), allow(dead_code))]
fn kid_of(raw: &RawValue) -> Option<String> {
    #[derive(Deserialize)]
    struct Kid {
        kid: Option<String>,
    }
    serde_json::from_str::<Kid>(raw.get()).ok()?.kid
}

impl Key {
    /// A key from a JWK (RFC 7517), pinned to the JWK's `alg`.
    ///
    /// Without `alg`, the key type decides where it can: RSA keys are `RS256` (what
    /// Entra ID publishes them for), P-256 `ES256`, P-384 `ES384`, Ed25519 `EdDSA`. A
    /// `kty` or `crv` that does not fit the `alg`, symmetric keys, and keys not meant for
    /// signatures are refused.
    pub fn from_jwk(jwk: &Jwk) -> Result<Self, SkippedKey> {
        let skip = |reason| SkippedKey {
            kid: jwk.common.key_id.clone(),
            reason,
        };
        if jwk
            .common
            .public_key_use
            .as_ref()
            .is_some_and(|u| *u != PublicKeyUse::Signature)
            || jwk
                .common
                .key_operations
                .as_ref()
                .is_some_and(|ops| !ops.contains(&jsonwebtoken::jwk::KeyOperations::Verify))
        {
            return Err(skip(SkipReason::NotForSignatures));
        }
        let algorithm = match jwk.common.key_algorithm {
            Some(alg) => signature_algorithm(alg).ok_or(skip(SkipReason::UnsupportedAlgorithm))?,
            None => implied_algorithm(&jwk.algorithm).ok_or(skip(SkipReason::NoAlgorithm))?,
        };
        match (&jwk.algorithm, algorithm) {
            (AlgorithmParameters::OctetKey(_), _) => return Err(skip(SkipReason::Symmetric)),
            (
                AlgorithmParameters::RSA(_),
                Algorithm::RS256
                | Algorithm::RS384
                | Algorithm::RS512
                | Algorithm::PS256
                | Algorithm::PS384
                | Algorithm::PS512,
            ) => {}
            (AlgorithmParameters::EllipticCurve(ec), Algorithm::ES256)
                if ec.curve == EllipticCurve::P256 => {}
            (AlgorithmParameters::EllipticCurve(ec), Algorithm::ES384)
                if ec.curve == EllipticCurve::P384 => {}
            (AlgorithmParameters::OctetKeyPair(okp), Algorithm::EdDSA)
                if okp.curve == EllipticCurve::Ed25519 => {}
            _ => return Err(skip(SkipReason::Mismatch)),
        }
        let key = DecodingKey::from_jwk(jwk).map_err(|_| skip(SkipReason::Unparsable))?;
        let mut key = Key::new(algorithm, key);
        key.kid = jwk.common.key_id.clone();
        Ok(key)
    }
}

fn signature_algorithm(alg: KeyAlgorithm) -> Option<Algorithm> {
    Some(match alg {
        KeyAlgorithm::RS256 => Algorithm::RS256,
        KeyAlgorithm::RS384 => Algorithm::RS384,
        KeyAlgorithm::RS512 => Algorithm::RS512,
        KeyAlgorithm::PS256 => Algorithm::PS256,
        KeyAlgorithm::PS384 => Algorithm::PS384,
        KeyAlgorithm::PS512 => Algorithm::PS512,
        KeyAlgorithm::ES256 => Algorithm::ES256,
        KeyAlgorithm::ES384 => Algorithm::ES384,
        KeyAlgorithm::EdDSA => Algorithm::EdDSA,
        // HMAC keys are refused as symmetric, by the caller's match on the key type.
        KeyAlgorithm::HS256 => Algorithm::HS256,
        KeyAlgorithm::HS384 => Algorithm::HS384,
        KeyAlgorithm::HS512 => Algorithm::HS512,
        _ => return None,
    })
}

fn implied_algorithm(parameters: &AlgorithmParameters) -> Option<Algorithm> {
    match parameters {
        AlgorithmParameters::RSA(_) => Some(Algorithm::RS256),
        AlgorithmParameters::EllipticCurve(ec) => match ec.curve {
            EllipticCurve::P256 => Some(Algorithm::ES256),
            EllipticCurve::P384 => Some(Algorithm::ES384),
            _ => None,
        },
        AlgorithmParameters::OctetKeyPair(okp) if okp.curve == EllipticCurve::Ed25519 => {
            Some(Algorithm::EdDSA)
        }
        AlgorithmParameters::OctetKey(_) => Some(Algorithm::HS256),
        _ => None,
    }
}
