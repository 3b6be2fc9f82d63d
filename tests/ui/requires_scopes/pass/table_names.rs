// Tables whose names the expansion's own helpers might take: `X`, `Concrete`, `T`.
use scopes_core::{requires_scopes, scopes};

mod tables {
    use scopes_core::scopes;
    scopes! { pub X { "a": "A." } }
    scopes! { pub Concrete { "b": "B." } }
    scopes! { pub T { "c": "C." } }
}

use tables::{Concrete, T, X};

scopes! { pub Scopes { "d": "D." } }

#[requires_scopes("a", table = X)]
async fn x() {}

#[requires_scopes("b", table = Concrete)]
async fn concrete() {}

#[requires_scopes("c", table = T)]
async fn t() {}

fn main() {
    let _ = (x::<scopes_core::Verifier>, concrete::<scopes_core::Verifier>, t::<scopes_core::Verifier>);
}
