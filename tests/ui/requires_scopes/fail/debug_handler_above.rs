//! `#[axum::debug_handler]` written above `#[requires_scopes]` checks the handler before
//! the attribute rewrites it: axum's check calls the handler without the injected
//! extractor, and its error names that extractor at `debug_handler`. Write
//! `#[requires_scopes]` above it.

use scopes_core::{requires_scopes, scopes};

scopes! {
    pub Scopes {
        "items": "Read items.",
    }
}

#[axum::debug_handler(state = scopes_core::Verifier)]
#[requires_scopes("items")]
async fn read_items() {}

fn main() {}
