//! An MCP server (rmcp, Streamable HTTP) whose tools need scopes: see
//! `scopes_examples::mcp`.
//!
//! ```text
//! cargo run -p scopes-examples --bin mcp
//! ```
//!
//! It serves `http://127.0.0.1:8001/mcp` (override the address with `ADDR`); tokens must
//! carry that URI as their audience. Without `OIDC_ISSUER` it is its own development
//! authorization server (the metadata names it; client `mcp-dev-client`, secret
//! `mcp-dev-secret`, client-credentials grant at `/token`) and prints development
//! tokens, signed with a demo secret (override with `SECRET_KEY`). With
//! `OIDC_ISSUER=<issuer>`, tokens come from that authorization server (found through
//! OpenID Connect discovery, checked in the RFC 9068 profile), which the RFC 9728
//! metadata names for MCP clients to discover. To try that on this machine:
//! `node tests/oidc/provider.mjs 8123` (after `npm ci` in tests/oidc) and
//! `OIDC_ISSUER=http://127.0.0.1:8123`.

use std::time::Duration;

use scopes_core::issuer::Signer;
use scopes_core::{Key, ResourceMetadata, Verifier};
use scopes_examples::mcp::{
    DEV_CLIENT_ID, DEV_CLIENT_SECRET, Scopes, app, dev_authorization_server,
};
use scopes_examples::secret;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    scopes_examples::log();
    let addr = std::env::var("ADDR").unwrap_or_else(|_| "127.0.0.1:8001".to_owned());
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .map_err(|error| {
            format!("cannot listen on {addr}: {error} (set ADDR to another address)")
        })?;
    // The canonical URI of the server (RFC 8707): what tokens must name as audience.
    let resource = format!("http://{}/mcp", listener.local_addr()?);
    let mut metadata = ResourceMetadata::new(&resource)?
        .scopes::<Scopes>()
        .resource_name("scopes MCP example");
    let issuer = std::env::var("OIDC_ISSUER").ok();
    // Without an identity provider, this server is its own (development) one.
    let base = format!("http://{}", listener.local_addr()?);
    let signer = Signer::hs256(secret())?
        .issuer(&base)
        .audience(&resource)
        .lifetime(Duration::from_secs(30 * 60));
    metadata = metadata.authorization_server(issuer.as_deref().unwrap_or(&base));
    let verifier = match &issuer {
        Some(issuer) => Verifier::builder().oidc_issuer(issuer).rfc9068(&resource),
        None => Verifier::builder()
            .key(Key::hs256(secret())?)
            .issuer(&base)
            .audience(&resource),
    }
    .resource_metadata(&metadata)
    .scope_on_401(true)
    .build()?;
    if issuer.is_some() {
        // Fail at start-up, not on the first request, if the provider cannot be reached.
        verifier.refresh_keys().await?;
    }

    eprintln!("MCP server on {resource}");
    eprintln!("  metadata: {}", metadata.url());
    if issuer.is_none() {
        eprintln!(
            "  development authorization server: {base} (client {DEV_CLIENT_ID}, secret {DEV_CLIENT_SECRET}, client_credentials)"
        );
        eprintln!("development tokens (30 minutes), e.g. for the MCP Inspector's bearer token:");
        for (label, scopes) in [
            ("items:read items:write", &["items:read", "items:write"][..]),
            ("items:read only (add_item is refused)", &["items:read"][..]),
        ] {
            let token = signer.mint("dev", scopes.iter().copied())?;
            eprintln!("\n# {label}\n{token}");
        }
        eprintln!(
            "\ntry: curl -i -X POST {resource} -H 'Content-Type: application/json' \
             -H 'Accept: application/json, text/event-stream' \
             -d '{{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{{\"name\":\"add_item\",\"arguments\":{{\"name\":\"Baz\"}}}}}}' \
             -H 'Authorization: Bearer <a token>'\n"
        );
    }
    let mut router = app(verifier, &metadata);
    if issuer.is_none() {
        router = router.merge(dev_authorization_server(&base, &resource, signer));
    }
    axum::serve(listener, router).await?;
    Ok(())
}
