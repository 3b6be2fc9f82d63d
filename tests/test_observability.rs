//! What operators see: one `tracing` event per refusal (target `scopes_core::refusal`)
//! with a stable reason code, the verifier, the required and granted scopes, and for
//! claims of another shape the field and the type expected; admissions at TRACE
//! (`scopes_core::admit`); the `metrics` counters and histogram. Never the token.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::routing::get;
use metrics_util::debugging::{DebugValue, DebuggingRecorder};
use scopes_core::testing::{self, AuthAssertions, TestIssuer};
use scopes_core::{Claims, Verifier, requires_scopes, scope_set, scopes};
use serde::Deserialize;
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::{Layer, Registry};

scopes! {
    /// The test API's scopes.
    pub Scopes {
        "items": "Read items.",
        "me": "Read yourself.",
    }
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Profile {
    sub: String,
    age: u32,
}

#[requires_scopes("items")]
async fn read_items() -> &'static str {
    "[]"
}

#[requires_scopes("me")]
async fn profile(Claims(profile): Claims<Profile>) -> String {
    profile.age.to_string()
}

async fn maybe(claims: Option<Claims<Profile>>) -> &'static str {
    if claims.is_some() {
        "someone"
    } else {
        "anyone"
    }
}

/// Claims whose shape puts the token's text in serde's errors: a map's keys, and a
/// type's own check that quotes its input.
#[derive(Deserialize)]
#[allow(dead_code)]
struct Settings {
    prefs: BTreeMap<String, u32>,
    email: Email,
}

#[derive(Deserialize)]
#[serde(try_from = "String")]
struct Email;

impl TryFrom<String> for Email {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        match text.contains('@') {
            true => Ok(Email),
            false => Err(format!("not an email address: {text}")),
        }
    }
}

#[requires_scopes("me")]
async fn settings(Claims(_): Claims<Settings>) {}

fn app(issuer: &TestIssuer) -> Router {
    Router::new()
        .route("/items", get(read_items))
        .route("/settings", get(settings))
        .route("/profile", get(profile))
        .route("/maybe", get(maybe))
        .with_state(issuer.verifier())
}

/// One captured event: its target, level and fields as text.
#[derive(Debug, Clone)]
struct Event {
    target: String,
    level: tracing::Level,
    fields: BTreeMap<String, String>,
}

impl Event {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
}

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<Event>>>);

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

impl<S: tracing::Subscriber> Layer<S> for Capture {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        self.0.lock().unwrap().push(Event {
            target: event.metadata().target().to_owned(),
            level: *event.metadata().level(),
            fields,
        });
    }
}

/// Runs `future` on this thread with the capturing subscriber (every level) and a
/// local metrics recorder; returns the events and the metrics it recorded.
fn observed<F: Future>(future: F) -> (Vec<Event>, BTreeMap<String, DebugValue>) {
    let capture = Capture::default();
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let subscriber = Registry::default().with(capture.clone());
    tracing::subscriber::with_default(subscriber, || {
        metrics::with_local_recorder(&recorder, || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(future)
        })
    });
    let metrics = snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .map(|(key, _, _, value)| {
            let key = key.key();
            let mut name = key.name().to_owned();
            for label in key.labels() {
                name.push_str(&format!("{{{}={}}}", label.key(), label.value()));
            }
            (name, value)
        })
        .collect();
    let events = capture.0.lock().unwrap().clone();
    (events, metrics)
}

fn refusals(events: &[Event]) -> Vec<&Event> {
    events
        .iter()
        .filter(|event| event.target == "scopes_core::refusal")
        .collect()
}

/// Sends `token` to `path` of `app`, which must refuse it as `invalid_token` with one
/// refusal event: that event.
fn invalid_token_event(app: &Router, path: &str, token: &str) -> Event {
    let (events, _) = observed(async {
        testing::send(app, testing::get(path, Some(token)))
            .await
            .assert_invalid_token();
    });
    let refused = refusals(&events);
    assert_eq!(refused.len(), 1, "{events:#?}");
    refused[0].clone()
}

