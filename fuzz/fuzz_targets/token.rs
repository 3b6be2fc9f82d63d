//! A bearer token, whatever its text: verification answers, never panics, and admits
//! nothing not signed with the key (the input cannot hold a valid HMAC by chance).

#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    let verdict = common::RUNTIME.block_on(common::VERIFIER.verify(token));
    assert!(verdict.is_err(), "admitted an unsigned input: {token:?}");
});
