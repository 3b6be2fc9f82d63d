//! Several issuers at once, each with its own keys, audience and claim shape, chosen by
//! the token's `iss`; and the RFC 9068 profile.

use std::time::Duration;

use scopes_core::{
    ConfigError, FetchOptions, Key, ScopeSet, TokenError, TrustedIssuer, Verifier, VerifierBuilder,
    scopes,
};
use scopes_tests::jwks_server::{JwksServer, TestKey};
use scopes_tests::{SECRET, block_on, now};
use serde_json::{Value, json};

scopes! {
    /// Scopes two identity providers grant.
    pub Scopes {
        "me": "Read information about the current user.",
        "items": "Read items.",
    }
}

fn options() -> FetchOptions {
    FetchOptions::new().timeout(Duration::from_millis(500))
}

async fn granted(verifier: &Verifier, token: &str) -> Result<Vec<&'static str>, TokenError> {
    let granted: ScopeSet<Scopes> = verifier.verify(token).await?.granted();
    Ok(granted.iter().map(|scope| scope.name).collect())
}

#[tokio::test(flavor = "multi_thread")]
async fn tokens_go_to_the_tenant_of_their_issuer() {
    let (keycloak, auth0) = (JwksServer::start().await, JwksServer::start().await);
    let (keycloak_key, auth0_key) = (TestKey::rsa("kc-1"), TestKey::ec("a0-1"));
    keycloak.set_keys(vec![keycloak_key.jwk()]);
    auth0.set_keys(vec![auth0_key.jwk()]);
    let verifier = Verifier::builder()
        // Keycloak: discovery, `scope` string, audience `account`.
        .trust(
            TrustedIssuer::oidc(keycloak.issuer())
                .audience("account")
                .fetch_options(options()),
        )
        // Auth0 with RBAC: a JWKS URL, scopes in `permissions`, audience the API's.
        .trust(
            TrustedIssuer::new("https://tenant.auth0.example/")
                .jwks_url(auth0.jwks_url())
                .audience("https://api.example.com")
                .scope_claims(["permissions"])
                .fetch_options(options()),
        )
        .build()
        .unwrap();
    verifier.refresh_keys().await.unwrap();

    let exp = now() + 600;
    let keycloak_token = keycloak_key.sign(&json!({
        "iss": keycloak.issuer(), "aud": "account", "sub": "u1", "exp": exp, "scope": "me items",
    }));
    let auth0_token = auth0_key.sign(&json!({
        "iss": "https://tenant.auth0.example/", "aud": ["https://api.example.com"], "sub": "u2",
        "exp": exp, "permissions": ["items"], "scope": "me",
    }));
    assert_eq!(
        granted(&verifier, &keycloak_token).await,
        Ok(vec!["me", "items"])
    );
    // Auth0's tenant reads `permissions` only.
    assert_eq!(granted(&verifier, &auth0_token).await, Ok(vec!["items"]));

    // Each tenant's keys serve only its issuer: a Keycloak-signed token claiming to be
    // Auth0's is checked with Auth0's keys and refused.
    let impostor = keycloak_key.sign(&json!({
        "iss": "https://tenant.auth0.example/", "aud": "https://api.example.com", "sub": "u1",
        "exp": exp, "permissions": ["items"],
    }));
    assert_eq!(
        granted(&verifier, &impostor).await,
        Err(TokenError::UnknownKey)
    );
    // Each tenant's audience.
    let wrong_audience = keycloak_key.sign(&json!({
        "iss": keycloak.issuer(), "aud": "https://api.example.com", "sub": "u1", "exp": exp,
    }));
    assert_eq!(
        granted(&verifier, &wrong_audience).await,
        Err(TokenError::WrongAudience)
    );
    // Issuers no tenant accepts, or none at all.
    let stranger =
        keycloak_key.sign(&json!({"iss": "https://other.example", "sub": "u1", "exp": exp}));
    assert_eq!(
        granted(&verifier, &stranger).await,
        Err(TokenError::WrongIssuer)
    );
    let anonymous = keycloak_key.sign(&json!({"sub": "u1", "exp": exp}));
    assert_eq!(
        granted(&verifier, &anonymous).await,
        Err(TokenError::MissingClaim("iss"))
    );
}

