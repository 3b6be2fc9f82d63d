//! Scopes and roles where identity providers put them: tokens shaped as Keycloak, Entra
//! ID, Auth0, Okta and FastAPI document theirs, read through `scope_claims` and the
//! presets of `scopes_core::providers`, nested claims included (JSON Pointers), in the
//! one pass over the claims.

use axum::Router;
use axum::routing::get;
use jsonwebtoken::Algorithm;
use scopes_core::{ConfigError, Key, TokenError, Verifier, providers, requires_scopes, scopes};
use scopes_tests::{SECRET, block_on, get as get_with, now, send, sign};
use serde_json::{Value, json};

fn verifier(claims: Vec<String>) -> Verifier {
    builder(claims).build().unwrap()
}

fn builder(claims: Vec<String>) -> scopes_core::VerifierBuilder {
    Verifier::builder()
        .key(Key::hs256(SECRET).unwrap())
        .scope_claims(claims)
        .no_cache()
}

/// A verifier for the API `audience`.
fn for_api(claims: Vec<String>, audience: &str) -> Verifier {
    builder(claims).audience(audience).build().unwrap()
}

/// The scope names `verifier` reads from `claims` (signed HS256), sorted (`json!`
/// sorts the members of the token).
fn granted(verifier: &Verifier, claims: &Value) -> Result<Vec<String>, TokenError> {
    let token = sign(Algorithm::HS256, claims);
    block_on(verifier.verify(&token)).map(|token| {
        let mut names: Vec<String> = token.scopes().map(str::to_owned).collect();
        names.sort();
        names
    })
}

fn base(extra: Value) -> Value {
    let mut claims = json!({ "sub": "f6f5a9f0", "exp": now() + 600, "iat": now() });
    claims
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    claims
}

#[test]
fn keycloak_realm_and_client_roles_and_client_scopes() {
    // A Keycloak access token: client scopes in `scope`, realm roles and each client's
    // roles in nested objects.
    let token = base(json!({
        "iss": "https://kc.example.com/realms/shop",
        "aud": "account",
        "typ": "Bearer",
        "azp": "shop-web",
        "scope": "openid email profile",
        "realm_access": { "roles": ["offline_access", "uma_authorization", "items"] },
        "resource_access": {
            "shop-api": { "roles": ["items:write"] },
            "account": { "roles": ["manage-account", "view-profile"] }
        },
        "email_verified": true
    }));
    let names = granted(&for_api(providers::keycloak("shop-api"), "account"), &token).unwrap();
    assert_eq!(
        names,
        [
            "email",
            "items",
            "items:write",
            "offline_access",
            "openid",
            "profile",
            "uma_authorization"
        ]
    );
    // Another client's roles are not this API's.
    let names = granted(&for_api(providers::keycloak("billing"), "account"), &token).unwrap();
    assert!(!names.contains(&"items:write".to_owned()));
    assert!(!names.contains(&"manage-account".to_owned()));
}

#[test]
fn entra_id_delegated_scopes_and_application_permissions() {
    let delegated = base(json!({
        "aud": "api://4c2f0b8e", "iss": "https://login.microsoftonline.com/72f988bf/v2.0",
        "azp": "2d4d11a2", "name": "Abe Lincoln", "scp": "Items.Read Items.Write", "ver": "2.0"
    }));
    let application = base(json!({
        "aud": "api://4c2f0b8e", "iss": "https://login.microsoftonline.com/72f988bf/v2.0",
        "azp": "6e74172b", "roles": ["Items.Read.All"], "ver": "2.0"
    }));
    let entra = for_api(providers::entra_id(), "api://4c2f0b8e");
    assert_eq!(
        granted(&entra, &delegated).unwrap(),
        ["Items.Read", "Items.Write"]
    );
    assert_eq!(granted(&entra, &application).unwrap(), ["Items.Read.All"]);
}

