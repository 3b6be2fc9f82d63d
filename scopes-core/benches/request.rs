//! What `#[requires_scopes]` costs a request, every path in one run: one `GET` through
//! a `Router` (`oneshot`) to a route without the attribute (`bare`), to the same route
//! decoding the token by hand with `jsonwebtoken::decode` (`bare_plus_decode`, what an
//! application without this crate pays), and to `#[requires_scopes("items", "me")]`
//! routes without the verified-token cache: HS256, RS256 and ES256 tokens admitted,
//! HS256 refused with 403 (a valid token lacking the scope) and 401 (forged signature,
//! expired, garbage); then with the cache (the default): HS256 admitted and refused
//! with 403, RS256 admitted. Plus the scope check alone (`mask_check`).
//!
//! After criterion's report it measures the same paths in **interleaved** batches
//! (each round times every path in turn; medians of the rounds), which a shared
//! machine's drift weighs on alike, and prints each path's overhead over `bare`: the
//! figures the project's goals are about (HS256 admit ≤ 1.5 µs, refusals ≤ admit,
//! cached ≤ 0.5 µs).
//!
//! `cargo bench -p scopes-core --bench request`

use std::alloc::System;
use std::hint::black_box;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::http::HeaderMap;
use axum::routing::get;
use criterion::Criterion;
use http::Request;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use scopes_core::{CacheLimits, Key, ScopeSet, Verifier, requires_scopes, scopes};
use serde::Deserialize;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use tower::ServiceExt;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const SECRET: &str = "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7";
const RSA_PRIVATE: &str = include_str!("../../tests/keys/rsa_private.pem");
const RSA_PUBLIC: &str = include_str!("../../tests/keys/rsa_public.pem");
const EC_PRIVATE: &str = include_str!("../../tests/keys/ec_private.pem");
const EC_PUBLIC: &str = include_str!("../../tests/keys/ec_public.pem");

scopes! {
    /// The tutorial's scopes.
    pub Scopes {
        "me": "Read information about the current user.",
        "items": "Read items.",
        "admin": "Administer.",
    }
}

#[requires_scopes("items", "me")]
async fn guarded() -> &'static str {
    "items"
}

#[requires_scopes("admin")]
async fn admin() -> &'static str {
    "admin"
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

/// The bare route decoding the token by hand (no scope check, no challenge).
async fn bare_plus_decode(headers: HeaderMap) -> &'static str {
    let token = headers
        .get("authorization")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .unwrap_or_default();
    let key = DecodingKey::from_secret(SECRET.as_bytes());
    let validation = Validation::new(Algorithm::HS256);
    match decode::<TutorialClaims>(token, &key, &validation) {
        Ok(_) => "items",
        Err(_) => "refused",
    }
}

fn sign(algorithm: Algorithm, exp_offset: i64) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let claims =
        serde_json::json!({ "sub": "johndoe", "exp": now + exp_offset, "scopes": ["me", "items"] });
    let key = match algorithm {
        Algorithm::HS256 => EncodingKey::from_secret(SECRET.as_bytes()),
        Algorithm::RS256 => EncodingKey::from_rsa_pem(RSA_PRIVATE.as_bytes()).unwrap(),
        _ => EncodingKey::from_ec_pem(EC_PRIVATE.as_bytes()).unwrap(),
    };
    encode(&Header::new(algorithm), &claims, &key).unwrap()
}

/// A Keycloak-shaped HS256 token: `me` as a realm role, `items` as a role of the
/// client `shop-api`, beside another client's roles (read through nested claims).
fn sign_keycloak() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let claims = serde_json::json!({
        "sub": "johndoe", "exp": now + 3600, "scope": "openid profile",
        "realm_access": { "roles": ["offline_access", "me"] },
        "resource_access": {
            "account": { "roles": ["manage-account"] },
            "shop-api": { "roles": ["items"] }
        }
    });
    let key = EncodingKey::from_secret(SECRET.as_bytes());
    encode(&Header::new(Algorithm::HS256), &claims, &key).unwrap()
}

fn app(verifier: Verifier) -> Router {
    Router::new()
        .route("/guarded", get(guarded))
        .route("/admin", get(admin))
        .route("/bare", get(bare))
        .route("/decode", get(bare_plus_decode))
        .with_state(verifier)
}

