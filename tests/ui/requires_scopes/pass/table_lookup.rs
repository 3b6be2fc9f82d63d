// The default table is the `Scopes` in scope where the handler is; others are named.
use axum::Router;
use axum::routing::get;
use scopes_core::{Key, Verifier, requires_scopes};

mod auth {
    scopes_core::scopes! {
        pub Scopes {
            "items": "Read items.",
        }
    }

    scopes_core::scopes! {
        pub Admin {
            "admin:read": "Read the admin console.",
        }
    }
}

mod routes {
    use super::*;
    use crate::auth::Scopes;

    #[requires_scopes("items")]
    pub async fn items() {}

    #[requires_scopes("admin:read", table = crate::auth::Admin)]
    pub async fn console() {}
}

mod local {
    use scopes_core::{requires_scopes, scopes};

    // A table is as visible as the handlers that use it (their signatures name it).
    scopes! {
        pub(crate) Scopes {
            "local": "A table of this module.",
        }
    }

    #[requires_scopes("local")]
    pub(crate) async fn here() {}
}

fn main() {
    let verifier = Verifier::new(Key::hs256([7; 32]).unwrap()).unwrap();
    let _app: Router = Router::new()
        .route("/items", get(routes::items))
        .route("/console", get(routes::console))
        .route("/local", get(local::here))
        .with_state(verifier);
}
