//! The registry `scopes!` generates, scope sets and requirements.

use scopes_core::{
    RequiredScopes, Requirement, ScopeInfo, ScopeSet, ScopeTable, requires_scopes, scopes,
};

scopes! {
    /// Seed 000's basic scopes, with implications.
    pub Scopes {
        "read": "Read data",
        "write": "Write data",
        "delete": "Delete data",
        "admin": "Admin access" implies ["write", "delete"],
        "root": "Everything" implies ["admin", "read"],
    }
}

fn set(names: &[&str]) -> ScopeSet<Scopes> {
    ScopeSet::granted_by(names.iter().copied())
}

#[test]
fn the_table_lists_names_descriptions_and_indices_in_order() {
    let table: Vec<(usize, &str, &str)> = Scopes::iter()
        .map(|s| (s.index, s.name, s.description))
        .collect();
    assert_eq!(
        table,
        [
            (0, "read", "Read data"),
            (1, "write", "Write data"),
            (2, "delete", "Delete data"),
            (3, "admin", "Admin access"),
            (4, "root", "Everything"),
        ]
    );
    assert_eq!(Scopes::NAME, "Scopes");
    assert_eq!(
        Scopes::lookup("admin"),
        Some(&ScopeInfo {
            name: "admin",
            description: "Admin access",
            index: 3,
            implies: &["write", "delete"]
        })
    );
    assert_eq!(Scopes::index_of("delete"), Some(2));
    assert_eq!(Scopes::index_of("Delete"), None);
    assert_eq!(Scopes::index_of(""), None);
}

#[test]
fn implications_are_closed_transitively() {
    assert_eq!(set(&["admin"]).to_string(), "write delete admin");
    assert_eq!(set(&["root"]).to_string(), "read write delete admin root");
    assert_eq!(
        format!("{:?}", set(&["root"])),
        r#"{"read", "write", "delete", "admin", "root"}"#
    );
    assert_eq!(Scopes::GRANTS[0], set(&["read"]));
}

#[test]
fn sets_insert_contain_and_combine() {
    let mut granted = ScopeSet::<Scopes>::EMPTY;
    assert!(granted.is_empty());
    assert!(granted.grant("read"));
    assert!(!granted.grant("unknown"));
    granted.insert(3);
    assert_eq!(granted.len(), 2);
    assert!(
        granted.contains(0) && granted.contains(3) && !granted.contains(1) && !granted.contains(99)
    );
    assert!(granted.contains_all(&set(&["read"])));
    assert!(!granted.contains_all(&set(&["read", "write"])));
    granted.union_with(&set(&["write"]));
    assert_eq!(granted.to_string(), "read write admin");
    assert_eq!(granted.words(), &[0b1011]);
    assert_eq!(ScopeSet::<Scopes>::from_words([0b1011]), granted);
}

#[test]
#[should_panic(expected = "scope index 5 out of range for Scopes")]
fn inserting_an_index_outside_the_table_panics() {
    let mut set = ScopeSet::<Scopes>::EMPTY;
    set.insert(5);
}

#[requires_scopes("read", any("write", all("delete", "admin")))]
async fn handler() {}

#[test]
fn the_attribute_compiles_the_requirement_to_masks() {
    let requirement: Requirement<Scopes> =
        <__scopes_requirement_handler as RequiredScopes<Scopes>>::REQUIREMENT;
    // `all("delete", "admin")` is one alternative: {read, delete, admin}; with {read, write}.
    let mut read_delete_admin = ScopeSet::EMPTY;
    for index in [0, 2, 3] {
        read_delete_admin.insert(index);
    }
    assert_eq!(
        requirement.alternatives(),
        [set(&["read", "write"]), read_delete_admin]
    );
    assert_eq!(requirement.scope(), "read write delete admin");
    assert!(requirement.is_met_by(&set(&["read", "write"])));
    assert!(requirement.is_met_by(&set(&["root"])));
    assert!(
        requirement.is_met_by(&set(&["read", "admin"])),
        "admin implies delete"
    );
    assert!(!requirement.is_met_by(&set(&["write", "delete", "admin"])));
    assert!(!requirement.is_met_by(&ScopeSet::EMPTY));
    let _ = handler;
}
