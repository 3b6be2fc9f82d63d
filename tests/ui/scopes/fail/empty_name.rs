scopes_core::scopes! {
    pub Scopes {
        "": "Nameless.",
    }
}

fn main() {}
