//! The tutorial's routes behind a real identity provider that issues RFC 9068 access
//! tokens (oidc-provider, Auth0 with the API's RFC 9068 token profile, …): keys found
//! through OpenID Connect discovery and refreshed as they rotate, tokens checked in the
//! strict RFC 9068 profile, repeated tokens served from the cache.
//!
//! ```text
//! OIDC_ISSUER=https://auth.example.com API_RESOURCE=https://api.example.com \
//!     cargo run -p scopes-examples --bin provider
//! ```
//!
//! `OIDC_ISSUER` is the issuer exactly as the provider's discovery document names it;
//! `API_RESOURCE` is this API's identifier, which the tokens' `aud` must contain.
//! Keycloak (by default), Entra ID and Okta type their access tokens `JWT`, which the
//! profile refuses: for them, replace `.rfc9068(&resource)` with `.audience(&resource)`
//! and read the scopes where they put them (`scope_claims(providers::keycloak(…))`, see
//! the `providers` docs). To try
//! it on this machine, `node tests/oidc/provider.mjs 8123` (after `npm ci` in
//! tests/oidc) starts a provider on http://127.0.0.1:8123 whose resource is
//! `urn:scopes:api`, and `node tests/oidc/token.mjs http://127.0.0.1:8123` prints a token.

use axum::routing::get;
use axum::{Json, Router};
use scopes_core::{Claims, Verifier, requires_scopes, scopes};
use scopes_examples::listener;
use serde::Deserialize;
use serde_json::{Value, json};

scopes! {
    /// The scopes the provider grants this API.
    pub Scopes {
        "me": "Read information about the current user.",
        "items": "Read items.",
    }
}

#[derive(Deserialize)]
struct AccessToken {
    sub: String,
    client_id: String,
}

#[requires_scopes("me")]
async fn read_users_me(Claims(token): Claims<AccessToken>) -> Json<Value> {
    Json(json!({ "sub": token.sub, "client_id": token.client_id }))
}

#[requires_scopes("items", "me")]
async fn read_own_items(Claims(token): Claims<AccessToken>) -> Json<Value> {
    Json(json!([{ "item_id": "Foo", "owner": token.sub }]))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    scopes_examples::log();
    let env = |name: &str| {
        std::env::var(name)
            .map_err(|_| format!("set {name} (see the top of examples/src/bin/provider.rs)"))
    };
    let (issuer, resource) = (env("OIDC_ISSUER")?, env("API_RESOURCE")?);
    let verifier = Verifier::builder()
        .oidc_issuer(&issuer)
        .rfc9068(&resource)
        .build()
        .map_err(|error| error.to_string())?;
    // Fail at start-up, not on the first request, if the provider cannot be reached.
    verifier
        .refresh_keys()
        .await
        .map_err(|error| error.to_string())?;
    let app = Router::new()
        .route("/users/me/", get(read_users_me))
        .route("/users/me/items/", get(read_own_items))
        .with_state(verifier);
    let listener = listener().await?;
    eprintln!(
        "tokens of {issuer} for {resource}, on http://{}",
        listener.local_addr()?
    );
    axum::serve(listener, app).await?;
    Ok(())
}
