use scopes_core::{ScopeSet, ScopeTable, scopes};

scopes! {
    /// The FastAPI tutorial's scopes.
    pub Scopes {
        "me": "Read information about the current user.",
        "items": "Read items.",
    }
}

fn main() {
    assert_eq!(Scopes::NAME, "Scopes");
    let names: Vec<&str> = Scopes::iter().map(|scope| scope.name).collect();
    assert_eq!(names, ["me", "items"]);
    let items = Scopes::lookup("items").unwrap();
    assert_eq!((items.index, items.description), (1, "Read items."));
    assert!(Scopes::lookup("admin").is_none());
    let set = ScopeSet::<Scopes>::granted_by(["items", "unknown"]);
    assert_eq!(set.to_string(), "items");
    assert_eq!(core::mem::size_of::<ScopeSet<Scopes>>(), 8);
}
