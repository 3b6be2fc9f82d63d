use scopes_core::{requires_scopes, scopes};

scopes! {
    pub Scopes {
        "me": "Read information about the current user.",
    }
}

#[derive(Clone)]
struct Api;

// Applied by `cfg_attr` (auth behind a feature, say), the attribute still sees the
// `impl` block around it: one error, on the function.
impl Api {
    #[cfg_attr(all(), requires_scopes("me"))]
    async fn read_me() -> &'static str {
        "me"
    }
}

fn main() {}
