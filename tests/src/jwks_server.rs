//! A controllable JWKS and OpenID Connect discovery server on a loopback port, for tests
//! of key rotation, refresh storms and failing key servers, and [`TestKey`]s that mint
//! tokens its JWKs verify.
//!
//! ```no_run
//! # async fn example() {
//! use scopes_tests::jwks_server::{Behavior, JwksServer, TestKey};
//!
//! let server = JwksServer::start().await;
//! let key = TestKey::rsa("k1");
//! server.set_keys(vec![key.jwk()]);
//! let token = key.sign(&scopes_tests::claims(&["me"]));
//! // ... point a verifier at `server.jwks_url()` or `server.issuer()` ...
//! server.set_behavior(Behavior::Down);
//! assert_eq!(server.jwks_hits(), 0);
//! # let _ = token;
//! # }
//! ```

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::extract::connect_info::{ConnectInfo, Connected};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::serve::{IncomingStream, Listener};
use http_body_util::{BodyExt, Full};
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use crate::{EC_PRIVATE, ED_PRIVATE, RSA_PRIVATE};

/// The private half of a second RSA test key (2048 bits), for rotation tests.
pub const RSA2_PRIVATE: &str = include_str!("../keys/rsa2_private.pem");
/// The public half of the second RSA test key.
pub const RSA2_PUBLIC: &str = include_str!("../keys/rsa2_public.pem");

/// The path of the issuer below the server's base URL.
const ISSUER_PATH: &str = "/realms/test";

/// How the server answers `GET /jwks`. Every request counts in
/// [`JwksServer::jwks_hits`], whatever the behavior.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Behavior {
    /// `200` with `{"keys": [...]}` (the default).
    #[default]
    Normal,
    /// `503 Service Unavailable`.
    Down,
    /// Sleeps this long, then answers like [`Behavior::Normal`] with the keys set by then.
    Slow(Duration),
    /// `200` with `Content-Type: application/json` and a body that is not JSON.
    Garbage,
    /// `200` with a body of exactly this many bytes that starts like a key set
    /// (`{"keys":[`) and goes on with spaces, never closed; sent chunked, without
    /// `Content-Length`.
    Huge(usize),
    /// Closes the connection without sending a single byte of a response.
    Close,
    /// `200` with the key set, and the discovery document too, written as JSON arrays
    /// of their members' values in order (`[[{…}]]` for `{"keys": [{…}]}`): what
    /// serde's derived structs would read as the objects.
    Array,
}

/// What the tests control.
#[derive(Debug, Default)]
struct Settings {
    keys: Vec<Value>,
    cache_control: Option<String>,
    behavior: Behavior,
    discovery_issuer: Option<String>,
}

/// The state the handlers and the [`JwksServer`] handle share.
#[derive(Debug)]
struct Shared {
    base_url: String,
    settings: Mutex<Settings>,
    jwks_hits: AtomicUsize,
    discovery_hits: AtomicUsize,
}

impl Shared {
    fn settings(&self) -> MutexGuard<'_, Settings> {
        self.settings.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn issuer(&self) -> String {
        format!("{}{ISSUER_PATH}", self.base_url)
    }
}

