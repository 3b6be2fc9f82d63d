//! `#[axum::debug_handler]` written above `#[requires_scopes]` would check the handler
//! before the attribute rewrites it (axum's check calls it without the injected
//! extractor). The attribute sees `debug_handler` above it in the source and says the
//! order, once: also when `cfg_attr` applies it.

use scopes_core::{requires_scopes, scopes};

scopes! {
    pub Scopes {
        "items": "Read items.",
    }
}

#[axum::debug_handler(state = scopes_core::Verifier)]
#[requires_scopes("items")]
async fn read_items() {}

#[cfg_attr(debug_assertions, axum::debug_handler(state = scopes_core::Verifier))]
#[requires_scopes("items")]
async fn read_items_in_debug() {}

fn main() {}
