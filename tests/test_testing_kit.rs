//! The testing kit (`scopes_core::testing`), used as a service's tests would: a table
//! from the company's `auth` crate, a test issuer of each algorithm (keys configured,
//! or fetched from the issuer served on 127.0.0.1), tokens wrong in one call each, and
//! the refusal assertions, on the kit's responses and on plain `oneshot` ones.

use auth::{CurrentUser, Scopes};
use axum::body::Body;
use axum::routing::get;
use axum::{Router, http::Request};
use scopes_core::testing::{self, AuthAssertions, BearerExt, TestIssuer};
use scopes_core::{ResponseMode, Verifier, requires_scopes, scope_set};
use tower::ServiceExt;

#[requires_scopes("items")]
async fn read_items() -> &'static str {
    "[]"
}

#[requires_scopes("users:read", any("me", "admin"))]
async fn read_users(CurrentUser(user): CurrentUser) -> String {
    format!("users, for {}", user.sub)
}

#[requires_scopes("items", acr = ["urn:example:mfa"])]
async fn delete_items() -> &'static str {
    "deleted"
}

fn app(verifier: Verifier) -> Router {
    Router::new()
        .route("/items", get(read_items).delete(delete_items))
        .route("/users", get(read_users))
        .with_state(verifier)
}

async fn each_way_of_being_wrong(issuer: &TestIssuer, app: &Router) {
    let valid = issuer.mint("alice", scope_set!("items"));
    let response = testing::send(app, testing::get("/items", Some(&valid))).await;
    response.assert_admitted();
    assert_eq!(response.text(), "[]");

    let cases = [
        (
            "expired",
            issuer.token(scope_set!("items")).expired().mint(),
            "The access token expired",
        ),
        (
            "not yet valid",
            issuer.token(scope_set!("items")).not_yet_valid().mint(),
            "The access token is not yet valid",
        ),
        (
            "wrong issuer",
            issuer.token(scope_set!("items")).wrong_issuer().mint(),
            "",
        ),
        (
            "wrong audience",
            issuer.token(scope_set!("items")).wrong_audience().mint(),
            "",
        ),
        (
            "wrong type",
            issuer.token(scope_set!("items")).wrong_type().mint(),
            "",
        ),
        (
            "tampered",
            issuer.token(scope_set!("items")).tampered().mint(),
            "The token signature is invalid",
        ),
        (
            "no exp",
            issuer.token(scope_set!("items")).without("exp").mint(),
            "",
        ),
    ];
    for (case, token, description) in cases {
        let response = testing::send(app, testing::get("/items", Some(&token))).await;
        let challenge = response.assert_invalid_token();
        if !description.is_empty() {
            assert_eq!(
                challenge.param("error_description"),
                Some(description),
                "{case}"
            );
        }
    }
}

#[tokio::test]
async fn each_algorithm_with_configured_keys() {
    for issuer in [
        TestIssuer::hs256(),
        TestIssuer::rs256(),
        TestIssuer::es256(),
    ] {
        let app = app(issuer.verifier());
        each_way_of_being_wrong(&issuer, &app).await;
        // Another issuer's key, same names: refused.
        let stranger = TestIssuer::es256().mint("mallory", scope_set!("items"));
        testing::send(&app, testing::get("/items", Some(&stranger)))
            .await
            .assert_invalid_token();
    }
}

