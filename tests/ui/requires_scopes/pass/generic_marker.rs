//! A requirement marker with generic parameters, defaults included.

use core::marker::PhantomData;

use scopes_core::{RequiredScopes, requires_scopes, scopes};

scopes! {
    pub Scopes {
        "admin": "Administer.",
    }
}

#[requires_scopes("admin")]
pub struct Admin<T: Send + Sync + 'static = (), const N: usize = 1>(PhantomData<T>);

fn main() {
    let requirement = <Admin as RequiredScopes<Scopes>>::REQUIREMENT;
    assert_eq!(requirement.scope(), "admin");
    let _ = <Admin<u8, 2> as RequiredScopes<Scopes>>::REQUIREMENT;
}
