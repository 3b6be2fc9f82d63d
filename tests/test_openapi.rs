//! OpenAPI descriptions generated from the table and the handlers, compared with what
//! FastAPI generates for its tutorial (`app.openapi()` of tests/fastapi/tutorial005.py).

use std::marker::PhantomData;

use scopes_core::openapi::{OperationSecurity, security_schemes};
use scopes_core::{requires_scopes, scopes};
use scopes_examples::tutorial::{
    __scopes_requirement_read_own_items, CurrentActiveUser, Scopes as Tutorial,
};
use serde_json::{Value, json};

#[test]
fn the_tutorial_scheme_is_fastapis() {
    assert_eq!(
        serde_json::to_value(security_schemes::<Tutorial>()).unwrap(),
        json!({"OAuth2PasswordBearer": {"flows": {"password": {"scopes": {"items": "Read items.", "me": "Read information about the current user."}, "tokenUrl": "token"}}, "type": "oauth2"}})
    );
}

#[test]
fn the_tutorial_operations_require_what_fastapi_says() {
    let json = |security: OperationSecurity<Tutorial>| serde_json::to_value(security).unwrap();
    assert_eq!(
        json(OperationSecurity::of::<CurrentActiveUser>()),
        json!([{"OAuth2PasswordBearer": ["me"]}])
    );
    assert_eq!(
        json(OperationSecurity::of::<__scopes_requirement_read_own_items>()),
        json!([{"OAuth2PasswordBearer": ["items", "me"]}])
    );
    assert_eq!(
        json(OperationSecurity::token_only()),
        json!([{"OAuth2PasswordBearer": []}])
    );
}

scopes! {
    /// Every flow, and OpenID Connect.
    pub Everything {
        "read": "Read data",
        "write": "Write data",
        "admin": "Admin access",
    }
    oauth2 {
        password { token_url: "/token", refresh_url: "/refresh" },
        client_credentials { token_url: "https://auth.example.com/oauth/token" },
        authorization_code {
            authorization_url: "https://auth.example.com/authorize",
            token_url: "https://auth.example.com/oauth/token",
        },
        implicit { authorization_url: "https://auth.example.com/authorize" },
    }
    openid_connect "Keycloak" {
        url: "https://auth.example.com/realms/api/.well-known/openid-configuration",
    }
}

#[requires_scopes("write", any("admin", "read"), table = Everything)]
async fn write() {}

#[requires_scopes("admin", table = Everything)]
struct AdminLayer;

#[test]
fn every_flow_and_openid_connect() {
    let scopes = json!({"admin": "Admin access", "read": "Read data", "write": "Write data"});
    assert_eq!(
        serde_json::to_value(security_schemes::<Everything>()).unwrap(),
        json!({
            "OAuth2": {"type": "oauth2", "flows": {
                "password": {"tokenUrl": "/token", "refreshUrl": "/refresh", "scopes": scopes},
                "clientCredentials": {"tokenUrl": "https://auth.example.com/oauth/token", "scopes": scopes},
                "authorizationCode": {
                    "authorizationUrl": "https://auth.example.com/authorize",
                    "tokenUrl": "https://auth.example.com/oauth/token",
                    "scopes": scopes,
                },
                "implicit": {"authorizationUrl": "https://auth.example.com/authorize", "scopes": scopes},
            }},
            "Keycloak": {"type": "openIdConnect", "openIdConnectUrl": "https://auth.example.com/realms/api/.well-known/openid-configuration"},
        })
    );
}

#[test]
fn any_is_several_requirement_objects_for_each_scheme() {
    let _ = write;
    let security = OperationSecurity::<Everything>::of::<__scopes_requirement_write>();
    let expected: Value = json!([
        {"OAuth2": ["write", "admin"]}, {"Keycloak": ["write", "admin"]},
        {"OAuth2": ["write", "read"]}, {"Keycloak": ["write", "read"]},
    ]);
    assert_eq!(serde_json::to_value(&security).unwrap(), expected);
    // A router layer's scopes come after the handler's. With `admin` required anyway,
    // the `read` alternative needs more than the `admin` one and is dropped.
    let layered = OperationSecurity::<Everything>::of::<__scopes_requirement_write>()
        .and(PhantomData::<AdminLayer>);
    assert_eq!(
        serde_json::to_value(&layered).unwrap(),
        json!([{"OAuth2": ["write", "admin"]}, {"Keycloak": ["write", "admin"]}])
    );
}
