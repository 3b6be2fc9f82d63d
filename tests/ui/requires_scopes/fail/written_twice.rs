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

fn main() {}
