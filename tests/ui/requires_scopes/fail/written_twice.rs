use scopes_core::{requires_scopes, scopes};

scopes! {
    pub Scopes {
        "me": "Read information about the current user.",
        "items": "Read items.",
    }
}

#[requires_scopes("items")]
#[requires_scopes("me")]
async fn read_own_items() {}

// Both bare: the one attribute is bare too.
#[requires_scopes]
#[requires_scopes]
async fn signed_in() {}

fn main() {}
