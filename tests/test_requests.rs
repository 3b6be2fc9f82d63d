//! Every RFC 6750 response row, driven through a `Router` with `oneshot`.

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use jsonwebtoken::{Algorithm, Header};
use scopes_core::{Claims, Key, Verifier, requires_scopes, scopes};
use scopes_tests::{
    Reply, Request, claims, get as get_with, hs256, now, send, sign, sign_with_header,
};
use serde::Deserialize;
use serde_json::json;

scopes! {
    /// The tutorial's scopes, seed 000's fine-grained ones, and implications.
    pub Scopes {
        "me": "Read information about the current user.",
        "items": "Read items.",
        "users:read": "View user information",
        "orders:write": "Create/update orders",
        "payments:process": "Process payments",
        "admin": "Administer the shop." implies ["me", "items"],
        "superuser": "Everything." implies ["admin", "payments:process"],
    }
}

#[requires_scopes("items")]
async fn read_items() -> &'static str {
    "items"
}

#[requires_scopes("items", "me")]
async fn read_own_items() -> &'static str {
    "own items"
}

#[requires_scopes(any("users:read", "admin"))]
async fn read_users() -> &'static str {
    "users"
}

#[requires_scopes("me", any("orders:write", all("users:read", "payments:process")))]
async fn checkout() -> &'static str {
    "checked out"
}

#[requires_scopes("payments:process")]
async fn pay() -> &'static str {
    "paid"
}

#[derive(Deserialize)]
struct NewItem {
    name: String,
}

#[requires_scopes("items")]
async fn create_item(Json(item): Json<NewItem>) -> String {
    format!("created {}", item.name)
}

#[derive(Deserialize)]
struct User {
    sub: String,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Strict {
    tenant: String,
}

#[derive(Deserialize)]
struct Page {
    page: u32,
}

/// Other extractors keep working after the injected one, and so do claims.
#[requires_scopes("me")]
#[axum::debug_handler(state = Verifier)]
async fn item_of_user(
    State(_verifier): State<Verifier>,
    Path(id): Path<u32>,
    Query(page): Query<Page>,
    Claims(user): Claims<User>,
) -> String {
    format!("item {id} page {} of {}", page.page, user.sub)
}

#[requires_scopes("me")]
async fn strict_claims(Claims(_claims): Claims<Strict>) -> &'static str {
    "strict"
}

/// No attribute: `Claims` alone requires a valid token and no scope.
async fn status(Claims(user): Claims<User>) -> String {
    format!("ok {}", user.sub)
}

/// A bare attribute: a valid token and no scope.
#[requires_scopes]
async fn health() -> &'static str {
    "healthy"
}

fn app(verifier: Verifier) -> Router {
    Router::new()
        .route("/items/", get(read_items).post(create_item))
        .route("/users/me/items/", get(read_own_items))
        .route("/users/", get(read_users))
        .route("/checkout", post(checkout))
        .route("/pay", post(pay))
        .route("/items/{id}", get(item_of_user))
        .route("/strict", get(strict_claims))
        .route("/status/", get(status))
        .route("/health", get(health))
        .with_state(verifier)
}

fn hs_app() -> Router {
    app(Verifier::new(Key::hs256(scopes_tests::SECRET).unwrap()).unwrap())
}

const NOT_AUTHENTICATED: &str = r#"{"detail":"Not authenticated"}"#;
const INVALID: &str = r#"{"detail":"Could not validate credentials"}"#;
const NOT_ENOUGH: &str = r#"{"detail":"Not enough permissions"}"#;

