//! Chooses jsonwebtoken's crypto backend once per process.

use std::panic::{AssertUnwindSafe, catch_unwind};

use jsonwebtoken::crypto::CryptoProvider;
use jsonwebtoken::{Algorithm, DecodingKey};

use crate::ConfigError;

#[cfg(not(any(feature = "aws_lc_rs", feature = "rust_crypto")))]
compile_error!(
    "scopes-core needs a crypto backend: enable its `aws_lc_rs` (default) or `rust_crypto` feature"
);

#[cfg(feature = "aws_lc_rs")]
static PROVIDER: &CryptoProvider = &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER;
#[cfg(all(feature = "rust_crypto", not(feature = "aws_lc_rs")))]
static PROVIDER: &CryptoProvider = &jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER;

/// Installs this crate's crypto backend as jsonwebtoken's process-wide provider
/// (aws-lc-rs when its feature is on, else RustCrypto), unless one is installed already.
///
/// jsonwebtoken picks its backend from its own features, and when both are enabled —
/// which feature unification can do behind your back — it fixes a provider that panics
/// on first use. [`VerifierBuilder::build`](crate::VerifierBuilder::build) calls this;
/// call it yourself at start-up if the application signs or decodes with jsonwebtoken
/// before it builds its verifier.
pub fn install_crypto_provider() {
    // `Err` means a provider is installed already: the application's choice stands.
    let _ = PROVIDER.install_default();
}

/// Installs the provider and checks that the one in force works: if jsonwebtoken was
/// used before with both backends enabled, it holds a provider that panics and every
/// request would fail. That is a configuration error, reported at start-up.
pub(crate) fn ensure_provider() -> Result<(), ConfigError> {
    install_crypto_provider();
    // jsonwebtoken does not say which provider is in force; one HMAC tells.
    let key = DecodingKey::from_secret(b"provider probe");
    catch_unwind(AssertUnwindSafe(|| {
        jsonwebtoken::crypto::verify("", b"", &key, Algorithm::HS256)
    }))
    .map(|_| ())
    .map_err(|_| ConfigError::CryptoProvider)
}
