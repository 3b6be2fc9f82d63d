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
    /// An RSA key shorter than 2048 bits (RFC 7518 §3.3).
    WeakKey,
    /// An Ed25519 key that is a point of small order (the identity among them): a
    /// signature that verifies under it can be made for any token without a private key.
    SmallOrderKey,
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
            Self::WeakKey => "an RSA key shorter than 2048 bits",
            Self::SmallOrderKey => "an Ed25519 key of small order",
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

/// Whether `json` is an object, as a JOSE header, a JWT's claims (RFC 7515 §4, RFC 7519
/// §7.2), a JWKS (RFC 7517 §5) and a discovery document must be. Read before serde's
/// derived structs, which also take an array (its elements as the fields, in order): a
/// header `["HS256"]` is not a header, nor `[[{…}]]` a key set.
pub(crate) fn is_object(json: &[u8]) -> bool {
    json.trim_ascii_start().first() == Some(&b'{')
}

/// Reads a JWKS document (`{"keys": [...]}`). `Err` when the document itself is not
/// one; a key that cannot be used is skipped, with its reason.
#[cfg_attr(not(feature = "jwks"), allow(dead_code))]
pub(crate) fn parse_set(json: &[u8]) -> Result<ParsedSet, serde_json::Error> {
    if !is_object(json) {
        return Err(serde::de::Error::custom("a JWKS is a JSON object"));
    }
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
        let key = match &jwk.algorithm {
            // RFC 7518 §6.3.1.1 forbids leading zero octets in `n` and `e`, but some
            // providers have published them, and the crypto backend then refuses every
            // signature with the key: read the numbers without them.
            AlgorithmParameters::RSA(rsa) => {
                let (n, e) = (unsigned(&rsa.n), unsigned(&rsa.e));
                let (Some(n), Some(e)) = (n, e) else {
                    return Err(skip(SkipReason::Unparsable));
                };
                DecodingKey::from_rsa_raw_components(&n, &e)
            }
            _ => DecodingKey::from_jwk(jwk).map_err(|_| skip(SkipReason::Unparsable))?,
        };
        if key.family() == jsonwebtoken::AlgorithmFamily::Rsa {
            match super::key::rsa_modulus_bits(&key) {
                Some(bits) if bits >= super::key::RSA_MIN_BITS => {}
                Some(_) => return Err(skip(SkipReason::WeakKey)),
                None => return Err(skip(SkipReason::Unparsable)),
            }
        }
        if super::key::small_order_ed25519(&key) {
            return Err(skip(SkipReason::SmallOrderKey));
        }
        let mut key = Key::new(algorithm, key);
        key.kid = jwk.common.key_id.clone();
        Ok(key)
    }
}

