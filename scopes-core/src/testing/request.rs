//! Requests to an app in process (`tower::ServiceExt::oneshot`) and what they answer.

use axum::Router;
use axum::body::{Body, Bytes};
use http::header::AUTHORIZATION;
use http::{HeaderMap, Method, Request, StatusCode};
use serde::de::DeserializeOwned;
use tower::ServiceExt;

use super::assert::{AuthAssertions, Challenge};

/// `Authorization: Bearer <token>` on an
/// [`http::request::Builder`](axum::http::request::Builder).
pub trait BearerExt {
    /// Adds `Authorization: Bearer <token>`.
    #[must_use]
    fn bearer(self, token: &str) -> Self;

    /// Adds `Authorization: DPoP <token>` and `DPoP: <proof>` (RFC 9449 §7.1); make the
    /// proof with [`DpopKey::proof`](super::DpopKey::proof).
    #[must_use]
    fn dpop(self, token: &str, proof: &str) -> Self;
}

impl BearerExt for http::request::Builder {
    fn bearer(self, token: &str) -> Self {
        self.header(AUTHORIZATION, format!("Bearer {token}"))
    }

    fn dpop(self, token: &str, proof: &str) -> Self {
        self.header(AUTHORIZATION, format!("DPoP {token}"))
            .header("dpop", proof)
    }
}

/// What [`request`], [`json_request`] and [`dpop_request`] take as a method: a
/// [`Method`], or its name (`"POST"`). Names are case-sensitive in HTTP: `"post"` would be a method of its own,
/// which no route serves, so a standard method's name in another case panics, saying
/// which to write.
pub trait IntoMethod {
    /// The method.
    fn into_method(self) -> Method;
}

impl IntoMethod for Method {
    fn into_method(self) -> Method {
        self
    }
}

impl IntoMethod for &str {
    #[track_caller]
    fn into_method(self) -> Method {
        let upper = self.to_ascii_uppercase();
        let standard =
            Method::from_bytes(upper.as_bytes()).is_ok_and(|method| is_standard(&method));
        assert!(
            !standard || upper == self,
            "HTTP methods are case-sensitive: write {upper:?}, not {self:?}"
        );
        Method::from_bytes(self.as_bytes())
            .unwrap_or_else(|_| panic!("{self:?} is not an HTTP method's name"))
    }
}

impl IntoMethod for String {
    fn into_method(self) -> Method {
        self.as_str().into_method()
    }
}

impl IntoMethod for &String {
    fn into_method(self) -> Method {
        self.as_str().into_method()
    }
}

/// One of the methods `http` names (`GET`, `POST`, …).
fn is_standard(method: &Method) -> bool {
    [
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::DELETE,
        Method::HEAD,
        Method::OPTIONS,
        Method::CONNECT,
        Method::PATCH,
        Method::TRACE,
    ]
    .contains(method)
}

/// A request to `uri` with `method`, `Authorization: Bearer <token>` when `token` is
/// given, and an empty body. It carries `Host`, as every HTTP/1.1 request does (a server
/// such as rmcp's refuses a request without one): `localhost` for a path, the
/// authority of an absolute `uri` (`https://api.example.com/items`, whose scheme the
/// request keeps). The method is a [`Method`] or its name (`"POST"`).
///
/// # Panics
///
/// When `method` is not a method's name, or `uri` neither a path (`/items`) nor an
/// absolute URL.
#[track_caller]
pub fn request(method: impl IntoMethod, uri: &str, token: Option<&str>) -> Request<Body> {
    let builder = addressed(method.into_method(), uri);
    let builder = match token {
        Some(token) => builder.bearer(token),
        None => builder,
    };
    builder
        .body(Body::empty())
        .expect("a request with a valid method and URI")
}

/// `GET uri` with the bearer token, if any.
#[track_caller]
pub fn get(uri: &str, token: Option<&str>) -> Request<Body> {
    request(Method::GET, uri, token)
}

/// A request to `uri` with `method`, `Authorization: Bearer <token>` when `token` is
/// given, and `body` as JSON (`Content-Type: application/json`): what a handler taking
/// axum's `Json<T>` reads.
///
/// ```
/// use axum::{Json, Router, http::Method, routing::post};
/// use scopes_core::testing::{self, AuthAssertions, TestIssuer};
/// use scopes_core::{requires_scopes, scope_set, scopes};
///
/// scopes! { pub Scopes { "items:write": "Create items." } }
///
/// #[derive(serde::Deserialize, serde::Serialize)]
/// struct Item { name: String }
///
/// #[requires_scopes("items:write")]
/// async fn create_item(Json(item): Json<Item>) -> String { item.name }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let issuer = TestIssuer::hs256();
/// let app = Router::new()
///     .route("/items", post(create_item))
///     .with_state(issuer.verifier());
/// let item = Item { name: "Foo".into() };
///
/// let token = issuer.mint("alice", scope_set!("items:write"));
/// let created = testing::json_request(Method::POST, "/items", Some(&token), &item);
/// let created = testing::send(&app, created).await;
/// created.assert_admitted();
/// assert_eq!(created.text(), "Foo");
///
/// let anonymous = testing::json_request(Method::POST, "/items", None, &item);
/// testing::send(&app, anonymous).await.assert_missing_credentials();
/// # }
/// ```
///
/// # Panics
///
/// When `body` cannot be written as JSON (a map with keys that are not strings),
/// `method` is not a method's name, or `uri` neither a path nor an absolute URL.
#[track_caller]
pub fn json_request(
    method: impl IntoMethod,
    uri: &str,
    token: Option<&str>,
    body: &(impl serde::Serialize + ?Sized),
) -> Request<Body> {
    let body = serde_json::to_vec(body).expect("a body that serializes as JSON");
    let builder =
        addressed(method.into_method(), uri).header(http::header::CONTENT_TYPE, "application/json");
    let builder = match token {
        Some(token) => builder.bearer(token),
        None => builder,
    };
    builder
        .body(Body::from(body))
        .expect("a request with a valid method and URI")
}

