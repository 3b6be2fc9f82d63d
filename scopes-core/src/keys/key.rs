//! Verification keys, each pinned to one algorithm (RFC 8725 §3.1).

use core::fmt;

use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey};

use super::Prepared;
use crate::error::ConfigError;

/// A key that verifies tokens signed with exactly one algorithm.
///
/// The algorithm is fixed here, by configuration; a token's `alg` header only selects
/// among configured keys, it is never trusted to pick the algorithm (RFC 8725 §3.1).
/// The constructors make the classic confusion impossible: a secret is only ever an HMAC
/// key and a public key is never used for HMAC.
#[derive(Clone)]
pub struct Key {
    pub(crate) algorithm: Algorithm,
    pub(crate) kid: Option<String>,
    pub(crate) key: DecodingKey,
    /// The verifier, prepared once (HMAC's keyed state).
    pub(crate) prepared: Prepared,
}

impl Key {
    /// An HMAC key (`HS256`, `HS384` or `HS512`) from the raw secret bytes.
    ///
    /// A secret shorter than the hash output (32 bytes for `HS256`) is refused
    /// (RFC 7518 §3.2, RFC 8725 §3.5).
    pub fn secret(algorithm: Algorithm, secret: impl AsRef<[u8]>) -> Result<Self, ConfigError> {
        let secret = secret.as_ref();
        check_secret(algorithm, secret)?;
        Ok(Self {
            prepared: Prepared::secret(algorithm, secret),
            ..Self::new(algorithm, DecodingKey::from_secret(secret))
        })
    }

    /// An `HS256` key from the secret; the tutorial's setup.
    pub fn hs256(secret: impl AsRef<[u8]>) -> Result<Self, ConfigError> {
        Self::secret(Algorithm::HS256, secret)
    }

    /// A public key in PEM for an RSA (`RS*`, `PS*`), ECDSA (`ES256`, `ES384`) or `EdDSA`
    /// algorithm:
    ///
    /// | label | holds |
    /// |---|---|
    /// | `PUBLIC KEY` | a `SubjectPublicKeyInfo` (`openssl pkey -pubout`) |
    /// | `RSA PUBLIC KEY` | a PKCS#1 `RSAPublicKey`, for `RS*` and `PS*` |
    /// | `CERTIFICATE` | an X.509 certificate: its subject's public key is read, the certificate itself (validity, issuer, chain) is not checked |
    ///
    /// The key must be of the algorithm's type and, for ECDSA, of its curve: the curve
    /// named (RFC 5480; a key that spells out its curve's parameters is refused) and a
    /// point of that curve's length, so that a P-384 key for `ES256` is
    /// [`ConfigError::InvalidKey`] here, not a refusal of every token later (the point
    /// itself is checked by the first signature it verifies). The text holds one PEM
    /// block: several (a certificate chain, a private key next to the public one) are
    /// [`ConfigError::SeveralPemBlocks`]. Anything else, a private key above all, is
    /// refused.
    pub fn public_pem(algorithm: Algorithm, pem: impl AsRef<[u8]>) -> Result<Self, ConfigError> {
        let family = public_family(algorithm)?;
        let invalid = || ConfigError::InvalidKey(algorithm);
        // One block, read whole: a second (a chain's next certificate, a private key
        // pasted after the public one) is refused, not left unread.
        let mut blocks = pem::parse_many(pem.as_ref()).map_err(|_| invalid())?;
        if blocks.len() > 1 {
            let blocks = blocks.len();
            return Err(ConfigError::SeveralPemBlocks { algorithm, blocks });
        }
        let pem = blocks.pop().ok_or_else(invalid)?;
        let der = pem.contents();
        let bare = match (pem.tag(), family) {
            ("PUBLIC KEY", _) => spki_key(algorithm, subject_public_key_info(der))?,
            ("CERTIFICATE", _) => spki_key(algorithm, certificate_key_info(der))?,
            ("RSA PUBLIC KEY", AlgorithmFamily::Rsa) => der.to_vec(),
            _ => return Err(invalid()),
        };
        Self::public_bare(algorithm, family, &checked_bare(algorithm, bare)?)
    }

