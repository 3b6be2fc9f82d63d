//! A browser's page calling the API from another origin: a CORS layer outside the
//! checks answers the preflights, which carry no token, and lets the page read a
//! refusal's challenge (README, "Browsers: CORS").

use axum::Router;
use axum::body::Body;
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS,
    ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, AUTHORIZATION, CONTENT_TYPE,
    ORIGIN, WWW_AUTHENTICATE,
};
use axum::http::{HeaderName, HeaderValue, Method, Request, StatusCode};
use axum::response::Response;
use axum::routing::get;
use scopes_core::{Key, RequireScopesLayer, Verifier, requires_scopes, scopes};
use scopes_tests::hs256;
use tower::ServiceExt;
use tower_http::cors::CorsLayer;

scopes! {
    /// The table of the page's API.
    pub Scopes {
        "items": "Read items.",
        "admin": "Administer.",
    }
}

#[requires_scopes("items")]
async fn items() -> &'static str {
    "[]"
}

async fn report() -> &'static str {
    "report"
}

#[requires_scopes("admin")]
struct Admin;

const PAGE: &str = "https://app.example";

/// What a page's calls need: its origin, the `Authorization` (and `DPoP`) request
/// headers, and the refusals' `WWW-Authenticate` (and `DPoP-Nonce`) readable by it.
fn cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(HeaderValue::from_static(PAGE))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([AUTHORIZATION, CONTENT_TYPE, HeaderName::from_static("dpop")])
        .expose_headers([WWW_AUTHENTICATE, HeaderName::from_static("dpop-nonce")])
}

fn verifier() -> Verifier {
    Verifier::new(Key::hs256(scopes_tests::SECRET).unwrap()).unwrap()
}

async fn call(app: &Router, request: Request<Body>) -> Response {
    app.clone().oneshot(request).await.unwrap()
}

fn preflight(path: &str) -> Request<Body> {
    Request::options(path)
        .header(ORIGIN, PAGE)
        .header(ACCESS_CONTROL_REQUEST_METHOD, "GET")
        .header(ACCESS_CONTROL_REQUEST_HEADERS, "authorization")
        .body(Body::empty())
        .unwrap()
}

fn from_page(path: &str, token: Option<&str>) -> Request<Body> {
    let mut request = Request::get(path).header(ORIGIN, PAGE);
    if let Some(token) = token {
        request = request.header(AUTHORIZATION, format!("Bearer {token}"));
    }
    request.body(Body::empty()).unwrap()
}

fn header<'r>(response: &'r Response, name: &HeaderName) -> Option<&'r str> {
    response
        .headers()
        .get(name)
        .map(|value| value.to_str().unwrap())
}

/// The page sees every answer, refusals included, and can read their challenge.
fn assert_readable(response: &Response, status: StatusCode) {
    assert_eq!(response.status(), status);
    assert_eq!(header(response, &ACCESS_CONTROL_ALLOW_ORIGIN), Some(PAGE));
    assert_eq!(
        header(response, &ACCESS_CONTROL_EXPOSE_HEADERS),
        Some("www-authenticate,dpop-nonce")
    );
}

async fn body(response: Response) -> String {
    let bytes = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[tokio::test]
async fn a_cors_layer_outside_answers_preflights_and_exposes_the_challenge() {
    let guarded = Router::new()
        .route("/admin/report", get(report))
        .route_layer(RequireScopesLayer::<Scopes, Admin>::new(&verifier()));
    let app = Router::new()
        .route("/items", get(items))
        .merge(guarded)
        .with_state(verifier())
        .layer(cors());

    // The preflights carry no token: answered by the CORS layer, before any check.
    for path in ["/items", "/admin/report"] {
        let response = call(&app, preflight(path)).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(header(&response, &ACCESS_CONTROL_ALLOW_ORIGIN), Some(PAGE));
        assert_eq!(
            header(&response, &ACCESS_CONTROL_ALLOW_HEADERS),
            Some("authorization,content-type,dpop")
        );
        assert_eq!(header(&response, &WWW_AUTHENTICATE), None);
        assert_eq!(body(response).await, "");
    }

    // The calls themselves are checked as ever, and each refusal's challenge is the
    // page's to read (a client that asks for the scope the 403 names, for one).
    let no_token = call(&app, from_page("/items", None)).await;
    assert_readable(&no_token, StatusCode::UNAUTHORIZED);
    assert_eq!(header(&no_token, &WWW_AUTHENTICATE), Some("Bearer"));
    assert_eq!(body(no_token).await, r#"{"detail":"Not authenticated"}"#);
    let me = hs256(&["me"]);
    let forbidden = call(&app, from_page("/items", Some(&me))).await;
    assert_readable(&forbidden, StatusCode::FORBIDDEN);
    assert_eq!(
        header(&forbidden, &WWW_AUTHENTICATE),
        Some(r#"Bearer error="insufficient_scope", scope="items""#)
    );
    assert_eq!(
        body(forbidden).await,
        r#"{"detail":"Not enough permissions"}"#
    );
    let admitted = call(&app, from_page("/items", Some(&hs256(&["items"])))).await;
    assert_readable(&admitted, StatusCode::OK);
    assert_eq!(header(&admitted, &WWW_AUTHENTICATE), None);
    assert_eq!(body(admitted).await, "[]");
    // `route_layer`: a path no route serves is still a 404, with its CORS headers.
    let unknown = call(&app, from_page("/nope", None)).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert_eq!(header(&unknown, &ACCESS_CONTROL_ALLOW_ORIGIN), Some(PAGE));
    let layer_refused = call(&app, from_page("/admin/report", Some(&me))).await;
    assert_readable(&layer_refused, StatusCode::FORBIDDEN);
    assert_eq!(
        header(&layer_refused, &WWW_AUTHENTICATE),
        Some(r#"Bearer error="insufficient_scope", scope="admin""#)
    );
    assert_eq!(
        body(layer_refused).await,
        r#"{"detail":"Not enough permissions"}"#
    );
}

/// Why a merged router takes the scopes layer with `route_layer` (README): with
/// `layer` it also wraps that router's fallback, which the merged app inherits, so a
/// path no route serves is refused (401, 403) instead of answered 404.
#[tokio::test]
async fn a_merged_router_s_layer_also_answers_for_unknown_paths() {
    let unknown = |layered: Router<Verifier>| async move {
        let app = Router::new()
            .route("/items", get(items))
            .merge(layered)
            .with_state(verifier());
        call(&app, from_page("/nope", None)).await.status()
    };
    let admin = || Router::new().route("/admin/report", get(report));
    let layer = || RequireScopesLayer::<Scopes, Admin>::new(&verifier());
    assert_eq!(
        unknown(admin().route_layer(layer())).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        unknown(admin().layer(layer())).await,
        StatusCode::UNAUTHORIZED
    );
}

/// The mistake the README warns of: a CORS layer inside a router-wide
/// `RequireScopesLayer` is never reached by a preflight, which the layer refuses for
/// its missing token (it lets nothing through unchecked, an `OPTIONS` either), so the
/// browser reports a CORS failure.
#[tokio::test]
async fn a_cors_layer_inside_the_scopes_layer_never_sees_the_preflight() {
    let app = Router::new()
        .route("/admin/report", get(report))
        .layer(cors())
        .layer(RequireScopesLayer::<Scopes, Admin>::new(&verifier()))
        .with_state(verifier());
    let response = call(&app, preflight("/admin/report")).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(header(&response, &ACCESS_CONTROL_ALLOW_ORIGIN), None);
}
