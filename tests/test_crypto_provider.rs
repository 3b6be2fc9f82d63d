//! Both jsonwebtoken backends are enabled in this workspace (feature unification). If
//! the application uses jsonwebtoken before any provider is installed, jsonwebtoken
//! fixes one that panics; building a verifier must then fail, at start-up, instead of
//! every request panicking. One test per process: it poisons a process-wide setting.

use jsonwebtoken::{EncodingKey, Header, encode};
use scopes_core::{ConfigError, Key, Verifier};

#[test]
fn using_jsonwebtoken_before_a_provider_is_installed_is_a_configuration_error() {
    let claims = serde_json::json!({ "sub": "johndoe" });
    let signed = std::panic::catch_unwind(|| {
        encode(
            &Header::default(),
            &claims,
            &EncodingKey::from_secret(scopes_tests::SECRET.as_bytes()),
        )
    });
    assert!(
        signed.is_err(),
        "jsonwebtoken panics without a provider when both backends are on"
    );

    let error = Verifier::new(Key::hs256(scopes_tests::SECRET).unwrap()).unwrap_err();
    assert_eq!(error, ConfigError::CryptoProvider);
    assert!(
        error
            .to_string()
            .contains("scopes_core::install_crypto_provider()"),
        "{error}"
    );
}
