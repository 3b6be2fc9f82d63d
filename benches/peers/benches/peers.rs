//! `#[requires_scopes]` beside the peer crates, in one process: the same HS256 token
//! (the FastAPI tutorial's secret; `sub`, `exp` an hour ahead, `scopes: ["me", "items"]`),
//! the same request (`GET /items` with `Authorization: Bearer …`, a handler answering a
//! static string) driven through `tower::ServiceExt::oneshot` on a `Router`, as the
//! request bench of scopes-core does:
//!
//! - `bare`: the route without any authentication;
//! - `scopes`: `#[requires_scopes("items")]` with `Verifier::new` (the token cache on,
//!   the default);
//! - `scopes_no_cache`: the same with `no_cache()`: every request verifies;
//! - `scopes_403`: `#[requires_scopes("admin")]`, which the token lacks, uncached;
//! - `scopes_403_cached`: the same with the token cache on (the default);
//! - `jwt_authorizer`: `JwtAuthorizer::from_secret` with `.check(…)` on the scopes (its
//!   README's claims checker, 403 when false), as a layer on an axum 0.7 `Router`;
//! - `protect_axum`: `GrantsLayer::with_extractor` with an extractor that decodes the
//!   token with jsonwebtoken (protect-axum decodes no token: its docs pair it with a JWT
//!   middleware), and `#[protect("items")]` on the handler;
//! - `axum_jwt_auth`: `LocalDecoder` and its `Claims<T>` extractor; it checks no scope,
//!   so the handler checks `items` in the decoded claims and answers 403 without it.
//!
//! Every path is first checked to answer as expected (200, or 403 for `scopes_403`),
//! and every guarded one to refuse a token without `items` (403), a forged signature
//! and an expired token (401). Then criterion's report, then every path again in
//! **interleaved** rounds (each round times every path in turn for about 20 ms; the
//! median over `PEERS_ROUNDS` rounds, 30 by default), printed as a table.
//!
//! `cargo bench --manifest-path benches/peers/Cargo.toml`

use std::collections::HashSet;
use std::hint::black_box;
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::http::header::AUTHORIZATION;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use criterion::Criterion;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use jwt_authorizer::{Authorizer, IntoLayer, JwtAuthorizer};
use protect_axum::GrantsLayer;
use scopes_core::{Key, Verifier, requires_scopes, scopes};
use serde::{Deserialize, Serialize};
use tower::ServiceExt;

/// The FastAPI tutorial's `SECRET_KEY`.
const SECRET: &str = "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7";

scopes! {
    /// The tutorial's scopes, and one the token does not grant.
    pub Scopes {
        "me": "Read information about the current user.",
        "items": "Read items.",
        "admin": "Administer.",
    }
}

/// The token's claims, as the peers decode them (FastAPI mints `scopes` as an array).
#[derive(Clone, Deserialize, Serialize)]
struct TokenClaims {
    sub: String,
    exp: u64,
    scopes: Vec<String>,
}

impl TokenClaims {
    fn grants(&self, scope: &str) -> bool {
        self.scopes.iter().any(|granted| granted == scope)
    }
}

async fn bare() -> &'static str {
    "items"
}

#[requires_scopes("items")]
async fn scopes_items() -> &'static str {
    "items"
}

#[requires_scopes("admin")]
async fn scopes_admin() -> &'static str {
    "items"
}

/// jwt-authorizer 0.15 (axum 0.7): its README's setup from a secret, with the claims
/// checker (a `false` is its 403 `insufficient_scope`) on the scopes.
async fn jwt_authorizer_app() -> axum07::Router {
    let authorizer: Authorizer<TokenClaims> = JwtAuthorizer::from_secret(SECRET)
        .check(|claims: &TokenClaims| claims.grants("items"))
        .build()
        .await
        .unwrap();
    axum07::Router::new()
        .route("/items", axum07::routing::get(bare))
        .layer(authorizer.into_layer())
}

/// protect-axum's extractor of authorities, decoding the token as its JWT examples do
/// (jsonwebtoken, `HS256`); the key and the validation are built once, not per request.
async fn protect_extract(request: &mut Request) -> Result<HashSet<String>, Response> {
    static KEY: LazyLock<DecodingKey> =
        LazyLock::new(|| DecodingKey::from_secret(SECRET.as_bytes()));
    static VALIDATION: LazyLock<Validation> = LazyLock::new(|| Validation::new(Algorithm::HS256));
    let token = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .ok_or_else(|| StatusCode::UNAUTHORIZED.into_response())?;
    let data = jsonwebtoken::decode::<TokenClaims>(token, &KEY, &VALIDATION)
        .map_err(|_| StatusCode::UNAUTHORIZED.into_response())?;
    Ok(data.claims.scopes.into_iter().collect())
}

#[protect_axum::protect("items")]
async fn protect_items() -> &'static str {
    "items"
}

