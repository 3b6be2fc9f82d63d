//! A header and claims of any bytes, correctly signed: the single claims pass answers
//! without panicking; what it admits is a JSON object with a NumericDate `exp`, each
//! claim the crate reads at most once, and grants only scope-tokens. Its JSON reader is
//! held against serde_json: claims serde_json does not take as JSON are refused, and
//! an object it reads whole (every string decoded) is not refused as malformed.

#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use scopes_core::TokenError;
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
    let fixed = header.first() == Some(&b'!');
    let header: &[u8] = if fixed {
        br#"{"alg":"HS256","typ":"JWT"}"#
    } else {
        header
    };
    let token = common::signed(header, claims);
    let verdict = common::RUNTIME.block_on(common::VERIFIER.verify(&token));
    if fixed {
        let is_json = serde_json::from_slice::<serde::de::IgnoredAny>(claims).is_ok();
        let whole = serde_json::from_slice::<serde_json::Value>(claims)
            .is_ok_and(|value| value.is_object());
        match &verdict {
            Ok(_) => assert!(is_json, "admitted claims that are no JSON"),
            Err(TokenError::Malformed) => assert!(!whole, "JSON refused as malformed"),
            Err(_) => {}
        }
    }
    let Ok(verified) = verdict else {
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