    /// A public key in DER: a `SubjectPublicKeyInfo` (RFC 5280 §4.1.2.7; what
    /// `openssl pkey -pubout -outform DER` writes, and what Keycloak's realm "Public key"
    /// is once base64-decoded) for any of these algorithms, or the bare key such a
    /// structure holds:
    ///
    /// | algorithm | `SubjectPublicKeyInfo` | bare key |
    /// |---|---|---|
    /// | `RS*`, `PS*` | `rsaEncryption` (`PS*` also `id-RSASSA-PSS`) | PKCS#1 `RSAPublicKey` (`openssl rsa -pubout -RSAPublicKey_out -outform DER`) |
    /// | `ES256`, `ES384` | `id-ecPublicKey` on P-256, P-384 | the SEC1 point: uncompressed (`04`, x, y: 65 bytes on P-256, 97 on P-384) or compressed (`02`/`03`, x: 33 or 49 bytes) |
    /// | `EdDSA` | `id-Ed25519` | the 32-byte Ed25519 point |
    ///
    /// Anything else is [`ConfigError::InvalidKey`]: a structure of another algorithm
    /// or curve, a point of the wrong length, DER that is neither form. A PEM file is
    /// read by [`public_pem`](Self::public_pem).
    ///
    /// ```
    /// # use scopes_core::{Algorithm, Key};
    /// use base64::Engine;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// // Keycloak: Realm settings → Keys → RS256 → "Public key".
    /// # let public_key = concat!(
    /// #     "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAxAykMHSsQvGl+ChTAyMe",
    /// #     "EvN/7dHmfs6zp/zhoZOnhrVKZfpOu5K9Nb5R57Lryas+MzzMqdxMY8i3+0St5uOX",
    /// #     "fXCNoW0sU9p8ndcYsUZcO/Ln5yJF5sbZJB8sk1AWVwCgL7dXus8sE2ylq7a9syW/",
    /// #     "TTZsc4bb/nASroAZyktjA9TgFl+B9CjPbZIrreD9jEJ200sb/ko6SjoZDuaIAvbI",
    /// #     "TnxOhAZ+YkEu4R/4ZoSb4uWcncEGEVo5Rlv9+wqW64zc9TGuQ6mYPc0lEjfc5GON",
    /// #     "gV3lFqW6lApGnLYSvGulg7uSN5VRf9CFOaNj5BSrI65dGyUR2/mSSqh1saYRRpls",
    /// #     "VwIDAQAB",
    /// # );
    /// let der = base64::engine::general_purpose::STANDARD.decode(public_key)?;
    /// let key = Key::public_der(Algorithm::RS256, der)?;
    /// # let _ = key;
    /// # Ok(()) }
    /// ```
    pub fn public_der(algorithm: Algorithm, der: impl AsRef<[u8]>) -> Result<Self, ConfigError> {
        let family = public_family(algorithm)?;
        let bare = bare_public_key(algorithm, der.as_ref())?;
        Self::public_bare(algorithm, family, &bare)
    }

    /// The key of `algorithm` from its bare form (see [`bare_public_key`]).
    fn public_bare(
        algorithm: Algorithm,
        family: AlgorithmFamily,
        bare: &[u8],
    ) -> Result<Self, ConfigError> {
        let key = match family {
            AlgorithmFamily::Rsa => DecodingKey::from_rsa_der(bare),
            AlgorithmFamily::Ec => DecodingKey::from_ec_der(bare),
            AlgorithmFamily::Ed => DecodingKey::from_ed_der(bare),
            AlgorithmFamily::Hmac => unreachable!("public_family refuses HMAC"),
        };
        check_public(algorithm, &key)?;
        Ok(Self::new(algorithm, key))
    }

    /// Names the key; a token whose header carries a `kid` is verified only with the key
    /// of that id.
    #[must_use]
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }

    /// The one algorithm this key verifies.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The key id, if any.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// A public key's (HMAC secrets go through [`Key::secret`]).
    pub(crate) fn new(algorithm: Algorithm, key: DecodingKey) -> Self {
        Self {
            algorithm,
            kid: None,
            key,
            prepared: Prepared::public(),
        }
    }
}

/// Refuses a secret for a non-HMAC algorithm, or shorter than the hash output
/// (RFC 7518 §3.2, RFC 8725 §3.5).
pub(crate) fn check_secret(algorithm: Algorithm, secret: &[u8]) -> Result<(), ConfigError> {
    let min_len = match algorithm {
        Algorithm::HS256 => 32,
        Algorithm::HS384 => 48,
        Algorithm::HS512 => 64,
        _ => return Err(ConfigError::NotHmac(algorithm)),
    };
    // A key given as a secret: the classic confusion, where a public key (which anyone
    // has) becomes the HMAC secret (RFC 8725 §2.1).
    if looks_like_a_key(secret) {
        return Err(ConfigError::HmacWithPublicKey(algorithm));
    }
    if secret.len() < min_len {
        return Err(ConfigError::WeakSecret {
            algorithm,
            min_len,
            len: secret.len(),
        });
    }
    Ok(())
}

