//! A corpus of hostile requests to a guarded route, and the answer to each (status,
//! challenge, body), kept as a snapshot: bad headers (`alg: none`, another algorithm,
//! `crit`, duplicate members, escapes, odd `kid`s, huge headers), bad claims (missing,
//! mistyped, duplicated or escaped time and scope claims, invalid UTF-8 surrogates,
//! deep nesting, trailing data), bad signatures and segments, and `Authorization`
//! headers of every odd shape, each also with an `access_token` query parameter. A change
//! that answers any of them differently shows in the snapshot's diff.

use std::fmt::Write as _;

use axum::{Router, body::Body, http::HeaderValue, routing::get};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64};
use scopes_core::{Key, Verifier, requires_scopes, scopes};
use scopes_tests::{Request, SECRET};
use tower::ServiceExt;

scopes! {
    /// The corpus's table.
    pub Scopes {
        "me": "Me.",
        "items": "Items.",
    }
}

#[requires_scopes("items")]
async fn guarded() -> &'static str {
    "ok"
}

fn sign(header: &[u8], claims: &[u8]) -> String {
    let message = format!("{}.{}", B64.encode(header), B64.encode(claims));
    scopes_core::install_crypto_provider();
    let key = jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes());
    let sig = jsonwebtoken::crypto::sign(message.as_bytes(), &key, jsonwebtoken::Algorithm::HS256)
        .unwrap();
    format!("{message}.{sig}")
}

