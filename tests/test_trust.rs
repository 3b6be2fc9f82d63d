//! A token verified by one verifier is never trusted by another: a router layer with a
//! laxer verifier of its own cannot let through a token that the handler's verifier
//! (the router state's) refuses. And the claims are read as RFC 7519 §4 says: a member
//! the crate reads given twice is refused, `iss` must be one string.

use axum::Router;
use axum::routing::get;
use scopes_core::issuer::Signer;
use scopes_core::{
    Claims, Key, RequireScopesLayer, SecurityScopes, Verifier, requires_scopes, scopes,
};
use scopes_tests::{Reply, SECRET, get as request, send};
use serde_json::value::RawValue;

scopes! {
    Scopes {
        "me": "Read information about the current user.",
        "items": "Read items.",
    }
}

#[requires_scopes("items")]
struct Items;

const API: &str = "https://api.example.com";
const OTHER_API: &str = "https://other.example.com";
const OTHER_SECRET: [u8; 32] = [42; 32];

#[derive(serde::Deserialize)]
struct User {
    sub: String,
}

#[requires_scopes("items")]
async fn injected() -> &'static str {
    "items"
}

async fn claims(Claims(user): Claims<User>) -> String {
    user.sub
}

async fn optional_claims(user: Option<Claims<User>>) -> String {
    user.map_or("anonymous".to_owned(), |Claims(user)| user.sub)
}

async fn security_scopes(scopes: SecurityScopes<Scopes>) -> String {
    scopes.scope_str()
}

/// The handler's verifier: the router state's, strict on `aud`.
fn strict() -> Verifier {
    Verifier::builder()
        .key(Key::hs256(SECRET).unwrap())
        .audience(API)
        .build()
        .unwrap()
}

