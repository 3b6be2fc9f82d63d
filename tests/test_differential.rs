//! Differential tests: for generated tokens (claim sets with odd types, duplicate
//! members, unicode, huge numbers, nesting; odd headers; valid, tampered and re-signed
//! signatures), the crate's verdict equals what `jsonwebtoken::decode` with the
//! equivalent `Validation`, plus a plain reading of the scope claims, concludes,
//! wherever RFC 7519 and RFC 8725 leave no choice.
//!
//! The crate's verdict: `Verifier::verify` (HS256 key, no issuer or audience, 30 s
//! leeway, no cache), then the names `VerifiedToken::scopes` grants. The reference:
//! `jsonwebtoken::decode::<Value>` with `Validation::new(HS256)`, `leeway = 30`,
//! `validate_nbf = true`, `exp` required, then the names of `scope`, `scopes` and `scp`
//! (a space-delimited string or an array of strings), keeping the RFC 6749 §3.3
//! scope-tokens.
//!
//! Where the crate deliberately differs, [`deliberate`] says so, and these cases are
//! checked to go the crate's way (each is stricter, none admits what the reference
//! refuses):
//!
//! 1. a claim the crate reads (`exp`, `nbf`, `iss`, `aud`, `sub`, `client_id`, `iat`,
//!    `jti`, `acr`, `auth_time`, a scope claim) given twice: refused (the reference
//!    keeps the last, or refuses for its own struct's fields);
//! 2. `iss` that is not a string (an array, a number): refused (RFC 7519 §4.1.1: a
//!    StringOrURI; the reference accepts an array and ignores what does not parse when
//!    no issuer is configured);
//! 3. `aud` that is neither a string nor an array of strings: refused (the reference
//!    ignores it);
//! 4. a scope claim that is neither a string nor an array of strings: refused
//!    (`invalid_scope_claim`), not ignored;
//! 5. `sub`, `client_id`, `jti` or `acr` not strings, `iat` or `auth_time` not
//!    NumericDates (non-negative numbers): refused (the reference reads none of them);
//! 6. a `crit` header: refused (RFC 7515 §4.1.11: no extension is understood);
//! 7. `exp` or `nbf` fractional: compared as given (RFC 7519 §2 NumericDate); the
//!    reference rounds. The generator keeps them away from the boundary.
//! 8. a number beyond `f64`'s range (`1e400`) inside a claim the crate does not read:
//!    the crate skips that claim's value (RFC 8259 §6 lets a parser limit the range of
//!    numbers; the crate reads no such claim), so its verdict is the reference's on the
//!    token without that claim; `jsonwebtoken::decode::<Value>` refuses the whole token
//!    (a `Claims<T>` whose `T` reads that claim refuses it too).
//! 9. `iat` later than now and the leeway: refused as not yet valid, as PyJWT (FastAPI's)
//!    refuses it; the reference does not read `iat`.
//! 10. `auth_time` later than now and the leeway: refused as an invalid time claim (a
//!     login in the future is none the token can vouch for; RFC 9470 asks for a step-up
//!     only for one too old); the reference does not read `auth_time`.
//! 11. `scopes` (FastAPI's claim) as a string: refused (`invalid_scope_claim`), as
//!     FastAPI's tutorial refuses it (its `TokenData` reads `List[str]`).
//!
//! Cases run: 256 per property by default; `PROPTEST_CASES=100000` for a long run. A
//! failure prints the minimal failing token's parts; proptest keeps its seed in
//! `proptest-regressions/`, which reproduces it.

use std::collections::BTreeSet;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use proptest::prelude::*;
use scopes_core::{Key, Verifier};
use scopes_tests::{SECRET, block_on, now};
use serde_json::Value;

const OTHER_SECRET: &str = "another secret of at least thirty-two bytes, unknown";

