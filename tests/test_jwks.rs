//! Keys from a JWKS URL and from OpenID Connect discovery, served by a loopback server
//! the tests control: rotation, unknown-`kid` storms, and a key server that is down,
//! slow, answers garbage or a huge body. Every outcome is exact, fetches are counted.

use std::time::Duration;

use axum::Router;
use axum::routing::get;
use scopes_core::{
    ConfigError, FetchOptions, KeyFetchError, TokenError, Verifier, requires_scopes, scopes,
};
use scopes_tests::jwks_server::{Behavior, JwksServer, TestKey};
use scopes_tests::{Reply, claims, get as get_with, send};
use serde_json::json;
use tower::ServiceExt;

scopes! {
    /// The tutorial's scopes.
    pub Scopes {
        "me": "Read information about the current user.",
        "items": "Read items.",
    }
}

#[requires_scopes("items")]
async fn read_items() -> &'static str {
    "items"
}

fn app(verifier: Verifier) -> Router {
    Router::new()
        .route("/items/", get(read_items))
        .with_state(verifier)
}

/// Short enough for tests: a 300 ms cooldown, sets fresh for 1 s unless told otherwise.
fn fast() -> FetchOptions {
    FetchOptions::new()
        .timeout(Duration::from_millis(500))
        .cooldown(Duration::from_millis(300))
        .default_max_age(Duration::from_secs(1))
        .max_age_bounds(Duration::from_millis(100), Duration::from_secs(3600))
}

fn jwks_verifier(server: &JwksServer, options: FetchOptions) -> Verifier {
    Verifier::builder()
        .jwks_url(server.jwks_url())
        .fetch_options(options)
        .build()
        .unwrap()
}

fn ok() -> Reply {
    Reply::new(200, None, "items")
}