/// The three laxer layer verifiers of the attack.
fn lax_verifiers() -> [(&'static str, Verifier); 3] {
    [
        (
            "no audience check",
            Verifier::new(Key::hs256(SECRET).unwrap()).unwrap(),
        ),
        (
            "a second audience",
            Verifier::builder()
                .key(Key::hs256(SECRET).unwrap())
                .audience(API)
                .audience(OTHER_API)
                .build()
                .unwrap(),
        ),
        (
            "another signing key",
            Verifier::builder()
                .key(Key::hs256(OTHER_SECRET).unwrap())
                .audience(API)
                .build()
                .unwrap(),
        ),
    ]
}

/// A token each lax verifier accepts and the strict one refuses.
fn attack_token(setup: &str) -> String {
    let exp = scopes_tests::now() + 600;
    let claims = serde_json::json!({ "sub": "mallory", "scopes": ["me", "items"], "exp": exp });
    let (secret, audience) = match setup {
        "no audience check" => ([0; 32], None),
        "a second audience" => ([0; 32], Some(OTHER_API)),
        _ => (OTHER_SECRET, Some(API)),
    };
    let signer = match secret {
        OTHER_SECRET => Signer::hs256(OTHER_SECRET).unwrap(),
        _ => Signer::hs256(SECRET).unwrap(),
    };
    let mut claims = claims;
    if let Some(audience) = audience {
        claims["aud"] = audience.into();
    }
    signer.sign(&claims).unwrap()
}

fn routes() -> Router<Verifier> {
    Router::new()
        .route("/injected", get(injected))
        .route("/claims", get(claims))
        .route("/optional", get(optional_claims))
        .route("/security", get(security_scopes))
}

#[tokio::test]
async fn a_laxer_layer_never_vouches_for_a_token_the_handler_refuses() {
    for (setup, lax) in lax_verifiers() {
        let token = attack_token(setup);
        assert!(
            lax.verify(&token).await.is_ok(),
            "{setup}: the layer accepts it"
        );
        assert!(
            strict().verify(&token).await.is_err(),
            "{setup}: the state refuses it"
        );

        // The layer on a whole router.
        let on_router: Router = routes()
            .route_layer(RequireScopesLayer::<Scopes, Items>::with_verifier(
                lax.clone(),
            ))
            .with_state(strict());
        // The layer on single routes.
        let layer = || RequireScopesLayer::<Scopes, Items>::with_verifier(lax.clone());
        let on_route: Router = Router::new()
            .route("/injected", get(injected).route_layer(layer()))
            .route("/claims", get(claims).route_layer(layer()))
            .route("/optional", get(optional_claims).route_layer(layer()))
            .route("/security", get(security_scopes).route_layer(layer()))
            .with_state(strict());
        for app in [&on_router, &on_route] {
            for path in ["/injected", "/claims", "/optional", "/security"] {
                let reply = send(app, request(path, &token)).await;
                assert_eq!(reply.status, 401, "{setup} {path}: {reply:?}");
                assert!(
                    reply
                        .challenge
                        .as_deref()
                        .is_some_and(|c| c.contains(r#"error="invalid_token""#)),
                    "{setup} {path}: {reply:?}"
                );
                assert!(!reply.body.contains("mallory"), "{setup} {path}");
            }
        }
    }
}

#[tokio::test]
async fn a_layer_with_the_state_s_verifier_and_its_handlers_agree() {
    let verifier = strict();
    let app: Router = routes()
        .route_layer(RequireScopesLayer::<Scopes, Items>::new(&verifier))
        .with_state(verifier.clone());
    let good = Signer::hs256(SECRET)
        .unwrap()
        .audience(API)
        .mint("johndoe", ["me", "items"])
        .unwrap();
    let expect = [
        ("/injected", "items"),
        ("/claims", "johndoe"),
        ("/optional", "johndoe"),
        ("/security", "items"),
    ];
    for (path, body) in expect {
        assert_eq!(
            send(&app, request(path, &good)).await,
            Reply::new(200, None, body),
            "{path}"
        );
    }
    // The layer's own check still holds: `me` only is refused before the handler.
    let me_only = Signer::hs256(SECRET)
        .unwrap()
        .audience(API)
        .mint("johndoe", ["me"])
        .unwrap();
    let reply = send(&app, request("/claims", &me_only)).await;
    assert_eq!(reply.status, 403);
    assert_eq!(
        reply.challenge.as_deref(),
        Some(r#"Bearer error="insufficient_scope", scope="items""#)
    );
}

/// A token whose claims are `json` exactly as written (duplicate members included).
fn raw_token(json: &str) -> String {
    let claims = RawValue::from_string(json.to_owned()).unwrap();
    Signer::hs256(SECRET).unwrap().sign(&claims).unwrap()
}

#[tokio::test]
async fn duplicate_claims_and_an_issuer_array_are_refused() {
    let verifier = Verifier::builder()
        .key(Key::hs256(SECRET).unwrap())
        .issuer("https://auth.example.com/")
        .audience(API)
        .build()
        .unwrap();
    let app: Router = Router::new()
        .route("/injected", get(injected))
        .route("/claims", get(claims))
        .with_state(verifier.clone());
    let exp = scopes_tests::now() + 600;
    let base =
        format!(r#""sub":"johndoe","iss":"https://auth.example.com/","aud":"{API}","exp":{exp}"#);
    let valid = raw_token(&format!(r#"{{{base},"scope":"items"}}"#));
    assert_eq!(
        send(&app, request("/injected", &valid)).await,
        Reply::new(200, None, "items")
    );
    let cases = [
        (
            "scope twice",
            format!(r#"{{{base},"scope":"me","scope":"items"}}"#),
        ),
        (
            "scopes twice",
            format!(r#"{{{base},"scopes":["me"],"scopes":["items"]}}"#),
        ),
        (
            "scp twice",
            format!(r#"{{{base},"scp":"me","scp":"items"}}"#),
        ),
        (
            "exp twice",
            format!(r#"{{{base},"scope":"items","exp":1}}"#),
        ),
        (
            "nbf twice",
            format!(r#"{{{base},"scope":"items","nbf":1,"nbf":2}}"#),
        ),
        (
            "iss twice",
            format!(r#"{{{base},"scope":"items","iss":"https://auth.example.com/"}}"#),
        ),
        (
            "aud twice",
            format!(r#"{{{base},"scope":"items","aud":"{API}"}}"#),
        ),
        (
            "sub twice",
            format!(r#"{{{base},"scope":"items","sub":"mallory"}}"#),
        ),
        (
            "iat twice",
            format!(r#"{{{base},"scope":"items","iat":1,"iat":2}}"#),
        ),
        (
            "jti twice",
            format!(r#"{{{base},"scope":"items","jti":"a","jti":"b"}}"#),
        ),
        (
            "client_id twice",
            format!(r#"{{{base},"scope":"items","client_id":"a","client_id":"b"}}"#),
        ),
    ];
    for (case, json) in &cases {
        let token = raw_token(json);
        assert_eq!(
            verifier.verify(&token).await.unwrap_err(),
            scopes_core::TokenError::DuplicateClaim,
            "{case}"
        );
        for path in ["/injected", "/claims"] {
            let reply = send(&app, request(path, &token)).await;
            assert_eq!(reply.status, 401, "{case} {path}");
            assert_eq!(
                reply.challenge.as_deref(),
                Some(
                    r#"Bearer error="invalid_token", error_description="The token repeats a claim""#
                ),
                "{case} {path}"
            );
        }
    }
    // `scope` and `scopes` are two claims: both count, neither is a duplicate.
    let both = raw_token(&format!(r#"{{{base},"scope":"me","scopes":["items"]}}"#));
    assert_eq!(
        send(&app, request("/injected", &both)).await,
        Reply::new(200, None, "items")
    );

    // A scope claim of the configuration's choice (Auth0's `permissions`) too.
    let auth0 = Verifier::builder()
        .key(Key::hs256(SECRET).unwrap())
        .scope_claims(["permissions"])
        .build()
        .unwrap();
    let permissions = raw_token(&format!(
        r#"{{"sub":"johndoe","exp":{exp},"permissions":["me"],"permissions":["items"]}}"#
    ));
    assert_eq!(
        auth0.verify(&permissions).await.unwrap_err(),
        scopes_core::TokenError::DuplicateClaim
    );
    // A member the crate does not read may repeat: that is the application's business.
    let other = raw_token(&format!(
        r#"{{{base},"scope":"items","name":"a","name":"b"}}"#
    ));
    assert!(verifier.verify(&other).await.is_ok());

    let issuer_array = raw_token(&format!(
        r#"{{"sub":"johndoe","iss":["https://auth.example.com/"],"aud":"{API}","exp":{exp},"scope":"items"}}"#
    ));
    assert_eq!(
        verifier.verify(&issuer_array).await.unwrap_err(),
        scopes_core::TokenError::InvalidClaim("iss")
    );
    assert_eq!(
        send(&app, request("/injected", &issuer_array)).await.status,
        401
    );
}

#[tokio::test]
async fn with_several_issuers_iss_is_read_as_strictly_to_route() {
    use scopes_core::TrustedIssuer;
    let verifier = Verifier::builder()
        .trust(TrustedIssuer::new("https://a.example/").key(Key::hs256(SECRET).unwrap()))
        .trust(TrustedIssuer::new("https://b.example/").key(Key::hs256(OTHER_SECRET).unwrap()))
        .build()
        .unwrap();
    let exp = scopes_tests::now() + 600;
    let twice = raw_token(&format!(
        r#"{{"sub":"johndoe","exp":{exp},"iss":"https://b.example/","iss":"https://a.example/"}}"#
    ));
    assert_eq!(
        verifier.verify(&twice).await.unwrap_err(),
        scopes_core::TokenError::DuplicateClaim
    );
    let array = raw_token(&format!(
        r#"{{"sub":"johndoe","exp":{exp},"iss":["https://a.example/"]}}"#
    ));
    assert_eq!(
        verifier.verify(&array).await.unwrap_err(),
        scopes_core::TokenError::InvalidClaim("iss")
    );
    let good = raw_token(&format!(
        r#"{{"sub":"johndoe","exp":{exp},"iss":"https://a.example/","scope":"items"}}"#
    ));
    assert!(verifier.verify(&good).await.is_ok());
}

/// A token with the given header and claims, both exactly as written.
fn raw_jws(header: &str, claims: &str) -> String {
    raw_jws_bytes(header.as_bytes(), claims.as_bytes())
}

#[tokio::test]
async fn duplicate_header_members_and_any_crit_are_refused() {
    let verifier = Verifier::new(Key::hs256(SECRET).unwrap()).unwrap();
    let claims = format!(r#"{{"sub":"johndoe","exp":{}}}"#, scopes_tests::now() + 600);
    assert!(
        verifier
            .verify(&raw_jws(r#"{"alg":"HS256","typ":"JWT"}"#, &claims))
            .await
            .is_ok()
    );
    for header in [
        r#"{"alg":"HS256","alg":"HS256"}"#,
        r#"{"alg":"HS256","typ":"JWT","typ":"JWT"}"#,
        r#"{"alg":"HS256","kid":"a","kid":"b"}"#,
        r#"{"alg":"HS256","crit":null}"#,
        r#"{"alg":"HS256","crit":["exp"]}"#,
    ] {
        assert_eq!(
            verifier
                .verify(&raw_jws(header, &claims))
                .await
                .unwrap_err(),
            scopes_core::TokenError::Malformed,
            "{header}"
        );
    }
}

#[tokio::test]
async fn names_that_are_not_scope_tokens_are_not_granted() {
    let verifier = Verifier::new(Key::hs256(SECRET).unwrap()).unwrap();
    let exp = scopes_tests::now() + 600;
    let token = raw_token(&format!(
        r#"{{"sub":"johndoe","exp":{exp},"scopes":["items me","me","","it\"ems","ité","it\tems"],"scope":"a\tb items"}}"#
    ));
    let verified = verifier.verify(&token).await.unwrap();
    assert_eq!(verified.scopes().collect::<Vec<_>>(), ["me", "items"]);
}

#[tokio::test]
async fn a_token_verified_earlier_serves_only_the_same_bearer_string() {
    use axum::extract::Request;
    use axum::middleware::map_request;
    // A middleware between the layer and the handler swaps the credentials: the handler
    // must verify what it is given, not what the layer saw.
    async fn swap(mut request: Request) -> Request {
        let forged = "Bearer e30.e30.AAAA";
        request
            .headers_mut()
            .insert("authorization", forged.parse().unwrap());
        request
    }
    let verifier = strict();
    let app: Router = routes()
        .route_layer(map_request(swap))
        .route_layer(RequireScopesLayer::<Scopes, Items>::new(&verifier))
        .with_state(verifier);
    let good = Signer::hs256(SECRET)
        .unwrap()
        .audience(API)
        .mint("johndoe", ["me", "items"])
        .unwrap();
    for path in ["/injected", "/claims", "/optional", "/security"] {
        let reply = send(&app, request(path, &good)).await;
        assert_eq!(reply.status, 401, "{path}: {reply:?}");
    }
}

/// A token with the given header and claims bytes (which need not be UTF-8).
fn raw_jws_bytes(header: &[u8], claims: &[u8]) -> String {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let message = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(claims)
    );
    let key = jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes());
    scopes_core::install_crypto_provider();
    let signature =
        jsonwebtoken::crypto::sign(message.as_bytes(), &key, jsonwebtoken::Algorithm::HS256)
            .unwrap();
    format!("{message}.{signature}")
}

#[tokio::test]
async fn claims_or_headers_that_are_not_utf8_are_refused() {
    let verifier = Verifier::new(Key::hs256(SECRET).unwrap()).unwrap();
    let exp = scopes_tests::now() + 600;
    let header = br#"{"alg":"HS256","typ":"JWT"}"#;
    let claims = |extra: &[u8]| {
        let mut json = format!(r#"{{"sub":"johndoe","exp":{exp},"scope":"items","#).into_bytes();
        json.extend_from_slice(extra);
        json.push(b'}');
        json
    };
    // Valid as a control, then invalid UTF-8 in a member the pass skips, in a scope name,
    // in a member name, in the header (a member read and one skipped), and in `jti`.
    assert!(
        verifier
            .verify(&raw_jws_bytes(header, &claims(br#""x":"ok""#)))
            .await
            .is_ok()
    );
    use scopes_core::TokenError::Malformed;
    for (bad, why) in [
        (
            raw_jws_bytes(header, &claims(b"\"x\":\"\xff\xfe\"")),
            Malformed,
        ),
        // Claims that are not UTF-8 are no JSON (RFC 8259 §8.1), wherever the bad byte
        // is: malformed, as a whole.
        (
            raw_jws_bytes(header, &claims(b"\"scp\":\"items \xc3\"")),
            Malformed,
        ),
        (raw_jws_bytes(header, &claims(b"\"\xff\":1")), Malformed),
        (
            raw_jws_bytes(
                b"{\"alg\":\"HS256\",\"typ\":\"\xff\"}",
                &claims(br#""x":1"#),
            ),
            Malformed,
        ),
        // In a header member the reading skips.
        (
            raw_jws_bytes(b"{\"alg\":\"HS256\",\"x\":\"\xff\"}", &claims(br#""x":1"#)),
            Malformed,
        ),
        // In a claim read for its type only.
        (
            raw_jws_bytes(header, &claims(b"\"jti\":\"\xff\"")),
            Malformed,
        ),
    ] {
        assert_eq!(verifier.verify(&bad).await.unwrap_err(), why, "{bad}");
    }
}

/// A token bound to a key (`cnf`, as DPoP-bound tokens carry `cnf.jkt`) is no bearer
/// token: presented as `Bearer`, it is refused (RFC 9449 §7.1), since without its proof
/// a stolen copy would do.
#[tokio::test]
async fn a_key_bound_token_is_refused_as_a_bearer_token() {
    use scopes_core::testing::TestIssuer;
    let issuer = TestIssuer::hs256();
    let verifier = issuer.verifier();
    let bound = issuer
        .token(scopes_core::scope_set!("me", table = Scopes))
        .claim(
            "cnf",
            serde_json::json!({"jkt": "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"}),
        )
        .mint();
    assert_eq!(
        verifier.verify(&bound).await.unwrap_err(),
        scopes_core::TokenError::NotBearer
    );
    let free = issuer
        .token(scopes_core::scope_set!("me", table = Scopes))
        .mint();
    verifier.verify(&free).await.unwrap();
}

#[tokio::test]
async fn a_token_issued_in_the_future_is_not_yet_valid() {
    let verifier = Verifier::builder()
        .key(Key::hs256(SECRET).unwrap())
        .build()
        .unwrap();
    let now = scopes_tests::now();
    let token = |iat: u64| {
        raw_token(&format!(
            r#"{{"sub":"a","exp":{},"iat":{iat},"scope":"items"}}"#,
            now + 3600
        ))
    };
    // Within the leeway (30 s), as `nbf` is.
    assert!(verifier.verify(&token(now)).await.is_ok());
    assert!(verifier.verify(&token(now + 20)).await.is_ok());
    for iat in [now + 60, now + 3000] {
        assert_eq!(
            verifier.verify(&token(iat)).await.err(),
            Some(scopes_core::TokenError::NotYetValid),
            "{iat}"
        );
    }
}