/// One measured path: a name, an app, a path and an `Authorization` value, and the
/// status it must answer.
struct Case {
    name: &'static str,
    app: Router,
    uri: &'static str,
    authorization: String,
    status: u16,
}

fn cases() -> Vec<Case> {
    // `cargo bench --workspace` enables both jsonwebtoken backends; pick one before signing.
    scopes_core::install_crypto_provider();
    // Uncached: every request verifies its token (the cache is on by default).
    let uncached = |key: Key| Verifier::builder().key(key).no_cache().build().unwrap();
    let hs = uncached(Key::hs256(SECRET).unwrap());
    let rs = uncached(Key::public_pem(Algorithm::RS256, RSA_PUBLIC).unwrap());
    let es = uncached(Key::public_pem(Algorithm::ES256, EC_PUBLIC).unwrap());
    let rs_cached = Verifier::builder()
        .key(Key::public_pem(Algorithm::RS256, RSA_PUBLIC).unwrap())
        .cache(CacheLimits::default())
        .build()
        .unwrap();
    // As `Verifier::new` builds it: cache on.
    let hs_default = app(Verifier::new(Key::hs256(SECRET).unwrap()).unwrap());
    let hs_token = sign(Algorithm::HS256, 3600);
    let bearer = |token: &str| format!("Bearer {token}");
    // One whole character of the signature changed: always a wrong signature.
    let at = hs_token.rfind('.').unwrap() + 5;
    let changed = if &hs_token[at..=at] == "A" { "B" } else { "A" };
    let forged = format!("{}{changed}{}", &hs_token[..at], &hs_token[at + 1..]);
    let case = |name, app: &Router, uri, authorization: String, status| Case {
        name,
        app: app.clone(),
        uri,
        authorization,
        status,
    };
    let hs_app = app(hs);
    vec![
        case("bare", &hs_app, "/bare", bearer(&hs_token), 200),
        case(
            "bare_plus_decode",
            &hs_app,
            "/decode",
            bearer(&hs_token),
            200,
        ),
        case("hs256_admit", &hs_app, "/guarded", bearer(&hs_token), 200),
        case(
            "hs256_nested_admit",
            &app(Verifier::builder()
                .key(Key::hs256(SECRET).unwrap())
                .scope_claims(scopes_core::providers::keycloak("shop-api"))
                .no_cache()
                .build()
                .unwrap()),
            "/guarded",
            bearer(&sign_keycloak()),
            200,
        ),
        case("hs256_403", &hs_app, "/admin", bearer(&hs_token), 403),
        case(
            "hs256_401_forged",
            &hs_app,
            "/guarded",
            bearer(&forged),
            401,
        ),
        case(
            "hs256_401_expired",
            &hs_app,
            "/guarded",
            bearer(&sign(Algorithm::HS256, -3600)),
            401,
        ),
        case(
            "hs256_401_garbage",
            &hs_app,
            "/guarded",
            bearer("not.a.jwt"),
            401,
        ),
        case(
            "rs256_admit",
            &app(rs),
            "/guarded",
            bearer(&sign(Algorithm::RS256, 3600)),
            200,
        ),
        case(
            "es256_admit",
            &app(es),
            "/guarded",
            bearer(&sign(Algorithm::ES256, 3600)),
            200,
        ),
        case(
            "hs256_cached_admit",
            &hs_default,
            "/guarded",
            bearer(&hs_token),
            200,
        ),
        case(
            "hs256_cached_403",
            &hs_default,
            "/admin",
            bearer(&hs_token),
            403,
        ),
        case(
            "rs256_cached_admit",
            &app(rs_cached),
            "/guarded",
            bearer(&sign(Algorithm::RS256, 3600)),
            200,
        ),
    ]
}

fn request(case: &Case) -> Request<Body> {
    Request::get(case.uri)
        .header("authorization", &case.authorization)
        .body(Body::empty())
        .unwrap()
}

fn run(runtime: &tokio::runtime::Runtime, case: &Case) -> u16 {
    let response = runtime
        .block_on(case.app.clone().oneshot(request(case)))
        .unwrap();
    response.status().as_u16()
}

