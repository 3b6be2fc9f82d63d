//! FastAPI's answers as an option, a hook that shapes bodies without breaking RFC 6750,
//! and rejections a handler can match on.

use axum::Router;
use axum::body::Body;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use jsonwebtoken::Algorithm;
use scopes_core::{
    AuthRejection, Claims, Key, Rejection, ResponseMode, TokenError, Verifier, VerifierBuilder,
    requires_scopes, scopes,
};
use scopes_tests::{Reply, Request, get as get_with, hs256, now, send, sign};
use serde::Deserialize;
use serde_json::json;

scopes! {
    /// The tutorial's scopes.
    pub Scopes {
        "me": "Read information about the current user.",
        "items": "Read items.",
    }
}

#[derive(Deserialize)]
struct User {
    sub: String,
}

struct CurrentUser(User);

#[requires_scopes("me")]
impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Claims(user) = Claims::<User>::from_request_parts(parts, state).await?;
        Ok(CurrentUser(user))
    }
}

#[requires_scopes("items")]
async fn read_own_items(CurrentUser(user): CurrentUser) -> String {
    format!("items of {}", user.sub)
}

async fn read_system_status(Claims(_): Claims<User>) -> &'static str {
    "ok"
}

/// A handler that turns refusals into its own answer.
async fn lenient(claims: Result<Claims<User>, Rejection>) -> String {
    match claims {
        Ok(Claims(user)) => format!("hello {}", user.sub),
        Err(rejection) => match rejection.reason() {
            AuthRejection::MissingCredentials => "hello stranger".to_owned(),
            AuthRejection::InvalidToken(TokenError::Expired) => "please log in again".to_owned(),
            other => format!("refused: {other}"),
        },
    }
}

/// Optional authentication.
async fn greeting(user: Option<Claims<User>>) -> String {
    match user {
        Some(Claims(user)) => format!("hello {}", user.sub),
        None => "hello stranger".to_owned(),
    }
}

fn app(builder: VerifierBuilder) -> Router {
    let verifier = builder
        .key(Key::hs256(scopes_tests::SECRET).unwrap())
        .build()
        .unwrap();
    Router::new()
        .route("/users/me/items/", get(read_own_items))
        .route("/status/", get(read_system_status))
        .route("/lenient/", get(lenient))
        .route("/greeting/", get(greeting))
        .with_state(verifier)
}

fn expired() -> String {
    sign(
        Algorithm::HS256,
        &json!({ "sub": "johndoe", "exp": now() - 3600, "scopes": ["me", "items"] }),
    )
}