/// A claim's value, as JSON text (kept as text: `1e400` and `-0` are valid JSON that a
/// `Value` would change).
#[derive(Debug, Clone)]
enum Json {
    Int(i128),
    /// Seconds from now, as a fraction (`now + offset + 0.5`).
    Frac(i64),
    Raw(&'static str),
    Str(String),
    Bool(bool),
    Null,
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    fn text(&self) -> String {
        match self {
            Self::Int(n) => n.to_string(),
            Self::Frac(offset) => format!("{}.5", now() as i64 + offset),
            Self::Raw(raw) => (*raw).to_owned(),
            Self::Str(s) => Value::from(s.as_str()).to_string(),
            Self::Bool(b) => b.to_string(),
            Self::Null => "null".to_owned(),
            Self::Array(items) => {
                let items: Vec<String> = items.iter().map(Json::text).collect();
                format!("[{}]", items.join(","))
            }
            Self::Object(members) => object(members),
        }
    }

    fn is_string(&self) -> bool {
        matches!(self, Self::Str(_))
    }

    /// A NumericDate later than now and the leeway (30 s; the generator keeps times
    /// away from that edge).
    fn is_future_date(&self) -> bool {
        let now = now() as i128;
        match self {
            Self::Int(n) => *n > now + 30,
            Self::Frac(offset) => *offset > 30,
            Self::Raw(raw) => matches!(*raw, "18446744073709551616"),
            _ => false,
        }
    }

    /// A NumericDate: a non-negative number within `f64`'s range.
    fn is_numeric_date(&self) -> bool {
        match self {
            Self::Int(n) => *n >= 0,
            Self::Frac(_) => true,
            Self::Raw(raw) => !matches!(*raw, "-1" | "1e400"),
            _ => false,
        }
    }
}

fn object(members: &[(String, Json)]) -> String {
    let members: Vec<String> = members
        .iter()
        .map(|(name, value)| format!("{}:{}", Value::from(name.as_str()), value.text()))
        .collect();
    format!("{{{}}}", members.join(","))
}

/// Claims the crate reads (a duplicate of any of them is refused).
const READ: [&str; 13] = [
    "exp",
    "nbf",
    "iss",
    "aud",
    "sub",
    "client_id",
    "iat",
    "jti",
    "acr",
    "auth_time",
    "scope",
    "scopes",
    "scp",
];

fn time_offset() -> impl Strategy<Value = i64> {
    // Away from the 30 s leeway's edge, so the second the two sides read does not matter.
    prop_oneof![
        Just(-7200i64),
        Just(-3600),
        Just(-10),
        Just(600),
        Just(3600)
    ]
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("a".to_owned()),
        Just("d".to_owned()),
        Just("items".to_owned()),
        Just("users:read".to_owned()),
        Just("".to_owned()),
        Just("tab\there".to_owned()),
        Just("quo\"te".to_owned()),
        Just("é".to_owned()),
        Just("a b".to_owned()),
        "[a-z:]{1,6}",
    ]
}

fn leaf() -> impl Strategy<Value = Json> {
    prop_oneof![
        any::<i64>().prop_map(|n| Json::Int(n.into())),
        time_offset().prop_map(|offset| Json::Int((now() as i64 + offset).into())),
        time_offset().prop_map(Json::Frac),
        prop_oneof![
            Just("1e400"),
            Just("-0"),
            Just("1.7e9"),
            Just("18446744073709551616"),
            Just("-1"),
            Just("0.0"),
        ]
        .prop_map(Json::Raw),
        name().prop_map(Json::Str),
        any::<String>().prop_map(Json::Str),
        any::<bool>().prop_map(Json::Bool),
        Just(Json::Null),
    ]
}

fn value() -> impl Strategy<Value = Json> {
    leaf().prop_recursive(3, 12, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Json::Array),
            prop::collection::vec(("[a-z]{1,3}", inner), 0..3).prop_map(Json::Object),
        ]
    })
}

/// A value for claim `name`: mostly one of the right shape, sometimes anything.
fn claim_value(claim: &'static str) -> BoxedStrategy<Json> {
    let names = prop::collection::vec(name(), 0..4);
    let right = match claim {
        "exp" | "nbf" | "iat" | "auth_time" => prop_oneof![
            time_offset().prop_map(|offset| Json::Int((now() as i64 + offset).into())),
            time_offset().prop_map(Json::Frac),
        ]
        .boxed(),
        "scope" => names.prop_map(|names| Json::Str(names.join(" "))).boxed(),
        "scopes" | "scp" | "aud" => names
            .prop_map(|names| Json::Array(names.into_iter().map(Json::Str).collect()))
            .boxed(),
        _ => name().prop_map(Json::Str).boxed(),
    };
    prop_oneof![4 => right, 1 => value()].boxed()
}

