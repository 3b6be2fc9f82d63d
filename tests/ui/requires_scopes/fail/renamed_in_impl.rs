//! The attribute imported under another name, on an associated function: the one error
//! that says what to do, as under its own name.

use scopes_core::requires_scopes as scoped;
use scopes_core::scopes;

scopes! {
    pub Scopes {
        "items": "Read items.",
    }
}

struct Api;

impl Api {
    #[scoped("items")]
    async fn list() -> &'static str {
        "items"
    }
}

fn main() {
    let _ = Api::list;
}
