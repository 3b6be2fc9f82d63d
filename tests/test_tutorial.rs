//! The tutorial port end to end, over real HTTP on 127.0.0.1: the whole FastAPI
//! tutorial session, in the default (RFC 6750) and the FastAPI-compatible mode.

use std::net::SocketAddr;

use jsonwebtoken::Algorithm;
use scopes_core::ResponseMode;
use scopes_examples::tutorial::{AppState, DEMO_SECRET, app};
use scopes_tests::http::{Response, send};
use scopes_tests::{Reply, now, sign};
use serde_json::{Value, json};

async fn serve(mode: ResponseMode) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = app(AppState::new(DEMO_SECRET, mode).unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

async fn login(addr: SocketAddr, form: &str) -> Response {
    send(
        addr,
        "POST",
        "/token",
        &[("content-type", "application/x-www-form-urlencoded")],
        form,
    )
    .await
}

async fn token(addr: SocketAddr, form: &str) -> String {
    let response = login(addr, form).await;
    assert_eq!(response.status, 200, "{response:?}");
    let body: Value = serde_json::from_str(&response.body).unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

async fn get(addr: SocketAddr, path: &str, token: &str) -> Reply {
    let authorization = format!("Bearer {token}");
    send(addr, "GET", path, &[("authorization", &authorization)], "")
        .await
        .reply()
}

const JOHNDOE: &str = r#"{"username":"johndoe","email":"johndoe@example.com","full_name":"John Doe","disabled":false}"#;
const ITEMS: &str = r#"[{"item_id":"Foo","owner":"johndoe"}]"#;
const STATUS: &str = r#"{"status":"ok"}"#;

fn ok(body: &str) -> Reply {
    Reply::new(200, None, body)
}

/// What the mode answers when `scope` is missing from a token for a route requiring
/// `required`.
fn not_enough(mode: ResponseMode, scope: &str) -> Reply {
    match mode {
        ResponseMode::FastApi => Reply::new(
            401,
            Some(&format!(r#"Bearer scope="{scope}""#)),
            r#"{"detail":"Not enough permissions"}"#,
        ),
        _ => Reply::new(
            403,
            Some(&format!(
                r#"Bearer error="insufficient_scope", scope="{scope}""#
            )),
            r#"{"detail":"Not enough permissions"}"#,
        ),
    }
}

/// What the mode answers for a bad token on a route requiring `scope`.
fn invalid(mode: ResponseMode, scope: &str, description: &str) -> Reply {
    let challenge = match mode {
        ResponseMode::FastApi if scope.is_empty() => "Bearer".to_owned(),
        ResponseMode::FastApi => format!(r#"Bearer scope="{scope}""#),
        _ => format!(r#"Bearer error="invalid_token", error_description="{description}""#),
    };
    Reply::new(
        401,
        Some(&challenge),
        r#"{"detail":"Could not validate credentials"}"#,
    )
}

async fn tutorial_session(mode: ResponseMode) {
    let addr = serve(mode).await;

    // Logging in: the token response, RFC 6749 §5.1.
    let response = login(
        addr,
        "grant_type=password&username=johndoe&password=secret&scope=me+items",
    )
    .await;
    assert_eq!(response.status, 200);
    assert_eq!(response.header("cache-control"), Some("no-store"));
    assert_eq!(response.header("content-type"), Some("application/json"));
    let body: Value = serde_json::from_str(&response.body).unwrap();
    assert_eq!(
        (&body["token_type"], &body["expires_in"], &body["scope"]),
        (&json!("bearer"), &json!(1800), &json!("me items"))
    );
    // No scope granted: no `scope` (RFC 6749 §3.3 names at least one), as FastAPI
    // sends none.
    let response = login(
        addr,
        "grant_type=password&username=johndoe&password=secret&scope=",
    )
    .await;
    assert_eq!(response.status, 200);
    let body: Value = serde_json::from_str(&response.body).unwrap();
    assert_eq!(body.get("scope"), None, "{body}");

    let full = token(
        addr,
        "grant_type=password&username=johndoe&password=secret&scope=me items",
    )
    .await;
    let me = token(
        addr,
        "grant_type=password&username=johndoe&password=secret&scope=me",
    )
    .await;
    let items = token(
        addr,
        "grant_type=password&username=johndoe&password=secret&scope=items",
    )
    .await;
    let none = token(addr, "grant_type=password&username=johndoe&password=secret").await;
    let alice = token(
        addr,
        "grant_type=password&username=alice&password=secret2&scope=me items",
    )
    .await;

    // Each route with each token.
    assert_eq!(get(addr, "/users/me/", &full).await, ok(JOHNDOE));
    assert_eq!(get(addr, "/users/me/", &me).await, ok(JOHNDOE));
    assert_eq!(
        get(addr, "/users/me/", &items).await,
        not_enough(mode, "me")
    );
    assert_eq!(get(addr, "/users/me/", &none).await, not_enough(mode, "me"));
    assert_eq!(get(addr, "/users/me/items/", &full).await, ok(ITEMS));
    assert_eq!(
        get(addr, "/users/me/items/", &me).await,
        not_enough(mode, "items me")
    );
    assert_eq!(
        get(addr, "/users/me/items/", &items).await,
        not_enough(mode, "items me")
    );
    assert_eq!(
        get(addr, "/users/me/items/", &none).await,
        not_enough(mode, "items me")
    );
    for token in [&full, &me, &items, &none, &alice] {
        assert_eq!(get(addr, "/status/", token).await, ok(STATUS));
    }

    // The disabled user.
    let inactive = Reply::new(400, None, r#"{"detail":"Inactive user"}"#);
    assert_eq!(get(addr, "/users/me/", &alice).await, inactive);
    assert_eq!(get(addr, "/users/me/items/", &alice).await, inactive);

    // Wrong credentials, unknown scopes and other grant types (RFC 6749 §5.2, with
    // FastAPI's `detail` as well).
    for form in [
        "grant_type=password&username=johndoe&password=wrong",
        "grant_type=password&username=nobody&password=secret",
    ] {
        let response = login(addr, form).await;
        assert_eq!(response.status, 400);
        assert_eq!(response.header("cache-control"), Some("no-store"));
        assert_eq!(
            response.body,
            r#"{"detail":"Incorrect username or password","error":"invalid_grant","error_description":"Incorrect username or password"}"#
        );
    }
    let unknown = login(
        addr,
        "grant_type=password&username=johndoe&password=secret&scope=me admin",
    )
    .await;
    assert_eq!(
        (unknown.status.as_u16(), unknown.body.as_str()),
        (
            400,
            r#"{"detail":"a requested scope is not known","error":"invalid_scope","error_description":"a requested scope is not known"}"#
        )
    );
    let grant_type = login(
        addr,
        "grant_type=client_credentials&username=johndoe&password=secret",
    )
    .await;
    assert_eq!(grant_type.status, 400);
    assert!(
        grant_type
            .body
            .contains(r#""error":"unsupported_grant_type""#),
        "{grant_type:?}"
    );
    // RFC 6749 §4.3.2 requires `grant_type` (FastAPI's lax form does not):
    // `LaxPasswordForm` is the option.
    let no_grant_type = login(addr, "username=johndoe&password=secret&scope=me").await;
    assert_eq!(
        (no_grant_type.status.as_u16(), no_grant_type.body.as_str()),
        (
            400,
            r#"{"detail":"the form has no `grant_type`: send `grant_type=password` (RFC 6749, section 4.3.2)","error":"invalid_request","error_description":"the form has no `grant_type`: send `grant_type=password` (RFC 6749, section 4.3.2)"}"#
        )
    );
    let missing = login(addr, "grant_type=password&username=johndoe").await;
    assert_eq!(missing.status, 400);
    assert!(
        missing.body.contains(r#""error":"invalid_request""#),
        "{missing:?}"
    );

    // No token, an expired one, a tampered one, and one for a user who does not exist.
    let anonymous = send(addr, "GET", "/users/me/items/", &[], "").await.reply();
    assert_eq!(
        anonymous,
        Reply::new(401, Some("Bearer"), r#"{"detail":"Not authenticated"}"#)
    );
    let expired = sign(
        Algorithm::HS256,
        &json!({ "sub": "johndoe", "scopes": ["me", "items"], "exp": now() - 60 }),
    );
    // FastAPI's tutorial reads `scopes` as a list of strings (its `TokenData`): a
    // string there refuses the token.
    let string = sign(
        Algorithm::HS256,
        &json!({ "sub": "johndoe", "scopes": "me items", "exp": now() + 60 }),
    );
    for (token, description) in [
        (&expired, "The access token expired"),
        (&string, "The token scope claim is invalid"),
    ] {
        assert_eq!(
            get(addr, "/users/me/items/", token).await,
            invalid(mode, "items me", description)
        );
        assert_eq!(
            get(addr, "/status/", token).await,
            invalid(mode, "", description)
        );
    }
    let (head, _) = full.rsplit_once('.').unwrap();
    let tampered = format!("{head}.{}", "A".repeat(43));
    assert_eq!(
        get(addr, "/users/me/items/", &tampered).await,
        invalid(mode, "items me", "The token signature is invalid")
    );
    let ghost = sign(
        Algorithm::HS256,
        &json!({ "sub": "ghost", "scopes": ["me", "items"], "exp": now() + 60 }),
    );
    assert_eq!(
        get(addr, "/users/me/items/", &ghost).await,
        invalid(mode, "items me", "The token claims are not as expected")
    );

    // FastAPI's tutorial reads `scopes` alone: `scope` and `scp` grant nothing.
    let elsewhere = sign(
        Algorithm::HS256,
        &json!({
            "sub": "johndoe", "scopes": [], "scope": "me items", "scp": ["me", "items"],
            "exp": now() + 60,
        }),
    );
    assert_eq!(
        get(addr, "/users/me/items/", &elsewhere).await,
        not_enough(mode, "items me")
    );
    assert_eq!(get(addr, "/status/", &elsewhere).await, ok(STATUS));
}

#[tokio::test]
async fn the_tutorial_session_in_the_default_mode() {
    tutorial_session(ResponseMode::Rfc6750).await;
}

#[tokio::test]
async fn the_tutorial_session_in_the_fastapi_mode() {
    tutorial_session(ResponseMode::FastApi).await;
}