#[test]
fn auth0_permissions_okta_scp_and_fastapi_scopes() {
    let auth0 = base(json!({
        "iss": "https://shop.eu.auth0.com/", "aud": ["https://api.shop.example", "https://shop.eu.auth0.com/userinfo"],
        "azp": "xhnOp", "scope": "openid profile read:items",
        "permissions": ["read:items", "write:items"]
    }));
    assert_eq!(
        granted(
            &for_api(providers::auth0(), "https://api.shop.example"),
            &auth0
        )
        .unwrap(),
        [
            "openid",
            "profile",
            "read:items",
            "read:items",
            "write:items"
        ]
    );
    let okta = base(json!({
        "ver": 1, "jti": "AT.0mP4", "iss": "https://shop.okta.com/oauth2/default",
        "aud": "api://default", "cid": "0oa5", "uid": "00u1", "scp": ["items.read", "offline_access"]
    }));
    assert_eq!(
        granted(&for_api(providers::okta(), "api://default"), &okta).unwrap(),
        ["items.read", "offline_access"]
    );
    // Cognito: no `aud` (its `client_id` instead), so no audience.
    let cognito = base(json!({
        "iss": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC", "client_id": "5sq2",
        "token_use": "access", "scope": "shop/items.read shop/items.write",
        "cognito:groups": ["admins"], "username": "u1"
    }));
    assert_eq!(
        granted(&verifier(providers::cognito()), &cognito).unwrap(),
        ["admins", "shop/items.read", "shop/items.write"]
    );
    let fastapi = base(json!({ "scopes": ["me", "items"] }));
    assert_eq!(
        granted(&verifier(providers::fastapi()), &fastapi).unwrap(),
        ["items", "me"]
    );
}

#[test]
fn a_namespaced_claim_is_named_as_written_and_pointers_escape() {
    let token = base(json!({
        "https://example.com/roles": ["admin"],
        "a/b": { "c~d": "deep" }
    }));
    let names = granted(
        &verifier(vec![
            "https://example.com/roles".into(),
            "/a~1b/c~0d".into(),
        ]),
        &token,
    )
    .unwrap();
    assert_eq!(names, ["admin", "deep"]);
    assert_eq!(providers::pointer_escape("a/b~c"), "a~1b~0c");
}

#[test]
fn nested_claims_are_read_strictly() {
    let keycloak = verifier(providers::keycloak("shop-api"));
    // Absent: no scopes from it, the token is fine.
    assert_eq!(
        granted(&keycloak, &base(json!({}))).unwrap(),
        Vec::<String>::new()
    );
    // Members off the paths are skipped, whatever they hold.
    let token = base(json!({ "realm_access": { "other": {"roles": ["x"]}, "roles": ["items"] } }));
    assert_eq!(granted(&keycloak, &token).unwrap(), ["items"]);
    // A member along a path given twice, or an object where scopes are expected, or
    // something else where an object is expected: refused, as a top-level claim would be.
    for json in [
        r#"{"sub":"u","exp":EXP,"realm_access":{"roles":["items"],"roles":["admin"]}}"#,
        r#"{"sub":"u","exp":EXP,"realm_access":{"roles":{"admin":true}}}"#,
        r#"{"sub":"u","exp":EXP,"realm_access":["admin"]}"#,
        r#"{"sub":"u","exp":EXP,"resource_access":{"shop-api":"admin"}}"#,
        r#"{"sub":"u","exp":EXP,"resource_access":{"shop-api":{"roles":["a"]},"shop-api":{"roles":["admin"]}}}"#,
    ] {
        let json = json.replace("EXP", &(now() + 600).to_string());
        // Signed as written: duplicate members cannot go through serde_json's `Value`.
        let token = raw_hs256(json.as_bytes());
        let error = block_on(keycloak.verify(&token)).unwrap_err();
        assert_eq!(error, TokenError::InvalidScopeClaim, "{json}");
    }
}

/// An HS256 token whose claims are `claims`, byte for byte.
fn raw_hs256(claims: &[u8]) -> String {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let message = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(claims)
    );
    let key = jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes());
    scopes_core::install_crypto_provider();
    let signature = jsonwebtoken::crypto::sign(message.as_bytes(), &key, Algorithm::HS256).unwrap();
    format!("{message}.{signature}")
}

#[test]
fn claim_paths_that_cannot_be_read_are_configuration_errors() {
    let build = |claims: &[&str]| {
        Verifier::builder()
            .key(Key::hs256(SECRET).unwrap())
            .scope_claims(claims.iter().copied())
            .build()
            .map(|_| ())
    };
    assert!(build(&["scope", "/realm_access/roles"]).is_ok());
    for bad in [
        &["/realm_access", "/realm_access/roles"][..],
        &["scp", "scp"],
        &["/a/b~2"],
        &["/1/2/3/4/5/6/7/8/9"],
    ] {
        assert!(
            matches!(build(bad), Err(ConfigError::InvalidScopeClaimPath(_))),
            "{bad:?}"
        );
    }
    assert!(matches!(
        build(&["/aud/roles"]),
        Err(ConfigError::RegisteredScopeClaim(claim)) if claim == "aud"
    ));
    assert!(matches!(build(&[]), Err(ConfigError::NoScopeClaims)));
}

