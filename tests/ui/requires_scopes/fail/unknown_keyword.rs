use scopes_core::{requires_scopes, scopes};

scopes! {
    pub Scopes {
        "me": "Read information about the current user.",
        "items": "Read items.",
        "users:read": "View user information",
    }
}

#[requires_scopes(one_of("me", "items"))]
async fn misspelt_any() {}

#[requires_scopes(me)]
async fn unquoted() {}

#[requires_scopes("me", tabel = Scopes)]
async fn misspelt_table() {}

#[requires_scopes("me", max_ag = 300)]
async fn misspelt_max_age() {}

#[requires_scopes(alll("me", "items"))]
async fn misspelt_all() {}

#[requires_scopes(any("me", "items", table = Scopes))]
async fn option_inside_a_group() {}

fn main() {}
