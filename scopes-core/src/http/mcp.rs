//! MCP servers over Streamable HTTP: the token checked on every request, and each
//! `tools/call`, `prompts/get` and resource read checked against the scopes declared
//! for its tool, prompt or resource before the server reads it.

use core::fmt;
use core::marker::PhantomData;
use core::task::{Context, Poll};
use std::borrow::Cow;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::FromRef;
use axum::response::{IntoResponse, Response};
use http::header::{ALLOW, CONTENT_TYPE, HOST};
use http::{HeaderValue, Method, Request, StatusCode};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use rustc_hash::{FxHashMap, FxHashSet};
use serde_json::value::RawValue;
use tower_layer::Layer;
use tower_service::Service;

use self::asked::{
    Kind, Resources, Unreadable, asked, canonical, canonical_beginning, carries_nothing, checks,
};
use self::sessions::{Addressed, Cause, Foreign, InUse, LetGo, Named, OpenedAt, Sessions};
use super::extract::{step_up, verified};
use super::layer::{ResponseFuture, take_ready};
use super::observe;
use super::refusal::{self, AuthRejection, Rejection, closing};
use super::verifier::Verifier;
use crate::error::ConfigError;
use crate::table::check::closest_name;
use crate::table::{RequiredScopes, Requirement, ScopeTable, scope_union};
use crate::token::VerifiedToken;

mod asked;
mod sessions;

/// The most sessions whose principal the guard remembers, by default.
const SESSIONS: usize = 10_000;
/// The most sessions a principal holds, by default.
const SHARE: usize = 100;

/// The header that names an MCP session (Streamable HTTP).
const SESSION: &str = "mcp-session-id";

/// The largest request body read by default (1 MiB): MCP messages are small, and the
/// guard must read a body before the server to see which tool it calls.
const BODY_LIMIT: usize = 1 << 20;
/// The longest a POST's body may take to arrive, by default.
const BODY_TIMEOUT: Duration = Duration::from_secs(30);

/// Protects an MCP server served over Streamable HTTP (e.g. rmcp's
/// `StreamableHttpService`): every request needs a valid bearer token (and the scopes
/// of [`require`](Self::require), if any), and each JSON-RPC `tools/call` needs the
/// scopes declared for its tool with [`tool`](Self::tool), checked before the server
/// reads the message, so a tool never runs for a token without them. Prompts and
/// resources are guarded the same way: [`prompt`](Self::prompt) for `prompts/get`,
/// [`resource`](Self::resource) (by URI, or a URI's beginning) for `resources/read`,
/// `resources/subscribe` and `resources/unsubscribe`, and each for a
/// `completion/complete` against it.
///
/// Tools are declared with requirement markers, so a typo in a tool's scope is a compile
/// error like any `#[requires_scopes]`:
///
/// ```
/// # use axum::{Router, routing::post};
/// # use scopes_core::{Key, McpScopesLayer, Verifier, requires_scopes, scopes};
/// scopes! { pub Scopes { "items:read": "Read items.", "items:write": "Change items." } }
///
/// #[requires_scopes("items:read")]
/// struct ReadItems;
///
/// #[requires_scopes("items:write")]
/// struct WriteItems;
///
/// # fn main() -> Result<(), scopes_core::ConfigError> {
/// let verifier = Verifier::new(Key::hs256([7; 32])?)?;
/// // With rmcp: `Items::tool_router().list_all()`, each tool's `name`.
/// let served = ["list_items", "add_item"];
/// let guard = McpScopesLayer::<Scopes>::new(&verifier)
///     .tool::<ReadItems>("list_items")
///     .tool::<WriteItems>("add_item")
///     .check_tools(served)?; // every tool declared, no name mistyped
/// // `mcp` would be rmcp's `StreamableHttpService`.
/// let mcp = post(|| async { "{}" });
/// // The guard around the server's route alone: other paths keep their own answers
/// // (a `.layer(guard)` over the whole router would answer 401 for unknown paths too).
/// let app: Router = Router::new().route_service("/mcp", guard.layer(mcp));
/// # Ok(()) }
/// ```
///
/// What it answers, before the server sees the request:
///
/// - no token, or a bad one: the verifier's 401 (turn on
///   [`scope_on_401`](crate::VerifierBuilder::scope_on_401) so that it names the scopes
///   of every declared tool, prompt and resource, or those of
///   [`scopes_on_401`](Self::scopes_on_401), and
///   [`resource_metadata`](crate::VerifierBuilder::resource_metadata) so that clients
///   find the authorization server, as MCP asks);
/// - a `tools/call` of a tool the token lacks scopes for: 403 `insufficient_scope` with
///   `scope="…"` listing the tool's scopes and then those the token holds (MCP's advice:
///   a client asking again keeps what it had);
/// - a `tools/call` of a tool that was not declared: 400 with a JSON-RPC error
///   (`-32602`, unknown tool) for that call (fail closed: an undeclared tool is not
///   callable, rather than callable by any token; and no challenge, since no token
///   would do), logged as `mcp.undeclared_tool`; the same for a prompt (`-32602`,
///   unknown prompt, `mcp.undeclared_prompt`) and a resource (`-32002`, resource not
///   found, or `-32602` from MCP's 2026-07-28 protocol on, as rmcp answers;
///   `mcp.undeclared_resource`);
/// - a resource URI that a server could read as another than the one the guard
///   matched (a dot segment, an empty segment, an escaped `/` or `\`, a control
///   character, a space or a `\` as written, userinfo: see [`resource`](Self::resource)):
///   400, `-32602`, logged as `mcp.invalid_resource_uri`, whatever was declared;
/// - in a batch, the first message refused refuses the batch;
/// - a session id bound to another principal (another token's `iss` and `sub`): 404
///   with a JSON-RPC error (`-32001`), logged as `mcp.foreign_session`; and the same
///   for a session id the guard did not see opened (`mcp.unknown_session`);
/// - a POST body that is not JSON: 400 with a JSON-RPC parse error (`-32700`); JSON
///   that is not a JSON-RPC message or a non-empty batch of them (a message that is not
///   an object, a nested batch, an `id` that is not a string, a number or `null`, a
///   `tools/call` (or `prompts/get`, a resource's method, a completion) whose `params`
///   is not an object naming what it asks for): 400, invalid request (`-32600`); a body
///   larger than [`body_limit`](Self::body_limit): 413;
/// - a method Streamable HTTP does not use (anything but `POST`, `GET` and `DELETE`):
///   405 with `Allow`, since the guard reads no other body;
/// - two `Mcp-Session-Id` headers, or one that is not visible ASCII (`0x21`–`0x7E`,
///   as MCP's transport allows): 400.
///
/// `tools/list` (and `prompts/list`, `resources/list`, `resources/templates/list`) is
/// passed on as the server answers it: a client sees every tool, and a call of one its
/// token lacks scopes for is the 403 above (a server that lists only
/// what a token may call filters in its own `list_tools`, reading the token as below).
/// Other methods pass with the scopes of [`require`](Self::require) (a guard may
/// [refuse the methods it does not know](Self::refuse_unknown_methods)). With MCP's tasks, a
/// task's id is the key to its result (`tasks/get`, `tasks/result`): a server that runs
/// tools as tasks binds each task to the principal that created it.
///
/// An admitted request carries the [`VerifiedToken`] in its extensions. rmcp hands the
/// request's `http::request::Parts` to tools (and to prompts and resources, in their
/// `RequestContext`'s extensions), which read it there for checks of their own:
///
/// ```ignore
/// use rmcp::handler::server::tool::Extension;
///
/// #[tool(description = "The caller's scopes.")]
/// async fn my_scopes(&self, Extension(parts): Extension<http::request::Parts>) -> String {
///     let token = parts.extensions.get::<VerifiedToken>().expect("behind the guard");
///     token.scopes().collect::<Vec<_>>().join(" ")
/// }
/// ```
///
/// A tool, prompt or resource that any valid token may use is declared with a bare
/// requirement marker (`#[requires_scopes] struct Authenticated;`).
///
/// MCP asks more of the verifier: that it take only tokens meant for this server (give
/// it the audience the authorization server writes in them, for an RFC 8707 client the
/// server's URL: [`audience`](crate::VerifierBuilder::audience)), and that
/// it name the resource's metadata document (RFC 9728) in its challenges
/// ([`resource_metadata`](crate::VerifierBuilder::resource_metadata), which then also
/// refuses to build without an audience). A guard over the whole router answers a `GET`
/// of that document itself, as clients read it without a token. Everything else on
/// such a router is the MCP endpoint to it: every `POST` body is read as JSON-RPC
/// (a form posted to another route is a parse error, 400) within the body limit,
/// `HEAD`, `PUT` and `PATCH` are answered 405, and unknown paths 401. Mount it on the
/// MCP route alone (`route_service("/mcp", guard.layer(mcp))`) when the router serves
/// anything else. Browsers' CORS
/// preflights carry no token either: put a CORS layer (tower-http's `CorsLayer`)
/// outside the guard, so that it answers them first.
///
/// Sessions: the session the server opens for a token (its `Mcp-Session-Id`) is bound to
/// that token's principal (`iss` and `sub`, or `client_id` for a token without `sub`; a
/// token with an empty `sub`, which names no one, is its own principal, with its own
/// share of sessions, rather than its client's, whose users it would merge); a request
/// naming the session with another principal's token is answered 404, as if it did not
/// exist, so a leaked session id does not hand over another user's event stream. A
/// session id the guard did not see opened is answered the same way (fail closed): one
/// opened through another instance that shares the server's session store (route a
/// session's requests to the instance that opened it), or before a restart; the client
/// opens a new session, as MCP's transport asks on a 404. A principal holds at most 100 sessions
/// ([`sessions_per_principal`](Self::sessions_per_principal)), and the guard at most
/// 10 000 in all ([`sessions_in_all`](Self::sessions_in_all)): past that, the principal opening one lets go of one of its own, or,
/// holding no other, whoever holds the most lets go of one (so principals opening
/// sessions push out each other's, not those of one who keeps few). A session let go is
/// closed at its server (a `DELETE` naming it, as its client would send, from a task of
/// its own, addressed to the path without the query of the request that opened it) and
/// forgotten, and its client opens a new one. So one token cannot fill the server with
/// sessions faster than the server lets idle ones go. A request that may open a session
/// is seen through to its end even if its client hangs up, so that the session is
/// bound. A session the server answered 404 for (it may have let it go, idle) goes
/// first when room is needed.
///
/// An event stream in answer (to a `GET`, the server's own; to a `POST`, a call's, or
/// the `subscriptions/listen` of MCP's 2026 protocol) ends once the token of its request
/// has expired (`exp`, with the verifier's leeway), and the client reconnects with a
/// fresh one. It ends as its next event is about to go: rmcp sends a keep-alive every
/// 15 s by default, so within that; a server that sends none ends an idle stream with
/// its next event. A token without `exp` (an introspection answer without one) is not
/// cut, and an open stream is not checked for revocation.
///
/// A resumption without a session id (`Last-Event-ID` alone, with an event store and
/// no sessions) is not bound to a principal: keep event stores to servers with
/// sessions.
pub struct McpScopesLayer<T: ScopeTable> {
    guard: Arc<Guard<T>>,
}