/// A claim set: `exp` valid most of the time, then claims of every kind, some twice.
fn claims() -> impl Strategy<Value = Vec<(String, Json)>> {
    let member = prop::sample::select(&READ[..])
        .prop_flat_map(|name| (Just(name.to_owned()), claim_value(name)));
    let extra = ("[a-zé]{1,4}", value());
    (
        prop::option::weighted(
            0.85,
            time_offset().prop_map(|o| Json::Int((now() as i64 + o).into())),
        ),
        prop::collection::vec(prop_oneof![3 => member, 1 => extra], 0..6),
        prop::option::weighted(0.1, 0..6usize),
    )
        .prop_map(|(exp, mut members, duplicate)| {
            if let Some(exp) = exp {
                members.insert(0, ("exp".to_owned(), exp));
            }
            if let Some(at) = duplicate
                && let Some(member) = members.get(at % members.len().max(1)).cloned()
            {
                members.push(member);
            }
            members
        })
}

#[derive(Debug, Clone)]
enum Signature {
    Valid,
    /// One character of the signature changed.
    Tampered,
    /// Signed with a secret the verifier does not hold.
    OtherKey,
}

#[derive(Debug, Clone)]
struct Token {
    header: Vec<(String, Json)>,
    claims: Vec<(String, Json)>,
    signature: Signature,
}

fn header() -> impl Strategy<Value = Vec<(String, Json)>> {
    (
        prop_oneof![
            8 => Just("HS256"),
            1 => Just("HS384"),
            1 => Just("none"),
            1 => Just("RS256"),
        ],
        prop::option::of(prop_oneof![Just("JWT"), Just("at+jwt")]),
        prop::option::weighted(0.1, Just(())),
        prop::option::weighted(0.05, Just(())),
    )
        .prop_map(|(alg, typ, crit, twice)| {
            let mut header = vec![("alg".to_owned(), Json::Str(alg.to_owned()))];
            if let Some(typ) = typ {
                header.push(("typ".to_owned(), Json::Str(typ.to_owned())));
            }
            if crit.is_some() {
                header.push((
                    "crit".to_owned(),
                    Json::Array(vec![Json::Str("exp".to_owned())]),
                ));
                header.push(("exp".to_owned(), Json::Int(1)));
            }
            if twice.is_some() {
                header.push(("alg".to_owned(), Json::Str("none".to_owned())));
            }
            header
        })
}

fn token() -> impl Strategy<Value = Token> {
    (
        header(),
        claims(),
        prop_oneof![
            8 => Just(Signature::Valid),
            1 => Just(Signature::Tampered),
            1 => Just(Signature::OtherKey),
        ],
    )
        .prop_map(|(header, claims, signature)| Token {
            header,
            claims,
            signature,
        })
}

impl Token {
    /// The compact serialization, HMAC-signed with the header's `alg` when it names an
    /// HMAC (else with HS256: a mismatch the verifier must refuse).
    fn compact(&self) -> String {
        let header = URL_SAFE_NO_PAD.encode(object(&self.header));
        let claims = URL_SAFE_NO_PAD.encode(object(&self.claims));
        let message = format!("{header}.{claims}");
        let secret = match self.signature {
            Signature::OtherKey => OTHER_SECRET,
            _ => SECRET,
        };
        let mut signature = hmac(self.alg(), secret.as_bytes(), message.as_bytes());
        if let Signature::Tampered = self.signature {
            signature[0] ^= 1;
        }
        format!("{message}.{}", URL_SAFE_NO_PAD.encode(signature))
    }

    fn alg(&self) -> &str {
        match self.header.first() {
            Some((_, Json::Str(alg))) => alg,
            _ => "",
        }
    }

    fn claim(&self, name: &str) -> Vec<&Json> {
        self.claims
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v)
            .collect()
    }
}

fn hmac(alg: &str, secret: &[u8], message: &[u8]) -> Vec<u8> {
    use aws_lc_rs::hmac;
    let algorithm = match alg {
        "HS384" => hmac::HMAC_SHA384,
        _ => hmac::HMAC_SHA256,
    };
    hmac::sign(&hmac::Key::new(algorithm, secret), message)
        .as_ref()
        .to_vec()
}

