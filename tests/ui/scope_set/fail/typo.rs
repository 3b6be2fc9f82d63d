use scopes_core::{scope_set, scopes};

scopes! {
    pub Scopes {
        "items": "Read items.",
        "users:read": "Read users.",
    }
}

fn main() {
    let _ = scope_set!("items", "itemz");
    let _ = scope_set!("itmes");
    let _ = scope_set!("user:read", table = auth::Scopes);
    // A table path that does not resolve: one error.
    let _ = scope_set!("items", table = DoesNotExist);
}
