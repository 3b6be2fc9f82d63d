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
//! - The resource `items://all` and the prompt `summarize_items` need `items:read` too,
//!   declared the same way: a `resources/read` or `prompts/get` without it is answered
//!   403 before the server reads it.

use std::sync::{Arc, Mutex};

use axum::Form;
use axum::Router;
use axum::extract::rejection::FormRejection;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{
    ErrorData, GetPromptRequestParams, GetPromptResponse, GetPromptResult, ListPromptsResult,
    ListResourcesResult, PaginatedRequestParams, Prompt, PromptMessage, ReadResourceRequestParams,
    ReadResourceResponse, ReadResourceResult, Resource, ResourceContents, Role, ServerCapabilities,
    ServerConfig,
};
use rmcp::service::{RequestContext, RoleServer};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{ServerHandler, schemars, tool, tool_handler, tool_router};
use scopes_core::issuer::{AccessTokenResponse, GrantError, Signer, grant_scopes};
use scopes_core::{
    McpScopesLayer, ResourceMetadata, ScopeSet, ScopeTable, Verifier, requires_scopes, scopes,
};
use serde::Deserialize;

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

/// The resource that holds the list of items (needs `items:read`).
pub const ITEMS_RESOURCE: &str = "items://all";

/// The prompt that asks for a summary of the items (needs `items:read`).
pub const SUMMARY_PROMPT: &str = "summarize_items";

