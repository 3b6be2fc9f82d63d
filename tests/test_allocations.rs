//! Allocations per request, counted (a count, not a time): what `#[requires_scopes]`
//! adds to a request over the same route without it, on the admit path, the refusal
//! paths and a cache hit. The counts are kept here: a change that allocates more on
//! the hot path fails this test and has to say why.
//!
//! One test in its own binary: the counting allocator is process-wide.

use std::alloc::System;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request};
use axum::routing::get;
use jsonwebtoken::Algorithm;
use scopes_core::{
    CacheLimits, Key, RequireScopesLayer, TrustedIssuer, Verifier, requires_scopes, scopes,
};
use scopes_tests::{SECRET, claims, hs256, sign};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use tower::ServiceExt;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

scopes! {
    /// The tutorial's scopes.
    pub Scopes {
        "me": "Read information about the current user.",
        "items": "Read items.",
        "admin": "Administer.",
    }
}

#[requires_scopes("items", "me")]
async fn guarded() -> &'static str {
    "items"
}

#[requires_scopes("admin")]
async fn admin() -> &'static str {
    "admin"
}

async fn bare() -> &'static str {
    "items"
}

/// A handler with a parameter of its own (one that allocates nothing): the check records
/// the token for the extractors after it.
#[requires_scopes("items", "me")]
async fn guarded_with(_: Method) -> &'static str {
    "items"
}

async fn bare_with(_: Method) -> &'static str {
    "items"
}

/// What a router layer requires of the route behind it.
#[requires_scopes("admin")]
struct AdminOnly;

fn app(verifier: Verifier) -> Router {
    let layered = Router::new()
        .route("/layered", get(bare))
        .route_layer(RequireScopesLayer::<Scopes, AdminOnly>::new(&verifier));
    // The same route behind a layer that does nothing, to compare.
    let identity = Router::new()
        .route("/identity", get(bare))
        .route_layer(tower::layer::util::Identity::new());
    Router::new()
        .merge(layered)
        .merge(identity)
        .route("/guarded", get(guarded))
        .route("/admin", get(admin))
        .route("/bare", get(bare))
        .route("/guarded_with", get(guarded_with))
        .route("/bare_with", get(bare_with))
        .with_state(verifier)
}

/// Allocations of one request to `uri` with `authorization` (the request itself is
/// built before counting; a first identical request goes uncounted, so that one-time
/// work such as a first challenge's formatting is left out). The counter is
/// process-wide, and the test harness's own thread allocates now and then while it
/// waits (seen on a loaded machine: +4 in about one run in thirty), so the request is
/// counted five times and the fewest is kept: nothing else ever takes allocations away.
/// (An allocation that only some requests make would hide behind the fewest: none of
/// these paths has one, and a count that rises on every request still shows.)
fn allocations(
    runtime: &tokio::runtime::Runtime,
    app: &Router,
    uri: &str,
    authorization: &str,
) -> (u16, usize) {
    let request = || {
        Request::get(uri)
            .header("authorization", authorization)
            .body(Body::empty())
            .unwrap()
    };
    let _ = runtime.block_on(app.clone().oneshot(request())).unwrap();
    let mut fewest = (0, usize::MAX);
    for _ in 0..5 {
        let (app, request) = (app.clone(), request());
        let region = Region::new(GLOBAL);
        let response = runtime.block_on(app.oneshot(request)).unwrap();
        let count = region.change().allocations;
        if count < fewest.1 {
            fewest = (response.status().as_u16(), count);
        }
    }
    fewest
}

/// `token` with one character of its signature changed (the fifth: a whole 6-bit
/// character, so the signature is always wrong).
fn forge(token: &str) -> String {
    let at = token.rfind('.').unwrap() + 5;
    let changed = if &token[at..=at] == "A" { "B" } else { "A" };
    format!("{}{changed}{}", &token[..at], &token[at + 1..])
}

