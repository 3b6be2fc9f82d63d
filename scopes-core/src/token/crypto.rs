//! The crypto backend: jsonwebtoken's provider of this crate's choice, called directly.
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

/// Whether `signature` (base64url) signs `message` with `key` under `algorithm`. `Err`
/// when the signature is not base64url or the key does not fit the algorithm.
pub(crate) fn verify(
    signature: &str,
    message: &[u8],
    key: &DecodingKey,
    algorithm: Algorithm,
) -> Result<bool, ()> {
    let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| ())?;
    let verifier = (PROVIDER.verifier_factory)(&algorithm, key).map_err(|_| ())?;
    Ok(verifier.verify(message, &signature).is_ok())
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
