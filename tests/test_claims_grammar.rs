//! The claims pass reads JSON by hand (`scopes-core/src/token/json.rs`). Here every
//! byte-level mutation of real claim sets (a byte deleted, inserted or replaced, from
//! JSON's structural characters, escapes, digits, control and non-ASCII bytes) is
//! signed correctly and verified, and the verdict is held against `serde_json`:
//!
//! - claims that `serde_json` does not accept as JSON at all are refused;
//! - an object that it reads whole (every string decoded, every number in range) is
//!   never refused as malformed (a refusal then names a claim: its type, a duplicate, `exp`);
//! - claims admitted grant exactly the names at the configured paths of
//!   `serde_json`'s reading.
//!
//! The same holds for the pass that reads `iss` alone to route a token to its issuer
//! (a verifier trusting two issuers).

use std::collections::BTreeSet;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use scopes_core::{Key, TokenError, TrustedIssuer, Verifier};
use scopes_tests::{SECRET, block_on, now};
use serde_json::Value;

const ISSUER: &str = "https://sso.example.com/realms/shop";

const PATHS: [&str; 4] = [
    "scope",
    "scopes",
    "/realm_access/roles",
    "/resource_access/shop-api/roles",
];

/// Claim sets as providers write them, `EXP` standing for a time an hour ahead.
const SEEDS: [&str; 4] = [
    r#"{"sub":"johndoe","exp":EXP,"scopes":["me","items"]}"#,
    r#"{"exp":EXP,"iss":"https://sso.example.com/realms/shop","aud":["shop-api","account"],"scope":"openid me","realm_access":{"roles":["offline_access","me"]},"resource_access":{"account":{"roles":["manage"]},"shop-api":{"roles":["items"]}},"acr":"1","auth_time":1700000000}"#,
    "{\"s\\u0075b\":\"j\\u00f6hn \u{e9}\",\"exp\":EXP.5,\"scope\":\"me items\",\"cnf\":{\"jkt\":\"abc\"},\"x\":[1,-2.5e3,true,false,null,{\"y\":\"\\ud83d\\ude00\"}]}",
    r#" { "iss" : "https://sso.example.com/realms/shop" , "exp" : EXP , "scp" : [ ] , "n" : { "a" : [ [ ] , { } ] } } "#,
];

/// What is put in or replaced: structure, string escapes, numbers, whitespace, a
/// control byte, a lone UTF-8 lead byte, a multi-byte character's start.
const BYTES: &[u8] = b"{}[]\",: \\/u0123456789eE.-+tfnlx\t\n\x01\x7f\xc3\xe2";

fn signed(claims: &[u8]) -> String {
    let message = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(claims)
    );
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, SECRET.as_bytes());
    let signature = aws_lc_rs::hmac::sign(&key, message.as_bytes());
    format!("{message}.{}", URL_SAFE_NO_PAD.encode(signature.as_ref()))
}

/// Each seed, and each mutation of it.
fn mutations() -> Vec<Vec<u8>> {
    let exp = (now() + 3600).to_string();
    let mut all = Vec::new();
    for seed in SEEDS {
        let seed = seed.replace("EXP", &exp).into_bytes();
        all.push(seed.clone());
        for at in 0..=seed.len() {
            if at < seed.len() {
                let mut deleted = seed.clone();
                deleted.remove(at);
                all.push(deleted);
            }
            for &byte in BYTES {
                let mut inserted = seed.clone();
                inserted.insert(at, byte);
                all.push(inserted);
                if at < seed.len() && seed[at] != byte {
                    let mut replaced = seed.clone();
                    replaced[at] = byte;
                    all.push(replaced);
                }
            }
        }
    }
    all
}

/// The names at `PATHS` in `serde_json`'s reading (scope-tokens only, as the crate
/// grants), or `None` when a path holds something else than names.
fn granted(claims: &Value) -> Option<BTreeSet<String>> {
    let mut names = BTreeSet::new();
    for path in PATHS {
        let pointer = match path.starts_with('/') {
            true => path.to_owned(),
            false => format!("/{path}"),
        };
        let listed: Vec<&str> = match claims.pointer(&pointer) {
            None => continue,
            Some(Value::String(text)) => text.split(' ').collect(),
            Some(Value::Array(items)) => items.iter().map(Value::as_str).collect::<Option<_>>()?,
            Some(_) => return None,
        };
        names.extend(
            listed
                .into_iter()
                .filter(|name| {
                    !name.is_empty()
                        && name
                            .bytes()
                            .all(|b| matches!(b, 0x21 | 0x23..=0x5B | 0x5D..=0x7E))
                })
                .map(str::to_owned),
        );
    }
    Some(names)
}

fn check(verifier: &Verifier, claims: &[u8]) {
    let token = signed(claims);
    let shown = String::from_utf8_lossy(claims);
    let verdict = block_on(verifier.verify(&token));
    let is_json = serde_json::from_slice::<serde::de::IgnoredAny>(claims).is_ok();
    let whole = serde_json::from_slice::<Value>(claims)
        .ok()
        .filter(Value::is_object);
    if !is_json {
        assert!(
            verdict.is_err(),
            "admitted claims that are no JSON: {shown}"
        );
        return;
    }
    match (verdict, whole) {
        (Err(TokenError::Malformed), Some(_)) => {
            panic!("JSON that serde_json reads whole refused as malformed: {shown}")
        }
        (Ok(verified), Some(value)) => {
            let ours: BTreeSet<String> = verified.scopes().map(str::to_owned).collect();
            assert_eq!(Some(ours), granted(&value), "{shown}");
        }
        (Ok(_), None) => {
            let value = serde_json::from_slice::<Value>(claims);
            assert!(
                value.is_err(),
                "admitted claims that are not an object: {shown}"
            );
        }
        _ => {}
    }
}

#[test]
fn mutated_claims_are_judged_as_serde_json_reads_them() {
    let verifier = Verifier::builder()
        .key(Key::hs256(SECRET).unwrap())
        .scope_claims(PATHS)
        .no_cache()
        .build()
        .unwrap();
    let all = mutations();
    assert!(all.len() > 20_000, "{}", all.len());
    for claims in &all {
        check(&verifier, claims);
    }
}

#[test]
fn mutated_claims_are_routed_by_iss_as_serde_json_reads_them() {
    let verifier = Verifier::builder()
        .trust(
            TrustedIssuer::new(ISSUER)
                .key(Key::hs256(SECRET).unwrap())
                .scope_claims(PATHS),
        )
        .trust(
            TrustedIssuer::new("https://other.example.com")
                .key(Key::hs256("another secret of at least thirty-two bytes").unwrap()),
        )
        .no_cache()
        .build()
        .unwrap();
    for claims in mutations() {
        check(&verifier, &claims);
    }
}
