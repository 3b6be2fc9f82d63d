//! The registry `scopes!` generates, scope sets and requirements.

use scopes_core::__private::handler_requirement;
use scopes_core::{Requirement, ScopeInfo, ScopeSet, ScopeTable, requires_scopes, scopes};

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
        handler_requirement::<Scopes, __scopes_requirement_handler>().own[0];
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
    // The handler is generic over the router's state, which a route infers.
    let _ = handler::<scopes_core::Verifier>;
}

/// The compile-time lookup each scope literal's constant evaluates, called at run time:
/// by the literal's hash on a `scopes!` table, by name on one built by hand (no
/// hashes), and never a match for a name the table does not declare.
#[test]
fn the_compile_time_lookup_finds_declared_names_by_hash_and_nothing_else() {
    use scopes_core::__private::{alternatives, check_scope, scope_index};
    // FNV-1a, as `#[requires_scopes]` computes it.
    let hash = |name: &str| {
        name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        })
    };
    assert_eq!(Scopes::HASHES.len(), Scopes::SLOTS.len());
    for scope in Scopes::iter() {
        assert_eq!(
            scope_index::<Scopes>(scope.name, hash(scope.name)),
            scope.index
        );
        check_scope::<Scopes>("Scopes", scope.name, hash(scope.name));
    }
    for missing in ["reed", "Read", "read ", "", "writes"] {
        assert_eq!(scope_index::<Scopes>(missing, hash(missing)), usize::MAX);
    }
    // A hash that is not the name's: the name is not looked at.
    assert_eq!(scope_index::<Scopes>("read", hash("reed")), usize::MAX);

    /// A table implemented by hand: no slots, no hashes.
    struct ByHand;
    impl ScopeTable for ByHand {
        type Words = [u64; 1];
        const NAME: &'static str = "ByHand";
        const SCOPES: &'static [ScopeInfo] = &[ScopeInfo {
            name: "only",
            description: "",
            index: 0,
            implies: &[],
        }];
        const GRANTS: &'static [ScopeSet<Self>] = &[ScopeSet::from_words([1])];
        fn index_of(name: &str) -> Option<usize> {
            (name == "only").then_some(0)
        }
    }
    assert_eq!(scope_index::<ByHand>("only", 0), 0);
    assert_eq!(scope_index::<ByHand>("other", hash("only")), usize::MAX);
    check_scope::<ByHand>("ByHand", "only", 0);
    // A requirement's sets: by hash for a table with hashes, by name for one without.
    // `spec`: each alternative's number of names, then their hashes.
    let [first, second] = alternatives::<Scopes, _, 2>(
        "read write admin",
        &[2, hash("read"), hash("write"), 1, hash("admin")],
    );
    assert_eq!(first, set(&["read", "write"]));
    let mut admin = ScopeSet::EMPTY;
    admin.insert(3);
    assert_eq!(second, admin);
    let [only, none] = alternatives::<ByHand, _, 2>("only other", &[1, 0, 1, 0]);
    assert_eq!(only, ScopeSet::from_words([1]));
    assert_eq!(
        none,
        ScopeSet::EMPTY,
        "a name the table lacks counts for nothing"
    );
    // The empty requirement (a valid token) is one empty alternative.
    assert_eq!(alternatives::<Scopes, _, 1>("", &[0]), [ScopeSet::EMPTY]);
    let unknown =
        std::panic::catch_unwind(|| check_scope::<Scopes>("Scopes", "reed", hash("reed")));
    let message = unknown.expect_err("an unknown scope panics");
    let message = message
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| message.downcast_ref::<&str>().copied())
        .unwrap_or_default();
    assert!(message.contains("did you mean `read`?"), "{message}");
}