fn protect_axum_app() -> Router {
    Router::new()
        .route("/items", get(protect_items))
        .layer(GrantsLayer::with_extractor(protect_extract))
}

/// axum-jwt-auth checks no scope: the handler checks them in the decoded claims.
async fn axum_jwt_auth_items(
    user: axum_jwt_auth::Claims<TokenClaims>,
) -> Result<&'static str, StatusCode> {
    if user.claims.grants("items") {
        Ok("items")
    } else {
        Err(StatusCode::FORBIDDEN)
    }
}

/// axum-jwt-auth 0.7: its README's `LocalDecoder` for an HS256 secret. Its builder
/// refuses a `Validation` without an audience (the README's example omits it), so one
/// is set; jsonwebtoken checks `aud` only when the token has one, and ours has none.
fn axum_jwt_auth_app() -> Router {
    let mut validation = jsonwebtoken10::Validation::new(jsonwebtoken10::Algorithm::HS256);
    validation.set_audience(&["scopes-peer-bench"]);
    let decoder = axum_jwt_auth::LocalDecoder::builder()
        .keys(vec![jsonwebtoken10::DecodingKey::from_secret(
            SECRET.as_bytes(),
        )])
        .validation(validation)
        .build()
        .unwrap();
    let decoder: axum_jwt_auth::Decoder<TokenClaims> = Arc::new(decoder);
    Router::new()
        .route("/items", get(axum_jwt_auth_items))
        .with_state(decoder)
}

fn scopes_app(verifier: Verifier, guarded: bool) -> Router {
    let route = if guarded {
        get(scopes_items)
    } else {
        get(scopes_admin)
    };
    Router::new().route("/items", route).with_state(verifier)
}

fn uncached() -> Verifier {
    Verifier::builder()
        .key(Key::hs256(SECRET).unwrap())
        .no_cache()
        .build()
        .unwrap()
}

/// A router of either axum version, driven the same way.
enum App {
    Axum08(Router),
    Axum07(axum07::Router),
}

/// One measured path and the status the valid token must get.
struct Case {
    name: &'static str,
    app: App,
    status: u16,
}

fn cases(runtime: &tokio::runtime::Runtime) -> Vec<Case> {
    let case = |name, app, status| Case { name, app, status };
    vec![
        case(
            "bare",
            App::Axum08(Router::new().route("/items", get(bare))),
            200,
        ),
        case(
            "scopes",
            App::Axum08(scopes_app(
                Verifier::new(Key::hs256(SECRET).unwrap()).unwrap(),
                true,
            )),
            200,
        ),
        case(
            "scopes_no_cache",
            App::Axum08(scopes_app(uncached(), true)),
            200,
        ),
        case(
            "scopes_403",
            App::Axum08(scopes_app(uncached(), false)),
            403,
        ),
        case(
            "scopes_403_cached",
            App::Axum08(scopes_app(
                Verifier::new(Key::hs256(SECRET).unwrap()).unwrap(),
                false,
            )),
            403,
        ),
        case(
            "jwt_authorizer",
            App::Axum07(runtime.block_on(jwt_authorizer_app())),
            200,
        ),
        case("protect_axum", App::Axum08(protect_axum_app()), 200),
        case("axum_jwt_auth", App::Axum08(axum_jwt_auth_app()), 200),
    ]
}

fn sign(exp_offset: i64, scopes: &[&str]) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let claims = TokenClaims {
        sub: "johndoe".into(),
        exp: now.checked_add_signed(exp_offset).unwrap(),
        scopes: scopes.iter().map(|scope| scope.to_string()).collect(),
    };
    let key = EncodingKey::from_secret(SECRET.as_bytes());
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &key).unwrap()
}

/// One `GET /items` with this `Authorization` value; the response's status.
fn run(runtime: &tokio::runtime::Runtime, app: &App, authorization: &str) -> u16 {
    match app {
        App::Axum08(router) => {
            let request = Request::get("/items")
                .header(AUTHORIZATION, authorization)
                .body(Body::empty())
                .unwrap();
            let response = runtime.block_on(router.clone().oneshot(request)).unwrap();
            response.status().as_u16()
        }
        App::Axum07(router) => {
            let request = axum07::http::Request::get("/items")
                .header(AUTHORIZATION, authorization)
                .body(axum07::body::Body::empty())
                .unwrap();
            let response = runtime.block_on(router.clone().oneshot(request)).unwrap();
            response.status().as_u16()
        }
    }
}

