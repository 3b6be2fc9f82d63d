//! `require_claim`: claims that must hold a configured value (which kind of token, for
//! which client), checked in the claims' one pass for every issuer, introspected
//! tokens included; what cannot be required is refused when the verifier is built.

use axum::Router;
use axum::routing::get;
use scopes_core::issuer::Signer;
use scopes_core::{
    ConfigError, Key, TokenError, TrustedIssuer, Verifier, providers, requires_scopes, scopes,
};
use scopes_tests::{Reply, SECRET, get as request, send};
use serde_json::value::RawValue;

scopes! {
    Scopes {
        "items": "Read items.",
    }
}

#[requires_scopes("items")]
async fn items() -> &'static str {
    "items"
}

const ISSUER: &str = "https://kc.example.com/realms/shop";

/// A token whose claims are `extra` after `sub`, `exp` and `scope`, exactly as written.
fn token(extra: &str) -> String {
    let exp = scopes_tests::now() + 600;
    let json = format!(r#"{{"sub":"alice","exp":{exp},"scope":"items"{extra}}}"#);
    let claims = RawValue::from_string(json).unwrap();
    Signer::hs256(SECRET).unwrap().sign(&claims).unwrap()
}

fn keycloak_like() -> Verifier {
    Verifier::builder()
        .key(Key::hs256(SECRET).unwrap())
        .require_claim("typ", "Bearer")
        .require_claim("azp", "shop-web")
        .require_claim("azp", "shop-cli")
        .build()
        .unwrap()
}

#[tokio::test]
async fn every_required_claim_must_hold_one_of_its_values() {
    let verifier = keycloak_like();
    let admitted = [
        r#","typ":"Bearer","azp":"shop-web""#,
        r#","azp":"shop-cli","typ":"Bearer""#,
        // An array holding one accepted value, among others.
        r#","typ":["ID","Bearer"],"azp":"shop-web""#,
        // Escapes are read as what they say.
        r#","typ":"B\u0065arer","azp":"shop-web""#,
    ];
    for extra in admitted {
        assert!(verifier.verify(&token(extra)).await.is_ok(), "{extra}");
    }
    let refused = [
        // An ID token, a refresh token.
        r#","typ":"ID","azp":"shop-web""#,
        r#","typ":"Refresh","azp":"shop-web""#,
        // One claim missing, or both.
        r#","azp":"shop-web""#,
        r#","typ":"Bearer""#,
        "",
        // Another client.
        r#","typ":"Bearer","azp":"other""#,
        // Compared exactly: case, spaces.
        r#","typ":"bearer","azp":"shop-web""#,
        r#","typ":"Bearer ","azp":"shop-web""#,
        // Neither a string nor an array of strings.
        r#","typ":true,"azp":"shop-web""#,
        r#","typ":null,"azp":"shop-web""#,
        r#","typ":{"v":"Bearer"},"azp":"shop-web""#,
        r#","typ":["Bearer",1],"azp":"shop-web""#,
        r#","typ":[],"azp":"shop-web""#,
        // A claim nested elsewhere is not the top-level one.
        r#","x":{"typ":"Bearer"},"azp":"shop-web""#,
    ];
    for extra in refused {
        assert_eq!(
            verifier.verify(&token(extra)).await.err(),
            Some(TokenError::RequiredClaim),
            "{extra}"
        );
    }
    // Given twice, even with the same accepted value: refused as any repeated claim the
    // pass reads.
    assert_eq!(
        verifier
            .verify(&token(r#","typ":"Bearer","typ":"Bearer","azp":"shop-web""#))
            .await
            .err(),
        Some(TokenError::DuplicateClaim)
    );
}

#[tokio::test]
async fn registered_string_claims_can_be_required() {
    // Amazon Cognito: an access token for one app client.
    let verifier = Verifier::builder()
        .key(Key::hs256(SECRET).unwrap())
        .scope_claims(providers::cognito())
        .require_claim("token_use", "access")
        .require_claim("client_id", "app-1")
        .build()
        .unwrap();
    let good = r#","token_use":"access","client_id":"app-1""#;
    assert!(verifier.verify(&token(good)).await.is_ok());
    for extra in [
        r#","token_use":"id","client_id":"app-1""#,
        r#","token_use":"access","client_id":"app-2""#,
        r#","token_use":"access""#,
    ] {
        assert_eq!(
            verifier.verify(&token(extra)).await.err(),
            Some(TokenError::RequiredClaim),
            "{extra}"
        );
    }
    // A registered claim keeps its own checks: not a string is an invalid claim.
    assert_eq!(
        verifier
            .verify(&token(r#","token_use":"access","client_id":1"#))
            .await
            .err(),
        Some(TokenError::InvalidClaim("client_id"))
    );
    // `sub` is in every token of `token`.
    let alice = Verifier::builder()
        .key(Key::hs256(SECRET).unwrap())
        .require_claim("sub", "alice")
        .build()
        .unwrap();
    assert!(alice.verify(&token("")).await.is_ok());
    let bob = Verifier::builder()
        .key(Key::hs256(SECRET).unwrap())
        .require_claim("sub", "bob")
        .build()
        .unwrap();
    assert_eq!(
        bob.verify(&token("")).await.err(),
        Some(TokenError::RequiredClaim)
    );
}

#[tokio::test]
async fn a_refusal_is_an_invalid_token_and_the_cache_keeps_each_verifier_s_rules() {
    let strict = keycloak_like();
    let lax = Verifier::builder()
        .key(Key::hs256(SECRET).unwrap())
        .build()
        .unwrap();
    let id_token = token(r#","typ":"ID","azp":"shop-web""#);
    // The lax verifier admits (and caches) it; the strict one still refuses it.
    assert!(lax.verify(&id_token).await.is_ok());
    let app: Router = Router::new().route("/items", get(items)).with_state(strict);
    assert_eq!(
        send(&app, request("/items", &id_token)).await,
        Reply::new(
            401,
            Some(
                r#"Bearer error="invalid_token", error_description="The token lacks a required claim value""#
            ),
            r#"{"detail":"Could not validate credentials"}"#
        )
    );
    let access = token(r#","typ":"Bearer","azp":"shop-web""#);
    assert_eq!(
        send(&app, request("/items", &access)).await,
        Reply::new(200, None, "items")
    );
}

#[test]
fn what_cannot_be_required_is_refused_at_build() {
    let build = |name: &str| {
        Verifier::builder()
            .key(Key::hs256(SECRET).unwrap())
            .require_claim(name, "x")
            .build()
            .err()
    };
    for name in [
        "iss",
        "aud",
        "exp",
        "nbf",
        "iat",
        "acr",
        "auth_time",
        "cnf",
        "scope",
        "scp",
        "/realm_access/roles",
        "",
    ] {
        match build(name) {
            Some(ConfigError::RequiredClaim { claim, why }) => {
                assert_eq!(claim, name);
                assert!(!why.is_empty());
            }
            other => panic!("{name:?}: {other:?}"),
        }
    }
    // The message names the call and says why.
    let message = build("aud").unwrap().to_string();
    assert!(
        message.starts_with(r#"`require_claim("aud", …)` cannot be used: "#),
        "{message}"
    );
    // A claim that is a scope claim of this issuer only.
    assert!(matches!(
        Verifier::builder()
            .key(Key::hs256(SECRET).unwrap())
            .scope_claims(["permissions"])
            .require_claim("permissions", "x")
            .build(),
        Err(ConfigError::RequiredClaim { .. })
    ));
    // ... and `scope` is free once it is not one.
    assert!(
        Verifier::builder()
            .key(Key::hs256(SECRET).unwrap())
            .scope_claims(["permissions"])
            .require_claim("scope", "x")
            .build()
            .is_ok()
    );
    // Seventeen claims are too many.
    let mut many = Verifier::builder().key(Key::hs256(SECRET).unwrap());
    for i in 0..17 {
        many = many.require_claim(format!("c{i}"), "x");
    }
    assert_eq!(many.build().err(), Some(ConfigError::TooManyRequiredClaims));
    // On a verifier trusting several issuers, it belongs to each issuer.
    assert_eq!(
        Verifier::builder()
            .require_claim("typ", "Bearer")
            .trust(TrustedIssuer::new(ISSUER).key(Key::hs256(SECRET).unwrap()))
            .build()
            .err(),
        Some(ConfigError::IssuerSettingOnVerifier("require_claim"))
    );
}

#[tokio::test]
async fn each_trusted_issuer_has_its_own_requirements() {
    let sign = |iss: &str, secret: &[u8], extra: &str| {
        let exp = scopes_tests::now() + 600;
        let json = format!(r#"{{"iss":"{iss}","sub":"a","exp":{exp},"scope":"items"{extra}}}"#);
        Signer::hs256(secret)
            .unwrap()
            .sign(&RawValue::from_string(json).unwrap())
            .unwrap()
    };
    let other_secret = [7u8; 32];
    let verifier = Verifier::builder()
        .trust(
            TrustedIssuer::new(ISSUER)
                .key(Key::hs256(SECRET).unwrap())
                .require_claim("typ", "Bearer"),
        )
        .trust(
            TrustedIssuer::new("https://other.example.com").key(Key::hs256(other_secret).unwrap()),
        )
        .build()
        .unwrap();
    assert!(
        verifier
            .verify(&sign(ISSUER, SECRET.as_bytes(), r#","typ":"Bearer""#))
            .await
            .is_ok()
    );
    assert_eq!(
        verifier
            .verify(&sign(ISSUER, SECRET.as_bytes(), ""))
            .await
            .err(),
        Some(TokenError::RequiredClaim)
    );
    assert!(
        verifier
            .verify(&sign("https://other.example.com", &other_secret, ""))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn the_last_bits_of_the_claims_pass_hold() {
    // 11 registered claims, 50 scope claims and 3 required claims: 64 bits, the last
    // one a required claim's.
    let scope_claims: Vec<String> = (0..50).map(|i| format!("s{i}")).collect();
    let build = |required: usize| {
        let mut builder = Verifier::builder()
            .key(Key::hs256(SECRET).unwrap())
            .scope_claims(scope_claims.clone());
        for i in 0..required {
            builder = builder.require_claim(format!("r{i}"), "yes");
        }
        builder.build()
    };
    assert_eq!(build(4).err(), Some(ConfigError::TooManyRequiredClaims));
    let verifier = build(3).unwrap();
    let exp = scopes_tests::now() + 600;
    let sign = |extra: &str| {
        let json = format!(r#"{{"sub":"a","exp":{exp},"s49":"items"{extra}}}"#);
        Signer::hs256(SECRET)
            .unwrap()
            .sign(&RawValue::from_string(json).unwrap())
            .unwrap()
    };
    let all = r#","r0":"yes","r1":"yes","r2":"yes""#;
    let token = verifier.verify(&sign(all)).await.unwrap();
    assert!(token.granted::<Scopes>().contains(0), "s49 grants items");
    for extra in [
        r#","r0":"yes","r1":"yes""#,
        r#","r0":"yes","r1":"yes","r2":"no""#,
    ] {
        assert_eq!(
            verifier.verify(&sign(extra)).await.err(),
            Some(TokenError::RequiredClaim),
            "{extra}"
        );
    }
    // The last bit is a duplicate check too.
    assert_eq!(
        verifier
            .verify(&sign(r#","r0":"yes","r1":"yes","r2":"yes","r2":"yes""#))
            .await
            .err(),
        Some(TokenError::DuplicateClaim)
    );
}
