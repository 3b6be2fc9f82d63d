//! The crypto backend: jsonwebtoken's provider of this crate's choice, called directly,
//! and each key's verifier prepared once ([`Prepared`]).
//!
//! jsonwebtoken's free functions (`decode`, `encode`, `crypto::verify`) go through a
//! process-wide provider, which jsonwebtoken fixes to a panicking placeholder when both
//! its backends are enabled and nothing was installed first. This crate never reads or
//! writes that global: it calls the provider its own features choose, so verifying and
//! signing work whatever the rest of the process did, and building a verifier or a
//! signer installs nothing.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
#[cfg(any(feature = "aws_lc_rs", feature = "rust_crypto"))]
use jsonwebtoken::crypto::CryptoProvider;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};

#[cfg(not(any(feature = "aws_lc_rs", feature = "rust_crypto")))]
compile_error!(
    "scopes-core needs a crypto backend: enable its `aws_lc_rs` (default) or `rust_crypto` feature"
);

#[cfg(feature = "aws_lc_rs")]
static PROVIDER: &CryptoProvider = &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER;
#[cfg(all(feature = "rust_crypto", not(feature = "aws_lc_rs")))]
static PROVIDER: &CryptoProvider = &jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER;

/// Installs this crate's crypto backend (aws-lc-rs when its feature is on, else
/// RustCrypto) as jsonwebtoken's process-wide provider, unless one is installed already.
///
/// scopes-core does not need it: it calls its backend directly. Call it first thing in
/// `main` if your application also uses jsonwebtoken's own `encode`/`decode` while
/// feature unification enables both of jsonwebtoken's backends (jsonwebtoken then
/// panics on first use unless a provider was installed).
pub fn install_crypto_provider() {
    // `Err` means a provider is installed already: the application's choice stands.
    let _ = PROVIDER.install_default();
}

/// A key's verifier, prepared once when the key is configured: for HMAC the keyed
/// hash states (RFC 2104's padded key, each compressed once), so that a token costs one
/// HMAC over its message and no allocation; for public keys jsonwebtoken's provider, per
/// token.
///
/// HMAC-SHA256 goes through RustCrypto's `hmac` and `sha2` whenever the CPU computes
/// SHA-256 in hardware (x86 SHA extensions, Armv8 SHA2, detected as `sha2` detects
/// them): a copy of the prepared state and three or four compressions, about 1.7 times
/// as fast as aws-lc's HMAC context for a typical token (whose copy, clean-up and
/// bookkeeping outweigh the hashing; BENCHMARKS.md). The prepared state and each token's
/// copy of it are wiped when dropped (`sha2`'s `zeroize`), as aws-lc wipes its contexts.
/// aws-lc keeps HS256 on other CPUs (its assembly beats `sha2`'s software rounds) and
/// when it runs in FIPS mode (its FIPS build was chosen for a reason), and keeps
/// HS384/HS512 whenever its feature is on.
#[derive(Clone)]
pub(crate) struct Prepared(Inner);

#[derive(Clone)]
enum Inner {
    Hs256(Box<hmac::Hmac<sha2::Sha256>>),
    #[cfg(not(feature = "aws_lc_rs"))]
    Hs384(Box<hmac::Hmac<sha2::Sha384>>),
    #[cfg(not(feature = "aws_lc_rs"))]
    Hs512(Box<hmac::Hmac<sha2::Sha512>>),
    #[cfg(feature = "aws_lc_rs")]
    AwsLc(Box<aws_lc_rs::hmac::Key>),
    Provider,
}

impl Prepared {
    /// The verifier of an HMAC `secret` for `algorithm` (an `HS*` one, which the
    /// caller checked).
    pub(crate) fn secret(algorithm: Algorithm, secret: &[u8]) -> Self {
        #[cfg(feature = "aws_lc_rs")]
        let rust_crypto = sha256_in_hardware() && aws_lc_rs::try_fips_mode().is_err();
        #[cfg(not(feature = "aws_lc_rs"))]
        let rust_crypto = true;
        Self::secret_with(algorithm, secret, rust_crypto)
    }

