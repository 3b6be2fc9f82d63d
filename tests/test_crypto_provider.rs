//! Both jsonwebtoken backends are enabled in this workspace (feature unification). If
//! the application uses jsonwebtoken before any provider is installed, jsonwebtoken
//! fixes one that panics. scopes-core never goes through that process-wide provider:
//! building a verifier or a signer installs nothing, and both keep working. One test
//! per process: it poisons a process-wide setting.

use jsonwebtoken::{EncodingKey, Header, encode};
use scopes_core::issuer::Signer;
use scopes_core::{Key, Verifier};

#[test]
fn scopes_core_works_whatever_jsonwebtoken_s_global_provider_is() {
    let claims = serde_json::json!({ "sub": "johndoe" });
    let sign_with_jsonwebtoken = || {
        std::panic::catch_unwind(|| {
            encode(
                &Header::default(),
                &claims,
                &EncodingKey::from_secret(scopes_tests::SECRET.as_bytes()),
            )
        })
    };
    assert!(
        sign_with_jsonwebtoken().is_err(),
        "jsonwebtoken panics without a provider when both backends are on"
    );

    let verifier = Verifier::new(Key::hs256(scopes_tests::SECRET).unwrap()).unwrap();
    let signer = Signer::hs256(scopes_tests::SECRET).unwrap();
    let token = signer.mint("johndoe", ["me"]).unwrap();
    let verified = scopes_tests::block_on(verifier.verify(&token)).unwrap();
    assert_eq!(verified.scopes().collect::<Vec<_>>(), ["me"]);

    // Nothing was installed behind the application's back: jsonwebtoken's own global
    // stays as the application left it (here, the panicking placeholder).
    assert!(sign_with_jsonwebtoken().is_err());
}
