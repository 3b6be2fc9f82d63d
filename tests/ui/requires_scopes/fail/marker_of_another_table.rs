//! A requirement of one table given to a layer of another: the error says that it is
//! not a requirement of that table, and which table it is one of.

use axum::Router;
use axum::routing::get;
use scopes_core::{Key, RequireScopesLayer, Verifier, requires_scopes, scopes};

scopes! {
    pub Scopes {
        "items": "Read items.",
    }
}

mod billing {
    scopes_core::scopes! {
        pub Billing {
            "invoices:read": "Read invoices.",
        }
    }
}

#[requires_scopes("invoices:read", table = billing::Billing)]
struct ReadInvoices;

/// Not annotated at all.
struct Plain;

async fn hello() -> &'static str {
    "hi"
}

fn main() {
    let verifier = Verifier::new(Key::hs256([7u8; 32]).unwrap()).unwrap();
    let _app: Router = Router::new()
        .route("/", get(hello))
        .layer(RequireScopesLayer::<Scopes, ReadInvoices>::new(&verifier))
        .layer(RequireScopesLayer::<Scopes, Plain>::new(&verifier));
}
