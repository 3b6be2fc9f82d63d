//! What DPoP (RFC 9449) costs: one `GET` through a `Router` with a DPoP-bound ES256 token
//! (from the verified-token cache) and a fresh proof, beside the same token sent as
//! `Bearer` (unbound) and the bare route; and the replay check alone, in the memory
//! store. Proofs are signed outside the measurement (each is used once).
//!
//! `cargo bench -p scopes-core --features testing --bench dpop`

use std::hint::black_box;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use axum::routing::get;
use criterion::{BatchSize, Criterion};
use scopes_core::store::{MemoryStore, Store};
use scopes_core::testing::{BearerExt, DpopKey, TestIssuer};
use scopes_core::{Dpop, requires_scopes, scope_set, scopes};
use tower::ServiceExt;

scopes! {
    /// The bench's scopes.
    pub Scopes {
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

const URL: &str = "http://api.test/guarded";

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let issuer = TestIssuer::es256();
    let verifier = issuer
        .verifier_builder()
        .dpop(Dpop::allowed().public_url("http://api.test"))
        .build()
        .unwrap();
    let app = Router::new()
        .route("/guarded", get(guarded))
        .route("/bare", get(bare))
        .with_state(verifier);
    let client = DpopKey::es256();
    let bound = issuer.token(scope_set!("items")).dpop_bound(&client).mint();
    let unbound = issuer.mint("alice", scope_set!("items"));
    let request = |uri: &str, authorization: String, proof: Option<String>| {
        let mut builder = Request::get(uri)
            .header("host", "api.test")
            .header("authorization", authorization);
        if let Some(proof) = proof {
            builder = builder.header("dpop", proof);
        }
        builder.body(Body::empty()).unwrap()
    };
    let dpop_request = || {
        let proof = client.proof("GET", URL).token(&bound).sign();
        Request::get("/guarded")
            .header("host", "api.test")
            .dpop(&bound, &proof)
            .body(Body::empty())
            .unwrap()
    };
    let send = |request: Request<Body>| {
        let response = runtime.block_on(app.clone().oneshot(request)).unwrap();
        assert_eq!(response.status(), 200);
    };
    // Warm: both tokens in the verified-token cache.
    send(dpop_request());
    send(request("/guarded", format!("Bearer {unbound}"), None));

    let mut criterion = Criterion::default().configure_from_args();
    let mut group = criterion.benchmark_group("dpop");
    group.bench_function("bare", |b| {
        b.iter_batched(
            || request("/bare", format!("Bearer {unbound}"), None),
            |request| send(black_box(request)),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("bearer_cached", |b| {
        b.iter_batched(
            || request("/guarded", format!("Bearer {unbound}"), None),
            |request| send(black_box(request)),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("dpop_cached_token_fresh_proof", |b| {
        b.iter_batched(
            dpop_request,
            |request| send(black_box(request)),
            BatchSize::SmallInput,
        )
    });
    let store = MemoryStore::new(10_000_000);
    let mut n = 0u64;
    group.bench_function("replay_check_memory", |b| {
        b.iter_batched(
            || {
                n += 1;
                format!("dpop:{n:043}")
            },
            |key| {
                let fresh = runtime
                    .block_on(store.set_if_absent(&key, b"1", Duration::from_secs(70)))
                    .unwrap();
                assert!(fresh);
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
    criterion.final_summary();
}