/// A multi-tenant provider (Entra ID): the issuer a template, each token its tenant's.
#[tokio::test]
async fn a_multi_tenant_issuer_mints_each_tenant_s_tokens() {
    let entra =
        TestIssuer::rs256().with_issuer("https://login.microsoftonline.com/{tenantid}/v2.0");
    let (contoso, fabrikam) = (
        "72f988bf-86f1-41af-91ab-2d7cd011db47",
        "0b5c1e7a-3d2f-4a8b-9c6e-1f4d7a2b8e90",
    );
    let every = app(entra.verifier());
    // Every way of being wrong still is, with the default tenant.
    each_way_of_being_wrong(&entra, &every).await;
    for tenant in [contoso, fabrikam, testing::TEST_TENANT] {
        let token = entra.token(scope_set!("items")).tenant(tenant);
        let claims = token.claims();
        assert_eq!(claims["tid"], tenant);
        assert_eq!(
            claims["iss"],
            format!("https://login.microsoftonline.com/{tenant}/v2.0")
        );
        testing::send(&every, testing::get("/items", Some(&token.mint())))
            .await
            .assert_admitted();
    }
    // `iss` of one tenant, `tid` of another; no `tid`; a tenant that is no GUID.
    for token in [
        entra
            .token(scope_set!("items"))
            .tenant(contoso)
            .claim("tid", fabrikam),
        entra.token(scope_set!("items")).without("tid"),
        entra.token(scope_set!("items")).tenant("contoso"),
    ] {
        testing::send(&every, testing::get("/items", Some(&token.mint())))
            .await
            .assert_invalid_token();
    }

    // Only some tenants, as an app restricts them.
    let only_contoso = Verifier::builder()
        .trust(entra.trusted().require_claim("tid", contoso))
        .build()
        .unwrap();
    let restricted = app(only_contoso);
    let token = entra.token(scope_set!("items")).tenant(contoso).mint();
    testing::send(&restricted, testing::get("/items", Some(&token)))
        .await
        .assert_admitted();
    let token = entra.token(scope_set!("items")).tenant(fabrikam).mint();
    testing::send(&restricted, testing::get("/items", Some(&token)))
        .await
        .assert_invalid_token();

    // An issuer that is no template: `tenant` sets `tid` alone.
    let single = TestIssuer::hs256()
        .token(scope_set!("items"))
        .tenant(contoso);
    assert_eq!(single.claims()["iss"], testing::TEST_ISSUER);
    assert_eq!(single.claims()["tid"], contoso);
}

#[tokio::test]
async fn keys_fetched_from_the_served_issuer() {
    let issuer = TestIssuer::rs256().serve().await;
    assert!(issuer.issuer().starts_with("http://127.0.0.1:"));
    let app = app(issuer.verifier());
    each_way_of_being_wrong(&issuer, &app).await;

    // The app's own configuration, pointed at the served issuer.
    let verifier = Verifier::builder()
        .oidc_issuer(issuer.issuer())
        .fetch_options(scopes_core::FetchOptions::new().allow_http())
        .audience(issuer.audience())
        .build()
        .unwrap();
    let app = self::app(verifier);
    let token = issuer.mint("alice", scope_set!("items"));
    testing::send(&app, testing::get("/items", Some(&token)))
        .await
        .assert_admitted();
}

#[tokio::test]
async fn an_issuer_served_at_a_realm_s_path_is_found_by_the_app_s_own_configuration() {
    let issuer = TestIssuer::es256().serve_at("/realms/shop/").await;
    let base = issuer.issuer().strip_suffix("/realms/shop").unwrap();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    // The app builds its issuer's URL from a base URL and a realm, as it does in
    // production.
    let verifier = Verifier::builder()
        .oidc_issuer(format!("{base}/realms/{}", "shop"))
        .audience(issuer.audience())
        .build()
        .unwrap();
    verifier.refresh_keys().await.unwrap();
    let app = app(verifier);
    let token = issuer.mint("alice", scope_set!("items"));
    testing::send(&app, testing::get("/items", Some(&token)))
        .await
        .assert_admitted();
    // Nothing is served at the root.
    let root = Verifier::builder()
        .oidc_issuer(base)
        .audience(issuer.audience())
        .build()
        .unwrap();
    assert!(root.refresh_keys().await.is_err());
}

#[tokio::test]
async fn a_served_issuer_rotates_retires_and_goes_down_as_a_provider_does() {
    let old = TestIssuer::rs256().serve().await;
    let verifier = old.verifier();
    verifier.refresh_keys().await.unwrap();
    let app = app(verifier.clone());
    let old_token = old.mint("alice", scope_set!("items"));
    testing::send(&app, testing::get("/items", Some(&old_token)))
        .await
        .assert_admitted();

    // The provider rotates its key and goes down: a token of the new key cannot be
    // checked (503); the key the app holds still serves.
    let new = old.rotate();
    assert_eq!(new.issuer(), old.issuer());
    let new_token = new.mint("alice", scope_set!("items"));
    old.set_available(false);
    testing::send(&app, testing::get("/items", Some(&new_token)))
        .await
        .assert_unavailable();
    testing::send(&app, testing::get("/items", Some(&old_token)))
        .await
        .assert_admitted();
    assert!(verifier.refresh_keys().await.is_err());

    // Back up: the next fetch finds the new key beside the old one; both pass.
    new.set_available(true);
    verifier.refresh_keys().await.unwrap();
    for token in [&new_token, &old_token] {
        testing::send(&app, testing::get("/items", Some(token)))
            .await
            .assert_admitted();
    }

    // The old key retired: once the app fetches the set again, its tokens are refused.
    old.retire();
    verifier.refresh_keys().await.unwrap();
    testing::send(&app, testing::get("/items", Some(&old_token)))
        .await
        .assert_invalid_token();
    testing::send(&app, testing::get("/items", Some(&new_token)))
        .await
        .assert_admitted();
}

