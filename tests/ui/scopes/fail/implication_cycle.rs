scopes_core::scopes! {
    pub Scopes {
        "read": "Read data" implies ["admin"],
        "write": "Write data" implies ["read"],
        "admin": "Admin access" implies ["write"],
        "self": "Implies itself" implies ["self"],
    }
}

fn main() {}
