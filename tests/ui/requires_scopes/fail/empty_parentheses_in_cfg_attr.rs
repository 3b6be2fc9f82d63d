// `cfg_attr` applies the attribute as `requires_scopes()`: still an error, not the
// bare form (a valid token and no scope).
use scopes_core::{requires_scopes, scopes};

scopes! {
    pub Scopes {
        "items": "Read items.",
    }
}

#[cfg_attr(all(), requires_scopes())]
async fn read_items() {}

fn main() {}
