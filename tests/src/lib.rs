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

pub mod jwks_server;

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

/// `future` run to completion on a current-thread runtime: for sync tests of the async
/// verification API (a token of configured keys never waits).
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(future)
}

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
    // A HEAD answer keeps the GET's length and sends no body.
    let head = request.method() == axum::http::Method::HEAD;
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
    let length = response
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .map(|value| value.to_str().expect("an ASCII length").to_owned());
    let body = response
        .into_body()
        .collect()
        .await
        .expect("a readable body")
        .to_bytes();
    // Where axum measured the body, the length is the body's.
    if let Some(length) = length.filter(|_| !head) {
        assert_eq!(length, body.len().to_string(), "Content-Length");
    }
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

/// A minimal HTTP/1.1 client over a loopback socket, for end-to-end tests against a
/// real server: one request per connection (`Connection: close`), bounded by a timeout.
pub mod http {
    use std::net::SocketAddr;
    use std::time::Duration;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    use super::{Reply, StatusCode};

    /// A response with all its headers (lower-case names).
    #[derive(Debug)]
    pub struct Response {
        /// The status.
        pub status: StatusCode,
        /// The headers, in order.
        pub headers: Vec<(String, String)>,
        /// The body.
        pub body: String,
    }

    impl Response {
        /// The first header called `name`.
        pub fn header(&self, name: &str) -> Option<&str> {
            self.headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        }

        /// The status, challenge and body, for exact comparison.
        pub fn reply(&self) -> Reply {
            Reply {
                status: self.status,
                challenge: self.header("www-authenticate").map(str::to_owned),
                body: self.body.clone(),
            }
        }
    }

    /// Sends one request to `addr` and reads the whole response (within 10 s).
    pub async fn send(
        addr: SocketAddr,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Response {
        let exchange = async {
            let mut stream = TcpStream::connect(addr).await.expect("the server listens");
            let mut request =
                format!("{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n");
            for (name, value) in headers {
                request.push_str(&format!("{name}: {value}\r\n"));
            }
            request.push_str(&format!("content-length: {}\r\n\r\n{body}", body.len()));
            stream
                .write_all(request.as_bytes())
                .await
                .expect("the request is sent");
            let mut raw = Vec::new();
            stream
                .read_to_end(&mut raw)
                .await
                .expect("the response is read");
            raw
        };
        let raw = tokio::time::timeout(Duration::from_secs(10), exchange)
            .await
            .expect("an answer within 10 s");
        parse(&String::from_utf8(raw).expect("a UTF-8 response"))
    }

    fn parse(raw: &str) -> Response {
        let (head, body) = raw.split_once("\r\n\r\n").expect("headers end");
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|line| line.split(' ').nth(1))
            .expect("a status line");
        let headers = lines
            .filter_map(|line| line.split_once(':'))
            .map(|(name, value)| (name.to_ascii_lowercase(), value.trim().to_owned()))
            .collect::<Vec<_>>();
        let chunked = headers
            .iter()
            .any(|(n, v)| n == "transfer-encoding" && v == "chunked");
        Response {
            status: status
                .parse::<u16>()
                .ok()
                .and_then(|s| StatusCode::from_u16(s).ok())
                .expect("a status"),
            body: if chunked {
                dechunk(body)
            } else {
                body.to_owned()
            },
            headers,
        }
    }

    fn dechunk(mut body: &str) -> String {
        let mut out = String::new();
        while let Some((size, rest)) = body.split_once("\r\n") {
            let size = usize::from_str_radix(size.trim(), 16).expect("a chunk size");
            if size == 0 {
                break;
            }
            out.push_str(&rest[..size]);
            body = &rest[size + 2..];
        }
        out
    }
}

/// A [`Store`](scopes_core::store::Store) that is down: every call fails.
#[derive(Debug)]
pub struct DownStore;

impl scopes_core::store::Store for DownStore {
    fn get<'a>(&'a self, _: &'a str) -> scopes_core::store::StoreFuture<'a, Option<Vec<u8>>> {
        down()
    }

    fn set<'a>(
        &'a self,
        _: &'a str,
        _: &'a [u8],
        _: std::time::Duration,
    ) -> scopes_core::store::StoreFuture<'a, ()> {
        down()
    }

    fn set_if_absent<'a>(
        &'a self,
        _: &'a str,
        _: &'a [u8],
        _: std::time::Duration,
    ) -> scopes_core::store::StoreFuture<'a, bool> {
        down()
    }
}

fn down<'a, T: 'a>() -> scopes_core::store::StoreFuture<'a, T> {
    Box::pin(async { Err(scopes_core::store::StoreError::new("the store is down")) })
}
