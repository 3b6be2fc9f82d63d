scopes_core::scopes! {
    pub Scopes {
        "me": "Read information about the current user.",
    }
    oauth {
        password { token_url: "token" },
    }
}

fn main() {}
