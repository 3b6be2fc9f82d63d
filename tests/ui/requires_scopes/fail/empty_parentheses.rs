use scopes_core::{requires_scopes, scopes};

scopes! {
    pub Scopes {
        "items": "Read items.",
    }
}

#[requires_scopes()]
async fn read_items() {}

fn main() {}
