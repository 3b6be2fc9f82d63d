use scopes_core::{requires_scopes, scopes};

scopes! {
    pub Scopes {
        "me": "Read information about the current user.",
        "items": "Read items.",
        "users:read": "View user information",
    }
}

#[requires_scopes("me", "items", "me")]
async fn twice() {}

#[requires_scopes(any("items", "items"))]
async fn twice_in_any() {}

fn main() {}