fn benches(c: &mut Criterion, runtime: &tokio::runtime::Runtime, cases: &[Case]) {
    // Every path answers as expected before it is measured.
    for case in cases {
        assert_eq!(run(runtime, case), case.status, "{}", case.name);
    }

    let requirement =
        scopes_core::__private::handler_requirement::<Scopes, __scopes_requirement_guarded>().own
            [0];
    let granted = ScopeSet::<Scopes>::granted_by(["me", "items"]);
    let region = Region::new(GLOBAL);
    assert!(black_box(requirement).is_met_by(black_box(&granted)));
    assert_eq!(
        region.change().allocations,
        0,
        "the scope check must not allocate"
    );

    let mut group = c.benchmark_group("request");
    group.bench_function("mask_check", |b| {
        b.iter(|| black_box(requirement).is_met_by(black_box(&granted)));
    });
    for case in cases {
        group.bench_function(case.name, |b| b.iter(|| run(runtime, case)));
    }
    group.finish();
}

/// Every path measured in alternating batches (about 20 ms each), `rounds` times;
/// the median per path, in nanoseconds.
fn interleaved(runtime: &tokio::runtime::Runtime, cases: &[Case], rounds: usize) -> Vec<f64> {
    // Iterations per batch, from a first estimate of each path's time.
    let sizes: Vec<u32> = cases
        .iter()
        .map(|case| {
            let start = Instant::now();
            for _ in 0..20 {
                black_box(run(runtime, case));
            }
            let each = start.elapsed() / 20;
            (Duration::from_millis(20).as_nanos() / each.as_nanos().max(1)).clamp(10, 20_000) as u32
        })
        .collect();
    let mut samples = vec![Vec::with_capacity(rounds); cases.len()];
    for _ in 0..rounds {
        for (i, case) in cases.iter().enumerate() {
            let start = Instant::now();
            for _ in 0..sizes[i] {
                black_box(run(runtime, case));
            }
            samples[i].push(start.elapsed().as_nanos() as f64 / f64::from(sizes[i]));
        }
    }
    samples
        .into_iter()
        .map(|mut times| {
            times.sort_by(f64::total_cmp);
            times[times.len() / 2]
        })
        .collect()
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let cases = cases();
    let mut criterion = Criterion::default().configure_from_args();
    benches(&mut criterion, &runtime, &cases);
    criterion.final_summary();

    // Only when benchmarking (`cargo test --benches` runs the above once, quickly).
    if std::env::args().any(|arg| arg == "--bench") {
        let rounds = std::env::var("SCOPES_BENCH_ROUNDS")
            .ok()
            .and_then(|rounds| rounds.parse().ok())
            .unwrap_or(40);
        let medians = interleaved(&runtime, &cases, rounds);
        let bare = medians[0];
        eprintln!();
        eprintln!("interleaved medians ({rounds} rounds), and the overhead over `bare`:");
        for (case, median) in cases.iter().zip(&medians) {
            eprintln!(
                "  {:<20} {:>9.0} ns  {:>+9.0} ns",
                case.name,
                median,
                median - bare
            );
        }
        let of = |name: &str| medians[cases.iter().position(|c| c.name == name).unwrap()];
        let admit = of("hs256_admit");
        eprintln!();
        eprintln!(
            "  HS256 admit overhead, uncached {:.2} µs (goal ≤ 1.5), cached {:.2} µs; cached RS256 {:.2} µs (goal ≤ 0.5)",
            (admit - bare) / 1000.0,
            (of("hs256_cached_admit") - bare) / 1000.0,
            (of("rs256_cached_admit") - bare) / 1000.0
        );
        eprintln!(
            "  Keycloak-shaped token (scopes in nested claims) over the flat one: {:+.0} ns",
            of("hs256_nested_admit") - admit
        );
        eprintln!(
            "  hs256_cached_403 / hs256_cached_admit = {:.3} (goal ≤ 1)",
            of("hs256_cached_403") / of("hs256_cached_admit")
        );
        for refusal in [
            "hs256_403",
            "hs256_401_forged",
            "hs256_401_expired",
            "hs256_401_garbage",
        ] {
            eprintln!(
                "  {refusal} / hs256_admit = {:.3} (goal ≤ 1)",
                of(refusal) / admit
            );
        }
        eprintln!(
            "  bare_plus_decode overhead {:.2} µs: what decoding by hand costs",
            (of("bare_plus_decode") - bare) / 1000.0
        );
    }
}
