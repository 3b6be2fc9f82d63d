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

// The order is wrong whether or not the condition holds in this build.
#[cfg_attr(any(), axum::debug_handler(state = scopes_core::Verifier))]
#[requires_scopes("items")]
async fn read_items_never_debugged() {}

// Nested: `cfg_attr` inside `cfg_attr`.
#[cfg_attr(debug_assertions, cfg_attr(test, axum::debug_handler(state = scopes_core::Verifier)))]
#[requires_scopes("items")]
async fn read_items_when_testing() {}

struct Api;

impl Api {
    // In an `impl` block: the one error, on the function, with both fixes (out of the
    // block, then the order), not the order alone and the block after it.
    #[axum::debug_handler(state = scopes_core::Verifier)]
    #[requires_scopes("items")]
    async fn read_items() {}
}

fn main() {}
