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

#[requires_scopes(scopes = ["me", "items"])]
async fn scopes_as_an_option() {}

#[requires_scopes(["me", "items"])]
async fn scopes_in_brackets() {}

#[requires_scopes(any(["me", "items"]))]
async fn group_in_brackets() {}

#[requires_scopes("me", scopes = ["items", "me"], acr = "urn:mfa")]
async fn scopes_option_beside_a_scope() {}

#[requires_scopes("me", ["items"])]
async fn brackets_beside_a_scope() {}

fn main() {}
