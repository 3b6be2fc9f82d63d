use scopes_core::{requires_scopes, scopes};

scopes! {
    pub Scopes {
        "me": "Read information about the current user.",
        "items": "Read items.",
        "users:read": "View user information",
    }
}

struct Service;

impl Service {
    #[requires_scopes("me")]
    async fn handler(&self) {}
}

fn main() {}
