//! What `#[requires_scopes]` costs: the mask check alone, and one HS256 request through
//! a `Router` compared with the same handler without the attribute plus jsonwebtoken
//! decoding the token by hand. Prints the ratio the project targets (≤ 1.2).
//!
//! `cargo bench -p scopes-core --bench request`

use std::alloc::System;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::routing::get;
use criterion::Criterion;
use http::Request;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use scopes_core::{Key, RequiredScopes, ScopeSet, Verifier, requires_scopes, scopes};
use serde::Deserialize;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use tower::ServiceExt;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const SECRET: &str = "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7";

scopes! {
    /// The tutorial's scopes.
    pub Scopes {
        "me": "Read information about the current user.",
        "items": "Read items.",
    }
}

#[requires_scopes("items", "me")]
async fn guarded() -> &'static str {
    "items"
}

async fn bare() -> &'static str {
    "items"
}

/// What a hand-written FastAPI-style handler would decode.
#[derive(Deserialize)]
#[allow(dead_code)]
struct TutorialClaims {
    sub: String,
    exp: u64,
    scopes: Vec<String>,
}

fn token() -> String {
    let exp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3600;
    let claims = serde_json::json!({ "sub": "johndoe", "exp": exp, "scopes": ["me", "items"] });
    encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap()
}

fn request(uri: &str, bearer: &str) -> Request<Body> {
    Request::get(uri)
        .header("authorization", bearer)
        .body(Body::empty())
        .unwrap()
}

/// The runtime, the app with both routes, the token and its `Authorization` value.
fn setup() -> (tokio::runtime::Runtime, Router, String, String) {
    // `cargo bench --workspace` enables both jsonwebtoken backends; pick one before signing.
    scopes_core::install_crypto_provider();
    let token = token();
    let bearer = format!("Bearer {token}");
    let verifier = Verifier::new(Key::hs256(SECRET).unwrap()).unwrap();
    let app: Router = Router::new()
        .route("/guarded", get(guarded))
        .route("/bare", get(bare))
        .with_state(verifier);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    (runtime, app, token, bearer)
}

fn benches(c: &mut Criterion) {
    let (runtime, app, token, bearer) = setup();

    // The routes answer as expected before they are measured.
    for uri in ["/guarded", "/bare"] {
        let status = runtime
            .block_on(app.clone().oneshot(request(uri, &bearer)))
            .unwrap()
            .status();
        assert_eq!(status, 200, "{uri}");
    }

    let requirement = <__scopes_requirement_guarded as RequiredScopes<Scopes>>::REQUIREMENT;
    let granted = ScopeSet::<Scopes>::granted_by(["me", "items"]);
    let region = Region::new(GLOBAL);
    assert!(black_box(requirement).is_met_by(black_box(&granted)));
    let allocations = region.change().allocations;
    assert_eq!(allocations, 0, "the scope check must not allocate");

    let mut group = c.benchmark_group("scopes");
    group.bench_function("mask_check", |b| {
        b.iter(|| black_box(requirement).is_met_by(black_box(&granted)));
    });
    group.bench_function("route_with_requires_scopes", |b| {
        b.iter(|| {
            runtime
                .block_on(app.clone().oneshot(request("/guarded", &bearer)))
                .unwrap()
        });
    });
    group.bench_function("route_bare", |b| {
        b.iter(|| {
            runtime
                .block_on(app.clone().oneshot(request("/bare", &bearer)))
                .unwrap()
        });
    });
    let standalone = Verifier::new(Key::hs256(SECRET).unwrap()).unwrap();
    group.bench_function("verifier_verify_and_grant", |b| {
        b.iter(|| {
            let verified = runtime.block_on(standalone.verify(black_box(&token)));
            verified.unwrap().granted::<Scopes>()
        });
    });
    let key = DecodingKey::from_secret(SECRET.as_bytes());
    let validation = Validation::new(Algorithm::HS256);
    group.bench_function("jsonwebtoken_decode", |b| {
        b.iter(|| decode::<TutorialClaims>(black_box(&token), &key, &validation).unwrap());
    });
    group.finish();
}

/// The three paths of the ratio, measured in alternating batches so that drift in the
/// machine's speed (frequent on shared machines) weighs on all three alike; medians of
/// the per-batch means, in nanoseconds.
fn interleaved(
    runtime: &tokio::runtime::Runtime,
    app: &Router,
    bearer: &str,
    token: &str,
) -> [f64; 3] {
    const ROUNDS: usize = 60;
    const BATCH: u32 = 1000;
    let key = DecodingKey::from_secret(SECRET.as_bytes());
    let validation = Validation::new(Algorithm::HS256);
    let batch = |f: &mut dyn FnMut()| {
        let start = Instant::now();
        for _ in 0..BATCH {
            f();
        }
        start.elapsed().as_nanos() as f64 / f64::from(BATCH)
    };
    let mut samples = [Vec::new(), Vec::new(), Vec::new()];
    for _ in 0..ROUNDS {
        samples[0].push(batch(&mut || {
            black_box(
                runtime
                    .block_on(app.clone().oneshot(request("/guarded", bearer)))
                    .unwrap(),
            );
        }));
        samples[1].push(batch(&mut || {
            black_box(
                runtime
                    .block_on(app.clone().oneshot(request("/bare", bearer)))
                    .unwrap(),
            );
        }));
        samples[2].push(batch(&mut || {
            black_box(decode::<TutorialClaims>(black_box(token), &key, &validation).unwrap());
        }));
    }
    samples.map(|mut times| {
        times.sort_by(f64::total_cmp);
        times[times.len() / 2]
    })
}

/// Criterion's mean estimate of `name`, in nanoseconds.
fn mean_ns(dir: &Path, name: &str) -> Option<f64> {
    let path = dir
        .join("scopes")
        .join(name)
        .join("new")
        .join("estimates.json");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    json["mean"]["point_estimate"].as_f64()
}

fn main() {
    let dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
        .join("criterion");
    let mut criterion = Criterion::default()
        .output_directory(&dir)
        .configure_from_args();
    benches(&mut criterion);
    criterion.final_summary();

    let means = [
        "mask_check",
        "route_with_requires_scopes",
        "route_bare",
        "jsonwebtoken_decode",
    ]
    .map(|n| mean_ns(&dir, n));
    if let [Some(check), Some(guarded), Some(bare), Some(decode)] = means {
        eprintln!();
        eprintln!("criterion means (one after another):");
        eprintln!("  mask check:                     {check:>9.2} ns (allocations: 0)");
        eprintln!("  route with #[requires_scopes]:  {guarded:>9.0} ns");
        eprintln!("  bare route:                     {bare:>9.0} ns");
        eprintln!("  jsonwebtoken::decode alone:     {decode:>9.0} ns");
        eprintln!(
            "  ratio attribute / (bare + decode) = {:.3}",
            guarded / (bare + decode)
        );
    }
    if std::env::args().any(|arg| arg == "--bench") {
        let (runtime, app, token, bearer) = setup();
        let [guarded, bare, decode] = interleaved(&runtime, &app, &bearer, &token);
        eprintln!("interleaved medians (drift-resistant):");
        eprintln!("  route with #[requires_scopes]:  {guarded:>9.0} ns");
        eprintln!("  bare route:                     {bare:>9.0} ns");
        eprintln!("  jsonwebtoken::decode alone:     {decode:>9.0} ns");
        eprintln!(
            "  ratio attribute / (bare + decode) = {:.3} (target ≤ 1.2)",
            guarded / (bare + decode)
        );
    }
}
