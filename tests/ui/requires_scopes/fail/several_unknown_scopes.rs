use scopes_core::{requires_scopes, scopes};

scopes! {
    pub Scopes {
        "me": "Read information about the current user.",
        "items": "Read items.",
        "users:read": "View user information",
    }
}

// Every unknown name is reported, in nested lists too.
#[requires_scopes("mee", any("users:reed", all("items", "Items")))]
async fn several() {}

// Two letters swapped count as one edit.
#[requires_scopes("itmes")]
async fn swapped() {}

fn main() {}