#[test]
fn each_refusal_is_one_event_with_its_code_and_scopes() {
    let issuer = TestIssuer::hs256();
    let app = app(&issuer);
    let reader = issuer.mint("alice", scope_set!("me"));
    let expired = issuer.token(scope_set!("items")).expired().mint();
    let (events, _) = observed(async {
        testing::send(&app, testing::get("/items", Some(&reader)))
            .await
            .assert_insufficient_scope("items");
        testing::send(&app, testing::get("/items", Some(&expired)))
            .await
            .assert_invalid_token();
        testing::send(&app, testing::get("/items", None))
            .await
            .assert_missing_credentials();
    });
    let refused = refusals(&events);
    assert_eq!(refused.len(), 3, "{events:#?}");
    let [forbidden, expired, missing] = [refused[0], refused[1], refused[2]];

    assert_eq!(forbidden.level, tracing::Level::INFO);
    assert_eq!(forbidden.field("reason"), Some("insufficient_scope"));
    assert_eq!(forbidden.field("status"), Some("403"));
    assert_eq!(forbidden.field("verifier"), Some("https://issuer.test"));
    assert_eq!(forbidden.field("issuer"), Some("https://issuer.test"));
    assert_eq!(forbidden.field("required"), Some("items"));
    assert_eq!(forbidden.field("granted"), Some("me"));
    assert_eq!(forbidden.field("message"), Some("request refused"));

    assert_eq!(expired.field("reason"), Some("invalid_token.expired"));
    assert_eq!(expired.field("status"), Some("401"));
    // The 401 challenge does not name the scopes; the event does.
    assert_eq!(expired.field("required"), Some("items"));
    assert_eq!(expired.field("granted"), None);
    assert_eq!(expired.field("detail"), Some("The access token expired"));

    assert_eq!(missing.field("reason"), Some("missing_credentials"));
}

#[test]
fn a_verified_token_s_issuer_and_scopes_are_escaped_and_cut_in_events() {
    // A verifier of keys alone checks no `iss`: what a signed token says there reaches
    // the event, as its scope names do, one line whatever they hold.
    let issuer = TestIssuer::hs256();
    let app = Router::new()
        .route("/items", get(read_items))
        .with_state(Verifier::new(issuer.key()).unwrap());
    let forged_line = issuer
        .token(scope_set!("me"))
        .claim("iss", "https://a.test/\nINFO admitted\u{2028}")
        .claim("scope", "me\nINFO admitted")
        .without("aud")
        .mint();
    let long = issuer
        .token(scope_set!("me"))
        .claim("iss", "x".repeat(100_000))
        .without("aud")
        .mint();
    let (events, _) = observed(async {
        for token in [&forged_line, &long] {
            testing::send(&app, testing::get("/items", Some(token)))
                .await
                .assert_insufficient_scope("items");
        }
    });
    let refused = refusals(&events);
    assert_eq!(refused.len(), 2, "{events:#?}");
    assert_eq!(
        refused[0].field("issuer"),
        Some("https://a.test/\\u{a}INFO admitted\\u{2028}")
    );
    // A name with a line break is no scope token (RFC 6749 §3.3): not granted, not named.
    assert_eq!(refused[0].field("granted"), Some("admitted"));
    assert_eq!(
        refused[1].field("issuer"),
        Some(format!("{}…", "x".repeat(120)).as_str())
    );
}

#[test]
fn a_wrong_audience_or_issuer_names_what_the_token_says_and_what_is_accepted() {
    let issuer = TestIssuer::hs256();
    let app = app(&issuer);
    let for_another = issuer.token(scope_set!("items")).wrong_audience().mint();
    let keycloak_like = issuer
        .token(scope_set!("items"))
        .claim("aud", serde_json::json!(["account", "a\nforged line", 7]))
        .mint();
    let long = "x".repeat(500);
    let elsewhere = issuer
        .token(scope_set!("items"))
        .claim("iss", long.as_str())
        .mint();
    let expired = issuer.token(scope_set!("items")).expired().mint();
    let (events, _) = observed(async {
        for token in [&for_another, &keycloak_like, &elsewhere, &expired] {
            testing::send(&app, testing::get("/items", Some(token)))
                .await
                .assert_invalid_token();
        }
    });
    let refused = refusals(&events);
    assert_eq!(refused.len(), 4, "{events:#?}");
    let [audience, keycloak, issuer_event, expired] =
        [refused[0], refused[1], refused[2], refused[3]];
    assert_eq!(
        audience.field("reason"),
        Some("invalid_token.wrong_audience")
    );
    assert_eq!(
        audience.field("token_aud"),
        Some("https://another-api.test")
    );
    assert_eq!(audience.field("audiences"), Some(testing::TEST_AUDIENCE));
    assert_eq!(audience.field("token_iss"), Some("https://issuer.test"));
    // Strings only, what is not printable ASCII escaped: the line stays one line.
    assert_eq!(
        keycloak.field("token_aud"),
        Some("account a\\u{a}forged line")
    );
    assert_eq!(
        issuer_event.field("reason"),
        Some("invalid_token.wrong_issuer")
    );
    let named = issuer_event.field("token_iss").unwrap();
    assert_eq!(named, format!("{}…", "x".repeat(120)));
    assert_eq!(issuer_event.field("audiences"), None);
    // Other refusals say nothing of it.
    assert_eq!(expired.field("token_aud"), None);
    assert_eq!(expired.field("token_iss"), None);
}

