//! Several issuers at once, each with its own keys, audience and claim shape, chosen by
//! the token's `iss`; and the RFC 9068 profile.

use std::time::Duration;

use scopes_core::{ConfigError, FetchOptions, Key, ScopeSet, TokenError, Verifier, scopes};
use scopes_tests::jwks_server::{JwksServer, TestKey};
use scopes_tests::{SECRET, now};
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

fn granted(verifier: &Verifier, token: &str) -> Result<Vec<&'static str>, TokenError> {
    let (_, granted): (_, ScopeSet<Scopes>) = verifier.verify_and_grant(token)?;
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
        .tenant(
            Verifier::builder()
                .oidc_issuer(keycloak.issuer())
                .audience("account")
                .fetch_options(options())
                .build()
                .unwrap(),
        )
        // Auth0 with RBAC: a JWKS URL, scopes in `permissions`, audience the API's.
        .tenant(
            Verifier::builder()
                .jwks_url(auth0.jwks_url())
                .issuer("https://tenant.auth0.example/")
                .audience("https://api.example.com")
                .scope_claims(["permissions"])
                .fetch_options(options())
                .build()
                .unwrap(),
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
    assert_eq!(granted(&verifier, &keycloak_token), Ok(vec!["me", "items"]));
    // Auth0's tenant reads `permissions` only.
    assert_eq!(granted(&verifier, &auth0_token), Ok(vec!["items"]));

    // Each tenant's keys serve only its issuer: a Keycloak-signed token claiming to be
    // Auth0's is checked with Auth0's keys and refused.
    let impostor = keycloak_key.sign(&json!({
        "iss": "https://tenant.auth0.example/", "aud": "https://api.example.com", "sub": "u1",
        "exp": exp, "permissions": ["items"],
    }));
    assert_eq!(granted(&verifier, &impostor), Err(TokenError::UnknownKey));
    // Each tenant's audience.
    let wrong_audience = keycloak_key.sign(&json!({
        "iss": keycloak.issuer(), "aud": "https://api.example.com", "sub": "u1", "exp": exp,
    }));
    assert_eq!(
        granted(&verifier, &wrong_audience),
        Err(TokenError::WrongAudience)
    );
    // Issuers no tenant accepts, or none at all.
    let stranger =
        keycloak_key.sign(&json!({"iss": "https://other.example", "sub": "u1", "exp": exp}));
    assert_eq!(granted(&verifier, &stranger), Err(TokenError::WrongIssuer));
    let anonymous = keycloak_key.sign(&json!({"sub": "u1", "exp": exp}));
    assert_eq!(
        granted(&verifier, &anonymous),
        Err(TokenError::MissingClaim("iss"))
    );
}

#[test]
fn tenant_configurations_that_cannot_route_are_refused() {
    let tenant = |issuer: Option<&str>| {
        let builder = Verifier::builder().key(Key::hs256(SECRET).unwrap());
        match issuer {
            Some(issuer) => builder.issuer(issuer),
            None => builder,
        }
        .build()
        .unwrap()
    };
    let no_issuer = Verifier::builder()
        .tenant(tenant(None))
        .build()
        .unwrap_err();
    assert_eq!(no_issuer, ConfigError::TenantWithoutIssuer);
    let twice = Verifier::builder()
        .tenant(tenant(Some("https://a.example")))
        .tenant(tenant(Some("https://a.example")))
        .build()
        .unwrap_err();
    assert_eq!(
        twice,
        ConfigError::DuplicateTenantIssuer("https://a.example".into())
    );
    let mixed = Verifier::builder()
        .tenant(tenant(Some("https://a.example")))
        .key(Key::hs256(SECRET).unwrap())
        .build()
        .unwrap_err();
    assert_eq!(mixed, ConfigError::TenantsAndKeys);
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
            strict.verify(&at_jwt(&rfc9068_claims(), Some(typ))).is_ok(),
            "{typ}"
        );
    }
    for typ in [None, Some("JWT"), Some("jwt+at")] {
        let token = at_jwt(&rfc9068_claims(), typ);
        assert_eq!(
            strict.verify(&token).unwrap_err(),
            TokenError::NotAnAccessToken,
            "{typ:?}"
        );
    }
    for claim in ["iss", "exp", "aud", "sub", "client_id", "iat", "jti"] {
        let mut claims = rfc9068_claims();
        claims.as_object_mut().unwrap().remove(claim);
        let error = strict.verify(&at_jwt(&claims, Some("at+jwt"))).unwrap_err();
        assert_eq!(error, TokenError::MissingClaim(claim), "{claim}");
    }
    let mut other_resource = rfc9068_claims();
    other_resource["aud"] = json!("https://other-api.example.com");
    let error = strict
        .verify(&at_jwt(&other_resource, Some("at+jwt")))
        .unwrap_err();
    assert_eq!(error, TokenError::WrongAudience);

    // The default profile keeps accepting FastAPI's tokens (no typ, sub + exp + scopes).
    let default = Verifier::new(Key::hs256(SECRET).unwrap()).unwrap();
    assert!(default.verify(&scopes_tests::hs256(&["me"])).is_ok());
    assert_eq!(
        strict.verify(&scopes_tests::hs256(&["me"])).unwrap_err(),
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
