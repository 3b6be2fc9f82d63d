// A syntax error in the handler's body is rustc's to report, where it is: the attribute
// reads only the signature, and says nothing misleading about the item it annotates.
use scopes_core::{requires_scopes, scopes};

scopes! {
    pub Scopes {
        "items": "Read items.",
    }
}

#[requires_scopes("items")]
async fn read_items() -> &'static str {
    let x = ;
    "items"
}

fn main() {}