struct Guard<T: ScopeTable> {
    verifier: Verifier,
    /// Each session the server opened, with the principal whose token opened it.
    sessions: Arc<Sessions>,
    /// What every request needs: each `require`d marker's requirements.
    every: Vec<&'static [Requirement<T>]>,
    tools: FxHashMap<Box<str>, &'static [Requirement<T>]>,
    prompts: FxHashMap<Box<str>, &'static [Requirement<T>]>,
    resources: Resources<&'static [Requirement<T>]>,
    /// The scopes a 401 names, if not every declared one.
    on_401: Option<&'static [Requirement<T>]>,
    /// Whether a method the guard does not know is refused.
    refuse_unknown: bool,
    /// The methods passed anyway.
    passed_methods: FxHashSet<Box<str>>,
    body_limit: usize,
    body_timeout: Duration,
    /// What the scope texts are, once worked out.
    texts: OnceLock<Texts>,
}

/// A guard's scope texts, space-separated in the table's order.
#[derive(Clone)]
struct Texts {
    /// Every scope a request or a declaration needs.
    every: Box<str>,
    /// Those a 401 names.
    on_401: Box<str>,
}

impl<T: ScopeTable> Clone for Guard<T> {
    fn clone(&self) -> Self {
        Self {
            verifier: self.verifier.clone(),
            sessions: self.sessions.clone(),
            every: self.every.clone(),
            tools: self.tools.clone(),
            prompts: self.prompts.clone(),
            resources: self.resources.clone(),
            on_401: self.on_401,
            refuse_unknown: self.refuse_unknown,
            passed_methods: self.passed_methods.clone(),
            body_limit: self.body_limit,
            body_timeout: self.body_timeout,
            texts: self.texts.clone(),
        }
    }
}

impl<T: ScopeTable> McpScopesLayer<T> {
    /// The guard, to change its configuration: the scope texts worked out from it are
    /// worked out again.
    fn configure(&mut self) -> &mut Guard<T> {
        let guard = Arc::make_mut(&mut self.guard);
        guard.texts = OnceLock::new();
        guard
    }

    /// The guard, verifying tokens with the router state's [`Verifier`] (pass the state
    /// or the verifier), with no tool declared yet.
    pub fn new<S>(state: &S) -> Self
    where
        Verifier: FromRef<S>,
    {
        Self::with_verifier(Verifier::from_ref(state))
    }