#[tokio::test]
async fn a_key_rotated_in_is_fetched_on_its_first_token() {
    // No `refresh_keys`: the first token's fetch is a start-up's and holds no later
    // fetch off, so a key rotated in at once is found on its first token.
    let old = TestIssuer::es256().serve().await;
    let app = app(old.verifier());
    for issuer in [&old, &old.rotate()] {
        let token = issuer.mint("alice", scope_set!("items"));
        testing::send(&app, testing::get("/items", Some(&token)))
            .await
            .assert_admitted();
    }
}

#[tokio::test]
async fn scopes_composition_and_claims() {
    let issuer = TestIssuer::es256()
        .with_issuer("https://login.example.com")
        .with_audience("https://api.example.com");
    let app = app(issuer.verifier());

    // `admin` implies `users:read` and `me` (the table says so).
    let admin = issuer.mint("root", scope_set!("admin"));
    let response = testing::send(&app, testing::get("/users", Some(&admin))).await;
    response.assert_admitted();
    assert_eq!(response.text(), "users, for root");

    // The handler's scopes and its extractor's, together.
    let reader = issuer.mint("bob", scope_set!("users:read"));
    testing::send(&app, testing::get("/users", Some(&reader)))
        .await
        .assert_insufficient_scope("users:read me admin");

    // Names the table does not declare grant nothing.
    let odd = issuer
        .token(scope_set!("me"))
        .extra_scopes(["users:reed"])
        .mint();
    testing::send(&app, testing::get("/users", Some(&odd)))
        .await
        .assert_insufficient_scope("users:read me admin");

    testing::send(&app, testing::get("/users", None))
        .await
        .assert_missing_credentials();

    // Step-up (RFC 9470): `acr` (and `auth_time`) as the token builder writes them.
    let request = |token: &str| {
        Request::delete("/items")
            .bearer(token)
            .body(Body::empty())
            .unwrap()
    };
    let password_only = issuer.mint("alice", scope_set!("items"));
    let challenge = testing::send(&app, request(&password_only))
        .await
        .assert_insufficient_user_authentication();
    assert_eq!(challenge.param("acr_values"), Some("urn:example:mfa"));
    let mfa = issuer
        .token(scope_set!("items"))
        .acr("urn:example:mfa")
        .mint();
    testing::send(&app, request(&mfa)).await.assert_admitted();
    // `max_age`: how long ago the user logged in.
    #[requires_scopes("items", max_age = 300)]
    async fn recent() -> &'static str {
        "recent"
    }
    let app = Router::new()
        .route("/recent", get(recent))
        .with_state(issuer.verifier());
    let since = |ago: u64| {
        let token = issuer
            .token(scope_set!("items"))
            .authenticated(std::time::Duration::from_secs(ago))
            .mint();
        testing::get("/recent", Some(&token))
    };
    testing::send(&app, since(60)).await.assert_admitted();
    testing::send(&app, since(3_600))
        .await
        .assert_insufficient_user_authentication();
}