/// A request to `url` with `method`, `Authorization: DPoP <token>`, a proof of `key`
/// made for that method and URL (RFC 9449), and an empty body. `url` is absolute, as
/// the client addresses the API (`https://api.example.com/items`): the proof names it,
/// and the request carries it and its `Host`. For a proof made otherwise (replayed, for
/// another URL, with a nonce), build the request with [`BearerExt::dpop`]. The method
/// is a [`Method`] or its name, as [`request`] takes it.
#[track_caller]
pub fn dpop_request(
    method: impl IntoMethod,
    url: &str,
    token: &str,
    key: &super::DpopKey,
) -> Request<Body> {
    let method = method.into_method();
    let proof = key.proof(method.as_str(), url).token(token).sign();
    addressed(method, url)
        .dpop(token, &proof)
        .body(Body::empty())
        .expect("a request with a valid method and URI")
}

/// A request to `uri` as a client addresses it: `Host` its authority (without user
/// information), or `localhost` for a path alone.
#[track_caller]
fn addressed(method: Method, uri: &str) -> http::request::Builder {
    let parsed: http::Uri = uri.parse().expect("a valid URI");
    // `items` parses as an authority with no path, which no route matches: a 404 that
    // would hide the slip.
    assert!(
        parsed.scheme().is_some() || uri.starts_with('/'),
        "{uri:?} is neither a path (`/{uri}`) nor an absolute URL (`https://api.example.com/{uri}`)"
    );
    let uri = parsed;
    let host = uri.authority().map_or("localhost", |authority| {
        let authority = authority.as_str();
        authority
            .rsplit_once('@')
            .map_or(authority, |(_, host)| host)
    });
    let host = http::HeaderValue::from_str(host).expect("an authority is a header value");
    Request::builder()
        .method(method)
        .header(http::header::HOST, host)
        .uri(uri)
}

/// Sends `request` to `app` in process and reads the whole answer.
///
/// ```
/// use axum::{Router, routing::get};
/// use scopes_core::testing::{self, AuthAssertions, TestIssuer};
/// use scopes_core::{requires_scopes, scope_set, scopes};
///
/// scopes! { pub Scopes { "items": "Read items.", "users": "Read users." } }
///
/// #[requires_scopes("items")]
/// async fn read_items() -> &'static str { "[]" }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let issuer = TestIssuer::hs256();
/// let app = Router::new()
///     .route("/items", get(read_items))
///     .with_state(issuer.verifier());
///
/// let token = issuer.mint("alice", scope_set!("items"));
/// let response = testing::send(&app, testing::get("/items", Some(&token))).await;
/// response.assert_admitted();
/// assert_eq!(response.text(), "[]");
///
/// let users_only = issuer.mint("alice", scope_set!("users"));
/// testing::send(&app, testing::get("/items", Some(&users_only)))
///     .await
///     .assert_insufficient_scope("items");
/// # }
/// ```
pub async fn send(app: &Router, request: Request<Body>) -> TestResponse {
    let response = app
        .clone()
        .oneshot(request)
        .await
        .unwrap_or_else(|never| match never {});
    TestResponse::read(response).await
}

/// A response read whole, with [`AuthAssertions`].
#[derive(Debug, Clone)]
pub struct TestResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl TestResponse {
    /// Reads a response whole (one that `oneshot` gave, say). Panics if its body
    /// cannot be read.
    pub async fn read(response: http::Response<Body>) -> Self {
        let (parts, body) = response.into_parts();
        let body = axum::body::to_bytes(body, usize::MAX)
            .await
            .expect("the app's response body reads");
        Self {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    }

    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// A header's value, if present and text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// The body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body as text. Panics if it is not UTF-8.
    #[track_caller]
    pub fn text(&self) -> &str {
        core::str::from_utf8(&self.body).expect("the response body is UTF-8")
    }

    /// The body parsed as JSON into `T`. Panics, with the body, if it does not parse.
    #[track_caller]
    pub fn json<T: DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.body).unwrap_or_else(|error| {
            panic!(
                "the response body is not the JSON expected ({error}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The `WWW-Authenticate` challenge, parsed, if there is one.
    pub fn challenge(&self) -> Option<Challenge> {
        AuthAssertions::challenge(self)
    }
}

impl AuthAssertions for TestResponse {
    fn status(&self) -> StatusCode {
        self.status
    }

    fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    fn body_text(&self) -> Option<&str> {
        core::str::from_utf8(&self.body).ok()
    }
}
