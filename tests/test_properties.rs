//! Property tests (proptest): generated inputs for the parsers and checks the crate
//! writes by hand, each compared with a plain statement of the rule. A failure prints
//! the minimal failing input, which reproduces it.
//!
//! - challenges: whatever scope text a refusal names, the `WWW-Authenticate` value
//!   parses back as RFC 7235 auth-params, with nothing from the input outside its
//!   quoted string (no `"`, `\`, CR, LF);
//! - the requirement check: the mask test equals the set semantics (any alternative
//!   entirely granted), implications closed;
//! - the bearer header: the scheme is case-insensitive and spaces around the token are
//!   allowed (RFC 6750 §2.1, RFC 7235 §2.1); a token with a character outside
//!   `b64token` is never admitted;
//! - scope claims: a space-delimited string and an array grant the same names, and a
//!   name that is not a scope-token (RFC 6749 §3.3) is never granted.

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use axum::response::IntoResponse;
use axum::routing::get;
use jsonwebtoken::Algorithm;
use proptest::prelude::*;
use scopes_core::{
    AuthRejection, Key, Requirement, ScopeSet, ScopeTable, Verifier, requires_scopes, scopes,
};
use scopes_tests::{SECRET, block_on, now, send, sign};
use serde_json::json;

scopes! {
    /// Eight scopes with implications.
    pub Scopes {
        "a": "A.",
        "b": "B.",
        "c": "C." implies ["a"],
        "d": "D.",
        "e": "E." implies ["c", "d"],
        "f": "F.",
        "g": "G.",
        "h": "H." implies ["g"],
    }
}

#[requires_scopes("a", "d")]
async fn guarded() -> &'static str {
    "ok"
}

fn verifier() -> Verifier {
    Verifier::builder()
        .key(Key::hs256(SECRET).unwrap())
        .no_cache()
        .build()
        .unwrap()
}

/// RFC 7235 §2.1 `auth-param *( OWS "," OWS auth-param )` after `Bearer `, where every
/// value is a quoted-string without quoted-pairs (the formatter writes no escapes):
/// the parameters, or `None` if the text is not that.
fn auth_params(challenge: &str) -> Option<Vec<(String, String)>> {
    let rest = challenge.strip_prefix("Bearer")?;
    if rest.is_empty() {
        return Some(Vec::new());
    }
    let mut rest = rest.strip_prefix(' ')?;
    let mut params = Vec::new();
    loop {
        let eq = rest.find('=')?;
        let name = &rest[..eq];
        let tchar = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
        if name.is_empty() || !name.chars().all(tchar) {
            return None;
        }
        let value = rest[eq + 1..].strip_prefix('"')?;
        let end = value.find('"')?;
        let text = &value[..end];
        if text.contains('\\') || text.chars().any(|c| !(' '..='~').contains(&c)) {
            return None;
        }
        params.push((name.to_owned(), text.to_owned()));
        rest = &value[end + 1..];
        if rest.is_empty() {
            return Some(params);
        }
        rest = rest.strip_prefix(", ")?;
    }
}

