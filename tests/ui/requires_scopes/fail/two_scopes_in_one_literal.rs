use scopes_core::{requires_scopes, scopes};

scopes! {
    pub Scopes {
        "users:read": "Read users.",
        "users:write": "Change users.",
    }
}

#[requires_scopes("users:read users:write")]
async fn edit_user() {}

#[requires_scopes("users:read\t")]
async fn read_user() {}

fn main() {}
