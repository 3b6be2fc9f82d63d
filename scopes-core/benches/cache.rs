//! What the verified-token cache saves: RS256 and ES256 tokens verified with and
//! without it (a repeated token, as a client sends on every request).
//!
//! `cargo bench -p scopes-core --bench cache`

use std::hint::black_box;
use std::time::{SystemTime, UNIX_EPOCH};

use criterion::Criterion;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use scopes_core::{CacheLimits, Key, ScopeSet, Verifier, scopes};

scopes! {
    /// The tutorial's scopes.
    pub Scopes {
        "me": "Read information about the current user.",
        "items": "Read items.",
    }
}

const KEYS: [(Algorithm, &str, &str); 2] = [
    (
        Algorithm::RS256,
        include_str!("../../tests/keys/rsa_private.pem"),
        include_str!("../../tests/keys/rsa_public.pem"),
    ),
    (
        Algorithm::ES256,
        include_str!("../../tests/keys/ec_private.pem"),
        include_str!("../../tests/keys/ec_public.pem"),
    ),
];

fn token(algorithm: Algorithm, private: &str) -> String {
    let exp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3600;
    let claims = serde_json::json!({ "sub": "johndoe", "exp": exp, "scope": "me items" });
    let key = match algorithm {
        Algorithm::RS256 => EncodingKey::from_rsa_pem(private.as_bytes()),
        _ => EncodingKey::from_ec_pem(private.as_bytes()),
    }
    .unwrap();
    encode(&Header::new(algorithm), &claims, &key).unwrap()
}

fn verifier(algorithm: Algorithm, public: &str, cache: bool) -> Verifier {
    let builder = Verifier::builder().key(Key::public_pem(algorithm, public).unwrap());
    let builder = if cache {
        builder.cache(CacheLimits::default())
    } else {
        builder.no_cache()
    };
    builder.build().unwrap()
}

fn main() {
    scopes_core::install_crypto_provider();
    let mut criterion = Criterion::default().configure_from_args();
    let mut group = criterion.benchmark_group("cache");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    for (algorithm, private, public) in KEYS {
        let token = token(algorithm, private);
        for cache in [false, true] {
            let verifier = verifier(algorithm, public, cache);
            let verified = runtime.block_on(verifier.verify(&token)).unwrap();
            let granted: ScopeSet<Scopes> = verified.granted();
            assert_eq!(granted, ScopeSet::granted_by(["me", "items"]));
            let name = format!(
                "{algorithm:?}_{}",
                if cache { "cached" } else { "verified" }
            );
            group.bench_function(name, |b| {
                b.iter(|| {
                    let verified = runtime.block_on(verifier.verify(black_box(&token)));
                    verified.unwrap().granted::<Scopes>()
                });
            });
        }
    }
    group.finish();
    criterion.final_summary();
}
