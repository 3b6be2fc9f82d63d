//! Interop with a real OpenID provider nobody here wrote: panva's `oidc-provider`,
//! started on loopback by `tests/oidc/run` (which `tests/run-all` calls). Its JWT access
//! tokens (client credentials with a resource indicator, RFC 9068) are verified through
//! OpenID Connect discovery, in the strict RFC 9068 profile.

use std::env;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use jsonwebtoken::Algorithm;
use scopes_core::{Introspection, TokenError, TrustedIssuer, Verifier, requires_scopes, scopes};
use scopes_tests::{Reply, get as get_with, send};
use serde_json::Value;

scopes! {
    /// The scopes the provider's resource server grants.
    pub Scopes {
        "me": "Read information about the current user.",
        "items": "Read items.",
        "admin": "Administer." implies ["me", "items"],
    }
}

#[requires_scopes("items")]
async fn read_items() -> &'static str {
    "items"
}

struct Provider {
    issuer: String,
    client_id: String,
    client_secret: String,
    resource: String,
}

fn provider() -> Provider {
    let var = |name: &str| {
        env::var(name)
            .unwrap_or_else(|_| panic!("{name} is unset: run this test with tests/oidc/run"))
    };
    Provider {
        issuer: var("SCOPES_OIDC_ISSUER"),
        client_id: var("SCOPES_OIDC_CLIENT_ID"),
        client_secret: var("SCOPES_OIDC_CLIENT_SECRET"),
        resource: var("SCOPES_OIDC_RESOURCE"),
    }
}

