//! axum takes at most 16 parameters, the check among them: 16 of the handler's own are
//! one too many, said on the sixteenth (without the attribute, this handler is one).

use axum::http::Method;
use scopes_core::{requires_scopes, scopes};

scopes! {
    pub Scopes {
        "items": "Read items.",
    }
}

#[requires_scopes("items")]
async fn busy(
    _: Method, _: Method, _: Method, _: Method, _: Method, _: Method, _: Method, _: Method,
    _: Method, _: Method, _: Method, _: Method, _: Method, _: Method, _: Method, _: Method,
) {}

#[requires_scopes("items")]
async fn fifteen(
    _: Method, _: Method, _: Method, _: Method, _: Method, _: Method, _: Method, _: Method,
    _: Method, _: Method, _: Method, _: Method, _: Method, _: Method, _: Method,
) {}

fn main() {
    let _ = axum::Router::<scopes_core::Verifier>::new().route("/", axum::routing::get(fifteen));
}
