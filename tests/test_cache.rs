//! The verified-token cache: hits, expiry, eviction, rotation, and a tampered token
//! that never hits.

use std::time::Duration;

use scopes_core::{CacheLimits, FetchOptions, Key, ScopeSet, TokenError, Verifier, scopes};
use scopes_tests::jwks_server::{JwksServer, TestKey};
use scopes_tests::{RSA_PUBLIC, block_on, claims, now};
use serde_json::json;

scopes! {
    /// The tutorial's scopes.
    pub Scopes {
        "me": "Read information about the current user.",
        "items": "Read items.",
    }
}

fn cached(limits: CacheLimits) -> Verifier {
    Verifier::builder()
        .key(Key::public_pem(jsonwebtoken::Algorithm::RS256, RSA_PUBLIC).unwrap())
        .leeway(Duration::ZERO)
        .cache(limits)
        .build()
        .unwrap()
}

fn grant(verifier: &Verifier, token: &str) -> Result<Vec<&'static str>, TokenError> {
    let granted: ScopeSet<Scopes> = block_on(verifier.verify(token))?.granted();
    Ok(granted.iter().map(|scope| scope.name).collect())
}

#[test]
fn a_repeated_token_hits_with_its_scopes_and_claims() {
    let verifier = cached(CacheLimits::default());
    let token = TestKey::rsa("k").sign(&claims(&["me", "items"]));
    assert_eq!(verifier.cached_tokens(), 0);
    assert_eq!(grant(&verifier, &token), Ok(vec!["me", "items"]));
    assert_eq!(verifier.cached_tokens(), 1);
    for _ in 0..3 {
        assert_eq!(grant(&verifier, &token), Ok(vec!["me", "items"]));
        let claims: serde_json::Value =
            block_on(verifier.verify(&token)).unwrap().claims().unwrap();
        assert_eq!(claims["sub"], "johndoe");
    }
    assert_eq!(verifier.cached_tokens(), 1);
}

#[test]
fn a_tampered_token_never_hits_the_cache() {
    let verifier = cached(CacheLimits::default());
    let token = TestKey::rsa("k").sign(&claims(&["me"]));
    assert!(block_on(verifier.verify(&token)).is_ok());
    let (message, signature) = token.rsplit_once('.').unwrap();
    let (header, _) = message.split_once('.').unwrap();
    // Another payload with the cached token's header and signature.
    let payload = base64_url(
        &json!({"sub": "admin", "exp": now() + 600, "scopes": ["me", "items"]}).to_string(),
    );
    let forged = format!("{header}.{payload}.{signature}");
    assert_eq!(
        block_on(verifier.verify(&forged)).unwrap_err(),
        TokenError::BadSignature
    );
    // One character off in the signature, and a prefix of the token.
    let mut flipped = token.clone().into_bytes();
    let last = flipped.len() - 2;
    flipped[last] = if flipped[last] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).unwrap();
    assert!(block_on(verifier.verify(&flipped)).is_err());
    assert!(block_on(verifier.verify(&token[..token.len() - 1])).is_err());
    assert_eq!(verifier.cached_tokens(), 1);
}

fn base64_url(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}

#[test]
fn a_cached_token_is_never_served_past_its_exp() {
    let verifier = cached(CacheLimits::default());
    let mut soon = claims(&["me"]);
    // Two seconds ahead: a whole-second `now()` taken just before a second turns must
    // not make the token expire before its first check.
    soon["exp"] = json!(now() + 2);
    let token = TestKey::rsa("k").sign(&soon);
    assert!(block_on(verifier.verify(&token)).is_ok());
    assert_eq!(verifier.cached_tokens(), 1);
    std::thread::sleep(Duration::from_millis(3100));
    assert_eq!(
        block_on(verifier.verify(&token)).unwrap_err(),
        TokenError::Expired
    );
    assert_eq!(verifier.cached_tokens(), 0, "the expired entry is dropped");
}

#[test]
fn the_cache_is_bounded_in_entries_and_bytes() {
    let key = TestKey::rsa("k");
    let tokens: Vec<String> = (0..20)
        .map(|i| {
            let mut claims = claims(&["me"]);
            claims["jti"] = json!(format!("t{i}"));
            key.sign(&claims)
        })
        .collect();
    let few = cached(CacheLimits {
        entries: 4,
        bytes: 1 << 20,
    });
    for token in &tokens {
        assert!(block_on(few.verify(token)).is_ok());
    }
    assert!(few.cached_tokens() <= 4, "{} entries", few.cached_tokens());
    // Each entry costs its token, its claims and some overhead: 4 KiB holds a few.
    let small = cached(CacheLimits {
        entries: 1000,
        bytes: 4096,
    });
    for token in &tokens {
        assert!(block_on(small.verify(token)).is_ok());
    }
    assert!(
        small.cached_tokens() < 5,
        "{} entries",
        small.cached_tokens()
    );
    // Evicted tokens still verify (the slow way).
    for token in &tokens {
        assert_eq!(grant(&few, token), Ok(vec!["me"]));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rotation_drops_what_the_old_set_verified() {
    let server = JwksServer::start().await;
    let (old, new) = (TestKey::rsa("old"), TestKey::rsa_other("new"));
    server.set_keys(vec![old.jwk()]);
    let verifier = Verifier::builder()
        .jwks_url(server.jwks_url())
        .fetch_options(FetchOptions::new().timeout(Duration::from_millis(500)))
        .cache(CacheLimits::default())
        .build()
        .unwrap();
    let token = old.sign(&claims(&["me"]));
    assert!(verifier.verify(&token).await.is_ok());
    assert!(verifier.verify(&token).await.is_ok());
    assert_eq!(verifier.cached_tokens(), 1);
    server.set_keys(vec![new.jwk()]);
    verifier.refresh_keys().await.unwrap();
    assert_eq!(
        verifier.verify(&token).await.unwrap_err(),
        TokenError::UnknownKey
    );
}

#[test]
fn the_cache_is_on_by_default_and_no_cache_turns_it_off() {
    let token = TestKey::rsa("k").sign(&claims(&["me"]));
    let key = || Key::public_pem(jsonwebtoken::Algorithm::RS256, RSA_PUBLIC).unwrap();
    let default = Verifier::new(key()).unwrap();
    assert!(block_on(default.verify(&token)).is_ok());
    assert_eq!(default.cached_tokens(), 1);
    let off = Verifier::builder().key(key()).no_cache().build().unwrap();
    assert!(block_on(off.verify(&token)).is_ok());
    assert!(block_on(off.verify(&token)).is_ok());
    assert_eq!(off.cached_tokens(), 0);
}