impl Provider {
    /// The discovery document.
    async fn discovery(&self) -> Value {
        reqwest::get(format!("{}/.well-known/openid-configuration", self.issuer))
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// A client-credentials access token for `resource` with `scope`, from the token
    /// endpoint its discovery document names.
    async fn token(&self, resource: &str, scope: &str) -> String {
        let client = reqwest::Client::new();
        let discovery: Value = client
            .get(format!("{}/.well-known/openid-configuration", self.issuer))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let endpoint = discovery["token_endpoint"].as_str().unwrap();
        let form = format!(
            "grant_type=client_credentials&scope={}&resource={}",
            scope.replace(' ', "%20"),
            resource.replace(':', "%3A")
        );
        let response: Value = client
            .post(endpoint)
            .basic_auth(&self.client_id, Some(&self.client_secret))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        response["access_token"]
            .as_str()
            .unwrap_or_else(|| panic!("no access token: {response}"))
            .to_owned()
    }

    fn verifier(&self, resource: &str) -> Verifier {
        Verifier::builder()
            .oidc_issuer(&self.issuer)
            .rfc9068(resource)
            .build()
            .unwrap()
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs oidc-provider on loopback: run tests/oidc/run"]
async fn oidc_provider_access_tokens_pass_through_discovery() {
    let provider = provider();
    let verifier = provider.verifier(&provider.resource);
    verifier.refresh_keys().await.unwrap();
    let app = Router::new()
        .route("/items/", get(read_items))
        .with_state(verifier.clone());

    let full = provider.token(&provider.resource, "me items").await;
    assert_eq!(
        send(&app, get_with("/items/", &full)).await,
        Reply::new(200, None, "items")
    );
    let claims: Value = verifier.verify(&full).await.unwrap().claims().unwrap();
    assert_eq!(claims["iss"], provider.issuer.as_str());
    assert_eq!(claims["client_id"], provider.client_id.as_str());

    // `me` only: a valid token without `items` is 403 with the RFC 6750 challenge.
    let narrow = provider.token(&provider.resource, "me").await;
    let refused = send(&app, get_with("/items/", &narrow)).await;
    assert_eq!(refused.status, 403u16);
    assert_eq!(
        refused.challenge.as_deref(),
        Some(r#"Bearer error="insufficient_scope", scope="items""#)
    );

    // One character off in the signature.
    let mut tampered = full.clone().into_bytes();
    let at = tampered.len() - 3;
    tampered[at] = if tampered[at] == b'x' { b'y' } else { b'x' };
    let tampered = String::from_utf8(tampered).unwrap();
    assert_eq!(
        send(&app, get_with("/items/", &tampered)).await.status,
        401u16
    );
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs oidc-provider on loopback: run tests/oidc/run"]
async fn tokens_for_another_resource_are_refused_and_rs256_verifies_too() {
    let provider = provider();
    // The provider signs tokens for `urn:scopes:api-rs` with RS256.
    let rs_token = provider.token("urn:scopes:api-rs", "items").await;
    let ours = provider.verifier(&provider.resource);
    assert_eq!(
        ours.verify(&rs_token).await.unwrap_err(),
        TokenError::WrongAudience
    );
    let theirs = provider.verifier("urn:scopes:api-rs");
    let granted = theirs.verify(&rs_token).await.unwrap().granted::<Scopes>();
    assert_eq!(
        granted.iter().map(|scope| scope.name).collect::<Vec<_>>(),
        ["items"]
    );
}

/// Opaque access tokens (`resource=urn:scopes:api-opaque`) checked at the provider's
/// introspection endpoint (RFC 7662), beside its JWTs verified locally by one verifier;
/// a revoked token is refused once the cached answer expires.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs oidc-provider on loopback: run tests/oidc/run"]
async fn opaque_tokens_are_introspected_beside_jwts() {
    let provider = provider();
    let discovery = provider.discovery().await;
    // The introspection endpoint, as the keys, from discovery.
    let verifier = Verifier::builder()
        .trust(
            TrustedIssuer::oidc(&provider.issuer)
                .audience(&provider.resource)
                .audience("urn:scopes:api-opaque")
                .introspection(
                    Introspection::discovered(&provider.client_id, &provider.client_secret)
                        .cache_ceiling(std::time::Duration::from_millis(200)),
                ),
        )
        .build()
        .unwrap();
    verifier.refresh_keys().await.unwrap();
    let app = Router::new()
        .route("/items/", get(read_items))
        .with_state(verifier.clone());

    let opaque = provider.token("urn:scopes:api-opaque", "me items").await;
    assert_eq!(opaque.matches('.').count(), 0, "an opaque token: {opaque}");
    assert_eq!(
        send(&app, get_with("/items/", &opaque)).await,
        Reply::new(200, None, "items")
    );
    let claims: Value = verifier.verify(&opaque).await.unwrap().claims().unwrap();
    assert_eq!(claims["client_id"], provider.client_id.as_str());
    assert_eq!(claims["aud"], "urn:scopes:api-opaque");

    let narrow = provider.token("urn:scopes:api-opaque", "me").await;
    let refused = send(&app, get_with("/items/", &narrow)).await;
    assert_eq!(refused.status, 403u16);

    // The provider's JWTs, through the same verifier, locally.
    let jwt = provider.token(&provider.resource, "items").await;
    assert_eq!(send(&app, get_with("/items/", &jwt)).await.status, 200u16);

    // Revoked (RFC 7009): inactive once the cached answer is past its ceiling.
    let revocation = discovery["revocation_endpoint"].as_str().unwrap();
    let status = reqwest::Client::new()
        .post(revocation)
        .basic_auth(&provider.client_id, Some(&provider.client_secret))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("token={opaque}"))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 200);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        verifier.verify(&opaque).await.unwrap_err(),
        TokenError::Inactive
    );
    assert_eq!(
        send(&app, get_with("/items/", &opaque)).await.status,
        401u16
    );
}

/// DPoP (RFC 9449) with the provider's DPoP-bound tokens (a JWT and an opaque one,
/// introspected) and proofs made by `jose` (tests/oidc/dpop.mjs, a client nobody here
/// wrote the JOSE of), against an API that requires DPoP and server nonces.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs oidc-provider on loopback: run tests/oidc/run"]
async fn dpop_bound_tokens_with_proofs_made_by_jose() {
    let provider = provider();
    let verifier = Verifier::builder()
        .trust(
            TrustedIssuer::oidc(&provider.issuer)
                .audience(&provider.resource)
                .audience("urn:scopes:api-opaque")
                .introspection(Introspection::discovered(
                    &provider.client_id,
                    &provider.client_secret,
                )),
        )
        .dpop(
            scopes_core::Dpop::required()
                .url_from_request()
                .nonces([42u8; 32]),
        )
        .build()
        .unwrap();
    assert_node_client_passes("dpop.mjs", &provider, verifier).await;
}

/// The same provider's tokens (Bearer, and DPoP-bound) got and used by a real OAuth client
/// library, panva's `oauth4webapi` (tests/oidc/client.mjs): discovery, client credentials,
/// the DPoP nonce retry as it documents it, and our 401 and 403 challenges as it parses them.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs oidc-provider on loopback: run tests/oidc/run"]
async fn oauth4webapi_gets_tokens_and_parses_our_challenges() {
    let provider = provider();
    let verifier = Verifier::builder()
        .oidc_issuer(&provider.issuer)
        .rfc9068(&provider.resource)
        .dpop(
            scopes_core::Dpop::allowed()
                .algorithms([Algorithm::ES256, Algorithm::EdDSA])
                .url_from_request()
                .nonces([7u8; 32]),
        )
        .build()
        .unwrap();
    assert_node_client_passes("client.mjs", &provider, verifier).await;
}

/// Serves `/items/` (scope `items`) with `verifier` on a loopback port, runs
/// `node tests/oidc/<script> ISSUER API_URL` against it (killed after 20 s) and asserts
/// that it printed `OK <n> checks`.
async fn assert_node_client_passes(script: &str, provider: &Provider, verifier: Verifier) {
    verifier.refresh_keys().await.unwrap();
    let app = Router::new()
        .route("/items/", get(read_items))
        .with_state(verifier);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let api = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let path = format!("{}/oidc/{script}", env!("CARGO_MANIFEST_DIR"));
    let run = tokio::process::Command::new("node")
        .args([&path, &provider.issuer, &api])
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(20), run)
        .await
        .unwrap_or_else(|_| panic!("tests/oidc/{script} still running after 20 s"))
        .expect("node runs");
    let log = String::from_utf8_lossy(&output.stderr);
    eprintln!("{log}");
    assert!(
        output.status.success(),
        "tests/oidc/{script} failed:\n{log}"
    );
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("OK "));
}
