mod auth {
    scopes_core::scopes! {
        pub Scopes {
            "items": "Read items.",
        }
    }
}

mod routes {
    use scopes_core::requires_scopes;

    // Forgot `use crate::auth::Scopes;`: rustc suggests it.
    #[requires_scopes("items")]
    pub async fn items() {}
}

fn main() {}