    /// [`Prepared::secret`], told whether HS256 goes through RustCrypto (the tests
    /// prepare both ways).
    fn secret_with(algorithm: Algorithm, secret: &[u8], rust_crypto: bool) -> Self {
        use hmac::KeyInit;
        #[cfg(feature = "aws_lc_rs")]
        let aws_lc = |hash| {
            Some(Inner::AwsLc(Box::new(aws_lc_rs::hmac::Key::new(
                hash, secret,
            ))))
        };
        // HMAC takes a key of any length: `new_from_slice` does not fail.
        let inner = match algorithm {
            Algorithm::HS256 if rust_crypto || cfg!(not(feature = "aws_lc_rs")) => {
                hmac::Hmac::new_from_slice(secret)
                    .ok()
                    .map(|mac| Inner::Hs256(Box::new(mac)))
            }
            #[cfg(feature = "aws_lc_rs")]
            Algorithm::HS256 => aws_lc(aws_lc_rs::hmac::HMAC_SHA256),
            #[cfg(feature = "aws_lc_rs")]
            Algorithm::HS384 => aws_lc(aws_lc_rs::hmac::HMAC_SHA384),
            #[cfg(feature = "aws_lc_rs")]
            Algorithm::HS512 => aws_lc(aws_lc_rs::hmac::HMAC_SHA512),
            #[cfg(not(feature = "aws_lc_rs"))]
            Algorithm::HS384 => hmac::Hmac::new_from_slice(secret)
                .ok()
                .map(|mac| Inner::Hs384(Box::new(mac))),
            #[cfg(not(feature = "aws_lc_rs"))]
            Algorithm::HS512 => hmac::Hmac::new_from_slice(secret)
                .ok()
                .map(|mac| Inner::Hs512(Box::new(mac))),
            _ => None,
        };
        Self(inner.unwrap_or(Inner::Provider))
    }

    /// The verifier of a public key: jsonwebtoken's provider, per token.
    pub(crate) fn public() -> Self {
        Self(Inner::Provider)
    }

    /// Whether `signature` (base64url) signs `message` with `key` under `algorithm`.
    /// `Err` when the signature is not base64url or the key does not fit the algorithm.
    pub(crate) fn verify(
        &self,
        signature: &str,
        message: &[u8],
        key: &DecodingKey,
        algorithm: Algorithm,
    ) -> Result<bool, ()> {
        with_decoded(signature, |signature| {
            self.check(signature, message, key, algorithm)
        })?
    }

    /// Whether `signature` (decoded) signs `message` with `key` under `algorithm`;
    /// `Err` when the key does not fit the algorithm.
    pub(crate) fn check(
        &self,
        signature: &[u8],
        message: &[u8],
        key: &DecodingKey,
        algorithm: Algorithm,
    ) -> Result<bool, ()> {
        match &self.0 {
            Inner::Hs256(prepared) => Ok(hmac_verify(prepared.as_ref(), message, signature)),
            #[cfg(not(feature = "aws_lc_rs"))]
            Inner::Hs384(prepared) => Ok(hmac_verify(prepared.as_ref(), message, signature)),
            #[cfg(not(feature = "aws_lc_rs"))]
            Inner::Hs512(prepared) => Ok(hmac_verify(prepared.as_ref(), message, signature)),
            #[cfg(feature = "aws_lc_rs")]
            Inner::AwsLc(prepared) => {
                Ok(aws_lc_rs::hmac::verify(prepared, message, signature).is_ok())
            }
            Inner::Provider => {
                let verifier = (PROVIDER.verifier_factory)(&algorithm, key).map_err(|_| ())?;
                Ok(verifier.verify(message, &signature.to_vec()).is_ok())
            }
        }
    }
}

/// `f` of the base64url (unpadded) `input` decoded: on the stack up to 16 KiB (an HMAC
/// or ECDSA signature, a JOSE header: 128 bytes; an RSA signature up to 8192 bits: 1024;
/// a token's claims, as providers write them: up to a few KiB), in the smallest of five
/// buffers that holds it, else on the heap. `Err` when `input` is not base64url, strictly:
/// no padding, no other alphabet, no bits set past the last byte.
///
/// `base64-simd` decodes (SIMD where the CPU has it): a token's claims and signature in
/// a quarter of the time the `base64` crate takes, with the same strictness (a test holds
/// the two against each other).
pub(crate) fn with_decoded<R>(input: &str, f: impl FnOnce(&[u8]) -> R) -> Result<R, ()> {
    use std::mem::MaybeUninit;
    const BASE64URL: base64_simd::Base64 = base64_simd::URL_SAFE_NO_PAD;
    fn on_stack<const N: usize, R>(input: &str, f: impl FnOnce(&[u8]) -> R) -> Result<R, ()> {
        // Not zeroed: the decoder writes every byte it returns.
        let mut buffer = [MaybeUninit::<u8>::uninit(); N];
        let out = base64_simd::Out::from_uninit_slice(&mut buffer);
        let decoded = BASE64URL.decode(input.as_bytes(), out).map_err(|_| ())?;
        Ok(f(decoded))
    }
    match BASE64URL.estimated_decoded_length(input.len()) {
        0..=128 => on_stack::<128, R>(input, f),
        129..=512 => on_stack::<512, R>(input, f),
        513..=1024 => on_stack::<1024, R>(input, f),
        1025..=4096 => on_stack::<4096, R>(input, f),
        4097..=16384 => on_stack::<16384, R>(input, f),
        _ => Ok(f(&BASE64URL.decode_to_vec(input).map_err(|_| ())?)),
    }
}

