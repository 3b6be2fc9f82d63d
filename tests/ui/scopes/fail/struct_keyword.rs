scopes_core::scopes! {
    pub struct Scopes {
        "items": "Read items.",
    }
}

fn main() {}
