//! `Signer` mints tokens that `Verifier` accepts, in the shapes FastAPI and RFC 9068 use.

use std::time::Duration;

use scopes_core::issuer::{ScopeClaim, Signer};
use scopes_core::{Algorithm, ConfigError, Key, ScopeSet, Verifier, scopes};
use scopes_tests::{
    EC_PRIVATE, EC_PUBLIC, ED_PRIVATE, ED_PUBLIC, RSA_PRIVATE, RSA_PUBLIC, SECRET, block_on, now,
};
use serde_json::{Value, json};

scopes! {
    /// The tutorial's scopes.
    pub Scopes {
        "me": "Read information about the current user.",
        "items": "Read items.",
    }
}

fn granted(verifier: &Verifier, token: &str) -> ScopeSet<Scopes> {
    block_on(verifier.verify(token))
        .expect("a valid token")
        .granted::<Scopes>()
}

#[test]
fn minted_tokens_verify_with_every_key_type() {
    let pairs = [
        (Signer::hs256(SECRET).unwrap(), Key::hs256(SECRET).unwrap()),
        (
            Signer::private_pem(Algorithm::RS256, RSA_PRIVATE).unwrap(),
            Key::public_pem(Algorithm::RS256, RSA_PUBLIC).unwrap(),
        ),
        (
            Signer::private_pem(Algorithm::ES256, EC_PRIVATE).unwrap(),
            Key::public_pem(Algorithm::ES256, EC_PUBLIC).unwrap(),
        ),
        (
            Signer::private_pem(Algorithm::EdDSA, ED_PRIVATE).unwrap(),
            Key::public_pem(Algorithm::EdDSA, ED_PUBLIC).unwrap(),
        ),
    ];
    for (signer, key) in pairs {
        let verifier = Verifier::new(key).unwrap();
        let token = signer.mint("johndoe", ["me", "items", "openid"]).unwrap();
        assert_eq!(
            granted(&verifier, &token).to_string(),
            "me items",
            "{signer:?}"
        );
    }
}

#[test]
fn tokens_carry_sub_iat_exp_and_the_scopes_as_fastapi_mints_them() {
    let signer = Signer::hs256(SECRET)
        .unwrap()
        .lifetime(Duration::from_secs(600));
    let token = signer.mint("johndoe", ["me"]).unwrap();
    let verifier = Verifier::new(Key::hs256(SECRET).unwrap()).unwrap();
    let claims: Value = block_on(verifier.verify(&token)).unwrap().claims().unwrap();
    let (iat, exp) = (
        claims["iat"].as_u64().unwrap(),
        claims["exp"].as_u64().unwrap(),
    );
    assert!(iat.abs_diff(now()) <= 2 && exp == iat + 600, "{claims}");
    assert_eq!(claims["sub"], "johndoe");
    assert_eq!(claims["scopes"], json!(["me"]));
    assert_eq!(claims.as_object().unwrap().len(), 4, "{claims}");
}

#[test]
fn the_rfc_9068_shape_issuer_audience_and_kid() {
    let signer = Signer::hs256(SECRET)
        .unwrap()
        .scope_claim(ScopeClaim::ScopeString)
        .issuer("https://issuer.example")
        .audience("https://api.example")
        .with_kid("k1");
    let token = signer
        .mint_set("client-1", &ScopeSet::<Scopes>::granted_by(["items", "me"]))
        .unwrap();
    let verifier = Verifier::builder()
        .key(Key::hs256(SECRET).unwrap().with_kid("k1"))
        .issuer("https://issuer.example")
        .audience("https://api.example")
        .build()
        .unwrap();
    let claims: Value = block_on(verifier.verify(&token)).unwrap().claims().unwrap();
    assert_eq!(claims["scope"], "me items");
    assert_eq!(
        (claims["iss"].as_str(), claims["aud"].as_str()),
        (Some("https://issuer.example"), Some("https://api.example"))
    );
    assert_eq!(
        jsonwebtoken::decode_header(&token).unwrap().kid.as_deref(),
        Some("k1")
    );
    assert_eq!(granted(&verifier, &token).to_string(), "me items");
}

#[test]
fn signer_keys_are_checked_like_verifier_keys() {
    assert_eq!(
        Signer::hs256("short").unwrap_err(),
        ConfigError::WeakSecret {
            algorithm: Algorithm::HS256,
            min_len: 32,
            len: 5
        }
    );
    assert_eq!(
        Signer::secret(Algorithm::ES256, SECRET).unwrap_err(),
        ConfigError::NotHmac(Algorithm::ES256)
    );
    assert_eq!(
        Signer::private_pem(Algorithm::HS256, RSA_PRIVATE).unwrap_err(),
        ConfigError::HmacWithPublicKey(Algorithm::HS256)
    );
    assert_eq!(
        Signer::private_pem(Algorithm::ES256, RSA_PRIVATE).unwrap_err(),
        ConfigError::InvalidKey(Algorithm::ES256)
    );
    let shown = format!("{:?}", Signer::hs256(SECRET).unwrap());
    assert!(
        !shown.contains(SECRET) && shown.contains("HS256"),
        "{shown}"
    );
}
