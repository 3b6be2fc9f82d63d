scopes_core::scopes! {
    pub Scopes {
        "read": "Read data",
        "write": "Write data",
        "admin": "Admin access" implies ["read", "wrte", "delete"],
    }
}

// The scope itself is never the suggestion.
mod alone {
    scopes_core::scopes! {
        pub Scopes {
            "x": "X" implies ["y"],
        }
    }
}

fn main() {}
