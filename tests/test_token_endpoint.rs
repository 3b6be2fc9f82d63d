//! The token endpoint helpers: the password form, granting against the table, the
//! token response and RFC 6749 §5.2 errors.

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::response::IntoResponse;
use axum::routing::post;
use scopes_core::issuer::{
    AccessTokenResponse, GrantError, LaxPasswordForm, PasswordForm, grant_scopes,
};
use scopes_core::{ScopeSet, ScopeTable, scopes};
use scopes_tests::{Reply, Request, send};

scopes! {
    /// Seed 000's fine-grained scopes.
    pub Scopes {
        "users:read": "View user information",
        "users:write": "Create/update users",
        "orders:read": "View orders",
        "admin": "Everything." implies ["users:read", "users:write", "orders:read"],
    }
}

fn set(names: &[&str]) -> ScopeSet<Scopes> {
    let mut set = ScopeSet::EMPTY;
    for name in names {
        set.insert(<Scopes as ScopeTable>::index_of(name).unwrap());
    }
    set
}

#[test]
fn granting_is_limited_to_what_the_user_may_have() {
    let allowed = set(&["users:read", "orders:read"]);
    let granted = grant_scopes(["users:read", "users:write", "orders:read"], &allowed).unwrap();
    assert_eq!(granted.to_string(), "users:read orders:read");
    // Asking for `admin` does not smuggle in what it implies; a request of which nothing
    // may be granted is refused (a response could not say it granted nothing: without
    // `scope` it reads as "as asked", RFC 6749 §5.1).
    assert_eq!(
        grant_scopes(["admin"], &allowed).unwrap_err(),
        GrantError::ScopeNotGranted
    );
    assert_eq!(GrantError::ScopeNotGranted.code(), "invalid_scope");
    assert_eq!(
        grant_scopes(["admin", "orders:read"], &allowed).unwrap(),
        set(&["orders:read"])
    );
    // Nothing asked, nothing granted.
    assert_eq!(grant_scopes([], &allowed).unwrap(), ScopeSet::EMPTY);
    assert_eq!(
        grant_scopes(["users:read", "billing"], &allowed).unwrap_err(),
        GrantError::InvalidScope("billing".into())
    );
}

async fn echo(form: PasswordForm) -> String {
    echo_of(&form)
}

fn echo_of(form: &PasswordForm) -> String {
    let scopes: Vec<&str> = form.scopes().collect();
    format!(
        "{} {} {:?} {:?} {:?} {:?}",
        form.username, form.password, scopes, form.grant_type, form.client_id, form.client_secret
    )
}

async fn lax_echo(LaxPasswordForm(form): LaxPasswordForm) -> String {
    echo_of(&form)
}

fn post_form(body: &str) -> Request<Body> {
    Request::post("/token")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(body.to_owned()))
        .unwrap()
}

