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
//!
//! # Issuer and audience, provider by provider
//!
//! Where the scopes are is one third of the configuration; the verifier also checks who
//! issued the token (`iss`) and for whom (`aud`). A token that carries `aud` is refused
//! until the audience is configured. What each provider writes:
//!
//! | provider | `oidc_issuer(…)` | `audience(…)` | scopes |
//! |---|---|---|---|
//! | Keycloak | `https://kc.example.com/realms/<realm>` (before Keycloak 17, `…/auth/realms/<realm>`), at the hostname clients use: a token fetched through another URL names another issuer | the API's client id: written by the default *Audience Resolve* mapper when the user holds roles of that client, else by an *Audience* mapper you add. Never `account`, which every user's token of the realm carries | [`keycloak`]`("<client>")` |
//! | Auth0 | `https://<tenant>.<region>.auth0.com/` (older tenants `https://<tenant>.auth0.com/`, or your custom domain), **with** the trailing `/`: it is part of the issuer | the API's identifier (with `openid` requested, `aud` is an array that also holds the userinfo URL, which is fine) | [`auth0`] |
//! | Entra ID, v2 tokens | `https://login.microsoftonline.com/<tenant-id>/v2.0` | the API's application (client) id, a GUID | [`entra_id`] |
//! | Entra ID, v1 tokens (the API's manifest has `accessTokenAcceptedVersion`, or `api.requestedAccessTokenVersion`, unset or 1) | `issuer("https://sts.windows.net/<tenant-id>/")` with `jwks_url("https://login.microsoftonline.com/<tenant-id>/discovery/keys")` | the resource the client asked for: the application id URI (`api://…` or your `https://…` URI) or the client id; name both | [`entra_id`] |
//! | Okta | `https://<org>.okta.com/oauth2/default` (a custom authorization server: the org server's access tokens are for Okta's own APIs) | `api://default`, or the server's audience | [`okta`] |
//! | Amazon Cognito | `https://cognito-idp.<region>.amazonaws.com/<pool-id>` | none: access tokens carry `client_id`, not `aud` (an ID token, which has `aud`, is then refused) | [`cognito`] |
//!
//! Notes:
//! - **Entra ID, v1 and v2 at once**: name both issuers and both audiences on one
//!   verifier (`.issuer(…).issuer(…).audience(…).audience(…)` with `jwks_url`), or set
//!   the manifest's `accessTokenAcceptedVersion` to 2.
//! - **Entra ID, every tenant** (an app registered for accounts in any organizational
//!   directory, as Microsoft.Identity.Web validates it):
//!   [`TrustedIssuer::any_tenant`](crate::TrustedIssuer::any_tenant)`("https://login.microsoftonline.com/{tenantid}/v2.0")`
//!   with `.jwks_url("https://login.microsoftonline.com/common/discovery/v2.0/keys")`
//!   and the audience: `iss` must be the template filled with the token's own `tid`.
//!   Its `organizations` and `common` discovery documents name that template as their
//!   issuer, which `oidc_issuer` cannot take (`KeyFetchError::IssuerMismatch`, which
//!   says so). Any tenant means any organization's users: to take a few, add
//!   `.require_claim("tid", "<tenant-id>")` for each. A tenant with rules of its own is
//!   a `TrustedIssuer::new("https://login.microsoftonline.com/<tenant-id>/v2.0")` beside
//!   it, whose exact issuer wins. v1 and v2 tokens of every tenant at once: a verifier
//!   of its own keys, `Verifier::builder().jwks_url(…)` with
//!   `.any_tenant_issuer("https://login.microsoftonline.com/{tenantid}/v2.0")`,
//!   `.any_tenant_issuer("https://sts.windows.net/{tenantid}/")` and both audiences.
//! - **Cognito** checks no audience, so every app client of the pool is trusted; give
//!   each API its own pool, or its own resource server's scopes. `cognito:groups` is
//!   written for a user whatever client signed them in (the SDK's sign-in included,
//!   which asks for no OAuth scope): granting groups trusts every client of the pool
//!   with them. Without an audience a
//!   verifier cannot name [`resource_metadata`](crate::VerifierBuilder::resource_metadata)
//!   (MCP's metadata): Cognito's access tokens are not meant for one resource.
//! - **Google** issues opaque access tokens and no introspection endpoint (RFC 7662):
//!   they cannot be checked here. Its ID tokens can
//!   (`oidc_issuer("https://accounts.google.com")` with a second
//!   `.issuer("accounts.google.com")` and the OAuth client id as audience), but they
//!   carry no scopes: only routes that require a valid token take them.
//! - **ID tokens in place of access tokens**: a provider's ID token for the client whose
//!   id is the API's audience would pass as one, since few providers type their tokens
//!   in the header. Give the API a client of its own, which never signs users in, and
//!   where the provider marks the kind of token in a claim, require it with
//!   [`require_claim`](crate::TrustedIssuer::require_claim): Keycloak writes `typ`
//!   (`"Bearer"` for access tokens, `"ID"`, `"Refresh"`), Cognito `token_use`
//!   (`"access"`, `"id"`). The same call pins the client a token was issued to
//!   (Keycloak's `azp`, Cognito's `client_id`, Okta's `cid`), which matters for
//!   Cognito above all, whose access tokens name no audience.
//! - Call `Verifier::refresh_keys` (feature `jwks`) at start-up: a wrong
//!   issuer URL fails there, with the reason, rather than on every request (503, "The
//!   credentials could not be checked; try again later").

/// Keycloak: the client scopes in `scope`, the realm roles in `realm_access.roles` and
/// the roles of `client` (this API's client id) in `resource_access.<client>.roles`.
///
/// The three are granted together, as names of one kind: a realm role named like a
/// scope of the table grants that scope (a realm administrator who creates a role
/// `items:write` grants it to whoever holds the role), and a route that requires a
/// role documents it, and is refused with it (`scope="…"`), as a scope. Names that
/// cannot meet (`role:admin`, `items:write`) keep them apart by accident only: whoever
/// may create realm roles can still create one named like a scope. Where roles play no
/// part, read the client scopes alone (`scope_claims(["scope"])`).
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

/// Amazon Cognito: the resource servers' scopes in `scope`
/// (`<resource-server>/<scope>`), and the user's groups in `cognito:groups`.
pub fn cognito() -> Vec<String> {
    vec!["scope".to_owned(), "cognito:groups".to_owned()]
}

/// FastAPI's tutorial: `scopes`, an array of strings. A JWT whose `scopes` is a string
/// is refused, with this preset as with the default claims, as FastAPI's `TokenData`
/// refuses it; no other claim is read that strictly.
pub fn fastapi() -> Vec<String> {
    vec!["scopes".to_owned()]
}

/// `name` as a JSON Pointer reference token (RFC 6901: `~` is `~0`, `/` is `~1`).
pub fn pointer_escape(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}
