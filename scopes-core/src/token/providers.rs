//! Where identity providers put scopes and roles: presets for
//! [`scope_claims`](crate::VerifierBuilder::scope_claims), each as the provider
//! documents its access tokens. All the claims named are read, in one pass, and their
//! names granted together: a table declares the ones the API uses.
//!
//! ```
//! use scopes_core::{Key, Verifier, providers};
//!
//! # fn main() -> Result<(), scopes_core::ConfigError> {
//! let verifier = Verifier::builder()
//!     .key(Key::hs256([7; 32])?)
//!     .scope_claims(providers::keycloak("shop-api"))
//!     .build()?;
//! # Ok(()) }
//! ```
//!
//! Delegated scopes and application permissions (Microsoft.Identity.Web's
//! `RequiredScopeOrAppPermission`): with [`entra_id`], a user's token lists delegated
//! scopes in `scp` and an application's token lists app roles in `roles`, and both are
//! granted. Declare both in the table and accept either with `any(...)`:
//!
//! ```ignore
//! scopes! { pub Scopes {
//!     "Items.Read": "Read items (delegated).",
//!     "Items.Read.All": "Read all items (application permission).",
//! } }
//!
//! #[requires_scopes(any("Items.Read", "Items.Read.All"))]
//! async fn list_items() -> &'static str { "…" }
//! ```
//!
//! (Entra ID also lists a signed-in user's app roles in `roles`: give app roles and
//! delegated scopes different names, as Microsoft's own naming does.)

/// Keycloak: the client scopes in `scope`, the realm roles in `realm_access.roles` and
/// the roles of `client` (this API's client id) in `resource_access.<client>.roles`.
pub fn keycloak(client: &str) -> Vec<String> {
    vec![
        "scope".to_owned(),
        "/realm_access/roles".to_owned(),
        format!("/resource_access/{}/roles", pointer_escape(client)),
    ]
}

/// Microsoft Entra ID: delegated scopes in `scp` (space-delimited), application
/// permissions (app roles) in `roles`.
pub fn entra_id() -> Vec<String> {
    vec!["scp".to_owned(), "roles".to_owned()]
}

/// Auth0: `scope`, and with RBAC's "Add Permissions in the Access Token" the API's
/// permissions in `permissions`.
pub fn auth0() -> Vec<String> {
    vec!["scope".to_owned(), "permissions".to_owned()]
}

/// Okta: `scp` (an array of scopes).
pub fn okta() -> Vec<String> {
    vec!["scp".to_owned()]
}

/// FastAPI's tutorial: `scopes` (an array).
pub fn fastapi() -> Vec<String> {
    vec!["scopes".to_owned()]
}

/// `name` as a JSON Pointer reference token (RFC 6901: `~` is `~0`, `/` is `~1`).
pub fn pointer_escape(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}
