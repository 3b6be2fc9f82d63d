use scopes_core::{ScopeSet, ScopeTable, scopes};

scopes! {
    pub(crate) Shop {
        "users:read": "View user information",
        "users:write": "Create/update users",
        "users:delete": "Delete users",
        "orders:read": "View orders",
        "orders:write": "Create/update orders",
        "payments:process": "Process payments",
        "https://api.example.com/read!#$%&'()*+,-./;<=>?@[]^_`{|}~": "Every printable character but space, quote and backslash.",
        "users:admin": "Manage users." implies ["users:read", "users:write", "users:delete"],
        "admin": "Everything." implies ["users:admin", "orders:write", "payments:process",],
        "orders:write-all": "Write all orders" implies ["orders:write"]
    }
}

fn main() {
    let admin = ScopeSet::<Shop>::granted_by(["admin"]);
    assert_eq!(
        admin.to_string(),
        "users:read users:write users:delete orders:write payments:process users:admin admin"
    );
    assert_eq!(Shop::lookup("admin").unwrap().implies, ["users:admin", "orders:write", "payments:process"]);
    assert!(!admin.contains(Shop::index_of("orders:read").unwrap()));
}