fn anonymous(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

#[tokio::test]
async fn fastapi_mode_answers_as_the_tutorial() {
    let app = app(Verifier::builder().response_mode(ResponseMode::FastApi));
    let not_enough = Reply::new(
        401,
        Some(r#"Bearer scope="items me""#),
        r#"{"detail":"Not enough permissions"}"#,
    );
    let invalid = Reply::new(
        401,
        Some(r#"Bearer scope="items me""#),
        r#"{"detail":"Could not validate credentials"}"#,
    );
    assert_eq!(
        send(&app, get_with("/users/me/items/", &hs256(&["me"]))).await,
        not_enough
    );
    assert_eq!(
        send(&app, get_with("/users/me/items/", &hs256(&["items"]))).await,
        not_enough
    );
    assert_eq!(
        send(&app, get_with("/users/me/items/", &expired())).await,
        invalid
    );
    assert_eq!(
        send(&app, get_with("/users/me/items/", "x.y.z")).await,
        invalid
    );
    assert_eq!(
        send(&app, anonymous("/users/me/items/")).await,
        Reply::new(401, Some("Bearer"), r#"{"detail":"Not authenticated"}"#)
    );
    // Claims that do not fit the handler's type: `Claims` refuses inside a scoped
    // handler with the route's scopes, as the injected extractor would.
    let no_sub = sign(
        Algorithm::HS256,
        &json!({ "exp": now() + 600, "scopes": ["me", "items"] }),
    );
    assert_eq!(
        send(&app, get_with("/users/me/items/", &no_sub)).await,
        invalid
    );
    // A route requiring no scope is challenged with a bare `Bearer`.
    assert_eq!(
        send(&app, get_with("/status/", &expired())).await,
        Reply::new(
            401,
            Some("Bearer"),
            r#"{"detail":"Could not validate credentials"}"#
        )
    );
    assert_eq!(
        send(&app, get_with("/users/me/items/", &hs256(&["me", "items"]))).await,
        Reply::new(200, None, "items of johndoe")
    );
}

#[tokio::test]
async fn the_default_mode_is_rfc_6750() {
    let app = app(Verifier::builder());
    assert_eq!(
        send(&app, get_with("/users/me/items/", &hs256(&["me"]))).await,
        Reply::new(
            403,
            Some(r#"Bearer error="insufficient_scope", scope="items me""#),
            r#"{"detail":"Not enough permissions"}"#
        )
    );
}

fn problem_json(rejection: &Rejection) -> Response {
    let title = rejection.reason().detail();
    let body =
        json!({ "type": "about:blank", "title": title, "status": rejection.status().as_u16() });
    // A careless hook: wrong status, no challenge. Both are put right after it.
    (
        axum::http::StatusCode::IM_A_TEAPOT,
        [("content-type", "application/problem+json")],
        body.to_string(),
    )
        .into_response()
}

#[tokio::test]
async fn a_hook_shapes_the_body_and_keeps_status_and_challenge() {
    let app = app(Verifier::builder().on_rejection(problem_json));
    let response =
        tower::ServiceExt::oneshot(app.clone(), get_with("/users/me/items/", &hs256(&["me"])))
            .await
            .unwrap();
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    assert_eq!(
        send(&app, get_with("/users/me/items/", &hs256(&["me"]))).await,
        Reply::new(
            403,
            Some(r#"Bearer error="insufficient_scope", scope="items me""#),
            r#"{"status":403,"title":"Not enough permissions","type":"about:blank"}"#
        )
    );
    assert_eq!(
        send(&app, get_with("/status/", &expired())).await,
        Reply::new(
            401,
            Some(r#"Bearer error="invalid_token", error_description="The access token expired""#),
            r#"{"status":401,"title":"Could not validate credentials","type":"about:blank"}"#
        )
    );
    let fastapi = app_with_both();
    assert_eq!(
        send(&fastapi, get_with("/users/me/items/", &hs256(&["me"]))).await,
        Reply::new(
            401,
            Some(r#"Bearer scope="items me""#),
            r#"{"status":401,"title":"Not enough permissions","type":"about:blank"}"#
        )
    );
}

fn app_with_both() -> Router {
    app(Verifier::builder()
        .on_rejection(problem_json)
        .response_mode(ResponseMode::FastApi))
}

#[tokio::test]
async fn handlers_can_match_on_the_reason() {
    let app = app(Verifier::builder());
    assert_eq!(
        send(&app, anonymous("/lenient/")).await,
        Reply::new(200, None, "hello stranger")
    );
    assert_eq!(
        send(&app, get_with("/lenient/", &expired())).await,
        Reply::new(200, None, "please log in again")
    );
    assert_eq!(
        send(&app, get_with("/lenient/", &hs256(&[]))).await,
        Reply::new(200, None, "hello johndoe")
    );
    assert_eq!(
        send(&app, get_with("/lenient/", "x.y.z")).await,
        Reply::new(200, None, "refused: The access token is malformed")
    );
}

#[tokio::test]
async fn optional_authentication_still_refuses_bad_tokens() {
    let app = app(Verifier::builder());
    assert_eq!(
        send(&app, anonymous("/greeting/")).await,
        Reply::new(200, None, "hello stranger")
    );
    assert_eq!(
        send(&app, get_with("/greeting/", &hs256(&[]))).await,
        Reply::new(200, None, "hello johndoe")
    );
    let expired = send(&app, get_with("/greeting/", &expired())).await;
    assert_eq!(
        expired,
        Reply::new(
            401,
            Some(r#"Bearer error="invalid_token", error_description="The access token expired""#),
            r#"{"detail":"Could not validate credentials"}"#
        )
    );
    let malformed = Request::get("/greeting/")
        .header("authorization", "Bearer a b")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, malformed).await.status, 400);
}

#[tokio::test]
async fn a_realm_goes_first_in_every_challenge() {
    let app = app(Verifier::builder().realm("example api"));
    assert_eq!(
        send(&app, anonymous("/users/me/items/"))
            .await
            .challenge
            .as_deref(),
        Some(r#"Bearer realm="example api""#)
    );
    assert_eq!(
        send(&app, get_with("/users/me/items/", &hs256(&["me"])))
            .await
            .challenge
            .as_deref(),
        Some(r#"Bearer realm="example api", error="insufficient_scope", scope="items me""#)
    );
    assert_eq!(
        send(&app, get_with("/status/", &expired()))
            .await
            .challenge
            .as_deref(),
        Some(
            r#"Bearer realm="example api", error="invalid_token", error_description="The access token expired""#
        )
    );
    let fastapi = self::app(
        Verifier::builder()
            .realm("api")
            .response_mode(ResponseMode::FastApi),
    );
    assert_eq!(
        send(&fastapi, get_with("/users/me/items/", &hs256(&["me"])))
            .await
            .challenge
            .as_deref(),
        Some(r#"Bearer realm="api", scope="items me""#)
    );
}
