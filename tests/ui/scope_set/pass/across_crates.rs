// A test token's scopes, from a table declared in another crate: imported, by path,
// aliased; the set holds exactly the names given.
use scopes_core::scope_set;
use auth::Scopes;

type Company = auth::Scopes;

fn main() {
    let imported = scope_set!("me", "items");
    let by_path = scope_set!("items", "me", table = auth::Scopes);
    let aliased = scope_set!("items", "me", table = Company);
    assert_eq!(imported, by_path);
    assert_eq!(by_path, aliased);
    let names: Vec<&str> = imported.iter().map(|scope| scope.name).collect();
    assert_eq!(names, ["me", "items"]);
    let none: scopes_core::ScopeSet<Scopes> = scope_set!();
    assert!(none.is_empty());
}
