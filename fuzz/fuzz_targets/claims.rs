//! A header and claims of any bytes, correctly signed: the single claims pass answers
//! without panicking; what it admits is a JSON object with a NumericDate `exp`, each
//! claim the crate reads at most once, and grants only scope-tokens.

#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use serde::Deserialize;

#[derive(Deserialize)]
struct Exp {
    exp: f64,
}

fuzz_target!(|data: &[u8]| {
    // The first byte splits the input into header and claims.
    let Some((&split, rest)) = data.split_first() else {
        return;
    };
    let split = (split as usize).min(rest.len());
    let (header, claims) = rest.split_at(split);
    // A header that works half the time, so the claims are reached.
    let header: &[u8] = if header.first() == Some(&b'!') {
        br#"{"alg":"HS256","typ":"JWT"}"#
    } else {
        header
    };
    let token = common::signed(header, claims);
    let Ok(verified) = common::RUNTIME.block_on(common::VERIFIER.verify(&token)) else {
        return;
    };
    let json = verified.claims_json();
    let Exp { exp } = serde_json::from_str(json).expect("admitted claims have a numeric exp");
    assert!(exp >= 0.0);
    for name in verified.scopes() {
        assert!(
            !name.is_empty()
                && name
                    .bytes()
                    .all(|b| matches!(b, 0x21 | 0x23..=0x5B | 0x5D..=0x7E)),
            "granted {name:?}"
        );
    }
});
