//! An attribute that fails before expanding still uses the table it names: the import
//! is not reported unused (which would invite deleting a correct line).

mod auth {
    use scopes_core::scopes;

    scopes! {
        pub Scopes {
            "items": "Read items.",
        }
    }
}

mod empty {
    use super::auth::Scopes;
    use scopes_core::requires_scopes;

    #[requires_scopes()]
    pub async fn read_items() {}
}

mod brackets {
    use super::auth::Scopes;
    use scopes_core::requires_scopes;

    #[requires_scopes(["items"])]
    pub async fn read_items() {}
}

mod space {
    use super::auth::Scopes;
    use scopes_core::requires_scopes;

    #[requires_scopes("items me")]
    pub async fn read_items() {}
}

fn main() {}
