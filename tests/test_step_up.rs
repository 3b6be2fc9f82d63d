//! Step-up authentication (RFC 9470): a route that requires an authentication context
//! (`acr`) and/or a recent authentication (`max_age`) answers a token that has the
//! scopes but not the authentication with 401 `insufficient_user_authentication`, naming
//! what to ask the authorization server for; router layers compose, the strictest
//! winning.

use axum::Router;
use axum::routing::get;
use jsonwebtoken::Algorithm;
use scopes_core::{
    AuthRejection, Key, RequireScopesLayer, RequiredScopes, Verifier, requires_scopes, scopes,
};
use scopes_tests::{SECRET, get as get_with, now, send, sign};
use serde_json::{Value, json};

scopes! {
    /// A payments API's scopes.
    pub Scopes {
        "payments:read": "See payments.",
        "payments:process": "Send payments.",
    }
    oauth2 "OAuth2" { client_credentials { token_url: "https://auth.example.com/token" } }
}

const MFA: &str = "urn:example:mfa";
const PHR: &str = "phr";

#[requires_scopes("payments:process", acr = ["urn:example:mfa", "phr"], max_age = 300)]
async fn pay() -> &'static str {
    "paid"
}

#[requires_scopes("payments:read", max_age = 3600)]
async fn history() -> &'static str {
    "history"
}

#[requires_scopes("payments:read")]
async fn balance() -> &'static str {
    "balance"
}

/// A layer's requirement: a recent authentication for everything under it.
#[requires_scopes(max_age = 60)]
struct Recent;

/// A layer that accepts a hardware key or a phishing-resistant login.
#[requires_scopes(acr = ["hwk", "phr"])]
struct Strong;

fn verifier() -> Verifier {
    Verifier::builder()
        .key(Key::hs256(SECRET).unwrap())
        .leeway(std::time::Duration::ZERO)
        .build()
        .unwrap()
}

fn app() -> Router {
    let verifier = verifier();
    let strict: Router<Verifier> = Router::new()
        .route("/strict/balance", get(balance))
        .route("/strict/history", get(history))
        .route_layer(RequireScopesLayer::<Scopes, Recent>::new(&verifier));
    let strong: Router<Verifier> = Router::new()
        .route("/strong/pay", get(pay))
        .route_layer(RequireScopesLayer::<Scopes, Strong>::new(&verifier));
    Router::new()
        .route("/pay", get(pay))
        .merge(strong)
        .route("/history", get(history))
        .route("/balance", get(balance))
        .merge(strict)
        .with_state(verifier)
}

/// A token with both scopes, `acr` and `auth_time` as given.
fn token(acr: Option<&str>, authenticated_ago: Option<u64>) -> String {
    let mut claims = json!({
        "sub": "alice", "exp": now() + 600, "scope": "payments:read payments:process"
    });
    if let Some(acr) = acr {
        claims["acr"] = Value::from(acr);
    }
    if let Some(ago) = authenticated_ago {
        claims["auth_time"] = Value::from(now() - ago);
    }
    sign(Algorithm::HS256, &claims)
}

const PAY_CHALLENGE: &str = r#"Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="urn:example:mfa phr", max_age="300""#;

