scopes_core::scopes! {
    pub Scopes {
        "items" => "Read items.",
    }
}

fn main() {}
