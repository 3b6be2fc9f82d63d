use scopes_core::{requires_scopes, scopes};

scopes! {
    pub Scopes {
        "me": "Read information about the current user.",
        "items": "Read items.",
        "users:read": "View user information",
    }
}

#[requires_scopes("me")]
mod handlers {}

#[requires_scopes("me")]
const HANDLER: u8 = 0;

fn main() {}
