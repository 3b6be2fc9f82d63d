scopes_core::scopes! {
    pub Scopes {
        "read items": "Read items.",
        "say\"hi\"": "Quotes are not allowed.",
        "back\\slash": "Nor backslashes.",
        "café": "Nor non-ASCII.",
        "ok": "Fine.",
    }
}

fn main() {}
