// `crate = "…"` may be a string (as serde's is); `table = …` is a type, never a string.
use scopes_core::{requires_scopes, scopes};

scopes! {
    pub Scopes {
        "items": "Read items.",
    }
}

#[requires_scopes("items", table = "Scopes")]
async fn read_items() {}

fn main() {}