/// The server's prompts.
pub fn prompts() -> Vec<Prompt> {
    vec![Prompt::new(
        SUMMARY_PROMPT,
        Some("Ask for a summary of the items."),
        None,
    )]
}

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
        self.listed()
    }

    /// The items, one text.
    fn listed(&self) -> String {
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
        let capabilities = ServerCapabilities::builder()
            .enable_tools()
            .enable_resources()
            .enable_prompts()
            .build();
        ServerConfig::new(capabilities).with_instructions(
            "A list of items: list_items reads it (and the resource items://all), add_item adds to it.",
        )
    }

    async fn list_resources(
        &self,
        _: Option<PaginatedRequestParams>,
        _: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        Ok(ListResourcesResult {
            resources: vec![Resource::new(ITEMS_RESOURCE, "items")],
            ..Default::default()
        })
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        match request.uri == ITEMS_RESOURCE {
            true => Ok(ReadResourceResult::new(vec![ResourceContents::text(
                self.listed(),
                request.uri,
            )])
            .into()),
            false => Err(ErrorData::resource_not_found("no such resource", None)),
        }
    }

    async fn list_prompts(
        &self,
        _: Option<PaginatedRequestParams>,
        _: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, ErrorData> {
        Ok(ListPromptsResult {
            prompts: prompts(),
            ..Default::default()
        })
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, ErrorData> {
        match request.name == SUMMARY_PROMPT {
            true => Ok(GetPromptResult::new(vec![PromptMessage::new_text(
                Role::User,
                format!("Summarize these items: {}", self.listed()),
            )])
            .into()),
            false => Err(ErrorData::invalid_params("no such prompt", None)),
        }
    }
}

/// The guard: each tool, prompt and resource with the requirement it declares, the
/// tools and prompts checked against the server's own at start-up (one left out, or a
/// name mistyped, is an error here rather than one no token can use).
pub fn guard(verifier: Verifier) -> McpScopesLayer<Scopes> {
    let tools = Items::tool_router().list_all();
    McpScopesLayer::with_verifier(verifier)
        .tool::<ReadItems>("list_items")
        .tool::<WriteItems>("add_item")
        .prompt::<ReadItems>(SUMMARY_PROMPT)
        .resource::<ReadItems>("items://*")
        .check_tools(tools.iter().map(|tool| &*tool.name))
        .and_then(|guard| guard.check_prompts(prompts().iter().map(|prompt| &*prompt.name)))
        .expect("every tool and prompt of the server is declared with its scopes")
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

/// The client of the development authorization server.
pub const DEV_CLIENT_ID: &str = "mcp-dev-client";
/// Its secret (development only).
pub const DEV_CLIENT_SECRET: &str = "mcp-dev-secret";

/// A development authorization server on the MCP server's own address, for runs without
/// an identity provider: RFC 8414 metadata at `/.well-known/oauth-authorization-server`,
/// an authorization endpoint that refuses (no user to log in) and a token endpoint
/// (`/token`) for the client-credentials grant of
/// [`DEV_CLIENT_ID`] (`client_secret_basic` or `client_secret_post`), issuing tokens
/// for `resource` (RFC 8707) signed by `signer`. MCP clients then find it through the
/// resource metadata, as they would a real one. Not for production.
pub fn dev_authorization_server(issuer: &str, resource: &str, signer: Signer) -> Router {
    use axum::routing::{get, post};
    let metadata = serde_json::json!({
        "issuer": issuer,
        // RFC 8414 requires it, and MCP clients read it; this server has no user to
        // log in, so it answers every authorization request with an error.
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "grant_types_supported": ["client_credentials"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "scopes_supported": Scopes::iter().map(|scope| scope.name).collect::<Vec<_>>(),
        "response_types_supported": [],
    });
    let resource = resource.to_owned();
    let signer = std::sync::Arc::new(signer);
    Router::new()
        .route(
            "/.well-known/oauth-authorization-server",
            get(move || async move { axum::Json(metadata) }),
        )
        .route(
            "/authorize",
            get(|| async {
                (
                    axum::http::StatusCode::BAD_REQUEST,
                    axum::Json(serde_json::json!({
                        "error": "unsupported_response_type",
                        "error_description": "this development server grants client_credentials only",
                    })),
                )
            }),
        )
        .route(
            "/token",
            post(
                move |headers: axum::http::HeaderMap,
                      form: Result<Form<TokenRequest>, FormRejection>| async move {
                    // A form that cannot be read is RFC 6749's `invalid_request` (JSON),
                    // not axum's plain-text 415 or 422.
                    let Form(form) = form.map_err(|rejection| {
                        GrantError::InvalidRequest(rejection.body_text().into())
                    })?;
                    dev_token(&headers, form, &resource, &signer)
                },
            ),
        )
}

/// A client-credentials token request (RFC 6749 §4.4, RFC 8707's `resource`).
#[derive(Debug, Deserialize)]
pub struct TokenRequest {
    grant_type: String,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    resource: Option<String>,
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default)]
    client_secret: Option<String>,
}

fn dev_token(
    headers: &axum::http::HeaderMap,
    form: TokenRequest,
    resource: &str,
    signer: &Signer,
) -> Result<AccessTokenResponse, GrantError> {
    use base64::Engine as _;
    // client_secret_basic, or client_secret_post.
    let basic = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Basic "))
        .and_then(|encoded| {
            base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .ok()
        })
        .and_then(|decoded| String::from_utf8(decoded).ok());
    let authenticated = match (&basic, &form.client_id, &form.client_secret) {
        // With Basic, a form's `client_id` that names the same client is no second method.
        (Some(pair), id, None)
            if id
                .as_ref()
                .is_none_or(|id| pair.split(':').next() == Some(id.as_str())) =>
        {
            *pair == format!("{DEV_CLIENT_ID}:{DEV_CLIENT_SECRET}")
        }
        (None, Some(id), Some(secret)) => id == DEV_CLIENT_ID && secret == DEV_CLIENT_SECRET,
        // RFC 6749 §2.3: one authentication method per request.
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
            return Err(GrantError::InvalidRequest(
                "the client authenticated twice: use client_secret_basic or client_secret_post"
                    .into(),
            ));
        }
        _ => false,
    };
    if !authenticated {
        return Err(GrantError::InvalidClient);
    }
    if form.grant_type != "client_credentials" {
        return Err(GrantError::UnsupportedGrantType);
    }
    if form
        .resource
        .as_deref()
        .is_some_and(|asked| asked != resource)
    {
        return Err(GrantError::InvalidTarget(
            "`resource` is not this MCP server".into(),
        ));
    }
    let everything: ScopeSet<Scopes> = ScopeSet::granted_by(Scopes::iter().map(|s| s.name));
    let granted = match form
        .scope
        .as_deref()
        .filter(|scope| !scope.trim().is_empty())
    {
        Some(scope) => {
            grant_scopes::<Scopes>(scope.split(' ').filter(|s| !s.is_empty()), &everything)?
        }
        None => everything,
    };
    let token = signer
        .mint_set(DEV_CLIENT_ID, &granted)
        .map_err(|_| GrantError::InvalidRequest("the token could not be signed".into()))?;
    Ok(AccessTokenResponse::bearer(
        token,
        signer.token_lifetime(),
        &granted,
    ))
}