    /// The guard, verifying tokens with `verifier`.
    ///
    /// MCP asks its servers to publish their metadata (RFC 9728) naming at least one
    /// authorization server, so that a client finds where to get a token, and to name
    /// the scopes in their 401s: a verifier without
    /// [`resource_metadata`](crate::VerifierBuilder::resource_metadata), whose document
    /// names no authorization server, or without
    /// [`scope_on_401`](crate::VerifierBuilder::scope_on_401), is logged as a warning
    /// here (a `tracing` event, target `scopes_core::mcp`). Requests are guarded all the
    /// same.
    pub fn with_verifier(verifier: Verifier) -> Self {
        match verifier.metadata() {
            None => tracing::warn!(
                target: "scopes_core::mcp",
                "the MCP server's verifier names no resource metadata: clients cannot find its authorization server (RFC 9728); give it one with `VerifierBuilder::resource_metadata`"
            ),
            Some(metadata) if metadata.authorization_servers().is_empty() => tracing::warn!(
                target: "scopes_core::mcp",
                resource = metadata.resource(),
                "the MCP server's resource metadata names no authorization server, which MCP requires; add one with `ResourceMetadata::authorization_server`"
            ),
            Some(metadata) if !verifier.accepts_audience(metadata.resource()) => tracing::warn!(
                target: "scopes_core::mcp",
                resource = metadata.resource(),
                "the MCP server's verifier does not accept its resource metadata's `resource` as an audience: MCP clients ask for tokens for that resource (RFC 8707), and an authorization server that writes it in `aud` has them refused; give the verifier `.audience(resource)` with the same text (`localhost` and `127.0.0.1`, or a trailing `/`, differ), unless your provider writes an audience of its own (Entra ID: the API's client id)"
            ),
            Some(_) => {}
        }
        if !verifier.names_scope(&AuthRejection::MissingCredentials) {
            tracing::warn!(
                target: "scopes_core::mcp",
                "the MCP server's 401s name no scopes, which MCP asks for so that a client knows what to request; turn them on with `VerifierBuilder::scope_on_401(true)`"
            );
        }
        Self {
            guard: Arc::new(Guard {
                verifier,
                sessions: Arc::new(Sessions::new(SESSIONS, SHARE)),
                every: Vec::new(),
                tools: FxHashMap::default(),
                prompts: FxHashMap::default(),
                resources: Resources::default(),
                on_401: None,
                refuse_unknown: false,
                passed_methods: FxHashSet::default(),
                body_limit: BODY_LIMIT,
                body_timeout: BODY_TIMEOUT,
                texts: OnceLock::new(),
            }),
        }
    }

    /// Requires the scopes of `R` (a struct annotated with `#[requires_scopes]`) on every
    /// request, whatever it asks (initializing, listing tools, the event stream). Called
    /// again, every request needs both.
    pub fn require<R: RequiredScopes<T>>(mut self) -> Self {
        self.configure().every.push(R::composed());
        self
    }

    /// Refuses a message whose method the guard does not know: one it neither checks
    /// (`tools/call`, `prompts/get`, the resources' methods, `subscriptions/listen`,
    /// `completion/complete`) nor knows to name nothing it could check (initialization,
    /// `ping`, `logging/setLevel`, the listings, `server/discover`, `skills/*`,
    /// `tasks/*`, MCP's notifications), unless [`pass_method`](Self::pass_method) names
    /// it.
    /// It is answered 400 with a JSON-RPC error (`-32601`, method not found) for that
    /// message, and logged as `mcp.unknown_method` (the event's `method` field names
    /// it).
    ///
    /// By default such a method passes with the scopes of [`require`](Self::require):
    /// a server's own methods, or one a later MCP revision adds, work behind the guard
    /// as they do without it. Refusing them closes the guard to what it cannot check: a
    /// method that would read a resource or run something by another name than those
    /// above is refused until declared, at the price of refusing a new method a client
    /// and the server both know until it is passed.
    pub fn refuse_unknown_methods(mut self) -> Self {
        self.configure().refuse_unknown = true;
        self
    }

    /// Passes `method` with the scopes of [`require`](Self::require) on a guard that
    /// [refuses unknown methods](Self::refuse_unknown_methods) (a method of the server's
    /// own, say `"acme/reindex"`, or one of a later MCP revision); on another guard it
    /// changes nothing.
    ///
    /// # Panics
    ///
    /// If the guard checks `method` (`"tools/call"`, `"resources/read"`…): what those
    /// ask for is declared with [`tool`](Self::tool), [`prompt`](Self::prompt) and
    /// [`resource`](Self::resource), never passed whole.
    pub fn pass_method(mut self, method: &str) -> Self {
        assert!(
            !checks(method),
            "McpScopesLayer::pass_method({method:?}): the guard checks what `{method}` asks for; declare it with `tool`, `prompt` or `resource` instead"
        );
        if !carries_nothing(method) {
            self.configure().passed_methods.insert(method.into());
        }
        self
    }

    /// Declares the tool `name` and the scopes of `R` it needs. Declaring a name twice
    /// keeps the last.
    pub fn tool<R: RequiredScopes<T>>(mut self, name: &str) -> Self {
        self.configure().tools.insert(name.into(), R::composed());
        self
    }

    /// Declares the prompt `name` and the scopes of `R` a `prompts/get` of it (or a
    /// completion of its arguments) needs. An undeclared prompt is refused, as an
    /// undeclared tool is. Declaring a name twice keeps the last.
    pub fn prompt<R: RequiredScopes<T>>(mut self, name: &str) -> Self {
        self.configure().prompts.insert(name.into(), R::composed());
        self
    }

    /// Declares resources and the scopes of `R` a `resources/read` of them needs (and
    /// `resources/subscribe`, `resources/unsubscribe`, MCP 2026's `subscriptions/listen`
    /// for each resource it names, `resources/directory/read`, and a completion against
    /// a resource template, by the template's URI): the resource `pattern` names, or, a
    /// pattern ending in `*`, every resource whose URI begins with what precedes it
    /// (`"file:///docs/*"`; `"*"` alone: every resource). A URI's own declaration wins,
    /// then the longest beginning. An undeclared resource is refused, as an undeclared
    /// tool is. Declaring a pattern twice keeps the last.
    ///
    /// A client reads a template's resources by their own URIs (`db://orders/42` of
    /// `db://orders/{id}`): declare the template's beginning (`"db://orders/*"`); the
    /// template itself (`"db://orders/{id}"`) matches only a completion against it. End
    /// a beginning with `/` (`"file:///public/*"`, not `"file:///public*"`, which also
    /// covers `file:///public-keys/…`); such a beginning covers the URI before its `/`
    /// too (`file:///public`, whose directory listing names what is below it). Write
    /// a narrow declaration's whole host (`"https://api.example.com/admin/*"`) and keep
    /// broad ones (`"*"`, `"https://*"`) for what any of the others may read.
    ///
    /// URIs are compared as a server's URL parser reads them: parsed as WHATWG's URL
    /// standard has it (the `url` crate: Rust's, JavaScript's and pydantic's parsers
    /// agree), so the scheme and host are canonical (lower case, mapped as DNS reads
    /// them, IPv4 and IPv6 addresses in one form, no empty or default port,
    /// `file://localhost/` as `file:///`), then the path's escapes decoded once. A URI a
    /// server could read as another than the one matched is refused whatever was
    /// declared: a `.` or `..` segment (before `/`, `?`, `#` or the end, escaped too), an
    /// empty path segment (`//`), an escaped `/`, `\\` or control character in the path,
    /// an escape left once decoded (a second layer: `%252e`, `%%32%65`), a control
    /// character or `\\` as written or a space at either end (URL parsers drop tabs and
    /// line breaks and read `\\` as `/`), userinfo, a host ending in `.` or holding an
    /// escape, a `file:` URI's host, query or fragment, and a URI without a scheme. A custom scheme's host
    /// is compared in lower case too (RFC 3986 §6.2.2.1). A server on a case-insensitive file system
    /// (Windows, macOS) reads `file:///docs/Keys/a` and `…/keys./a` as `…/keys/a`, which
    /// the guard compares as written: such a server declares its resources by the names
    /// it lists, and refuses other spellings itself.
    ///
    /// # Panics
    ///
    /// If `pattern` is itself such a URI (before its `*`), or its beginning ends inside a
    /// host or a port (`"https://admin*"`: end it after the host, with `/`).
    ///
    /// ```
    /// # use scopes_core::{Key, McpScopesLayer, Verifier, requires_scopes, scopes};
    /// # scopes! { pub Scopes { "docs:read": "Read documents.", "keys:read": "Read keys." } }
    /// #[requires_scopes("docs:read")]
    /// struct ReadDocs;
    ///
    /// #[requires_scopes("keys:read")]
    /// struct ReadKeys;
    ///
    /// # fn main() -> Result<(), scopes_core::ConfigError> {
    /// # let verifier = Verifier::new(Key::hs256([7; 32])?)?;
    /// let guard = McpScopesLayer::<Scopes>::new(&verifier)
    ///     .resource::<ReadDocs>("file:///docs/*")
    ///     .resource::<ReadKeys>("file:///docs/keys/*") // the longest beginning wins
    ///     .resource::<ReadDocs>("db://orders/*"); // `db://orders/{id}`'s resources
    /// # Ok(()) }
    /// ```
    pub fn resource<R: RequiredScopes<T>>(mut self, pattern: &str) -> Self {
        let (beginning, star) = match pattern.strip_suffix('*') {
            Some(beginning) => (canonical_beginning(beginning), "*"),
            None => (canonical(pattern), ""),
        };
        let Some(beginning) = beginning else {
            panic!(
                "McpScopesLayer::resource(\"{pattern}\"): the pattern is not a URI the guard can match (a dot segment, an empty segment, an escaped separator, a control character, userinfo, a `file:` URI's host, query or fragment, a beginning that ends inside a host or a port); write it as clients do, a beginning ending with `/`, e.g. \"file:///docs/*\""
            )
        };
        self.configure()
            .resources
            .insert(&format!("{beginning}{star}"), R::composed());
        self
    }

