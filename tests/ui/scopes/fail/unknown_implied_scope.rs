scopes_core::scopes! {
    pub Scopes {
        "read": "Read data",
        "write": "Write data",
        "admin": "Admin access" implies ["read", "wrte", "delete"],
    }
}

fn main() {}