#[test]
fn the_audiences_named_are_those_of_the_tokens_issuer_or_none() {
    let shop = TestIssuer::hs256().with_audience("https://shop.test");
    let billing = TestIssuer::hs256()
        .with_issuer("https://billing.issuer.test")
        .with_audience("https://billing.test");
    let both = Verifier::builder()
        .trust(shop.trusted())
        .trust(billing.trusted())
        .build()
        .unwrap();
    let keys_alone = Verifier::new(shop.key()).unwrap();
    let refused = |verifier: Verifier, token: String| {
        let app = Router::new()
            .route("/items", get(read_items))
            .with_state(verifier);
        invalid_token_event(&app, "/items", &token)
    };
    let event = refused(
        both.clone(),
        billing.token(scope_set!("items")).wrong_audience().mint(),
    );
    assert_eq!(event.field("reason"), Some("invalid_token.wrong_audience"));
    assert_eq!(event.field("audiences"), Some("https://billing.test"));
    assert_eq!(
        event.field("token_iss"),
        Some("https://billing.issuer.test")
    );
    // An issuer no one trusts: refused before its signature is checked, named escaped.
    let forged = billing
        .with_issuer("https://evil.test/\u{2028}INFO admitted")
        .token(scope_set!("items"))
        .tampered()
        .mint();
    let event = refused(both, forged);
    assert_eq!(event.field("reason"), Some("invalid_token.wrong_issuer"));
    assert_eq!(
        event.field("token_iss"),
        Some("https://evil.test/\\u{2028}INFO admitted")
    );
    // A verifier without an audience refuses every token that names one, and says so.
    let event = refused(keys_alone, shop.mint("alice", scope_set!("items")));
    assert_eq!(event.field("reason"), Some("invalid_token.wrong_audience"));
    assert_eq!(event.field("token_aud"), Some("https://shop.test"));
    assert_eq!(event.field("audiences"), Some("(none configured)"));
}

#[test]
fn a_required_claim_refused_names_what_the_issuer_requires() {
    // Keycloak's access tokens say `typ: Bearer`; this one is an ID token.
    let keycloak = TestIssuer::hs256().with_claim("azp", "orders-web");
    let verifier = Verifier::builder()
        .trust(
            keycloak
                .trusted()
                .require_claim("typ", "Bearer")
                .require_claim("azp", "orders-web")
                .require_claim("azp", "orders-cli"),
        )
        .build()
        .unwrap();
    let app = Router::new()
        .route("/items", get(read_items))
        .with_state(verifier);
    let id_token = keycloak
        .token(scope_set!("items"))
        .claim("typ", "ID")
        .mint();
    let event = invalid_token_event(&app, "/items", &id_token);
    assert_eq!(event.field("reason"), Some("invalid_token.required_claim"));
    assert_eq!(
        event.field("required_claims"),
        Some("`typ` = `Bearer`; `azp` = `orders-web` or `orders-cli`")
    );
    // The token's own values are not written.
    assert!(
        event.fields.values().all(|value| !value
            .split(|c: char| !c.is_alphanumeric())
            .any(|word| word == "ID")),
        "{event:?}"
    );
}

#[test]
fn claims_of_another_shape_name_the_field_and_the_type_not_the_value() {
    let issuer = TestIssuer::es256();
    let app = app(&issuer);
    let token = issuer
        .token(scope_set!("me"))
        .claim("age", "forty-two, says alice@example.com")
        .mint();
    let refused = invalid_token_event(&app, "/profile", &token);
    assert_eq!(
        refused.field("reason"),
        Some("invalid_token.claims_mismatch")
    );
    assert_eq!(
        refused.field("claims_error"),
        Some("`age`: invalid type: string, expected u32")
    );
    // The route's scopes, though the RFC 6750 challenge of a 401 does not name them.
    assert_eq!(refused.field("required"), Some("me"));
    let missing = issuer.token(scope_set!("me")).mint();
    assert_eq!(
        invalid_token_event(&app, "/profile", &missing).field("claims_error"),
        Some("missing field `age`")
    );
}

#[test]
fn a_map_key_or_a_types_own_message_is_not_logged() {
    let issuer = TestIssuer::es256();
    let app = app(&issuer);
    let refusal = |claims: serde_json::Value| {
        let mut token = issuer.token(scope_set!("me"));
        for (name, value) in claims.as_object().unwrap() {
            token = token.claim(name, value.clone());
        }
        let token = token.mint();
        invalid_token_event(&app, "/settings", &token)
            .field("claims_error")
            .unwrap()
            .to_owned()
    };
    let error = refusal(serde_json::json!({
        "prefs": { "bob@example.com": "dark" },
        "email": "a@example.com",
    }));
    assert_eq!(error, "`prefs.*`: invalid type: string, expected u32");
    let error = refusal(serde_json::json!({ "prefs": {}, "email": "SECRET-no-at" }));
    assert!(error.starts_with("`email`: "), "{error}");
    assert!(!error.contains("SECRET"), "{error}");
}

