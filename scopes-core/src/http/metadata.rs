//! OAuth 2.0 Protected Resource Metadata (RFC 9728): the document a client reads to
//! learn which authorization servers issue tokens for this resource and which scopes it
//! knows, served at the well-known path, and the URL that every challenge names.

use axum::Router;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use jsonwebtoken::Algorithm;
use serde::Serialize;

use super::dpop::Dpop;
use crate::error::ConfigError;
use crate::table::ScopeTable;

/// The well-known path segment of RFC 9728 §3.
const WELL_KNOWN: &str = "/.well-known/oauth-protected-resource";

/// This resource's metadata (RFC 9728 §2), built from configuration and a scope table.
///
/// `resource` is the identifier clients use and tokens carry as their audience (RFC
/// 8707): it is configured, never derived from a request's `Host`. Fields left unset
/// are left out of the document.
///
/// ```
/// use scopes_core::{ResourceMetadata, Verifier, Key, scopes};
///
/// scopes! {
///     pub Scopes {
///         "items:read": "Read items.",
///         "items:write": "Change items.",
///     }
/// }
///
/// let metadata = ResourceMetadata::new("https://api.example.com/v1/mcp")?
///     .authorization_server("https://auth.example.com/realms/shop")
///     .scopes::<Scopes>()
///     .resource_name("Shop MCP server");
/// assert_eq!(
///     metadata.url(),
///     "https://api.example.com/.well-known/oauth-protected-resource/v1/mcp"
/// );
/// // Every 401 and 403 then names the document: `resource_metadata="…"`.
/// // Its tokens must be meant for the resource (RFC 8707): `build` wants an audience.
/// let verifier = Verifier::builder()
///     .key(Key::hs256("a secret of at least thirty-two bytes!!")?)
///     .audience("https://api.example.com/v1/mcp")
///     .resource_metadata(&metadata)
///     .build()?;
/// // And the router serves it.
/// let app: axum::Router = axum::Router::new().merge(metadata.router());
/// # Ok::<(), scopes_core::ConfigError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResourceMetadata {
    resource: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authorization_servers: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    jwks_uri: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    scopes_supported: Vec<String>,
    bearer_methods_supported: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    resource_signing_alg_values_supported: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_documentation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_policy_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_tos_uri: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    dpop_signing_alg_values_supported: Vec<String>,
    #[serde(skip_serializing_if = "core::ops::Not::not")]
    dpop_bound_access_tokens_required: bool,
    /// Where the document is served (origin + well-known path); not a member.
    #[serde(skip)]
    url: String,
    #[serde(skip)]
    path: String,
    /// Served at the host's root well-known path too ([`also_at_root`](Self::also_at_root)).
    #[serde(skip)]
    at_root: bool,
}

