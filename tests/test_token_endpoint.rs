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

/// What a form can make the server hold is bounded whatever the router's body limit:
/// at most 64 KiB is read, and at most 64 parameters decoded.
#[tokio::test]
async fn the_password_form_reads_at_most_64_kib_and_64_parameters() {
    let refused = |why: &str| {
        Reply::new(
            400,
            None,
            &format!(
                r#"{{"detail":"{why}","error":"invalid_request","error_description":"{why}"}}"#
            ),
        )
    };
    let fields = "grant_type=password&username=johndoe&password=secret";
    for app in [
        Router::new().route("/token", post(echo)),
        Router::new()
            .route("/token", post(echo))
            .layer(axum::extract::DefaultBodyLimit::disable()),
    ] {
        let at_most = format!(
            "{fields}&scope={}",
            "a".repeat(64 * 1024 - fields.len() - 7)
        );
        assert_eq!(at_most.len(), 64 * 1024);
        assert_eq!(send(&app, post_form(&at_most)).await.status, 200);
        assert_eq!(
            send(&app, post_form(&format!("{at_most}a"))).await,
            refused("the form is too large for a token request (at most 64 KiB)")
        );
        let many = format!("{fields}{}", "&a=1".repeat(62));
        assert_eq!(
            send(&app, post_form(&many)).await,
            refused("the form has more than 64 parameters")
        );
    }
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

/// `request` with `body` and these `headers`, to the form's echo route taking every
/// method (as `any(…)` would).
fn raw(method: &str, headers: &[(&str, &str)], body: &str) -> Request<Body> {
    let mut request = Request::builder()
        .method(method)
        .uri("/token?grant_type=password&username=u&password=p");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.body(Body::from(body.to_owned())).unwrap()
}

/// A refusal that leaves the body unread (no form, a form too large) says it closes the
/// connection, as hyper then does: a keep-alive client's next request on it would fail.
/// One that read the form keeps it open.
#[tokio::test]
async fn a_refusal_that_leaves_the_body_unread_closes_the_connection() {
    use tower::ServiceExt as _;
    let app = Router::new().route("/token", post(echo));
    let connection = async |request: Request<Body>| {
        let response = app.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), 400);
        response
            .headers()
            .get("connection")
            .map(|value| value.to_str().unwrap().to_owned())
    };
    let json = raw("POST", &[("content-type", "application/json")], "{\"a\":1}");
    assert_eq!(connection(json).await.as_deref(), Some("close"));
    let latin = raw(
        "POST",
        &[(
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-16",
        )],
        "a=1",
    );
    assert_eq!(connection(latin).await.as_deref(), Some("close"));
    let large = post_form(&"a".repeat(64 * 1024 + 1));
    assert_eq!(connection(large).await.as_deref(), Some("close"));
    // Read whole, then refused: the connection stays.
    let read = post_form("grant_type=client_credentials");
    assert_eq!(connection(read).await, None);
    // A request without a body leaves nothing unread.
    let empty = raw("POST", &[("content-type", "application/json")], "");
    assert_eq!(connection(empty).await, None);
}