/// A JWKS endpoint and an OpenID Connect discovery document served on `127.0.0.1` at an
/// ephemeral port, answering as the test says. Dropping it stops the server.
///
/// * `GET /jwks`: `{"keys": [...]}` with the keys of [`set_keys`](Self::set_keys),
///   as [`set_behavior`](Self::set_behavior) says;
/// * `GET /realms/test/.well-known/openid-configuration`: the discovery document of
///   [`issuer`](Self::issuer), whose `jwks_uri` is [`jwks_url`](Self::jwks_url).
///
/// Any other path is a `404`.
#[derive(Debug)]
pub struct JwksServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl JwksServer {
    /// Binds `127.0.0.1:0` and serves on the current tokio runtime, with no keys, no
    /// `Cache-Control` and [`Behavior::Normal`].
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime, or if the loopback port cannot be bound.
    pub async fn start() -> JwksServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding a loopback port");
        let addr = listener.local_addr().expect("the bound address");
        let shared = Arc::new(Shared {
            base_url: format!("http://{addr}"),
            settings: Mutex::new(Settings::default()),
            jwks_hits: AtomicUsize::new(0),
            discovery_hits: AtomicUsize::new(0),
        });
        let app = Router::new()
            .route("/jwks", get(jwks))
            .route(
                &format!("{ISSUER_PATH}/.well-known/openid-configuration"),
                get(discovery),
            )
            .with_state(Arc::clone(&shared));
        let service = app.into_make_service_with_connect_info::<Hangup>();
        let task = tokio::spawn(async move {
            // Serving only ends when the task is aborted.
            let _ = axum::serve(Killable(listener), service).await;
        });
        JwksServer { addr, shared, task }
    }

    /// The address the server listens on, for [`crate::http::send`].
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// `http://127.0.0.1:PORT/jwks`.
    pub fn jwks_url(&self) -> String {
        format!("{}/jwks", self.shared.base_url)
    }

    /// `http://127.0.0.1:PORT/realms/test`: an issuer with a path, whose discovery
    /// document is at `{issuer}/.well-known/openid-configuration`.
    pub fn issuer(&self) -> String {
        self.shared.issuer()
    }

    /// The JWKs `/jwks` serves from now on, as `{"keys": keys}`.
    pub fn set_keys(&self, keys: Vec<Value>) {
        self.shared.settings().keys = keys;
    }

    /// The `Cache-Control` header of every `/jwks` response from now on (whatever the
    /// behavior, [`Behavior::Close`] aside); `None` sends none.
    pub fn set_cache_control(&self, value: Option<&str>) {
        if let Some(value) = value {
            HeaderValue::from_str(value).expect("a valid header value");
        }
        self.shared.settings().cache_control = value.map(str::to_owned);
    }

    /// How `/jwks` answers from now on. Requests already sleeping in
    /// [`Behavior::Slow`] finish as they started.
    pub fn set_behavior(&self, behavior: Behavior) {
        self.shared.settings().behavior = behavior;
    }

    /// The `issuer` field of the discovery document: `Some` for mismatch tests, `None`
    /// for the real [`issuer`](Self::issuer).
    pub fn set_discovery_issuer(&self, issuer: Option<String>) {
        self.shared.settings().discovery_issuer = issuer;
    }

    /// How many `GET /jwks` requests arrived so far, whatever the behavior (counted on
    /// arrival, before [`Behavior::Slow`] sleeps).
    pub fn jwks_hits(&self) -> usize {
        self.shared.jwks_hits.load(Ordering::SeqCst)
    }

    /// How many discovery documents were requested so far.
    pub fn discovery_hits(&self) -> usize {
        self.shared.discovery_hits.load(Ordering::SeqCst)
    }
}

