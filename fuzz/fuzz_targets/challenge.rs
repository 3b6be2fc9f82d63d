//! A refusal naming any scope text: its challenge is a valid header value that parses
//! back as one `Bearer` challenge, with the known parameters only.

#![no_main]

mod common;

use axum::http::HeaderMap;
use axum::response::IntoResponse;
use libfuzzer_sys::fuzz_target;
use scopes_core::AuthRejection;
use scopes_core::testing::Challenge;

fuzz_target!(|scope: String| {
    let rejection = common::VERIFIER.refuse(
        &HeaderMap::new(),
        AuthRejection::InsufficientScope,
        scope.clone(),
    );
    // What the rejection says it names is what the challenge names.
    let said = rejection.scope().to_owned();
    let response = rejection.into_response();
    let value = response.headers()["www-authenticate"]
        .to_str()
        .expect("a visible-ASCII challenge");
    let challenge = Challenge::parse(value).expect("a challenge that parses back");
    assert_eq!(challenge.scheme(), "Bearer");
    assert_eq!(challenge.error(), Some("insufficient_scope"));
    assert_eq!(challenge.param("scope").unwrap_or_default(), said);
    if let Some(named) = challenge.param("scope") {
        // Only names from the input, each a scope-token.
        for name in named.split(' ') {
            assert!(
                scope.split(' ').any(|given| given == name),
                "{name:?} not in {scope:?}"
            );
        }
    }
});
