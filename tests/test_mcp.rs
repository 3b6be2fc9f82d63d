//! The MCP example (rmcp over Streamable HTTP behind `McpScopesLayer`), driven in
//! process as an MCP client would: challenges that lead to the RFC 9728 metadata, a
//! session that lists and calls tools, and each tool refused before it runs to a token
//! without its scopes.

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, Response, StatusCode};
use http_body_util::BodyExt;
use scopes_core::issuer::Signer;
use scopes_core::{Key, ResourceMetadata, Verifier};
use scopes_examples::mcp::{Scopes, app};
use scopes_tests::SECRET;
use serde_json::{Value, json};
use tower::ServiceExt;

const RESOURCE: &str = "http://127.0.0.1:8001/mcp";
const METADATA: &str = "http://127.0.0.1:8001/.well-known/oauth-protected-resource/mcp";
const ISSUER: &str = "http://127.0.0.1:9000";

fn server() -> Router {
    let (verifier, metadata) = verifier();
    app(verifier, &metadata)
}

/// The example's verifier, as MCP asks it (its metadata named in challenges, scopes in
/// its 401s), and its metadata.
fn verifier() -> (Verifier, ResourceMetadata) {
    let metadata = ResourceMetadata::new(RESOURCE)
        .unwrap()
        .authorization_server(ISSUER)
        .scopes::<Scopes>();
    let verifier = Verifier::builder()
        .key(Key::hs256(SECRET).unwrap())
        .audience(RESOURCE)
        .resource_metadata(&metadata)
        .scope_on_401(true)
        .build()
        .unwrap();
    (verifier, metadata)
}

/// A token for `sub` with `items:read`.
fn minted(sub: &str) -> String {
    Signer::hs256(SECRET)
        .unwrap()
        .audience(RESOURCE)
        .mint(sub, ["items:read"])
        .unwrap()
}

/// The example's guard, as `guarded` shapes it, over rmcp with `config`, with a verifier
/// of `leeway`; and rmcp's session manager.
fn rmcp_behind(
    config: rmcp::transport::streamable_http_server::StreamableHttpServerConfig,
    leeway: Duration,
    guarded: impl FnOnce(scopes_core::McpScopesLayer<Scopes>) -> scopes_core::McpScopesLayer<Scopes>,
) -> (
    Router,
    std::sync::Arc<rmcp::transport::streamable_http_server::session::local::LocalSessionManager>,
) {
    use rmcp::transport::streamable_http_server::StreamableHttpService;
    use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
    let manager = std::sync::Arc::new(LocalSessionManager::default());
    let mcp = StreamableHttpService::new(
        || Ok(scopes_examples::mcp::Items::new()),
        manager.clone(),
        config,
    );
    let verifier = Verifier::builder()
        .key(Key::hs256(SECRET).unwrap())
        .audience(RESOURCE)
        .leeway(leeway)
        .build()
        .unwrap();
    let guard = guarded(scopes_examples::mcp::guard(verifier));
    (
        Router::new().route_service("/mcp", guard.layer(mcp)),
        manager,
    )
}

fn token(scopes: &[&str]) -> String {
    Signer::hs256(SECRET)
        .unwrap()
        .audience(RESOURCE)
        .mint("client", scopes.iter().copied())
        .unwrap()
}

struct Answer {
    status: StatusCode,
    challenge: Option<String>,
    session: Option<String>,
    /// `Connection`: `close` when the guard answered without reading the body.
    connection: Option<String>,
    body: String,
}

async fn send(app: &Router, request: Request<Body>) -> Answer {
    let response: Response<Body> = app.clone().oneshot(request).await.unwrap();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|value| value.to_str().unwrap().to_owned())
    };
    let (challenge, session) = (header("www-authenticate"), header("mcp-session-id"));
    let connection = header("connection");
    let status = response.status();
    // rmcp answers a POST with a short event stream that ends after the response.
    let body = tokio::time::timeout(Duration::from_secs(10), response.into_body().collect())
        .await
        .expect("the response ends")
        .unwrap()
        .to_bytes();
    Answer {
        status,
        challenge,
        session,
        connection,
        body: String::from_utf8(body.to_vec()).unwrap(),
    }
}

fn post(token: Option<&str>, session: Option<&str>, message: &Value) -> Request<Body> {
    post_raw(token, session, message.to_string())
}

fn post_raw(token: Option<&str>, session: Option<&str>, body: String) -> Request<Body> {
    let mut request = Request::builder()
        .method(Method::POST)
        .uri("/mcp")
        .header("host", "127.0.0.1:8001")
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-06-18");
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    if let Some(session) = session {
        request = request.header("mcp-session-id", session);
    }
    request.body(Body::from(body)).unwrap()
}

fn call(id: u64, tool: &str, arguments: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
        "params": {"name": tool, "arguments": arguments}})
}

/// `initialize` then `notifications/initialized`: the session's id.
async fn session(app: &Router, token: &str) -> String {
    let initialize = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "test", "version": "1"}}});
    let answer = send(app, post(Some(token), None, &initialize)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let session = answer.session.expect("a session id");
    let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    let answer = send(app, post(Some(token), Some(&session), &initialized)).await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.body);
    session
}

#[tokio::test]
async fn without_a_token_the_challenge_leads_to_the_metadata_and_names_the_scopes() {
    let app = server();
    let expected =
        format!(r#"Bearer scope="items:read items:write", resource_metadata="{METADATA}""#);
    let initialize = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {}});
    let answer = send(&app, post(None, None, &initialize)).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer.challenge.as_deref(), Some(expected.as_str()));
    // Its body unread, the answer closes the connection (hyper would close it without
    // saying so, and the client's next request, for the metadata, would find it closed).
    assert_eq!(answer.connection.as_deref(), Some("close"));
    // The event stream (GET) too, and a token in the query string is no token.
    let stream = Request::get("/mcp")
        .header("accept", "text/event-stream")
        .body(Body::empty())
        .unwrap();
    let answer = send(&app, stream).await;
    assert_eq!(answer.challenge.as_deref(), Some(expected.as_str()));
    // No body: the connection stays open.
    assert_eq!(answer.connection, None);
    let mut query = post(None, None, &initialize);
    *query.uri_mut() = format!("/mcp?access_token={}", token(&["items:read"]))
        .parse()
        .unwrap();
    let answer = send(&app, query).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer.challenge.as_deref(), Some(expected.as_str()));

    // The metadata names the authorization server and the scopes.
    let document = Request::get("/.well-known/oauth-protected-resource/mcp")
        .body(Body::empty())
        .unwrap();
    let answer = send(&app, document).await;
    assert_eq!(answer.status, StatusCode::OK);
    let document: Value = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(document["resource"], RESOURCE);
    assert_eq!(document["authorization_servers"], json!([ISSUER]));
    assert_eq!(
        document["scopes_supported"],
        json!(["items:read", "items:write"])
    );
}