#[test]
fn no_event_ever_holds_the_token() {
    let issuer = TestIssuer::rs256();
    let app = app(&issuer);
    let tokens = [
        issuer.mint("alice", scope_set!("items", "me")),
        issuer.mint("alice", scope_set!("me")),
        issuer.token(scope_set!("items")).expired().mint(),
        issuer.token(scope_set!("items")).tampered().mint(),
        issuer.token(scope_set!("me")).claim("age", "x").mint(),
        "not.a.jwt".to_owned(),
    ];
    let (events, _) = observed(async {
        for token in &tokens {
            for path in ["/items", "/profile", "/maybe"] {
                let _ = testing::send(&app, testing::get(path, Some(token))).await;
            }
        }
    });
    assert!(events.len() >= tokens.len(), "{events:#?}");
    for event in &events {
        for value in event.fields.values() {
            for token in &tokens {
                for segment in token.split('.').filter(|s| s.len() > 8) {
                    assert!(
                        !value.contains(segment),
                        "an event holds a token's text: {event:#?}"
                    );
                }
            }
        }
    }
}

#[test]
fn admissions_are_traced_and_an_anonymous_optional_request_is_no_refusal() {
    let issuer = TestIssuer::hs256();
    let app = app(&issuer);
    let token = issuer.mint("alice", scope_set!("items"));
    let (events, _) = observed(async {
        testing::send(&app, testing::get("/items", Some(&token)))
            .await
            .assert_admitted();
        let anonymous = testing::send(&app, testing::get("/maybe", None)).await;
        anonymous.assert_admitted();
        assert_eq!(anonymous.text(), "anyone");
    });
    assert!(refusals(&events).is_empty(), "{events:#?}");
    let admitted: Vec<&Event> = events
        .iter()
        .filter(|event| event.target == "scopes_core::admit")
        .collect();
    assert_eq!(admitted.len(), 1, "{events:#?}");
    assert_eq!(admitted[0].level, tracing::Level::TRACE);
    assert_eq!(admitted[0].field("check"), Some("handler"));
    assert_eq!(admitted[0].field("required"), Some("items"));
    assert_eq!(admitted[0].field("granted"), Some("items"));
    assert_eq!(admitted[0].field("issuer"), Some("https://issuer.test"));
}

#[test]
fn metrics_count_admissions_refusals_the_cache_and_key_refreshes() {
    let (_, metrics) = observed(async {
        let issuer = TestIssuer::es256().serve().await;
        let app = app(&issuer);
        let token = issuer.mint("alice", scope_set!("items"));
        for _ in 0..3 {
            testing::send(&app, testing::get("/items", Some(&token)))
                .await
                .assert_admitted();
        }
        let reader = issuer.mint("alice", scope_set!("me"));
        testing::send(&app, testing::get("/items", Some(&reader)))
            .await
            .assert_insufficient_scope("items");
        testing::send(&app, testing::get("/items", None))
            .await
            .assert_missing_credentials();
    });
    let counter = |name: &str| match metrics.get(name) {
        Some(DebugValue::Counter(count)) => *count,
        other => panic!("{name}: {other:?} in {metrics:#?}"),
    };
    assert_eq!(counter("scopes_admitted_total{check=handler}"), 3);
    assert_eq!(
        counter("scopes_refused_total{reason=insufficient_scope}"),
        1
    );
    assert_eq!(
        counter("scopes_refused_total{reason=missing_credentials}"),
        1
    );
    // The first request of each token verifies it; the other two come from the cache.
    assert_eq!(counter("scopes_token_cache_total{result=miss}"), 2);
    assert_eq!(counter("scopes_token_cache_total{result=hit}"), 2);
    assert!(counter("scopes_key_refresh_total{outcome=ok}") >= 1);
    match metrics.get("scopes_verify_seconds") {
        Some(DebugValue::Histogram(samples)) => assert_eq!(samples.len(), 2),
        other => panic!("scopes_verify_seconds: {other:?}"),
    }
}

#[requires_scopes("items")]
struct ListItems;

/// An MCP POST of `message` with `token`, in `session` if given.
fn mcp_post(
    token: &str,
    session: Option<&str>,
    message: serde_json::Value,
) -> axum::http::Request<axum::body::Body> {
    let mut request = testing::json_request("POST", "/mcp", Some(token), &message);
    request.headers_mut().insert(
        "accept",
        "application/json, text/event-stream".parse().unwrap(),
    );
    if let Some(session) = session {
        request
            .headers_mut()
            .insert("mcp-session-id", session.parse().unwrap());
    }
    request
}