    /// Names in a 401 only the scopes of `R` (and those every request needs, from
    /// [`require`](Self::require)) rather than every scope the guard's tools, prompts
    /// and resources need. An MCP client asks for the scopes a 401 names for its first
    /// token (MCP's scope selection), so by default it asks for everything; naming a few
    /// (those of its reading tools, say) gives it a token of least privilege, and the
    /// 403 `insufficient_scope` of a tool that needs more names the scopes to ask for
    /// then (MCP's step-up). Only with the verifier's
    /// [`scope_on_401`](crate::VerifierBuilder::scope_on_401).
    pub fn scopes_on_401<R: RequiredScopes<T>>(mut self) -> Self {
        self.configure().on_401 = Some(R::composed());
        self
    }

    /// The largest POST body read (1 MiB by default); a larger one is answered 413.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.configure().body_limit = bytes;
        self
    }

    /// The longest a POST's body may take to arrive, whole (30 seconds by default);
    /// one still arriving then is answered 408, and over HTTP/1 its connection closed.
    ///
    /// The guard reads a POST's body whole before the server sees it, so a client
    /// holding a valid token could otherwise hold the request (and its connection) open
    /// by sending its body a byte at a time. This bounds the whole body, not the gaps
    /// between its pieces (as tower-http's `RequestBodyTimeoutLayer` does). It runs on
    /// Tokio's timer, which every runtime built with `enable_all` (or `enable_time`,
    /// as `#[tokio::main]` does) has.
    pub fn body_timeout(mut self, timeout: Duration) -> Self {
        self.configure().body_timeout = timeout;
        self
    }

    /// The most sessions one principal holds at a time (100 by default). Past it, the
    /// guard lets go of one of the principal's others (never the one just opened): one
    /// whose answers are all sent before one still answering (an event stream, a long
    /// call), the least recently used first. It closes it at the server (a `DELETE`, as
    /// its client would send, which the server behind the guard must take without a
    /// token), and its client, answered 404 on it, opens a new one. Without a share, one
    /// token could open sessions faster than the server lets idle ones go (rmcp keeps
    /// one five minutes, at tens of kilobytes). Closing a session used within the last
    /// five minutes is a warning (target `scopes_core::mcp`, at most one a minute);
    /// closing one its client left is a debug event. Raise the share for a fleet of
    /// clients that share one principal (a `client_id` with no `sub`): each holds a
    /// session.
    ///
    /// # Panics
    ///
    /// If `most` is 0: a principal would hold no session.
    pub fn sessions_per_principal(mut self, most: usize) -> Self {
        assert!(
            most > 0,
            "McpScopesLayer::sessions_per_principal(0): a principal would hold no session; give at least 1"
        );
        let guard = self.configure();
        guard.sessions = Arc::new(Sessions::new(guard.sessions.most(), most));
        self
    }

    /// The most sessions the guard holds at a time, of all principals (10 000 by
    /// default). Past it, the principal opening one pays with one of its own others, or,
    /// holding no other, the principal that holds the most pays with its least recently
    /// used: each is let go as [`sessions_per_principal`](Self::sessions_per_principal)
    /// says. It bounds the server's memory: rmcp 3.11 keeps about 50 KiB a session
    /// (measured with the example's server), so 10 000 sessions are about 500 MiB. Raise
    /// it for a server whose clients keep more sessions open at once, where the memory
    /// is.
    ///
    /// # Panics
    ///
    /// If `most` is 0: no session could be opened.
    pub fn sessions_in_all(mut self, most: usize) -> Self {
        assert!(
            most > 0,
            "McpScopesLayer::sessions_in_all(0): no session could be opened; give at least 1"
        );
        let guard = self.configure();
        guard.sessions = Arc::new(Sessions::new(most, guard.sessions.share()));
        self
    }

    /// Checks, at start-up, that the tools declared with [`tool`](Self::tool) are the
    /// server's: `served` is the names of its tools (with rmcp,
    /// `Server::tool_router().list_all()`, each tool's `name`). A tool of the server that
    /// was not declared could be called by no token, and a declared name that is no tool
    /// of the server is a typo: either is a [`ConfigError::McpTools`], which names them
    /// (with the server's tool a typo was likely meant for).
    ///
    /// ```
    /// # use scopes_core::{ConfigError, Key, McpScopesLayer, Verifier, requires_scopes, scopes};
    /// # scopes! { pub Scopes { "items:read": "Read items." } }
    /// # #[requires_scopes("items:read")]
    /// # struct ReadItems;
    /// # fn main() -> Result<(), ConfigError> {
    /// # let verifier = Verifier::new(Key::hs256([7; 32])?)?;
    /// let served = ["list_items"]; // rmcp: `Items::tool_router().list_all()`'s names
    /// let error = McpScopesLayer::<Scopes>::new(&verifier)
    ///     .tool::<ReadItems>("list_itemz")
    ///     .check_tools(served)
    ///     .unwrap_err();
    /// assert_eq!(
    ///     error.to_string(),
    ///     "the MCP server's tool `list_items` has no scopes declared, so no token can call it: \
    ///      declare it with `McpScopesLayer::tool::<Marker>(\"name\")` (a marker of \
    ///      `#[requires_scopes]`; a bare `#[requires_scopes]` asks only a valid token); \
    ///      `list_itemz` is declared, but the server has no such tool; did you mean `list_items`?"
    /// );
    /// # Ok(()) }
    /// ```
    pub fn check_tools<I>(self, served: I) -> Result<Self, ConfigError>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        match mismatched(&self.guard.tools, served) {
            None => Ok(self),
            Some((undeclared, unknown)) => Err(ConfigError::McpTools {
                undeclared,
                unknown,
            }),
        }
    }

    /// Checks, at start-up, that the prompts declared with [`prompt`](Self::prompt) are
    /// the server's, as [`check_tools`](Self::check_tools) does for tools: `served` is
    /// the names of its prompts (with rmcp, `Server::prompt_router().list_all()`, each
    /// prompt's `name`). A mismatch is a [`ConfigError::McpPrompts`].
    pub fn check_prompts<I>(self, served: I) -> Result<Self, ConfigError>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        match mismatched(&self.guard.prompts, served) {
            None => Ok(self),
            Some((undeclared, unknown)) => Err(ConfigError::McpPrompts {
                undeclared,
                unknown,
            }),
        }
    }

    /// Wraps the MCP server `service` (rmcp's `StreamableHttpService`) in the guard, for
    /// `Router::route_service`: [`Layer::layer`], callable without importing the trait.
    pub fn layer<S>(&self, service: S) -> McpScopes<S, T> {
        Layer::layer(self, service)
    }
}