#[tokio::test]
async fn a_route_requiring_an_authentication_context_and_a_recent_login() {
    let app = app();
    for (acr, ago) in [(MFA, 10), (PHR, 299)] {
        let reply = send(&app, get_with("/pay", &token(Some(acr), Some(ago)))).await;
        assert_eq!(reply.status, 200, "{acr} {ago}s ago");
    }
    for (acr, ago) in [
        (None, Some(10)),                    // no acr
        (Some("pwd"), Some(10)),             // not an acceptable one
        (Some("URN:EXAMPLE:MFA"), Some(10)), // compared exactly
        (Some(MFA), Some(301)),              // too long ago
        (Some(MFA), None),                   // no auth_time
    ] {
        let reply = send(&app, get_with("/pay", &token(acr, ago))).await;
        assert_eq!(reply.status, 401, "{acr:?} {ago:?}");
        assert_eq!(
            reply.challenge.as_deref(),
            Some(PAY_CHALLENGE),
            "{acr:?} {ago:?}"
        );
        assert_eq!(
            reply.body,
            r#"{"detail":"A different authentication level is required"}"#
        );
    }
    // An `auth_time` in the future is no recent login.
    let mut claims = json!({
        "sub": "alice", "exp": now() + 600, "scope": "payments:process", "acr": MFA,
        "auth_time": now() + 3600
    });
    let future = sign(Algorithm::HS256, &claims);
    assert_eq!(send(&app, get_with("/pay", &future)).await.status, 401);
    claims["auth_time"] = Value::from(now());
    let fresh = sign(Algorithm::HS256, &claims);
    assert_eq!(send(&app, get_with("/pay", &fresh)).await.status, 200);
    // Scopes first: a token without them is 403, whatever its authentication.
    let reader = sign(
        Algorithm::HS256,
        &json!({ "sub": "bob", "exp": now() + 600, "scope": "payments:read", "acr": "pwd" }),
    );
    assert_eq!(send(&app, get_with("/pay", &reader)).await.status, 403);
    // A route that asks nothing of the authentication takes any token.
    assert_eq!(
        send(&app, get_with("/balance", &token(None, None)))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn max_age_alone_names_no_acr_values() {
    let reply = send(&app(), get_with("/history", &token(None, Some(7200)))).await;
    assert_eq!(reply.status, 401);
    assert_eq!(
        reply.challenge.as_deref(),
        Some(
            r#"Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", max_age="3600""#
        )
    );
}

#[tokio::test]
async fn a_layer_and_a_handler_compose_and_the_strictest_max_age_wins() {
    let app = app();
    // The layer asks 60 s, the handler 3600 s: 120 s ago passes the handler alone, not
    // the route.
    let reply = send(&app, get_with("/strict/history", &token(None, Some(120)))).await;
    assert_eq!(reply.status, 401);
    assert!(
        reply
            .challenge
            .as_deref()
            .unwrap()
            .ends_with(r#"max_age="60""#),
        "{:?}",
        reply.challenge
    );
    let reply = send(&app, get_with("/strict/balance", &token(None, Some(120)))).await;
    assert_eq!(reply.status, 401);
    for path in ["/strict/history", "/strict/balance"] {
        assert_eq!(
            send(&app, get_with(path, &token(None, Some(30))))
                .await
                .status,
            200,
            "{path}"
        );
    }
}

#[tokio::test]
async fn the_token_says_how_the_user_authenticated() {
    let verified = verifier().verify(&token(Some(MFA), Some(5))).await.unwrap();
    assert_eq!(verified.acr(), Some(MFA));
    assert!(verified.auth_time().is_some_and(|t| t > 0.0));
    // An `acr` with escapes, and `acr` / `auth_time` of the wrong type or given twice.
    let escaped = sign(
        Algorithm::HS256,
        &json!({ "sub": "a", "exp": now() + 60, "acr": "urn:\u{e9}" }),
    );
    assert_eq!(
        verifier().verify(&escaped).await.unwrap().acr(),
        Some("urn:\u{e9}")
    );
    for claims in [
        json!({ "sub": "a", "exp": now() + 60, "acr": 2 }),
        json!({ "sub": "a", "exp": now() + 60, "auth_time": "yesterday" }),
    ] {
        assert!(
            verifier()
                .verify(&sign(Algorithm::HS256, &claims))
                .await
                .is_err()
        );
    }
    // The requirement says what it asks.
    let asked = <__scopes_requirement_pay as RequiredScopes<Scopes>>::REQUIREMENT;
    assert_eq!(asked.authentication().acr(), [MFA, PHR]);
    assert_eq!(asked.authentication().max_age(), Some(300));
    let refusal = AuthRejection::InsufficientUserAuthentication(*asked.authentication());
    assert_eq!(
        refusal.detail(),
        "A different authentication level is required"
    );
}

#[test]
fn openapi_describes_the_step_up_on_the_operation() {
    let responses =
        serde_json::to_value(scopes_core::openapi::security_of!(pay).responses()).unwrap();
    let unauthorized = &responses["401"];
    assert!(
        unauthorized["description"]
            .as_str()
            .unwrap()
            .contains("insufficient_user_authentication"),
        "{unauthorized}"
    );
    assert_eq!(
        unauthorized["x-scopes-step-up"],
        json!({ "acr_values": [MFA, PHR], "max_age": 300 })
    );
    // An operation that asks nothing of the authentication says nothing of it.
    let plain =
        serde_json::to_value(scopes_core::openapi::security_of!(balance).responses()).unwrap();
    assert!(plain["401"].get("x-scopes-step-up").is_none());
}

#[tokio::test]
async fn composed_acr_lists_ask_for_what_all_accept() {
    let app = app();
    let challenge = |reply: scopes_tests::Reply| {
        assert_eq!(reply.status, 401);
        reply.challenge.unwrap()
    };
    // The layer runs first and knows only its own list.
    let reply = send(&app, get_with("/strong/pay", &token(Some(MFA), Some(10)))).await;
    assert!(challenge(reply).ends_with(r#"acr_values="hwk phr""#));
    // Past the layer, the handler asks for what both accept (hwk or phr, and
    // urn:example:mfa or phr: phr), with its max_age.
    let reply = send(&app, get_with("/strong/pay", &token(Some("hwk"), Some(10)))).await;
    assert!(challenge(reply).ends_with(r#"acr_values="phr", max_age="300""#));
    let reply = send(&app, get_with("/strong/pay", &token(Some(PHR), Some(10)))).await;
    assert_eq!(reply.status, 200);
}
