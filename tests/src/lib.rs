//! Support for the integration tests: minting tokens with the test keys in `keys/`
//! and sending requests through a router.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use http_body_util::BodyExt;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::Value;
use tower::ServiceExt;

pub use axum::http::{Request, StatusCode};

/// The FastAPI tutorial's demo secret (32 bytes of hex, 64 characters).
pub const SECRET: &str = "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7";

/// The public halves of the test keys.
pub const RSA_PUBLIC: &str = include_str!("../keys/rsa_public.pem");
/// Another RSA public key, whose private half nobody has.
pub const OTHER_RSA_PUBLIC: &str = include_str!("../keys/other_rsa_public.pem");
/// The P-256 public key.
pub const EC_PUBLIC: &str = include_str!("../keys/ec_public.pem");
/// The Ed25519 public key.
pub const ED_PUBLIC: &str = include_str!("../keys/ed_public.pem");
/// The RSA public key as PKCS#1 `RSAPublicKey` DER.
pub const RSA_PUBLIC_DER: &[u8] = include_bytes!("../keys/rsa_public.der");
/// The P-256 public key as an uncompressed SEC1 point.
pub const EC_PUBLIC_RAW: &[u8] = include_bytes!("../keys/ec_public.raw");
/// The Ed25519 public key, raw.
pub const ED_PUBLIC_RAW: &[u8] = include_bytes!("../keys/ed_public.raw");

/// The private half of the RSA test key.
pub const RSA_PRIVATE: &str = include_str!("../keys/rsa_private.pem");
/// The private half of the P-256 test key.
pub const EC_PRIVATE: &str = include_str!("../keys/ec_private.pem");
/// The private half of the Ed25519 test key.
pub const ED_PRIVATE: &str = include_str!("../keys/ed_private.pem");

/// Seconds since the epoch.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
}

/// Claims valid for ten minutes, with `sub` and the FastAPI-style `scopes` array.
pub fn claims(scopes: &[&str]) -> Value {
    serde_json::json!({ "sub": "johndoe", "exp": now() + 600, "scopes": scopes })
}

/// A token for `claims` signed with the test key of `algorithm`.
pub fn sign(algorithm: Algorithm, claims: &Value) -> String {
    sign_with_header(Header::new(algorithm), claims)
}

/// A token for `claims` with the given header, signed with the test key of its `alg`.
pub fn sign_with_header(header: Header, claims: &Value) -> String {
    // Both jsonwebtoken backends are enabled in this workspace; pick one before signing.
    scopes_core::install_crypto_provider();
    let key = match header.alg {
        Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => {
            EncodingKey::from_secret(SECRET.as_bytes())
        }
        Algorithm::RS256
        | Algorithm::RS384
        | Algorithm::RS512
        | Algorithm::PS256
        | Algorithm::PS384
        | Algorithm::PS512 => {
            EncodingKey::from_rsa_pem(RSA_PRIVATE.as_bytes()).expect("test RSA key")
        }
        Algorithm::ES256 => EncodingKey::from_ec_pem(EC_PRIVATE.as_bytes()).expect("test EC key"),
        Algorithm::EdDSA => EncodingKey::from_ed_pem(ED_PRIVATE.as_bytes()).expect("test Ed key"),
        other => panic!("no test key for {other:?}"),
    };
    encode(&header, claims, &key).expect("signing a test token")
}

/// An HS256 token (the tutorial's) granting `scopes` through the `scopes` claim.
pub fn hs256(scopes: &[&str]) -> String {
    sign(Algorithm::HS256, &claims(scopes))
}

/// What a client sees of a response.
#[derive(Debug, PartialEq, Eq)]
pub struct Reply {
    /// The status.
    pub status: StatusCode,
    /// The `WWW-Authenticate` header, if any.
    pub challenge: Option<String>,
    /// The body, as text.
    pub body: String,
}

impl Reply {
    /// A reply to compare with.
    pub fn new(status: u16, challenge: Option<&str>, body: &str) -> Self {
        Self {
            status: StatusCode::from_u16(status).expect("a valid status"),
            challenge: challenge.map(str::to_owned),
            body: body.to_owned(),
        }
    }
}

/// Sends `request` through `app`.
pub async fn send(app: &Router, request: Request<Body>) -> Reply {
    let response = app
        .clone()
        .oneshot(request)
        .await
        .expect("routers are infallible");
    let status = response.status();
    let challenge = response
        .headers()
        .get(axum::http::header::WWW_AUTHENTICATE)
        .map(|value| value.to_str().expect("an ASCII challenge").to_owned());
    let body = response
        .into_body()
        .collect()
        .await
        .expect("a readable body")
        .to_bytes();
    Reply {
        status,
        challenge,
        body: String::from_utf8(body.to_vec()).expect("a UTF-8 body"),
    }
}

/// `GET uri` with `Authorization: Bearer token`.
pub fn get(uri: &str, token: &str) -> Request<Body> {
    Request::get(uri)
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .expect("a valid request")
}