#[test]
fn allocations_per_request() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let token = hs256(&["me", "items"]);
    let bearer = format!("Bearer {token}");
    let forged = format!("Bearer {}", forge(&token));
    // Without the cache (on by default), every request verifies its token.
    let plain = app(Verifier::builder()
        .key(Key::hs256(SECRET).unwrap())
        .no_cache()
        .build()
        .unwrap());

    let (status, bare) = allocations(&runtime, &plain, "/bare", &bearer);
    assert_eq!(status, 200);
    let (status, admitted) = allocations(&runtime, &plain, "/guarded", &bearer);
    assert_eq!(status, 200);
    // Nothing: a handler without parameters of its own has no extractor after the check,
    // which then records nothing and releases the verified token (its text, the token,
    // its claims and its scope names in one buffer, and the shared handle to it) for the
    // next token the thread verifies, which reuses both.
    assert_eq!(admitted - bare, 0, "admitted: {admitted}, bare: {bare}");
    // With a parameter after it, the check also records the token and the grant in the
    // request's extensions for the extractors that follow (whose map grows once, as it
    // already holds the original URI: axum's default `original-uri` feature, which the
    // crate turns on to read a DPoP proof's `htu`, puts it there on every request).
    let (status, bare_with) = allocations(&runtime, &plain, "/bare_with", &bearer);
    assert_eq!(status, 200);
    let (status, admitted_with) = allocations(&runtime, &plain, "/guarded_with", &bearer);
    assert_eq!(status, 200);
    assert_eq!(
        admitted_with - bare_with,
        5,
        "admitted: {admitted_with}, bare: {bare_with}"
    );

    // Refusals record nothing, build their body and challenge without allocating, and
    // answer in the refused request's header map, where a handler's response allocates
    // a map of its own (two allocations): a 403 releases its verified token as an admit
    // does, and a 401 has none, so each allocates fewer than an admit.
    let (status, forbidden) = allocations(&runtime, &plain, "/admin", &bearer);
    assert_eq!(status, 403);
    assert_eq!(bare - forbidden, 2, "forbidden: {forbidden}, bare: {bare}");
    let (status, forged) = allocations(&runtime, &plain, "/guarded", &forged);
    assert_eq!(status, 401);
    assert_eq!(bare - forged, 2, "forged: {forged}, bare: {bare}");
    let (status, missing) = allocations(&runtime, &plain, "/guarded", "Basic abc");
    assert_eq!(status, 401);
    assert_eq!(bare - missing, 2, "missing: {missing}, bare: {bare}");
    // A router layer's refusal: the box of its future and the verified token's two, and
    // no map; as many as the same route behind a layer that does nothing (axum boxes a
    // route layer's service), and fewer than the layer's admit (which also records the
    // requirement for the handler's check).
    let (status, layered) = allocations(&runtime, &plain, "/layered", &bearer);
    assert_eq!(status, 403);
    let admin = format!("Bearer {}", hs256(&["admin"]));
    let (status, identity) = allocations(&runtime, &plain, "/identity", &admin);
    assert_eq!(status, 200);
    assert_eq!(
        layered, identity,
        "layered: {layered}, identity: {identity}"
    );
    let (status, layered_admit) = allocations(&runtime, &plain, "/layered", &admin);
    assert_eq!(status, 200);
    assert!(
        layered < layered_admit,
        "layered: {layered}, its admit: {layered_admit}"
    );

    // With a subscriber listening, a refusal gathers its event's context in one box (the
    // token it verified is shared, the route's scopes borrowed); a 401 for want of a
    // token allocates no more than that. Each still answers in the request's map.
    let (forbidden, missing) = tracing::subscriber::with_default(Listening, || {
        let (status, forbidden) = allocations(&runtime, &plain, "/admin", &bearer);
        assert_eq!(status, 403);
        let (status, missing) = allocations(&runtime, &plain, "/guarded", "Basic abc");
        assert_eq!(status, 401);
        (forbidden, missing)
    });
    assert_eq!(
        forbidden,
        bare + 1,
        "listened to, forbidden: {forbidden}, bare: {bare}"
    );
    assert_eq!(
        missing,
        bare - 1,
        "listened to, missing: {missing}, bare: {bare}"
    );

    // A cache hit shares the verified token: nothing is left to allocate without
    // parameters, and only the two records with one (and the map's growth, as above).
    // The cache is on by default.
    for cached in [
        app(Verifier::new(Key::hs256(SECRET).unwrap()).unwrap()),
        app(Verifier::builder()
            .key(Key::hs256(SECRET).unwrap())
            .cache(CacheLimits::default())
            .build()
            .unwrap()),
    ] {
        let (status, hit) = allocations(&runtime, &cached, "/guarded", &bearer);
        assert_eq!(status, 200);
        assert_eq!(hit, bare, "hit: {hit}, bare: {bare}");
        let (status, hit_with) = allocations(&runtime, &cached, "/guarded_with", &bearer);
        assert_eq!(status, 200);
        assert_eq!(
            hit_with - bare_with,
            3,
            "hit: {hit_with}, bare: {bare_with}"
        );
        let (status, forbidden) = allocations(&runtime, &cached, "/admin", &bearer);
        assert_eq!(status, 403);
        assert_eq!(bare - forbidden, 2, "forbidden: {forbidden}, bare: {bare}");
    }

    // The verification alone: the verified token's buffer and handle.
    let verifier = Verifier::builder()
        .key(Key::hs256(SECRET).unwrap())
        .no_cache()
        .build()
        .unwrap();
    // Claims as large providers write them (Entra ID, Keycloak with many roles: 1 to a
    // few KiB) are decoded on the stack too.
    let mut large = claims(&["me", "items"]);
    large["groups"] = serde_json::json!(vec!["a-group-id-of-thirty-six-characters"; 80]);
    let large = sign(Algorithm::HS256, &large);
    for token in [&token, &large] {
        let _ = runtime.block_on(verifier.verify(token)).unwrap();
        let fewest = (0..5)
            .map(|_| {
                let region = Region::new(GLOBAL);
                let verified = runtime.block_on(verifier.verify(token)).unwrap();
                let count = region.change().allocations;
                drop(verified);
                count
            })
            .min();
        assert_eq!(fewest, Some(2), "a token of {} bytes", token.len());
    }

    // Several trusted issuers: the token's `iss` is read first, to choose one; that
    // reading allocates nothing more than its answer.
    let routed = Verifier::builder()
        .trust(TrustedIssuer::new("https://a.example.com").key(Key::hs256(SECRET).unwrap()))
        .trust(TrustedIssuer::new("https://b.example.com").key(Key::hs256(SECRET).unwrap()))
        .no_cache()
        .build()
        .unwrap();
    let mut from_b = claims(&["me", "items"]);
    from_b["iss"] = "https://b.example.com".into();
    let from_b = sign(Algorithm::HS256, &from_b);
    let _ = runtime.block_on(routed.verify(&from_b)).unwrap();
    let fewest = (0..5)
        .map(|_| {
            let region = Region::new(GLOBAL);
            let verified = runtime.block_on(routed.verify(&from_b)).unwrap();
            let count = region.change().allocations;
            drop(verified);
            count
        })
        .min();
    assert_eq!(
        fewest,
        Some(3),
        "the verified token's two, and the `iss` read first"
    );
}

/// A subscriber that wants every event and keeps none: what the crate itself allocates
/// to say what it refused, without a formatter's own allocations.
struct Listening;

impl tracing::Subscriber for Listening {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, _: &tracing::Event<'_>) {}
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}