/// A verdict: refused, or admitted with these scope names.
type Verdict = Option<BTreeSet<String>>;

fn ours(verifier: &Verifier, token: &str) -> Verdict {
    let verified = block_on(verifier.verify(token)).ok()?;
    Some(verified.scopes().map(str::to_owned).collect())
}

fn scope_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| matches!(b, 0x21 | 0x23..=0x5B | 0x5D..=0x7E))
}

fn reference(token: &str) -> Verdict {
    scopes_core::install_crypto_provider();
    let mut validation = Validation::new(Algorithm::HS256);
    validation.leeway = 30;
    validation.validate_nbf = true;
    let key = DecodingKey::from_secret(SECRET.as_bytes());
    let claims = jsonwebtoken::decode::<Value>(token, &key, &validation)
        .ok()?
        .claims;
    let mut granted = BTreeSet::new();
    for claim in ["scope", "scopes", "scp"] {
        let names: Vec<&str> = match claims.get(claim) {
            None => continue,
            Some(Value::String(names)) => names.split(' ').collect(),
            Some(Value::Array(items)) => items
                .iter()
                .map(Value::as_str)
                .collect::<Option<_>>()
                // An array with something else than strings: no scopes from it.
                .unwrap_or_default(),
            Some(_) => continue,
        };
        granted.extend(
            names
                .into_iter()
                .filter(|n| scope_token(n))
                .map(str::to_owned),
        );
    }
    Some(granted)
}

/// Where the crate deliberately decides otherwise than the reference (the module docs
/// list why): `Some(reason)` when it must refuse a token the reference may admit.
fn deliberate(token: &Token) -> Option<&'static str> {
    if READ.iter().any(|name| token.claim(name).len() > 1) {
        return Some("1: a claim the crate reads, given twice");
    }
    let one = |name| token.claim(name).first().copied();
    if one("iss").is_some_and(|iss| !iss.is_string()) {
        return Some("2: iss not a string");
    }
    let strings = |value: &Json| match value {
        Json::Str(_) => true,
        Json::Array(items) => items.iter().all(Json::is_string),
        _ => false,
    };
    if one("aud").is_some_and(|aud| !strings(aud)) {
        return Some("3: aud neither a string nor strings");
    }
    if ["scope", "scopes", "scp"]
        .iter()
        .any(|name| one(name).is_some_and(|value| !strings(value)))
    {
        return Some("4: a scope claim of another type");
    }
    if one("scopes").is_some_and(Json::is_string) {
        return Some("11: scopes as a string");
    }
    if ["sub", "client_id", "jti", "acr"]
        .iter()
        .any(|name| one(name).is_some_and(|value| !value.is_string()))
        || ["iat", "auth_time"]
            .iter()
            .any(|name| one(name).is_some_and(|value| !value.is_numeric_date()))
    {
        return Some("5: a registered claim of another type");
    }
    if token.header.iter().any(|(name, _)| name == "crit") {
        return Some("6: a crit header");
    }
    if one("iat").is_some_and(Json::is_future_date) {
        return Some("9: issued in the future");
    }
    if one("auth_time").is_some_and(Json::is_future_date) {
        return Some("10: authenticated in the future");
    }
    None
}

/// Difference 8: the token without the claims the crate does not read that hold a
/// number beyond `f64`'s range.
fn without_unread_overflow(token: &Token) -> Token {
    fn overflows(value: &Json) -> bool {
        match value {
            Json::Raw(raw) => *raw == "1e400",
            Json::Array(items) => items.iter().any(overflows),
            Json::Object(members) => members.iter().any(|(_, value)| overflows(value)),
            _ => false,
        }
    }
    let mut token = token.clone();
    token
        .claims
        .retain(|(name, value)| READ.contains(&name.as_str()) || !overflows(value));
    token
}

