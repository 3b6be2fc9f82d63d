//! The `Authorization` header, whatever its bytes: the request is answered 400 or 401,
//! never admitted, never a 500, and any challenge is one `Bearer` challenge.

#![no_main]

mod common;

use axum::body::Body;
use axum::http::{HeaderValue, Request, StatusCode, header};
use libfuzzer_sys::fuzz_target;
use scopes_core::testing::Challenge;
use tower::ServiceExt;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = HeaderValue::from_bytes(data) else {
        return;
    };
    let request = Request::get("/")
        .header(header::AUTHORIZATION, value)
        .body(Body::empty())
        .unwrap();
    let response = common::RUNTIME
        .block_on(common::APP.clone().oneshot(request))
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
    assert_eq!(parsed.scheme(), "Bearer");
});