#[test]
fn issuer_configurations_that_cannot_route_are_refused() {
    let trusted = |issuer: &str| TrustedIssuer::new(issuer).key(Key::hs256(SECRET).unwrap());
    let twice = Verifier::builder()
        .trust(trusted("https://a.example"))
        .trust(trusted("https://a.example"))
        .build()
        .unwrap_err();
    assert_eq!(
        twice,
        ConfigError::DuplicateIssuer("https://a.example".into())
    );
    // Settings of one issuer left on a verifier that trusts several are never dropped
    // silently.
    let cases: [(VerifierBuilder, &str); 5] = [
        (Verifier::builder().key(Key::hs256(SECRET).unwrap()), "key"),
        (Verifier::builder().issuer("https://b.example"), "issuer"),
        (Verifier::builder().audience("api"), "audience"),
        (
            Verifier::builder().scope_claims(["permissions"]),
            "scope_claims",
        ),
        (
            Verifier::builder().jwks_url("https://b.example/jwks"),
            "jwks_url/oidc_issuer",
        ),
    ];
    for (builder, setting) in cases {
        let error = builder
            .trust(trusted("https://a.example"))
            .build()
            .unwrap_err();
        assert_eq!(error, ConfigError::IssuerSettingOnVerifier(setting));
        assert!(error.to_string().contains("TrustedIssuer"), "{error}");
    }
    // Two key set locations for one issuer, fetch options without a key set, and a
    // registered claim as a scope claim: each a ConfigError, never a silent choice.
    let located_twice = Verifier::builder()
        .oidc_issuer("https://a.example")
        .oidc_issuer("https://b.example")
        .build()
        .unwrap_err();
    assert_eq!(located_twice, ConfigError::KeySetTwice);
    let oidc_and_jwks = Verifier::builder()
        .trust(TrustedIssuer::oidc("https://a.example").jwks_url("https://a.example/jwks"))
        .build()
        .unwrap_err();
    assert_eq!(oidc_and_jwks, ConfigError::KeySetTwice);
    let fetch_without_set = Verifier::builder()
        .key(Key::hs256(SECRET).unwrap())
        .fetch_options(options())
        .build()
        .unwrap_err();
    assert_eq!(fetch_without_set, ConfigError::FetchOptionsWithoutKeySet);
    let registered = Verifier::builder()
        .key(Key::hs256(SECRET).unwrap())
        .scope_claims(["scope", "aud"])
        .build()
        .unwrap_err();
    assert_eq!(registered, ConfigError::RegisteredScopeClaim("aud".into()));
    // An issuer without keys is refused, like a verifier without keys.
    let keyless = Verifier::builder()
        .trust(TrustedIssuer::new("https://a.example"))
        .build()
        .unwrap_err();
    assert_eq!(keyless, ConfigError::NoKeys);
}

/// What a verifier sets once (leeway, cache, mode, realm, hook) holds for every issuer.
#[tokio::test]
async fn verifier_wide_settings_apply_to_every_issuer() {
    use axum::{Router, routing::get};
    use scopes_core::{CacheLimits, ResponseMode, requires_scopes};

    #[requires_scopes("items")]
    async fn items() -> &'static str {
        "items"
    }
    let verifier = Verifier::builder()
        .trust(TrustedIssuer::new("https://a.example").key(Key::hs256(SECRET).unwrap()))
        .trust(TrustedIssuer::new("https://b.example").key(Key::hs256([9; 32]).unwrap()))
        .realm("api")
        .response_mode(ResponseMode::FastApi)
        .cache(CacheLimits::default())
        .build()
        .unwrap();
    let app = Router::new()
        .route("/items/", get(items))
        .with_state(verifier.clone());
    let mut claims = scopes_tests::claims(&["me"]);
    claims["iss"] = json!("https://a.example");
    let token = scopes_tests::sign(scopes_core::Algorithm::HS256, &claims);
    let reply = scopes_tests::send(&app, scopes_tests::get("/items/", &token)).await;
    assert_eq!(
        reply.status, 401,
        "FastAPI's mode answers a missing scope with 401"
    );
    assert_eq!(
        reply.challenge.as_deref(),
        Some(r#"Bearer realm="api", scope="items""#)
    );
    assert_eq!(
        verifier.cached_tokens(),
        1,
        "the verifier's cache serves every issuer"
    );
}

