//! A key set document, whatever its bytes: read without panicking; every key kept is
//! pinned to an asymmetric algorithm its type fits.

#![no_main]

use libfuzzer_sys::fuzz_target;
use scopes_core::{Algorithm, Key};

fuzz_target!(|data: &[u8]| {
    let Ok(jwk) = serde_json::from_slice::<scopes_core::__fuzz::Jwk>(data) else {
        scopes_core::__fuzz::parse_jwks(data);
        return;
    };
    if let Ok(key) = Key::from_jwk(&jwk) {
        assert!(
            !matches!(
                key.algorithm(),
                Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512
            ),
            "a symmetric key from a JWK"
        );
    }
    for key in scopes_core::__fuzz::parse_jwks(data) {
        assert!(!matches!(
            key.algorithm(),
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512
        ));
    }
});
