// A typo through a company macro that passes `crate = $crate::scopes_core`: the error is
// still on the literal, with the suggestion.
auth::guarded!(["itemz"] async fn read_items() -> &'static str { "items" });

fn main() {}
