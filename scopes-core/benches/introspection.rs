//! What a cached introspection answer costs: one `GET` through a `Router` with an opaque
//! token whose answer is cached (the endpoint, on 127.0.0.1, is asked once), beside the
//! same route without the attribute and with an HS256 JWT from the verified-token cache.
//!
//! `cargo bench -p scopes-core --features introspection --bench introspection`

use std::hint::black_box;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use axum::routing::{get, post};
use criterion::Criterion;
use jsonwebtoken::{EncodingKey, Header, encode};
use scopes_core::{Introspection, Key, TrustedIssuer, Verifier, requires_scopes, scopes};
use tower::ServiceExt;

scopes! {
    /// The tutorial's scopes.
    pub Scopes {
        "me": "Read information about the current user.",
        "items": "Read items.",
    }
}

#[requires_scopes("items")]
async fn guarded() -> &'static str {
    "items"
}

async fn bare() -> &'static str {
    "items"
}

const SECRET: &[u8] = b"09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7";
const ISSUER: &str = "https://auth.example.com";

fn exp() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3600
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    // The endpoint: every token active, with `items`.
    let endpoint = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/introspect", listener.local_addr().unwrap());
        let answer = serde_json::json!({
            "active": true, "scope": "me items", "sub": "johndoe", "iss": ISSUER, "exp": exp()
        })
        .to_string();
        let app = Router::new().route(
            "/introspect",
            post(move || {
                let answer = answer.clone();
                async move { ([("content-type", "application/json")], answer) }
            }),
        );
        tokio::spawn(async move { axum::serve(listener, app).await });
        url
    });
    let verifier = Verifier::builder()
        .trust(
            TrustedIssuer::new(ISSUER)
                .key(Key::hs256(SECRET).unwrap())
                .introspection(
                    Introspection::new(endpoint, "api", "secret")
                        .cache_ceiling(Duration::from_secs(3600)),
                ),
        )
        .build()
        .unwrap();
    let app = Router::new()
        .route("/guarded", get(guarded))
        .route("/bare", get(bare))
        .with_state(verifier);
    let jwt = encode(
        &Header::default(),
        &serde_json::json!({ "sub": "johndoe", "iss": ISSUER, "exp": exp(), "scope": "items" }),
        &EncodingKey::from_secret(SECRET),
    )
    .unwrap();
    let opaque = "2YotnFZFEjr1zCsicMWpAA".to_owned();
    let request = |uri: &str, token: &str| {
        Request::get(uri)
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap()
    };
    // Warm: each answer is in its cache, and each path answers as it should.
    for (uri, token) in [
        ("/guarded", &opaque),
        ("/guarded", &jwt),
        ("/bare", &opaque),
    ] {
        let response = runtime
            .block_on(app.clone().oneshot(request(uri, token)))
            .unwrap();
        assert_eq!(response.status(), 200, "{uri}");
    }
    let mut criterion = Criterion::default().configure_from_args();
    let mut group = criterion.benchmark_group("introspection");
    for (name, uri, token) in [
        ("bare", "/bare", &opaque),
        ("jwt_cached", "/guarded", &jwt),
        ("opaque_cached", "/guarded", &opaque),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let response = runtime
                    .block_on(app.clone().oneshot(request(uri, black_box(token))))
                    .unwrap();
                assert_eq!(response.status(), 200);
            })
        });
    }
    group.finish();
    criterion.final_summary();
}
