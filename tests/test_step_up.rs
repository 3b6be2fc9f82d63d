//! Step-up authentication (RFC 9470): a route that requires an authentication context
//! (`acr`) and/or a recent authentication (`max_age`) answers a token that has the
//! scopes but not the authentication with 401 `insufficient_user_authentication`, naming
//! what to ask the authorization server for; router layers compose, the strictest
//! winning.

use std::sync::LazyLock;

use axum::Router;
use axum::routing::get;
use scopes_core::__private::handler_requirement;
use scopes_core::testing::{self, AuthAssertions, TestIssuer, TestResponse};
use scopes_core::{
    AuthRejection, RequireScopesLayer, Verifier, requires_scopes, scope_set, scopes,
};
use scopes_tests::now;
use serde_json::json;

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

/// The authorization server of these tests (one key for the whole binary).
static ISSUER: LazyLock<TestIssuer> = LazyLock::new(TestIssuer::hs256);

fn verifier() -> Verifier {
    ISSUER
        .verifier_builder()
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
    let mut token = ISSUER.token(scope_set!("payments:read", "payments:process"));
    if let Some(acr) = acr {
        token = token.claim("acr", acr);
    }
    if let Some(ago) = authenticated_ago {
        token = token.claim("auth_time", now() - ago);
    }
    token.mint()
}

async fn send(app: &Router, path: &str, token: &str) -> TestResponse {
    testing::send(app, testing::get(path, Some(token))).await
}

/// The refusal of `/pay`, with its description: a context the route does not accept,
/// or (RFC 9470 §3's other text) an accepted one whose login is too old.
fn pay_challenge(description: &str) -> String {
    format!(
        r#"Bearer error="insufficient_user_authentication", error_description="{description}", acr_values="urn:example:mfa phr", max_age="300""#
    )
}

const OTHER_LEVEL: &str = "A different authentication level is required";
const MORE_RECENT: &str = "More recent authentication is required";

