// A company macro that guards handlers with its table, through `$crate` paths
// (`crate = $crate::scopes_core`): the attribute and `scope_set!` resolve them where
// the macro is defined, whatever the using crate depends on.
use axum::Router;
use axum::routing::get;

auth::guarded!(["items", "me"] async fn read_items() -> &'static str { "items" });

fn main() {
    let _: Router<scopes_core::Verifier> = Router::new().route("/items", get(read_items));
    let granted = auth::granted!("me", "items");
    let names: Vec<&str> = granted.iter().map(|scope| scope.name).collect();
    assert_eq!(names, ["me", "items"]);
}