#[test]
fn hostile_requests_are_answered_as_recorded() {
    let mut report = String::new();

    // 2100-01-01: the corpus is signed once and stays valid.
    let exp = 4102444800u64;
    let h = br#"{"alg":"HS256","typ":"JWT"}"#.to_vec();
    let c = |extra: &str| format!(r#"{{"sub":"u","exp":{exp}{extra}}}"#).into_bytes();
    let good = sign(&h, &c(r#","scope":"items""#));
    let mut auth: Vec<Vec<u8>> = Vec::new();
    let mut bearer = |t: &str| auth.push(format!("Bearer {t}").into_bytes());
    bearer(&good);
    // headers
    for hdr in [
        r#"{"alg":"none","typ":"JWT"}"#,
        r#"{"alg":"HS512"}"#,
        r#"{"alg":"hs256"}"#,
        r#"{"alg":"HS256","crit":["x"]}"#,
        r#"{"alg":"HS256","crit":null}"#,
        r#"{"alg":"HS256","alg":"HS256"}"#,
        r#"{"alg":"HS256","kid":"a"}"#,
        r#"{"alg":"HS256","kid":1}"#,
        r#"{"alg":"HS256","typ":"at+jwt"}"#,
        r#"{"alg":"HS256","typ":null}"#,
        r#"{"alg":"H\u0053256"}"#,
        r#"{"alg":"HS256","kid":"\u00e9\u00e9"}"#,
        r#"{"alg":"HS256"} "#,
        r#" {"alg":"HS256"}"#,
        r#"{"alg":"HS256",}"#,
        r#"["HS256"]"#,
        r#"{}"#,
        r#""#,
        r#"{"alg":["HS256"]}"#,
        r#"{"alg":"HS256","jku":"http://x"}"#,
    ] {
        bearer(&sign(hdr.as_bytes(), &c(r#","scope":"items""#)));
    }
    let long_kid = format!(r#"{{"alg":"HS256","kid":"{}"}}"#, "k".repeat(5000));
    bearer(&sign(long_kid.as_bytes(), &c(r#","scope":"items""#)));
    // claims
    for extra in [
        r#","scope":"items""#,
        r#","scope":"me""#,
        r#","scope":["items"]"#,
        r#","scopes":["items","me"]"#,
        r#","scp":"items""#,
        r#","scope":"items","scope":"items""#,
        r#","exp":1"#,
        r#","nbf":4102444800,"scope":"items""#,
        r#","scope":"items me items""#,
        r#","scope":"it\u0065ms""#,
        r#","sc\u006fpe":"items""#,
        r#","scope":["items",1]"#,
        r#","scope":{"a":"items"}"#,
        r#","scope":"items\"""#,
        r#","scope":" items ""#,
        r#","scope":"items\tme""#,
        r#","scope":null"#,
        r#","scope":"""#,
        r#","iss":["a"],"scope":"items""#,
        r#","aud":"x","scope":"items""#,
        r#","iat":"x","scope":"items""#,
        r#","scope":"ITEMS""#,
        r#","scope":"items","x":"\ud800""#,
        r#","scope":"items","x":[[[[[[[[[[[]]]]]]]]]]]"#,
    ] {
        bearer(&sign(&h, &c(extra)));
    }
    for claims in [
        r#"{"sub":"u","scope":"items"}"#.to_string(),
        format!(r#"{{"exp":"{exp}","scope":"items"}}"#),
        format!(r#"{{"exp":{exp}.5,"scope":"items"}}"#),
        format!(r#"{{"exp":{exp}e0,"scope":"items"}}"#),
        r#"{"exp":1e400,"scope":"items"}"#.to_string(),
        r#"{"exp":-1,"scope":"items"}"#.to_string(),
        format!(r#"{{"exp":{exp},"scope":"items"}} "#),
        format!(r#"{{"exp":{exp},"scope":"items"}}x"#),
        format!(r#"[{{"exp":{exp}}}]"#),
        "null".into(),
        format!(r#"{{"exp":{exp},"exp":{exp},"scope":"items"}}"#),
    ] {
        bearer(&sign(&h, claims.as_bytes()));
    }
    // signatures and segments
    let (msg, sig) = good.rsplit_once('.').unwrap();
    for t in [
        format!("{msg}."),
        format!("{msg}.{}", &sig[..sig.len() - 1]),
        format!("{msg}.{sig}A"),
        format!("{msg}.{sig}="),
        format!("{msg}.{sig}=="),
        format!("{msg}.{}", sig.replace('-', "+").replace('_', "/")),
        msg.to_string(),
        format!("{good}.x"),
        format!(".{good}"),
        format!("{good}\u{0}"),
        "a.b.c".into(),
        "..".into(),
        "...".into(),
        format!("{msg}.{}", "A".repeat(3000)),
        format!("{}.{}", "e".repeat(10000), sig),
        "=".into(),
        "a=b".into(),
    ] {
        bearer(&t);
    }
    // authorization header shapes
    let raw: Vec<Vec<u8>> = vec![
        format!("bearer {good}").into(),
        format!("BEARER {good}").into(),
        format!("Bearer  {good}").into(),
        format!("Bearer {good} ").into(),
        format!("Bearer\t{good}").into(),
        format!("Bearer {good} {good}").into(),
        format!("Bearer {good},Bearer {good}").into(),
        format!("Basic {good}").into(),
        b"Bearer".to_vec(),
        b"Bearer ".to_vec(),
        b"".to_vec(),
        b"Bearer \xff".to_vec(),
        b"Basic \xff".to_vec(),
        format!("Bearer {good}\u{e9}").into(),
        format!("DPoP {good}").into(),
        format!("Token {good}").into(),
        format!(" Bearer {good}").into(),
    ];
    auth.extend(raw);
    // Other kinds of JWT signed with the right key (RFC 8725 §2.8), and header members
    // that must be strings.
    for hdr in [
        r#"{"alg":"HS256","typ":"dpop+jwt"}"#,
        r#"{"alg":"HS256","typ":"logout+jwt"}"#,
        r#"{"alg":"HS256","typ":"application/secevent+jwt"}"#,
        r#"{"alg":"HS256","typ":"JOSE"}"#,
        r#"{"alg":"HS256","typ":"application/jwt"}"#,
        r#"{"alg":"HS256","kid":null}"#,
    ] {
        auth.push(format!("Bearer {}", sign(hdr.as_bytes(), &c(r#","scope":"items""#))).into());
    }
    // Issued in the future (in 2100), or a second ago; an `iat` that is not a date.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    for extra in [
        r#","iat":4102444000,"scope":"items""#.to_owned(),
        format!(r#","iat":{},"scope":"items""#, now - 1),
        r#","iat":"1","scope":"items""#.to_owned(),
    ] {
        auth.push(format!("Bearer {}", sign(&h, &c(&extra))).into());
    }
    // A nested JWT (RFC 7519 §5.2: `cty` `JWT`) is not taken, whatever its payload; a
    // tab after the scheme and a DPoP token on a verifier without DPoP.
    for hdr in [
        r#"{"alg":"HS256","cty":"JWT"}"#,
        r#"{"alg":"HS256","cty":"application/jwt"}"#,
        r#"{"alg":"HS256","cty":null}"#,
        r#"{"alg":"HS256","cty":"example"}"#,
    ] {
        auth.push(format!("Bearer {}", sign(hdr.as_bytes(), &c(r#","scope":"items""#))).into());
    }
    auth.push(format!("bearer\t {good}").into());
    auth.push(format!("DPoP\t{good}").into());
    // RFC 7797's `b64` without the `crit` its §6 requires; FastAPI's `scopes` claim as a
    // string (its tutorial reads a list).
    auth.push(
        format!(
            "Bearer {}",
            sign(br#"{"alg":"HS256","b64":false}"#, &c(r#","scope":"items""#))
        )
        .into(),
    );
    auth.push(format!("Bearer {}", sign(&h, &c(r#","scopes":"items me""#))).into());

    // The cache (the default) off: every request is verified.
    let verifier = Verifier::builder()
        .key(Key::hs256(SECRET).unwrap())
        .no_cache()
        .build()
        .unwrap();
    let app: Router = Router::new().route("/g", get(guarded)).with_state(verifier);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    for (i, value) in auth.iter().enumerate() {
        let Ok(value) = HeaderValue::from_bytes(value) else {
            writeln!(report, "{i}: (not a header value)").unwrap();
            continue;
        };
        for uri in ["/g", "/g?access_token=x"] {
            let req = Request::get(uri)
                .header("authorization", value.clone())
                .body(Body::empty())
                .unwrap();
            let res = rt.block_on(app.clone().oneshot(req)).unwrap();
            let status = res.status().as_u16();
            let ch = res
                .headers()
                .get("www-authenticate")
                .map(|v| v.to_str().unwrap().to_owned());
            let body = rt
                .block_on(axum::body::to_bytes(res.into_body(), 1 << 16))
                .unwrap();
            writeln!(
                report,
                "{i} {uri}: {status} {:?} {}",
                ch,
                String::from_utf8_lossy(&body)
            )
            .unwrap();
        }
    }
    // two headers
    let req = Request::get("/g")
        .header("authorization", format!("Bearer {good}"))
        .header("authorization", format!("Bearer {good}"))
        .body(Body::empty())
        .unwrap();
    let res = rt.block_on(app.oneshot(req)).unwrap();
    writeln!(
        report,
        "two headers: {} {:?}",
        res.status(),
        res.headers().get("www-authenticate")
    )
    .unwrap();
    insta::assert_snapshot!("hostile_requests", report);
}
