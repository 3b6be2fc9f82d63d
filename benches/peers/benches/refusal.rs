//! What a 403 costs beside what it answers: our refusal beside admits whose handlers
//! answer differently, and plain handlers (no check) that answer the same 403 by hand.
//! Interleaved rounds of `oneshot` requests, medians; see README.md ("The refusal's
//! shape"). `cargo bench --manifest-path benches/peers/Cargo.toml --bench refusal`.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::http::header::{CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router, routing::get};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use scopes_core::{Key, Verifier, requires_scopes, scopes};
use tower::ServiceExt;

scopes! {
    /// The bench's table.
    pub Scopes { "me": "Me.", "items": "Items.", "admin": "Admin." }
}

const SECRET: &str = "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7";

async fn bare() -> &'static str {
    "[]"
}

/// Our 403's answer, written by hand: the JSON body, its type and the challenge.
async fn bare_403() -> Response {
    let challenge = r#"Bearer error="insufficient_scope", scope="admin""#;
    (
        StatusCode::FORBIDDEN,
        [
            (CONTENT_TYPE, HeaderValue::from_static("application/json")),
            (WWW_AUTHENTICATE, HeaderValue::from_static(challenge)),
        ],
        r#"{"detail":"Not enough permissions"}"#,
    )
        .into_response()
}

/// The same without a body (what Spring Security and ASP.NET Core answer).
async fn bare_403_bodiless() -> Response {
    let challenge = r#"Bearer error="insufficient_scope", scope="admin""#;
    (
        StatusCode::FORBIDDEN,
        [(WWW_AUTHENTICATE, HeaderValue::from_static(challenge))],
    )
        .into_response()
}

#[requires_scopes("items")]
async fn items() -> &'static str {
    "[]"
}

#[requires_scopes("items")]
async fn items_string() -> String {
    format!("[{}]", 1)
}

#[requires_scopes("items")]
async fn items_json() -> Json<Vec<&'static str>> {
    Json(vec!["a", "b"])
}

#[requires_scopes("admin")]
async fn admin() -> &'static str {
    "[]"
}

fn token() -> String {
    let exp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3600;
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &Claims {
            sub: "johndoe",
            exp,
            scopes: &["me", "items"],
        },
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap()
}

#[derive(serde::Serialize)]
struct Claims {
    sub: &'static str,
    exp: u64,
    scopes: &'static [&'static str],
}

fn main() {
    let rounds: usize = std::env::var("PEERS_ROUNDS")
        .ok()
        .and_then(|rounds| rounds.parse().ok())
        .unwrap_or(15);
    let n = 20_000;
    let cached = Verifier::new(Key::hs256(SECRET).unwrap()).unwrap();
    let uncached = Verifier::builder()
        .key(Key::hs256(SECRET).unwrap())
        .no_cache()
        .build()
        .unwrap();
    let with = |route, verifier: &Verifier| {
        Router::new()
            .route("/items", route)
            .with_state(verifier.clone())
    };
    let apps: Vec<(&str, Router, u16)> = vec![
        ("bare (&str)", Router::new().route("/items", get(bare)), 200),
        (
            "bare, our 403 by hand",
            Router::new().route("/items", get(bare_403)),
            403,
        ),
        (
            "bare, a bodiless 403",
            Router::new().route("/items", get(bare_403_bodiless)),
            403,
        ),
        ("cached admit (&str)", with(get(items), &cached), 200),
        (
            "cached admit (format!)",
            with(get(items_string), &cached),
            200,
        ),
        ("cached admit (Json)", with(get(items_json), &cached), 200),
        ("cached 403", with(get(admin), &cached), 403),
        ("uncached admit (&str)", with(get(items), &uncached), 200),
        ("uncached 403", with(get(admin), &uncached), 403),
    ];
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let authorization = format!("Bearer {}", token());
    let request = || {
        Request::get("/items")
            .header("authorization", &authorization)
            .body(Body::empty())
            .unwrap()
    };
    for (name, app, status) in &apps {
        let answered = runtime.block_on(app.clone().oneshot(request())).unwrap();
        assert_eq!(answered.status().as_u16(), *status, "{name}");
    }
    let mut times = vec![Vec::new(); apps.len()];
    runtime.block_on(async {
        for _ in 0..rounds {
            for (i, (_, app, _)) in apps.iter().enumerate() {
                let start = Instant::now();
                for _ in 0..n {
                    let response = app.clone().oneshot(request()).await.unwrap();
                    std::hint::black_box(response.status());
                }
                times[i].push(start.elapsed().as_nanos() as f64 / n as f64);
            }
        }
    });
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let m: Vec<f64> = times.into_iter().map(median).collect();
    println!("interleaved medians ({rounds} rounds of {n} requests per path):");
    println!("| path | median | over `bare` |\n|---|---|---|");
    for (i, (name, _, _)) in apps.iter().enumerate() {
        println!("| {name} | {:.0} ns | {:+.0} ns |", m[i], m[i] - m[0]);
    }
    println!(
        "  cached 403 / cached admit (&str) = {:.3}; / (format!) = {:.3}; / (Json) = {:.3}",
        m[6] / m[3],
        m[6] / m[4],
        m[6] / m[5]
    );
    println!(
        "  uncached 403 / uncached admit (&str) = {:.3}",
        m[8] / m[7]
    );
}