impl<T: ScopeTable> Clone for McpScopesLayer<T> {
    fn clone(&self) -> Self {
        Self {
            guard: self.guard.clone(),
        }
    }
}

impl<T: ScopeTable> fmt::Debug for McpScopesLayer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Each name or pattern with its scopes, in order.
        fn listed<'a, T: ScopeTable>(
            declared: impl Iterator<Item = (Cow<'a, str>, &'static [Requirement<T>])>,
        ) -> Vec<(Cow<'a, str>, String)> {
            let mut listed: Vec<_> = declared
                .map(|(name, requirement)| (name, scope_union(requirement).join(" ")))
                .collect();
            listed.sort();
            listed
        }
        fn named<'a, T: ScopeTable>(
            map: &'a FxHashMap<Box<str>, &'static [Requirement<T>]>,
        ) -> Vec<(Cow<'a, str>, String)> {
            listed(
                map.iter()
                    .map(|(name, requirement)| (Cow::Borrowed(&**name), *requirement)),
            )
        }
        let guard = &self.guard;
        f.debug_struct("McpScopesLayer")
            .field("every", &guard.every)
            .field("tools", &named(&guard.tools))
            .field("prompts", &named(&guard.prompts))
            .field("resources", &listed(guard.resources.iter()))
            .field("body_limit", &guard.body_limit)
            .finish()
    }
}

impl<S, T: ScopeTable> Layer<S> for McpScopesLayer<T> {
    type Service = McpScopes<S, T>;

    fn layer(&self, inner: S) -> Self::Service {
        McpScopes {
            inner,
            guard: self.guard.clone(),
            table: PhantomData,
        }
    }
}

/// The service [`McpScopesLayer`] wraps an MCP server in.
pub struct McpScopes<S, T: ScopeTable> {
    inner: S,
    guard: Arc<Guard<T>>,
    table: PhantomData<fn() -> T>,
}

impl<S: Clone, T: ScopeTable> Clone for McpScopes<S, T> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            guard: self.guard.clone(),
            table: PhantomData,
        }
    }
}

impl<S, T: ScopeTable> fmt::Debug for McpScopes<S, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("McpScopes").finish_non_exhaustive()
    }
}

