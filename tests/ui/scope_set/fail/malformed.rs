use scopes_core::{scope_set, scopes};

scopes! { pub Scopes { "items": "Read items.", "me": "Read yourself." } }

fn main() {
    let _ = scope_set!("items me");
    let _ = scope_set!("items", "items");
    let _ = scope_set!(any("items"));
}