/// The MCP guard's own refusals are events too: another principal's session id, a
/// tool not declared to it; and a 403's `required` is the tool's scopes, where its
/// challenge adds those the token holds.
#[test]
fn the_mcp_guard_s_refusals_are_events_with_their_codes() {
    let (events, metrics) = observed(async {
        let issuer = TestIssuer::hs256();
        // A server that opens the session `s-1` on any message.
        let server = axum::routing::post(|| async { ([("mcp-session-id", "s-1")], "{}") });
        let guard = scopes_core::McpScopesLayer::<Scopes>::with_verifier(issuer.verifier())
            .tool::<ListItems>("list_items")
            .resource::<ListItems>("items://*");
        let app = Router::new().route_service("/mcp", guard.layer(server));
        let alice = issuer.mint("alice", scope_set!("items"));
        let bob = issuer.mint("bob", scope_set!("items"));
        let carol = issuer.mint("carol", scope_set!("me"));
        let initialize = serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "initialize"});
        testing::send(&app, mcp_post(&alice, None, initialize.clone()))
            .await
            .assert_admitted();
        let taken = testing::send(&app, mcp_post(&bob, Some("s-1"), initialize)).await;
        assert_eq!(taken.status(), 404);
        let call = |tool: &str| {
            serde_json::json!({
                "jsonrpc": "2.0", "id": 2, "method": "tools/call",
                "params": {"name": tool, "arguments": {}},
            })
        };
        let unknown = testing::send(
            &app,
            mcp_post(&alice, Some("s-1"), call("drop_all\u{202e}")),
        )
        .await;
        assert_eq!(unknown.status(), 400);
        testing::send(&app, mcp_post(&carol, None, call("list_items")))
            .await
            .assert_insufficient_scope("items me");
        let read = |uri: &str| {
            serde_json::json!({
                "jsonrpc": "2.0", "id": 3, "method": "resources/read", "params": {"uri": uri},
            })
        };
        testing::send(&app, mcp_post(&carol, None, read("items://all")))
            .await
            .assert_insufficient_scope("items me");
        let prompt = serde_json::json!({
            "jsonrpc": "2.0", "id": 4, "method": "prompts/get", "params": {"name": "greet"},
        });
        let unknown = testing::send(&app, mcp_post(&alice, Some("s-1"), prompt)).await;
        assert_eq!(unknown.status(), 400);
        let dotted =
            testing::send(&app, mcp_post(&alice, Some("s-1"), read("items://a/../b"))).await;
        assert_eq!(dotted.status(), 400);
    });
    let refused = refusals(&events);
    assert_eq!(refused.len(), 6, "{events:#?}");
    let foreign = refused[0];
    assert_eq!(foreign.field("reason"), Some("mcp.foreign_session"));
    assert_eq!(foreign.field("status"), Some("404"));
    assert_eq!(foreign.field("granted"), Some("items"));
    assert_eq!(
        foreign.field("detail"),
        Some("The session belongs to another principal")
    );
    let undeclared = refused[1];
    assert_eq!(undeclared.field("reason"), Some("mcp.undeclared_tool"));
    assert_eq!(undeclared.field("status"), Some("400"));
    // The request's text, escaped.
    assert_eq!(undeclared.field("tool"), Some("drop_all\\u{202e}"));
    let insufficient = refused[2];
    assert_eq!(insufficient.field("reason"), Some("insufficient_scope"));
    assert_eq!(insufficient.field("required"), Some("items"));
    assert_eq!(insufficient.field("granted"), Some("me"));
    // What was asked, by its kind.
    assert_eq!(insufficient.field("tool"), Some("list_items"));
    assert_eq!(insufficient.field("resource"), None);
    let resource = refused[3];
    assert_eq!(resource.field("reason"), Some("insufficient_scope"));
    assert_eq!(resource.field("resource"), Some("items://all"));
    assert_eq!(resource.field("tool"), None);
    let prompt = refused[4];
    assert_eq!(prompt.field("reason"), Some("mcp.undeclared_prompt"));
    assert_eq!(prompt.field("prompt"), Some("greet"));
    let dotted = refused[5];
    assert_eq!(dotted.field("reason"), Some("mcp.invalid_resource_uri"));
    assert_eq!(dotted.field("resource"), Some("items://a/../b"));
    let counter = |name: &str| match metrics.get(name) {
        Some(DebugValue::Counter(count)) => *count,
        other => panic!("{name}: {other:?} in {metrics:#?}"),
    };
    assert_eq!(
        counter("scopes_refused_total{reason=mcp.foreign_session}"),
        1
    );
    assert_eq!(
        counter("scopes_refused_total{reason=mcp.undeclared_tool}"),
        1
    );
}

