//! `Verifier::verify` alone, uncached, for an HS256 token: the tutorial's claims (a
//! `scopes` array) and a Keycloak-shaped token (scopes in `scope`, `realm_access.roles`
//! and a client's `resource_access` roles, read through `providers::keycloak`). The
//! signature check, the base64url decoding and the claims pass, without axum: where a
//! change to the token stage shows most clearly. To compare two commits, run it in a
//! `git worktree` of each, alternately.
//!
//! `cargo bench -p scopes-core --bench verify`

use std::hint::black_box;
use std::time::{SystemTime, UNIX_EPOCH};

use criterion::Criterion;
use jsonwebtoken::{EncodingKey, Header, encode};
use scopes_core::{Key, Verifier, providers};

const SECRET: &str = "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7";

fn sign(claims: &serde_json::Value) -> String {
    let key = EncodingKey::from_secret(SECRET.as_bytes());
    encode(&Header::default(), claims, &key).unwrap()
}

fn main() {
    scopes_core::install_crypto_provider();
    let exp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3600;
    let flat = sign(&serde_json::json!({
        "sub": "johndoe", "exp": exp, "scopes": ["me", "items"]
    }));
    let keycloak = sign(&serde_json::json!({
        "sub": "johndoe", "exp": exp, "scope": "openid profile",
        "realm_access": { "roles": ["offline_access", "me"] },
        "resource_access": {
            "account": { "roles": ["manage-account"] },
            "shop-api": { "roles": ["items"] }
        }
    }));
    let tutorial = Verifier::builder()
        .key(Key::hs256(SECRET).unwrap())
        .no_cache()
        .build()
        .unwrap();
    let realm = Verifier::builder()
        .key(Key::hs256(SECRET).unwrap())
        .scope_claims(providers::keycloak("shop-api"))
        .no_cache()
        .build()
        .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut criterion = Criterion::default().configure_from_args();
    let mut group = criterion.benchmark_group("verify");
    for (name, verifier, token) in [
        ("hs256_flat", &tutorial, &flat),
        ("hs256_keycloak", &realm, &keycloak),
    ] {
        let verified = runtime.block_on(verifier.verify(token)).unwrap();
        let mut granted: Vec<&str> = verified.scopes().collect();
        granted.sort_unstable();
        assert!(
            granted.contains(&"me") && granted.contains(&"items"),
            "{name}: {granted:?}"
        );
        group.bench_function(name, |b| {
            b.iter(|| runtime.block_on(verifier.verify(black_box(token))).unwrap());
        });
    }
    group.finish();
    criterion.final_summary();
}