impl<S, T, B> Service<Request<Body>> for McpScopes<S, T>
where
    S: Service<Request<Body>, Response = http::Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
    T: ScopeTable,
{
    type Response = Response;
    type Error = S::Error;
    type Future = ResponseFuture<S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        let guard = self.guard.clone();
        let mut inner = take_ready(&mut self.inner);
        ResponseFuture::new(async move {
            let (mut parts, body) = request.into_parts();
            // What is refused before the body is read leaves it unread.
            let unread =
                refusal::leaves_unread(parts.version, &parts.method, &parts.headers, &body);
            // The resource's metadata document is read without a token (RFC 9728): a
            // guard over the whole router answers it.
            if let Some(document) = guard.verifier.metadata_answer(&parts) {
                return Ok(document);
            }
            let token = match verified(&mut parts, &guard.verifier).await {
                Ok(token) => token,
                Err(reason) => {
                    let hint = || Cow::Owned(guard.scope_on_401());
                    return Ok(guard
                        .verifier
                        .rejection(&parts, reason, hint)
                        .unread(unread)
                        .into_response());
                }
            };
            // Streamable HTTP is POST (messages), GET (the server's stream) and DELETE
            // (closing a session); a body sent another way is not read by the guard, so
            // it is not passed on.
            if ![Method::POST, Method::GET, Method::DELETE].contains(&parts.method) {
                let mut refused = json_rpc_error(
                    StatusCode::METHOD_NOT_ALLOWED,
                    None,
                    -32600,
                    "Method not allowed",
                );
                refused
                    .headers_mut()
                    .insert(ALLOW, HeaderValue::from_static("GET, POST, DELETE"));
                return Ok(closing(refused, unread));
            }
            // A session belongs to the principal whose token opened it (MCP's security
            // advice): another token naming it is answered as if it did not exist. One
            // session per request: with two ids, the guard and the server could each
            // read another.
            let mut ids = parts.headers.get_all(SESSION).iter();
            let session = ids.next().map(|id| id.as_bytes().to_vec());
            if ids.next().is_some() {
                return Ok(closing(
                    json_rpc_error(
                        StatusCode::BAD_REQUEST,
                        None,
                        -32600,
                        "More than one Mcp-Session-Id",
                    ),
                    unread,
                ));
            }
            // Visible ASCII only (MCP's Streamable HTTP transport): an id the server
            // could read otherwise than the guard (as none, and open a session the
            // guard would not bind) is refused.
            let session = match session.map(String::from_utf8) {
                None => None,
                Some(Ok(id))
                    if !id.is_empty() && id.bytes().all(|b| (0x21..=0x7e).contains(&b)) =>
                {
                    Some(id)
                }
                Some(_) => {
                    return Ok(closing(
                        json_rpc_error(
                            StatusCode::BAD_REQUEST,
                            None,
                            -32600,
                            "The Mcp-Session-Id is not visible ASCII",
                        ),
                        unread,
                    ));
                }
            };
            // A session the guard saw opened for this principal, or none: another's is
            // refused, and so is one the guard did not see opened (opened through another
            // instance sharing the server's session store, before a restart, or forgotten
            // past the guard's bound), which it cannot tell from another's. Both as an
            // unknown session, which a client answers by opening a new one.
            let mut in_use = None;
            if let Some(id) = &session {
                match guard.sessions.named(id, &principal(&token)) {
                    Named::Held(held) => in_use = Some(held),
                    Named::Foreign => return Ok(closing(guard.foreign_session(&token), unread)),
                    Named::Unknown => return Ok(closing(guard.unknown_session(&token), unread)),
                }
            }
            let granted = token.granted::<T>();
            if !guard.every().all(|r| r.is_met_by(&granted)) {
                return Ok(closing(
                    guard.insufficient(guard.every(), &token, None),
                    unread,
                ));
            }
            if let Some(step_up) = step_up(guard.every(), &token, &guard.verifier) {
                return Ok(guard
                    .verifier
                    .refusal(step_up, Cow::default, Some(&token), || None)
                    .unread(unread)
                    .into_response());
            }
            if parts.method != Method::POST {
                observe::admitted("mcp", guard.verifier.label(), &token, || {
                    Cow::Owned(guard.every_scope())
                });
                let closing = parts.method == Method::DELETE;
                let answer = Answer::new(&parts, session, in_use, &token, &guard.verifier);
                let response = inner.call(Request::from_parts(parts, body)).await?;
                if let (true, Some(id)) =
                    (closing && response.status().is_success(), &answer.session)
                {
                    guard.sessions.close(id);
                    return Ok(response.map(Body::new));
                }
                return Ok(guard.pass_on(inner, response, answer, &token).await);
            }
            let read = Limited::new(body, guard.body_limit).collect();
            let Ok(read) = tokio::time::timeout(guard.body_timeout, read).await else {
                return Ok(closing(
                    json_rpc_error(
                        StatusCode::REQUEST_TIMEOUT,
                        None,
                        -32600,
                        "The request body took too long to arrive",
                    ),
                    unread,
                ));
            };
            let bytes = match read {
                Ok(collected) => collected.to_bytes(),
                Err(error) if error.is::<LengthLimitError>() => {
                    return Ok(closing(
                        json_rpc_error(
                            StatusCode::PAYLOAD_TOO_LARGE,
                            None,
                            -32600,
                            "Request body too large",
                        ),
                        unread,
                    ));
                }
                Err(_) => {
                    return Ok(closing(
                        json_rpc_error(
                            StatusCode::BAD_REQUEST,
                            None,
                            -32600,
                            "The request body could not be read",
                        ),
                        unread,
                    ));
                }
            };
            let asked = match asked(&bytes) {
                Ok(asked) => asked,
                Err(Unreadable::Json) => {
                    return Ok(json_rpc_error(
                        StatusCode::BAD_REQUEST,
                        None,
                        -32700,
                        "Parse error",
                    ));
                }
                Err(Unreadable::Shape) => {
                    return Ok(json_rpc_error(
                        StatusCode::BAD_REQUEST,
                        None,
                        -32600,
                        "Invalid Request",
                    ));
                }
            };
            for asked in asked {
                let (kind, name) = (asked.kind, &*asked.name);
                let refused = |code, detail, rpc_code, message| {
                    observe::mcp_refused(
                        code,
                        StatusCode::BAD_REQUEST,
                        detail,
                        guard.verifier.label(),
                        &token,
                        Some((kind.word(), name)),
                    );
                    json_rpc_error(StatusCode::BAD_REQUEST, asked.id, rpc_code, message)
                };
                // A resource by its canonical URI; one a server could read as another
                // is refused before any declaration is looked up.
                let uri;
                let looked_up = match kind {
                    Kind::Resource => match canonical(name) {
                        Some(canonical) => {
                            uri = canonical;
                            &*uri
                        }
                        None => {
                            return Ok(refused(
                                observe::MCP_INVALID_RESOURCE_URI,
                                "The resource's URI could be read as another (a dot segment, an empty segment, an escaped separator, a control character, userinfo)",
                                -32602,
                                "Invalid resource URI",
                            ));
                        }
                    },
                    Kind::Tool | Kind::Prompt | Kind::Method => name,
                };
                let Some(required) = guard.declared(kind, looked_up) else {
                    return Ok(match kind {
                        Kind::Tool => refused(
                            observe::MCP_UNDECLARED_TOOL,
                            "The tool is not declared to the guard",
                            -32602,
                            "Unknown tool",
                        ),
                        Kind::Prompt => refused(
                            observe::MCP_UNDECLARED_PROMPT,
                            "The prompt is not declared to the guard",
                            -32602,
                            "Unknown prompt",
                        ),
                        Kind::Resource => refused(
                            observe::MCP_UNDECLARED_RESOURCE,
                            "The resource is not declared to the guard",
                            resource_not_found(&parts),
                            "Resource not found",
                        ),
                        Kind::Method => refused(
                            observe::MCP_UNKNOWN_METHOD,
                            "The method is not one the guard knows, and it refuses those",
                            -32601,
                            "Method not found",
                        ),
                    });
                };
                // A method passed needs `every`, checked above.
                if kind == Kind::Method {
                    continue;
                }
                if !required.iter().all(|r| r.is_met_by(&granted)) {
                    return Ok(guard.insufficient(required, &token, Some((kind, name))));
                }
                let all = guard.every().chain(required);
                if let Some(step_up) = step_up(all, &token, &guard.verifier) {
                    return Ok(guard
                        .verifier
                        .refusal(step_up, Cow::default, Some(&token), || None)
                        .into_response());
                }
            }
            observe::admitted("mcp", guard.verifier.label(), &token, || {
                Cow::Owned(guard.every_scope())
            });
            let answer = Answer::new(&parts, session, in_use, &token, &guard.verifier);
            let opening = answer.session.is_none();
            let request = Request::from_parts(parts, Body::from(bytes));
            let passed = async move {
                let response = inner.call(request).await?;
                Ok(guard.pass_on(inner, response, answer, &token).await)
            };
            // A request that may open a session is seen through to its end even if its
            // client hangs up meanwhile: the session the server opens is then bound, and
            // counts against its principal's share, whatever becomes of the answer.
            match (opening, tokio::runtime::Handle::try_current()) {
                (true, Ok(runtime)) => match runtime.spawn(passed).await {
                    Ok(passed) => passed,
                    Err(stopped) if stopped.is_panic() => {
                        std::panic::resume_unwind(stopped.into_panic())
                    }
                    Err(_) => Ok(json_rpc_error(
                        StatusCode::SERVICE_UNAVAILABLE,
                        None,
                        -32603,
                        "The server is shutting down",
                    )),
                },
                _ => passed.await,
            }
        })
    }
}

impl<T: ScopeTable> Guard<T> {
    /// The server's `response` to an admitted request, passed on: a session it opened
    /// bound to `token`'s principal ([`bind`](Self::bind)) and the sessions let go for
    /// it closed at their servers, its body holding the named session in use until it
    /// ends and, an event stream, ending at the token's expiry.
    async fn pass_on<S, B>(
        &self,
        server: S,
        response: http::Response<B>,
        answer: Answer,
        token: &VerifiedToken,
    ) -> Response
    where
        S: Service<Request<Body>, Response = http::Response<B>> + Send + 'static,
        S::Future: Send + 'static,
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<axum::BoxError>,
    {
        let Answer {
            to,
            session,
            in_use,
            deadline,
        } = answer;
        // An event stream (a `GET`'s, or a `POST`'s: a call's, or the 2026 protocol's
        // `subscriptions/listen`): none of its events outlives the token.
        let streamed = response
            .headers()
            .get(CONTENT_TYPE)
            .is_some_and(|kind| kind.as_bytes().starts_with(b"text/event-stream"));
        let deadline = deadline.filter(|_| streamed);
        if let Some(in_use) = &in_use {
            in_use.answered(response.status());
        }
        let response = match (in_use, deadline) {
            (None, None) => response.map(Body::new),
            (in_use, deadline) => {
                response.map(|body| Body::new(Answered::new(body, in_use, deadline)))
            }
        };
        let (response, let_go) = self.bind(response, session.as_deref(), &to, token);
        self.close_at_server(server, let_go, token).await;
        response
    }