#[test]
fn an_mcp_guard_that_clients_could_not_discover_is_warned_about() {
    let issuer = TestIssuer::hs256();
    let warnings = |verifier: Verifier| {
        let (events, _) = observed(async move {
            let _guard = scopes_core::McpScopesLayer::<Scopes>::with_verifier(verifier);
        });
        events
            .into_iter()
            .filter(|event| event.target == "scopes_core::mcp")
            .inspect(|event| assert_eq!(event.level, tracing::Level::WARN))
            .map(|event| event.field("message").unwrap_or_default().to_owned())
            .collect::<Vec<_>>()
    };
    // No metadata: clients cannot learn where to get a token; and no scopes in 401s.
    let without = warnings(issuer.verifier());
    assert_eq!(without.len(), 2, "{without:?}");
    assert!(
        without[0].contains("names no resource metadata")
            && without[0].contains("VerifierBuilder::resource_metadata"),
        "{without:?}"
    );
    assert!(
        without[1].contains("401s name no scopes")
            && without[1].contains("VerifierBuilder::scope_on_401(true)"),
        "{without:?}"
    );
    // A document without an authorization server.
    let resource = "http://127.0.0.1:8001/mcp";
    let builder = |metadata: &scopes_core::ResourceMetadata| {
        Verifier::builder()
            .key(scopes_core::Key::hs256("a secret of at least thirty-two bytes!!").unwrap())
            .audience(resource)
            .resource_metadata(metadata)
            .scope_on_401(true)
            .build()
            .unwrap()
    };
    let bare = scopes_core::ResourceMetadata::new(resource).unwrap();
    let nameless = warnings(builder(&bare));
    assert_eq!(nameless.len(), 1, "{nameless:?}");
    assert!(
        nameless[0].contains("names no authorization server")
            && nameless[0].contains("ResourceMetadata::authorization_server"),
        "{nameless:?}"
    );
    // As MCP asks: nothing to say.
    let complete = bare.authorization_server("https://auth.example.com");
    assert_eq!(warnings(builder(&complete)), Vec::<String>::new());
    // An audience that is not the document's resource, as written: tokens for the
    // resource (RFC 8707) would all be refused.
    let elsewhere = scopes_core::ResourceMetadata::new("http://localhost:8001/mcp")
        .unwrap()
        .authorization_server("https://auth.example.com");
    let mismatched = warnings(builder(&elsewhere));
    assert_eq!(mismatched.len(), 1, "{mismatched:?}");
    assert!(
        mismatched[0].contains("does not accept its resource metadata's `resource` as an audience")
            && mismatched[0].contains(".audience(resource)"),
        "{mismatched:?}"
    );
}

#[test]
fn a_providers_keys_without_an_audience_are_warned_about_at_build() {
    use scopes_core::{Introspection, TrustedIssuer};
    let warnings = |builder: scopes_core::VerifierBuilder| {
        let (events, _) = observed(async move {
            builder.build().unwrap();
        });
        events
            .into_iter()
            .filter(|event| event.level == tracing::Level::WARN)
            .map(|event| {
                let issuer = event.field("issuer").unwrap_or_default().to_owned();
                (
                    issuer,
                    event.field("message").unwrap_or_default().to_owned(),
                )
            })
            .collect::<Vec<_>>()
    };
    let issuer = "https://auth.example.com/realms/shop";
    let without = warnings(Verifier::builder().oidc_issuer(issuer));
    assert_eq!(without.len(), 1, "{without:?}");
    assert_eq!(without[0].0, issuer);
    assert!(without[0].1.contains(".audience("), "{without:?}");
    let trusted = TrustedIssuer::oidc(issuer);
    assert_eq!(warnings(Verifier::builder().trust(trusted)).len(), 1);
    // A key set named by its URL alone: named by it, without what may be a secret.
    let by_url = warnings(
        Verifier::builder().jwks_url("https://user:hunter2@auth.example.com/jwks?key=hunter2"),
    );
    assert_eq!(by_url.len(), 1, "{by_url:?}");
    assert_eq!(by_url[0].0, "https://auth.example.com/jwks");
    // Every provider without one is named, introspected ones too.
    let other = "https://login.example.org/";
    let several = warnings(
        Verifier::builder()
            .trust(TrustedIssuer::oidc(issuer))
            .trust(
                TrustedIssuer::oidc("https://checked.example.net")
                    .audience("https://api.example.com"),
            )
            .trust(TrustedIssuer::new(other).introspection(Introspection::new(
                "https://login.example.org/introspect",
                "my-api",
                "my-api-secret",
            ))),
    );
    let named: Vec<&str> = several.iter().map(|(issuer, _)| issuer.as_str()).collect();
    assert_eq!(named, [issuer, other], "{several:?}");
    // With an audience, or with keys of one's own: nothing to say.
    let checked = Verifier::builder()
        .oidc_issuer(issuer)
        .audience("https://api.example.com");
    assert_eq!(warnings(checked), []);
    let own = TestIssuer::hs256().verifier_builder();
    assert_eq!(warnings(own), []);
}