#[tokio::test]
async fn assertions_on_plain_oneshot_responses() {
    let issuer = TestIssuer::hs256();
    let app = app(issuer.verifier());
    let token = issuer.mint("alice", scope_set!("me"));
    let response = app
        .clone()
        .oneshot(
            Request::get("/items")
                .bearer(&token)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    response.assert_insufficient_scope("items");
    let read = testing::TestResponse::read(response).await;
    assert_eq!(
        read.json::<serde_json::Value>(),
        serde_json::json!({"detail": "Not enough permissions"})
    );

    let response = app
        .oneshot(
            Request::get("/items")
                .header("authorization", "Bearer a b")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    response.assert_invalid_request();
}

#[tokio::test]
async fn a_failed_assertion_says_what_it_got() {
    let issuer = TestIssuer::hs256();
    let app = app(issuer.verifier());
    let token = issuer.mint("alice", scope_set!("me"));
    let response = testing::send(&app, testing::get("/items", Some(&token))).await;
    let panic = std::panic::catch_unwind(|| response.assert_admitted()).unwrap_err();
    let message = panic.downcast_ref::<String>().unwrap();
    assert_eq!(
        message,
        r#"expected the request to be admitted (2xx), got 403 Forbidden with `WWW-Authenticate: Bearer error="insufficient_scope", scope="items"`; body: {"detail":"Not enough permissions"}"#
    );
    let panic =
        std::panic::catch_unwind(|| response.assert_insufficient_scope("items me")).unwrap_err();
    let message = panic.downcast_ref::<String>().unwrap();
    assert!(
        message.starts_with(
            r#"expected 403 insufficient_scope with scope="items me", got scope="items""#
        ),
        "{message}"
    );
    // A path without its `/` would parse as an authority, and meet no route.
    let panic = std::panic::catch_unwind(|| testing::get("items", None)).unwrap_err();
    let message = panic.downcast_ref::<String>().unwrap();
    assert!(
        message.starts_with(r#""items" is neither a path (`/items`)"#),
        "{message}"
    );
    // A 503 says what it usually means in a test: a served issuer dropped.
    let served = TestIssuer::es256().serve().await;
    let app = self::app(served.verifier());
    let token = served.mint("alice", scope_set!("items"));
    drop(served);
    let response = testing::send(&app, testing::get("/items", Some(&token))).await;
    let panic = std::panic::catch_unwind(|| response.assert_admitted()).unwrap_err();
    let message = panic.downcast_ref::<String>().unwrap();
    assert!(
        message.contains("keep the issuer (or a clone) alive"),
        "{message}"
    );
}

#[tokio::test]
async fn fastapi_mode_is_checked_through_the_challenge() {
    let issuer = TestIssuer::hs256();
    let verifier = issuer
        .verifier_builder()
        .response_mode(ResponseMode::FastApi)
        .build()
        .unwrap();
    let app = app(verifier);
    let token = issuer.mint("alice", scope_set!("me"));
    let response = testing::send(&app, testing::get("/items", Some(&token))).await;
    assert_eq!(response.status(), 401);
    let challenge = response.challenge().unwrap();
    assert_eq!(challenge.error(), None);
    assert_eq!(challenge.scopes(), ["items"]);
    assert_eq!(
        response.json::<serde_json::Value>(),
        serde_json::json!({"detail": "Not enough permissions"})
    );
}

#[test]
fn the_issuer_never_shows_its_key() {
    let issuer = TestIssuer::hs256();
    let debug = format!("{issuer:?}");
    assert!(
        debug.starts_with("TestIssuer { algorithm: HS256"),
        "{debug}"
    );
    assert_eq!(issuer.jwks(), serde_json::json!({"keys": []}));
    let rsa = TestIssuer::rs256().jwks();
    let key = &rsa["keys"][0];
    assert_eq!(key["kty"], "RSA");
    assert_eq!(key["alg"], "RS256");
    assert!(key.get("d").is_none());
    let _: Scopes; // the table the tokens above were typed by
}

#[test]
fn the_kit_s_requests_carry_a_host() {
    // As every HTTP/1.1 request does: rmcp's server, for one, refuses a request without.
    let local = testing::get("/items?page=2", Some("t"));
    assert_eq!(local.headers()["host"], "localhost");
    assert_eq!(local.uri(), "/items?page=2");
    assert_eq!(local.headers()["authorization"], "Bearer t");
    let absolute = testing::request(axum::http::Method::POST, "https://127.0.0.1:8001/mcp", None);
    assert_eq!(absolute.headers()["host"], "127.0.0.1:8001");
    assert_eq!(absolute.uri(), "https://127.0.0.1:8001/mcp");
    assert_eq!(absolute.uri().path(), "/mcp");
    assert!(absolute.headers().get("authorization").is_none());
    let userinfo = testing::get("http://user:pw@api.example.com:8443/x", None);
    assert_eq!(userinfo.headers()["host"], "api.example.com:8443");
}

#[test]
fn the_kit_s_requests_take_a_method_or_its_name() {
    use axum::http::Method;
    assert_eq!(
        testing::request("POST", "/items", None).method(),
        Method::POST
    );
    assert_eq!(
        testing::request(Method::PUT, "/items", None).method(),
        Method::PUT
    );
    let body = serde_json::json!({ "name": "Foo" });
    let created = testing::json_request("PATCH", "/items/1", Some("t"), &body);
    assert_eq!(created.method(), Method::PATCH);
    assert_eq!(created.headers()["content-type"], "application/json");
    // An extension method is a name of its own.
    assert_eq!(
        testing::request("PURGE", "/cache", None).method().as_str(),
        "PURGE"
    );
    // `post` would be a method no route serves: said at once.
    let lowercase = std::panic::catch_unwind(|| testing::request("post", "/items", None));
    let message = *lowercase.unwrap_err().downcast::<String>().unwrap();
    assert_eq!(
        message,
        r#"HTTP methods are case-sensitive: write "POST", not "post""#
    );
    assert!(std::panic::catch_unwind(|| testing::request("GE T", "/", None)).is_err());
}

/// `POST` `form` to the served issuer's token endpoint, with `basic` credentials when
/// given: the status, the JSON answer.
async fn token_request(
    issuer: &TestIssuer,
    form: &str,
    basic: Option<&str>,
    dpop: Option<&str>,
) -> (u16, serde_json::Value) {
    let mut request = reqwest::Client::new()
        .post(issuer.token_endpoint())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form.to_owned());
    if let Some(id) = basic {
        request = request.basic_auth(id, Some("whatever secret"));
    }
    if let Some(proof) = dpop {
        request = request.header("dpop", proof);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

/// `url`'s JSON and status.
async fn fetched(url: &str) -> (u16, serde_json::Value) {
    let response = reqwest::get(url).await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

/// The served metadata is what OpenID Connect Discovery and RFC 8414 require, at both
/// well-known places (RFC 8414's before the issuer's path), so that clients that check
/// it (the MCP SDKs) find the token endpoint; the authorization endpoint refuses.
#[tokio::test]
async fn a_served_issuer_s_metadata_is_complete_at_both_well_known_places() {
    for path in ["/", "/realms/shop"] {
        let issuer = TestIssuer::es256().serve_at(path).await;
        let url = issuer.issuer();
        let base = url.strip_suffix(path.trim_end_matches('/')).unwrap();
        let realm = path.trim_end_matches('/');
        let (status, oidc) = fetched(&format!("{url}/.well-known/openid-configuration")).await;
        assert_eq!(status, 200);
        let (status, rfc8414) = fetched(&format!(
            "{base}/.well-known/oauth-authorization-server{realm}"
        ))
        .await;
        assert_eq!(status, 200);
        assert_eq!(oidc, rfc8414);
        assert_eq!(oidc["issuer"], url);
        assert_eq!(oidc["token_endpoint"], issuer.token_endpoint());
        for required in [
            "authorization_endpoint",
            "jwks_uri",
            "response_types_supported",
            "subject_types_supported",
            "id_token_signing_alg_values_supported",
        ] {
            assert!(!oidc[required].is_null(), "{path}: {required}");
        }
        let authorize = oidc["authorization_endpoint"].as_str().unwrap();
        let (status, refused) = fetched(&format!("{authorize}?response_type=code")).await;
        assert_eq!(status, 400);
        assert_eq!(
            refused,
            serde_json::json!({
                "error": "unsupported_response_type",
                "error_description": "the test issuer grants client_credentials only",
            })
        );
        assert_eq!(oidc["response_types_supported"], serde_json::json!([]));
        assert_eq!(
            oidc["subject_types_supported"],
            serde_json::json!(["public"])
        );
        assert_eq!(oidc["jwks_uri"], format!("{url}/jwks.json"));
    }
}

#[tokio::test]
async fn a_served_issuer_grants_client_credentials_to_a_client_under_test() {
    let issuer = TestIssuer::es256().serve().await;
    let verifier = issuer.verifier();
    let app = app(verifier.clone());

    // Its discovery document names the endpoint.
    let discovery: serde_json::Value = reqwest::get(format!(
        "{}/.well-known/openid-configuration",
        issuer.issuer()
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(discovery["token_endpoint"], issuer.token_endpoint());
    assert_eq!(
        discovery["grant_types_supported"],
        serde_json::json!(["client_credentials"])
    );

    // A client authenticated with `client_secret_basic`: the token is its own.
    let (status, answer) = token_request(
        &issuer,
        "grant_type=client_credentials&scope=items",
        Some("reporting-job"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        (
            &answer["token_type"],
            &answer["scope"],
            &answer["expires_in"]
        ),
        (
            &serde_json::json!("Bearer"),
            &serde_json::json!("items"),
            &serde_json::json!(3600)
        )
    );
    let token = answer["access_token"].as_str().unwrap();
    let claims: serde_json::Value = verifier.verify(token).await.unwrap().claims().unwrap();
    assert_eq!(
        (&claims["sub"], &claims["client_id"], &claims["aud"]),
        (
            &serde_json::json!("reporting-job"),
            &serde_json::json!("reporting-job"),
            &serde_json::json!(issuer.audience())
        )
    );
    testing::send(&app, testing::get("/items", Some(token)))
        .await
        .assert_admitted();
    // The scopes are granted as asked: the API decides what is enough.
    let (_, reader) = token_request(
        &issuer,
        "grant_type=client_credentials&client_id=reader&scope=me",
        None,
        None,
    )
    .await;
    let reader = reader["access_token"].as_str().unwrap();
    testing::send(&app, testing::get("/items", Some(reader)))
        .await
        .assert_insufficient_scope("items");

    // RFC 8707: the resources asked for are the audience.
    let (_, other) = token_request(
        &issuer,
        "grant_type=client_credentials&scope=items&resource=https%3A%2F%2Fother.example",
        None,
        None,
    )
    .await;
    let other = other["access_token"].as_str().unwrap();
    testing::send(&app, testing::get("/items", Some(other)))
        .await
        .assert_invalid_token();

    // What it refuses, as RFC 6749 §5.2 (and RFC 9449 §5) say.
    let client = scopes_core::testing::DpopKey::es256();
    let elsewhere = client.proof("POST", "http://127.0.0.1:1/token").sign();
    let cases: [(&str, Option<&str>, Option<&str>, &str); 7] = [
        ("scope=items", None, None, "invalid_request"),
        (
            "grant_type=password&username=a&password=b",
            None,
            None,
            "unsupported_grant_type",
        ),
        (
            "grant_type=client_credentials&scope=a\"b",
            None,
            None,
            "invalid_scope",
        ),
        (
            "grant_type=client_credentials&scope=a&scope=b",
            None,
            None,
            "invalid_request",
        ),
        (
            "grant_type=client_credentials&client_id=b",
            Some("a"),
            None,
            "invalid_request",
        ),
        (
            "grant_type=client_credentials",
            None,
            Some("a.proof.here"),
            "invalid_dpop_proof",
        ),
        (
            "grant_type=client_credentials",
            None,
            Some(&elsewhere),
            "invalid_dpop_proof",
        ),
    ];
    for (form, basic, dpop, error) in cases {
        let (got, answer) = token_request(&issuer, form, basic, dpop).await;
        assert_eq!(
            (got, answer["error"].as_str()),
            (400, Some(error)),
            "{form}: {answer}"
        );
    }

    // With a DPoP proof of its own: a token bound to the client's key.
    let proof = client.proof("POST", &issuer.token_endpoint()).sign();
    let (status, answer) = token_request(
        &issuer,
        "grant_type=client_credentials&scope=items",
        None,
        Some(&proof),
    )
    .await;
    assert_eq!(
        (status, &answer["token_type"]),
        (200, &serde_json::json!("DPoP")),
        "{answer}"
    );
    let bound = answer["access_token"].as_str().unwrap();
    use base64::Engine as _;
    let payload = bound.split('.').nth(1).unwrap();
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    let claims: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(claims["cnf"]["jkt"], client.thumbprint());
    // It is signed by the issuer, and bound: a verifier without DPoP refuses it, and
    // so does an API, as a bearer token.
    assert!(verifier.verify(bound).await.is_err());
    // With a proof of the client's key, an API that takes DPoP admits it.
    let dpop_app = self::app(
        issuer
            .verifier_builder()
            .dpop(scopes_core::Dpop::required().public_url("http://localhost"))
            .build()
            .unwrap(),
    );
    let proof = client
        .proof("GET", "http://localhost/items")
        .token(bound)
        .sign();
    let request = Request::get("/items")
        .header("host", "localhost")
        .dpop(bound, &proof)
        .body(Body::empty())
        .unwrap();
    testing::send(&dpop_app, request).await.assert_admitted();
    testing::send(&app, testing::get("/items", Some(bound)))
        .await
        .assert_invalid_token();

    // Rotated, it signs with the new key; down, it answers 503.
    let rotated = issuer.rotate();
    let (_, answer) = token_request(
        &issuer,
        "grant_type=client_credentials&scope=items",
        None,
        None,
    )
    .await;
    let header = jsonwebtoken::decode_header(answer["access_token"].as_str().unwrap()).unwrap();
    assert_eq!(header.kid, rotated.key().kid().map(str::to_owned));
    issuer.set_available(false);
    let (status, _) = token_request(&issuer, "grant_type=client_credentials", None, None).await;
    assert_eq!(status, 503);
}

/// Scopes where identity providers put them: an app configured with a `providers`
/// preset reads its scopes there, and the kit mints them there, still checked at
/// compile time by `scope_set!`.
mod where_providers_put_scopes {
    use axum::Router;
    use axum::routing::get;
    use scopes_core::testing::{self, AuthAssertions, TestIssuer, TestScopeClaim};
    use scopes_core::{TrustedIssuer, Verifier, providers, requires_scopes, scope_set, scopes};
    use serde_json::json;

    scopes! {
        pub Scopes {
            "Items.Read": "Read items.",
            "Items.Write": "Change items.",
        }
    }

    #[requires_scopes("Items.Read")]
    async fn read_items() -> &'static str {
        "[]"
    }

    /// The API's client id, its audience at Entra ID.
    const APP: &str = "3f2a8c4e-0b7d-4e59-9a1c-6d5e8f7b2a10";
    const TB: &str = "0b5c1e7a-3d2f-4a8b-9c6e-1f4d7a2b8e90";

    /// The app, configured as in production: its issuer trusted with the provider's
    /// scope claims.
    fn app(trusted: TrustedIssuer) -> Router {
        let verifier = Verifier::builder().trust(trusted).build().unwrap();
        Router::new()
            .route("/items", get(read_items))
            .with_state(verifier)
    }

    /// `token` admitted (200, the handler's body).
    async fn admitted(app: &Router, token: &str) {
        let response = testing::send(app, testing::get("/items", Some(token))).await;
        response.assert_admitted();
        assert_eq!(response.text(), "[]");
    }

    /// `token` refused for lacking `Items.Read` (403 `insufficient_scope`).
    async fn refused(app: &Router, token: &str) {
        let challenge = testing::send(app, testing::get("/items", Some(token)))
            .await
            .assert_insufficient_scope("Items.Read");
        assert_eq!(challenge.param("scope"), Some("Items.Read"));
    }

    #[tokio::test]
    async fn entra_id_delegated_scopes_in_scp_a_string() {
        let entra = TestIssuer::rs256()
            .with_issuer("https://login.microsoftonline.com/{tenantid}/v2.0")
            .with_audience(APP);
        let app = app(entra.trusted().scope_claims(providers::entra_id()));
        // The defect: a token with its scopes in `scope` grants nothing there.
        refused(
            &app,
            &entra.token(scope_set!("Items.Read")).tenant(TB).mint(),
        )
        .await;

        let entra = entra.with_scope_claim(TestScopeClaim::entra_id());
        let token = entra
            .token(scope_set!("Items.Read", "Items.Write"))
            .tenant(TB);
        let claims = token.claims();
        assert_eq!(claims["scp"], "Items.Read Items.Write");
        assert!(!claims.contains_key("scope"), "{claims:?}");
        admitted(&app, &token.mint()).await;
        refused(
            &app,
            &entra.token(scope_set!("Items.Write")).tenant(TB).mint(),
        )
        .await;
        // An application's token: its permissions in `roles`, an array.
        let daemon = entra
            .token(scope_set!("Items.Read"))
            .tenant(TB)
            .scope_claim(TestScopeClaim::entra_id_roles());
        assert_eq!(daemon.claims()["roles"], json!(["Items.Read"]));
        assert!(!daemon.claims().contains_key("scp"));
        admitted(&app, &daemon.mint()).await;
        // The issuer's own verifier reads `scp`, where it writes them.
        let own = Router::new()
            .route("/items", get(read_items))
            .with_state(entra.verifier());
        admitted(&own, &entra.token(scope_set!("Items.Read")).mint()).await;
        refused(&own, &entra.token(scope_set!("Items.Write")).mint()).await;
    }

    #[tokio::test]
    async fn okta_scp_and_auth0_permissions_arrays() {
        for (scope_claim, preset, claim) in [
            (TestScopeClaim::okta(), providers::okta(), "scp"),
            (TestScopeClaim::auth0(), providers::auth0(), "permissions"),
        ] {
            let issuer = TestIssuer::es256()
                .with_issuer("https://tenant.example.com/")
                .with_audience("https://api.example.com")
                .with_scope_claim(scope_claim);
            let app = app(issuer.trusted().scope_claims(preset));
            let token = issuer.token(scope_set!("Items.Write", "Items.Read"));
            // In the table's order.
            assert_eq!(token.claims()[claim], json!(["Items.Read", "Items.Write"]));
            admitted(&app, &token.mint()).await;
            refused(&app, &issuer.token(scope_set!("Items.Write")).mint()).await;
            refused(&app, &issuer.token(scope_set!()).mint()).await;
        }
    }

    #[tokio::test]
    async fn keycloak_realm_and_client_roles_nested() {
        let keycloak = TestIssuer::rs256()
            .with_issuer("https://kc.example.com/realms/shop")
            .with_audience("shop-api")
            .with_claim("typ", "Bearer")
            .with_claim(
                "resource_access",
                json!({ "account": { "roles": ["view-profile"] } }),
            )
            .with_scope_claim(TestScopeClaim::keycloak_realm_roles());
        let app = app(keycloak
            .trusted()
            .scope_claims(providers::keycloak("shop-api"))
            .require_claim("typ", "Bearer"));
        let token = keycloak.token(scope_set!("Items.Read"));
        assert_eq!(
            token.claims()["realm_access"],
            json!({ "roles": ["Items.Read"] })
        );
        admitted(&app, &token.mint()).await;
        refused(&app, &keycloak.token(scope_set!("Items.Write")).mint()).await;

        // The API client's roles, beside another client's the issuer writes.
        let client = keycloak
            .token(scope_set!("Items.Read"))
            .scope_claim(TestScopeClaim::keycloak_client_roles("shop-api"));
        assert_eq!(
            client.claims()["resource_access"],
            json!({
                "account": { "roles": ["view-profile"] },
                "shop-api": { "roles": ["Items.Read"] },
            })
        );
        assert!(!client.claims().contains_key("realm_access"));
        admitted(&app, &client.mint()).await;
        // Another client's roles are not the API's.
        let other = keycloak
            .token(scope_set!("Items.Read"))
            .scope_claim(TestScopeClaim::keycloak_client_roles("billing"));
        refused(&app, &other.mint()).await;

        // A claim the test writes itself stays as written.
        let written = keycloak
            .token(scope_set!("Items.Read"))
            .claim("realm_access", json!({ "roles": ["Items.Write"] }));
        assert_eq!(
            written.claims()["realm_access"]["roles"],
            json!(["Items.Write"])
        );
        refused(&app, &written.mint()).await;
    }

    /// Each preset's issuer is admitted by its own verifier, which reads where it writes,
    /// whatever the key and whether it is served.
    #[tokio::test]
    async fn every_preset_s_issuer_trusts_its_own_tokens() {
        let presets = [
            TestScopeClaim::scope(),
            TestScopeClaim::entra_id(),
            TestScopeClaim::entra_id_roles(),
            TestScopeClaim::okta(),
            TestScopeClaim::auth0(),
            TestScopeClaim::keycloak_realm_roles(),
            TestScopeClaim::keycloak_client_roles("shop/api~1"),
            TestScopeClaim::fastapi(),
            TestScopeClaim::string("https://example.com/scopes"),
            TestScopeClaim::array("/ext/permissions"),
        ];
        for scope_claim in presets {
            let issuer = TestIssuer::hs256().with_scope_claim(scope_claim.clone());
            let served = TestIssuer::es256()
                .with_scope_claim(scope_claim.clone())
                .serve()
                .await;
            for issuer in [issuer, served] {
                let app = Router::new()
                    .route("/items", get(read_items))
                    .with_state(issuer.verifier());
                admitted(&app, &issuer.mint("alice", scope_set!("Items.Read"))).await;
                refused(&app, &issuer.mint("bob", scope_set!("Items.Write"))).await;
            }
        }
        // A name with `/` or `~` is escaped in the pointer, and not in the claim.
        let token = TestIssuer::hs256()
            .token(scope_set!("Items.Read"))
            .scope_claim(TestScopeClaim::keycloak_client_roles("shop/api~1"));
        assert_eq!(
            token.claims()["resource_access"],
            json!({ "shop/api~1": { "roles": ["Items.Read"] } })
        );
    }

    #[test]
    #[should_panic(
        expected = "a test token cannot carry its scopes in `sub`: `sub` is a registered claim the verifier reads itself; it cannot hold scopes"
    )]
    fn a_claim_the_verifier_cannot_read_scopes_from_is_refused_at_once() {
        let _ = TestScopeClaim::array("sub");
    }
}