#[tokio::test]
async fn the_password_form_reads_rfc_6749_parameters() {
    let app = Router::new().route("/token", post(echo));
    assert_eq!(
        send(&app, post_form("grant_type=password&username=johndoe&password=s%20cret&scope=users%3Aread++admin&client_id=cli&client_secret=shh")).await,
        Reply::new(200, None, r#"johndoe s cret ["users:read", "admin"] "password" Some("cli") Some("shh")"#)
    );
    // RFC 6749 §3.2: a parameter without a value is as if omitted.
    assert_eq!(
        send(
            &app,
            post_form(
                "grant_type=password&username=johndoe&password=secret&client_id=&client_secret="
            )
        )
        .await,
        Reply::new(200, None, r#"johndoe secret [] "password" None None"#)
    );
    // §4.3.2: `grant_type` is required; the message says what to send.
    for body in [
        "username=johndoe&password=secret",
        "grant_type=&username=johndoe&password=secret",
    ] {
        assert_eq!(
            send(&app, post_form(body)).await,
            Reply::new(
                400,
                None,
                r#"{"detail":"the form has no `grant_type`: send `grant_type=password` (RFC 6749, section 4.3.2)","error":"invalid_request","error_description":"the form has no `grant_type`: send `grant_type=password` (RFC 6749, section 4.3.2)"}"#
            ),
            "{body}"
        );
    }
    // The grant type is checked first: another grant's form is that grant's, refused as
    // unsupported, whatever it lacks of this one.
    for body in [
        "grant_type=client_credentials&client_id=x&client_secret=y",
        "grant_type=refresh_token&refresh_token=x",
    ] {
        let reply = send(&app, post_form(body)).await;
        assert!(
            reply.body.contains(r#""error":"unsupported_grant_type""#),
            "{body}: {reply:?}"
        );
    }
    // §3.2 again: an empty username or password is none.
    for (body, missing) in [
        ("grant_type=password&username=&password=x", "username"),
        ("grant_type=password&username=a&password=", "password"),
    ] {
        let reply = send(&app, post_form(body)).await;
        assert_eq!(reply.status, 400, "{body}");
        assert!(
            reply.body.contains(&format!("the form has no `{missing}`"))
                && reply.body.contains(r#""error":"invalid_request""#),
            "{body}: {reply:?}"
        );
    }
    // FastAPI's `OAuth2PasswordRequestForm`: a missing one is taken as `password`.
    let lax = Router::new().route("/token", post(lax_echo));
    assert_eq!(
        send(&lax, post_form("username=johndoe&password=secret")).await,
        Reply::new(200, None, r#"johndoe secret [] "password" None None"#)
    );
    assert_eq!(
        send(
            &lax,
            post_form("grant_type=client_credentials&username=a&password=b")
        )
        .await
        .status,
        400
    );
    // §3.2: a parameter given twice is refused.
    for app in [&app, &lax] {
        let twice = send(
            app,
            post_form("grant_type=password&username=a&username=b&password=c"),
        )
        .await;
        assert_eq!(twice.status, 400, "{twice:?}");
        assert!(
            twice.body.contains(r#""error":"invalid_request""#),
            "{twice:?}"
        );
    }
    let unsupported = send(
        &app,
        post_form("grant_type=client_credentials&username=a&password=b"),
    )
    .await;
    assert_eq!(
        unsupported,
        Reply::new(
            400,
            None,
            r#"{"detail":"this grant type is not supported here","error":"unsupported_grant_type","error_description":"this grant type is not supported here"}"#
        )
    );
    for body in [
        "grant_type=password&username=johndoe",
        "grant_type=password&password=secret",
        "",
    ] {
        let reply = send(&app, post_form(body)).await;
        assert_eq!(reply.status, 400, "{body}");
        assert!(
            reply.body.contains(r#""error":"invalid_request""#),
            "{reply:?}"
        );
    }
    let json = Request::post("/token")
        .header("content-type", "application/json")
        .body(Body::from(
            r#"{"grant_type":"password","username":"johndoe","password":"secret"}"#,
        ))
        .unwrap();
    assert_eq!(send(&app, json).await.status, 400);
}

#[test]
fn the_form_never_shows_secrets() {
    let form: PasswordForm = serde_json::from_value(
        serde_json::json!({"username": "johndoe", "password": "hunter2", "client_secret": "shh"}),
    )
    .unwrap();
    let shown = format!("{form:?}");
    assert!(
        shown.contains("johndoe") && !shown.contains("hunter2") && !shown.contains("shh"),
        "{shown}"
    );
}

#[tokio::test]
async fn responses_and_errors_are_rfc_6749_json_and_never_cached() {
    let granted = set(&["users:read", "orders:read"]);
    let response = AccessTokenResponse::bearer("abc".into(), Duration::from_secs(1800), &granted)
        .into_response();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(response.headers()["pragma"], "no-cache");
    let body = axum::body::to_bytes(response.into_body(), 1 << 16)
        .await
        .unwrap();
    assert_eq!(
        std::str::from_utf8(&body).unwrap(),
        r#"{"access_token":"abc","token_type":"bearer","expires_in":1800,"scope":"users:read orders:read"}"#
    );

    let client = GrantError::InvalidClient.into_response();
    assert_eq!(
        (client.status().as_u16(), &client.headers()["cache-control"]),
        (401, &"no-store".parse().unwrap())
    );
    for (error, code) in [
        (
            GrantError::InvalidGrant("Incorrect username or password".into()),
            "invalid_grant",
        ),
        (GrantError::UnauthorizedClient, "unauthorized_client"),
        (GrantError::InvalidScope("x".into()), "invalid_scope"),
    ] {
        assert_eq!((error.status().as_u16(), error.code()), (400, code));
    }
}

#[tokio::test]
async fn an_error_description_holds_only_what_rfc_6749_allows() {
    let described = |error: GrantError| async move {
        let response = error.into_response();
        let body = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(json["detail"], json["error_description"]);
        json["error_description"].as_str().unwrap().to_owned()
    };
    // Nothing of the request is answered back, not even a well-formed scope name.
    for requested in ["billing", "<img/src=x>", "x\"y\\z", "été", "a\nb", ""] {
        assert_eq!(
            described(GrantError::InvalidScope(requested.into())).await,
            "a requested scope is not known",
            "{requested:?}"
        );
    }
    // An application's own text is kept to the allowed characters.
    assert_eq!(
        described(GrantError::InvalidGrant("no user \"é\"\n".into())).await,
        "no user ????"
    );
}