/// RFC 6749 §3.2: a token request is a `POST` of a form, each parameter once; the
/// grant type is still checked before the rest of the form.
#[tokio::test]
async fn the_password_form_is_a_posted_form_read_in_order() {
    let app = Router::new().route("/token", axum::routing::any(echo));
    let lax = Router::new().route("/token", axum::routing::any(lax_echo));
    let form = [("content-type", "application/x-www-form-urlencoded")];
    let good = "grant_type=password&username=johndoe&password=secret";
    // A `GET` of a route that takes any method: its password would be in the URL.
    for method in ["GET", "HEAD", "PUT", "DELETE"] {
        for app in [&app, &lax] {
            let reply = send(app, raw(method, &form, good)).await;
            assert_eq!(reply.status, 400, "{method}: {reply:?}");
            if method != "HEAD" {
                assert!(
                    reply.body.contains("a token request is a POST"),
                    "{method}: {reply:?}"
                );
            }
        }
    }
    // The media type's name in any case, with parameters; nothing else.
    for content_type in [
        "application/x-www-form-urlencoded",
        "APPLICATION/X-WWW-FORM-URLENCODED",
        "application/x-www-form-urlencoded; charset=UTF-8",
        " application/x-www-form-urlencoded ;charset=utf-8",
        "application/x-www-form-urlencoded; charset=\"utf-8\"",
    ] {
        let reply = send(&app, raw("POST", &[("content-type", content_type)], good)).await;
        assert_eq!(reply.status, 200, "{content_type}: {reply:?}");
    }
    for headers in [
        &[("content-type", "application/x-www-form-urlencodedXYZ")][..],
        &[("content-type", "application/json")][..],
        &[("content-type", "text/plain")][..],
        &[("content-type", "multipart/form-data; boundary=x")][..],
        &[][..],
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("content-type", "application/x-www-form-urlencoded"),
        ][..],
    ] {
        let reply = send(&app, raw("POST", headers, good)).await;
        assert_eq!(reply.status, 400, "{headers:?}: {reply:?}");
        assert!(
            reply.body.contains("expected a form")
                && reply.body.contains(r#""error":"invalid_request""#),
            "{headers:?}: {reply:?}"
        );
    }
    // RFC 6749 appendix B: the form is UTF-8. A charset that writes ASCII as UTF-8 does
    // (Apache HttpClient labels its forms `ISO-8859-1`) is read while the form is ASCII;
    // another charset, or bytes that are not UTF-8 once percent-decoded, are refused:
    // read with replacement characters, the passwords `%FF` and `%FE` would be one string.
    for content_type in [
        "application/x-www-form-urlencoded; charset=ISO-8859-1",
        "application/x-www-form-urlencoded; charset=\"windows-1252\"",
        "application/x-www-form-urlencoded; charset=us-ascii",
    ] {
        let reply = send(&app, raw("POST", &[("content-type", content_type)], good)).await;
        assert_eq!(reply.status, 200, "{content_type}: {reply:?}");
        let latin = "grant_type=password&username=j%FCrgen&password=secret";
        let reply = send(&app, raw("POST", &[("content-type", content_type)], latin)).await;
        assert_eq!(reply.status, 400, "{content_type}: {reply:?}");
        assert!(
            reply.body.contains("send the form as UTF-8"),
            "{content_type}: {reply:?}"
        );
    }
    for content_type in [
        "application/x-www-form-urlencoded; charset=utf-16",
        "application/x-www-form-urlencoded; charset=\"shift_jis\"",
    ] {
        let reply = send(&app, raw("POST", &[("content-type", content_type)], good)).await;
        assert_eq!(reply.status, 400, "{content_type}: {reply:?}");
        assert!(
            reply.body.contains("charset must be UTF-8"),
            "{content_type}: {reply:?}"
        );
    }
    for body in [
        "grant_type=password&username=johndoe&password=%FF",
        "grant_type=password&username=john%C3doe&password=secret",
        "grant_type=password&username=johndoe&password=secret&x%FE=1",
    ] {
        for app in [&app, &lax] {
            let reply = send(app, post_form(body)).await;
            assert_eq!(reply.status, 400, "{body}: {reply:?}");
            assert!(reply.body.contains("not UTF-8"), "{body}: {reply:?}");
        }
    }
    // Percent-encoded UTF-8 and `+` read as they are written.
    assert_eq!(
        send(
            &app,
            post_form("grant_type=password&username=J%C3%BCrgen+M&password=p%2Bw%26d%3D")
        )
        .await,
        Reply::new(200, None, r#"Jürgen M p+w&d= [] "password" None None"#)
    );
    // Another grant type is refused as such whatever else the form holds, repeats too.
    for body in [
        "grant_type=foo&scope=a&scope=b",
        "grant_type=client_credentials&username=a&username=b",
    ] {
        let reply = send(&app, post_form(body)).await;
        assert!(
            reply.body.contains(r#""error":"unsupported_grant_type""#),
            "{body}: {reply:?}"
        );
    }
    // Any parameter twice, named when it is a known one; a value-less one is omitted.
    for (body, named) in [
        (
            "grant_type=password&username=a&password=b&scope=admin&scope=admin",
            Some("scope"),
        ),
        (
            "grant_type=password&grant_type=password&username=a&password=b",
            Some("grant_type"),
        ),
        (
            "grant_type=password&username=a&password=b&x%22y=1&x%22y=2",
            None,
        ),
    ] {
        let reply = send(&app, post_form(body)).await;
        assert_eq!(reply.status, 400, "{body}");
        match named {
            Some(name) => assert!(
                reply
                    .body
                    .contains(&format!("`{name}` is given more than once")),
                "{body}: {reply:?}"
            ),
            None => assert!(
                reply.body.contains("a parameter is given more than once")
                    && !reply.body.contains("x\\\"y"),
                "{body}: {reply:?}"
            ),
        }
    }
    assert_eq!(
        send(
            &app,
            post_form("grant_type=password&username=a&password=b&scope=&scope=admin")
        )
        .await,
        Reply::new(200, None, r#"a b ["admin"] "password" None None"#)
    );
    // FastAPI's lax form splits its scope at any whitespace, as `scope.split()` does.
    assert_eq!(
        send(
            &lax,
            post_form("username=a&password=b&scope=users%3Aread%09admin%0A")
        )
        .await,
        Reply::new(
            200,
            None,
            r#"a b ["users:read", "admin"] "password" None None"#
        )
    );
}

/// A served test issuer's token endpoint, as a hostile or careless client calls it:
/// `headers` and `body` sent as given. The status, the JSON answer, the
/// `WWW-Authenticate` header.
async fn served_token(
    issuer: &scopes_core::testing::TestIssuer,
    headers: &[(&str, &str)],
    body: impl Into<reqwest::Body>,
) -> (u16, serde_json::Value, Option<String>) {
    let mut request = reqwest::Client::new()
        .post(issuer.token_endpoint())
        .body(body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let challenge = response
        .headers()
        .get("www-authenticate")
        .map(|value| value.to_str().unwrap().to_owned());
    (status, response.json().await.unwrap_or_default(), challenge)
}

/// A token's claims, read without verifying it.
fn payload(token: &str) -> serde_json::Value {
    use base64::Engine;
    let segment = token.split('.').nth(1).unwrap();
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(segment)
        .unwrap();
    serde_json::from_slice(&json).unwrap()
}

/// `Basic` of these raw bytes.
fn basic(raw: &[u8]) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

/// The served issuer's token endpoint reads its requests as RFC 6749 says: client
/// credentials that cannot be read are refused, never taken for another client; one
/// way of authenticating; a form, each parameter once; `resource` URIs (RFC 8707).
#[tokio::test]
async fn a_served_issuer_s_token_endpoint_reads_requests_strictly() {
    let issuer = scopes_core::testing::TestIssuer::es256().serve().await;
    let form = ("content-type", "application/x-www-form-urlencoded");
    let grant = "grant_type=client_credentials&scope=items";
    let sub = |answer: &serde_json::Value| {
        let token = answer["access_token"].as_str().expect("a token").to_owned();
        let claims = payload(&token);
        (claims["sub"].as_str().unwrap().to_owned(), claims)
    };
    // Credentials it cannot read: 401 `invalid_client`, with the `Basic` challenge.
    for authorization in [
        "Basic !!!notbase64".to_owned(),
        basic(b"\xff\xfe:x"),
        "Basic Y2xpOnM".to_owned(), // `cli:s` without its padding
        basic(b":s"),               // no id
        basic(b"cli"),              // no colon
        basic(b"cl\x01i:s"),        // not printable
        basic(b"cli%01:s"),         // nor once decoded
        "Bearer abc".to_owned(),
        "Basic".to_owned(),
    ] {
        let (status, answer, challenge) =
            served_token(&issuer, &[form, ("authorization", &authorization)], grant).await;
        assert_eq!(status, 401, "{authorization}: {answer}");
        assert_eq!(answer["error"], "invalid_client", "{authorization}");
        assert_eq!(challenge.as_deref(), Some(r#"Basic realm="token""#));
    }
    // A form over 64 KiB: refused before it is decoded, and read no further.
    let long = format!(
        "{grant}&resource=https://api.example/{}",
        "a".repeat(64 * 1024)
    );
    let (status, answer, _) = served_token(&issuer, &[form], long).await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(
        answer["error_description"],
        "the form is too large for a token request (at most 64 KiB)"
    );
    // A form that is not UTF-8: `invalid_request`, not a client named with `\u{FFFD}`.
    for (content_type, body) in [
        (form.1, "grant_type=client_credentials&client_id=cli%FF"),
        (
            "application/x-www-form-urlencoded; charset=latin1",
            "grant_type=client_credentials&client_id=cl%E9",
        ),
        (
            "application/x-www-form-urlencoded; charset=utf-16",
            "grant_type=client_credentials&client_id=cli",
        ),
    ] {
        let (status, answer, _) =
            served_token(&issuer, &[("content-type", content_type)], body).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert_eq!(answer["error"], "invalid_request", "{body}");
    }
    // The scheme's name in any case; the parts form-urlencoded (`+` a space).
    for (authorization, id) in [
        (basic(b"cli:s").replacen("Basic", "basic", 1), "cli"),
        (basic(b"a%3Db%26c:s"), "a=b&c"),
        (basic(b"report+job:s"), "report job"),
    ] {
        let (status, answer, _) =
            served_token(&issuer, &[form, ("authorization", &authorization)], grant).await;
        assert_eq!(status, 200, "{authorization}: {answer}");
        assert_eq!(sub(&answer).0, id);
    }
    // One way of authenticating, one client, one header.
    let cli = basic(b"cli:s");
    for (headers, body) in [
        (
            vec![form, ("authorization", &cli)],
            format!("{grant}&client_secret=x"),
        ),
        (
            vec![form, ("authorization", &cli)],
            format!("{grant}&client_id=other"),
        ),
        (
            vec![form, ("authorization", &cli), ("authorization", &cli)],
            grant.to_owned(),
        ),
        (vec![form], format!("{grant}&client_secret=x")),
        (vec![form], format!("{grant}&client_id=a%01b")),
    ] {
        let (status, answer, _) = served_token(&issuer, &headers, body.clone()).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert_eq!(answer["error"], "invalid_request", "{body}");
    }
    // A form, each parameter once (`resource` aside); a value-less one is omitted.
    for (headers, body) in [
        (vec![("content-type", "application/json")], grant.to_owned()),
        (vec![("content-type", "text/plain")], grant.to_owned()),
        (vec![], grant.to_owned()),
        (
            vec![form],
            format!("{grant}&client_secret=a&client_secret=b&client_id=c"),
        ),
        (vec![form], format!("{grant}&extension=1&extension=2")),
    ] {
        let (status, answer, _) = served_token(&issuer, &headers, body.clone()).await;
        assert_eq!(status, 400, "{headers:?} {body}: {answer}");
        assert_eq!(answer["error"], "invalid_request", "{headers:?} {body}");
    }
    let (status, answer, _) = served_token(
        &issuer,
        &[form],
        "grant_type=client_credentials&scope=&scope=items%20me%20items",
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    // A scope is a set: each name once, in the order first asked.
    assert_eq!(answer["scope"], "items me");
    assert_eq!(sub(&answer).1["scope"], "items me");
    // RFC 8707 §2: absolute URIs without a fragment.
    // (Form-encoded: `not a uri`, `https://api.example.com#frag`, `/relative`.)
    for resource in [
        "not%20a%20uri",
        "https%3A%2F%2Fapi.example.com%23frag",
        "%2Frelative",
    ] {
        let body = format!("{grant}&resource={resource}");
        let (status, answer, _) = served_token(&issuer, &[form], body.clone()).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert_eq!(answer["error"], "invalid_target", "{body}");
    }
    let (status, answer, _) = served_token(
        &issuer,
        &[form],
        format!("{grant}&resource=https%3A%2F%2Fapi.example.com&resource=urn%3Aexample%3Aapi"),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        sub(&answer).1["aud"],
        serde_json::json!(["https://api.example.com", "urn:example:api"])
    );
    // A body over axum's limit: still an RFC 6749 §5.2 answer.
    let (status, answer, _) = served_token(&issuer, &[form], vec![b'a'; 3 << 20]).await;
    assert_eq!(status, 400);
    assert_eq!(answer["error"], "invalid_request");
}