fn invalid_token(description: &str) -> Reply {
    let challenge = format!(r#"Bearer error="invalid_token", error_description="{description}""#);
    Reply::new(401, Some(&challenge), INVALID)
}

fn insufficient(scope: &str) -> Reply {
    let challenge = format!(r#"Bearer error="insufficient_scope", scope="{scope}""#);
    Reply::new(403, Some(&challenge), NOT_ENOUGH)
}

fn ok(body: &str) -> Reply {
    Reply::new(200, None, body)
}

fn with_authorization(uri: &str, values: &[&str]) -> Request<Body> {
    let mut request = Request::get(uri);
    for value in values {
        request = request.header("authorization", *value);
    }
    request.body(Body::empty()).unwrap()
}

#[tokio::test]
async fn no_or_empty_credentials_answer_401_with_a_bare_challenge() {
    let app = hs_app();
    let missing = Reply::new(401, Some("Bearer"), NOT_AUTHENTICATED);
    for values in [
        &[][..],
        &["Bearer"],
        &["Bearer   "],
        &["Basic am9objpzZWNyZXQ="],
    ] {
        assert_eq!(
            send(&app, with_authorization("/items/", values)).await,
            missing,
            "{values:?}"
        );
    }
}

#[tokio::test]
async fn malformed_or_doubled_credentials_answer_400_invalid_request() {
    let app = hs_app();
    let token = hs256(&["items"]);
    let malformed = Reply::new(
        400,
        Some(
            r#"Bearer error="invalid_request", error_description="The Authorization header is malformed""#,
        ),
        r#"{"detail":"The Authorization header is malformed"}"#,
    );
    let multiple = Reply::new(
        400,
        Some(
            r#"Bearer error="invalid_request", error_description="The request carries more than one credential""#,
        ),
        r#"{"detail":"The request carries more than one credential"}"#,
    );
    let spaced = format!("Bearer {token} {token}");
    assert_eq!(
        send(&app, with_authorization("/items/", &[&spaced])).await,
        malformed
    );
    let listed = format!("Bearer {token}, Bearer {token}");
    assert_eq!(
        send(&app, with_authorization("/items/", &[&listed])).await,
        malformed
    );
    let quoted = "Bearer \"abc\"";
    assert_eq!(
        send(&app, with_authorization("/items/", &[quoted])).await,
        malformed
    );
    let twice = format!("Bearer {token}");
    assert_eq!(
        send(&app, with_authorization("/items/", &[&twice, &twice])).await,
        multiple
    );
    let in_query = get_with(&format!("/items/?access_token={token}"), &token);
    assert_eq!(send(&app, in_query).await, multiple);
}

#[tokio::test]
async fn bad_tokens_answer_401_invalid_token() {
    let app = hs_app();
    let cases = [
        ("not.a.jwt", "The access token is malformed"),
        ("abc", "The access token is malformed"),
        (
            "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJqb2huZG9lIiwic2NvcGVzIjpbIml0ZW1zIl19.",
            "The token algorithm is not accepted",
        ),
    ];
    for (token, description) in cases {
        assert_eq!(
            send(&app, get_with("/items/", token)).await,
            invalid_token(description),
            "{token}"
        );
    }

    // A valid token with one character of the signature changed.
    let good = hs256(&["items"]);
    let mut tampered = good.clone().into_bytes();
    let last = tampered.len() - 2;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    assert_eq!(
        send(&app, get_with("/items/", &tampered)).await,
        invalid_token("The token signature is invalid")
    );

    // The payload swapped for one granting more scopes, the signature kept.
    let greedy = hs256(&["items", "me", "superuser"]);
    let parts: Vec<&str> = good.split('.').collect();
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        greedy.split('.').nth(1).unwrap(),
        parts[2]
    );
    assert_eq!(
        send(&app, get_with("/items/", &forged)).await,
        invalid_token("The token signature is invalid")
    );

    let expired = sign(
        Algorithm::HS256,
        &json!({ "sub": "johndoe", "exp": now() - 120, "scopes": ["items"] }),
    );
    assert_eq!(
        send(&app, get_with("/items/", &expired)).await,
        invalid_token("The access token expired")
    );

    let early = sign(
        Algorithm::HS256,
        &json!({ "sub": "johndoe", "exp": now() + 600, "nbf": now() + 300, "scopes": ["items"] }),
    );
    assert_eq!(
        send(&app, get_with("/items/", &early)).await,
        invalid_token("The access token is not yet valid")
    );

    let eternal = sign(
        Algorithm::HS256,
        &json!({ "sub": "johndoe", "scopes": ["items"] }),
    );
    assert_eq!(
        send(&app, get_with("/items/", &eternal)).await,
        invalid_token("The token has no exp claim")
    );

    let other_algorithm = sign(Algorithm::HS512, &claims(&["items"]));
    assert_eq!(
        send(&app, get_with("/items/", &other_algorithm)).await,
        invalid_token("The token algorithm is not accepted")
    );

    let numeric_scopes = sign(
        Algorithm::HS256,
        &json!({ "sub": "johndoe", "exp": now() + 600, "scopes": 7 }),
    );
    assert_eq!(
        send(&app, get_with("/items/", &numeric_scopes)).await,
        invalid_token("The token scope claim is invalid")
    );
}

#[tokio::test]
async fn odd_headers_and_claims_are_refused() {
    let app = hs_app();
    // A critical header extension nobody here understands.
    let mut header = Header::new(Algorithm::HS256);
    header.extras.insert("crit", json!(["exp"]));
    let critical = sign_with_header(header, &claims(&["items"]));
    assert_eq!(
        send(&app, get_with("/items/", &critical)).await,
        invalid_token("The access token is malformed")
    );

    let cases = [
        (
            json!({ "exp": "tomorrow", "scopes": ["items"] }),
            "The token has an invalid time claim",
        ),
        (
            json!({ "exp": -1, "scopes": ["items"] }),
            "The token has an invalid time claim",
        ),
        (
            json!({ "exp": now() + 600, "nbf": "soon", "scopes": ["items"] }),
            "The token has an invalid time claim",
        ),
        (
            json!({ "exp": now() + 600, "aud": 7, "scopes": ["items"] }),
            "The token audience is not accepted",
        ),
        // A key binding that is not one: refused, and said to be the `cnf`.
        (
            json!({ "exp": now() + 600, "cnf": null, "scopes": ["items"] }),
            "The token cnf claim is invalid",
        ),
        (
            json!({ "exp": now() + 600, "cnf": {"jkt": 1}, "scopes": ["items"] }),
            "The token cnf claim is invalid",
        ),
        (
            json!({ "exp": now() + 600, "scopes": ["items", 1] }),
            "The token scope claim is invalid",
        ),
        (
            json!({ "exp": now() + 600, "scope": {"items": true} }),
            "The token scope claim is invalid",
        ),
        (
            json!(["not", "an", "object"]),
            "The access token is malformed",
        ),
    ];
    for (claims, description) in cases {
        let token = sign(Algorithm::HS256, &claims);
        assert_eq!(
            send(&app, get_with("/items/", &token)).await,
            invalid_token(description),
            "{claims}"
        );
    }
    // NumericDate may be fractional.
    let fractional = sign(
        Algorithm::HS256,
        &json!({ "exp": now() as f64 + 600.5, "scopes": ["items"] }),
    );
    assert_eq!(
        send(&app, get_with("/items/", &fractional)).await,
        ok("items")
    );
}

#[tokio::test]
async fn expiry_within_the_leeway_is_accepted() {
    let app = hs_app();
    let just_expired = sign(
        Algorithm::HS256,
        &json!({ "sub": "johndoe", "exp": now() - 5, "scopes": ["items"] }),
    );
    assert_eq!(
        send(&app, get_with("/items/", &just_expired)).await,
        ok("items")
    );
}

#[tokio::test]
async fn the_leeway_is_configurable() {
    let strict = Verifier::builder()
        .key(Key::hs256(scopes_tests::SECRET).unwrap())
        .leeway(std::time::Duration::ZERO)
        .build()
        .unwrap();
    let just_expired = sign(
        Algorithm::HS256,
        &json!({ "sub": "johndoe", "exp": now() - 5, "scopes": ["items"] }),
    );
    assert_eq!(
        send(&app(strict), get_with("/items/", &just_expired)).await,
        invalid_token("The access token expired")
    );
}

#[tokio::test]
async fn issuer_and_audience_are_checked_when_configured() {
    let verifier = Verifier::builder()
        .key(Key::hs256(scopes_tests::SECRET).unwrap())
        .issuer("https://issuer.example")
        .audience("https://api.example")
        .build()
        .unwrap();
    let app = app(verifier);
    let token = |extra: serde_json::Value| {
        let mut claims = claims(&["items"]);
        claims
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        sign(Algorithm::HS256, &claims)
    };
    let good =
        token(json!({ "iss": "https://issuer.example", "aud": ["other", "https://api.example"] }));
    assert_eq!(send(&app, get_with("/items/", &good)).await, ok("items"));

    let wrong_issuer =
        token(json!({ "iss": "https://evil.example", "aud": "https://api.example" }));
    assert_eq!(
        send(&app, get_with("/items/", &wrong_issuer)).await,
        invalid_token("The token issuer is not accepted")
    );
    let wrong_audience =
        token(json!({ "iss": "https://issuer.example", "aud": "https://other.example" }));
    assert_eq!(
        send(&app, get_with("/items/", &wrong_audience)).await,
        invalid_token("The token audience is not accepted")
    );
    let no_issuer = token(json!({ "aud": "https://api.example" }));
    assert_eq!(
        send(&app, get_with("/items/", &no_issuer)).await,
        invalid_token("The token has no iss claim")
    );
    let no_audience = token(json!({ "iss": "https://issuer.example" }));
    assert_eq!(
        send(&app, get_with("/items/", &no_audience)).await,
        invalid_token("The token has no aud claim")
    );
}

#[tokio::test]
async fn a_token_for_another_audience_is_refused_when_none_is_configured() {
    let token = sign(
        Algorithm::HS256,
        &json!({ "exp": now() + 600, "aud": "another-api", "scopes": ["items"] }),
    );
    assert_eq!(
        send(&hs_app(), get_with("/items/", &token)).await,
        invalid_token("The token audience is not accepted")
    );
}

#[tokio::test]
async fn insufficient_scope_answers_403_with_the_required_scopes() {
    let app = hs_app();
    assert_eq!(
        send(&app, get_with("/items/", &hs256(&[]))).await,
        insufficient("items")
    );
    assert_eq!(
        send(&app, get_with("/items/", &hs256(&["me"]))).await,
        insufficient("items")
    );
    assert_eq!(
        send(&app, get_with("/users/me/items/", &hs256(&["me"]))).await,
        insufficient("items me")
    );
    assert_eq!(
        send(&app, get_with("/users/me/items/", &hs256(&["items"]))).await,
        insufficient("items me")
    );
    assert_eq!(
        send(&app, get_with("/users/me/items/", &hs256(&["items", "me"]))).await,
        ok("own items")
    );
    // Unknown names in the token are ignored, not errors; names are case-sensitive.
    assert_eq!(
        send(
            &app,
            get_with("/items/", &hs256(&["openid", "items", "profile"]))
        )
        .await,
        ok("items")
    );
    assert_eq!(
        send(&app, get_with("/items/", &hs256(&["Items"]))).await,
        insufficient("items")
    );
}

#[tokio::test]
async fn any_all_nested_and_implied_requirements() {
    let app = hs_app();
    let post = |uri: &str, token: &str| {
        Request::post(uri)
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap()
    };
    assert_eq!(
        send(&app, get_with("/users/", &hs256(&["users:read"]))).await,
        ok("users")
    );
    assert_eq!(
        send(&app, get_with("/users/", &hs256(&["admin"]))).await,
        ok("users")
    );
    assert_eq!(
        send(&app, get_with("/users/", &hs256(&["me", "items"]))).await,
        insufficient("users:read admin")
    );

    let needed = "me orders:write users:read payments:process";
    assert_eq!(
        send(&app, post("/checkout", &hs256(&["me", "orders:write"]))).await,
        ok("checked out")
    );
    assert_eq!(
        send(
            &app,
            post(
                "/checkout",
                &hs256(&["me", "users:read", "payments:process"])
            )
        )
        .await,
        ok("checked out")
    );
    assert_eq!(
        send(&app, post("/checkout", &hs256(&["me", "users:read"]))).await,
        insufficient(needed)
    );
    assert_eq!(
        send(&app, post("/checkout", &hs256(&["orders:write"]))).await,
        insufficient(needed)
    );

    // `admin` implies `me` and `items`; `superuser` implies `admin`, hence both, transitively.
    assert_eq!(
        send(&app, get_with("/users/me/items/", &hs256(&["admin"]))).await,
        ok("own items")
    );
    assert_eq!(
        send(&app, get_with("/users/me/items/", &hs256(&["superuser"]))).await,
        ok("own items")
    );
    assert_eq!(
        send(&app, post("/pay", &hs256(&["superuser"]))).await,
        ok("paid")
    );
    assert_eq!(
        send(&app, post("/pay", &hs256(&["admin"]))).await,
        insufficient("payments:process")
    );
}

#[tokio::test]
async fn scopes_are_read_from_scope_scopes_and_scp() {
    let app = hs_app();
    let with = |claim: serde_json::Value| {
        let mut claims = json!({ "sub": "johndoe", "exp": now() + 600 });
        claims
            .as_object_mut()
            .unwrap()
            .extend(claim.as_object().unwrap().clone());
        sign(Algorithm::HS256, &claims)
    };
    for claim in [
        json!({ "scope": "openid items me" }),
        json!({ "scopes": ["items", "me"] }),
        json!({ "scp": "items me" }),
        json!({ "scp": ["items", "me"] }),
        json!({ "scope": "items", "scp": ["me"] }),
    ] {
        assert_eq!(
            send(&app, get_with("/users/me/items/", &with(claim.clone()))).await,
            ok("own items"),
            "{claim}"
        );
    }
    // Claims not configured are not read.
    let permissions = with(json!({ "permissions": ["items", "me"] }));
    assert_eq!(
        send(&app, get_with("/users/me/items/", &permissions)).await,
        insufficient("items me")
    );

    let auth0 = Verifier::builder()
        .key(Key::hs256(scopes_tests::SECRET).unwrap())
        .scope_claims(["permissions"])
        .build()
        .unwrap();
    assert_eq!(
        send(&app_with(auth0), get_with("/users/me/items/", &permissions)).await,
        ok("own items")
    );
}

fn app_with(verifier: Verifier) -> Router {
    app(verifier)
}

#[tokio::test]
async fn a_bad_token_answers_401_or_403_before_a_bad_body_answers_422() {
    let app = hs_app();
    let post = |token: Option<&str>, body: &str| {
        let mut request = Request::post("/items/").header("content-type", "application/json");
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        request.body(Body::from(body.to_owned())).unwrap()
    };
    let bad_body = "{ not json";
    assert_eq!(
        send(&app, post(None, bad_body)).await,
        Reply::new(401, Some("Bearer"), NOT_AUTHENTICATED)
    );
    assert_eq!(
        send(&app, post(Some("x.y.z"), bad_body)).await,
        invalid_token("The access token is malformed")
    );
    assert_eq!(
        send(&app, post(Some(&hs256(&["me"])), bad_body)).await,
        insufficient("items")
    );
    let accepted = send(&app, post(Some(&hs256(&["items"])), bad_body)).await;
    assert_eq!(
        accepted.status, 400,
        "a valid token lets the body be parsed: {accepted:?}"
    );
    let unprocessable = send(&app, post(Some(&hs256(&["items"])), r#"{"title": "x"}"#)).await;
    assert_eq!(unprocessable.status, 422, "{unprocessable:?}");
    assert_eq!(
        send(&app, post(Some(&hs256(&["items"])), r#"{"name": "Foo"}"#)).await,
        ok("created Foo")
    );
}

#[tokio::test]
async fn other_extractors_and_claims_work_in_annotated_handlers() {
    let app = hs_app();
    let token = hs256(&["me"]);
    assert_eq!(
        send(&app, get_with("/items/7?page=2", &token)).await,
        ok("item 7 page 2 of johndoe")
    );
    assert_eq!(
        send(&app, get_with("/status/", &hs256(&[]))).await,
        ok("ok johndoe")
    );
    assert_eq!(
        send(&app, get_with("/status/", "garbage")).await,
        invalid_token("The access token is malformed")
    );
    assert_eq!(
        send(&app, get_with("/strict", &token)).await,
        invalid_token("The token claims are not as expected")
    );
}

#[tokio::test]
async fn rs256_es256_and_eddsa_tokens_verify_with_their_public_keys() {
    let cases = [
        (
            Algorithm::RS256,
            Key::public_pem(Algorithm::RS256, scopes_tests::RSA_PUBLIC).unwrap(),
        ),
        (
            Algorithm::PS256,
            Key::public_pem(Algorithm::PS256, scopes_tests::RSA_PUBLIC).unwrap(),
        ),
        (
            Algorithm::ES256,
            Key::public_pem(Algorithm::ES256, scopes_tests::EC_PUBLIC).unwrap(),
        ),
        (
            Algorithm::EdDSA,
            Key::public_pem(Algorithm::EdDSA, scopes_tests::ED_PUBLIC).unwrap(),
        ),
        (
            Algorithm::EdDSA,
            Key::public_der(Algorithm::EdDSA, scopes_tests::ED_PUBLIC_RAW).unwrap(),
        ),
    ];
    for (algorithm, key) in cases {
        let app = app(Verifier::new(key).unwrap());
        let granted = sign(algorithm, &claims(&["items", "me"]));
        assert_eq!(
            send(&app, get_with("/users/me/items/", &granted)).await,
            ok("own items"),
            "{algorithm:?}"
        );
        let short = sign(algorithm, &claims(&["me"]));
        assert_eq!(
            send(&app, get_with("/users/me/items/", &short)).await,
            insufficient("items me")
        );
        // The HS256 tutorial token is refused: this key verifies one algorithm only.
        assert_eq!(
            send(&app, get_with("/items/", &hs256(&["items"]))).await,
            invalid_token("The token algorithm is not accepted"),
            "{algorithm:?}"
        );
    }
}

#[tokio::test]
async fn a_token_signed_by_another_key_is_refused() {
    let app = app(Verifier::new(
        Key::public_pem(Algorithm::RS256, scopes_tests::OTHER_RSA_PUBLIC).unwrap(),
    )
    .unwrap());
    let token = sign(Algorithm::RS256, &claims(&["items"]));
    assert_eq!(
        send(&app, get_with("/items/", &token)).await,
        invalid_token("The token signature is invalid")
    );
}

#[tokio::test]
async fn the_public_key_is_never_an_hmac_secret() {
    // The classic confusion: sign HS256 with the RSA public key's PEM as the secret.
    let app = app(Verifier::new(
        Key::public_pem(Algorithm::RS256, scopes_tests::RSA_PUBLIC).unwrap(),
    )
    .unwrap());
    let forged = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims(&["items"]),
        &jsonwebtoken::EncodingKey::from_secret(scopes_tests::RSA_PUBLIC.as_bytes()),
    )
    .unwrap();
    assert_eq!(
        send(&app, get_with("/items/", &forged)).await,
        invalid_token("The token algorithm is not accepted")
    );
}

/// Three public keys with ids: an old RSA key (whose private half signs nothing here),
/// the test RSA key, the test EC key.
fn keys_with_ids() -> Verifier {
    Verifier::builder()
        .key(
            Key::public_pem(Algorithm::RS256, scopes_tests::OTHER_RSA_PUBLIC)
                .unwrap()
                .with_kid("old"),
        )
        .key(
            Key::public_pem(Algorithm::RS256, scopes_tests::RSA_PUBLIC)
                .unwrap()
                .with_kid("new"),
        )
        .key(
            Key::public_pem(Algorithm::ES256, scopes_tests::EC_PUBLIC)
                .unwrap()
                .with_kid("ec"),
        )
        .build()
        .unwrap()
}

#[tokio::test]
async fn keys_are_chosen_by_kid_then_by_algorithm() {
    let app = app(keys_with_ids());
    let with_kid = |algorithm: Algorithm, kid: Option<&str>| {
        let mut header = Header::new(algorithm);
        header.kid = kid.map(str::to_owned);
        sign_with_header(header, &claims(&["items"]))
    };
    assert_eq!(
        send(
            &app,
            get_with("/items/", &with_kid(Algorithm::RS256, Some("new")))
        )
        .await,
        ok("items")
    );
    assert_eq!(
        send(
            &app,
            get_with("/items/", &with_kid(Algorithm::ES256, Some("ec")))
        )
        .await,
        ok("items")
    );
    assert_eq!(
        send(
            &app,
            get_with("/items/", &with_kid(Algorithm::RS256, Some("old")))
        )
        .await,
        invalid_token("The token signature is invalid")
    );
    assert_eq!(
        send(
            &app,
            get_with("/items/", &with_kid(Algorithm::RS256, Some("gone")))
        )
        .await,
        invalid_token("The token key id is unknown")
    );
    assert_eq!(
        send(
            &app,
            get_with("/items/", &with_kid(Algorithm::RS256, Some("ec")))
        )
        .await,
        invalid_token("The token algorithm is not accepted")
    );
}

#[tokio::test]
async fn a_token_without_a_kid_is_tried_with_each_key_of_its_algorithm() {
    // Two secrets during a rotation, no ids: a token of either is accepted, the old one
    // listed first.
    let old = "an-old-secret-that-is-being-rotated-out-of-use-now";
    let verifier = Verifier::builder()
        .key(Key::hs256(old).unwrap())
        .key(Key::hs256(scopes_tests::SECRET).unwrap())
        .build()
        .unwrap();
    let rotating = app(verifier);
    let signed_with = |secret: &str| {
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims(&["items"]),
            &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
        )
        .unwrap()
    };
    assert_eq!(
        send(
            &rotating,
            get_with("/items/", &signed_with(scopes_tests::SECRET))
        )
        .await,
        ok("items")
    );
    assert_eq!(
        send(&rotating, get_with("/items/", &signed_with(old))).await,
        ok("items")
    );
    assert_eq!(
        send(
            &rotating,
            get_with(
                "/items/",
                &signed_with("a-third-secret-that-neither-key-holds-at-all")
            )
        )
        .await,
        invalid_token("The token signature is invalid")
    );

    // Keys with ids, a token without one: each key of its algorithm, never another's.
    let named = app(keys_with_ids());
    for algorithm in [Algorithm::RS256, Algorithm::ES256] {
        assert_eq!(
            send(
                &named,
                get_with("/items/", &sign(algorithm, &claims(&["items"])))
            )
            .await,
            ok("items"),
            "{algorithm:?}"
        );
    }
    assert_eq!(
        send(
            &named,
            get_with("/items/", &sign(Algorithm::PS256, &claims(&["items"])))
        )
        .await,
        invalid_token("The token algorithm is not accepted")
    );

    // Keys without ids, a token naming one: the ids are not there to choose by.
    let verifier = Verifier::builder()
        .key(Key::public_pem(Algorithm::RS256, scopes_tests::OTHER_RSA_PUBLIC).unwrap())
        .key(Key::public_pem(Algorithm::RS256, scopes_tests::RSA_PUBLIC).unwrap())
        .build()
        .unwrap();
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("anything".into());
    assert_eq!(
        send(
            &app(verifier),
            get_with("/items/", &sign_with_header(header, &claims(&["items"])))
        )
        .await,
        ok("items")
    );
}

#[tokio::test]
async fn a_bare_attribute_requires_a_valid_token_and_no_scope() {
    let app = hs_app();
    let refused = send(&app, Request::get("/health").body(Body::empty()).unwrap()).await;
    assert_eq!(refused, Reply::new(401, Some("Bearer"), NOT_AUTHENTICATED));
    let expired = sign(
        Algorithm::HS256,
        &json!({ "sub": "johndoe", "exp": now() - 3600, "scopes": [] }),
    );
    assert_eq!(
        send(&app, get_with("/health", &expired)).await,
        invalid_token("The access token expired")
    );
    assert_eq!(
        send(&app, get_with("/health", &hs256(&[]))).await,
        ok("healthy")
    );
}

/// What a layer requires of the routes behind it.
#[requires_scopes("admin")]
struct AdminOnly;

/// A refusal is answered in the refused request's own header map (it allocates none):
/// nothing of the request may be answered back, not its credentials and not its
/// framing, whether the handler takes parameters or not, from a router layer, with
/// DPoP taken, and with a rejection hook.
#[tokio::test]
async fn a_refusal_answers_nothing_of_the_request() {
    let key = || Key::hs256(scopes_tests::SECRET).unwrap();
    let verifier = Verifier::new(key()).unwrap();
    let layered: Router = Router::new()
        .route("/layered", get(|| async { "layered" }))
        .route_layer(scopes_core::RequireScopesLayer::<Scopes, AdminOnly>::new(
            &verifier,
        ))
        .merge(app(verifier));
    let dpop = app(Verifier::builder()
        .key(key())
        .dpop(scopes_core::Dpop::allowed().url_from_request())
        .build()
        .unwrap());
    let hooked = app(Verifier::builder()
        .key(key())
        .on_rejection(|rejection| rejection.reason().detail().into_response())
        .build()
        .unwrap());
    let granted = hs256(&[]);
    let forged = format!("Bearer {granted}x");
    let granted = format!("Bearer {granted}");
    // Each response holds these headers and no other, the last one once per scheme
    // challenged (the last column). The request has a body the refusal does not read:
    // its answer closes the connection.
    let names = [
        "connection",
        "content-length",
        "content-type",
        "www-authenticate",
    ];
    let cases = [
        // A handler without parameters, one with, and the layer: 403, then 401.
        (&layered, "/items/", &granted, 403, 1),
        (&layered, "/items/7", &granted, 403, 1),
        (&layered, "/layered", &granted, 403, 1),
        (&layered, "/items/", &forged, 401, 1),
        (&layered, "/layered", &forged, 401, 1),
        (
            &layered,
            "/items/",
            &"Basic am9objpzZWNyZXQ=".to_owned(),
            401,
            1,
        ),
        // DPoP taken beside bearer tokens: both schemes challenged.
        (&dpop, "/items/", &granted, 403, 2),
        (&dpop, "/items/", &forged, 401, 2),
        // A hook's response (text), with the status and challenge kept.
        (&hooked, "/items/", &granted, 403, 1),
    ];
    for (app, uri, authorization, status, challenges) in cases {
        let request = Request::get(uri)
            .header("authorization", authorization.as_str())
            .header("cookie", "session=s3cr3t")
            .header("cookie", "other=s3cr3t")
            .header("x-api-key", "k3y")
            .header("content-type", "text/plain")
            .header("content-length", "999")
            .header("transfer-encoding", "chunked")
            .header("www-authenticate", "Basic realm=\"evil\"")
            .header("dpop-nonce", "n0nce")
            .header("accept", "application/json")
            .body(Body::from(vec![b'x'; 999]))
            .unwrap();
        let response = tower::ServiceExt::oneshot(app.clone(), request)
            .await
            .unwrap();
        let what = format!("{uri} {authorization}");
        assert_eq!(response.status().as_u16(), status, "{what}");
        let headers = response.headers().clone();
        let mut written: Vec<_> = headers.keys().map(|n| n.as_str()).collect();
        written.sort_unstable();
        written.dedup();
        assert_eq!(written, names, "{what}");
        assert_eq!(headers.len(), names.len() + challenges - 1, "{what}");
        assert_eq!(
            headers.get_all("www-authenticate").iter().count(),
            challenges,
            "{what}"
        );
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        assert_eq!(headers["content-length"], body.len().to_string(), "{what}");
        for value in headers.values() {
            let value = value.to_str().unwrap();
            for secret in ["s3cr3t", "k3y", "evil", "n0nce", &granted[7..]] {
                assert!(!value.contains(secret), "{what}: {value}");
            }
        }
    }
}

/// A refusal closes an HTTP/1 connection when it leaves a body unread, and only then,
/// even behind a body wrapper that does not tell when an empty body has ended
/// (tower-http's `RequestBodyTimeoutLayer`): the request's headers say whether it has
/// one. Handlers without and with parameters, the layer, and a `GET` or a `POST`.
#[tokio::test]
async fn a_refusal_closes_the_connection_only_when_a_body_is_left_unread() {
    use tower_http::timeout::RequestBodyTimeoutLayer;
    let verifier = Verifier::new(Key::hs256(scopes_tests::SECRET).unwrap()).unwrap();
    let wrapped: Router = Router::new()
        .route(
            "/layered",
            get(|| async { "layered" }).post(|| async { "layered" }),
        )
        .route_layer(scopes_core::RequireScopesLayer::<Scopes, AdminOnly>::new(
            &verifier,
        ))
        .merge(app(verifier))
        .layer(RequestBodyTimeoutLayer::new(
            std::time::Duration::from_secs(5),
        ));
    let granted = format!("Bearer {}", hs256(&[]));
    for uri in ["/items/", "/items/7", "/layered", "/checkout"] {
        let post = uri == "/checkout";
        // No body: the connection stays open.
        let mut request = Request::builder()
            .method(if post { "POST" } else { "GET" })
            .uri(uri)
            .header("authorization", granted.as_str());
        if post {
            request = request.header("content-length", "0");
        }
        let response =
            tower::ServiceExt::oneshot(wrapped.clone(), request.body(Body::empty()).unwrap())
                .await
                .unwrap();
        assert!(response.status().is_client_error(), "{uri}");
        assert_eq!(response.headers().get("connection"), None, "{uri}");
        // A body announced and left unread: closed.
        let request = Request::builder()
            .method(if post { "POST" } else { "GET" })
            .uri(uri)
            .header("authorization", granted.as_str())
            .header("content-length", "5")
            .body(Body::from("hello"))
            .unwrap();
        let response = tower::ServiceExt::oneshot(wrapped.clone(), request)
            .await
            .unwrap();
        assert!(response.status().is_client_error(), "{uri}");
        assert_eq!(response.headers()["connection"], "close", "{uri}");
    }
}

/// Without the cache, a check that records nothing leaves its verified token's
/// allocations to the next token its thread verifies. Many users' requests at once, on
/// several threads, mixing such checks with routes that read the claims: each answer is
/// its own token's (scopes, `sub`), never another's.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_users_never_see_each_other_s_tokens() {
    let app = app(Verifier::builder()
        .key(Key::hs256(scopes_tests::SECRET).unwrap())
        .no_cache()
        .build()
        .unwrap());
    let users: Vec<(String, &[&str])> = (0..12)
        .map(|i| {
            let scopes: &[&str] = match i % 3 {
                0 => &["me", "items"],
                1 => &["me"],
                _ => &["items"],
            };
            (format!("user-{i}"), scopes)
        })
        .collect();
    let tasks = (0..600).map(|n| {
        let app = app.clone();
        let (sub, scopes) = users[n % users.len()].clone();
        tokio::spawn(async move {
            let mut claims = claims(scopes);
            claims["sub"] = sub.clone().into();
            let token = sign(Algorithm::HS256, &claims);
            let own_items = send(&app, get_with("/users/me/items/", &token)).await;
            let expected = if scopes.contains(&"me") && scopes.contains(&"items") {
                ok("own items")
            } else {
                insufficient("items me")
            };
            assert_eq!(own_items, expected, "{sub} {scopes:?}");
            let item = send(&app, get_with("/items/7?page=2", &token)).await;
            if scopes.contains(&"me") {
                assert_eq!(item, ok(&format!("item 7 page 2 of {sub}")));
            } else {
                assert_eq!(item.status, 403, "{sub} {scopes:?}");
            }
        })
    });
    for task in tasks.collect::<Vec<_>>() {
        task.await.unwrap();
    }
}

/// A middleware of the application's may replace a refusal's body: axum measures a
/// response's length outside the router's layers, so the crate writes none of its own
/// that would then frame the new body wrongly. Over real HTTP, where a stale length
/// would cut the body or leave bytes for the next response.
#[tokio::test]
async fn a_middleware_may_rewrite_a_refusal_s_body() {
    const OWN: &str = "the application's own body, longer than the crate's";
    let rewrite = |response: axum::response::Response| async move {
        match response.status().is_client_error() {
            true => response.map(|_| Body::from(OWN)),
            false => response,
        }
    };
    let app = hs_app().layer(axum::middleware::map_response(rewrite));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let me = hs256(&["me"]);
    let bearer = format!("Bearer {me}");
    for headers in [vec![], vec![("authorization", bearer.as_str())]] {
        let response = scopes_tests::http::send(addr, "GET", "/items/", &headers, "").await;
        assert!(response.status.is_client_error(), "{response:?}");
        assert_eq!(response.body, OWN);
        assert_eq!(response.header("content-length"), Some("51"));
    }
}

/// One response read off `stream`: its head (lowercased) and body, by its
/// `Content-Length`.
async fn read_response(stream: &mut tokio::net::TcpStream) -> (String, Vec<u8>) {
    use tokio::io::AsyncReadExt;
    let mut read = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = read.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&read[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length: "))
                .map_or(0, |length| length.trim().parse().unwrap());
            if read.len() >= end + 4 + length {
                return (head, read[end + 4..end + 4 + length].to_vec());
            }
        }
        let n = tokio::time::timeout(std::time::Duration::from_secs(5), stream.read(&mut chunk))
            .await
            .expect("a response within 5 s")
            .unwrap();
        assert!(n > 0, "closed before a whole response: {read:?}");
        read.extend_from_slice(&chunk[..n]);
    }
}

/// A refusal that leaves the request's body unread says that it closes the connection
/// (hyper closes it in any case when the body has not all arrived, and a client that
/// sent its next request on it would find it closed: found with the MCP Python SDK,
/// whose metadata request after its 401 failed about once in 150 connections). A
/// refusal of a request without a body keeps the connection for the next request.
#[tokio::test]
async fn a_refusal_that_leaves_the_body_unread_closes_the_connection() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, hs_app()).await });

    // No body: 401, and the connection serves the next request.
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let get = b"GET /items/ HTTP/1.1\r\nhost: localhost\r\n\r\n";
    for _ in 0..2 {
        stream.write_all(get).await.unwrap();
        let (head, _) = read_response(&mut stream).await;
        assert!(head.starts_with("http/1.1 401"), "{head}");
        assert!(!head.contains("connection:"), "{head}");
    }

    // A body announced, not yet sent: the handler without parameters, one whose next
    // parameter reads the body (`Json`), and a 403 after a valid token.
    let token = hs256(&["me"]);
    for (path, authorization) in [
        ("/checkout", String::new()),
        ("/items/", String::new()),
        ("/items/", format!("authorization: Bearer {token}\r\n")),
    ] {
        let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
        let head = format!(
            "POST {path} HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\n\
             content-length: 13\r\n{authorization}\r\n"
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        let (head, _) = read_response(&mut stream).await;
        assert!(
            head.starts_with("http/1.1 401") || head.starts_with("http/1.1 403"),
            "{head}"
        );
        assert!(head.contains("\r\nconnection: close"), "{path}: {head}");
        // And the server closes it.
        let mut rest = [0u8; 64];
        let n = tokio::time::timeout(std::time::Duration::from_secs(5), stream.read(&mut rest))
            .await
            .expect("closed within 5 s")
            .unwrap_or(0);
        assert_eq!(n, 0, "{path}");
    }
}

