use scopes_core::{requires_scopes, scopes};

scopes! {
    pub Scopes {
        "me": "Read information about the current user.",
    }
}

#[derive(Clone)]
struct Api;

// axum routes `Api::read_me` (an associated fn without `self`), but what the attribute
// emits beside a handler cannot sit in an `impl` block: one error, on the function.
impl Api {
    #[requires_scopes("me")]
    async fn read_me() -> &'static str {
        "me"
    }
}

fn main() {}
