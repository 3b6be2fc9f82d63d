//! RFC 9728 protected resource metadata: the document (members named as the RFC names
//! them, empty ones left out), where it is served (the well-known segment inserted
//! between host and path), what identifiers are refused, and `resource_metadata` in
//! every challenge.

use axum::Router;
use axum::body::Body;
use axum::routing::get;
use scopes_core::{
    ConfigError, Key, RequireScopesLayer, ResourceMetadata, ResponseMode, Verifier,
    VerifierBuilder, requires_scopes, scopes,
};
use scopes_core::{McpScopesLayer, TrustedIssuer};
use scopes_tests::{Request, SECRET, claims, get as get_with, send, sign};
use serde_json::{Value, json};
use tower::ServiceExt;

scopes! {
    /// An MCP server's scopes.
    pub Scopes {
        "items:read": "Read items.",
        "items:write": "Change items.",
        "admin": "Administer.",
    }
}

const DOCUMENT: &str = "https://api.example.com/.well-known/oauth-protected-resource/v1/mcp";

const RESOURCE: &str = "https://api.example.com/v1/mcp";

fn metadata() -> ResourceMetadata {
    ResourceMetadata::new(RESOURCE).unwrap()
}

/// A token granting `scopes`, meant for the resource.
fn hs256(scopes: &[&str]) -> String {
    let mut claims = claims(scopes);
    claims["aud"] = json!(RESOURCE);
    sign(jsonwebtoken::Algorithm::HS256, &claims)
}

#[test]
fn the_document_names_members_as_the_rfc_does_and_leaves_out_empty_ones() {
    let minimal = serde_json::to_value(metadata()).unwrap();
    assert_eq!(
        minimal,
        json!({
            "resource": "https://api.example.com/v1/mcp",
            "bearer_methods_supported": ["header"],
        })
    );
    let full = metadata()
        .authorization_server("https://auth.example.com/realms/shop")
        .authorization_server("https://login.example.org")
        .scopes::<Scopes>()
        .jwks_uri("https://api.example.com/jwks.json")
        .signing_algorithms([
            jsonwebtoken::Algorithm::ES256,
            jsonwebtoken::Algorithm::RS256,
        ])
        .resource_name("Shop MCP server")
        .documentation("https://api.example.com/docs")
        .policy_uri("https://api.example.com/policy")
        .tos_uri("https://api.example.com/tos");
    assert_eq!(
        serde_json::to_value(&full).unwrap(),
        json!({
            "resource": "https://api.example.com/v1/mcp",
            "authorization_servers": ["https://auth.example.com/realms/shop", "https://login.example.org"],
            "jwks_uri": "https://api.example.com/jwks.json",
            "scopes_supported": ["items:read", "items:write", "admin"],
            "bearer_methods_supported": ["header"],
            "resource_signing_alg_values_supported": ["ES256", "RS256"],
            "resource_name": "Shop MCP server",
            "resource_documentation": "https://api.example.com/docs",
            "resource_policy_uri": "https://api.example.com/policy",
            "resource_tos_uri": "https://api.example.com/tos",
        })
    );
    // A subset of the table; names it does not declare are left out.
    let subset = metadata().scopes_of::<Scopes>(["items:read", "nope", "admin"]);
    assert_eq!(
        serde_json::to_value(subset).unwrap()["scopes_supported"],
        json!(["items:read", "admin"])
    );
}

#[test]
fn the_well_known_segment_goes_between_host_and_path() {
    let cases = [
        (
            "https://api.example.com",
            "https://api.example.com/.well-known/oauth-protected-resource",
        ),
        (
            "https://api.example.com/",
            "https://api.example.com/.well-known/oauth-protected-resource",
        ),
        ("https://api.example.com/v1/mcp", DOCUMENT),
        (
            "https://api.example.com/v1/mcp/",
            "https://api.example.com/.well-known/oauth-protected-resource/v1/mcp/",
        ),
        (
            "https://api.example.com:8443/mcp",
            "https://api.example.com:8443/.well-known/oauth-protected-resource/mcp",
        ),
        (
            "http://127.0.0.1:8001/mcp",
            "http://127.0.0.1:8001/.well-known/oauth-protected-resource/mcp",
        ),
        (
            "http://[::1]:8001/mcp",
            "http://[::1]:8001/.well-known/oauth-protected-resource/mcp",
        ),
    ];
    for (resource, url) in cases {
        let metadata = ResourceMetadata::new(resource).unwrap();
        assert_eq!(metadata.url(), url, "{resource}");
        assert_eq!(
            metadata.resource(),
            resource,
            "the identifier is kept as given"
        );
    }
    assert_eq!(
        metadata().path(),
        "/.well-known/oauth-protected-resource/v1/mcp"
    );
}

