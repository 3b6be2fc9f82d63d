//! Documenting operations of a table that declares no security scheme would write
//! `security: []` ("no authentication"): an error that says how to declare one.

use scopes_core::openapi::{OperationSecurity, security_of};
use scopes_core::{requires_scopes, scopes};

scopes! {
    pub Scopes {
        "items": "Read items.",
    }
}

#[requires_scopes("items")]
#[utoipa::path(get, path = "/items", responses((status = 200, description = "The items")))]
async fn read_items() {}

#[requires_scopes("items")]
async fn plain() {}

fn main() {
    let _: OperationSecurity<Scopes> = security_of!(plain);
    let _ = read_items::<scopes_core::Verifier>;
}
