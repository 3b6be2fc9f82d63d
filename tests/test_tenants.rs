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
fn an_empty_issuer_audience_or_required_value_is_refused() {
    // As `env::var("ISSUER").unwrap_or_default()` gives them when the variable is unset.
    let key = || Key::hs256(SECRET).unwrap();
    let cases: [(Result<Verifier, ConfigError>, &str); 5] = [
        (
            Verifier::builder()
                .trust(TrustedIssuer::new("").key(key()).audience("api"))
                .build(),
            "issuer",
        ),
        (
            Verifier::builder()
                .trust(
                    TrustedIssuer::new("https://a.example")
                        .key(key())
                        .audience(""),
                )
                .build(),
            "audience",
        ),
        (Verifier::builder().key(key()).issuer("").build(), "issuer"),
        (Verifier::builder().key(key()).realm("").build(), "realm"),
        (
            Verifier::builder()
                .trust(
                    TrustedIssuer::new("https://a.example")
                        .key(key())
                        .audience("api")
                        .require_claim("azp", ""),
                )
                .build(),
            "require_claim",
        ),
    ];
    for (built, setting) in cases {
        let refused = built.unwrap_err();
        assert_eq!(refused, ConfigError::EmptySetting(setting));
        assert!(
            refused.to_string().contains("environment variable"),
            "{refused}"
        );
    }
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

/// Entra ID's multi-tenant issuer, as its `organizations` discovery document names it.
const ENTRA: &str = "https://login.microsoftonline.com/{tenantid}/v2.0";
const CONTOSO: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const FABRIKAM: &str = "0b5c1e7a-3d2f-4a8b-9c6e-1f4d7a2b8e90";
/// The API's client id, the audience of its tokens.
const API: &str = "3f2a8c4e-0b7d-4e59-9a1c-6d5e8f7b2a10";

/// An Entra ID v2 access token's claims for `tenant` (its `iss` and `tid`).
fn entra_claims(tenant: &str, scp: &str) -> Value {
    json!({
        "iss": format!("https://login.microsoftonline.com/{tenant}/v2.0"),
        "tid": tenant, "aud": API, "sub": "u1", "exp": now() + 600, "scp": scp,
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn every_tenant_s_token_is_checked_against_its_own_tenant_id() {
    let (microsoft, auth0) = (JwksServer::start().await, JwksServer::start().await);
    let (microsoft_key, auth0_key) = (TestKey::rsa("ms-1"), TestKey::ec("a0-1"));
    microsoft.set_keys(vec![microsoft_key.jwk()]);
    auth0.set_keys(vec![auth0_key.jwk()]);
    let entra = || {
        TrustedIssuer::any_tenant(ENTRA)
            .jwks_url(microsoft.jwks_url())
            .audience(API)
            .scope_claims(scopes_core::providers::entra_id())
            .fetch_options(options())
    };
    let verifier = Verifier::builder()
        .trust(entra())
        .trust(
            TrustedIssuer::new("https://tenant.auth0.example/")
                .jwks_url(auth0.jwks_url())
                .audience(API)
                .fetch_options(options()),
        )
        .build()
        .unwrap();
    verifier.refresh_keys().await.unwrap();

    // Any tenant's token, filled in with its own `tid`.
    for tenant in [CONTOSO, FABRIKAM] {
        let token = microsoft_key.sign(&entra_claims(tenant, "me items"));
        assert_eq!(granted(&verifier, &token).await, Ok(vec!["me", "items"]));
    }
    // Its keys serve the template only: Auth0's issuer is still Auth0's.
    let auth0_token = auth0_key.sign(&json!({
        "iss": "https://tenant.auth0.example/", "aud": API, "sub": "u2",
        "exp": now() + 600, "scope": "me",
    }));
    assert_eq!(granted(&verifier, &auth0_token).await, Ok(vec!["me"]));
    let impostor = auth0_key.sign(&entra_claims(CONTOSO, "items"));
    assert_eq!(
        granted(&verifier, &impostor).await,
        Err(TokenError::UnknownKey)
    );

    // A tenant's `iss` with another tenant's `tid`, or none, or one that is not a
    // string, or given twice: refused.
    let refused = [
        (json!({"tid": FABRIKAM}), TokenError::WrongIssuer),
        (json!({"tid": null}), TokenError::InvalidClaim("tid")),
        (json!({"tid": [CONTOSO]}), TokenError::InvalidClaim("tid")),
        (
            json!({"tid": CONTOSO.to_uppercase()}),
            TokenError::WrongIssuer,
        ),
    ];
    for (change, error) in refused {
        let mut claims = entra_claims(CONTOSO, "items");
        claims["tid"] = change["tid"].clone();
        let token = microsoft_key.sign(&claims);
        assert_eq!(granted(&verifier, &token).await, Err(error), "{change}");
    }
    let mut without_tid = entra_claims(CONTOSO, "items");
    without_tid.as_object_mut().unwrap().remove("tid");
    let token = microsoft_key.sign(&without_tid);
    assert_eq!(
        granted(&verifier, &token).await,
        Err(TokenError::WrongIssuer)
    );
    // Issuers that do not fit the template (Contoso's `tid`): `common`, a tenant id that
    // is no GUID, a path around it, another host. Then `iss` and `tid` that agree, but
    // on a tenant that is no lowercase GUID: a domain name, `common`, a GUID in
    // capitals, one with a character too many.
    let unfit = [
        "https://login.microsoftonline.com/common/v2.0",
        "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0",
        "https://login.microsoftonline.com/x/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0",
        "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0/",
        "https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/",
    ]
    .map(|iss| (iss.to_owned(), CONTOSO));
    let no_guid = [
        "contoso.onmicrosoft.com",
        "common",
        "72F988BF-86F1-41AF-91AB-2D7CD011DB47",
        "72f988bf-86f1-41af-91ab-2d7cd011db47a",
    ]
    .map(|tid| (format!("https://login.microsoftonline.com/{tid}/v2.0"), tid));
    for (iss, tid) in unfit.into_iter().chain(no_guid) {
        let mut claims = entra_claims(CONTOSO, "items");
        claims["iss"] = json!(iss);
        claims["tid"] = json!(tid);
        let token = microsoft_key.sign(&claims);
        assert_eq!(
            granted(&verifier, &token).await,
            Err(TokenError::WrongIssuer),
            "{iss} {tid}"
        );
    }

    // Only some tenants: their ids required.
    let customers = Verifier::builder()
        .trust(entra().require_claim("tid", CONTOSO))
        .build()
        .unwrap();
    customers.refresh_keys().await.unwrap();
    let contoso = microsoft_key.sign(&entra_claims(CONTOSO, "items"));
    let fabrikam = microsoft_key.sign(&entra_claims(FABRIKAM, "items"));
    assert_eq!(granted(&customers, &contoso).await, Ok(vec!["items"]));
    assert_eq!(
        granted(&customers, &fabrikam).await,
        Err(TokenError::RequiredClaim)
    );

    // A tenant with rules of its own: its exact issuer is chosen over the template.
    let special = Verifier::builder()
        .trust(entra())
        .trust(
            TrustedIssuer::new(format!("https://login.microsoftonline.com/{FABRIKAM}/v2.0"))
                .jwks_url(microsoft.jwks_url())
                .audience(API)
                .scope_claims(["roles"])
                .fetch_options(options()),
        )
        .build()
        .unwrap();
    special.refresh_keys().await.unwrap();
    let mut claims = entra_claims(FABRIKAM, "me");
    claims["roles"] = json!(["items"]);
    let token = microsoft_key.sign(&claims);
    assert_eq!(granted(&special, &token).await, Ok(vec!["items"]));
    let mut claims = entra_claims(CONTOSO, "me");
    claims["roles"] = json!(["items"]);
    let token = microsoft_key.sign(&claims);
    assert_eq!(granted(&special, &token).await, Ok(vec!["me", "items"]));
}

#[test]
fn a_verifier_of_its_own_keys_takes_a_template_beside_exact_issuers() {
    let verifier = Verifier::builder()
        .key(Key::hs256(SECRET).unwrap())
        .issuer("https://login.microsoftonline.com/home-tenant/v2.0")
        .any_tenant_issuer(ENTRA)
        .audience(API)
        .build()
        .unwrap();
    let sign = |claims: &Value| scopes_tests::sign(scopes_core::Algorithm::HS256, claims);
    for tenant in [CONTOSO, FABRIKAM] {
        assert!(block_on(verifier.verify(&sign(&entra_claims(tenant, "me")))).is_ok());
    }
    let mut home = entra_claims(CONTOSO, "me");
    home["iss"] = json!("https://login.microsoftonline.com/home-tenant/v2.0");
    assert!(block_on(verifier.verify(&sign(&home))).is_ok());
    let mut mismatched = entra_claims(CONTOSO, "me");
    mismatched["tid"] = json!(FABRIKAM);
    assert_eq!(
        block_on(verifier.verify(&sign(&mismatched))).unwrap_err(),
        TokenError::WrongIssuer
    );
    // `tid` given twice.
    let claims = entra_claims(CONTOSO, "me").to_string();
    let twice = format!("{},\"tid\":\"{CONTOSO}\"}}", &claims[..claims.len() - 1]);
    let twice = serde_json::value::RawValue::from_string(twice).unwrap();
    let token = scopes_core::issuer::Signer::hs256(SECRET)
        .unwrap()
        .sign(&twice)
        .unwrap();
    assert_eq!(
        block_on(verifier.verify(&token)).unwrap_err(),
        TokenError::DuplicateClaim
    );
    // The RFC 9068 profile takes a template as its issuer.
    assert!(
        Verifier::builder()
            .key(Key::hs256(SECRET).unwrap())
            .any_tenant_issuer(ENTRA)
            .rfc9068(API)
            .build()
            .is_ok()
    );

    // Without a template, `tid` is any other claim: a number is no reason to refuse.
    let plain = Verifier::builder()
        .key(Key::hs256(SECRET).unwrap())
        .build()
        .unwrap();
    let mut claims = scopes_tests::claims(&["me"]);
    claims["tid"] = json!(7);
    assert!(block_on(plain.verify(&sign(&claims))).is_ok());
}

#[test]
fn issuer_templates_that_cannot_be_used_are_refused() {
    let keyed = |issuer: TrustedIssuer| issuer.key(Key::hs256(SECRET).unwrap());
    let template_error = |result: Result<Verifier, ConfigError>| match result {
        Err(error @ ConfigError::IssuerTemplate { .. }) => error.to_string(),
        other => panic!("{:?}", other.map(|_| ())),
    };
    // The template given as an exact issuer: no token could match it.
    for builder in [
        Verifier::builder()
            .key(Key::hs256(SECRET).unwrap())
            .issuer(ENTRA),
        Verifier::builder().trust(keyed(TrustedIssuer::new(ENTRA))),
    ] {
        let message = template_error(builder.build());
        assert!(message.contains("any_tenant"), "{message}");
    }
    for template in [
        "https://login.microsoftonline.com/common/v2.0",
        "https://login.microsoftonline.com/{tenantid}/{tenantid}",
        "https://login.microsoftonline.com/{tid}/{tenantid}",
        "{tenantid}",
    ] {
        template_error(
            Verifier::builder()
                .trust(keyed(TrustedIssuer::any_tenant(template)))
                .build(),
        );
    }
    assert_eq!(
        Verifier::builder()
            .trust(keyed(TrustedIssuer::any_tenant(ENTRA)))
            .trust(keyed(TrustedIssuer::any_tenant(ENTRA)))
            .build()
            .unwrap_err(),
        ConfigError::DuplicateIssuer(ENTRA.into())
    );
    assert_eq!(
        Verifier::builder()
            .any_tenant_issuer(ENTRA)
            .trust(keyed(TrustedIssuer::new("https://a.example")))
            .build()
            .unwrap_err(),
        ConfigError::IssuerSettingOnVerifier("any_tenant_issuer")
    );
    assert_eq!(
        Verifier::builder()
            .trust(keyed(TrustedIssuer::any_tenant(ENTRA)).scope_claims(["tid", "scp"]))
            .build()
            .unwrap_err(),
        ConfigError::RegisteredScopeClaim("tid".into())
    );

    // The placeholder in another case, as a template: the error says its case.
    let message = template_error(
        Verifier::builder()
            .trust(keyed(TrustedIssuer::any_tenant(
                "https://login.microsoftonline.com/{tenantId}/v2.0",
            )))
            .build(),
    );
    assert!(message.contains("`{tenantid}` in lowercase"), "{message}");
    // The placeholder in another case, as an exact issuer: it would match nothing.
    let message = template_error(
        Verifier::builder()
            .trust(keyed(TrustedIssuer::new(
                "https://login.microsoftonline.com/{tenantId}/v2.0",
            )))
            .build(),
    );
    assert!(message.contains("any_tenant"), "{message}");
    // The same template twice on one builder.
    assert_eq!(
        Verifier::builder()
            .key(Key::hs256(SECRET).unwrap())
            .any_tenant_issuer(ENTRA)
            .any_tenant_issuer(ENTRA)
            .build()
            .unwrap_err(),
        ConfigError::DuplicateIssuer(ENTRA.into())
    );
    // A tenant's own issuer with its id in capitals beside the template: its tokens
    // (lowercase) would skip its stricter rules for the template's. Refused, whether
    // in the template's issuer or another.
    let upper = "https://login.microsoftonline.com/0B5C1E7A-3D2F-4A8B-9C6E-1F4D7A2B8E90/v2.0";
    for builder in [
        Verifier::builder()
            .trust(keyed(TrustedIssuer::any_tenant(ENTRA)))
            .trust(keyed(TrustedIssuer::new(upper)).audience("other")),
        Verifier::builder()
            .trust(keyed(TrustedIssuer::new(upper)).audience("other"))
            .trust(keyed(TrustedIssuer::any_tenant(ENTRA))),
        Verifier::builder()
            .key(Key::hs256(SECRET).unwrap())
            .issuer(upper)
            .any_tenant_issuer(ENTRA),
    ] {
        let message = template_error(builder.build());
        assert!(message.contains("lowercase"), "{message}");
    }
}