/// A copy of the prepared state, fed `message`, compared in constant time.
fn hmac_verify<M: hmac::Mac + Clone>(prepared: &M, message: &[u8], signature: &[u8]) -> bool {
    let mut mac = prepared.clone();
    mac.update(message);
    mac.verify_slice(signature).is_ok()
}

/// Whether the CPU computes SHA-256 in hardware, asked exactly as `sha2` asks it
/// (`cpufeatures`; x86: `sha` and `sse4.1`; aarch64: `sha2`, which `cpufeatures` reads
/// on Linux, Android and Apple systems only, where `sha2` then uses the instructions).
#[cfg(feature = "aws_lc_rs")]
fn sha256_in_hardware() -> bool {
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    {
        cpufeatures::new!(sha_ni, "sha", "sse4.1");
        sha_ni::get()
    }
    #[cfg(target_arch = "aarch64")]
    {
        cpufeatures::new!(armv8_sha2, "sha2");
        armv8_sha2::get()
    }
    #[cfg(not(any(target_arch = "x86", target_arch = "x86_64", target_arch = "aarch64")))]
    {
        false
    }
}

/// The base64url signature of `message` with `key` under `algorithm`.
pub(crate) fn sign(
    message: &[u8],
    key: &EncodingKey,
    algorithm: Algorithm,
) -> Result<String, jsonwebtoken::errors::Error> {
    let signer = (PROVIDER.signer_factory)(&algorithm, key)?;
    Ok(URL_SAFE_NO_PAD.encode(signer.try_sign(message)?))
}