#[test]
fn identifiers_that_cannot_be_one_are_refused() {
    for resource in [
        "http://api.example.com/mcp",
        "ftp://api.example.com/mcp",
        "api.example.com/mcp",
        "https://api.example.com/mcp#part",
        "https://api.example.com/mcp?tenant=a",
        "https://user@api.example.com/mcp",
        "https:///mcp",
        "https://api.example.com/m\"cp",
        "https://api.example.com/m cp",
        "https://api.example.com/{tenant}/mcp",
        "https://api.example.com/a|b",
        "https://api.example.com/:tenant/mcp",
        "https://api.example.com/files/*",
        "https://api.example.com/a%zz",
        "https://api.example.com/a%2",
        "https://api.example.com/a[0]",
    ] {
        match ResourceMetadata::new(resource) {
            Err(ConfigError::InvalidResource {
                resource: given,
                why,
            }) => {
                assert_eq!(given, resource);
                assert!(!why.is_empty());
            }
            other => panic!("{resource}: {other:?}"),
        }
    }
    let message = ResourceMetadata::new("http://api.example.com/mcp")
        .unwrap_err()
        .to_string();
    assert!(message.contains("https"), "{message}");
}

#[tokio::test]
async fn the_router_serves_the_document_without_a_token() {
    let metadata = metadata()
        .authorization_server("https://auth.example.com")
        .scopes::<Scopes>();
    let app: Router = metadata.router();
    let response = app
        .oneshot(Request::get(metadata.path()).body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    let body = axum::body::to_bytes(response.into_body(), 1 << 16)
        .await
        .unwrap();
    let document: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(document, serde_json::to_value(&metadata).unwrap());
}

#[tokio::test]
async fn a_path_is_served_as_written_in_the_apps_router() {
    let status = |app: Router, path: &'static str| async move {
        let request = Request::get(path).body(Body::empty()).unwrap();
        app.oneshot(request).await.unwrap().status()
    };
    // Merged into an app's router, as the docs show, with the root's copy: what axum's
    // routes would read as parameters is percent-encoded, and served as written.
    let metadata = ResourceMetadata::new("https://[::1]:8443/%3Atenant/v1:beta/%2A/mcp")
        .unwrap()
        .also_at_root();
    let served = "/.well-known/oauth-protected-resource/%3Atenant/v1:beta/%2A/mcp";
    assert_eq!(metadata.path(), served);
    let app = || {
        Router::new()
            .route("/mcp", get(|| async { "mcp" }))
            .merge(metadata.router())
    };
    assert_eq!(status(app(), served).await, 200);
    assert_eq!(
        status(app(), "/.well-known/oauth-protected-resource").await,
        200
    );
    let other = "/.well-known/oauth-protected-resource/acme/v1:beta/x/mcp";
    assert_eq!(status(app(), other).await, 404);
}

#[tokio::test]
async fn the_document_is_served_at_the_root_too_only_when_asked() {
    const ROOT: &str = "/.well-known/oauth-protected-resource";
    let status = |app: Router, path: &'static str| async move {
        let request = Request::get(path).body(Body::empty()).unwrap();
        app.oneshot(request).await.unwrap().status()
    };
    let only = metadata();
    assert_eq!(status(only.router(), ROOT).await, 404);
    let both = metadata().also_at_root();
    assert_eq!(
        both.url(),
        DOCUMENT,
        "challenges still name the path-inserted URL"
    );
    for path in [DOCUMENT.trim_start_matches("https://api.example.com"), ROOT] {
        assert_eq!(status(both.router(), path).await, 200, "{path}");
    }
    // A layer over the whole router answers it at both too, without a token.
    let verifier = Verifier::builder()
        .key(Key::hs256(SECRET).unwrap())
        .audience(RESOURCE)
        .resource_metadata(&both)
        .build()
        .unwrap();
    let guarded = Router::new()
        .route("/{*rest}", get(secret))
        .layer(RequireScopesLayer::<Scopes, AdminOnly>::new(&verifier));
    assert_eq!(status(guarded.clone(), ROOT).await, 200);
    // And an MCP guard over a service.
    let mcp = Router::new().route_service(
        "/{*rest}",
        McpScopesLayer::<Scopes>::new(&verifier).layer(tower::service_fn(
            |_: Request<Body>| async {
                Ok::<_, std::convert::Infallible>(axum::response::Response::new(Body::from(
                    "SECRET",
                )))
            },
        )),
    );
    assert_eq!(status(mcp, ROOT).await, 200);
    assert_eq!(
        status(guarded, "/.well-known/oauth-protected-resource/x").await,
        401
    );
}