#[tokio::test]
async fn a_token_for_another_resource_is_refused() {
    let app = server();
    let elsewhere = Signer::hs256(SECRET)
        .unwrap()
        .audience("http://127.0.0.1:8002/mcp")
        .mint("client", ["items:read", "items:write"])
        .unwrap();
    let answer = send(
        &app,
        post(Some(&elsewhere), None, &call(1, "list_items", json!({}))),
    )
    .await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    let challenge = answer.challenge.unwrap();
    assert!(
        challenge.starts_with(r#"Bearer error="invalid_token""#),
        "{challenge}"
    );
    assert!(challenge.contains(&format!(r#"resource_metadata="{METADATA}""#)));
}

#[tokio::test]
async fn each_tool_runs_only_for_a_token_with_its_scopes() {
    let app = server();
    let full = token(&["items:read", "items:write"]);
    let reader = token(&["items:read"]);
    let writer_session = session(&app, &full).await;
    let reader_session = session(&app, &reader).await;

    // The reader lists; adding is refused before the tool runs, with what is missing
    // and then what is held.
    let listed = send(
        &app,
        post(
            Some(&reader),
            Some(&reader_session),
            &call(1, "list_items", json!({})),
        ),
    )
    .await;
    assert_eq!(listed.status, StatusCode::OK);
    assert!(listed.body.contains("Foo, Bar"), "{}", listed.body);
    let refused = send(
        &app,
        post(
            Some(&reader),
            Some(&reader_session),
            &call(2, "add_item", json!({"name": "Baz"})),
        ),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(
        refused.challenge.as_deref(),
        Some(format!(r#"Bearer error="insufficient_scope", scope="items:write items:read", resource_metadata="{METADATA}""#).as_str())
    );
    let listed = send(
        &app,
        post(
            Some(&full),
            Some(&writer_session),
            &call(3, "list_items", json!({})),
        ),
    )
    .await;
    assert!(
        !listed.body.contains("Baz"),
        "the refused call ran: {}",
        listed.body
    );

    // The writer adds.
    let added = send(
        &app,
        post(
            Some(&full),
            Some(&writer_session),
            &call(4, "add_item", json!({"name": "Baz"})),
        ),
    )
    .await;
    assert_eq!(added.status, StatusCode::OK);
    assert!(added.body.contains("added Baz"), "{}", added.body);
}

#[tokio::test]
async fn what_the_guard_cannot_vouch_for_is_refused() {
    let app = server();
    let full = token(&["items:read", "items:write"]);
    let reader = token(&["items:read"]);
    // A tool nobody declared: a JSON-RPC error for that call, and no challenge (no
    // token would do).
    let answer = send(
        &app,
        post(Some(&full), None, &call(7, "drop_items", json!({}))),
    )
    .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.challenge, None);
    let error: Value = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(error["id"], 7);
    assert_eq!(error["error"]["code"], -32602);
    // A batch hiding a call the token may not make.
    let batch = json!([
        call(1, "list_items", json!({})),
        call(2, "add_item", json!({"name": "x"}))
    ]);
    let answer = send(&app, post(Some(&reader), None, &batch)).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    // What is not JSON-RPC, and what is too large to read.
    let answer = send(
        &app,
        post_raw(Some(&full), None, "{\"method\":\"tools/call\"".into()),
    )
    .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    let error: Value = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(error["error"]["code"], -32700);
    let huge = format!("{{\"pad\":\"{}\"}}", "x".repeat(2 << 20));
    let answer = send(&app, post_raw(Some(&full), None, huge)).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    // JSON that is not a JSON-RPC message: a nested batch hiding a call (serde would
    // read an array as a message's fields), an empty batch, an object `id`.
    let hidden = call(3, "add_item", json!({"name": "x"}));
    for body in [
        format!("[[{hidden}]]"),
        format!("[{},[{hidden}]]", call(4, "list_items", json!({}))),
        "[]".to_owned(),
        r#"{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}"#.to_owned(),
        r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":["add_item"]}"#.to_owned(),
    ] {
        let answer = send(&app, post_raw(Some(&reader), None, body.clone())).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{body}");
        let error: Value = serde_json::from_str(&answer.body).unwrap();
        assert_eq!(error["error"]["code"], -32600, "{body}");
        assert_eq!(error["id"], Value::Null, "{body}");
    }
    // Methods Streamable HTTP does not use: not passed on, whatever the body.
    for method in [Method::PUT, Method::PATCH, Method::OPTIONS, Method::HEAD] {
        let mut request = post(Some(&full), None, &hidden);
        *request.method_mut() = method.clone();
        let answer = send(&app, request).await;
        assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED, "{method}");
    }
    let mut put = post(Some(&full), None, &hidden);
    *put.method_mut() = Method::PUT;
    let response = app.clone().oneshot(put).await.unwrap();
    assert_eq!(response.headers()["allow"], "GET, POST, DELETE");
    // Without a token, the 401 comes first.
    let mut put = post(None, None, &hidden);
    *put.method_mut() = Method::PUT;
    assert_eq!(send(&app, put).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_session_belongs_to_the_principal_that_opened_it() {
    let app = server();
    let alice = Signer::hs256(SECRET)
        .unwrap()
        .audience(RESOURCE)
        .mint("alice", ["items:read"])
        .unwrap();
    let mallory = Signer::hs256(SECRET)
        .unwrap()
        .audience(RESOURCE)
        .mint("mallory", ["items:read", "items:write"])
        .unwrap();
    let session = session(&app, &alice).await;
    // Alice's next token (same principal) keeps the session.
    let again = Signer::hs256(SECRET)
        .unwrap()
        .audience(RESOURCE)
        .mint("alice", ["items:read"])
        .unwrap();
    let listed = send(
        &app,
        post(
            Some(&again),
            Some(&session),
            &call(1, "list_items", json!({})),
        ),
    )
    .await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    // Another principal naming it: as if it did not exist.
    let hijack = send(
        &app,
        post(
            Some(&mallory),
            Some(&session),
            &call(2, "list_items", json!({})),
        ),
    )
    .await;
    assert_eq!(hijack.status, StatusCode::NOT_FOUND);
    assert!(!hijack.body.contains("Foo"), "{}", hijack.body);
    // A session id the guard never saw opened: the same answer, so that another's is
    // not told apart from none (and one opened elsewhere, through another instance
    // sharing the server's session store, is not taken on trust).
    for method in [Method::POST, Method::GET, Method::DELETE] {
        let mut request = post(
            Some(&mallory),
            Some("never-opened"),
            &call(2, "list_items", json!({})),
        );
        *request.method_mut() = method.clone();
        let unknown = send(&app, request).await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{method}");
        assert_eq!(unknown.body, hijack.body, "{method}");
    }
    // Two session ids, one of them Alice's: refused, whichever comes first (the guard
    // and the server could each read another).
    for ids in [
        ["unknown-x", session.as_str()],
        [session.as_str(), "unknown-x"],
    ] {
        let mut request = post(
            Some(&mallory),
            Some(ids[0]),
            &call(2, "list_items", json!({})),
        );
        request
            .headers_mut()
            .append("mcp-session-id", ids[1].parse().unwrap());
        assert_eq!(send(&app, request).await.status, StatusCode::BAD_REQUEST);
    }
    let stream = Request::get("/mcp")
        .header("host", "127.0.0.1:8001")
        .header("accept", "text/event-stream")
        .header("authorization", format!("Bearer {mallory}"))
        .header("mcp-session-id", &session)
        .body(Body::empty())
        .unwrap();
    assert_eq!(send_head(&app, stream).await, StatusCode::NOT_FOUND);
    // A session id that is not visible ASCII (MCP's transport allows no other): the
    // server would read it as none and open a session the guard did not bind (found by
    // a red-team round). Refused, as an `initialize` or with a session's real id.
    let initialize = json!({
        "jsonrpc": "2.0", "id": 0, "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "test", "version": "1"}
        }
    });
    for id in [
        &b"\xc3\xa9"[..],
        b"\x80",
        &[session.as_bytes(), b"\xff"].concat(),
        b"a b",
    ] {
        let mut request = post(Some(&alice), None, &initialize);
        request.headers_mut().insert(
            "mcp-session-id",
            axum::http::HeaderValue::from_bytes(id).unwrap(),
        );
        let refused = send(&app, request).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{id:?}");
        assert!(refused.session.is_none(), "{id:?}");
    }

    // An empty `sub` names no one: the token alone is the principal (not its client,
    // whose every user it would merge).
    let nobody = |client: &str, nonce: u32| {
        let extra = json!({ "client_id": client, "n": nonce });
        Signer::hs256(SECRET)
            .unwrap()
            .audience(RESOURCE)
            .mint_with(
                "",
                ["items:read", "items:write"],
                extra.as_object().unwrap().clone(),
            )
            .unwrap()
    };
    let first = nobody("client-a", 1);
    let opened = self::session(&app, &first).await;
    let call_with = |token: String| {
        let session = opened.clone();
        let app = app.clone();
        async move {
            let message = call(3, "list_items", json!({}));
            send(&app, post(Some(&token), Some(&session), &message)).await
        }
    };
    let same = call_with(first.clone()).await;
    assert_eq!(same.status, StatusCode::OK, "{}", same.body);
    for other in [nobody("client-a", 2), nobody("client-b", 1)] {
        let refused = call_with(other).await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND, "{}", refused.body);
    }
    // A client acting for itself (no `sub` at all) is its client: its next token keeps
    // the session, and a user whose `sub` is the client's id is someone else.
    let client = |nonce: u32| {
        let claims = json!({
            "client_id": "client-c", "n": nonce, "aud": RESOURCE, "scope": "items:read",
            "exp": 4_000_000_000u64,
        });
        Signer::hs256(SECRET).unwrap().sign(&claims).unwrap()
    };
    let opened = self::session(&app, &client(1)).await;
    let again = send(
        &app,
        post(
            Some(&client(2)),
            Some(&opened),
            &call(4, "list_items", json!({})),
        ),
    )
    .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    let namesake = Signer::hs256(SECRET)
        .unwrap()
        .audience(RESOURCE)
        .mint("client-c", ["items:read"])
        .unwrap();
    let refused = send(
        &app,
        post(
            Some(&namesake),
            Some(&opened),
            &call(5, "list_items", json!({})),
        ),
    )
    .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND, "{}", refused.body);
}

/// The status alone (an event stream would not end).
async fn send_head(app: &Router, request: Request<Body>) -> StatusCode {
    app.clone().oneshot(request).await.unwrap().status()
}

/// Prompts and resources need the scopes declared for them, as tools do: a
/// `prompts/get`, a `resources/read` (or subscription) and a completion against either
/// without them is 403 before the server reads it; an undeclared prompt or resource is
/// refused (fail closed), and so is a resource URI with a dot segment.
#[tokio::test]
async fn prompts_and_resources_need_their_declared_scopes() {
    let app = server();
    let (reader, writer) = (token(&["items:read"]), token(&["items:write"]));
    let (reader_session, writer_session) =
        (session(&app, &reader).await, session(&app, &writer).await);
    let message = |id: u64, method: &str, params: Value| json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
    let read = |uri: &str| message(1, "resources/read", json!({"uri": uri}));
    let prompt = |name: &str| message(2, "prompts/get", json!({"name": name}));
    let complete = message(
        3,
        "completion/complete",
        json!({"ref": {"type": "ref/prompt", "name": "summarize_items"},
            "argument": {"name": "style", "value": "s"}}),
    );
    let subscribe = message(4, "resources/subscribe", json!({"uri": "items://all"}));

    // The reader reads the resource and gets the prompt.
    let answer = send(
        &app,
        post(Some(&reader), Some(&reader_session), &read("items://all")),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(answer.body.contains("Foo, Bar"), "{}", answer.body);
    let answer = send(
        &app,
        post(
            Some(&reader),
            Some(&reader_session),
            &prompt("summarize_items"),
        ),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(
        answer.body.contains("Summarize these items: Foo, Bar"),
        "{}",
        answer.body
    );

    // The writer, without `items:read`, gets none of them: each is the 403 a tool's
    // call gets, naming what is missing and then what is held.
    let challenge = format!(
        r#"Bearer error="insufficient_scope", scope="items:read items:write", resource_metadata="{METADATA}""#
    );
    for refused in [
        read("items://all"),
        read("items://elsewhere"),
        prompt("summarize_items"),
        complete.clone(),
        subscribe.clone(),
        // In a batch, beside a message that would pass.
        json!([message(5, "ping", json!({})), read("items://all")]),
    ] {
        let answer = send(&app, post(Some(&writer), Some(&writer_session), &refused)).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{refused}");
        assert_eq!(
            answer.challenge.as_deref(),
            Some(challenge.as_str()),
            "{refused}"
        );
        assert!(!answer.body.contains("Foo"), "{}", answer.body);
    }

    // What was not declared is refused whatever the token holds, as an undeclared tool
    // is; so is a URI a server could read as another than the one matched.
    let full = token(&["items:read", "items:write"]);
    let full_session = session(&app, &full).await;
    for (refused, code, text) in [
        (read("file:///etc/passwd"), -32002, "Resource not found"),
        (prompt("summarize_itemz"), -32602, "Unknown prompt"),
        (
            message(
                6,
                "completion/complete",
                json!({"ref": {"type": "ref/resource", "uri": "db://{id}"},
                "argument": {"name": "id", "value": "1"}}),
            ),
            -32002,
            "Resource not found",
        ),
        (
            read("items://all/../secret"),
            -32602,
            "Invalid resource URI",
        ),
        (
            read("items://all/%2e%2e/secret"),
            -32602,
            "Invalid resource URI",
        ),
    ]
    .into_iter()
    .chain(
        // What URL parsers would read as another URI than the one matched.
        [
            "items://all/..?",
            "items://all/.\t./secret",
            "items://all\\secret",
            "items://all//secret",
            "items://all%2Fsecret",
            "items://all/%252e%252e/secret",
        ]
        .map(|uri| (read(uri), -32602, "Invalid resource URI")),
    ) {
        let answer = send(&app, post(Some(&full), Some(&full_session), &refused)).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{refused}");
        assert_eq!(answer.challenge, None);
        let body: Value = serde_json::from_str(&answer.body).unwrap();
        assert_eq!(body["error"]["code"], code, "{refused}");
        assert_eq!(body["error"]["message"], text, "{refused}");
        assert_eq!(body["id"], refused["id"]);
    }
    // From MCP's 2026-07-28 protocol on, a resource not found is invalid parameters.
    let mut request = post(
        Some(&full),
        Some(&full_session),
        &read("file:///etc/passwd"),
    );
    request.headers_mut().insert(
        "mcp-protocol-version",
        axum::http::HeaderValue::from_static("2026-07-28"),
    );
    let answer = send(&app, request).await;
    let body: Value = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(body["error"]["code"], -32602);
    // A completion against a prompt the token may get passes to the server.
    let answer = send(&app, post(Some(&full), Some(&full_session), &complete)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    // Listing passes as the server answers it.
    for listed in ["resources/list", "prompts/list"] {
        let answer = send(
            &app,
            post(
                Some(&writer),
                Some(&writer_session),
                &message(7, listed, json!({})),
            ),
        )
        .await;
        assert_eq!(answer.status, StatusCode::OK, "{listed}: {}", answer.body);
    }
}

/// `scopes_on_401` names fewer scopes in a 401 than every declared one: an MCP client
/// asks for those for its first token, and a 403 names the rest when a tool needs them.
#[tokio::test]
async fn a_401_may_name_the_first_scopes_only() {
    use scopes_examples::mcp::{ReadItems, WriteItems};
    let guard = scopes_core::McpScopesLayer::<Scopes>::with_verifier(verifier().0)
        .tool::<ReadItems>("list_items")
        .tool::<WriteItems>("add_item")
        .scopes_on_401::<ReadItems>();
    let app =
        Router::new().route_service("/mcp", guard.layer(axum::routing::post(|| async { "{}" })));
    let answer = send(&app, post(None, None, &call(1, "list_items", json!({})))).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        answer.challenge.as_deref(),
        Some(format!(r#"Bearer scope="items:read", resource_metadata="{METADATA}""#).as_str())
    );
    let reader = token(&["items:read"]);
    let answer = send(
        &app,
        post(Some(&reader), None, &call(2, "add_item", json!({}))),
    )
    .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(
        answer.challenge.as_deref(),
        Some(format!(r#"Bearer error="insufficient_scope", scope="items:write items:read", resource_metadata="{METADATA}""#).as_str())
    );
}

#[test]
fn the_declared_prompts_are_checked_against_the_servers() {
    use scopes_core::{ConfigError, McpScopesLayer};
    use scopes_examples::mcp::ReadItems;
    let verifier = Verifier::new(Key::hs256(SECRET).unwrap()).unwrap();
    let error = McpScopesLayer::<Scopes>::with_verifier(verifier.clone())
        .prompt::<ReadItems>("summarise_items")
        .check_prompts(["summarize_items", "greet"])
        .unwrap_err();
    assert_eq!(
        error,
        ConfigError::McpPrompts {
            undeclared: vec!["greet".into(), "summarize_items".into()],
            unknown: vec![("summarise_items".into(), Some("summarize_items".into()))],
        }
    );
    assert_eq!(
        error.to_string(),
        "the MCP server's prompts `greet`, `summarize_items` have no scopes declared, so no \
         token can get them: declare each with `McpScopesLayer::prompt::<Marker>(\"name\")` (a \
         marker of `#[requires_scopes]`; a bare `#[requires_scopes]` asks only a valid token); \
         `summarise_items` is declared, but the server has no such prompt; did you mean \
         `summarize_items`?"
    );
    assert!(
        McpScopesLayer::<Scopes>::with_verifier(verifier)
            .prompt::<ReadItems>("summarize_items")
            .check_prompts(["summarize_items"])
            .is_ok()
    );
}

#[test]
fn the_declared_tools_are_checked_against_the_servers() {
    use scopes_core::{ConfigError, McpScopesLayer};
    use scopes_examples::mcp::{ReadItems, WriteItems};
    let verifier = Verifier::new(Key::hs256(SECRET).unwrap()).unwrap();
    let declared = || {
        McpScopesLayer::<Scopes>::with_verifier(verifier.clone())
            .tool::<ReadItems>("list_items")
            .tool::<WriteItems>("add_item")
    };
    // The example's server: every tool declared (its `guard` checks it too).
    assert!(declared().check_tools(["add_item", "list_items"]).is_ok());
    // A tool of the server left out, and a declared name mistyped.
    let error = McpScopesLayer::<Scopes>::with_verifier(verifier.clone())
        .tool::<ReadItems>("list_itemz")
        // A name the server lists twice is reported once.
        .check_tools(["list_items", "add_item", "list_items"])
        .unwrap_err();
    assert_eq!(
        error,
        ConfigError::McpTools {
            undeclared: vec!["add_item".into(), "list_items".into()],
            unknown: vec![("list_itemz".into(), Some("list_items".into()))],
        }
    );
    assert_eq!(
        error.to_string(),
        "the MCP server's tools `add_item`, `list_items` have no scopes declared, so no token \
         can call them: declare each with `McpScopesLayer::tool::<Marker>(\"name\")` (a marker \
         of `#[requires_scopes]`; a bare `#[requires_scopes]` asks only a valid token); \
         `list_itemz` is declared, but the server has no such tool; did you mean `list_items`?"
    );
    // A declared name far from every tool gets no suggestion.
    let error = declared()
        .tool::<ReadItems>("inventory")
        .check_tools(["list_items", "add_item"])
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "`inventory` is declared, but the server has no such tool"
    );
}

/// The example's development authorization server answers RFC 6749 §5.2 errors as
/// JSON, with the codes the RFCs give (RFC 8707's `invalid_target` for a resource that
/// is not this server), and issues a token for a well-formed request.
#[tokio::test]
async fn the_development_token_endpoint_answers_as_the_rfcs_say() {
    use scopes_examples::mcp::{DEV_CLIENT_ID, DEV_CLIENT_SECRET, dev_authorization_server};
    let server = dev_authorization_server(ISSUER, RESOURCE, Signer::hs256(SECRET).unwrap());
    let basic = {
        use base64::Engine as _;
        let pair = format!("{DEV_CLIENT_ID}:{DEV_CLIENT_SECRET}");
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(pair)
        )
    };
    let form = |body: &str, content_type: &str, basic: Option<&str>| {
        let mut request = Request::post("/token").header("content-type", content_type);
        if let Some(basic) = basic {
            request = request.header("authorization", basic);
        }
        request.body(Body::from(body.to_owned())).unwrap()
    };
    let urlencoded = "application/x-www-form-urlencoded";
    let post_auth = format!("client_id={DEV_CLIENT_ID}&client_secret={DEV_CLIENT_SECRET}");
    for (request, status, error) in [
        (
            form("grant_type=client_credentials", urlencoded, Some(&basic)),
            200,
            None,
        ),
        (
            form(
                &format!("grant_type=client_credentials&resource={RESOURCE}&{post_auth}"),
                urlencoded,
                None,
            ),
            200,
            None,
        ),
        // Basic, and the form naming the same client: one method.
        (
            form(
                &format!("grant_type=client_credentials&client_id={DEV_CLIENT_ID}"),
                urlencoded,
                Some(&basic),
            ),
            200,
            None,
        ),
        (
            form(
                "grant_type=password&username=a&password=b",
                urlencoded,
                Some(&basic),
            ),
            400,
            Some("unsupported_grant_type"),
        ),
        (
            form(
                "grant_type=client_credentials&resource=http://evil.example/mcp",
                urlencoded,
                Some(&basic),
            ),
            400,
            Some("invalid_target"),
        ),
        (
            form("scope=items:read", urlencoded, Some(&basic)),
            400,
            Some("invalid_request"),
        ),
        (
            form(
                r#"{"grant_type":"client_credentials"}"#,
                "application/json",
                Some(&basic),
            ),
            400,
            Some("invalid_request"),
        ),
        (
            form(
                &format!("grant_type=client_credentials&{post_auth}"),
                urlencoded,
                Some(&basic),
            ),
            400,
            Some("invalid_request"),
        ),
        (
            form(
                "grant_type=client_credentials&client_id=x&client_secret=y",
                urlencoded,
                None,
            ),
            401,
            Some("invalid_client"),
        ),
    ] {
        let answer = send(&server, request).await;
        assert_eq!(answer.status.as_u16(), status, "{}", answer.body);
        let body: Value = serde_json::from_str(&answer.body).expect("a JSON body");
        match error {
            Some(error) => assert_eq!(body["error"], error, "{}", answer.body),
            None => assert!(body["access_token"].is_string(), "{}", answer.body),
        }
    }
}

/// The session a server answers is bound to the principal whose request opened it, and
/// never re-bound: a server that answers one user's session id to another user's
/// request is not passed on (found by a cold review of the binding rule).
/// The example's guard over a stub server that answers the session id the request
/// asks for in `x-answer`.
fn stub_app() -> Router {
    let stub = tower::service_fn(|request: Request<Body>| async move {
        let mut response = Response::new(Body::from(r#"{"jsonrpc":"2.0","id":1,"result":{}}"#));
        if let Some(id) = request.headers().get("x-answer") {
            response.headers_mut().insert("mcp-session-id", id.clone());
        }
        Ok::<_, std::convert::Infallible>(response)
    });
    let verifier = Verifier::builder()
        .key(Key::hs256(SECRET).unwrap())
        .audience(RESOURCE)
        .build()
        .unwrap();
    Router::new().route_service("/mcp", scopes_examples::mcp::guard(verifier).layer(stub))
}

#[tokio::test]
async fn a_session_the_server_answers_is_bound_once() {
    use axum::http::HeaderValue;
    let app = stub_app();
    let (alice, mallory) = (minted("alice"), minted("mallory"));
    let ping = json!({"jsonrpc": "2.0", "id": 1, "method": "ping"});
    let ask = |token: &str, session: Option<&str>, answer: &[u8]| {
        let mut request = post(Some(token), session, &ping);
        request
            .headers_mut()
            .insert("x-answer", HeaderValue::from_bytes(answer).unwrap());
        request
    };
    for (token, named, answered, status, why) in [
        (
            &alice,
            None,
            "X",
            StatusCode::OK,
            "Alice's request opens X: bound to her",
        ),
        (
            &mallory,
            Some("Y"),
            "X",
            StatusCode::NOT_FOUND,
            "a server answering X to Mallory is not passed on",
        ),
        (
            &mallory,
            Some("X"),
            "X",
            StatusCode::NOT_FOUND,
            "X stays Alice's",
        ),
        (&alice, Some("X"), "X", StatusCode::OK, "X is Alice's"),
        (
            &mallory,
            Some("Y"),
            "Z",
            StatusCode::NOT_FOUND,
            "an id the guard did not see opened is refused before the server answers",
        ),
        (
            &alice,
            Some("Z"),
            "Z",
            StatusCode::NOT_FOUND,
            "Z was never opened through the guard",
        ),
        (
            &mallory,
            None,
            "Z",
            StatusCode::OK,
            "Mallory's request opens Z: bound to him",
        ),
        (
            &alice,
            Some("Z"),
            "Z",
            StatusCode::NOT_FOUND,
            "Z is Mallory's",
        ),
        (&mallory, Some("Z"), "Z", StatusCode::OK, "Z is Mallory's"),
    ] {
        let answer = send(&app, ask(token, named, answered.as_bytes())).await;
        assert_eq!(answer.status, status, "{why}");
    }
    // An id the server answers that is not visible ASCII is not passed on.
    let refused = send(&app, ask(&alice, None, b"a b")).await;
    assert_eq!(refused.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(refused.session.is_none());
    // An empty id in the request is refused as the guard cannot bind it.
    let mut empty = post(Some(&alice), None, &ping);
    empty
        .headers_mut()
        .insert("mcp-session-id", HeaderValue::from_static(""));
    assert_eq!(send(&app, empty).await.status, StatusCode::BAD_REQUEST);
}

/// A browser's MCP client (README, "MCP servers"): a CORS layer outside the guard
/// answers the preflight, which carries no token, and lets the page read the session
/// id and the challenge.
#[tokio::test]
async fn a_browser_client_gets_through_a_cors_layer_outside_the_guard() {
    use axum::http::HeaderValue;
    use tower_http::cors::CorsLayer;
    const PAGE: &str = "http://127.0.0.1:6274";
    let cors = CorsLayer::new()
        .allow_origin(HeaderValue::from_static(PAGE))
        .allow_methods([Method::GET, Method::POST, Method::DELETE])
        .allow_headers(
            [
                "authorization",
                "content-type",
                "mcp-session-id",
                "mcp-protocol-version",
                "last-event-id",
            ]
            .map(axum::http::HeaderName::from_static),
        )
        .expose_headers(
            ["www-authenticate", "mcp-session-id"].map(axum::http::HeaderName::from_static),
        );
    let app = stub_app().layer(cors);
    let preflight = Request::options("/mcp")
        .header("origin", PAGE)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization,content-type,mcp-protocol-version",
        )
        .body(Body::empty())
        .unwrap();
    let response = app.clone().oneshot(preflight).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["access-control-allow-origin"], PAGE);
    assert_eq!(
        response.headers()["access-control-allow-headers"],
        "authorization,content-type,mcp-session-id,mcp-protocol-version,last-event-id"
    );
    assert!(!response.headers().contains_key("www-authenticate"));
    let ping = json!({"jsonrpc": "2.0", "id": 1, "method": "ping"});
    for (token, status) in [
        (None, StatusCode::UNAUTHORIZED),
        (Some(token(&["items:read"])), StatusCode::OK),
    ] {
        let mut request = post(token.as_deref(), None, &ping);
        let headers = request.headers_mut();
        headers.insert("origin", HeaderValue::from_static(PAGE));
        headers.insert("x-answer", HeaderValue::from_static("s-1"));
        let response = app.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), status);
        assert_eq!(response.headers()["access-control-allow-origin"], PAGE);
        assert_eq!(
            response.headers()["access-control-expose-headers"],
            "www-authenticate,mcp-session-id"
        );
        let session = response.headers().get("mcp-session-id");
        assert_eq!(session.is_some(), status == StatusCode::OK);
        let challenge = response.headers().get("www-authenticate");
        match status {
            StatusCode::OK => assert_eq!(challenge, None),
            _ => assert!(challenge.unwrap().to_str().unwrap().starts_with("Bearer")),
        }
    }
}

/// A principal holds at most its share of sessions: past it, the guard closes at the
/// server the one a request named least recently, whose client is then answered 404
/// (and opens a new one); another principal's sessions are untouched.
#[tokio::test]
async fn a_principal_past_its_share_of_sessions_loses_its_least_recently_used() {
    let (app, manager) = rmcp_behind(Default::default(), Duration::from_secs(30), |guard| {
        guard.sessions_per_principal(2)
    });
    let (alice, bob) = (minted("alice"), minted("bob"));
    let served = async |want: usize| sessions_held(&manager, want).await;
    let listed = async |token: &str, session: &str| listed(&app, token, session).await;

    let bobs = session(&app, &bob).await;
    let first = session(&app, &alice).await;
    let second = session(&app, &alice).await;
    assert_eq!(served(3).await, 3);
    // The first named since: the second is the least recently used.
    assert_eq!(listed(&alice, &first).await, StatusCode::OK);
    let third = session(&app, &alice).await;
    assert_eq!(served(3).await, 3, "the second was closed at the server");
    assert_eq!(listed(&alice, &second).await, StatusCode::NOT_FOUND);
    for kept in [&first, &third] {
        assert_eq!(listed(&alice, kept).await, StatusCode::OK);
    }
    assert_eq!(listed(&bob, &bobs).await, StatusCode::OK);
    // A client that closes its session makes room: nothing else is closed.
    let closed = Request::builder()
        .method(Method::DELETE)
        .uri("/mcp")
        .header("host", "127.0.0.1:8001")
        .header("authorization", format!("Bearer {alice}"))
        .header("mcp-session-id", &first)
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, closed).await.status, StatusCode::ACCEPTED);
    let fourth = session(&app, &alice).await;
    assert_eq!(served(3).await, 3);
    for kept in [&third, &fourth] {
        assert_eq!(listed(&alice, kept).await, StatusCode::OK);
    }
    // A session the server let go (idle, say) still counts, but goes first: the server
    // answered 404 for it (a 404 of another cause must not free a principal's room).
    use rmcp::transport::streamable_http_server::session::SessionManager as _;
    manager.close_session(&third.as_str().into()).await.unwrap();
    assert_eq!(listed(&alice, &third).await, StatusCode::NOT_FOUND);
    let fifth = session(&app, &alice).await;
    for kept in [&fourth, &fifth] {
        assert_eq!(listed(&alice, kept).await, StatusCode::OK);
    }
    assert_eq!(listed(&alice, &third).await, StatusCode::NOT_FOUND);
    assert_eq!(served(3).await, 3);
}

/// The sessions rmcp holds, once the guard's `DELETE`s (sent in a task of their own)
/// have had the time to arrive: `want` within two seconds, or what it holds then.
async fn sessions_held(
    manager: &rmcp::transport::streamable_http_server::session::local::LocalSessionManager,
    want: usize,
) -> usize {
    for _ in 0..200 {
        let held = manager.sessions.read().await.len();
        if held == want {
            return held;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    manager.sessions.read().await.len()
}

/// The status of a `list_items` call in `session` with `token`.
async fn listed(app: &Router, token: &str, session: &str) -> StatusCode {
    let message = call(1, "list_items", json!({}));
    send(app, post(Some(token), Some(session), &message))
        .await
        .status
}

/// Past the guard's bound of sessions in all, the principal opening one pays with its
/// own least recently used, or, holding no other, the principal holding the most pays.
#[tokio::test]
async fn past_the_guard_s_bound_the_opener_pays_or_whoever_holds_the_most() {
    let (app, manager) = rmcp_behind(Default::default(), Duration::from_secs(30), |guard| {
        guard.sessions_in_all(3).sessions_per_principal(10)
    });
    let (alice, bob, carol) = (minted("alice"), minted("bob"), minted("carol"));
    let served = async |want: usize| sessions_held(&manager, want).await;
    let listed = async |token: &str, session: &str| listed(&app, token, session).await;

    let alices = [session(&app, &alice).await, session(&app, &alice).await];
    let bobs = session(&app, &bob).await;
    assert_eq!(served(3).await, 3);
    // Bob, at the bound, pays with his own.
    let bobs_second = session(&app, &bob).await;
    assert_eq!(served(3).await, 3);
    assert_eq!(listed(&bob, &bobs).await, StatusCode::NOT_FOUND);
    assert_eq!(listed(&bob, &bobs_second).await, StatusCode::OK);
    // Carol holds none: Alice, who holds the most, pays with her least recently used.
    assert_eq!(listed(&alice, &alices[0]).await, StatusCode::OK);
    let carols = session(&app, &carol).await;
    assert_eq!(served(3).await, 3);
    assert_eq!(listed(&alice, &alices[1]).await, StatusCode::NOT_FOUND);
    for (token, kept) in [
        (&alice, &alices[0]),
        (&bob, &bobs_second),
        (&carol, &carols),
    ] {
        assert_eq!(listed(token, kept).await, StatusCode::OK);
    }
}

/// The server's event stream (a `GET`) ends once the token that opened it has expired:
/// no event reaches the client past its token's lifetime. A token still valid keeps
/// its stream open.
#[tokio::test]
async fn the_event_stream_ends_with_its_token() {
    // Keep-alives every 100 ms: the events the stream carries.
    let config = rmcp::transport::streamable_http_server::StreamableHttpServerConfig::default()
        .with_sse_keep_alive(Some(Duration::from_millis(100)));
    let (app, _) = rmcp_behind(config, Duration::ZERO, |guard| guard);
    let mint = |lifetime: u64| {
        Signer::hs256(SECRET)
            .unwrap()
            .audience(RESOURCE)
            .lifetime(Duration::from_secs(lifetime))
            .mint("alice", ["items:read"])
            .unwrap()
    };
    let (short, long) = (mint(2), mint(3600));
    let stream = async |token: &str| {
        let id = session(&app, token).await;
        let request = Request::builder()
            .method(Method::GET)
            .uri("/mcp")
            .header("host", "127.0.0.1:8001")
            .header("accept", "text/event-stream")
            .header("mcp-protocol-version", "2025-06-18")
            .header("authorization", format!("Bearer {token}"))
            .header("mcp-session-id", id)
            .body(Body::empty())
            .unwrap();
        let response = app.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.into_body()
    };
    // When each frame came (seconds since the epoch), until the body ends; `None` if it
    // is still open after `wait`.
    let read = async |mut body: Body, wait: Duration| {
        let mut frames = Vec::new();
        let reading = async {
            while let Some(frame) = body.frame().await {
                frame.unwrap();
                let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
                frames.push(now.unwrap().as_secs_f64());
            }
        };
        tokio::time::timeout(wait, reading)
            .await
            .ok()
            .map(|()| frames)
    };
    // The short token's `exp`, read from its claims.
    let exp = {
        use base64::Engine as _;
        let claims = short.split('.').nth(1).unwrap();
        let claims = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(claims);
        serde_json::from_slice::<Value>(&claims.unwrap()).unwrap()["exp"]
            .as_f64()
            .unwrap()
    };
    let (short_stream, long_stream) = (stream(&short).await, stream(&long).await);
    let (short_frames, long_frames) = tokio::join!(
        read(short_stream, Duration::from_secs(8)),
        read(long_stream, Duration::from_secs(4)),
    );
    let frames = short_frames.expect("the expired token's stream ended");
    assert!(
        !frames.is_empty(),
        "events went out while the token was valid"
    );
    // None after `exp` (the verifier has no leeway), to the clock's tick.
    for at in &frames {
        assert!(*at <= exp + 0.05, "a frame at {at}, after exp {exp}");
    }
    assert_eq!(long_frames, None, "the valid token's stream is still open");
}

/// A guard told to refuse unknown methods refuses what it neither checks nor knows to
/// name nothing it could check, and passes those named to it; a guard left as it is
/// passes them all.
#[tokio::test]
async fn a_guard_may_refuse_the_methods_it_does_not_know() {
    use rmcp::transport::streamable_http_server::StreamableHttpServerConfig;
    let strict = |guard: scopes_core::McpScopesLayer<Scopes>| {
        guard.refuse_unknown_methods().pass_method("acme/reindex")
    };
    let (app, _) = rmcp_behind(
        StreamableHttpServerConfig::default(),
        Duration::ZERO,
        strict,
    );
    let reader = token(&["items:read"]);
    let session = session(&app, &reader).await;
    let message = |id: u64, method: &str| json!({"jsonrpc": "2.0", "id": id, "method": method});
    // What MCP defines and names nothing to check passes as before.
    for method in ["ping", "tools/list", "prompts/list", "resources/list"] {
        let answer = send(
            &app,
            post(Some(&reader), Some(&session), &message(1, method)),
        )
        .await;
        assert_eq!(answer.status, StatusCode::OK, "{method}: {}", answer.body);
    }
    let progress = json!({"jsonrpc": "2.0", "method": "notifications/progress",
        "params": {"progressToken": 1, "progress": 1}});
    let answer = send(&app, post(Some(&reader), Some(&session), &progress)).await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.body);
    // Another method: refused with JSON-RPC's "method not found", for its message.
    for method in [
        "acme/export",
        "Tools/List",
        "tools/call2",
        "resources/read/all",
    ] {
        let answer = send(
            &app,
            post(Some(&reader), Some(&session), &message(7, method)),
        )
        .await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{method}");
        let body: Value = serde_json::from_str(&answer.body).unwrap();
        assert_eq!(body["error"]["code"], -32601, "{method}");
        assert_eq!(body["id"], 7, "{method}");
    }
    // A notification MCP does not define is a method the guard does not know.
    for notification in [
        json!({"jsonrpc": "2.0", "id": 8, "method": "notifications/acme/run"}),
        json!({"jsonrpc": "2.0", "method": "notifications/acme/run"}),
    ] {
        let answer = send(&app, post(Some(&reader), Some(&session), &notification)).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{notification}");
    }
    // Escaped, it is the same method.
    let escaped = r#"{"jsonrpc":"2.0","id":3,"method":"acme\/export"}"#.to_owned();
    let answer = send(&app, post_raw(Some(&reader), Some(&session), escaped)).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    // In a batch, it refuses the batch.
    let batch = json!([message(1, "ping"), message(2, "acme/export")]);
    let answer = send(&app, post(Some(&reader), Some(&session), &batch)).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.body);
    // A method passed by name reaches the server (which knows it not: its own answer).
    let answer = send(
        &app,
        post(Some(&reader), Some(&session), &message(4, "acme/reindex")),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    // A guard left as it is passes every method to the server (a method passed by
    // name changes nothing there).
    let (lax, _) = rmcp_behind(
        StreamableHttpServerConfig::default(),
        Duration::ZERO,
        |guard| guard.pass_method("acme/reindex"),
    );
    let session = self::session(&lax, &reader).await;
    let answer = send(
        &lax,
        post(Some(&reader), Some(&session), &message(5, "acme/export")),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
}

#[test]
#[should_panic(expected = "declare it with `tool`, `prompt` or `resource` instead")]
fn a_method_the_guard_checks_cannot_be_passed_whole() {
    let (verifier, _) = verifier();
    let _ =
        scopes_core::McpScopesLayer::<Scopes>::with_verifier(verifier).pass_method("tools/call");
}

/// The guard reads a POST's body whole before the server sees it: a body still arriving
/// after `body_timeout` is refused (408), however steadily its pieces come, and over
/// HTTP/1 the connection is closed.
#[tokio::test]
async fn a_body_must_arrive_within_the_guard_s_time() {
    use rmcp::transport::streamable_http_server::StreamableHttpServerConfig;
    let (app, _) = rmcp_behind(
        StreamableHttpServerConfig::default(),
        Duration::ZERO,
        |guard| guard.body_timeout(Duration::from_millis(600)),
    );
    let reader = token(&["items:read"]);
    let initialize = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "test", "version": "1"}}})
    .to_string();
    // A piece every 200 ms: no gap is long, the whole is.
    let slow = |pieces: usize| {
        let chunks: Vec<String> = initialize
            .as_bytes()
            .chunks(initialize.len().div_ceil(pieces))
            .map(|chunk| String::from_utf8(chunk.to_vec()).unwrap())
            .collect();
        use futures_util::StreamExt as _;
        let stream = futures_util::stream::iter(chunks).then(|chunk| async move {
            tokio::time::sleep(Duration::from_millis(200)).await;
            Ok::<_, std::convert::Infallible>(chunk)
        });
        let mut request = post_raw(Some(&reader), None, String::new());
        *request.body_mut() = Body::from_stream(stream);
        request
    };
    let answer = send(&app, slow(8)).await;
    assert_eq!(
        answer.status,
        StatusCode::REQUEST_TIMEOUT,
        "{}",
        answer.body
    );
    assert_eq!(answer.connection.as_deref(), Some("close"));
    // In time, it is read.
    let answer = send(&app, slow(2)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
}