    /// `response` to a request that named `session`, after the session it answers (an
    /// id the request did not name: one it opened, at `to`) is bound to `token`'s
    /// principal, with the sessions the guard let go to make room for it. An id the
    /// server answers that is not visible ASCII, or that is bound to another principal
    /// already, is not passed on: 500 and 404, so a server cannot hand one user's session
    /// to another.
    fn bind(
        &self,
        response: Response,
        session: Option<&str>,
        to: &Addressed,
        token: &VerifiedToken,
    ) -> (Response, Vec<LetGo>) {
        let Some(answered) = response.headers().get(SESSION) else {
            return (response, Vec::new());
        };
        let Some(id) = answered
            .to_str()
            .ok()
            .filter(|id| !id.is_empty() && id.bytes().all(|b| (0x21..=0x7e).contains(&b)))
        else {
            let refused = json_rpc_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                None,
                -32603,
                "The server answered an Mcp-Session-Id that is not visible ASCII",
            );
            return (refused, Vec::new());
        };
        if session == Some(id) {
            return (response, Vec::new());
        }
        match self.sessions.open(id, &principal(token), &OpenedAt::of(to)) {
            Ok(let_go) => (response, let_go),
            Err(Foreign) => (self.foreign_session(token), Vec::new()),
        }
    }

    /// Closes the sessions the guard let go at their servers, as their clients would: a
    /// `DELETE` naming each, addressed as the request that opened it was, through a clone
    /// of `server` (so, with no token: the server behind the guard must take it). In a
    /// task of its own, so that the answer waits for none of it (inline where no Tokio
    /// runtime runs); the event says how many went, why, and how many the server refused.
    async fn close_at_server<S, B>(&self, server: S, let_go: Vec<LetGo>, token: &VerifiedToken)
    where
        S: Service<Request<Body>, Response = http::Response<B>> + Send + 'static,
        S::Future: Send + 'static,
        B: Send + 'static,
    {
        if let_go.is_empty() {
            return;
        }
        let (share, most, verifier, token) = (
            self.sessions.share(),
            self.sessions.most(),
            self.verifier.label().to_owned(),
            token.clone(),
        );
        let closing = async move {
            let mut server = server;
            let mut refused = 0;
            for gone in &let_go {
                // Bound only when visible ASCII, so always a header value; a session
                // opened at an overlong path is not closed (its server lets it go idle).
                let (Ok(id), Some(uri)) = (HeaderValue::from_str(&gone.id), &gone.to.uri) else {
                    refused += 1;
                    continue;
                };
                let mut request = Request::new(Body::empty());
                *request.method_mut() = Method::DELETE;
                *request.uri_mut() = uri.clone();
                *request.version_mut() = gone.to.version;
                if let Some(host) = &gone.to.host {
                    request.headers_mut().insert(HOST, host.clone());
                }
                request.headers_mut().insert(SESSION, id);
                let ready = core::future::poll_fn(|cx| server.poll_ready(cx))
                    .await
                    .is_ok();
                let closed = ready
                    && server
                        .call(request)
                        .await
                        .is_ok_and(|answer| answer.status().is_success());
                refused += usize::from(!closed);
            }
            let count = |cause: Cause| let_go.iter().filter(|gone| gone.cause == cause).count();
            observe::mcp_sessions_let_go(
                observe::LetGo {
                    active: count(Cause::Share { active: true }),
                    left: count(Cause::Share { active: false }),
                    bound: count(Cause::Bound),
                    refused,
                },
                share,
                most,
                &verifier,
                &token,
            );
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => drop(runtime.spawn(closing)),
            Err(_) => closing.await,
        }
    }

    /// The scopes every request and every tool need, in the table's order: what a 401
    /// names (when the verifier names scopes in its 401s), so that a client asks for
    /// all it may use.
    fn every_scope(&self) -> String {
        self.texts().every.to_string()
    }

    /// The scopes a 401 names: [`scopes_on_401`](McpScopesLayer::scopes_on_401)'s, or
    /// every declared one.
    fn scope_on_401(&self) -> String {
        self.texts().on_401.to_string()
    }

    /// The scope texts, worked out on first use.
    fn texts(&self) -> &Texts {
        self.texts.get_or_init(|| {
            let text = |requirements: &mut dyn Iterator<Item = &Requirement<T>>| {
                let mut names = scope_union(requirements);
                names.sort_by_key(|name| T::index_of(name));
                names.join(" ").into_boxed_str()
            };
            let declared = self
                .tools
                .values()
                .chain(self.prompts.values())
                .copied()
                .chain(self.resources.values());
            let every = text(&mut self.every().chain(declared.flatten()));
            let on_401 = match self.on_401 {
                Some(first) => text(&mut self.every().chain(first)),
                None => every.clone(),
            };
            Texts { every, on_401 }
        })
    }

    /// What the tool, prompt or resource `name` needs, if it was declared.
    fn declared(&self, kind: Kind, name: &str) -> Option<&'static [Requirement<T>]> {
        match kind {
            Kind::Tool => self.tools.get(name).copied(),
            Kind::Prompt => self.prompts.get(name).copied(),
            Kind::Resource => self.resources.get(name),
            // A method the guard does not know: nothing more than `every` when it
            // passes.
            Kind::Method => match self.refuse_unknown && !self.passed_methods.contains(name) {
                true => None,
                false => Some(&[]),
            },
        }
    }

    /// What every request needs.
    fn every(&self) -> impl Iterator<Item = &Requirement<T>> + Clone {
        self.every
            .iter()
            .flat_map(|requirements| requirements.iter())
    }

    /// The 404 for a session id bound to another principal than `token`'s, as for an
    /// unknown session (its existence is not confirmed to whoever guesses it); the
    /// refusal is logged.
    fn foreign_session(&self, token: &VerifiedToken) -> Response {
        self.session_refused(
            token,
            observe::MCP_FOREIGN_SESSION,
            "The session belongs to another principal",
        )
    }

    /// The same 404 for a session id the guard did not see opened, logged with its own
    /// code.
    fn unknown_session(&self, token: &VerifiedToken) -> Response {
        self.session_refused(
            token,
            observe::MCP_UNKNOWN_SESSION,
            "The session was not opened through this guard",
        )
    }

    /// A session refused, logged as `code` with `detail`: one answer whatever the cause.
    fn session_refused(
        &self,
        token: &VerifiedToken,
        code: &'static str,
        detail: &'static str,
    ) -> Response {
        observe::mcp_refused(
            code,
            StatusCode::NOT_FOUND,
            detail,
            self.verifier.label(),
            token,
            None,
        );
        json_rpc_error(StatusCode::NOT_FOUND, None, -32001, "Session not found")
    }

    /// The 403 for a token that lacks `required` (of what it `asked`, if anything):
    /// `scope` lists the scopes `required` names, then those of the table the token
    /// holds; the refusal's event names as `required` only the former, and what was
    /// asked.
    fn insufficient<'r>(
        &self,
        required: impl IntoIterator<Item = &'r Requirement<T>>,
        token: &VerifiedToken,
        asked: Option<(Kind, &str)>,
    ) -> Response {
        let mut names = scope_union(required);
        let required_only = names.len();
        for held in token.scopes() {
            if let Some(info) = T::lookup(held)
                && !names.contains(&info.name)
            {
                names.push(info.name);
            }
        }
        let scope = names.join(" ");
        let mut rejection: Rejection = self.verifier.refusal(
            AuthRejection::InsufficientScope,
            || Cow::Owned(scope),
            Some(token),
            || None,
        );
        if let Some(context) = rejection.context_mut() {
            context.required = Cow::Owned(names[..required_only].join(" "));
            context.asked = asked.map(|(kind, name)| (kind.word(), name.into()));
        }
        rejection.into_response()
    }
}

/// What the guard passes on with a server's answer: where the request went, the session
/// it named, that session's use, and when an event stream in answer ends (the token's
/// `exp` with the verifier's leeway; `None` for a token without `exp`).
struct Answer {
    to: Addressed,
    session: Option<String>,
    in_use: Option<InUse>,
    deadline: Option<f64>,
}