#[requires_scopes("items:read")]
async fn read_items() -> &'static str {
    "items"
}

#[requires_scopes("admin")]
async fn administer() -> &'static str {
    "admin"
}

async fn open() -> &'static str {
    "open"
}

fn app(builder: VerifierBuilder) -> Router {
    let verifier = builder
        .key(Key::hs256(SECRET).unwrap())
        .audience(RESOURCE)
        .resource_metadata(&metadata())
        .build()
        .unwrap();
    let layered = Router::new()
        .route("/layered", get(open))
        .layer(RequireScopesLayer::<Scopes, AdminOnly>::new(&verifier));
    Router::new()
        .route("/items", get(read_items))
        .route("/admin", get(administer))
        .merge(layered)
        .with_state(verifier)
        .merge(metadata().router())
}

#[requires_scopes("admin")]
struct AdminOnly;

fn bare(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

#[tokio::test]
async fn every_challenge_names_the_document() {
    let named = format!(r#"resource_metadata="{DOCUMENT}""#);
    let reader = hs256(&["items:read"]);
    for (mode, builder) in [
        ("rfc6750", Verifier::builder()),
        ("rfc6750 + realm", Verifier::builder().realm("mcp")),
        (
            "fastapi",
            Verifier::builder().response_mode(ResponseMode::FastApi),
        ),
    ] {
        let app = app(builder);
        let refusals = [
            send(&app, bare("/items")).await,
            send(&app, get_with("/items", "not.a.token")).await,
            send(&app, get_with("/admin", &reader)).await,
            send(&app, get_with("/layered", &reader)).await,
            send(&app, get_with("/layered", "not.a.token")).await,
        ];
        for reply in refusals {
            assert!(
                matches!(reply.status.as_u16(), 401 | 403),
                "{mode}: {reply:?}"
            );
            let challenge = reply.challenge.expect("a challenge");
            assert!(challenge.starts_with("Bearer "), "{mode}: {challenge}");
            assert!(challenge.ends_with(&named), "{mode}: {challenge}");
        }
        assert_eq!(send(&app, get_with("/items", &reader)).await.status, 200);
    }
    // The exact challenges, RFC 6750 mode.
    let app = app(Verifier::builder());
    assert_eq!(
        send(&app, bare("/items")).await.challenge.as_deref(),
        Some(format!("Bearer {named}").as_str())
    );
    assert_eq!(
        send(&app, get_with("/admin", &reader))
            .await
            .challenge
            .as_deref(),
        Some(format!(r#"Bearer error="insufficient_scope", scope="admin", {named}"#).as_str())
    );
    // The document itself needs no token.
    assert_eq!(
        send(&app, bare("/.well-known/oauth-protected-resource/v1/mcp"))
            .await
            .status,
        200
    );
}

#[test]
fn the_tokens_must_be_meant_for_some_audience() {
    let key = || Key::hs256(SECRET).unwrap();
    let issuer = |name: &str| TrustedIssuer::new(name).key(key());
    let mismatch = ConfigError::MetadataAudience {
        resource: RESOURCE.into(),
    };
    // No audience checked, by the verifier or by one of its issuers: a token meant for
    // no resource in particular would do. Refused at build.
    for builder in [
        Verifier::builder().key(key()),
        Verifier::builder()
            .trust(issuer("https://a.example.com").audience(RESOURCE))
            .trust(issuer("https://b.example.com")),
    ] {
        let error = builder.resource_metadata(&metadata()).build().unwrap_err();
        assert_eq!(error, mismatch);
    }
    let message = mismatch.to_string();
    assert!(message.contains("checks no audience"), "{message}");
    assert!(message.contains("`TrustedIssuer`"), "{message}");
    // An audience for every issuer: built, whether it is the resource or the id a
    // provider writes in its tokens instead (Entra ID's, say).
    for builder in [
        Verifier::builder().key(key()).audience(RESOURCE),
        Verifier::builder().key(key()).audience("api://4a7c2e8d"),
        Verifier::builder()
            .key(key())
            .issuer("https://a.example.com")
            .rfc9068(RESOURCE),
        Verifier::builder()
            .trust(issuer("https://a.example.com").audience(RESOURCE))
            .trust(issuer("https://b.example.com").audience("api://4a7c2e8d")),
    ] {
        builder.resource_metadata(&metadata()).build().unwrap();
    }
}

async fn secret() -> &'static str {
    "SECRET"
}

#[tokio::test]
async fn a_layer_over_the_whole_router_answers_the_document_itself() {
    let verifier = Verifier::builder()
        .key(Key::hs256(SECRET).unwrap())
        .audience(RESOURCE)
        .resource_metadata(&metadata())
        .build()
        .unwrap();
    let path = "/.well-known/oauth-protected-resource/v1/mcp";
    let layer = || RequireScopesLayer::<Scopes, AdminOnly>::new(&verifier);
    let guard = || McpScopesLayer::<Scopes>::new(&verifier);
    // Behind each guard, routes that would answer any path (a catch-all, a fallback, a
    // service, a route at the document's own path), some nested, so that the guard sees
    // the path without its prefix.
    let catch_all = || Router::new().route("/{*rest}", get(secret));
    let fallback = Router::new().route("/x", get(secret)).fallback(secret);
    let service = || {
        tower::service_fn(|_: Request<Body>| async {
            Ok::<_, std::convert::Infallible>(axum::response::Response::new(Body::from("SECRET")))
        })
    };
    let own_document = Router::new().route(path, get(secret));
    let apps: [(&str, Router); 6] = [
        ("layer, catch-all", catch_all().layer(layer())),
        ("guard, catch-all", catch_all().layer(guard())),
        ("layer, a route at the path", own_document.layer(layer())),
        (
            "nested layer, catch-all",
            Router::new().nest("/api", catch_all().layer(layer())),
        ),
        (
            "nested layer, fallback",
            Router::new().nest("/api", fallback.layer(layer())),
        ),
        (
            "nested guard, service",
            Router::new().nest_service("/api", guard().layer(service())),
        ),
    ];
    for (what, app) in apps {
        let nested = what.starts_with("nested");
        // The document itself, without a token, from the layer (never the route's
        // answer); `HEAD` gets its headers.
        let document = send(&app, bare(path)).await;
        match nested {
            // Not in a nested router: the document is at the host's root.
            true => assert_eq!(document.status, 404, "{what}: {document:?}"),
            false => {
                assert_eq!(document.status, 200, "{what}: {document:?}");
                let json: Value = serde_json::from_str(&document.body).unwrap();
                assert_eq!(json["resource"], RESOURCE, "{what}");
                let head = Request::head(path).body(Body::empty()).unwrap();
                let head = app.clone().oneshot(head).await.unwrap();
                assert_eq!(head.status(), 200, "{what}");
                assert_eq!(head.headers()["content-type"], "application/json", "{what}");
                let body = axum::body::to_bytes(head.into_body(), 1 << 16)
                    .await
                    .unwrap();
                assert!(body.is_empty(), "{what}");
            }
        }
        // Nothing else without a token: the document's path under a prefix, near it,
        // written otherwise, another method.
        let mut refused = vec![
            bare(&format!("{path}/")),
            bare(&format!("{path}x")),
            bare("/.well-known/oauth-protected-resource"),
            bare("/.well-known/oauth-protected-resource/v1/%6Dcp"),
            Request::post(path).body(Body::empty()).unwrap(),
        ];
        if nested {
            refused = vec![bare(&format!("/api{path}")), bare("/api/x")];
        }
        for request in refused {
            let sent = format!("{} {}", request.method(), request.uri());
            let reply = send(&app, request).await;
            assert!(!reply.body.contains("SECRET"), "{what}: {sent}: {reply:?}");
            assert_eq!(reply.status, 401, "{what}: {sent}: {reply:?}");
        }
    }
    // A guard around a service alone (no router, so no original URI): the same.
    let alone = guard().layer(service());
    let document = alone.clone().oneshot(bare(path)).await.unwrap();
    assert_eq!(document.status(), 200);
    let other = alone.oneshot(bare("/v1/mcp")).await.unwrap();
    assert_eq!(other.status(), 401);
}
