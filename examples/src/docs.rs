//! `/openapi.json` and Swagger UI at `/docs`, served as FastAPI serves them.
//!
//! Swagger UI resolves a relative `tokenUrl` (the tutorial's `"token"`) against the
//! page's address, so the page must be at `/docs`, not `/docs/` (where utoipa-swagger-ui's
//! own router puts it, and `token` would become `/docs/token`). The assets come from
//! utoipa-swagger-ui's vendored copy, a crates.io package: nothing is downloaded at
//! build time.

use std::sync::Arc;

use axum::extract::Path;
use axum::http::header::{CONTENT_ENCODING, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use utoipa::openapi::OpenApi;
use utoipa_swagger_ui::Config;

/// The routes: `/openapi.json`, the page at `/docs`, its assets under `/docs/`.
pub fn routes<S: Clone + Send + Sync + 'static>(document: OpenApi) -> Router<S> {
    let document = Arc::new(document);
    Router::new()
        .route(
            "/openapi.json",
            get(move || async move { Json(Arc::clone(&document)) }),
        )
        .route("/docs", get(|| async { swagger_file("") }))
        .route("/docs/", get(|| async { Redirect::permanent("/docs") }))
        .route(
            "/docs/{*file}",
            get(|Path(file): Path<String>| async move { swagger_file(&file) }),
        )
}

/// One of Swagger UI's files; the page itself for `""`, with `<base href="/docs/">` so
/// that its relative asset URLs resolve under `/docs/`.
fn swagger_file(file: &str) -> Response {
    let config = Arc::new(Config::from("/openapi.json"));
    let found = match utoipa_swagger_ui::serve(file, config) {
        Ok(Some(found)) => found,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(error) => {
            return (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response();
        }
    };
    let mut bytes = found.bytes.into_owned();
    if file.is_empty() {
        let page = String::from_utf8_lossy(&bytes);
        bytes = page
            .replacen("<head>", "<head>\n    <base href=\"/docs/\">", 1)
            .into_bytes();
    }
    let mut response = ([(CONTENT_TYPE, found.content_type)], bytes).into_response();
    if found.gzpipped {
        response
            .headers_mut()
            .insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    response
}
