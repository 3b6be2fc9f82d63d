//! The `DPoP` proof header, whatever its bytes, beside a valid DPoP-bound token: the
//! request is refused (no input signs a proof with the client's key), with 400 or 401,
//! never a 500, and its first challenge is one `DPoP` challenge.

#![no_main]

mod common;

use std::sync::LazyLock;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, Request, StatusCode, header};
use axum::routing::get;
use libfuzzer_sys::fuzz_target;
use scopes_core::testing::{Challenge, DpopKey, TestIssuer};
use scopes_core::{Dpop, scope_set};
use tower::ServiceExt;

struct Setup {
    app: Router,
    token: String,
}

static SETUP: LazyLock<Setup> = LazyLock::new(|| {
    let issuer = TestIssuer::hs256();
    let client = DpopKey::es256();
    let token = issuer
        .token(scope_set!("items", "me", table = common::Scopes))
        .dpop_bound(&client)
        .mint();
    let verifier = issuer
        .verifier_builder()
        .no_cache()
        .dpop(Dpop::required().public_url("http://api.test"))
        .build()
        .unwrap();
    let app = Router::new()
        .route("/", get(common::guarded))
        .with_state(verifier);
    Setup { app, token }
});

fuzz_target!(|data: &[u8]| {
    let Ok(proof) = HeaderValue::from_bytes(data) else {
        return;
    };
    let setup = &*SETUP;
    let request = Request::get("/")
        .header(header::HOST, "api.test")
        .header(header::AUTHORIZATION, format!("DPoP {}", setup.token))
        .header("dpop", proof)
        .body(Body::empty())
        .unwrap();
    let response = common::RUNTIME
        .block_on(setup.app.clone().oneshot(request))
        .unwrap();
    let status = response.status();
    assert!(
        status == StatusCode::BAD_REQUEST || status == StatusCode::UNAUTHORIZED,
        "{status} for {data:?}"
    );
    let challenge = response.headers()[header::WWW_AUTHENTICATE]
        .to_str()
        .unwrap();
    let parsed = Challenge::parse(challenge).expect("a challenge that parses back");
    assert_eq!(parsed.scheme(), "DPoP");
});