#[test]
fn a_dpop_subject_over_its_share_is_warned_about_once_per_window() {
    let issuer = TestIssuer::es256();
    let client = testing::DpopKey::es256();
    let token = issuer.token(scope_set!("items")).dpop_bound(&client).mint();
    let verifier = issuer
        .verifier_builder()
        .dpop(
            scopes_core::Dpop::allowed()
                .url_from_request()
                .proofs_per_subject(1),
        )
        .build()
        .unwrap();
    let app = Router::new()
        .route("/items", get(read_items))
        .with_state(verifier);
    let (events, _) = observed(async {
        let url = "http://api.test/items";
        let request = || testing::dpop_request(axum::http::Method::GET, url, &token, &client);
        testing::send(&app, request()).await.assert_admitted();
        for _ in 0..3 {
            let refused = testing::send(&app, request()).await;
            assert_eq!(refused.assert_too_many_dpop_proofs(), 95);
        }
    });
    let warnings = events
        .iter()
        .filter(|event| event.level == tracing::Level::WARN)
        .collect::<Vec<_>>();
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    let warning = warnings[0];
    assert!(
        warning
            .field("message")
            .is_some_and(|message| message.contains("Dpop::proofs_per_subject")),
        "{warning:?}"
    );
    assert_eq!(warning.field("key"), Some(client.thumbprint()));
    assert_eq!(warning.field("per_subject"), Some("1"));
    // Each refusal is still its own event, with its code.
    let codes = refusals(&events)
        .iter()
        .map(|event| event.field("reason").unwrap_or_default().to_owned())
        .collect::<Vec<_>>();
    assert_eq!(
        codes, ["invalid_dpop_proof.too_many_proofs"; 3],
        "{events:#?}"
    );
}

#[test]
fn a_proof_for_another_url_names_its_htu_and_the_url_expected() {
    let issuer = TestIssuer::es256();
    let client = testing::DpopKey::es256();
    let token = issuer.token(scope_set!("items")).dpop_bound(&client).mint();
    // The slip a newcomer makes: the resource's URL where its origin belongs, so the
    // verifier expects `…/items/items`.
    let verifier = issuer
        .verifier_builder()
        .dpop(scopes_core::Dpop::required().public_url("https://api.test/items"))
        .build()
        .unwrap();
    let app = Router::new()
        .route("/items", get(read_items))
        .with_state(verifier);
    let request = |method: &str, url: &str| {
        let proof = client.proof(method, url).token(&token).sign();
        axum::http::Request::get("/items?page=2")
            .header("host", "api.test")
            .header("authorization", format!("DPoP {token}"))
            .header("dpop", proof)
            .body(axum::body::Body::empty())
            .unwrap()
    };
    let (events, _) = observed(async {
        testing::send(&app, request("GET", "https://api.test/items\u{2028}"))
            .await
            .assert_dpop_error(scopes_core::DpopError::Uri);
    });
    let refused = refusals(&events);
    assert_eq!(refused.len(), 1, "{events:#?}");
    let event = refused[0];
    assert_eq!(event.field("reason"), Some("invalid_dpop_proof.uri"));
    // The proof's text escaped (anyone signs a proof), the expected URL without the query.
    assert_eq!(
        event.field("proof_htu"),
        Some("https://api.test/items\\u{2028}")
    );
    assert_eq!(
        event.field("expected_htu"),
        Some("https://api.test/items/items")
    );
    // Another refusal names no URL.
    let (events, _) = observed(async {
        testing::send(&app, request("POST", "https://api.test/items/items"))
            .await
            .assert_dpop_error(scopes_core::DpopError::Method);
    });
    assert_eq!(refusals(&events).len(), 1, "{events:#?}");
    for event in refusals(&events) {
        assert_eq!(event.field("proof_htu"), None, "{event:?}");
        assert_eq!(event.field("expected_htu"), None, "{event:?}");
    }
}

