scopes_core::scopes! {
    pub Scopes {}
}

fn main() {}
