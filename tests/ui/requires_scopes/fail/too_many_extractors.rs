//! More extractors than a handler's requirement is composed with (32, a tuple's
//! elements counted one by one): an error on the handler that says how to group them.

use axum::http::{HeaderMap, Method, Uri};
use scopes_core::{requires_scopes, scopes};

scopes! {
    pub Scopes {
        "items": "Read items.",
    }
}

#[requires_scopes("items")]
async fn crowded(
    _: (HeaderMap, Method, Uri, HeaderMap, Method, Uri, HeaderMap, Method, Uri, HeaderMap, Method, Uri),
    _: (HeaderMap, Method, Uri, HeaderMap, Method, Uri, HeaderMap, Method, Uri, HeaderMap, Method, Uri),
    _: (HeaderMap, Method, Uri, HeaderMap, Method, Uri, HeaderMap, Method, Uri, HeaderMap, Method, Uri),
) {
}

fn main() {}