scopes! {
    /// Entra ID's names: a delegated scope and an application permission.
    pub Scopes {
        "Items.Read": "Read items (delegated).",
        "Items.Read.All": "Read all items (application permission).",
    }
}

#[requires_scopes(any("Items.Read", "Items.Read.All"))]
async fn list_items() -> &'static str {
    "items"
}

#[tokio::test]
async fn a_route_accepts_a_delegated_scope_or_an_application_permission() {
    let app = Router::new()
        .route("/items", get(list_items))
        .with_state(verifier(providers::entra_id()));
    let user = sign(Algorithm::HS256, &base(json!({ "scp": "Items.Read" })));
    let daemon = sign(
        Algorithm::HS256,
        &base(json!({ "roles": ["Items.Read.All"] })),
    );
    let neither = sign(Algorithm::HS256, &base(json!({ "scp": "User.Read" })));
    assert_eq!(send(&app, get_with("/items", &user)).await.status, 200u16);
    assert_eq!(send(&app, get_with("/items", &daemon)).await.status, 200u16);
    let refused = send(&app, get_with("/items", &neither)).await;
    assert_eq!(refused.status, 403u16);
    assert_eq!(
        refused.challenge.as_deref(),
        Some(r#"Bearer error="insufficient_scope", scope="Items.Read Items.Read.All""#)
    );
}

#[test]
fn fastapi_s_scopes_is_an_array_wherever_it_is_read() {
    // FastAPI mints `scopes` as an array; its tutorial refuses a string there. The same
    // claim as a JSON Pointer, and with the default claims, beside a valid `scope`.
    let as_string = base(json!({ "scopes": "items me" }));
    for claims in [
        providers::fastapi(),
        vec!["/scopes".to_owned()],
        vec!["scope".to_owned(), "scopes".to_owned(), "scp".to_owned()],
    ] {
        let verifier = verifier(claims.clone());
        assert_eq!(
            granted(&verifier, &as_string),
            Err(TokenError::InvalidScopeClaim),
            "{claims:?}"
        );
        assert_eq!(
            granted(&verifier, &base(json!({ "scopes": ["items", "me"] }))),
            Ok(vec!["items".to_owned(), "me".to_owned()]),
            "{claims:?}"
        );
    }
    let defaults = Verifier::new(Key::hs256(SECRET).unwrap()).unwrap();
    assert_eq!(
        granted(
            &defaults,
            &base(json!({ "scope": "items", "scopes": "me" }))
        ),
        Err(TokenError::InvalidScopeClaim)
    );
    // A `scopes` member elsewhere is any other claim: a string is read, as one value.
    let nested = verifier(vec!["/app/scopes".to_owned()]);
    assert_eq!(
        granted(&nested, &base(json!({ "app": { "scopes": "items" } }))),
        Ok(vec!["items".to_owned()])
    );
}

#[test]
fn only_scope_and_scp_strings_are_space_delimited_lists() {
    // `scope` and `scp` hold space-delimited lists (RFC 9068, RFC 8693; Entra ID).
    for name in ["scope", "scp", "/scope"] {
        let verifier = verifier(vec![name.to_owned()]);
        let claim = name.trim_start_matches('/');
        assert_eq!(
            granted(&verifier, &base(json!({ (claim): "items me" }))),
            Ok(vec!["items".to_owned(), "me".to_owned()]),
            "{name}"
        );
    }
    // Any other claim's string is one value, as a mapper writes a single role: a role
    // with a space grants nothing, never the names it holds.
    for (name, claims) in [
        ("roles", json!({ "roles": "Shop Admin" })),
        ("groups", json!({ "groups": "Shop Admin" })),
        (
            "/realm_access/roles",
            json!({ "realm_access": { "roles": "Shop Admin" } }),
        ),
        ("/app/scope", json!({ "app": { "scope": "Shop Admin" } })),
    ] {
        let verifier = verifier(vec![name.to_owned()]);
        assert_eq!(granted(&verifier, &base(claims)), Ok(Vec::new()), "{name}");
    }
    let roles = verifier(vec!["roles".to_owned()]);
    assert_eq!(
        granted(&roles, &base(json!({ "roles": "Admin" }))),
        Ok(vec!["Admin".to_owned()])
    );
}