impl Answer {
    fn new(
        parts: &http::request::Parts,
        session: Option<String>,
        in_use: Option<InUse>,
        token: &VerifiedToken,
        verifier: &Verifier,
    ) -> Self {
        let leeway = verifier.leeway_secs() as f64;
        Self {
            to: Addressed::of(parts),
            session,
            in_use,
            deadline: token.expires_at().map(|exp| exp + leeway),
        }
    }
}

pin_project_lite::pin_project! {
    /// The body of a server's answer, passed on: the session the request named stays in
    /// use until it ends (or is dropped), and the server's event stream (its answer to a
    /// `GET`) ends once the token that opened it has expired (`deadline`: its `exp`, with
    /// the verifier's leeway), so that no event reaches a client past its token's
    /// lifetime, as no request would be admitted then. Checked as each event is about to
    /// go, not on a timer: a stream idle past that sends nothing, and ends with its next
    /// event (rmcp sends a keep-alive every 15 s by default). The client reconnects, as
    /// after any dropped stream, with a fresh token (`Last-Event-ID` resumes where the
    /// server keeps events).
    struct Answered<B> {
        #[pin]
        events: B,
        in_use: Option<InUse>,
        deadline: Option<f64>,
        done: bool,
    }
}

impl<B> Answered<B> {
    fn new(events: B, in_use: Option<InUse>, deadline: Option<f64>) -> Self {
        Self {
            events,
            in_use,
            deadline,
            done: false,
        }
    }
}

impl<B: http_body::Body> http_body::Body for Answered<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: core::pin::Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<B::Data>, B::Error>>> {
        let this = self.project();
        if *this.done {
            return Poll::Ready(None);
        }
        let frame = core::task::ready!(this.events.poll_frame(cx));
        // A clock before the epoch counts as expired, as it does for verification.
        let expired = this
            .deadline
            .is_some_and(|deadline| !crate::token::now().is_some_and(|now| now <= deadline));
        if frame.is_none() || expired {
            *this.done = true;
            *this.in_use = None;
            return Poll::Ready(None);
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.done || self.events.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        let hint = self.events.size_hint();
        match (self.done, self.deadline) {
            (true, _) => http_body::SizeHint::with_exact(0),
            // It may end early: never an exact size, which would be sent as its length.
            (false, Some(_)) => {
                let mut inexact = http_body::SizeHint::new();
                if let Some(upper) = hint.upper() {
                    inexact.set_upper(upper);
                }
                inexact
            }
            (false, None) => hint,
        }
    }
}

/// The served names left undeclared, and the declared names served by none (each with
/// the served name it was likely meant for).
type Mismatch = (Vec<String>, Vec<(String, Option<String>)>);

/// The names `served` that `declared` lacks, and the declared names that are none of
/// `served` (each with the served name it was likely meant for); `None` if they agree.
fn mismatched<V, I>(declared: &FxHashMap<Box<str>, V>, served: I) -> Option<Mismatch>
where
    I: IntoIterator,
    I::Item: AsRef<str>,
{
    // Each name once, however often the server's list repeats it.
    let served: std::collections::BTreeSet<String> = served
        .into_iter()
        .map(|name| name.as_ref().to_owned())
        .collect();
    let undeclared: Vec<String> = served
        .iter()
        .filter(|name| !declared.contains_key(name.as_str()))
        .cloned()
        .collect();
    let mut unknown: Vec<(String, Option<String>)> = declared
        .keys()
        .filter(|name| !served.contains(&***name))
        .map(|name| {
            let near = closest_name(undeclared.iter().map(String::as_str), name);
            (name.to_string(), near.map(str::to_owned))
        })
        .collect();
    if undeclared.is_empty() && unknown.is_empty() {
        return None;
    }
    unknown.sort();
    Some((undeclared, unknown))
}

/// Who a token speaks for, to bind sessions to: its issuer and subject, or its issuer
/// and client for a token without a subject, or else the token itself (an empty or
/// unreadable `sub`, an introspection answer naming no one): never two people as one.
fn principal(token: &VerifiedToken) -> Box<str> {
    #[derive(serde::Deserialize)]
    struct Who<'a> {
        #[serde(borrow, default)]
        iss: Option<Cow<'a, str>>,
        #[serde(borrow, default)]
        sub: Option<Cow<'a, str>>,
        #[serde(borrow, default)]
        client_id: Option<Cow<'a, str>>,
    }
    let who = match serde_json::from_str::<Who<'_>>(token.claims_json()) {
        // A user, or (no `sub` at all) a client acting for itself; an empty one names
        // no one.
        Ok(Who {
            iss,
            sub: Some(sub),
            ..
        }) if !sub.is_empty() => Some((iss, "sub", sub)),
        Ok(Who {
            iss,
            sub: None,
            client_id: Some(client),
        }) if !client.is_empty() => Some((iss, "client_id", client)),
        _ => None,
    };
    match who {
        // The issuer's length first: no issuer and name can read as another pair.
        Some((iss, kind, name)) => {
            let iss = iss.unwrap_or_default();
            format!("{}:{iss}\n{kind}:{name}", iss.len()).into()
        }
        // Its hash: the session map holds no bearer token.
        None => {
            let hash = crate::keys::sha256(token.token_text().as_bytes());
            let hex: String = hash.iter().map(|byte| format!("{byte:02x}")).collect();
            format!("token:{hex}").into()
        }
    }
}

/// MCP's code for a resource not found: `-32002`, and `-32602` (invalid parameters) from
/// the 2026-07-28 protocol on (its dates compare as text), as rmcp answers.
fn resource_not_found(parts: &http::request::Parts) -> i32 {
    let version = parts
        .headers
        .get("mcp-protocol-version")
        .and_then(|version| version.to_str().ok());
    match version.is_some_and(|version| version >= "2026-07-28") {
        true => -32602,
        false => -32002,
    }
}

/// A JSON-RPC error answered by the guard itself, for the call `id` (null when the
/// request could not be read).
fn json_rpc_error(
    status: StatusCode,
    id: Option<&RawValue>,
    code: i32,
    message: &'static str,
) -> Response {
    // The id written back as the request wrote it: a number such as `1e400` is valid
    // JSON that no `serde_json::Value` holds (converting it failed, and panicked).
    let message = serde_json::to_string(message).unwrap_or_else(|_| String::from("\"\""));
    let body = format!(
        r#"{{"jsonrpc":"2.0","id":{},"error":{{"code":{code},"message":{message}}}}}"#,
        id.map_or("null", RawValue::get)
    );
    let mut response = Response::new(Body::from(Bytes::from(body)));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

#[cfg(test)]
mod tests {
    use super::{RawValue, StatusCode, json_rpc_error};

    #[tokio::test]
    async fn an_error_repeats_the_id_as_written_whatever_its_number() {
        for id in [
            "1e400",
            "-1e400",
            "2e308",
            &"9".repeat(400),
            "\"a\\\"b\"",
            "7",
            "null",
        ] {
            let raw = RawValue::from_string(id.to_owned()).unwrap();
            let response =
                json_rpc_error(StatusCode::BAD_REQUEST, Some(&raw), -32602, "Unknown tool");
            assert_eq!(response.status(), StatusCode::BAD_REQUEST);
            let body = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap();
            let body = std::str::from_utf8(&body).unwrap();
            assert_eq!(
                body,
                format!(
                    r#"{{"jsonrpc":"2.0","id":{id},"error":{{"code":-32602,"message":"Unknown tool"}}}}"#
                ),
            );
            // Still JSON, the id's text kept.
            assert!(serde_json::from_str::<&RawValue>(body).is_ok(), "{body}");
        }
    }
}
