//! A typo against another crate's table fails in the using crate, on the literal.

use auth::Scopes;
use scopes_core::requires_scopes;

#[requires_scopes("itemz")]
async fn imported() {}

#[requires_scopes("users:raed", table = auth::Scopes)]
async fn by_path() {}

fn main() {
    let _ = std::marker::PhantomData::<Scopes>;
}
