scopes_core::scopes! {
    pub Scopes {
        "items": "Read items.",
        "me": "Read information about the current user.",
        "items": "Read items again.",
    }
}

fn main() {}