/// A scope claim configured by the wrong name reads like a bad token (every token is
/// refused): the event names the claim and what it held (its type, never its value).
#[test]
fn a_scope_claim_of_another_shape_is_named_with_what_it_held() {
    let keycloak = TestIssuer::es256();
    let refused = |claims: &[&str], name: &str, value: serde_json::Value| {
        let verifier = Verifier::builder()
            .trust(keycloak.trusted().scope_claims(claims.iter().copied()))
            .build()
            .unwrap();
        let app = Router::new()
            .route("/items", get(read_items))
            .with_state(verifier);
        let token = keycloak
            .token(scope_set!("items"))
            .claim(name, value)
            .mint();
        let event = invalid_token_event(&app, "/items", &token);
        assert_eq!(
            event.field("reason"),
            Some("invalid_token.invalid_scope_claim")
        );
        event.field("claims_error").map(str::to_owned)
    };
    let roles = serde_json::json!({ "roles": ["items", "secret-role"] });
    assert_eq!(
        refused(&["scope", "realm_access"], "realm_access", roles).as_deref(),
        Some("scope claim `realm_access`: an object, expected a string or an array of strings")
    );
    assert_eq!(
        refused(
            &["/realm_access/roles"],
            "realm_access",
            serde_json::json!("items")
        )
        .as_deref(),
        Some("scope claim `/realm_access/…`: a string where an object leads on to scopes")
    );
    let error = refused(
        &["/realm_access/roles"],
        "realm_access",
        serde_json::json!({ "roles": [1, "items"] }),
    );
    assert_eq!(
        error.as_deref(),
        Some(
            "scope claim `/realm_access/roles`: an array holding other than strings, expected a string or an array of strings"
        )
    );
    // FastAPI's `scopes` is an array, never a string.
    assert_eq!(
        refused(&["scopes"], "scopes", serde_json::json!("items")).as_deref(),
        Some("scope claim `scopes`: a string, expected an array of strings")
    );
}

/// A scope claim's name that reads like a nested claim's path is warned about when
/// the verifier is built: it names one top-level claim, which no provider writes.
#[test]
fn a_scope_claim_named_like_a_path_is_warned_about() {
    let issuer = TestIssuer::es256();
    let (events, _) = observed(async {
        for claims in [
            ["realm_access.roles"],
            ["resource_access/api/roles"],
            ["https://example.com/roles"],
            ["scp"],
        ] {
            Verifier::builder()
                .trust(issuer.trusted().scope_claims(claims))
                .build()
                .unwrap();
        }
    });
    let warned: Vec<&str> = events
        .iter()
        .filter(|event| event.level == tracing::Level::WARN)
        .filter_map(|event| event.field("message"))
        .filter(|message| message.contains("scope claim"))
        .collect();
    assert_eq!(warned.len(), 2, "{warned:#?}");
    assert!(
        warned[0].contains("`realm_access.roles`") && warned[0].contains("`/realm_access/roles`")
    );
    assert!(
        warned[1].contains("`resource_access/api/roles`")
            && warned[1].contains("`/resource_access/api/roles`")
    );
}

/// A multi-tenant issuer's refusal for `iss` shows the token's `tid`, which fills the
/// template: the mismatch is then there to read.
#[test]
fn a_tenant_template_s_refusal_shows_the_token_s_tenant() {
    let entra =
        TestIssuer::es256().with_issuer("https://login.microsoftonline.com/{tenantid}/v2.0");
    let app = Router::new()
        .route("/items", get(read_items))
        .with_state(entra.verifier());
    let tenant_a = "11111111-1111-1111-1111-111111111111";
    let tenant_b = "22222222-2222-2222-2222-222222222222";
    let token = entra
        .token(scope_set!("items"))
        .tenant(tenant_b)
        .claim("tid", tenant_a)
        .mint();
    let event = invalid_token_event(&app, "/items", &token);
    assert_eq!(event.field("reason"), Some("invalid_token.wrong_issuer"));
    assert_eq!(
        event.field("token_iss"),
        Some(format!("https://login.microsoftonline.com/{tenant_b}/v2.0").as_str())
    );
    assert_eq!(event.field("token_tid"), Some(tenant_a));
}

#[requires_scopes("me")]
struct MeLayer;

/// A layer's scopes added under a prefix no operation of the document is at or below (a
/// typo, or a document not finished yet) would be documented nowhere: a warning says so.
#[test]
fn a_layer_s_prefix_that_reaches_no_operation_is_a_warning() {
    let (events, _) = observed(async {
        let mut openapi = utoipa::openapi::OpenApiBuilder::new().build();
        scopes_core::openapi::utoipa::add_layer_security_under::<Scopes, MeLayer>(
            &mut openapi,
            "/admins",
        );
    });
    let warned = events.iter().find(|event| {
        event.level == tracing::Level::WARN
            && event.fields.get("prefix").map(String::as_str) == Some("/admins")
    });
    let warned = warned.expect("a warning naming the prefix");
    assert!(
        warned.fields["message"].contains("documented nowhere"),
        "{:?}",
        warned.fields
    );
}