fn verifier() -> Verifier {
    Verifier::builder()
        .key(Key::hs256(SECRET).unwrap())
        .no_cache()
        .build()
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn the_verdict_is_the_reference_s_or_a_listed_difference(token in token()) {
        let verifier = verifier();
        let compact = token.compact();
        let ours = ours(&verifier, &compact);
        match deliberate(&token) {
            // Stricter on purpose: refused whatever the reference says.
            Some(why) => prop_assert!(ours.is_none(), "{why}: admitted {compact}\n{token:?}"),
            None => {
                // 8: what the crate does not read, it does not judge.
                let reference = reference(&without_unread_overflow(&token).compact());
                prop_assert_eq!(ours, reference, "{}\n{:?}", compact, token);
            }
        }
    }
}

/// Each listed difference, once, on a token valid in every other way.
#[test]
fn each_deliberate_difference_goes_the_crate_s_way() {
    let verifier = verifier();
    let exp = Json::Int((now() + 600).into());
    let valid = |extra: Vec<(&str, Json)>| Token {
        header: vec![("alg".to_owned(), Json::Str("HS256".to_owned()))],
        claims: std::iter::once(("exp".to_owned(), exp.clone()))
            .chain(extra.into_iter().map(|(n, v)| (n.to_owned(), v)))
            .collect(),
        signature: Signature::Valid,
    };
    let s = |text: &str| Json::Str(text.to_owned());
    let cases = [
        valid(vec![("scope", s("a")), ("scope", s("d"))]),
        valid(vec![("iss", Json::Array(vec![s("https://a")]))]),
        valid(vec![("aud", Json::Int(5))]),
        valid(vec![("scopes", Json::Int(5))]),
        valid(vec![("sub", Json::Int(5))]),
        valid(vec![("auth_time", s("yesterday"))]),
        valid(vec![("scopes", s("me items"))]),
    ];
    for token in cases {
        let compact = token.compact();
        assert!(deliberate(&token).is_some(), "{token:?}");
        assert!(
            reference(&compact).is_some(),
            "the reference admits {token:?}"
        );
        assert_eq!(ours(&verifier, &compact), None, "{token:?}");
    }
    let mut crit = valid(vec![]);
    crit.header
        .push(("crit".to_owned(), Json::Array(vec![s("exp")])));
    crit.header.push(("exp".to_owned(), Json::Int(1)));
    assert!(deliberate(&crit).is_some());
    assert_eq!(ours(&verifier, &crit.compact()), None);
    // 8: an unread claim beyond f64's range is skipped, not judged.
    let huge = valid(vec![(
        "x",
        Json::Object(vec![("y".to_owned(), Json::Raw("1e400"))]),
    )]);
    assert_eq!(reference(&huge.compact()), None);
    assert_eq!(ours(&verifier, &huge.compact()), Some(BTreeSet::new()));
    // And the same tokens without the difference are admitted by both.
    let plain = valid(vec![("scope", s("a d")), ("sub", s("alice"))]);
    let expected: BTreeSet<String> = ["a", "d"].map(str::to_owned).into();
    assert_eq!(reference(&plain.compact()), Some(expected.clone()));
    assert_eq!(ours(&verifier, &plain.compact()), Some(expected));
}

/// What the generated cases found, kept as named cases (proptest also replays their
/// seeds from `test_differential.proptest-regressions`).
#[test]
fn regressions_found_by_the_differential_tests() {
    let verifier = verifier();
    let token = |claims: Vec<(&str, Json)>| {
        Token {
            header: vec![("alg".to_owned(), Json::Str("HS256".to_owned()))],
            claims: std::iter::once(("exp".to_owned(), Json::Int((now() + 600).into())))
                .chain(claims.into_iter().map(|(n, v)| (n.to_owned(), v)))
                .collect(),
            signature: Signature::Valid,
        }
        .compact()
    };
    // A number as `sub` was admitted (only its presence was checked).
    assert_eq!(ours(&verifier, &token(vec![("sub", Json::Int(0))])), None);
    // A negative `iat` was admitted.
    assert_eq!(ours(&verifier, &token(vec![("iat", Json::Int(-1))])), None);
    // A number beyond f64's range in an unread claim: skipped (difference 8).
    let huge = Json::Object(vec![("a".to_owned(), Json::Raw("1e400"))]);
    assert_eq!(
        ours(&verifier, &token(vec![("é", huge)])),
        Some(BTreeSet::new())
    );
}
