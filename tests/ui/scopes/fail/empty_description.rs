scopes_core::scopes! {
    pub Scopes {
        "items": "",
        "me": "   ",
    }
}

fn main() {}