/// Whether `secret` is a key rather than a shared secret, in the forms a key is copied
/// in: PEM anywhere in it (after a byte-order mark, a comment, `openssl x509 -text`'s
/// text or a PKCS#12 export's bag attributes), DER (a `SubjectPublicKeyInfo` or a
/// certificate), the base64 of either without its PEM lines (Keycloak's realm "Public
/// key"), or a JWK or a key set (JSON naming `kty` or `keys`). No random secret reads as
/// any of them.
fn looks_like_a_key(secret: &[u8]) -> bool {
    use base64::Engine as _;
    // Past this size no key is written, and a hostile DER nested thousands deep (or a
    // long tag) would take the parser's stack or time: the DER reading stops there.
    const MOST_DER: usize = 8 * 1024;
    let der = |bytes: &[u8]| {
        bytes.len() <= MOST_DER
            && (subject_public_key_info(bytes).is_some()
                || certificate_key_info(bytes).is_some()
                || rsa_public_key(bytes))
    };
    let pem = |bytes: &[u8]| memchr::memmem::find(bytes, b"-----BEGIN").is_some();
    if pem(secret) || der(secret) || der(secret.trim_ascii()) {
        return true;
    }
    let trimmed = secret
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(secret)
        .trim_ascii();
    if trimmed.starts_with(b"{") || trimmed.starts_with(b"[") {
        return memchr::memmem::find(trimmed, b"\"kty\"").is_some()
            || memchr::memmem::find(trimmed, b"\"keys\"").is_some();
    }
    // Base64 (or base64url) broken into lines, as PEM bodies are, perhaps quoted: of a
    // key's DER, or of a whole PEM file (a key put in an environment variable).
    let joined: Vec<u8> = trimmed
        .iter()
        .copied()
        .filter(|byte| !byte.is_ascii_whitespace() && !matches!(byte, b'"' | b'\''))
        .collect();
    let engines = [
        base64::engine::general_purpose::STANDARD,
        base64::engine::general_purpose::URL_SAFE,
        base64::engine::general_purpose::STANDARD_NO_PAD,
        base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ];
    joined.len() <= MOST_DER * 2
        && engines.iter().any(|engine| {
            engine
                .decode(&joined)
                .is_ok_and(|decoded| pem(&decoded) || der(&decoded))
        })
}

/// Whether `der` is a PKCS#1 `RSAPublicKey` (`SEQUENCE { modulus, exponent }`) of a
/// modulus of 1024 bits or more: the RSA DER form [`Key::public_der`] takes.
fn rsa_public_key(der: &[u8]) -> bool {
    use simple_asn1::ASN1Block::{Integer, Sequence};
    let Ok(blocks) = simple_asn1::from_der(der) else {
        return false;
    };
    match blocks.as_slice() {
        [Sequence(_, numbers)] => match numbers.as_slice() {
            [Integer(_, modulus), Integer(_, _)] => modulus.bits() >= 1024,
            _ => false,
        },
        _ => false,
    }
}

/// The smallest RSA modulus accepted, in bits (RFC 7518 §3.3: "A key of size 2048 bits
/// or larger MUST be used").
pub(crate) const RSA_MIN_BITS: u64 = 2048;

/// Refuses an RSA key whose modulus is shorter than [`RSA_MIN_BITS`], or that cannot be
/// read (other keys pass).
fn check_public(algorithm: Algorithm, key: &DecodingKey) -> Result<(), ConfigError> {
    if small_order_ed25519(key) {
        return Err(ConfigError::SmallOrderKey);
    }
    if key.family() != AlgorithmFamily::Rsa {
        return Ok(());
    }
    match rsa_modulus_bits(key) {
        Some(bits) if bits >= RSA_MIN_BITS => Ok(()),
        Some(bits) => Err(ConfigError::WeakRsaKey { algorithm, bits }),
        None => Err(ConfigError::InvalidKey(algorithm)),
    }
}

