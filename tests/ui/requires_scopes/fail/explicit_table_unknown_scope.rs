use scopes_core::{requires_scopes, scopes};

scopes! {
    pub Scopes {
        "items": "Read items.",
    }
}

scopes! {
    pub Admin {
        "admin:read": "Read the admin console.",
        "admin:write": "Change settings.",
    }
}

// `items` is in `Scopes`, not in the table named here.
#[requires_scopes("items", table = Admin)]
async fn console() {}

#[requires_scopes("admin:wirte", table = Admin)]
async fn settings() {}

fn main() {}
