//! Opaque tokens checked by introspection (RFC 7662), against an endpoint on 127.0.0.1
//! the tests control: the answer feeds the same checks as a JWT's claims; answers are
//! cached within their bounds and asked once for concurrent requests; every fault of
//! the endpoint refuses the request (fail closed), and none is cached.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use scopes_core::testing::{self, AuthAssertions, TestIssuer};
use scopes_core::{
    ConfigError, FetchOptions, Introspection, TokenError, TrustedIssuer, Verifier, requires_scopes,
    scope_set, scopes,
};
use serde_json::{Value, json};

scopes! {
    /// The API's scopes.
    pub Scopes {
        "items": "Read items.",
        "me": "Read yourself.",
    }
}

#[requires_scopes("items")]
async fn read_items() -> &'static str {
    "[]"
}

const ISSUER: &str = "https://auth.example.com";
const AUDIENCE: &str = "https://api.example.com";

#[derive(Clone, Copy, Debug)]
enum Behavior {
    Answer,
    /// The answer, with this `Content-Type`.
    Typed(&'static str),
    Status500,
    Status503,
    Garbage,
    Huge,
    Slow,
}

struct Endpoint {
    /// The answer for each token, as sent (`{"active": false}` for any other).
    answers: Mutex<Vec<(String, String)>>,
    behavior: Mutex<Behavior>,
    calls: AtomicUsize,
    /// What the last call carried: its `Authorization` and its form.
    last: Mutex<(Option<String>, String)>,
}

async fn introspect(
    State(endpoint): State<Arc<Endpoint>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    endpoint.calls.fetch_add(1, Ordering::SeqCst);
    let authorization = headers
        .get("authorization")
        .map(|value| value.to_str().unwrap().to_owned());
    *endpoint.last.lock().unwrap() = (authorization, body.clone());
    let behavior = *endpoint.behavior.lock().unwrap();
    match behavior {
        Behavior::Status500 => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        Behavior::Status503 => return StatusCode::SERVICE_UNAVAILABLE.into_response(),
        Behavior::Garbage => {
            return ([("content-type", "application/json")], "<html>oops</html>").into_response();
        }
        Behavior::Huge => return "x".repeat(2 << 20).into_response(),
        Behavior::Slow => tokio::time::sleep(Duration::from_secs(3)).await,
        Behavior::Answer | Behavior::Typed(_) => {}
    }
    // A short delay, so that concurrent requests overlap.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let token = url_decoded(&body, "token");
    let answers = endpoint.answers.lock().unwrap();
    let answer = answers
        .iter()
        .find(|(known, _)| *known == token)
        .map_or(json!({"active": false}).to_string(), |(_, answer)| {
            answer.clone()
        });
    let content_type = match behavior {
        Behavior::Typed(content_type) => content_type,
        _ => "application/json",
    };
    ([("content-type", content_type)], answer).into_response()
}

fn url_decoded(form: &str, name: &str) -> String {
    form.split('&')
        .find_map(|pair| pair.strip_prefix(&format!("{name}=")))
        .map(|value| {
            value
                .replace("%2B", "+")
                .replace("%2F", "/")
                .replace("%3D", "=")
        })
        .unwrap_or_default()
}

struct Server {
    url: String,
    endpoint: Arc<Endpoint>,
}

async fn start() -> Server {
    let endpoint = Arc::new(Endpoint {
        answers: Mutex::new(Vec::new()),
        behavior: Mutex::new(Behavior::Answer),
        calls: AtomicUsize::new(0),
        last: Mutex::new((None, String::new())),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/introspect", listener.local_addr().unwrap());
    let app = Router::new()
        .route("/introspect", post(introspect))
        .with_state(Arc::clone(&endpoint));
    tokio::spawn(async move { axum::serve(listener, app).await });
    Server { url, endpoint }
}

impl Server {
    fn answer(&self, token: &str, answer: Value) {
        self.answer_text(token, &answer.to_string());
    }

    /// An answer written out, for what a `Value` cannot hold (a member given twice);
    /// it replaces the token's answer before.
    fn answer_text(&self, token: &str, answer: &str) {
        let mut answers = self.endpoint.answers.lock().unwrap();
        answers.retain(|(known, _)| known != token);
        answers.push((token.to_owned(), answer.to_owned()));
    }

    fn behave(&self, behavior: Behavior) {
        *self.endpoint.behavior.lock().unwrap() = behavior;
    }

    fn calls(&self) -> usize {
        self.endpoint.calls.load(Ordering::SeqCst)
    }

    fn introspection(&self) -> Introspection {
        Introspection::new(&self.url, "my-api", "s3cret:+/")
            .fetch_options(FetchOptions::new().timeout(Duration::from_secs(1)))
    }
}

fn active(scope: &str) -> Value {
    json!({
        "active": true, "scope": scope, "client_id": "app", "sub": "alice",
        "iss": ISSUER, "aud": AUDIENCE, "exp": testing_now() + 600, "token_type": "Bearer"
    })
}

fn testing_now() -> u64 {
    scopes_tests::now()
}

fn app(verifier: Verifier) -> Router {
    Router::new()
        .route("/items", get(read_items))
        .with_state(verifier)
}

fn verifier(trusted: TrustedIssuer) -> Verifier {
    Verifier::builder().trust(trusted).build().unwrap()
}

#[tokio::test]
async fn an_opaque_token_is_checked_like_a_jwt() {
    let server = start().await;
    let app = app(verifier(
        TrustedIssuer::new(ISSUER)
            .introspection(server.introspection())
            .audience(AUDIENCE),
    ));
    server.answer("opaque-items", active("items me"));
    server.answer("opaque-me", active("me"));
    let mut other_audience = active("items");
    other_audience["aud"] = json!("https://another.example.com");
    server.answer("opaque-elsewhere", other_audience);
    let mut expired = active("items");
    expired["exp"] = json!(testing_now() - 3600);
    server.answer("opaque-expired", expired);
    let mut other_issuer = active("items");
    other_issuer["iss"] = json!("https://evil.example.com");
    server.answer("opaque-evil", other_issuer);
    let mut twice = active("items");
    twice["scope"] = json!(["items"]); // an array is also read; a duplicate is not
    server.answer("opaque-array", twice);

    let send = |token: &'static str| {
        let app = app.clone();
        async move { testing::send(&app, testing::get("/items", Some(token))).await }
    };
    send("opaque-items").await.assert_admitted();
    send("opaque-me").await.assert_insufficient_scope("items");
    send("opaque-array").await.assert_admitted();
    for (token, description) in [
        ("opaque-elsewhere", "The token audience is not accepted"),
        ("opaque-expired", "The access token expired"),
        ("opaque-evil", "The token issuer is not accepted"),
        ("unknown", "The access token is not active"),
    ] {
        let challenge = send(token).await.assert_invalid_token();
        assert_eq!(
            challenge.param("error_description"),
            Some(description),
            "{token}"
        );
    }
    // client_secret_basic: id and secret form-encoded, then base64 (RFC 6749 §2.3.1).
    let (authorization, form) = server.endpoint.last.lock().unwrap().clone();
    assert_eq!(
        authorization.as_deref(),
        Some("Basic bXktYXBpOnMzY3JldCUzQSUyQiUyRg==")
    );
    assert!(form.contains("token_type_hint=access_token"), "{form}");
    assert!(!form.contains("client_secret"), "{form}");
}

#[tokio::test]
async fn answers_are_cached_within_bounds_and_asked_once() {
    let server = start().await;
    let verifier = verifier(
        TrustedIssuer::new(ISSUER)
            .introspection(
                server
                    .introspection()
                    .cache_ceiling(Duration::from_millis(400)),
            )
            .audience(AUDIENCE),
    );
    server.answer("opaque", active("items"));
    // Ten concurrent requests with one token: one call.
    let requests = (0..10).map(|_| {
        let verifier = verifier.clone();
        tokio::spawn(async move { verifier.verify("opaque").await })
    });
    for request in requests {
        assert!(request.await.unwrap().is_ok());
    }
    assert_eq!(server.calls(), 1);
    // Cached, until the ceiling.
    verifier.verify("opaque").await.unwrap();
    assert_eq!(server.calls(), 1);
    tokio::time::sleep(Duration::from_millis(500)).await;
    verifier.verify("opaque").await.unwrap();
    assert_eq!(server.calls(), 2);
    // An inactive answer is remembered briefly.
    assert_eq!(
        verifier.verify("nope").await.unwrap_err(),
        TokenError::Inactive
    );
    assert_eq!(
        verifier.verify("nope").await.unwrap_err(),
        TokenError::Inactive
    );
    assert_eq!(server.calls(), 3);
}

#[tokio::test]
async fn every_fault_of_the_endpoint_refuses_and_is_not_cached() {
    let server = start().await;
    let verifier = verifier(
        TrustedIssuer::new(ISSUER)
            .introspection(server.introspection())
            .audience(AUDIENCE),
    );
    server.answer("opaque", active("items"));
    for behavior in [Behavior::Status500, Behavior::Huge, Behavior::Slow] {
        server.behave(behavior);
        let started = std::time::Instant::now();
        assert_eq!(
            verifier.verify("opaque").await.unwrap_err(),
            TokenError::IntrospectionFailed,
            "{behavior:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(3), "{behavior:?}");
    }
    // Of these only the timeout says the endpoint is down (a 500 or an oversized body
    // could be the token's doing): one, not enough to pause the calls (the calls below
    // show it).
    assert_eq!(server.calls(), 3);
    // Not application/json (RFC 7662 §2.2), whatever the body holds: not the
    // endpoint's answer (a login page, a proxy's), so the token could not be checked.
    // A charset or another case of the type is fine.
    for content_type in [
        "text/html",
        "text/plain; charset=utf-8",
        "application/jwt",
        "",
    ] {
        server.behave(Behavior::Typed(content_type));
        assert_eq!(
            verifier.verify("opaque").await.unwrap_err(),
            TokenError::IntrospectionFailed,
            "{content_type:?}"
        );
    }
    assert_eq!(server.calls(), 7, "each asked: not paused, not remembered");
    for (token, content_type) in [
        ("opaque-charset", "application/json; charset=UTF-8"),
        ("opaque-case", "Application/JSON"),
    ] {
        server.answer(token, active("items"));
        server.behave(Behavior::Typed(content_type));
        verifier.verify(token).await.unwrap();
    }
    // A body typed as JSON that is no answer at all: the token is refused as invalid
    // (RFC 7662 §2.2 leaves no other reading), and that is not remembered either.
    server.behave(Behavior::Garbage);
    for _ in 0..2 {
        assert_eq!(
            verifier.verify("opaque").await.unwrap_err(),
            TokenError::UnreadableIntrospection
        );
    }
    assert_eq!(server.calls(), 11, "each asked: not paused, not remembered");
    // Back to normal: nothing of the faults was cached.
    server.behave(Behavior::Answer);
    verifier.verify("opaque").await.unwrap();
    // Down: a closed port.
    let down = verifier_for("http://127.0.0.1:9/introspect");
    assert_eq!(
        down.verify("opaque").await.unwrap_err(),
        TokenError::IntrospectionFailed
    );
    // Refused without blaming the token: 503, no challenge, try again later.
    let app = app(down);
    let refused = testing::send(&app, testing::get("/items", Some("opaque"))).await;
    refused.assert_unavailable();
    assert_eq!(refused.header("retry-after"), Some("10"));
    assert_eq!(
        refused.text(),
        r#"{"detail":"The credentials could not be checked; try again later"}"#
    );
}

#[tokio::test]
async fn an_answer_that_is_not_one_refuses_the_token_and_is_not_remembered() {
    let server = start().await;
    let verifier = verifier(
        TrustedIssuer::new(ISSUER)
            .introspection(server.introspection())
            .audience(AUDIENCE),
    );
    // Not an introspection answer (RFC 7662 §2.2: a JSON object whose `active` is a
    // boolean, required).
    let unreadable = [
        ("array", json!([active("items")]).to_string()),
        ("null", "null".to_owned()),
        ("string", r#""active""#.to_owned()),
        (
            "active-string",
            json!({"active": "true", "scope": "items"}).to_string(),
        ),
        (
            "active-number",
            json!({"active": 1, "scope": "items"}).to_string(),
        ),
        ("active-null", json!({"active": null}).to_string()),
        (
            "no-active",
            json!({"scope": "items", "aud": AUDIENCE}).to_string(),
        ),
        ("trailing", format!("{} x", active("items"))),
        (
            "active-twice",
            format!(r#"{{"active":false,{}"#, &active("items").to_string()[1..]),
        ),
    ];
    for (token, answer) in &unreadable {
        server.answer_text(token, answer);
    }
    // JSON serde_json reads, but nested deeper than the claims' pass goes.
    let mut deep = json!(1);
    for _ in 0..300 {
        deep = json!([deep]);
    }
    let mut answer = active("items");
    answer["x"] = deep;
    server.answer("deep", answer);
    // A member the pass reads, given twice (RFC 7519 §4 lets a parser keep either).
    let twice = active("items").to_string();
    let twice = format!(r#"{},"scope":"items me"}}"#, twice.trim_end_matches('}'));
    server.answer_text("twice", &twice);
    let mut calls = 0;
    let mut cases: Vec<(&str, TokenError)> = unreadable
        .iter()
        .map(|(token, _)| (*token, TokenError::UnreadableIntrospection))
        .collect();
    cases.push(("deep", TokenError::UnreadableIntrospection));
    cases.push(("twice", TokenError::UnreadableIntrospection));
    // Claims of the wrong type or out of range: refused for what they say, as the same
    // claims in a JWT would be.
    for (token, claim, value, why) in [
        (
            "wrong-type",
            "sub",
            json!(42),
            TokenError::InvalidClaim("sub"),
        ),
        (
            "wrong-scope",
            "scope",
            json!({"items": true}),
            TokenError::InvalidScopeClaim,
        ),
        (
            "future-login",
            "auth_time",
            json!(testing_now() + 3600),
            TokenError::InvalidClaim("auth_time"),
        ),
        (
            "negative-exp",
            "exp",
            json!(-5),
            TokenError::InvalidClaim("exp"),
        ),
    ] {
        let mut answer = active("items");
        answer[claim] = value;
        server.answer(token, answer);
        cases.push((token, why));
    }
    for (token, why) in &cases {
        for _ in 1..=2 {
            assert_eq!(verifier.verify(token).await.unwrap_err(), *why, "{token}");
            // Not remembered: asked again.
            calls += 1;
            assert_eq!(server.calls(), calls, "{token}");
        }
    }
    // FastAPI's `scopes` as a string: refused in a JWT (FastAPI mints an array), read
    // as any scope claim in an answer (RFC 7662 names `scope` alone).
    let mut scopes_string = active("");
    scopes_string["scopes"] = json!("items me");
    server.answer("scopes-string", scopes_string);
    let verified = verifier.verify("scopes-string").await.unwrap();
    assert_eq!(verified.scopes().collect::<Vec<_>>(), ["items", "me"]);
    // Over HTTP: 401 `invalid_token` (a new token may be answered well), never 503.
    let app = app(verifier);
    for (token, _) in &cases {
        let refused = testing::send(&app, testing::get("/items", Some(token))).await;
        refused.assert_invalid_token();
    }
}

#[test]
fn an_empty_client_id_or_secret_is_refused_at_build() {
    for (id, secret, setting) in [("my-api", "", "client_secret"), ("", "s3cret", "client_id")] {
        let built = Verifier::builder()
            .trust(
                TrustedIssuer::new(ISSUER)
                    .introspection(Introspection::new("https://auth.example.com/i", id, secret))
                    .audience(AUDIENCE),
            )
            .build();
        assert_eq!(built.unwrap_err(), ConfigError::EmptySetting(setting));
    }
}

fn verifier_for(endpoint: &str) -> Verifier {
    verifier(
        TrustedIssuer::new(ISSUER)
            .introspection(Introspection::new(endpoint, "my-api", "secret"))
            .audience(AUDIENCE),
    )
}

#[tokio::test]
async fn jwts_of_the_keys_stay_local_and_the_rest_is_introspected() {
    let server = start().await;
    let issuer = TestIssuer::hs256()
        .with_issuer(ISSUER)
        .with_audience(AUDIENCE);
    let verifier = verifier(
        TrustedIssuer::new(ISSUER)
            .key(issuer.key())
            .audience(AUDIENCE)
            .introspection(server.introspection().client_secret_post()),
    );
    server.answer("opaque", active("items"));
    let jwt = issuer.mint("alice", scope_set!("items"));
    verifier.verify(&jwt).await.unwrap();
    verifier.verify("opaque").await.unwrap();
    assert_eq!(server.calls(), 1);
    // A JWT the keys cover but refuse is never introspected.
    let forged = issuer.token(scope_set!("items")).tampered().mint();
    server.answer(&forged, active("items"));
    assert_eq!(
        verifier.verify(&forged).await.unwrap_err(),
        TokenError::BadSignature
    );
    assert_eq!(server.calls(), 1);
    // client_secret_post: the credentials in the form, no Authorization.
    let (authorization, form) = server.endpoint.last.lock().unwrap().clone();
    assert_eq!(authorization, None);
    assert!(
        form.contains("client_id=my-api") && form.contains("client_secret=s3cret"),
        "{form}"
    );
    // A token longer than any an authorization server hands out: no call (nor room in
    // the cache for its answer).
    let calls = server.calls();
    assert_eq!(
        verifier.verify(&"x".repeat(20 * 1024)).await.unwrap_err(),
        TokenError::Malformed
    );
    assert_eq!(server.calls(), calls);
    // An encrypted token (a compact JWE, RFC 7516 §7.1: five segments) only its issuer
    // can read: introspected, whatever its header's algorithms.
    use base64::Engine as _;
    let encoded = |text: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text);
    for header in [
        r#"{"alg":"RSA-OAEP-256","enc":"A256GCM"}"#,
        r#"{"alg":"dir","enc":"A128CBC-HS256"}"#,
    ] {
        let jwe = format!(
            "{}..{}.{}.{}",
            encoded(header),
            encoded("iv"),
            encoded("x"),
            encoded("tag")
        );
        server.answer(&jwe, active("items"));
        let calls = server.calls();
        verifier.verify(&jwe).await.unwrap();
        assert_eq!(server.calls(), calls + 1);
    }
}

#[test]
fn an_endpoint_must_be_https_and_the_secret_is_never_shown() {
    let error = Verifier::builder()
        .trust(TrustedIssuer::new(ISSUER).introspection(Introspection::new(
            "http://auth.example.com/i",
            "a",
            "b",
        )))
        .build()
        .unwrap_err();
    assert_eq!(
        error,
        ConfigError::InsecureIntrospectionEndpoint("http://auth.example.com/i".to_owned())
    );
    let debug = format!(
        "{:?}",
        Introspection::new("https://auth.example.com/i", "a", "hunter2")
    );
    assert!(!debug.contains("hunter2"), "{debug}");
}

#[tokio::test]
async fn another_issuer_s_jwt_is_refused_never_sent_to_the_endpoint() {
    let server = start().await;
    let local = TestIssuer::hs256()
        .with_issuer("https://b.example.com")
        .with_audience(AUDIENCE);
    let verifier = Verifier::builder()
        .trust(
            TrustedIssuer::new(ISSUER)
                .introspection(server.introspection())
                .audience(AUDIENCE),
        )
        .trust(
            TrustedIssuer::new("https://b.example.com")
                .key(local.key())
                .audience(AUDIENCE),
        )
        .build()
        .unwrap();
    // The endpoint would say yes to anything.
    let stranger = TestIssuer::hs256()
        .with_issuer("https://c.example.com")
        .with_audience(AUDIENCE)
        .mint("mallory", scope_set!("items"));
    server.answer(
        &stranger,
        json!({"active": true, "scope": "items", "aud": AUDIENCE}),
    );
    assert_eq!(
        verifier.verify(&stranger).await.unwrap_err(),
        TokenError::WrongIssuer
    );
    // A JWT with a header the verifier refuses is refused as such.
    let none = format!(
        "{}.{}.",
        "eyJhbGciOiJub25lIn0", "eyJpc3MiOiJodHRwczovL2IuZXhhbXBsZS5jb20ifQ"
    );
    server.answer(
        &none,
        json!({"active": true, "scope": "items", "aud": AUDIENCE}),
    );
    assert_eq!(
        verifier.verify(&none).await.unwrap_err(),
        TokenError::AlgorithmNotAllowed
    );
    assert_eq!(server.calls(), 0);
    // The trusted JWT issuer's tokens verify locally; opaque ones are introspected.
    verifier
        .verify(&local.mint("alice", scope_set!("items")))
        .await
        .unwrap();
    server.answer("opaque", active("items"));
    verifier.verify("opaque").await.unwrap();
    assert_eq!(server.calls(), 1);
    // Two introspecting issuers: an opaque token could go to either.
    let twice = Verifier::builder()
        .trust(TrustedIssuer::new(ISSUER).introspection(server.introspection()))
        .trust(TrustedIssuer::new("https://b.example.com").introspection(server.introspection()))
        .build()
        .unwrap_err();
    assert_eq!(twice, ConfigError::IntrospectionTwice);
}

#[tokio::test]
async fn refresh_tokens_and_key_bound_tokens_are_not_bearer_tokens() {
    let server = start().await;
    let verifier = verifier(
        TrustedIssuer::new(ISSUER)
            .introspection(server.introspection())
            .audience(AUDIENCE),
    );
    let mut refresh = active("items");
    refresh["token_type"] = json!("refresh_token");
    server.answer("refresh", refresh);
    let mut bound = active("items");
    bound["token_type"] = json!("DPoP");
    bound["cnf"] = json!({"jkt": "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"});
    server.answer("bound", bound);
    let mut bound_bearer = active("items");
    bound_bearer["cnf"] = json!({"jkt": "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"});
    server.answer("bound-bearer", bound_bearer);
    let mut lowercase = active("items");
    lowercase["token_type"] = json!("bearer");
    server.answer("lowercase", lowercase);
    for token in ["refresh", "bound", "bound-bearer"] {
        assert_eq!(
            verifier.verify(token).await.unwrap_err(),
            TokenError::NotBearer,
            "{token}"
        );
    }
    verifier.verify("lowercase").await.unwrap();
}

#[tokio::test]
async fn a_failing_endpoint_is_paused_then_tried_by_one_call_at_a_time() {
    let server = start().await;
    // Margins for a loaded CI machine: each step that must land within a pause is a
    // few in-process calls; the doubling's timing is a unit test's (introspect.rs).
    let pause = Duration::from_millis(600);
    let verifier = verifier(
        TrustedIssuer::new(ISSUER)
            .introspection(
                server
                    .introspection()
                    .pause_after_failures(2, pause, pause * 2),
            )
            .audience(AUDIENCE),
    );
    let refused = |result: Result<_, TokenError>| {
        assert_eq!(result.unwrap_err(), TokenError::IntrospectionFailed);
    };
    server.answer("opaque", active("items"));
    // Failures a token could cause (a 500, say) never pause the calls: no client may
    // pause them for everyone.
    server.behave(Behavior::Status500);
    for token in ["x", "y", "z"] {
        refused(verifier.verify(token).await);
    }
    assert_eq!(server.calls(), 3);
    // An endpoint down (503, no connection, no answer in time) is another matter. One
    // failure is not an outage: the next token calls.
    server.behave(Behavior::Status503);
    refused(verifier.verify("a").await);
    refused(verifier.verify("b").await);
    assert_eq!(server.calls(), 5);
    // Two in a row pause the calls: any token not cached is refused without a call,
    // and answered 503 (no challenge: the client keeps its token).
    let started = std::time::Instant::now();
    for token in ["c", "d", "opaque"] {
        refused(verifier.verify(token).await);
    }
    assert!(started.elapsed() < pause);
    let refusal = testing::send(
        &app(verifier.clone()),
        testing::get("/items", Some("opaque")),
    )
    .await;
    refusal.assert_unavailable();
    assert_eq!(server.calls(), 5);
    // After the pause one call tries; it fails, and a new pause starts (twice as long).
    tokio::time::sleep(pause + Duration::from_millis(50)).await;
    refused(verifier.verify("e").await);
    assert_eq!(server.calls(), 6);
    refused(verifier.verify("f").await);
    assert_eq!(server.calls(), 6, "paused again");
    // Back up. Once the pause is over, of four tokens at once one call tries (the
    // endpoint takes 50 ms) and the others are refused meanwhile.
    server.behave(Behavior::Answer);
    tokio::time::sleep(pause * 2 + Duration::from_millis(50)).await;
    let requests: Vec<_> = ["opaque", "g", "h", "i"]
        .into_iter()
        .map(|token| {
            let verifier = verifier.clone();
            tokio::spawn(async move { verifier.verify(token).await })
        })
        .collect();
    let mut outcomes = Vec::new();
    for request in requests {
        outcomes.push(request.await.unwrap().err());
    }
    assert_eq!(server.calls(), 7, "{outcomes:?}");
    let unavailable = outcomes
        .iter()
        .filter(|outcome| **outcome == Some(TokenError::IntrospectionFailed))
        .count();
    assert_eq!(unavailable, 3, "{outcomes:?}");
    // The good answer ended the outage: every token calls again.
    verifier.verify("opaque").await.unwrap();
    assert_eq!(
        verifier.verify("j").await.unwrap_err(),
        TokenError::Inactive
    );
    // Never paused with `failures` 0.
    let never = self::verifier(
        TrustedIssuer::new(ISSUER)
            .introspection(server.introspection().pause_after_failures(0, pause, pause))
            .audience(AUDIENCE),
    );
    server.behave(Behavior::Status503);
    let before = server.calls();
    for token in ["k", "l", "m", "n"] {
        refused(never.verify(token).await);
    }
    assert_eq!(server.calls(), before + 4);
}

#[tokio::test]
async fn a_failed_call_answers_every_waiting_request_at_once() {
    let server = start().await;
    let verifier = verifier(
        TrustedIssuer::new(ISSUER)
            .introspection(server.introspection())
            .audience(AUDIENCE),
    );
    server.answer("opaque", active("items"));
    server.behave(Behavior::Slow);
    let started = std::time::Instant::now();
    let requests: Vec<_> = (0..4)
        .map(|_| {
            let verifier = verifier.clone();
            tokio::spawn(async move { verifier.verify("opaque").await })
        })
        .collect();
    for request in requests {
        assert_eq!(
            request.await.unwrap().unwrap_err(),
            TokenError::IntrospectionFailed
        );
    }
    // One call, one timeout (1 s), not one per request.
    assert_eq!(server.calls(), 1);
    assert!(started.elapsed() < Duration::from_millis(1900));
    // The failure is not remembered: the next request asks again.
    server.behave(Behavior::Answer);
    verifier.verify("opaque").await.unwrap();
    assert_eq!(server.calls(), 2);
}

#[tokio::test]
async fn exp_bounds_the_cache_and_an_answer_may_omit_exp_and_iss() {
    let server = start().await;
    let verifier = verifier(
        TrustedIssuer::new(ISSUER)
            .introspection(server.introspection())
            .audience(AUDIENCE),
    );
    let mut soon = active("items");
    soon["exp"] = json!(testing_now() + 1);
    server.answer("soon", soon);
    server.answer(
        "bare",
        json!({"active": true, "scope": "items", "aud": AUDIENCE}),
    );
    verifier.verify("soon").await.unwrap();
    verifier.verify("bare").await.unwrap();
    assert_eq!(server.calls(), 2);
    // `exp` passed: the cached answer is not used any more, the endpoint is asked again.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let _ = verifier.verify("soon").await;
    assert_eq!(server.calls(), 3);
    // An answer without the configured audience is refused.
    server.answer("no-aud", json!({"active": true, "scope": "items"}));
    assert_eq!(
        verifier.verify("no-aud").await.unwrap_err(),
        TokenError::MissingClaim("aud")
    );
}

#[tokio::test]
async fn an_introspected_dpop_token_is_accepted_with_its_proof_only() {
    use scopes_core::Dpop;
    use scopes_core::testing::{BearerExt, DpopKey};
    let server = start().await;
    let verifier = Verifier::builder()
        .trust(
            TrustedIssuer::new(ISSUER)
                .introspection(server.introspection())
                .audience(AUDIENCE),
        )
        .dpop(Dpop::allowed().url_from_request())
        .build()
        .unwrap();
    let client = DpopKey::es256();
    let mut bound = active("items");
    bound["token_type"] = json!("DPoP");
    bound["cnf"] = json!({ "jkt": client.thumbprint() });
    server.answer("opaque-bound", bound);
    let app = app(verifier);
    let request = |proof: &str| {
        axum::http::Request::get("/items")
            .header("host", "api.test")
            .dpop("opaque-bound", proof)
            .body(axum::body::Body::empty())
            .unwrap()
    };
    let proof = client
        .proof("GET", "http://api.test/items")
        .token("opaque-bound")
        .sign();
    testing::send(&app, request(&proof)).await.assert_admitted();
    // Another key's proof.
    let other = DpopKey::es256()
        .proof("GET", "http://api.test/items")
        .token("opaque-bound")
        .sign();
    testing::send(&app, request(&other))
        .await
        .assert_invalid_token();
    // As `Bearer`.
    testing::send(&app, testing::get("/items", Some("opaque-bound")))
        .await
        .assert_invalid_token();
    assert_eq!(server.calls(), 1);
}

#[tokio::test]
async fn instances_sharing_a_store_ask_the_endpoint_once() {
    use scopes_core::store::MemoryStore;
    let server = start().await;
    let store = Arc::new(MemoryStore::default());
    let instance = || {
        verifier(
            TrustedIssuer::new(ISSUER)
                .introspection(server.introspection().store(store.clone()))
                .audience(AUDIENCE),
        )
    };
    server.answer("opaque", active("items"));
    let (one, two, three) = (instance(), instance(), instance());
    one.verify("opaque").await.unwrap();
    two.verify("opaque").await.unwrap();
    three.verify("opaque").await.unwrap();
    assert_eq!(server.calls(), 1);
    // Inactive answers are shared too, briefly.
    one.verify("nope").await.unwrap_err();
    assert_eq!(two.verify("nope").await.unwrap_err(), TokenError::Inactive);
    assert_eq!(server.calls(), 2);
    // The store holds digests, never the token.
    assert_eq!(store.len(), 2);
    // A store that is down: each instance asks the endpoint itself, and still admits.
    let down = Arc::new(scopes_tests::DownStore);
    let alone = verifier(
        TrustedIssuer::new(ISSUER)
            .introspection(server.introspection().store(down))
            .audience(AUDIENCE),
    );
    alone.verify("opaque").await.unwrap();
    assert_eq!(server.calls(), 3);
}

/// A store that misbehaves: its writer rewrites every answer it keeps (`items` becomes
/// `admin`), or it keeps every entry forever whatever its time to live (as a database
/// whose expiry runs late would).
#[derive(Debug, Default)]
struct Odd {
    store: scopes_core::store::MemoryStore,
    forging: bool,
    forever: bool,
}

impl scopes_core::store::Store for Odd {
    fn get<'a>(&'a self, key: &'a str) -> scopes_core::store::StoreFuture<'a, Option<Vec<u8>>> {
        self.store.get(key)
    }

    fn set<'a>(
        &'a self,
        key: &'a str,
        value: &'a [u8],
        ttl: Duration,
    ) -> scopes_core::store::StoreFuture<'a, ()> {
        let value = match self.forging {
            true => String::from_utf8_lossy(value)
                .replace("items", "admin")
                .into_bytes(),
            false => value.to_vec(),
        };
        let ttl = match self.forever {
            true => Duration::from_secs(3600),
            false => ttl,
        };
        Box::pin(async move { self.store.set(key, &value, ttl).await })
    }

    fn set_if_absent<'a>(
        &'a self,
        key: &'a str,
        value: &'a [u8],
        ttl: Duration,
    ) -> scopes_core::store::StoreFuture<'a, bool> {
        self.store.set_if_absent(key, value, ttl)
    }
}

#[tokio::test]
async fn an_answer_rewritten_in_the_store_is_not_believed() {
    let server = start().await;
    let store = Arc::new(Odd {
        forging: true,
        ..Odd::default()
    });
    let instance = || {
        verifier(
            TrustedIssuer::new(ISSUER)
                .introspection(server.introspection().store(store.clone()))
                .audience(AUDIENCE),
        )
    };
    server.answer("opaque", active("items"));
    let (one, two) = (instance(), instance());
    one.verify("opaque").await.unwrap();
    // The rewritten answer fails its MAC: the endpoint is asked again, and its answer
    // is the one believed.
    let token = two.verify("opaque").await.unwrap();
    assert_eq!(token.scopes().collect::<Vec<_>>(), ["items"]);
    assert_eq!(server.calls(), 2);
}

#[tokio::test]
async fn a_kept_answer_is_not_believed_past_the_cache_ceiling() {
    let server = start().await;
    let store = Arc::new(Odd {
        forever: true,
        ..Odd::default()
    });
    let instance = || {
        verifier(
            TrustedIssuer::new(ISSUER)
                .introspection(
                    server
                        .introspection()
                        .store(store.clone())
                        .cache_ceiling(Duration::from_millis(500)),
                )
                .audience(AUDIENCE),
        )
    };
    server.answer("revoked", active("items"));
    instance().verify("revoked").await.unwrap();
    // Another instance within the ceiling takes the kept answer.
    instance().verify("revoked").await.unwrap();
    assert_eq!(server.calls(), 1);
    // Revoked; past the ceiling the kept answer is stale, whatever the store says, and
    // the endpoint is asked.
    server.answer("revoked", json!({"active": false}));
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(
        instance().verify("revoked").await.unwrap_err(),
        TokenError::Inactive
    );
    assert_eq!(server.calls(), 2);
}

#[tokio::test]
async fn required_claims_hold_for_introspected_tokens() {
    let server = start().await;
    let app = app(verifier(
        TrustedIssuer::new(ISSUER)
            .introspection(server.introspection())
            .audience(AUDIENCE)
            .require_claim("client_id", "app"),
    ));
    server.answer("opaque-app", active("items"));
    let mut other_client = active("items");
    other_client["client_id"] = json!("another-app");
    server.answer("opaque-other", other_client);
    let send = |token: &'static str| {
        let app = app.clone();
        async move { testing::send(&app, testing::get("/items", Some(token))).await }
    };
    send("opaque-app").await.assert_admitted();
    let challenge = send("opaque-other").await.assert_invalid_token();
    assert_eq!(
        challenge.param("error_description"),
        Some("The token lacks a required claim value")
    );
}
