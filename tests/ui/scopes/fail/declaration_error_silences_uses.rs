//! A table `scopes!` reported an error about may lack a scope its author meant to
//! declare: the one error is the declaration's, and the handlers, `scope_set!` and the
//! OpenAPI documentation that use the table add none (no "unknown scope … it declares"
//! with an empty list after it).

use scopes_core::{requires_scopes, scope_set, scopes};

scopes! {
    pub Scopes {
        "payouts run": "Run payouts.",
    }
    oauth2 "OAuth2" { client_credential { token_url: "https://auth.example.com/token" } }
}

#[requires_scopes("payouts:run")]
#[utoipa::path(post, path = "/payouts")]
async fn run_payouts() {}

fn main() {
    let _ = scope_set!("payouts:run");
}