/// Whether `key` is an Ed25519 public key that is a point of small order: the identity,
/// or a point of order 2, 4 or 8, in any of their encodings (the sign bit ignored, and
/// the non-canonical `p`, `p - 1`, `p + 1`). Under such a key the signature (R = the
/// identity, S = 0) verifies for every message, and aws-lc does not refuse it. The
/// points are those libsodium refuses (`ge25519_has_small_order`).
pub(crate) fn small_order_ed25519(key: &DecodingKey) -> bool {
    use jsonwebtoken::DecodingKeyKind;
    const SMALL_ORDER: [[u8; 32]; 7] = [
        // 0 (order 4)
        [0; 32],
        // 1 (the identity)
        [
            1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0,
        ],
        // Order 8.
        [
            0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef,
            0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88,
            0x6d, 0x53, 0xfc, 0x05,
        ],
        [
            0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10,
            0x67, 0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77,
            0x92, 0xac, 0x03, 0x7a,
        ],
        // p - 1 (order 2), p (0, non-canonical), p + 1 (1, non-canonical).
        {
            let mut point = [0xff; 32];
            point[0] = 0xec;
            point[31] = 0x7f;
            point
        },
        {
            let mut point = [0xff; 32];
            point[0] = 0xed;
            point[31] = 0x7f;
            point
        },
        {
            let mut point = [0xff; 32];
            point[0] = 0xee;
            point[31] = 0x7f;
            point
        },
    ];
    if key.family() != AlgorithmFamily::Ed {
        return false;
    }
    let DecodingKeyKind::SecretOrDer(bytes) = key.kind() else {
        return false;
    };
    let Ok(mut point) = <[u8; 32]>::try_from(&bytes[..]) else {
        return false;
    };
    point[31] &= 0x7f;
    SMALL_ORDER.contains(&point)
}

/// The size of an RSA key's modulus, in bits: from its components (a JWK), or from its
/// PKCS#1 `RSAPublicKey` DER (PEM and DER keys), `None` when that cannot be read.
pub(crate) fn rsa_modulus_bits(key: &DecodingKey) -> Option<u64> {
    use jsonwebtoken::DecodingKeyKind;
    use simple_asn1::ASN1Block;
    match key.kind() {
        DecodingKeyKind::RsaModulusExponent { n, .. } => {
            let n = &n[n.iter().position(|&b| b != 0)?..];
            Some(n.len() as u64 * 8 - u64::from(n[0].leading_zeros()))
        }
        DecodingKeyKind::SecretOrDer(der) => match simple_asn1::from_der(der).ok()?.as_slice() {
            [ASN1Block::Sequence(_, fields)] => match fields.as_slice() {
                [ASN1Block::Integer(_, n), ASN1Block::Integer(_, _)] => Some(n.bits()),
                _ => None,
            },
            _ => None,
        },
    }
}

/// Object identifiers of `SubjectPublicKeyInfo` (RFC 3279, RFC 4055, RFC 5480, RFC 8410).
const RSA_ENCRYPTION: &[u64] = &[1, 2, 840, 113_549, 1, 1, 1];
const RSASSA_PSS: &[u64] = &[1, 2, 840, 113_549, 1, 1, 10];
const EC_PUBLIC_KEY: &[u64] = &[1, 2, 840, 10_045, 2, 1];
const P256: &[u64] = &[1, 2, 840, 10_045, 3, 1, 7];
const P384: &[u64] = &[1, 3, 132, 0, 34];
const ED25519: &[u64] = &[1, 3, 101, 112];

/// `der` as the bare key jsonwebtoken's backends all verify with (PKCS#1 for RSA, the
/// SEC1 point for ECDSA, the raw point for Ed25519): the key inside a
/// `SubjectPublicKeyInfo` of `algorithm`, or `der` itself when it has that form. Only
/// aws-lc reads a `SubjectPublicKeyInfo` itself, and only for some algorithms: unwrapped
/// here, a key verifies the same whatever the backend.
fn bare_public_key(algorithm: Algorithm, der: &[u8]) -> Result<Vec<u8>, ConfigError> {
    // A raw Ed25519 point may start like a DER sequence; its length tells it apart.
    let bare = match (algorithm, der.len()) {
        (Algorithm::EdDSA, 32) => der.to_vec(),
        _ => match subject_public_key_info(der) {
            None => der.to_vec(),
            spki => spki_key(algorithm, spki)?,
        },
    };
    checked_bare(algorithm, bare)
}

/// The key of a `SubjectPublicKeyInfo` that names `algorithm` (and its curve).
fn spki_key(
    algorithm: Algorithm,
    spki: Option<(SpkiKind, Vec<u8>)>,
) -> Result<Vec<u8>, ConfigError> {
    match spki {
        Some((kind, key)) if kind.fits(algorithm) => Ok(key),
        _ => Err(ConfigError::InvalidKey(algorithm)),
    }
}

