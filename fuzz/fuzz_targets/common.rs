//! What the targets share: a verifier of the tutorial's secret, a router with a
//! `#[requires_scopes]` route, and a runtime to drive them.

#![allow(dead_code)]

use std::sync::LazyLock;

use axum::Router;
use axum::routing::get;
use scopes_core::{Key, Verifier, requires_scopes, scopes};

pub const SECRET: &str = "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7";

scopes! {
    /// The fuzzed API's scopes.
    pub Scopes {
        "items": "Read items.",
        "me": "Read yourself.",
        "admin": "Everything." implies ["items", "me"],
    }
}

#[requires_scopes("items", any("me", "admin"))]
pub async fn guarded() -> &'static str {
    "ok"
}

/// No cache: every input is verified.
pub static VERIFIER: LazyLock<Verifier> = LazyLock::new(|| {
    Verifier::builder()
        .key(Key::hs256(SECRET).unwrap())
        .no_cache()
        .build()
        .unwrap()
});

pub static APP: LazyLock<Router> = LazyLock::new(|| {
    Router::new()
        .route("/", get(guarded))
        .with_state(VERIFIER.clone())
});

pub static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
});

/// `header.claims.signature`, HS256-signed with [`SECRET`] whatever the two parts hold:
/// the claims reach the claims parser.
pub fn signed(header: &[u8], claims: &[u8]) -> String {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let message = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(claims)
    );
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, SECRET.as_bytes());
    let signature = aws_lc_rs::hmac::sign(&key, message.as_bytes());
    format!("{message}.{}", URL_SAFE_NO_PAD.encode(signature.as_ref()))
}
