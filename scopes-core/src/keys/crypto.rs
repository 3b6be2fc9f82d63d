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
/// hash state (RFC 2104's padded key), so that a token costs one HMAC over its message
/// and no allocation; for public keys jsonwebtoken's provider, per token.
#[derive(Clone)]
pub(crate) struct Prepared(Inner);

#[derive(Clone)]
enum Inner {
    #[cfg(feature = "aws_lc_rs")]
    Hmac(Box<aws_lc_rs::hmac::Key>),
    #[cfg(all(feature = "rust_crypto", not(feature = "aws_lc_rs")))]
    Hs256(Box<hmac::Hmac<sha2::Sha256>>),
    #[cfg(all(feature = "rust_crypto", not(feature = "aws_lc_rs")))]
    Hs384(Box<hmac::Hmac<sha2::Sha384>>),
    #[cfg(all(feature = "rust_crypto", not(feature = "aws_lc_rs")))]
    Hs512(Box<hmac::Hmac<sha2::Sha512>>),
    Provider,
}

impl Prepared {
    /// The verifier of an HMAC `secret` for `algorithm` (an `HS*` one, which the
    /// caller checked).
    pub(crate) fn secret(algorithm: Algorithm, secret: &[u8]) -> Self {
        #[cfg(feature = "aws_lc_rs")]
        {
            use aws_lc_rs::hmac;
            let hash = match algorithm {
                Algorithm::HS256 => hmac::HMAC_SHA256,
                Algorithm::HS384 => hmac::HMAC_SHA384,
                Algorithm::HS512 => hmac::HMAC_SHA512,
                _ => return Self(Inner::Provider),
            };
            Self(Inner::Hmac(Box::new(hmac::Key::new(hash, secret))))
        }
        #[cfg(all(feature = "rust_crypto", not(feature = "aws_lc_rs")))]
        {
            use hmac::Mac;
            // Any key length is accepted by HMAC; `Err` cannot happen.
            let inner = match algorithm {
                Algorithm::HS256 => {
                    hmac::Hmac::new_from_slice(secret).map(|mac| Inner::Hs256(Box::new(mac)))
                }
                Algorithm::HS384 => {
                    hmac::Hmac::new_from_slice(secret).map(|mac| Inner::Hs384(Box::new(mac)))
                }
                Algorithm::HS512 => {
                    hmac::Hmac::new_from_slice(secret).map(|mac| Inner::Hs512(Box::new(mac)))
                }
                _ => return Self(Inner::Provider),
            };
            Self(inner.unwrap_or(Inner::Provider))
        }
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

    fn check(
        &self,
        signature: &[u8],
        message: &[u8],
        key: &DecodingKey,
        algorithm: Algorithm,
    ) -> Result<bool, ()> {
        match &self.0 {
            #[cfg(feature = "aws_lc_rs")]
            Inner::Hmac(prepared) => {
                Ok(aws_lc_rs::hmac::verify(prepared, message, signature).is_ok())
            }
            #[cfg(all(feature = "rust_crypto", not(feature = "aws_lc_rs")))]
            Inner::Hs256(prepared) => Ok(hmac_verify(prepared.as_ref(), message, signature)),
            #[cfg(all(feature = "rust_crypto", not(feature = "aws_lc_rs")))]
            Inner::Hs384(prepared) => Ok(hmac_verify(prepared.as_ref(), message, signature)),
            #[cfg(all(feature = "rust_crypto", not(feature = "aws_lc_rs")))]
            Inner::Hs512(prepared) => Ok(hmac_verify(prepared.as_ref(), message, signature)),
            Inner::Provider => {
                let verifier = (PROVIDER.verifier_factory)(&algorithm, key).map_err(|_| ())?;
                Ok(verifier.verify(message, &signature.to_vec()).is_ok())
            }
        }
    }
}

/// `f` of the base64url (unpadded) `input` decoded: on the stack up to 16 KiB (an HMAC
/// or ECDSA signature, a JOSE header: 128 bytes; an RSA signature up to 8192 bits: 1024;
/// a token's claims, as providers write them: up to a few KiB), in a buffer at most four
/// times the input's size (it is zeroed first), else on the heap. `Err` when `input` is
/// not base64url.
pub(crate) fn with_decoded<R>(input: &str, f: impl FnOnce(&[u8]) -> R) -> Result<R, ()> {
    fn on_stack<const N: usize, R>(input: &str, f: impl FnOnce(&[u8]) -> R) -> Result<R, ()> {
        let mut buffer = [0u8; N];
        let len = URL_SAFE_NO_PAD
            .decode_slice(input, &mut buffer)
            .map_err(|_| ())?;
        Ok(f(&buffer[..len]))
    }
    match base64::decoded_len_estimate(input.len()) {
        0..=128 => on_stack::<128, R>(input, f),
        129..=512 => on_stack::<512, R>(input, f),
        513..=1024 => on_stack::<1024, R>(input, f),
        1025..=4096 => on_stack::<4096, R>(input, f),
        4097..=16384 => on_stack::<16384, R>(input, f),
        _ => Ok(f(&URL_SAFE_NO_PAD.decode(input).map_err(|_| ())?)),
    }
}

/// A copy of the prepared state, fed `message`, compared in constant time.
#[cfg(all(feature = "rust_crypto", not(feature = "aws_lc_rs")))]
fn hmac_verify<M: hmac::Mac + Clone>(prepared: &M, message: &[u8], signature: &[u8]) -> bool {
    let mut mac = prepared.clone();
    mac.update(message);
    mac.verify_slice(signature).is_ok()
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
    #[cfg(all(feature = "rust_crypto", not(feature = "aws_lc_rs")))]
    {
        use sha2::Digest as _;
        sha2::Sha256::digest(data).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn prepared_hmac_agrees_with_the_provider() {
        for algorithm in [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512] {
            let prepared = Prepared::secret(algorithm, SECRET);
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
            let other = Prepared::secret(algorithm, &[7; 64]);
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