fn at_jwt(claims: &Value, typ: Option<&str>) -> String {
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.typ = typ.map(str::to_owned);
    scopes_tests::sign_with_header(header, claims)
}

fn rfc9068_claims() -> Value {
    json!({
        "iss": "https://idp.example.com", "exp": now() + 600, "aud": ["https://api.example.com"],
        "sub": "u1", "client_id": "web", "iat": now(), "jti": "a1b2", "scope": "me",
    })
}

#[test]
fn the_rfc9068_profile_requires_typ_and_every_claim() {
    let strict = Verifier::builder()
        .key(Key::hs256(SECRET).unwrap())
        .issuer("https://idp.example.com")
        .rfc9068("https://api.example.com")
        .build()
        .unwrap();
    for typ in [
        "at+jwt",
        "application/at+jwt",
        "AT+JWT",
        "Application/At+Jwt",
    ] {
        assert!(
            block_on(strict.verify(&at_jwt(&rfc9068_claims(), Some(typ)))).is_ok(),
            "{typ}"
        );
    }
    for typ in [None, Some("JWT"), Some("jwt+at")] {
        let token = at_jwt(&rfc9068_claims(), typ);
        assert_eq!(
            block_on(strict.verify(&token)).unwrap_err(),
            TokenError::NotAnAccessToken,
            "{typ:?}"
        );
    }
    for claim in ["iss", "exp", "aud", "sub", "client_id", "iat", "jti"] {
        let mut claims = rfc9068_claims();
        claims.as_object_mut().unwrap().remove(claim);
        let error = block_on(strict.verify(&at_jwt(&claims, Some("at+jwt")))).unwrap_err();
        assert_eq!(error, TokenError::MissingClaim(claim), "{claim}");
    }
    // An empty string names no subject, client or token.
    for claim in ["sub", "client_id", "jti"] {
        let mut claims = rfc9068_claims();
        claims[claim] = json!("");
        let error = block_on(strict.verify(&at_jwt(&claims, Some("at+jwt")))).unwrap_err();
        assert_eq!(error, TokenError::MissingClaim(claim), "empty {claim}");
    }
    let mut other_resource = rfc9068_claims();
    other_resource["aud"] = json!("https://other-api.example.com");
    let error = block_on(strict.verify(&at_jwt(&other_resource, Some("at+jwt")))).unwrap_err();
    assert_eq!(error, TokenError::WrongAudience);

    // The default profile keeps accepting FastAPI's tokens (no typ, sub + exp + scopes).
    let default = Verifier::new(Key::hs256(SECRET).unwrap()).unwrap();
    assert!(block_on(default.verify(&scopes_tests::hs256(&["me"]))).is_ok());
    assert_eq!(
        block_on(strict.verify(&scopes_tests::hs256(&["me"]))).unwrap_err(),
        TokenError::NotAnAccessToken
    );
}

#[test]
fn the_rfc9068_profile_needs_an_issuer() {
    let error = Verifier::builder()
        .key(Key::hs256(SECRET).unwrap())
        .rfc9068("https://api.example.com")
        .build()
        .unwrap_err();
    assert_eq!(error, ConfigError::Rfc9068Incomplete);
    assert!(error.to_string().contains("issuer"));
}