/// SHA-256 of `data`, with the crate's crypto backend (DPoP's `ath` and thumbprints).
pub(crate) fn sha256(data: &[u8]) -> [u8; 32] {
    #[cfg(feature = "aws_lc_rs")]
    {
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, data);
        let mut out = [0u8; 32];
        out.copy_from_slice(digest.as_ref());
        out
    }
    #[cfg(not(feature = "aws_lc_rs"))]
    {
        use sha2::Digest as _;
        sha2::Sha256::digest(data).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::from_hex;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    const HMAC: [Algorithm; 3] = [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512];

    /// Each way a secret is prepared: for a CPU with SHA-256 instructions and without.
    fn both_ways(algorithm: Algorithm, secret: &[u8]) -> [Prepared; 2] {
        [true, false].map(|hardware| Prepared::secret_with(algorithm, secret, hardware))
    }

    #[test]
    fn prepared_hmac_sha256_meets_rfc_4231() {
        // RFC 4231, test cases 2 (a key shorter than the output) and 6 (a key longer
        // than the block, hashed first).
        let cases = [
            (
                b"Jefe".to_vec(),
                &b"what do ya want for nothing?"[..],
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            ),
            (
                vec![0xaa; 131],
                &b"Test Using Larger Than Block-Size Key - Hash Key First"[..],
                "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
            ),
        ];
        for (secret, message, mac) in cases {
            let signature = URL_SAFE_NO_PAD.encode(from_hex(mac));
            let key = DecodingKey::from_secret(&secret);
            for prepared in both_ways(Algorithm::HS256, &secret) {
                let verified = prepared.verify(&signature, message, &key, Algorithm::HS256);
                assert_eq!(verified, Ok(true));
            }
        }
    }

    #[test]
    fn prepared_hmac_agrees_with_the_provider_at_every_length() {
        // Messages across the block boundaries of SHA-256 (64) and SHA-512 (128),
        // including those where the length no longer fits the last block; keys
        // shorter than, as long as and longer than a block.
        for algorithm in HMAC {
            for secret_len in [1, 32, 64, 65, 128, 129, 200] {
                let secret: Vec<u8> = (0..secret_len).map(|i| (i * 7 + 3) as u8).collect();
                let signing = EncodingKey::from_secret(&secret);
                let key = DecodingKey::from_secret(&secret);
                let prepared = both_ways(algorithm, &secret);
                for len in 0..=300 {
                    let message: Vec<u8> = (0..len).map(|i| (i * 31 + len) as u8).collect();
                    let signature = sign(&message, &signing, algorithm).unwrap();
                    let mut flipped = message.clone();
                    if let Some(last) = flipped.last_mut() {
                        *last ^= 1;
                    }
                    for prepared in &prepared {
                        assert_eq!(
                            prepared.verify(&signature, &message, &key, algorithm),
                            Ok(true)
                        );
                        if len > 0 {
                            assert_eq!(
                                prepared.verify(&signature, &flipped, &key, algorithm),
                                Ok(false)
                            );
                        }
                    }
                }
            }
        }
    }

    /// What the `base64` crate, strict, makes of `input`.
    fn reference(input: &str) -> Result<Vec<u8>, ()> {
        URL_SAFE_NO_PAD.decode(input).map_err(|_| ())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]

        /// Any string: mostly the alphabet, sometimes padding, the standard alphabet,
        /// whitespace or non-ASCII, at lengths around the SIMD blocks.
        #[test]
        fn decoding_agrees_with_the_base64_crate(
            input in "[A-Za-z0-9_-]{0,200}([=+/ \n\u{e9}.]?[A-Za-z0-9_-]{0,70}){0,2}"
        ) {
            proptest::prop_assert_eq!(with_decoded(&input, <[u8]>::to_vec), reference(&input));
        }

        /// The encoding of any bytes, with one character changed: a canonical encoding
        /// decodes to the bytes; a changed last character may set bits past the end.
        #[test]
        fn decoding_is_as_strict_as_the_base64_crate(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..3000),
            at in proptest::prelude::any::<proptest::sample::Index>(),
            to in "[A-Za-z0-9_=+/.-]",
        ) {
            let encoded = URL_SAFE_NO_PAD.encode(&bytes);
            proptest::prop_assert_eq!(with_decoded(&encoded, <[u8]>::to_vec), Ok(bytes));
            if !encoded.is_empty() {
                let mut changed = encoded.into_bytes();
                let at = at.index(changed.len());
                changed.splice(at..=at, to.bytes());
                let changed = String::from_utf8(changed).unwrap();
                proptest::prop_assert_eq!(with_decoded(&changed, <[u8]>::to_vec), reference(&changed));
            }
        }
    }

    #[test]
    fn decoding_agrees_at_each_buffer_edge_and_on_the_heap() {
        // Decoded lengths around each stack buffer's size, and past the last one.
        let edges = [128, 512, 1024, 4096, 16384, 30000];
        for len in edges.iter().flat_map(|&edge| edge - 4..=edge + 4) {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 131 + len) as u8).collect();
            let encoded = URL_SAFE_NO_PAD.encode(&bytes);
            assert_eq!(with_decoded(&encoded, <[u8]>::to_vec), Ok(bytes));
            // The last character changed, a character appended, one in the middle
            // replaced by `=`: each as the `base64` crate says.
            let mut last = encoded.clone();
            last.pop();
            last.push('_');
            let mut middle = encoded.clone().into_bytes();
            middle[len / 2] = b'=';
            let middle = String::from_utf8(middle).unwrap();
            for changed in [last, format!("{encoded}A"), middle] {
                assert_eq!(with_decoded(&changed, <[u8]>::to_vec), reference(&changed));
            }
        }
    }

    #[test]
    fn the_last_character_may_not_set_bits_past_the_end() {
        // 32 bytes: 43 characters, whose last carries 2 unused bits ('s' has them clear).
        let signature = "aUVEv52GJ44RBFDshBVxXIhHxvo9pEtJuM29nphryYs";
        assert_eq!(with_decoded(signature, <[u8]>::len), Ok(32));
        for changed in ["t", "u", "v"] {
            let changed = format!("{}{changed}", &signature[..42]);
            assert_eq!(with_decoded(&changed, <[u8]>::len), Err(()));
        }
        // Padding, a length no encoding has, the standard alphabet: refused.
        for input in [&format!("{signature}="), "a", "ab==", "a+b/", "ab c"] {
            assert_eq!(with_decoded(input, <[u8]>::len), Err(()), "{input}");
        }
    }

    #[test]
    fn prepared_hmac_agrees_with_the_provider() {
        for (algorithm, hardware) in HMAC.into_iter().flat_map(|a| [(a, true), (a, false)]) {
            let prepared = Prepared::secret_with(algorithm, SECRET, hardware);
            let key = DecodingKey::from_secret(SECRET);
            let message = b"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJqb2huZG9lIn0";
            let signature = sign(message, &EncodingKey::from_secret(SECRET), algorithm).unwrap();
            assert_eq!(
                prepared.verify(&signature, message, &key, algorithm),
                Ok(true)
            );
            // Another message, another key, a truncated signature: not valid.
            assert_eq!(
                prepared.verify(&signature, b"x.y", &key, algorithm),
                Ok(false)
            );
            let other = Prepared::secret_with(algorithm, &[7; 64], hardware);
            assert_eq!(
                other.verify(&signature, message, &key, algorithm),
                Ok(false)
            );
            let short = &signature[..signature.len() - 4];
            assert_ne!(prepared.verify(short, message, &key, algorithm), Ok(true));
            // Not base64url.
            assert_eq!(prepared.verify("a+b/", message, &key, algorithm), Err(()));
            // Longer than the stack buffers: decoded on the heap, still compared.
            let long = "A".repeat(30_000);
            assert_eq!(prepared.verify(&long, message, &key, algorithm), Ok(false));
        }
    }
}