/// `bare` when it has the form of a key of `algorithm`: an ECDSA point of its curve's
/// length, a 32-byte Ed25519 point (an RSA key's modulus is read by `check_public`).
fn checked_bare(algorithm: Algorithm, bare: Vec<u8>) -> Result<Vec<u8>, ConfigError> {
    let fits = match algorithm.family() {
        AlgorithmFamily::Rsa => true,
        AlgorithmFamily::Ec => {
            let size = if algorithm == Algorithm::ES384 {
                48
            } else {
                32
            };
            match bare.first() {
                Some(4) => bare.len() == 1 + 2 * size,
                Some(2 | 3) => bare.len() == 1 + size,
                _ => false,
            }
        }
        AlgorithmFamily::Ed => bare.len() == 32,
        AlgorithmFamily::Hmac => false,
    };
    if fits {
        Ok(bare)
    } else {
        Err(ConfigError::InvalidKey(algorithm))
    }
}

/// The algorithm a `SubjectPublicKeyInfo` names.
struct SpkiKind {
    algorithm: Vec<u64>,
    /// The curve of an `id-ecPublicKey` (its parameters, when an object identifier).
    curve: Option<Vec<u64>>,
}

impl SpkiKind {
    fn fits(&self, algorithm: Algorithm) -> bool {
        let (named, curve) = (self.algorithm.as_slice(), self.curve.as_deref());
        match algorithm {
            Algorithm::RS256 | Algorithm::RS384 | Algorithm::RS512 => named == RSA_ENCRYPTION,
            Algorithm::PS256 | Algorithm::PS384 | Algorithm::PS512 => {
                named == RSA_ENCRYPTION || named == RSASSA_PSS
            }
            Algorithm::ES256 => named == EC_PUBLIC_KEY && curve == Some(P256),
            Algorithm::ES384 => named == EC_PUBLIC_KEY && curve == Some(P384),
            Algorithm::EdDSA => named == ED25519,
            _ => false,
        }
    }
}

/// The algorithm and the key of a DER `SubjectPublicKeyInfo`, `None` when `der` is not
/// one.
fn subject_public_key_info(der: &[u8]) -> Option<(SpkiKind, Vec<u8>)> {
    let blocks = simple_asn1::from_der(der).ok()?;
    let [spki] = blocks.as_slice() else {
        return None;
    };
    key_info(spki)
}

/// The `subjectPublicKeyInfo` of a DER X.509 certificate (RFC 5280 §4.1:
/// `SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL, serialNumber, signature,
/// issuer, validity, subject, subjectPublicKeyInfo, … }, … }`).
fn certificate_key_info(der: &[u8]) -> Option<(SpkiKind, Vec<u8>)> {
    use simple_asn1::ASN1Block::{Explicit, Integer, Sequence};
    let blocks = simple_asn1::from_der(der).ok()?;
    let [Sequence(_, certificate)] = blocks.as_slice() else {
        return None;
    };
    let [Sequence(_, tbs), _algorithm, _signature] = certificate.as_slice() else {
        return None;
    };
    let fields = match tbs.as_slice() {
        [Explicit(..), rest @ ..] => rest,
        all => all,
    };
    let [Integer(..), _, _, _, _, spki, ..] = fields else {
        return None;
    };
    key_info(spki)
}

/// The algorithm and the key of a `SubjectPublicKeyInfo`
/// (`SEQUENCE { SEQUENCE { algorithm OID, parameters }, subjectPublicKey BIT STRING }`).
fn key_info(spki: &simple_asn1::ASN1Block) -> Option<(SpkiKind, Vec<u8>)> {
    use simple_asn1::ASN1Block::{BitString, ObjectIdentifier, Sequence};
    let Sequence(_, fields) = spki else {
        return None;
    };
    let [Sequence(_, identifier), BitString(_, bits, key)] = fields.as_slice() else {
        return None;
    };
    let (ObjectIdentifier(_, algorithm), parameters) = identifier.split_first()? else {
        return None;
    };
    // A key is whole bytes.
    if *bits != key.len() * 8 {
        return None;
    }
    let curve = match parameters {
        [ObjectIdentifier(_, curve)] => curve.as_vec::<u64>().ok(),
        _ => None,
    };
    let kind = SpkiKind {
        algorithm: algorithm.as_vec::<u64>().ok()?,
        curve,
    };
    Some((kind, key.clone()))
}

fn public_family(algorithm: Algorithm) -> Result<AlgorithmFamily, ConfigError> {
    match algorithm.family() {
        AlgorithmFamily::Hmac => Err(ConfigError::HmacWithPublicKey(algorithm)),
        family => Ok(family),
    }
}

/// Redacts the key material.
impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Key")
            .field("algorithm", &self.algorithm)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}
