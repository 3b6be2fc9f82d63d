//! The shared store against a real Redis, which `tests/redis/run` provides
//! (`SCOPES_REDIS_URL`; `#[ignore]`d without it): two instances of an API, each with its
//! own connection, share DPoP replays and introspection answers; an outage refuses DPoP
//! proofs and leaves introspection to the endpoint; the store recovers when Redis does.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use axum::routing::{get, post};
use scopes_core::store::{RedisStore, Store};
use scopes_core::testing::{self, AuthAssertions, BearerExt, DpopKey, TestIssuer};
use scopes_core::{
    Dpop, Introspection, TrustedIssuer, Verifier, requires_scopes, scope_set, scopes,
};
use serde_json::json;

scopes! {
    /// The test API's scopes.
    pub Scopes {
        "items": "Read items.",
    }
}

#[requires_scopes("items")]
async fn items() -> &'static str {
    "[]"
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is set by tests/redis/run"))
}

/// A redis-server on the port `tests/redis/run` chose, without persistence.
fn start_redis() -> Child {
    let port = env("SCOPES_REDIS_PORT");
    let child = Command::new(env("SCOPES_REDIS_SERVER"))
        .args([
            "--bind",
            "127.0.0.1",
            "--port",
            &port,
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .stdout(Stdio::null())
        .spawn()
        .expect("redis-server starts");
    let started = Instant::now();
    while std::net::TcpStream::connect(format!("127.0.0.1:{port}")).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "redis-server did not listen"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    child
}

fn stop(mut redis: Child) {
    let _ = redis.kill();
    let _ = redis.wait();
}

async fn store() -> Arc<RedisStore> {
    Arc::new(
        RedisStore::connect(&env("SCOPES_REDIS_URL"))
            .await
            .expect("Redis is reachable"),
    )
}

/// An introspection endpoint on 127.0.0.1 that answers every token active, counting calls.
async fn endpoint(calls: Arc<AtomicUsize>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/introspect", listener.local_addr().unwrap());
    let app = Router::new().route(
        "/introspect",
        post(move || {
            calls.fetch_add(1, Ordering::SeqCst);
            async move {
                let exp = scopes_tests::now() + 600;
                axum::Json(json!({
                    "active": true, "scope": "items", "sub": "alice",
                    "iss": "https://auth.example.com", "exp": exp,
                }))
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

fn dpop_request(token: &str, proof: &str) -> Request<Body> {
    Request::get("/items")
        .header("host", "api.test")
        .dpop(token, proof)
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
#[ignore = "needs Redis: run tests/redis/run"]
async fn two_instances_share_replays_and_answers_and_survive_an_outage() {
    let redis = start_redis();
    let issuer = TestIssuer::es256();
    let client = DpopKey::es256();
    let token = issuer.token(scope_set!("items")).dpop_bound(&client).mint();
    let calls = Arc::new(AtomicUsize::new(0));
    let introspect = endpoint(calls.clone()).await;
    // Two instances, each with its own connection to Redis.
    let instance = |store: Arc<RedisStore>| {
        let verifier = Verifier::builder()
            .trust(issuer.trusted())
            .trust(
                TrustedIssuer::new("https://auth.example.com").introspection(
                    Introspection::new(&introspect, "api", "secret").store(store.clone()),
                ),
            )
            .dpop(Dpop::allowed().url_from_request().store(store))
            .build()
            .unwrap();
        (
            Router::new()
                .route("/items", get(items))
                .with_state(verifier.clone()),
            verifier,
        )
    };
    let (one, one_verifier) = instance(store().await);
    let (two, two_verifier) = instance(store().await);

    // A proof admitted by one instance is a replay at the other.
    let proof = client
        .proof("GET", "http://api.test/items")
        .token(&token)
        .sign();
    testing::send(&one, dpop_request(&token, &proof))
        .await
        .assert_admitted();
    let replayed = testing::send(&two, dpop_request(&token, &proof)).await;
    let challenge = replayed.assert_invalid_dpop_proof();
    assert_eq!(
        challenge.param("error_description"),
        Some("The DPoP proof was used before")
    );

    // An introspection answer fetched by one instance serves the other.
    one_verifier.verify("opaque-1").await.unwrap();
    two_verifier.verify("opaque-1").await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    // Redis down: proofs are refused (their replay cannot be ruled out) …
    stop(redis);
    let proof = client
        .proof("GET", "http://api.test/items")
        .token(&token)
        .sign();
    let started = Instant::now();
    let refused = testing::send(&one, dpop_request(&token, &proof)).await;
    refused.assert_unavailable();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "waited {:?}",
        started.elapsed()
    );
    // … and introspection asks the endpoint itself.
    two_verifier.verify("opaque-2").await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 2);

    // Redis back: the connection is made again, and proofs are admitted once more.
    let redis = start_redis();
    let started = Instant::now();
    loop {
        let proof = client
            .proof("GET", "http://api.test/items")
            .token(&token)
            .sign();
        let response = testing::send(&one, dpop_request(&token, &proof)).await;
        if response.status().is_success() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "the store did not recover: {:?}",
            response.challenge()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    stop(redis);
}

#[tokio::test]
#[ignore = "needs Redis: run tests/redis/run"]
async fn set_if_absent_is_atomic_across_connections() {
    let redis = start_redis();
    let stores = [store().await, store().await, store().await, store().await];
    for round in 0..20 {
        let key = format!("race:{round}");
        let tries = stores.iter().flat_map(|store| {
            let key = key.clone();
            (0..5).map(move |_| {
                let store = store.clone();
                let key = key.clone();
                tokio::spawn(async move {
                    store
                        .set_if_absent(&key, b"1", Duration::from_secs(10))
                        .await
                        .unwrap()
                })
            })
        });
        let tries: Vec<_> = tries.collect();
        let mut won = 0;
        for attempt in tries {
            won += usize::from(attempt.await.unwrap());
        }
        assert_eq!(won, 1, "round {round}");
    }
    // Values and expiry.
    let store = &stores[0];
    store
        .set("kept", b"value", Duration::from_millis(300))
        .await
        .unwrap();
    assert_eq!(
        store.get("kept").await.unwrap().as_deref(),
        Some(&b"value"[..])
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(store.get("kept").await.unwrap(), None);
    stop(redis);
}