#[tokio::test]
async fn a_route_requiring_an_authentication_context_and_a_recent_login() {
    let app = app();
    for (acr, ago) in [(MFA, 10), (PHR, 299)] {
        send(&app, "/pay", &token(Some(acr), Some(ago)))
            .await
            .assert_admitted();
    }
    for (acr, ago, description) in [
        (None, Some(10), OTHER_LEVEL),                    // no acr
        (Some("pwd"), Some(10), OTHER_LEVEL),             // not an acceptable one
        (Some("URN:EXAMPLE:MFA"), Some(10), OTHER_LEVEL), // compared exactly
        (Some("pwd"), Some(301), OTHER_LEVEL),            // both
        (Some(MFA), Some(301), MORE_RECENT),              // too long ago
        (Some(MFA), None, MORE_RECENT),                   // no auth_time
    ] {
        let reply = send(&app, "/pay", &token(acr, ago)).await;
        reply.assert_insufficient_user_authentication();
        assert_eq!(
            reply.header("www-authenticate"),
            Some(pay_challenge(description).as_str()),
            "{acr:?} {ago:?}"
        );
        assert_eq!(reply.text(), format!(r#"{{"detail":"{description}"}}"#));
    }
    // An `auth_time` in the future is no login at all: the token is refused as
    // invalid, on a route that asks for a step-up or not (a new login would not mend it).
    let payer = || {
        ISSUER
            .token(scope_set!("payments:process", "payments:read"))
            .claim("acr", MFA)
    };
    let future = payer().claim("auth_time", now() + 3600).mint();
    for path in ["/pay", "/balance"] {
        let challenge = send(&app, path, &future).await.assert_invalid_token();
        assert_eq!(
            challenge.param("error_description"),
            Some("The token has an invalid time claim")
        );
    }
    let fresh = payer().claim("auth_time", now()).mint();
    send(&app, "/pay", &fresh).await.assert_admitted();
    // Scopes first: a token without them is 403, whatever its authentication.
    let reader = ISSUER
        .token(scope_set!("payments:read"))
        .claim("acr", "pwd")
        .mint();
    send(&app, "/pay", &reader)
        .await
        .assert_insufficient_scope("payments:process");
    // A route that asks nothing of the authentication takes any token.
    send(&app, "/balance", &token(None, None))
        .await
        .assert_admitted();
}

#[tokio::test]
async fn max_age_alone_names_no_acr_values() {
    let reply = send(&app(), "/history", &token(None, Some(7200))).await;
    reply.assert_insufficient_user_authentication();
    assert_eq!(
        reply.header("www-authenticate"),
        Some(
            r#"Bearer error="insufficient_user_authentication", error_description="More recent authentication is required", max_age="3600""#
        )
    );
}

#[tokio::test]
async fn a_layer_and_a_handler_compose_and_the_strictest_max_age_wins() {
    let app = app();
    // The layer asks 60 s, the handler 3600 s: 120 s ago passes the handler alone, not
    // the route.
    let reply = send(&app, "/strict/history", &token(None, Some(120))).await;
    let challenge = reply.assert_insufficient_user_authentication();
    assert_eq!(challenge.param("max_age"), Some("60"), "{challenge}");
    send(&app, "/strict/balance", &token(None, Some(120)))
        .await
        .assert_insufficient_user_authentication();
    for path in ["/strict/history", "/strict/balance"] {
        send(&app, path, &token(None, Some(30)))
            .await
            .assert_admitted();
    }
}

#[tokio::test]
async fn the_token_says_how_the_user_authenticated() {
    let verified = verifier().verify(&token(Some(MFA), Some(5))).await.unwrap();
    assert_eq!(verified.acr(), Some(MFA));
    assert!(verified.auth_time().is_some_and(|t| t > 0.0));
    // An `acr` with escapes, and `acr` / `auth_time` of the wrong type.
    let escaped = ISSUER.token(scope_set!()).claim("acr", "urn:\u{e9}").mint();
    assert_eq!(
        verifier().verify(&escaped).await.unwrap().acr(),
        Some("urn:\u{e9}")
    );
    for token in [
        ISSUER.token(scope_set!()).claim("acr", 2).mint(),
        ISSUER
            .token(scope_set!())
            .claim("auth_time", "yesterday")
            .mint(),
    ] {
        assert!(verifier().verify(&token).await.is_err());
    }
    // The requirement says what it asks.
    let asked = handler_requirement::<Scopes, __scopes_requirement_pay>().own[0];
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

/// The company's table, whose scoped extractor asks for a recent login with a phishing-
/// resistant method.
mod company {
    use axum::extract::FromRequestParts;
    use axum::http::request::Parts;
    use axum::response::Response;
    use scopes_core::{requires_scopes, scopes};

    scopes! {
        /// The company's scopes.
        pub Company {
            "me": "Read your profile.",
        }
        oauth2 "Company" { client_credentials { token_url: "https://id.example.com/token" } }
    }

    /// The signed-in employee, recently and strongly authenticated.
    pub(crate) struct Employee;

    #[requires_scopes("me", acr = ["phr"], max_age = 120, table = Company)]
    impl<S: Send + Sync> FromRequestParts<S> for Employee {
        type Rejection = Response;

        async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
            let _ = (parts, state);
            Ok(Employee)
        }
    }
}

#[requires_scopes("payments:read", max_age = 3600)]
async fn employee_history(_: company::Employee) {}

#[test]
fn openapi_describes_the_step_up_of_an_extractor_of_another_table() {
    let _ = employee_history::<scopes_core::Verifier>;
    let responses =
        serde_json::to_value(scopes_core::openapi::security_of!(employee_history).responses())
            .unwrap();
    // The extractor checks it itself; the operation says so, with the handler's own:
    // the `acr` list it asks, and the strictest `max_age` of the two.
    assert_eq!(
        responses["401"]["x-scopes-step-up"],
        json!({ "acr_values": [PHR], "max_age": 120 }),
        "{responses}"
    );
}

#[tokio::test]
async fn an_extractor_of_another_table_checks_its_step_up() {
    let app: Router = Router::new()
        .route("/employee/history", get(employee_history))
        .with_state(verifier());
    let employee = |acr: &str, ago: u64| {
        ISSUER
            .token(scope_set!("payments:read"))
            .extra_scopes(["me"])
            .claim("acr", acr)
            .claim("auth_time", now() - ago)
            .mint()
    };
    send(&app, "/employee/history", &employee(PHR, 60))
        .await
        .assert_admitted();
    // Recent enough for the handler (an hour), not for the extractor (two minutes).
    let reply = send(&app, "/employee/history", &employee(PHR, 600)).await;
    let challenge = reply.assert_insufficient_user_authentication();
    assert_eq!(challenge.param("acr_values"), Some(PHR));
    assert_eq!(challenge.param("max_age"), Some("120"));
    let reply = send(&app, "/employee/history", &employee("pwd", 60)).await;
    reply.assert_insufficient_user_authentication();
}

#[tokio::test]
async fn composed_acr_lists_ask_for_what_all_accept() {
    let app = app();
    // The layer runs first and knows only its own list.
    let reply = send(&app, "/strong/pay", &token(Some(MFA), Some(10))).await;
    let challenge = reply.assert_insufficient_user_authentication();
    assert_eq!(challenge.param("acr_values"), Some("hwk phr"));
    assert_eq!(challenge.param("max_age"), None);
    // Past the layer, the handler asks for what both accept (hwk or phr, and
    // urn:example:mfa or phr: phr), with its max_age.
    let reply = send(&app, "/strong/pay", &token(Some("hwk"), Some(10))).await;
    let challenge = reply.assert_insufficient_user_authentication();
    assert_eq!(challenge.param("acr_values"), Some("phr"));
    assert_eq!(challenge.param("max_age"), Some("300"));
    send(&app, "/strong/pay", &token(Some(PHR), Some(10)))
        .await
        .assert_admitted();
}
