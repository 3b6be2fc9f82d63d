use scopes_core::requires_scopes;

struct NotATable;

#[requires_scopes("items", "me", table = NotATable)]
async fn read_items() {}

fn main() {}
