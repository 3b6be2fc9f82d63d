//! Chooses jsonwebtoken's crypto backend once per process.

#[cfg(not(any(feature = "aws_lc_rs", feature = "rust_crypto")))]
compile_error!(
    "scopes-core needs a crypto backend: enable its `aws_lc_rs` (default) or `rust_crypto` feature"
);

/// jsonwebtoken picks its backend from its own features and panics at first use when
/// both are enabled, which feature unification can do behind our back. Installing one
/// explicitly (aws-lc-rs when available) makes that case work. If the application
/// installed a provider first, its choice stands.
pub(crate) fn install_provider() {
    #[cfg(feature = "aws_lc_rs")]
    let provider = &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER;
    #[cfg(all(feature = "rust_crypto", not(feature = "aws_lc_rs")))]
    let provider = &jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER;
    // `Err` means a provider is already installed: keep it.
    let _ = provider.install_default();
}
