use scopes_core::{requires_scopes, scopes};

scopes! {
    pub Scopes {
        "me": "Read information about the current user.",
    }
}

// Spaces around one name: the literal without them.
#[requires_scopes(" me")]
async fn leading() {}

#[requires_scopes("me ")]
async fn trailing() {}

fn main() {}
