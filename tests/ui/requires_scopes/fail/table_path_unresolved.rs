//! A table path that does not resolve is one error on the path (the expansion uses the
//! path several times; rustc reports it once).

use scopes_core::requires_scopes;

mod auth {
    use scopes_core::scopes;

    scopes! {
        pub Scopes {
            "items": "Read items.",
        }
    }
}

#[requires_scopes("items", table = DoesNotExist)]
async fn read_items() {}

#[requires_scopes("items", table = auth::Scoeps)]
async fn read_more_items() {}

fn main() {}