/// A JWK's base64url big-endian integer, without leading zero octets; `None` if it is
/// not base64url or is zero.
fn unsigned(text: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .ok()?;
    let first = bytes.iter().position(|byte| *byte != 0)?;
    Some(bytes[first..].to_vec())
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

/// Property tests of reading a key set: a key is kept only when its `kty`, `crv`, `alg`,
#[cfg(test)]
mod tests {
    use jsonwebtoken::jwk::Jwk;

    use super::{Key, SkipReason};
    use crate::keys::from_hex;

    /// An RS256 JWK whose modulus is `n`.
    fn rsa(n: &[u8]) -> Jwk {
        use base64::Engine;
        let n = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(n);
        serde_json::from_value(serde_json::json!({
            "kty": "RSA", "alg": "RS256", "kid": "k", "n": n, "e": "AQAB"
        }))
        .unwrap()
    }

    fn modulus(bytes: usize, first: u8) -> Vec<u8> {
        let mut n = vec![1u8; bytes];
        n[0] = first;
        n
    }

    #[test]
    fn rsa_keys_shorter_than_2048_bits_are_left_out() {
        assert!(Key::from_jwk(&rsa(&modulus(256, 0x80))).is_ok());
        // Leading zero bytes do not count.
        let mut padded = vec![0, 0];
        padded.extend(modulus(256, 0xff));
        assert!(Key::from_jwk(&rsa(&padded)).is_ok());
        // 2047 bits, 1024 bits, 2047 bits after a zero byte.
        let mut short = vec![0];
        short.extend(modulus(256, 0x7f));
        for n in [modulus(256, 0x7f), modulus(128, 0xff), short] {
            let skipped = Key::from_jwk(&rsa(&n)).unwrap_err();
            assert_eq!(skipped.reason, SkipReason::WeakKey);
            assert_eq!(skipped.kid.as_deref(), Some("k"));
        }
        // No modulus at all.
        let skipped = Key::from_jwk(&rsa(&[0, 0])).unwrap_err();
        assert_eq!(skipped.reason, SkipReason::Unparsable);
    }

    /// An EdDSA JWK whose point is `x`.
    fn ed25519(x: &[u8]) -> Jwk {
        use base64::Engine;
        let x = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(x);
        serde_json::from_value(serde_json::json!({
            "kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "kid": "k", "x": x
        }))
        .unwrap()
    }

    /// `point` in a DER SubjectPublicKeyInfo (RFC 8410 §4): `SEQUENCE { SEQUENCE {
    /// id-Ed25519 }, BIT STRING }`.
    fn ed25519_spki(point: &[u8]) -> Vec<u8> {
        let mut der = from_hex("302a300506032b6570032100");
        der.extend_from_slice(point);
        der
    }

    #[test]
    fn ed25519_keys_of_small_order_are_left_out() {
        // RFC 8032 §7.1, test 1: a real key.
        let good = from_hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
        assert!(Key::from_jwk(&ed25519(&good)).is_ok());
        assert!(Key::public_der(jsonwebtoken::Algorithm::EdDSA, &good).is_ok());
        assert!(Key::public_der(jsonwebtoken::Algorithm::EdDSA, ed25519_spki(&good)).is_ok());
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let small = [
            identity.to_vec(),
            vec![0; 32],
            from_hex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),
            from_hex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),
            from_hex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
            from_hex("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
            from_hex("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
        ];
        for point in small {
            // The sign bit set or not.
            for sign in [0, 0x80] {
                let mut point = point.clone();
                point[31] |= sign;
                let skipped = Key::from_jwk(&ed25519(&point)).unwrap_err();
                assert_eq!(skipped.reason, SkipReason::SmallOrderKey, "{point:x?}");
                assert_eq!(
                    Key::public_der(jsonwebtoken::Algorithm::EdDSA, &point).unwrap_err(),
                    crate::ConfigError::SmallOrderKey
                );
                // Inside a SubjectPublicKeyInfo too.
                assert_eq!(
                    Key::public_der(jsonwebtoken::Algorithm::EdDSA, ed25519_spki(&point))
                        .unwrap_err(),
                    crate::ConfigError::SmallOrderKey
                );
            }
        }
    }
}

/// `use` and `key_ops` agree (a plain statement of the rule decides), one bad key never
/// drops the others, and a `kid` used twice selects nothing.
#[cfg(test)]
mod properties {
    use jsonwebtoken::Algorithm;
    use proptest::prelude::*;
    use serde_json::{Map, Value, json};

    use super::parse_set;

    /// Base64url that decodes (the material is not checked until a signature is).
    const MATERIAL: &str = "AQAB";

    /// 256 bytes, the first with its high bit set, in base64url: a 2048-bit modulus.
    const MODULUS_2048: &str = concat!(
        "gAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "AAAAAAAAAAAAAAAAAAAAAA",
    );

    #[derive(Debug, Clone)]
    struct Spec {
        kty: Option<&'static str>,
        crv: Option<&'static str>,
        alg: Option<&'static str>,
        use_: Option<&'static str>,
        key_ops: Option<Vec<&'static str>>,
        /// Material that is not base64url.
        garbled: bool,
    }

    fn spec() -> impl Strategy<Value = Spec> {
        let kty = prop::option::weighted(
            0.95,
            prop::sample::select(vec!["RSA", "EC", "OKP", "oct", "XYZ"]),
        );
        let crv = prop::option::of(prop::sample::select(vec![
            "P-256",
            "P-384",
            "P-521",
            "Ed25519",
            "X25519",
            "secp256k1",
        ]));
        let alg = prop::option::of(prop::sample::select(vec![
            "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512",
            "EdDSA", "HS256", "RSA-OAEP", "none", "rs256",
        ]));
        let use_ = prop::option::weighted(0.4, prop::sample::select(vec!["sig", "enc", "x"]));
        let key_ops = prop::option::weighted(
            0.2,
            prop::collection::vec(
                prop::sample::select(vec!["verify", "sign", "encrypt"]),
                0..3,
            ),
        );
        (kty, crv, alg, use_, key_ops, prop::bool::weighted(0.05)).prop_map(
            |(kty, crv, alg, use_, key_ops, garbled)| Spec {
                kty,
                crv,
                alg,
                use_,
                key_ops,
                garbled,
            },
        )
    }

    impl Spec {
        fn jwk(&self, kid: &str) -> Value {
            let material = if self.garbled { "!!!" } else { MATERIAL };
            let mut jwk = Map::new();
            jwk.insert("kid".into(), json!(kid));
            if let Some(kty) = self.kty {
                jwk.insert("kty".into(), json!(kty));
            }
            match self.kty {
                Some("RSA") => {
                    // A 2048-bit modulus: shorter ones are left out as weak.
                    let modulus = if self.garbled { material } else { MODULUS_2048 };
                    jwk.insert("n".into(), json!(modulus));
                    jwk.insert("e".into(), json!(MATERIAL));
                }
                Some("EC") => {
                    jwk.insert("x".into(), json!(material));
                    jwk.insert("y".into(), json!(MATERIAL));
                }
                Some("OKP") => {
                    jwk.insert("x".into(), json!(material));
                }
                Some("oct") => {
                    jwk.insert("k".into(), json!(material));
                }
                _ => {}
            }
            for (name, value) in [("crv", self.crv), ("alg", self.alg), ("use", self.use_)] {
                if let Some(value) = value {
                    jwk.insert(name.into(), json!(value));
                }
            }
            if let Some(ops) = &self.key_ops {
                jwk.insert("key_ops".into(), json!(ops));
            }
            Value::Object(jwk)
        }

        /// The rule, stated plainly: the algorithm the key verifies, or `None` when it
        /// must be left out.
        fn expected(&self) -> Option<Algorithm> {
            if self.garbled || self.use_.is_some_and(|u| u != "sig") {
                return None;
            }
            if self
                .key_ops
                .as_ref()
                .is_some_and(|ops| !ops.contains(&"verify"))
            {
                return None;
            }
            let (kty, crv) = (self.kty?, self.crv);
            // The members each key type needs (`crv` for EC and OKP).
            if matches!(kty, "EC" | "OKP") && crv.is_none() {
                return None;
            }
            let algorithm = match self.alg {
                Some(alg) => match alg {
                    "RS256" => Algorithm::RS256,
                    "RS384" => Algorithm::RS384,
                    "RS512" => Algorithm::RS512,
                    "PS256" => Algorithm::PS256,
                    "PS384" => Algorithm::PS384,
                    "PS512" => Algorithm::PS512,
                    "ES256" => Algorithm::ES256,
                    "ES384" => Algorithm::ES384,
                    "EdDSA" => Algorithm::EdDSA,
                    _ => return None,
                },
                None => match (kty, crv) {
                    ("RSA", _) => Algorithm::RS256,
                    ("EC", Some("P-256")) => Algorithm::ES256,
                    ("EC", Some("P-384")) => Algorithm::ES384,
                    ("OKP", Some("Ed25519")) => Algorithm::EdDSA,
                    _ => return None,
                },
            };
            let fits = match (kty, crv, algorithm) {
                ("RSA", _, alg) => matches!(
                    alg,
                    Algorithm::RS256
                        | Algorithm::RS384
                        | Algorithm::RS512
                        | Algorithm::PS256
                        | Algorithm::PS384
                        | Algorithm::PS512
                ),
                ("EC", Some("P-256"), Algorithm::ES256) => true,
                ("EC", Some("P-384"), Algorithm::ES384) => true,
                ("OKP", Some("Ed25519"), Algorithm::EdDSA) => true,
                _ => false,
            };
            fits.then_some(algorithm)
        }
    }

    fn document(keys: &[Value]) -> Vec<u8> {
        json!({ "keys": keys }).to_string().into_bytes()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Each key is kept exactly when the rule says, pinned to the rule's algorithm.
        #[test]
        fn a_key_is_kept_only_when_its_members_agree(specs in prop::collection::vec(spec(), 1..8)) {
            let keys: Vec<Value> = specs.iter().enumerate().map(|(i, s)| s.jwk(&format!("k{i}"))).collect();
            let parsed = parse_set(&document(&keys)).unwrap();
            for (i, spec) in specs.iter().enumerate() {
                let kid = format!("k{i}");
                let kept = parsed.keys.iter().find(|key| key.kid.as_deref() == Some(&kid));
                prop_assert_eq!(kept.map(|key| key.algorithm), spec.expected(), "{}", keys[i]);
                let skipped = parsed.skipped.iter().any(|s| s.kid.as_deref() == Some(&kid));
                prop_assert_eq!(skipped, kept.is_none(), "kept or skipped, once: {}", keys[i]);
            }
        }

        /// One key, whatever it is (even not an object), never costs the others.
        #[test]
        fn one_bad_key_never_drops_the_others(
            bad in prop_oneof![
                spec().prop_map(|s| s.jwk("bad")),
                Just(json!(null)),
                Just(json!("RSA")),
                Just(json!([1, 2])),
                Just(json!({"kty": 5, "kid": "bad"})),
                Just(json!({"kid": "bad"})),
            ],
            at in 0..4usize,
        ) {
            let good = ["RS256", "ES256", "EdDSA"];
            let mut keys: Vec<Value> = good
                .iter()
                .enumerate()
                .map(|(i, alg)| {
                    let (kty, crv) = match *alg {
                        "RS256" => ("RSA", None),
                        "ES256" => ("EC", Some("P-256")),
                        _ => ("OKP", Some("Ed25519")),
                    };
                    Spec { kty: Some(kty), crv, alg: Some(alg), use_: Some("sig"), key_ops: None, garbled: false }
                        .jwk(&format!("good{i}"))
                })
                .collect();
            keys.insert(at.min(keys.len()), bad);
            let parsed = parse_set(&document(&keys)).unwrap();
            for i in 0..good.len() {
                let kid = format!("good{i}");
                prop_assert!(parsed.keys.iter().any(|key| key.kid.as_deref() == Some(&kid)), "{kid} dropped: {keys:?}");
            }
        }

        /// A `kid` given to two keys selects neither, and the others stay.
        #[test]
        fn a_kid_used_twice_selects_nothing(specs in prop::collection::vec(spec(), 2..6), twin in 0..6usize) {
            let mut keys: Vec<Value> = specs.iter().enumerate().map(|(i, s)| s.jwk(&format!("k{i}"))).collect();
            let twin = twin % keys.len();
            let copy = specs[twin].jwk("k0");
            keys.push(copy);
            let parsed = parse_set(&document(&keys)).unwrap();
            let both_usable = specs[0].expected().is_some() && specs[twin].expected().is_some();
            if both_usable {
                prop_assert!(parsed.keys.iter().all(|key| key.kid.as_deref() != Some("k0")));
            }
            for (i, spec) in specs.iter().enumerate().skip(1) {
                let kid = format!("k{i}");
                let kept = parsed.keys.iter().any(|key| key.kid.as_deref() == Some(&kid));
                prop_assert_eq!(kept, spec.expected().is_some());
            }
        }
    }
}