fn unknown_key() -> Reply {
    Reply::new(
        401,
        Some(r#"Bearer error="invalid_token", error_description="The token key id is unknown""#),
        r#"{"detail":"Could not validate credentials"}"#,
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn the_first_token_fetches_the_set_once_and_every_key_kind_verifies() {
    let server = JwksServer::start().await;
    let keys = [
        TestKey::rsa("rsa"),
        TestKey::ec("ec"),
        TestKey::ed("ed"),
        TestKey::rsa_other("rsa2"),
    ];
    server.set_keys(keys.iter().map(TestKey::jwk).collect());
    let app = app(jwks_verifier(&server, fast()));
    for key in &keys {
        let token = key.sign(&claims(&["items"]));
        assert_eq!(
            send(&app, get_with("/items/", &token)).await,
            ok(),
            "{}",
            key.kid()
        );
    }
    assert_eq!(server.jwks_hits(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn rotation_new_key_found_on_first_use_old_key_gone_after_refresh() {
    let server = JwksServer::start().await;
    let (old, new) = (TestKey::rsa("2026-10"), TestKey::rsa_other("2026-11"));
    server.set_keys(vec![old.jwk()]);
    let verifier = jwks_verifier(&server, fast());
    let app = app(verifier.clone());
    let old_token = old.sign(&claims(&["items"]));
    assert_eq!(send(&app, get_with("/items/", &old_token)).await, ok());
    assert_eq!(server.jwks_hits(), 1);

    // The provider publishes the new key beside the old one and starts signing with
    // it: the first token with the new kid fetches the set (after the cooldown).
    server.set_keys(vec![old.jwk(), new.jwk()]);
    tokio::time::sleep(Duration::from_millis(350)).await;
    let new_token = new.sign(&claims(&["items"]));
    assert_eq!(send(&app, get_with("/items/", &new_token)).await, ok());
    assert_eq!(send(&app, get_with("/items/", &old_token)).await, ok());
    assert_eq!(server.jwks_hits(), 2);

    // The old key is removed; once the set is refreshed, its tokens are refused.
    server.set_keys(vec![new.jwk()]);
    verifier.refresh_keys().await.unwrap();
    assert_eq!(send(&app, get_with("/items/", &new_token)).await, ok());
    let refused = send(&app, get_with("/items/", &old_token)).await;
    assert_eq!(refused, unknown_key());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_set_is_refreshed_in_the_background_after_its_max_age() {
    let server = JwksServer::start().await;
    let key = TestKey::ec("k1");
    server.set_keys(vec![key.jwk()]);
    server.set_cache_control(Some("public, max-age=0"));
    let options = fast().max_age_bounds(Duration::from_millis(200), Duration::from_secs(60));
    let app = app(jwks_verifier(&server, options));
    let token = key.sign(&claims(&["items"]));
    assert_eq!(send(&app, get_with("/items/", &token)).await, ok());
    assert_eq!(server.jwks_hits(), 1);
    // Fresh: no fetch.
    assert_eq!(send(&app, get_with("/items/", &token)).await, ok());
    assert_eq!(server.jwks_hits(), 1);
    // Stale (max-age=0, raised to the 200 ms floor): the next request is served at once
    // and starts one refresh in the background.
    tokio::time::sleep(Duration::from_millis(250)).await;
    for _ in 0..5 {
        assert_eq!(send(&app, get_with("/items/", &token)).await, ok());
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(server.jwks_hits(), 2);
}

/// A provider's RSA key whose `n` (and `e`) carries a leading zero octet, which RFC 7518
/// §6.3.1.1 forbids but providers have published, verifies as the same key without it
/// (it was kept, and every signature refused).
#[tokio::test(flavor = "multi_thread")]
async fn an_rsa_key_with_leading_zero_octets_verifies() {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let padded = |text: &str| {
        let mut bytes = vec![0];
        bytes.extend(b64.decode(text).unwrap());
        b64.encode(bytes)
    };
    let server = JwksServer::start().await;
    let key = TestKey::rsa("k1");
    let mut jwk = key.jwk();
    jwk["n"] = json!(padded(jwk["n"].as_str().unwrap()));
    jwk["e"] = json!(padded(jwk["e"].as_str().unwrap()));
    server.set_keys(vec![jwk]);
    let app = app(jwks_verifier(&server, fast()));
    let token = key.sign(&claims(&["items"]));
    assert_eq!(send(&app, get_with("/items/", &token)).await, ok());
}

/// `Duration::MAX` as a bound, a default max-age or a cooldown ("never") keeps the set
/// as long as it says: the next refresh's time saturates (it had wrapped to a time past,
/// so every request fetched the set, and a debug build panicked on the overflow).
#[tokio::test(flavor = "multi_thread")]
async fn a_duration_meaning_never_fetches_no_more_often() {
    let server = JwksServer::start().await;
    let key = TestKey::ec("k1");
    server.set_keys(vec![key.jwk()]);
    let token = key.sign(&claims(&["items"]));
    for (cache_control, options) in [
        (
            None,
            fast()
                .default_max_age(Duration::MAX)
                .max_age_bounds(Duration::from_secs(60), Duration::MAX),
        ),
        (
            Some("max-age=18446744073709551615"),
            fast().max_age_bounds(Duration::from_secs(60), Duration::MAX),
        ),
    ] {
        server.set_cache_control(cache_control);
        let before = server.jwks_hits();
        let verifier = jwks_verifier(&server, options);
        // Some time on the set's clock, for a sum that can overflow.
        tokio::time::sleep(Duration::from_millis(20)).await;
        verifier.refresh_keys().await.unwrap();
        let app = app(verifier);
        for _ in 0..20 {
            assert_eq!(send(&app, get_with("/items/", &token)).await, ok());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(server.jwks_hits(), before + 1, "{cache_control:?}");
    }
    // A failure retried "never": one fetch, however many requests.
    server.set_behavior(Behavior::Down);
    let before = server.jwks_hits();
    let verifier = jwks_verifier(&server, fast().cooldown(Duration::MAX));
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert!(verifier.refresh_keys().await.is_err());
    let app = app(verifier);
    for _ in 0..20 {
        assert_eq!(send(&app, get_with("/items/", &token)).await, unavailable());
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(server.jwks_hits(), before + 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_check_after_a_refresh_asks_for_no_other_refresh() {
    // A set that is due again at once (no-cache, no floor): the first token misses the
    // empty set, waits for the fetch, and is checked with the new set; that check must
    // not start a second fetch in the background.
    let server = JwksServer::start().await;
    let key = TestKey::ec("k1");
    server.set_keys(vec![key.jwk()]);
    server.set_cache_control(Some("no-cache"));
    let options = fast().max_age_bounds(Duration::ZERO, Duration::from_secs(60));
    let app = app(jwks_verifier(&server, options));
    let token = key.sign(&claims(&["items"]));
    assert_eq!(send(&app, get_with("/items/", &token)).await, ok());
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(server.jwks_hits(), 1);
}

/// `count` tokens signed by `key` but naming kids nobody published.
fn forged(key: &TestKey, count: usize) -> Vec<String> {
    (0..count)
        .map(|i| key.sign_with_kid(&claims(&["items"]), Some(&format!("random-{i}"))))
        .collect()
}

/// Sends all `tokens` at once; each is refused as naming an unknown key.
async fn storm(app: &Router, tokens: Vec<String>) {
    let tasks: Vec<_> = tokens
        .into_iter()
        .map(|token| {
            let app = app.clone();
            tokio::spawn(async move { send(&app, get_with("/items/", &token)).await })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), unknown_key());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_kid_storm_fetches_at_most_once_per_cooldown() {
    let server = JwksServer::start().await;
    let key = TestKey::rsa("real");
    server.set_keys(vec![key.jwk()]);
    // Long enough that neither the cooldown nor the set's freshness ends during the
    // test, however slow the machine.
    let options = fast()
        .cooldown(Duration::from_secs(60))
        .default_max_age(Duration::from_secs(60));
    let app = app(jwks_verifier(&server, options));
    let token = key.sign(&claims(&["items"]));
    assert_eq!(send(&app, get_with("/items/", &token)).await, ok());
    assert_eq!(server.jwks_hits(), 1);

    // 200 tokens with random kids, at once. The first fetch was the first token's, a
    // start-up's, which starts no cooldown: the storm causes one fetch, which does.
    storm(&app, forged(&key, 200)).await;
    assert_eq!(server.jwks_hits(), 2, "one fetch for the whole storm");
    // Within that cooldown, another storm fetches nothing.
    storm(&app, forged(&key, 200)).await;
    assert_eq!(server.jwks_hits(), 2, "no fetch inside the cooldown");
    // The real key is still served, without a fetch.
    assert_eq!(send(&app, get_with("/items/", &token)).await, ok());
    assert_eq!(server.jwks_hits(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_storm_after_the_cooldown_causes_exactly_one_fetch() {
    let server = JwksServer::start().await;
    let key = TestKey::rsa("real");
    server.set_keys(vec![key.jwk()]);
    let options = fast().default_max_age(Duration::from_secs(60));
    let app = app(jwks_verifier(&server, options));
    let token = key.sign(&claims(&["items"]));
    assert_eq!(send(&app, get_with("/items/", &token)).await, ok());
    // Tokens are signed before the storm: RSA signing is slow without optimizations.
    let tokens = forged(&key, 100);
    tokio::time::sleep(Duration::from_millis(350)).await;
    // The server answers slowly, so the whole storm arrives while the fetch is in flight.
    server.set_behavior(Behavior::Slow(Duration::from_millis(200)));
    storm(&app, tokens).await;
    assert_eq!(server.jwks_hits(), 2, "one fetch for the whole storm");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_key_signed_with_just_after_a_refresh_is_fetched_at_once() {
    // Keycloak signs with a key as soon as it is added. A refresh that no token's miss
    // caused (at start-up, or after the set's max-age) starts no cooldown, so the first
    // token with the new kid fetches the set, however soon after.
    let server = JwksServer::start().await;
    let (old, new) = (TestKey::rsa("2026-10"), TestKey::rsa_other("2026-11"));
    server.set_keys(vec![old.jwk()]);
    let options = fast()
        .cooldown(Duration::from_secs(60))
        .default_max_age(Duration::from_secs(60));
    let verifier = jwks_verifier(&server, options);
    verifier.refresh_keys().await.unwrap();
    let app = app(verifier.clone());
    assert_eq!(server.jwks_hits(), 1);
    server.set_keys(vec![old.jwk(), new.jwk()]);
    let new_token = new.sign(&claims(&["items"]));
    assert_eq!(send(&app, get_with("/items/", &new_token)).await, ok());
    assert_eq!(server.jwks_hits(), 2);
    // That fetch was a miss's: the next unknown kid within the cooldown is refused
    // without one.
    let forged = forged(&new, 1).remove(0);
    assert_eq!(
        send(&app, get_with("/items/", &forged)).await,
        unknown_key()
    );
    assert_eq!(server.jwks_hits(), 2);
    // `refresh_keys` fetches whatever the cooldown.
    verifier.refresh_keys().await.unwrap();
    assert_eq!(server.jwks_hits(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_storm_of_a_new_kid_just_after_a_refresh_fetches_once() {
    // The key rotates just after start-up; a hundred requests with its kid arrive at
    // once, while the provider answers slowly: one fetch, every token passes.
    let server = JwksServer::start().await;
    let (old, new) = (TestKey::ec("old"), TestKey::ec("new"));
    server.set_keys(vec![old.jwk()]);
    let options = fast()
        .cooldown(Duration::from_secs(60))
        .default_max_age(Duration::from_secs(60));
    let verifier = jwks_verifier(&server, options);
    verifier.refresh_keys().await.unwrap();
    let app = app(verifier);
    server.set_keys(vec![old.jwk(), new.jwk()]);
    server.set_behavior(Behavior::Slow(Duration::from_millis(200)));
    let token = new.sign(&claims(&["items"]));
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let (app, token) = (app.clone(), token.clone());
            tokio::spawn(async move { send(&app, get_with("/items/", &token)).await })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), ok());
    }
    assert_eq!(server.jwks_hits(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_dropped_while_its_kid_is_fetched_wastes_neither_the_fetch_nor_the_cooldown() {
    // A client gives up while the fetch its token's new kid caused is in flight: the
    // fetch goes on without it, and the next token with that kid finds the key (the
    // cooldown that fetch started does not leave the kid unknown until the set's
    // max-age).
    let server = JwksServer::start().await;
    let (old, new) = (TestKey::ec("old"), TestKey::ec("new"));
    server.set_keys(vec![old.jwk()]);
    let options = fast()
        .cooldown(Duration::from_secs(60))
        .default_max_age(Duration::from_secs(60));
    let verifier = jwks_verifier(&server, options);
    verifier.refresh_keys().await.unwrap();
    server.set_keys(vec![old.jwk(), new.jwk()]);
    server.set_behavior(Behavior::Slow(Duration::from_millis(300)));
    let token = new.sign(&claims(&["items"]));
    let gone = tokio::time::timeout(Duration::from_millis(50), verifier.verify(&token)).await;
    assert!(gone.is_err(), "the client gave up before the fetch ended");
    server.set_behavior(Behavior::Normal);
    assert_eq!(
        send(&app(verifier), get_with("/items/", &token)).await,
        ok()
    );
    assert_eq!(server.jwks_hits(), 2);
}

fn unavailable() -> Reply {
    Reply::new(
        503,
        None,
        r#"{"detail":"The credentials could not be checked; try again later"}"#,
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_kid_while_the_key_server_fails_could_not_be_checked() {
    let server = JwksServer::start().await;
    let (old, new) = (TestKey::ec("old"), TestKey::ec("new"));
    server.set_keys(vec![old.jwk()]);
    // A cooldown long enough that it cannot end between two steps that assert it has
    // not, however slow the machine; the set never falls due.
    let cooldown = Duration::from_secs(1);
    let options = fast()
        .cooldown(cooldown)
        .default_max_age(Duration::from_secs(60));
    let verifier = jwks_verifier(&server, options);
    let app = app(verifier.clone());
    let (old_token, new_token) = (old.sign(&claims(&["items"])), new.sign(&claims(&["items"])));
    assert_eq!(send(&app, get_with("/items/", &old_token)).await, ok());
    assert_eq!(server.jwks_hits(), 1);

    // The provider rotates and goes down. The new kid's fetch fails: the key may be the
    // new one, so the token could not be checked (503, try again), not blamed (401).
    server.set_keys(vec![old.jwk(), new.jwk()]);
    server.set_behavior(Behavior::Down);
    tokio::time::sleep(cooldown + Duration::from_millis(50)).await;
    let response = app
        .clone()
        .oneshot(get_with("/items/", &new_token))
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "10");
    assert_eq!(server.jwks_hits(), 2);
    // Within the cooldown of that failure: a storm of new kids, forged or not, is
    // answered 503 too, and the provider is not asked again.
    let tasks: Vec<_> = forged(&new, 50)
        .into_iter()
        .chain(std::iter::repeat_n(new_token.clone(), 50))
        .map(|token| {
            let app = app.clone();
            tokio::spawn(async move { send(&app, get_with("/items/", &token)).await })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), unavailable());
    }
    assert_eq!(server.jwks_hits(), 2);
    assert_eq!(
        send(&app, get_with("/items/", &new_token)).await,
        unavailable()
    );
    assert_eq!(server.jwks_hits(), 2);
    // Within the cooldown of that failure: the same answer, and the provider is not
    // asked again. The last good set still serves its keys.
    assert_eq!(
        send(&app, get_with("/items/", &new_token)).await,
        unavailable()
    );
    assert_eq!(send(&app, get_with("/items/", &old_token)).await, ok());
    assert_eq!(server.jwks_hits(), 2);
    assert_eq!(
        verifier.verify(&new_token).await.unwrap_err(),
        TokenError::KeysUnavailable
    );

    // Back up: after the cooldown the next token fetches the set and passes.
    server.set_behavior(Behavior::Normal);
    tokio::time::sleep(cooldown + Duration::from_millis(50)).await;
    assert_eq!(send(&app, get_with("/items/", &new_token)).await, ok());
    assert_eq!(server.jwks_hits(), 3);
    // And a kid nobody published is the token's fault again.
    let forged = forged(&new, 1).remove(0);
    assert_eq!(
        send(&app, get_with("/items/", &forged)).await,
        unknown_key()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_last_good_set_serves_while_the_key_server_fails() {
    let server = JwksServer::start().await;
    let key = TestKey::ed("k1");
    server.set_keys(vec![key.jwk()]);
    let verifier = jwks_verifier(&server, fast());
    let app = app(verifier.clone());
    let token = key.sign(&claims(&["items"]));
    assert_eq!(send(&app, get_with("/items/", &token)).await, ok());

    let failures = [
        (Behavior::Down, KeyFetchError::Status(503)),
        (Behavior::Garbage, KeyFetchError::NotAKeySet),
        // A key set is a JSON object (RFC 7517 §5), not an array of its members.
        (Behavior::Array, KeyFetchError::NotAKeySet),
        (Behavior::Huge(2 * 1024 * 1024), KeyFetchError::TooLarge),
        (
            Behavior::Slow(Duration::from_secs(3)),
            KeyFetchError::Timeout,
        ),
        (
            Behavior::Close,
            KeyFetchError::Unreachable {
                cause: String::new(),
            },
        ),
    ];
    for (behavior, error) in failures {
        server.set_behavior(behavior);
        let started = std::time::Instant::now();
        let refused = verifier.refresh_keys().await.unwrap_err();
        // A failed connection says how, as the network stack put it.
        let error = match (refused.error(), error) {
            (KeyFetchError::Unreachable { cause }, KeyFetchError::Unreachable { .. }) => {
                assert!(!cause.is_empty(), "{behavior:?}");
                assert!(!cause.contains(server.jwks_url().as_str()), "{cause}");
                refused.error().clone()
            }
            (_, error) => error,
        };
        assert_eq!(refused.error(), &error, "{behavior:?}");
        // It says whose key set it is.
        assert_eq!(refused.jwks_url(), Some(server.jwks_url().as_str()));
        assert_eq!(refused.issuer(), None);
        assert_eq!(
            refused.to_string(),
            format!(
                "the key set at `{}` could not be fetched: {error}",
                server.jwks_url()
            )
        );
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{behavior:?} took {:?}",
            started.elapsed()
        );
        assert_eq!(
            send(&app, get_with("/items/", &token)).await,
            ok(),
            "{behavior:?}"
        );
    }
    // A set served without a usable key is no failure of the provider but its answer:
    // it replaces the last good set, whose keys are trusted no longer (the token, which
    // the cache held, is refused), and the fetch says so to whoever asked for it. Empty,
    // or holding only keys that are left out (a symmetric one).
    server.set_behavior(Behavior::Normal);
    let symmetric = serde_json::json!({"kty": "oct", "kid": "k1", "k": "c2VjcmV0"});
    for keys in [vec![], vec![symmetric]] {
        server.set_keys(vec![key.jwk()]);
        tokio::time::sleep(fast_cooldown()).await;
        verifier.refresh_keys().await.unwrap();
        assert_eq!(send(&app, get_with("/items/", &token)).await, ok());
        server.set_keys(keys.clone());
        assert_eq!(
            verifier.refresh_keys().await.unwrap_err().error(),
            &KeyFetchError::NoUsableKeys,
            "{keys:?}"
        );
        // The token's key is missing: one fetch to look for it, then none within the
        // cooldown, however many such tokens come (one more may be the set's scheduled
        // refresh, or the cooldown's end on a slow machine; not one per token).
        let hits = server.jwks_hits();
        for _ in 0..6 {
            assert_eq!(
                send(&app, get_with("/items/", &token)).await,
                unknown_key(),
                "{keys:?}"
            );
        }
        let fetched = server.jwks_hits() - hits;
        assert!((1..=2).contains(&fetched), "{keys:?}: {fetched} fetches");
    }
    // The key published again: found by the next token after the cooldown.
    server.set_keys(vec![key.jwk()]);
    tokio::time::sleep(fast_cooldown()).await;
    assert_eq!(send(&app, get_with("/items/", &token)).await, ok());
}

/// `fast()`'s cooldown, and a little more.
fn fast_cooldown() -> Duration {
    Duration::from_millis(350)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_key_server_down_at_start_refuses_tokens_and_is_not_hammered() {
    let server = JwksServer::start().await;
    let key = TestKey::rsa("k1");
    server.set_keys(vec![key.jwk()]);
    server.set_behavior(Behavior::Down);
    let app = app(jwks_verifier(&server, fast()));
    let token = key.sign(&claims(&["items"]));
    // Fail closed: no key, no entry. Ten requests within the cooldown: one fetch. The
    // answer says the token could not be checked (503, try again later), not that it
    // was wrong (a 401 would have the client throw it away).
    for _ in 0..10 {
        let refused = send(&app, get_with("/items/", &token)).await;
        assert_eq!(
            refused,
            Reply::new(
                503,
                None,
                r#"{"detail":"The credentials could not be checked; try again later"}"#,
            )
        );
    }
    assert_eq!(server.jwks_hits(), 1);
    // The server recovers; after the cooldown the next token fetches and passes.
    server.set_behavior(Behavior::Normal);
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(send(&app, get_with("/items/", &token)).await, ok());
    assert_eq!(server.jwks_hits(), 2);
    // The reason, for code that verifies by hand.
    server.set_behavior(Behavior::Down);
    let verifier = jwks_verifier(&server, fast());
    assert_eq!(
        verifier.verify(&token).await.unwrap_err(),
        TokenError::KeysUnavailable
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_keys_are_left_out_and_the_rest_serve() {
    let server = JwksServer::start().await;
    let (good, ec, ed) = (TestKey::rsa("good"), TestKey::ec("ec"), TestKey::ed("ed"));
    let mut mislabelled = ec.jwk();
    mislabelled["alg"] = json!("RS256"); // an EC key claiming RSA
    mislabelled["kid"] = json!("mislabelled");
    let mut wrong_curve = ec.jwk();
    wrong_curve["alg"] = json!("ES384"); // a P-256 key claiming P-384
    wrong_curve["kid"] = json!("wrong-curve");
    let mut encryption = TestKey::rsa_other("enc").jwk();
    encryption["use"] = json!("enc");
    server.set_keys(vec![
        json!({"kty": "RSA", "kid": "broken", "n": 42}),
        json!({"kty": "oct", "kid": "secret", "k": "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA", "alg": "HS256"}),
        mislabelled,
        wrong_curve,
        encryption,
        good.jwk(),
        ed.jwk_without_alg(), // EdDSA follows from crv Ed25519
    ]);
    let app = app(jwks_verifier(&server, fast()));
    assert_eq!(
        send(&app, get_with("/items/", &good.sign(&claims(&["items"])))).await,
        ok()
    );
    assert_eq!(
        send(&app, get_with("/items/", &ed.sign(&claims(&["items"])))).await,
        ok()
    );
    for kid in ["broken", "secret", "mislabelled", "wrong-curve", "enc"] {
        let token = ec.sign_with_kid(&claims(&["items"]), Some(kid));
        let refused = send(&app, get_with("/items/", &token)).await;
        assert_eq!(refused, unknown_key(), "{kid}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_algorithm_comes_from_the_jwk_never_from_the_token() {
    let server = JwksServer::start().await;
    let key = TestKey::rsa("k1");
    server.set_keys(vec![key.jwk()]);
    let verifier = jwks_verifier(&server, fast());
    verifier.refresh_keys().await.unwrap();
    // An HS256 token "signed" with the RSA public key as secret, naming the RSA kid.
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = Some("k1".into());
    let forged = jsonwebtoken::encode(
        &header,
        &claims(&["items"]),
        &jsonwebtoken::EncodingKey::from_secret(scopes_tests::RSA_PUBLIC.as_bytes()),
    )
    .unwrap();
    assert_eq!(
        verifier.verify(&forged).await.unwrap_err(),
        TokenError::AlgorithmNotAllowed
    );
    // jku/x5u point nowhere we would ever fetch from.
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some("elsewhere".into());
    header.jku = Some("http://127.0.0.1:1/attacker-jwks".into());
    let hits = server.jwks_hits();
    let token = jsonwebtoken::encode(
        &header,
        &claims(&["items"]),
        &jsonwebtoken::EncodingKey::from_rsa_pem(scopes_tests::RSA_PRIVATE.as_bytes()).unwrap(),
    )
    .unwrap();
    assert_eq!(
        verifier.verify(&token).await.unwrap_err(),
        TokenError::UnknownKey
    );
    assert!(server.jwks_hits() <= hits + 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn discovery_finds_the_jwks_and_the_issuer_is_checked_everywhere() {
    let server = JwksServer::start().await;
    let key = TestKey::ec("k1");
    server.set_keys(vec![key.jwk()]);
    // A verifier of the server's issuer, its keys found through discovery.
    let discovering = || {
        Verifier::builder()
            .oidc_issuer(server.issuer())
            .fetch_options(fast())
            .build()
            .unwrap()
    };
    let verifier = discovering();
    verifier.refresh_keys().await.unwrap();
    assert_eq!((server.discovery_hits(), server.jwks_hits()), (1, 1));
    let app = app(verifier.clone());
    let with_issuer = |iss: &str| {
        let mut claims = claims(&["items"]);
        claims["iss"] = json!(iss);
        key.sign(&claims)
    };
    assert_eq!(
        send(&app, get_with("/items/", &with_issuer(&server.issuer()))).await,
        ok()
    );
    let elsewhere = send(
        &app,
        get_with("/items/", &with_issuer("https://evil.example.com")),
    )
    .await;
    assert_eq!(elsewhere.status, 401u16);
    assert!(
        elsewhere
            .challenge
            .as_deref()
            .unwrap()
            .contains("The token issuer is not accepted")
    );
    let none = send(&app, get_with("/items/", &key.sign(&claims(&["items"])))).await;
    assert!(
        none.challenge
            .as_deref()
            .unwrap()
            .contains("The token has no iss claim")
    );

    // A discovery document is a JSON object, not an array of its members' values.
    server.set_behavior(Behavior::Array);
    let refused = discovering().refresh_keys().await.unwrap_err();
    assert_eq!(refused.error(), &KeyFetchError::NotADiscoveryDocument);
    server.set_behavior(Behavior::Normal);

    // A discovery document naming another issuer is refused (OIDC Discovery §4.3).
    server.set_discovery_issuer(Some("https://evil.example.com".into()));
    let refused = discovering().refresh_keys().await.unwrap_err();
    assert_eq!(
        refused.error(),
        &KeyFetchError::IssuerMismatch {
            expected: server.issuer(),
            found: "https://evil.example.com".into(),
        }
    );
    assert_eq!(refused.issuer(), Some(server.issuer().as_str()));
    assert!(
        refused.to_string().starts_with(&format!(
            "the key set of issuer `{}` could not",
            server.issuer()
        )),
        "{refused}"
    );
}

#[test]
fn a_discovery_documents_address_or_an_empty_url_is_refused_with_the_fix() {
    let refused = |setting: &str, given: &str| match setting {
        "oidc_issuer" => Verifier::builder().oidc_issuer(given).build().unwrap_err(),
        _ => Verifier::builder().jwks_url(given).build().unwrap_err(),
    };
    for (given, issuer) in [
        (
            "https://idp.example.com/realms/shop/.well-known/openid-configuration",
            "https://idp.example.com/realms/shop",
        ),
        (
            "https://idp.example.com/realms/shop/.well-known/openid-configuration/",
            "https://idp.example.com/realms/shop",
        ),
        (
            "https://idp.example.com/realms/shop/.well-known/oauth-authorization-server",
            "https://idp.example.com/realms/shop",
        ),
        // RFC 8414 §3.1: inserted between the host and the issuer's path.
        (
            "https://idp.example.com/.well-known/oauth-authorization-server/tenant-a",
            "https://idp.example.com/tenant-a",
        ),
        // Auth0's: the issuer is `https://tenant.auth0.com/`, with its slash.
        (
            "https://tenant.auth0.com/.well-known/openid-configuration",
            "https://tenant.auth0.com",
        ),
    ] {
        for setting in ["oidc_issuer", "jwks_url"] {
            let refused = refused(setting, given);
            assert_eq!(
                refused,
                ConfigError::DiscoveryUrl {
                    setting,
                    url: given.into(),
                    issuer: issuer.into(),
                }
            );
            let message = refused.to_string();
            assert!(message.contains(&format!("`{issuer}`")), "{message}");
            // The issuer may end with a slash: both are named, the document decides.
            assert!(message.contains(&format!("`{issuer}/`")), "{message}");
            let fix = match setting {
                "jwks_url" => "`jwks_uri`",
                _ => "document's `issuer`",
            };
            assert!(message.contains(fix), "{message}");
        }
    }
    // What a credential could be in is left out of the message.
    let secret = refused(
        "jwks_url",
        "https://user:hunter2@idp.example.com/.well-known/openid-configuration?key=hunter2",
    )
    .to_string();
    assert!(!secret.contains("hunter2"), "{secret}");
    // `Debug` is the message: what `main` returning `Box<dyn Error>` prints.
    let shown = refused(
        "oidc_issuer",
        "https://idp.example.com/.well-known/openid-configuration",
    );
    assert_eq!(format!("{shown:?}"), format!("ConfigError: {shown}"));
    // Not a discovery document's address: a key set that lives under `.well-known`,
    // IdentityServer's (Duende's) own `jwks_uri` among them.
    for jwks in [
        "https://idp.example.com/.well-known/jwks.json",
        "https://demo.duendesoftware.com/.well-known/openid-configuration/jwks",
    ] {
        assert!(Verifier::builder().jwks_url(jwks).build().is_ok(), "{jwks}");
    }
    assert!(
        Verifier::builder()
            .oidc_issuer("https://idp.example.com/.well-known/openid-configurations")
            .build()
            .is_ok()
    );
    // A variable that was not set: named as the setting it was given to.
    let empty = Verifier::builder().oidc_issuer("").build().unwrap_err();
    assert_eq!(empty, ConfigError::EmptySetting("oidc_issuer"));
    let empty = Verifier::builder().jwks_url("").build().unwrap_err();
    assert_eq!(empty, ConfigError::EmptySetting("jwks_url"));
}

#[test]
fn an_oidc_issuer_with_a_query_fragment_or_credentials_is_refused_without_them() {
    for issuer in [
        "https://idp.example.com/realms/shop?api_key=hunter2",
        "https://idp.example.com/realms/shop#hunter2",
        "https://user:hunter2@idp.example.com/realms/shop",
    ] {
        let refused = Verifier::builder().oidc_issuer(issuer).build().unwrap_err();
        assert_eq!(
            refused,
            ConfigError::InvalidIssuerUrl("https://idp.example.com/realms/shop".into())
        );
        assert!(!refused.to_string().contains("hunter2"), "{refused}");
    }
    // Nor does a verifier's `Debug` show what of its key set's URL may be a secret.
    let verifier = Verifier::builder()
        .jwks_url("https://user:hunter2@idp.example.com/jwks?key=hunter2")
        .build()
        .unwrap();
    let shown = format!("{verifier:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    let trusted = scopes_core::TrustedIssuer::new("https://idp.example.com")
        .jwks_url("https://idp.example.com/jwks?key=hunter2");
    let shown = format!("{trusted:?}");
    assert!(
        !shown.contains("hunter2") && shown.contains("/jwks"),
        "{shown}"
    );
    assert!(
        Verifier::builder()
            .oidc_issuer("https://idp.example.com/realms/shop")
            .build()
            .is_ok()
    );
}

#[test]
fn key_set_urls_must_be_https_except_on_loopback() {
    let refused = Verifier::builder()
        .jwks_url("http://idp.example.com/jwks")
        .build()
        .unwrap_err();
    assert_eq!(
        refused,
        ConfigError::InsecureUrl("http://idp.example.com/jwks".into())
    );
    assert!(refused.to_string().contains("https"));
    assert!(
        Verifier::builder()
            .jwks_url("https://idp.example.com/jwks")
            .build()
            .is_ok()
    );
    assert!(
        Verifier::builder()
            .jwks_url("http://idp.internal/jwks")
            .fetch_options(FetchOptions::new().allow_http())
            .build()
            .is_ok()
    );
    let both = Verifier::builder()
        .key(scopes_core::Key::hs256(scopes_tests::SECRET).unwrap())
        .jwks_url("https://idp.example.com/jwks")
        .build()
        .unwrap_err();
    assert_eq!(both, ConfigError::KeysAndKeySet);
}