/// Every path answers the token as expected, and every guarded one refuses what it
/// must: a token without `items` (403), a forged signature and an expired token (401).
fn check(runtime: &tokio::runtime::Runtime, cases: &[Case], authorization: &str) {
    let token = sign(3600, &["me", "items"]);
    let at = token.rfind('.').unwrap() + 5;
    let changed = if &token[at..=at] == "A" { "B" } else { "A" };
    let forged = format!("{}{changed}{}", &token[..at], &token[at + 1..]);
    let without_items = format!("Bearer {}", sign(3600, &["me"]));
    let expired = format!("Bearer {}", sign(-3600, &["me", "items"]));
    for case in cases {
        let status = run(runtime, &case.app, authorization);
        assert_eq!(status, case.status, "{}: the token", case.name);
        if case.name == "bare" {
            continue;
        }
        let refusals = [
            (without_items.as_str(), 403, "a token without `items`"),
            (&format!("Bearer {forged}"), 401, "a forged signature"),
            (expired.as_str(), 401, "an expired token"),
        ];
        for (authorization, expected, what) in refusals {
            let status = run(runtime, &case.app, authorization);
            assert_eq!(status, expected, "{}: {what}", case.name);
        }
    }
}

/// Every path measured in alternating batches (about 20 ms each), `rounds` times;
/// the median per path, in nanoseconds.
fn interleaved(
    runtime: &tokio::runtime::Runtime,
    cases: &[Case],
    authorization: &str,
    rounds: usize,
) -> Vec<f64> {
    // Iterations per batch, from a first estimate of each path's time once warm.
    let sizes: Vec<u32> = cases
        .iter()
        .map(|case| {
            for _ in 0..200 {
                black_box(run(runtime, &case.app, authorization));
            }
            let start = Instant::now();
            for _ in 0..200 {
                black_box(run(runtime, &case.app, authorization));
            }
            let each = start.elapsed() / 200;
            (Duration::from_millis(20).as_nanos() / each.as_nanos().max(1)).clamp(10, 20_000) as u32
        })
        .collect();
    let mut samples = vec![Vec::with_capacity(rounds); cases.len()];
    for _ in 0..rounds {
        for (i, case) in cases.iter().enumerate() {
            let start = Instant::now();
            for _ in 0..sizes[i] {
                black_box(run(runtime, &case.app, authorization));
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

fn report(cases: &[Case], medians: &[f64], rounds: usize) {
    let of = |name: &str| medians[cases.iter().position(|case| case.name == name).unwrap()];
    let bare = of("bare");
    let (cached, uncached) = (of("scopes"), of("scopes_no_cache"));
    println!();
    println!("interleaved medians ({rounds} rounds); a peer's time over ours (whole request):");
    println!();
    println!(
        "| path | median | over `bare` | ÷ `scopes` | ÷ `scopes_no_cache` |\n|---|---|---|---|---|"
    );
    for (case, median) in cases.iter().zip(medians) {
        let over = if case.name == "bare" {
            String::new()
        } else {
            format!("{:+.2} µs", (median - bare) / 1000.0)
        };
        let peer = !case.name.starts_with("scopes") && case.name != "bare";
        let (vs_cached, vs_uncached) = if peer {
            (
                format!("{:.2} ×", median / cached),
                format!("{:.2} ×", median / uncached),
            )
        } else {
            (String::new(), String::new())
        };
        println!(
            "| `{}` | {median:.0} ns | {over} | {vs_cached} | {vs_uncached} |",
            case.name
        );
    }
    println!();
    println!(
        "  our overhead over bare: {:.2} µs cached (the default), {:.2} µs uncached (goal ≤ 1.5)",
        (cached - bare) / 1000.0,
        (uncached - bare) / 1000.0
    );
    println!(
        "  scopes_403 / scopes_no_cache = {:.3}, scopes_403_cached / scopes = {:.3} (goal ≤ 1)",
        of("scopes_403") / uncached,
        of("scopes_403_cached") / cached
    );
    for (peer, goal) in [
        ("jwt_authorizer", 2.0),
        ("protect_axum", 2.0),
        ("axum_jwt_auth", 1.8),
    ] {
        println!(
            "  {peer}: {:.2} × ours cached, {:.2} × uncached (goal ≥ {goal}); its overhead {:.2} × ours uncached",
            of(peer) / cached,
            of(peer) / uncached,
            (of(peer) - bare) / (uncached - bare)
        );
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let token = sign(3600, &["me", "items"]);
    let authorization = format!("Bearer {token}");
    let cases = cases(&runtime);
    // Nothing measures a refusal by mistake.
    check(&runtime, &cases, &authorization);

    let mut criterion = Criterion::default().configure_from_args();
    let mut group = criterion.benchmark_group("peers");
    for case in &cases {
        group.bench_function(case.name, |b| {
            b.iter(|| run(&runtime, &case.app, &authorization))
        });
    }
    group.finish();
    criterion.final_summary();

    // Only when benchmarking (`cargo test --benches` runs the above once, quickly).
    if std::env::args().any(|arg| arg == "--bench") {
        let rounds = std::env::var("PEERS_ROUNDS")
            .ok()
            .and_then(|rounds| rounds.parse().ok())
            .unwrap_or(30);
        println!();
        println!("HS256 token, {} bytes: {token}", token.len());
        let medians = interleaved(&runtime, &cases, &authorization, rounds);
        report(&cases, &medians, rounds);
    }
}