/// What a challenge's `scope` names of `text`: its scope-tokens (RFC 6749 §3.3,
/// `1*( %x21 / %x23-5B / %x5D-7E )`), whole, in order.
fn kept(text: &str) -> String {
    text.split(' ')
        .filter(|name| {
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| ('!'..='~').contains(&c) && c != '"' && c != '\\')
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A set of the table's scopes from a bit pattern.
fn set(bits: u8) -> ScopeSet<Scopes> {
    let mut set = ScopeSet::EMPTY;
    for index in 0..8 {
        if bits & (1 << index) != 0 {
            set.insert(index);
        }
    }
    set
}

/// `names`' grant by the plain rule: each name and everything it implies, transitively.
fn closure(bits: u8) -> u8 {
    let implies: [u8; 8] = [0, 0, 0b1, 0, 0b1100, 0, 0, 0b100_0000];
    let mut granted = bits;
    loop {
        let mut next = granted;
        for (index, implied) in implies.iter().enumerate() {
            if granted & (1 << index) != 0 {
                next |= implied;
            }
        }
        if next == granted {
            return granted;
        }
        granted = next;
    }
}

fn scope_token() -> impl Strategy<Value = String> {
    // NQCHAR: %x21 / %x23-5B / %x5D-7E.
    proptest::string::string_regex("[!#-\\[\\]-~]{1,12}").unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn a_challenge_parses_back_whatever_scope_text_it_names(scope in any::<String>()) {
        let verifier = verifier();
        let rejection = verifier
            .refuse(&axum::http::HeaderMap::new(), AuthRejection::InsufficientScope, scope.clone());
        // What the rejection says it names is what its challenge names.
        prop_assert_eq!(rejection.scope(), kept(&scope));
        let response = rejection.into_response();
        let value = response.headers()["www-authenticate"].to_str().unwrap().to_owned();
        let params = auth_params(&value);
        prop_assert!(params.is_some(), "not auth-params: {value:?}");
        let expected_scope = kept(&scope);
        let mut expected = vec![("error".to_owned(), "insufficient_scope".to_owned())];
        if !expected_scope.is_empty() {
            expected.push(("scope".to_owned(), expected_scope));
        }
        prop_assert_eq!(params.unwrap(), expected);
    }

    #[test]
    fn the_mask_check_is_the_set_rule(alternatives in prop::collection::vec(any::<u8>(), 1..5), granted in any::<u8>()) {
        let sets: Vec<ScopeSet<Scopes>> = alternatives.iter().map(|bits| set(*bits)).collect();
        let requirement = Requirement::new(Box::leak(sets.into_boxed_slice()), "");
        let names: Vec<&str> = (0..8)
            .filter(|index| granted & (1 << index) != 0)
            .map(|index| Scopes::SCOPES[index].name)
            .collect();
        let granted_set = ScopeSet::<Scopes>::granted_by(names.iter().copied());
        let closed = closure(granted);
        prop_assert_eq!(granted_set, set(closed));
        let by_rule = alternatives.iter().any(|bits| bits & !closed == 0);
        prop_assert_eq!(requirement.is_met_by(&granted_set), by_rule);
    }

    #[test]
    fn the_bearer_scheme_is_case_insensitive_and_spaces_are_allowed(
        upper in prop::collection::vec(any::<bool>(), 6),
        before in 1usize..4,
        after in 0usize..4,
    ) {
        let scheme: String = "bearer"
            .chars()
            .zip(&upper)
            .map(|(c, up)| if *up { c.to_ascii_uppercase() } else { c })
            .collect();
        let token = sign(Algorithm::HS256, &json!({ "sub": "u", "exp": now() + 600, "scope": "a d" }));
        let header = format!("{scheme}{}{token}{}", " ".repeat(before), " ".repeat(after));
        let app = Router::new().route("/", get(guarded)).with_state(verifier());
        let request = Request::get("/").header("authorization", header).body(Body::empty()).unwrap();
        let reply = block_on(send(&app, request));
        prop_assert_eq!(reply.status, 200u16);
    }

    #[test]
    fn a_token_with_a_character_outside_b64token_is_never_admitted(
        at in any::<prop::sample::Index>(),
        bad in prop::sample::select(vec!['"', '\\', ',', ';', '@', '\t', '!', '*', '{', 'é', '\u{0}']),
    ) {
        let token = sign(Algorithm::HS256, &json!({ "sub": "u", "exp": now() + 600, "scope": "a d" }));
        let at = at.index(token.len() + 1);
        let mut forged = token;
        forged.insert(at, bad);
        let app = Router::new().route("/", get(guarded)).with_state(verifier());
        let Ok(value) = axum::http::HeaderValue::from_str(&format!("Bearer {forged}")) else {
            return Ok(()); // not even a header value
        };
        let request = Request::get("/").header("authorization", value).body(Body::empty()).unwrap();
        let reply = block_on(send(&app, request));
        prop_assert_ne!(reply.status, 200u16, "{}", forged);
    }

    #[test]
    fn scope_strings_and_arrays_grant_the_same_scope_tokens(
        names in prop::collection::vec(prop_oneof![scope_token().prop_map(Some), Just(None)], 0..8),
        spaces in 1usize..3,
    ) {
        // `None` is a name that is not a scope-token (a quote inside).
        let names: Vec<String> = names
            .into_iter()
            .map(|name| name.unwrap_or_else(|| "it\"em".to_owned()))
            .collect();
        let valid: Vec<&str> = names.iter().map(String::as_str).filter(|name| !name.contains('"')).collect();
        let verifier = verifier();
        let as_string = sign(Algorithm::HS256, &json!({ "sub": "u", "exp": now() + 600, "scope": names.join(&" ".repeat(spaces)) }));
        let as_array = sign(Algorithm::HS256, &json!({ "sub": "u", "exp": now() + 600, "scopes": names }));
        for token in [as_string, as_array] {
            let verified = block_on(verifier.verify(&token)).unwrap();
            let granted: Vec<&str> = verified.scopes().collect();
            prop_assert_eq!(&granted, &valid);
        }
    }
}