impl Drop for JwksServer {
    /// Stops accepting connections: the listener closes as soon as the runtime runs the
    /// aborted task. Connections already open finish on their own.
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn jwks(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(hangup): ConnectInfo<Hangup>,
) -> Response {
    shared.jwks_hits.fetch_add(1, Ordering::SeqCst);
    let behavior = shared.settings().behavior;
    let mut response = match behavior {
        Behavior::Normal => key_set(&shared),
        Behavior::Slow(delay) => {
            tokio::time::sleep(delay).await;
            key_set(&shared)
        }
        Behavior::Down => (StatusCode::SERVICE_UNAVAILABLE, "key server down\n").into_response(),
        Behavior::Garbage => (
            [(header::CONTENT_TYPE, "application/json")],
            "<!doctype html><title>Sign in</title><p>this is not a key set</p>\n",
        )
            .into_response(),
        Behavior::Huge(size) => {
            let mut body = br#"{"keys":["#.to_vec();
            body.resize(size, b' ');
            // `map_frame` hides the exact size, so hyper sends the body chunked.
            let body = Full::new(Bytes::from(body)).map_frame(|frame| frame);
            (
                [(header::CONTENT_TYPE, "application/json")],
                Body::new(body),
            )
                .into_response()
        }
        Behavior::Array => {
            let body = json!([shared.settings().keys]).to_string();
            ([(header::CONTENT_TYPE, "application/json")], body).into_response()
        }
        Behavior::Close => {
            hangup.hang_up();
            // Never sent: writing it fails and hyper drops the connection.
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    if let Some(value) = &shared.settings().cache_control {
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_str(value).expect("checked when set"),
        );
    }
    response
}

fn key_set(shared: &Shared) -> Response {
    let body = json!({ "keys": shared.settings().keys }).to_string();
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn discovery(State(shared): State<Arc<Shared>>) -> Response {
    shared.discovery_hits.fetch_add(1, Ordering::SeqCst);
    let real = shared.issuer();
    let issuer = shared
        .settings()
        .discovery_issuer
        .clone()
        .unwrap_or_else(|| real.clone());
    if shared.settings().behavior == Behavior::Array {
        let document = json!([issuer, format!("{}/jwks", shared.base_url)]).to_string();
        return ([(header::CONTENT_TYPE, "application/json")], document).into_response();
    }
    let document = json!({
        "issuer": issuer,
        "jwks_uri": format!("{}/jwks", shared.base_url),
        "token_endpoint": format!("{real}/protocol/openid-connect/token"),
        "response_types_supported": ["token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256", "ES256"],
    });
    (
        [(header::CONTENT_TYPE, "application/json")],
        document.to_string(),
    )
        .into_response()
}

/// A TCP listener whose connections a handler can hang up on ([`Behavior::Close`]).
struct Killable(TcpListener);

impl Listener for Killable {
    type Io = Connection;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Connection, SocketAddr) {
        loop {
            match self.0.accept().await {
                Ok((stream, addr)) => {
                    let connection = Connection {
                        stream,
                        hung_up: Arc::new(AtomicBool::new(false)),
                    };
                    return (connection, addr);
                }
                // Too many open files and the like: wait for some to close.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.local_addr()
    }
}

/// An accepted connection that fails every read and write once hung up on, so that
/// hyper drops it without answering.
struct Connection {
    stream: TcpStream,
    hung_up: Arc<AtomicBool>,
}

impl Connection {
    fn check(&self) -> io::Result<()> {
        if self.hung_up.load(Ordering::SeqCst) {
            Err(io::ErrorKind::ConnectionAborted.into())
        } else {
            Ok(())
        }
    }
}

impl AsyncRead for Connection {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.check()?;
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Connection {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.check()?;
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.check()?;
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.check()?;
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// The handlers' way to hang up on their connection, through [`ConnectInfo`].
#[derive(Clone, Debug)]
struct Hangup(Arc<AtomicBool>);

impl Hangup {
    fn hang_up(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

impl Connected<IncomingStream<'_, Killable>> for Hangup {
    fn connect_info(stream: IncomingStream<'_, Killable>) -> Self {
        Hangup(Arc::clone(&stream.io().hung_up))
    }
}

/// A private test key with its algorithm and `kid`, to mint tokens that its
/// [`jwk`](Self::jwk) verifies.
#[derive(Debug, Clone)]
pub struct TestKey {
    key: EncodingKey,
    algorithm: Algorithm,
    kid: String,
}

impl TestKey {
    fn new(key: EncodingKey, algorithm: Algorithm, kid: &str) -> TestKey {
        TestKey {
            key,
            algorithm,
            kid: kid.to_owned(),
        }
    }

    /// RS256 with the repository's RSA test key (`keys/rsa_private.pem`).
    pub fn rsa(kid: &str) -> TestKey {
        let key = EncodingKey::from_rsa_pem(RSA_PRIVATE.as_bytes()).expect("test RSA key");
        TestKey::new(key, Algorithm::RS256, kid)
    }

    /// RS256 with a different RSA key (`keys/rsa2_private.pem`), for rotation tests.
    pub fn rsa_other(kid: &str) -> TestKey {
        let key = EncodingKey::from_rsa_pem(RSA2_PRIVATE.as_bytes()).expect("second RSA key");
        TestKey::new(key, Algorithm::RS256, kid)
    }

    /// ES256 with the P-256 test key (`keys/ec_private.pem`).
    pub fn ec(kid: &str) -> TestKey {
        let key = EncodingKey::from_ec_pem(EC_PRIVATE.as_bytes()).expect("test EC key");
        TestKey::new(key, Algorithm::ES256, kid)
    }

    /// EdDSA with the Ed25519 test key (`keys/ed_private.pem`).
    pub fn ed(kid: &str) -> TestKey {
        let key = EncodingKey::from_ed_pem(ED_PRIVATE.as_bytes()).expect("test Ed key");
        TestKey::new(key, Algorithm::EdDSA, kid)
    }

    /// The key id, put in the JWK and in token headers.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The signing algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The public JWK: the key's public parameters only, with `kid`, `alg` and
    /// `"use": "sig"`.
    pub fn jwk(&self) -> Value {
        // Both jsonwebtoken backends are enabled in this workspace; pick one first.
        scopes_core::install_crypto_provider();
        let jwk = Jwk::from_encoding_key(&self.key, self.algorithm).expect("a public JWK");
        let mut value = serde_json::to_value(jwk).expect("a JWK serializes");
        let object = value.as_object_mut().expect("a JWK is an object");
        object.insert("kid".to_owned(), Value::from(self.kid.as_str()));
        object.insert("use".to_owned(), Value::from("sig"));
        value
    }

    /// [`jwk`](Self::jwk) without its `alg` member (optional in RFC 7517).
    pub fn jwk_without_alg(&self) -> Value {
        let mut value = self.jwk();
        value
            .as_object_mut()
            .expect("a JWK is an object")
            .remove("alg");
        value
    }

    /// A token for `claims` whose header names the key's `alg` and `kid`.
    pub fn sign(&self, claims: &Value) -> String {
        self.sign_with_kid(claims, Some(&self.kid))
    }

    /// A token for `claims` whose header names the key's `alg` and the given `kid`
    /// (none with `None`).
    pub fn sign_with_kid(&self, claims: &Value, kid: Option<&str>) -> String {
        scopes_core::install_crypto_provider();
        let mut header = Header::new(self.algorithm);
        header.kid = kid.map(str::to_owned);
        encode(&header, claims, &self.key).expect("signing a test token")
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use jsonwebtoken::jwk::JwkSet;
    use jsonwebtoken::{DecodingKey, Validation, decode, decode_header};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;
    use crate::http::{Response as HttpResponse, send};
    use crate::{EC_PUBLIC, ED_PUBLIC, RSA_PUBLIC, claims};

    async fn fetch(server: &JwksServer, path: &str) -> HttpResponse {
        send(server.addr(), "GET", path, &[], "").await
    }

    fn path_of(url: &str, server: &JwksServer) -> String {
        url.strip_prefix(&server.base_url())
            .expect("a URL of the server")
            .to_owned()
    }

    #[tokio::test]
    async fn serves_keys_counts_hits_and_sets_cache_control() {
        let server = JwksServer::start().await;
        let port = server.addr().port();
        assert_eq!(server.base_url(), format!("http://127.0.0.1:{port}"));
        assert_eq!(server.jwks_url(), format!("http://127.0.0.1:{port}/jwks"));
        assert_eq!(
            server.issuer(),
            format!("http://127.0.0.1:{port}/realms/test")
        );

        let empty = fetch(&server, "/jwks").await;
        assert_eq!(empty.status, StatusCode::OK);
        assert_eq!(empty.body, r#"{"keys":[]}"#);
        assert_eq!(empty.header("cache-control"), None);

        let keys = vec![TestKey::rsa("a").jwk(), TestKey::ec("b").jwk()];
        server.set_keys(keys.clone());
        server.set_cache_control(Some("public, max-age=60"));
        let full = fetch(&server, "/jwks").await;
        assert_eq!(full.status, StatusCode::OK);
        assert_eq!(full.header("content-type"), Some("application/json"));
        assert_eq!(full.header("cache-control"), Some("public, max-age=60"));
        let body: Value = serde_json::from_str(&full.body).expect("JSON");
        assert_eq!(body, json!({ "keys": keys }));

        server.set_cache_control(None);
        assert_eq!(fetch(&server, "/jwks").await.header("cache-control"), None);
        assert_eq!(fetch(&server, "/other").await.status, StatusCode::NOT_FOUND);
        assert_eq!(server.jwks_hits(), 3);
        assert_eq!(server.discovery_hits(), 0);
    }

    #[tokio::test]
    async fn discovery_document_and_issuer_override() {
        let server = JwksServer::start().await;
        let url = format!("{}/.well-known/openid-configuration", server.issuer());
        let path = path_of(&url, &server);
        assert_eq!(path, "/realms/test/.well-known/openid-configuration");

        let reply = fetch(&server, &path).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.header("content-type"), Some("application/json"));
        let document: Value = serde_json::from_str(&reply.body).expect("JSON");
        assert_eq!(
            document,
            json!({
                "issuer": server.issuer(),
                "jwks_uri": server.jwks_url(),
                "token_endpoint": format!("{}/protocol/openid-connect/token", server.issuer()),
                "response_types_supported": ["token"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256", "ES256"],
            })
        );

        server.set_discovery_issuer(Some("https://evil.example/realms/test".to_owned()));
        let document: Value =
            serde_json::from_str(&fetch(&server, &path).await.body).expect("JSON");
        assert_eq!(document["issuer"], "https://evil.example/realms/test");
        assert_eq!(document["jwks_uri"], server.jwks_url());

        server.set_discovery_issuer(None);
        let document: Value =
            serde_json::from_str(&fetch(&server, &path).await.body).expect("JSON");
        assert_eq!(document["issuer"], server.issuer());
        assert_eq!(server.discovery_hits(), 3);
        assert_eq!(server.jwks_hits(), 0);
    }

    /// Sends `GET /jwks` and reads until the server closes: the raw bytes, or the error.
    async fn raw_jwks(addr: SocketAddr) -> io::Result<Vec<u8>> {
        let mut stream = TcpStream::connect(addr).await?;
        stream
            .write_all(b"GET /jwks HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
            .await?;
        let mut raw = Vec::new();
        tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut raw))
            .await
            .expect("the server closes within 5 s")?;
        Ok(raw)
    }

    #[tokio::test]
    async fn behaviors() {
        let server = JwksServer::start().await;
        let key = TestKey::ed("e");
        server.set_keys(vec![key.jwk()]);
        let normal = format!(r#"{{"keys":[{}]}}"#, key.jwk());

        server.set_behavior(Behavior::Down);
        server.set_cache_control(Some("no-store"));
        let down = fetch(&server, "/jwks").await;
        assert_eq!(down.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(down.header("cache-control"), Some("no-store"));
        server.set_cache_control(None);

        server.set_behavior(Behavior::Garbage);
        let garbage = fetch(&server, "/jwks").await;
        assert_eq!(garbage.status, StatusCode::OK);
        assert_eq!(garbage.header("content-type"), Some("application/json"));
        assert!(serde_json::from_str::<Value>(&garbage.body).is_err());

        server.set_behavior(Behavior::Huge(300_000));
        let huge = fetch(&server, "/jwks").await;
        assert_eq!(huge.status, StatusCode::OK);
        assert_eq!(huge.header("content-length"), None);
        assert_eq!(huge.header("transfer-encoding"), Some("chunked"));
        assert_eq!(huge.body.len(), 300_000);
        assert!(huge.body.starts_with(r#"{"keys":[ "#));
        assert!(huge.body.ends_with("   "));

        server.set_behavior(Behavior::Slow(Duration::from_millis(200)));
        let started = Instant::now();
        let slow = fetch(&server, "/jwks").await;
        assert!(started.elapsed() >= Duration::from_millis(200));
        assert_eq!(
            (slow.status, slow.body.as_str()),
            (StatusCode::OK, &*normal)
        );

        server.set_behavior(Behavior::Close);
        match raw_jwks(server.addr()).await {
            Ok(raw) => assert_eq!(String::from_utf8_lossy(&raw), ""),
            Err(error) => assert!(matches!(
                error.kind(),
                io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted
            )),
        }
        // The other routes still answer.
        let path = "/realms/test/.well-known/openid-configuration";
        assert_eq!(fetch(&server, path).await.status, StatusCode::OK);

        server.set_behavior(Behavior::Normal);
        let back = raw_jwks(server.addr()).await.expect("an answer");
        assert!(String::from_utf8_lossy(&back).ends_with(&normal));
        assert_eq!(server.jwks_hits(), 6);
    }

    #[tokio::test]
    async fn served_jwks_verify_test_key_tokens() {
        let server = JwksServer::start().await;
        let keys = [
            (TestKey::rsa("rsa"), RSA_PUBLIC),
            (TestKey::rsa_other("rsa2"), RSA2_PUBLIC),
            (TestKey::ec("ec"), EC_PUBLIC),
            (TestKey::ed("ed"), ED_PUBLIC),
        ];
        server.set_keys(keys.iter().map(|(key, _)| key.jwk()).collect());
        let set: JwkSet = serde_json::from_str(&fetch(&server, "/jwks").await.body).expect("a set");
        assert_eq!(set.keys.len(), 4);
        let claims = claims(&["me", "items"]);

        for (key, public_pem) in &keys {
            let served = set.find(key.kid()).expect("the key is served");
            // Public parameters only, the same as from the public key file.
            let value = key.jwk();
            for private in ["d", "p", "q", "dp", "dq", "qi", "k"] {
                assert!(value.get(private).is_none(), "{} has {private}", key.kid());
            }
            assert_eq!(value["use"], "sig");
            assert_eq!(value["kid"], key.kid());
            let public = match key.algorithm() {
                Algorithm::RS256 => DecodingKey::from_rsa_pem(public_pem.as_bytes()),
                Algorithm::ES256 => DecodingKey::from_ec_pem(public_pem.as_bytes()),
                _ => DecodingKey::from_ed_pem(public_pem.as_bytes()),
            }
            .expect("the public key file");
            let from_file = Jwk::from_decoding_key(&public, Some(key.algorithm())).expect("a JWK");
            assert_eq!(served.algorithm, from_file.algorithm);
            assert_eq!(served.common.key_algorithm, from_file.common.key_algorithm);

            let token = key.sign(&claims);
            let header = decode_header(&token).expect("a header");
            assert_eq!(header.alg, key.algorithm());
            assert_eq!(header.kid.as_deref(), Some(key.kid()));
            let decoding = DecodingKey::from_jwk(served).expect("a decoding key");
            let data = decode::<Value>(&token, &decoding, &Validation::new(key.algorithm()))
                .expect("the served JWK verifies the token");
            assert_eq!(data.claims, claims);

            let anonymous = key.sign_with_kid(&claims, None);
            assert_eq!(decode_header(&anonymous).expect("a header").kid, None);
            let renamed = key.sign_with_kid(&claims, Some("other"));
            assert_eq!(
                decode_header(&renamed).expect("a header").kid.as_deref(),
                Some("other")
            );

            let bare = key.jwk_without_alg();
            assert!(bare.get("alg").is_none());
            assert_eq!(bare["kid"], key.kid());
        }

        // The two RSA keys differ: a token of one does not verify with the other.
        let rsa = DecodingKey::from_jwk(set.find("rsa").expect("served")).expect("a key");
        let token = TestKey::rsa_other("rsa").sign(&claims);
        assert!(decode::<Value>(&token, &rsa, &Validation::new(Algorithm::RS256)).is_err());
    }

    #[tokio::test]
    async fn dropping_stops_the_server() {
        let server = JwksServer::start().await;
        let addr = server.addr();
        assert_eq!(fetch(&server, "/jwks").await.status, StatusCode::OK);
        drop(server);
        let deadline = Instant::now() + Duration::from_secs(1);
        while raw_jwks(addr).await.is_ok_and(|raw| !raw.is_empty()) {
            assert!(Instant::now() < deadline, "still serving after drop");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}
