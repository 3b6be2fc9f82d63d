//! Verifier configuration: what is refused when the service starts.

use scopes_core::{Algorithm, ConfigError, Key, Verifier};
use scopes_tests::{ED_PUBLIC, RSA_PUBLIC, SECRET};

#[test]
fn a_verifier_needs_a_key() {
    assert_eq!(
        Verifier::builder().build().unwrap_err(),
        ConfigError::NoKeys
    );
    assert_eq!(
        Verifier::builder()
            .key(Key::hs256(SECRET).unwrap())
            .scope_claims(Vec::<String>::new())
            .build()
            .unwrap_err(),
        ConfigError::NoScopeClaims
    );
}

#[test]
fn a_secret_is_only_an_hmac_key_and_a_public_key_never_is() {
    assert_eq!(
        Key::secret(Algorithm::RS256, SECRET).unwrap_err(),
        ConfigError::NotHmac(Algorithm::RS256)
    );
    assert_eq!(
        Key::public_pem(Algorithm::HS256, RSA_PUBLIC).unwrap_err(),
        ConfigError::HmacWithPublicKey(Algorithm::HS256)
    );
    assert_eq!(
        Key::public_der(Algorithm::HS512, [1, 2, 3]).unwrap_err(),
        ConfigError::HmacWithPublicKey(Algorithm::HS512)
    );
}

#[test]
fn weak_hmac_secrets_are_refused() {
    let weak = Key::hs256("secret").unwrap_err();
    assert_eq!(
        weak,
        ConfigError::WeakSecret {
            algorithm: Algorithm::HS256,
            min_len: 32,
            len: 6
        }
    );
    assert_eq!(
        weak.to_string(),
        "the HS256 secret is 6 bytes; it must be at least 32 (generate one with `openssl rand -hex 32`)"
    );
    assert!(Key::secret(Algorithm::HS512, [0u8; 63]).is_err());
    assert!(Key::secret(Algorithm::HS512, [0u8; 64]).is_ok());
}

#[test]
fn keys_must_parse_for_their_algorithm() {
    assert_eq!(
        Key::public_pem(Algorithm::ES256, RSA_PUBLIC).unwrap_err(),
        ConfigError::InvalidKey(Algorithm::ES256)
    );
    assert_eq!(
        Key::public_pem(Algorithm::RS256, ED_PUBLIC).unwrap_err(),
        ConfigError::InvalidKey(Algorithm::RS256)
    );
    assert_eq!(
        Key::public_pem(Algorithm::EdDSA, "not a pem").unwrap_err(),
        ConfigError::InvalidKey(Algorithm::EdDSA)
    );
    assert_eq!(
        Key::public_der(Algorithm::EdDSA, []).unwrap_err(),
        ConfigError::InvalidKey(Algorithm::EdDSA)
    );
}

#[test]
fn rsa_keys_shorter_than_2048_bits_are_refused() {
    let pem = include_str!("keys/rsa1024_public.pem");
    let der = include_bytes!("keys/rsa1024_public.der");
    for algorithm in [Algorithm::RS256, Algorithm::PS256, Algorithm::RS512] {
        let weak = ConfigError::WeakRsaKey {
            algorithm,
            bits: 1024,
        };
        assert_eq!(Key::public_pem(algorithm, pem).unwrap_err(), weak);
        assert_eq!(Key::public_der(algorithm, der).unwrap_err(), weak);
        assert!(Key::public_pem(algorithm, RSA_PUBLIC).is_ok());
        assert!(Key::public_der(algorithm, scopes_tests::RSA_PUBLIC_DER).is_ok());
    }
    assert_eq!(
        Key::public_pem(Algorithm::RS256, pem)
            .unwrap_err()
            .to_string(),
        "the RS256 key is 1024 bits; RSA keys must be at least 2048 bits (RFC 7518 §3.3)"
    );
    // DER that is not an RSAPublicKey is refused when the key is made, not on every
    // token.
    assert_eq!(
        Key::public_der(Algorithm::RS256, [0x30, 0x03, 0x02, 0x01, 0x01]).unwrap_err(),
        ConfigError::InvalidKey(Algorithm::RS256)
    );
    assert_eq!(
        Key::public_der(Algorithm::RS256, [1, 2, 3]).unwrap_err(),
        ConfigError::InvalidKey(Algorithm::RS256)
    );
}

#[test]
fn a_pem_key_is_never_an_hmac_secret() {
    for secret in [
        RSA_PUBLIC,
        ED_PUBLIC,
        "\n  -----BEGIN PRIVATE KEY-----\nabc",
    ] {
        assert_eq!(
            Key::hs256(secret).unwrap_err(),
            ConfigError::HmacWithPublicKey(Algorithm::HS256)
        );
    }
}

#[test]
fn kids_are_unique() {
    let error = Verifier::builder()
        .key(Key::hs256(SECRET).unwrap().with_kid("a"))
        .key(
            Key::public_pem(Algorithm::RS256, RSA_PUBLIC)
                .unwrap()
                .with_kid("a"),
        )
        .build()
        .unwrap_err();
    assert_eq!(error, ConfigError::DuplicateKid("a".into()));
}

#[test]
fn debug_output_never_shows_key_material() {
    let verifier = Verifier::builder()
        .key(Key::hs256(SECRET).unwrap().with_kid("k1"))
        .issuer("https://issuer.example")
        .build()
        .unwrap();
    let shown = format!("{verifier:?}");
    assert!(!shown.contains(SECRET), "{shown}");
    assert!(
        !shown.contains(&format!("{:?}", SECRET.as_bytes())),
        "{shown}"
    );
    assert!(
        shown.contains("HS256") && shown.contains("k1") && shown.contains("https://issuer.example"),
        "{shown}"
    );
}

#[test]
fn a_realm_must_fit_in_a_challenge() {
    for realm in ["say \"hi\"", "back\\slash", "tab\there", "café"] {
        let error = Verifier::builder()
            .key(Key::hs256(SECRET).unwrap())
            .realm(realm)
            .build()
            .unwrap_err();
        assert_eq!(error, ConfigError::InvalidRealm, "{realm:?}");
    }
    assert!(
        Verifier::builder()
            .key(Key::hs256(SECRET).unwrap())
            .realm("api.example.com v2")
            .build()
            .is_ok()
    );
}
