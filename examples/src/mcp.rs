//! An MCP server (rmcp, Streamable HTTP) protected by scopes: the app behind
//! `cargo run -p scopes-examples --bin mcp`.
//!
//! - `POST`/`GET /mcp` needs a bearer token whose audience is the server's canonical
//!   URI (RFC 8707); without one the answer is 401 with `resource_metadata` and the
//!   scopes the tools need in the challenge.
//! - `GET /.well-known/oauth-protected-resource/mcp` is the RFC 9728 metadata: the
//!   authorization server and the scopes.
//! - Each tool declares its scopes with a requirement marker checked at compile time
//!   (`list_items` needs `items:read`, `add_item` needs `items:write`): a `tools/call`
//!   for a tool the token lacks scopes for is answered 403 `insufficient_scope` before
//!   the tool runs.

use std::sync::{Arc, Mutex};

use axum::Router;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{ServerCapabilities, ServerConfig};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{ServerHandler, schemars, tool, tool_handler, tool_router};
use scopes_core::{McpScopesLayer, ResourceMetadata, Verifier, requires_scopes, scopes};
use serde::Deserialize;
use tower::Layer;

scopes! {
    /// What an MCP client may be granted on this server.
    pub Scopes {
        "items:read": "List the items.",
        "items:write": "Add items.",
    }
}

/// What `list_items` needs.
#[requires_scopes("items:read")]
#[derive(Debug)]
pub struct ReadItems;

/// What `add_item` needs.
#[requires_scopes("items:write")]
#[derive(Debug)]
pub struct WriteItems;

/// The server: a list of items, shared by every session.
#[derive(Clone)]
pub struct Items {
    items: Arc<Mutex<Vec<String>>>,
    tool_router: ToolRouter<Self>,
}

/// The arguments of `add_item`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct AddItem {
    /// The item's name.
    pub name: String,
}

#[tool_router]
impl Items {
    /// A server with two items.
    pub fn new() -> Self {
        Self {
            items: Arc::new(Mutex::new(vec!["Foo".to_owned(), "Bar".to_owned()])),
            tool_router: Self::tool_router(),
        }
    }

    #[tool(description = "List the items (needs the scope items:read).")]
    async fn list_items(&self) -> String {
        self.items
            .lock()
            .map(|items| items.join(", "))
            .unwrap_or_default()
    }

    #[tool(description = "Add an item (needs the scope items:write).")]
    async fn add_item(&self, Parameters(AddItem { name }): Parameters<AddItem>) -> String {
        match self.items.lock() {
            Ok(mut items) => {
                items.push(name.clone());
                format!("added {name}; {} items", items.len())
            }
            Err(_) => "the item list is unavailable".to_owned(),
        }
    }
}

impl std::fmt::Debug for Items {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Items")
            .field("items", &self.items)
            .finish_non_exhaustive()
    }
}

impl Default for Items {
    fn default() -> Self {
        Self::new()
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Items {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_instructions("A list of items: list_items reads it, add_item adds to it.")
    }
}

/// The guard: each tool with the requirement it declares.
pub fn guard(verifier: Verifier) -> McpScopesLayer<Scopes> {
    McpScopesLayer::with_verifier(verifier)
        .tool::<ReadItems>("list_items")
        .tool::<WriteItems>("add_item")
}

/// The app: the MCP server at `/mcp` behind the guard, and its RFC 9728 metadata.
/// `verifier` must require the audience `metadata` names as its resource, and name the
/// metadata in its challenges.
pub fn app(verifier: Verifier, metadata: &ResourceMetadata) -> Router {
    let items = Items::new();
    let mcp = StreamableHttpService::new(
        move || Ok(items.clone()),
        Arc::new(LocalSessionManager::default()),
        StreamableHttpServerConfig::default(),
    );
    Router::new()
        .route_service("/mcp", guard(verifier).layer(mcp))
        .merge(metadata.router())
}