impl ResourceMetadata {
    /// The metadata of the resource `resource`: an `https` URL (plain `http` only on
    /// loopback, for local runs) without a query or fragment.
    ///
    /// `bearer_methods_supported` is `["header"]`: this crate reads tokens from the
    /// `Authorization` header only.
    pub fn new(resource: impl Into<String>) -> Result<Self, ConfigError> {
        let resource = resource.into();
        let invalid = |why: &'static str| ConfigError::InvalidResource {
            resource: resource.clone(),
            why,
        };
        let (scheme, rest) = resource
            .split_once("://")
            .ok_or_else(|| invalid("it is not an absolute URL"))?;
        let (authority, path) = rest.find('/').map_or((rest, ""), |at| rest.split_at(at));
        let host = authority
            .rsplit_once('@')
            .map_or(authority, |(_, host)| host);
        let hostname = match host.strip_prefix('[') {
            Some(bracketed) => bracketed.split(']').next().unwrap_or_default(),
            None => host.split(':').next().unwrap_or_default(),
        };
        let loopback = matches!(hostname, "localhost" | "127.0.0.1" | "::1");
        match scheme {
            "https" => {}
            "http" if loopback => {}
            "http" => return Err(invalid("it must be https (http only on loopback)")),
            _ => return Err(invalid("it must be an https URL")),
        }
        if hostname.is_empty() || authority.contains('@') {
            return Err(invalid("it needs a host (and no user information)"));
        }
        if resource.contains('#') || resource.contains('?') {
            return Err(invalid("it may not have a query or a fragment"));
        }
        // It goes into challenges between quotes, and compares code point by code point.
        if !resource
            .bytes()
            .all(|b| b.is_ascii_graphic() && !b"\"<>\\^`{|}".contains(&b))
        {
            return Err(invalid(
                "a URL is printable ASCII without spaces or any of \"<>\\^`{|} (RFC 3986): percent-encode them",
            ));
        }
        let escape = |after: &str| {
            let hex = after.get(..2).unwrap_or_default();
            hex.len() == 2 && hex.bytes().all(|b| b.is_ascii_hexdigit())
        };
        if path.contains(['[', ']']) || !path.split('%').skip(1).all(escape) {
            return Err(invalid(
                "its path may hold `[` and `]` only percent-encoded, and `%` only before two hexadecimal digits (RFC 3986)",
            ));
        }
        // Its path is served as a route of axum's: a segment that starts with `:` or `*`
        // would be read as a parameter (and refused).
        if path
            .split('/')
            .any(|segment| segment.starts_with([':', '*']))
        {
            return Err(invalid(
                "a path segment may not start with `:` or `*`, which axum's routes read as parameters: percent-encode it (`%3A`, `%2A`)",
            ));
        }
        // RFC 9728 §3.1: the well-known segment goes between the host and the path (a
        // lone `/` after the host is dropped; the path is otherwise kept as written).
        let path = match path {
            "" | "/" => WELL_KNOWN.to_owned(),
            _ => format!("{WELL_KNOWN}{path}"),
        };
        Ok(Self {
            url: format!("{scheme}://{authority}{path}"),
            path,
            at_root: false,
            resource,
            authorization_servers: Vec::new(),
            jwks_uri: None,
            scopes_supported: Vec::new(),
            bearer_methods_supported: vec!["header"],
            resource_signing_alg_values_supported: Vec::new(),
            resource_name: None,
            resource_documentation: None,
            resource_policy_uri: None,
            resource_tos_uri: None,
            dpop_signing_alg_values_supported: Vec::new(),
            dpop_bound_access_tokens_required: false,
        })
    }

    /// Adds an authorization server that issues tokens for this resource (its issuer
    /// identifier; clients read its own metadata there).
    #[must_use]
    pub fn authorization_server(mut self, issuer: impl Into<String>) -> Self {
        self.authorization_servers.push(issuer.into());
        self
    }

    /// `scopes_supported`: every scope of table `T`, in declaration order.
    #[must_use]
    pub fn scopes<T: ScopeTable>(mut self) -> Self {
        self.scopes_supported = T::iter().map(|scope| scope.name.to_owned()).collect();
        self
    }

    /// `scopes_supported`: the scopes of table `T` called `names`, for a resource that
    /// publishes only some (names the table does not declare are left out).
    #[must_use]
    pub fn scopes_of<'a, T: ScopeTable>(
        mut self,
        names: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        self.scopes_supported = names
            .into_iter()
            .filter_map(T::lookup)
            .map(|scope| scope.name.to_owned())
            .collect();
        self
    }

    /// `jwks_uri`: where this resource's own signing keys are (for signed responses).
    #[must_use]
    pub fn jwks_uri(mut self, uri: impl Into<String>) -> Self {
        self.jwks_uri = Some(uri.into());
        self
    }

    /// `resource_signing_alg_values_supported` (never `none`, which the type excludes).
    #[must_use]
    pub fn signing_algorithms(mut self, algorithms: impl IntoIterator<Item = Algorithm>) -> Self {
        self.resource_signing_alg_values_supported = algorithms
            .into_iter()
            .map(|algorithm| format!("{algorithm:?}"))
            .collect();
        self
    }

    /// `resource_name`: a name for people.
    #[must_use]
    pub fn resource_name(mut self, name: impl Into<String>) -> Self {
        self.resource_name = Some(name.into());
        self
    }

    /// `resource_documentation`: a page for developers.
    #[must_use]
    pub fn documentation(mut self, uri: impl Into<String>) -> Self {
        self.resource_documentation = Some(uri.into());
        self
    }

    /// `resource_policy_uri`.
    #[must_use]
    pub fn policy_uri(mut self, uri: impl Into<String>) -> Self {
        self.resource_policy_uri = Some(uri.into());
        self
    }

    /// `resource_tos_uri`.
    #[must_use]
    pub fn tos_uri(mut self, uri: impl Into<String>) -> Self {
        self.resource_tos_uri = Some(uri.into());
        self
    }

    /// What the resource takes of DPoP (RFC 9449), from the same [`Dpop`] the verifier
    /// is given: `dpop_signing_alg_values_supported`, and
    /// `dpop_bound_access_tokens_required: true` where DPoP is required. A verifier
    /// naming this document ([`VerifierBuilder::resource_metadata`]) refuses to build
    /// if its DPoP policy says otherwise.
    ///
    /// [`VerifierBuilder::resource_metadata`]: crate::VerifierBuilder::resource_metadata
    #[must_use]
    pub fn dpop(mut self, dpop: &Dpop) -> Self {
        let (algorithms, required) = dpop.advertised();
        self.dpop_signing_alg_values_supported = algorithms;
        self.dpop_bound_access_tokens_required = required;
        self
    }

    /// What the document says of DPoP: its algorithms and whether it is required.
    pub(crate) fn dpop_advertised(&self) -> (Vec<String>, bool) {
        (
            self.dpop_signing_alg_values_supported.clone(),
            self.dpop_bound_access_tokens_required,
        )
    }

    /// The authorization servers it names.
    pub fn authorization_servers(&self) -> &[String] {
        &self.authorization_servers
    }

    /// The resource identifier.
    pub fn resource(&self) -> &str {
        &self.resource
    }

    /// The URL of the document (what challenges name in `resource_metadata`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The path the document is served at, e.g.
    /// `/.well-known/oauth-protected-resource/v1/mcp`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Serves the document at the host's root well-known path too,
    /// `/.well-known/oauth-protected-resource`, besides [`path`](Self::path) (for a
    /// resource with a path; its challenges still name `path`). RFC 9728 §3.1 puts a
    /// resource's document at the path-inserted URL, and MCP clients read that, or the
    /// URL the 401's `resource_metadata` names; a client that asks only the root (as
    /// early MCP clients did) finds it there too. Only for a host that serves one
    /// protected resource: the root can describe only one. The document names the
    /// resource with its path, and RFC 9728 §3.3 has a client that checks it against
    /// the URL it asked discard it (the root stands for the bare origin): this helps
    /// the clients that use it as MCP's fallback, not strict ones.
    #[must_use]
    pub fn also_at_root(mut self) -> Self {
        self.at_root = true;
        self
    }

    /// Whether the document is served at `path` (as the client sent it).
    pub(crate) fn served_at(&self, path: &str) -> bool {
        path == self.path || (self.at_root && path == WELL_KNOWN)
    }

    /// A router serving the document at [`path`](Self::path) (and at the root's
    /// well-known path with [`also_at_root`](Self::also_at_root)): `200`,
    /// `application/json`. Merge it into the application's router at its root, never
    /// inside a `nest` (the path follows from the resource's URL, RFC 9728 §3.1: for a
    /// resource at `/api/mcp`, `/.well-known/oauth-protected-resource/api/mcp`, which a
    /// nested router would serve under its prefix instead); it needs no state and no
    /// token (a [`RequireScopesLayer`](crate::RequireScopesLayer) or
    /// [`McpScopesLayer`](crate::McpScopesLayer) over the whole router answers a `GET`
    /// of it itself, when its verifier names this document).
    pub fn router<S: Clone + Send + Sync + 'static>(&self) -> Router<S> {
        let metadata = self.clone();
        let document = get(move || {
            let response = metadata.response();
            async move { response }
        });
        let router = Router::new().route(&self.path, document.clone());
        match self.at_root && self.path != WELL_KNOWN {
            true => router.route(WELL_KNOWN, document),
            false => router,
        }
    }

    /// The document as a response (for a router built by hand).
    pub fn response(&self) -> Response {
        let json = HeaderValue::from_static("application/json");
        let body = serde_json::to_string(self).unwrap_or_default();
        (StatusCode::OK, [(CONTENT_TYPE, json)], body).into_response()
    }
}