/// `Connection` is HTTP/1's: an HTTP/2 or HTTP/3 refusal never carries it (RFC 9113
/// §8.2.2 makes a response with it malformed), whether its check owns the request
/// (`/checkout`, a handler without parameters) or reads its parts (`/items/`), and
/// however much body is left unread. The same request over HTTP/1.1 and 1.0 says
/// `close`.
#[tokio::test]
async fn a_refusal_over_http2_never_says_connection_close() {
    use axum::http::Version;
    let app = hs_app();
    for path in ["/checkout", "/items/"] {
        for (version, close) in [
            (Version::HTTP_2, false),
            (Version::HTTP_3, false),
            (Version::HTTP_11, true),
            (Version::HTTP_10, true),
        ] {
            let request = Request::post(path)
                .version(version)
                .header("content-type", "application/json")
                .header("content-length", "13")
                .body(Body::from(r#"{"name":"x"}"#.to_owned() + " "))
                .unwrap();
            let response = tower::ServiceExt::oneshot(app.clone(), request)
                .await
                .unwrap();
            assert_eq!(response.status(), 401, "{path} {version:?}");
            assert_eq!(
                response
                    .headers()
                    .get("connection")
                    .map(|value| value.as_bytes()),
                close.then_some(&b"close"[..]),
                "{path} {version:?}"
            );
        }
    }
}

/// The same from what a refusal can see without the body: the headers an extractor of
/// the request's parts reads (a `POST` without a length, as a decompressing layer
/// leaves it, counts as one with a body), and `Verifier::refuse`'s.
#[tokio::test]
async fn a_refusal_seen_from_the_headers_closes_the_connection_too() {
    use axum::response::IntoResponse;
    let app = hs_app();
    let connection = |response: &axum::response::Response| {
        response
            .headers()
            .get("connection")
            .map(|value| value.to_str().unwrap().to_owned())
    };
    // `create_item` takes `Json`: its check is an extractor of the parts.
    for (length, close) in [(Some("13"), true), (None, true), (Some("0"), false)] {
        let mut request = Request::post("/items/").header("content-type", "application/json");
        if let Some(length) = length {
            request = request.header("content-length", length);
        }
        let request = request.body(Body::empty()).unwrap();
        let response = tower::ServiceExt::oneshot(app.clone(), request)
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
        let expected = close.then(|| "close".to_owned());
        assert_eq!(connection(&response), expected, "{length:?}");
    }
    let verifier = Verifier::new(Key::hs256(scopes_tests::SECRET).unwrap()).unwrap();
    let reason = scopes_core::AuthRejection::MissingCredentials;
    let mut headers = axum::http::HeaderMap::new();
    let refused = verifier.refuse(&headers, reason, "items").into_response();
    assert_eq!(connection(&refused), None);
    headers.insert("content-length", "5".parse().unwrap());
    let refused = verifier.refuse(&headers, reason, "items").into_response();
    assert_eq!(connection(&refused).as_deref(), Some("close"));
}
