//! A test issuer's endpoints on 127.0.0.1: its OpenID Connect discovery document and
//! its key set, for an app that fetches keys as it would in production; the keys it
//! publishes change as a provider's do ([`TestIssuer::rotate`], [`TestIssuer::retire`]),
//! and the server can be taken down ([`TestIssuer::set_available`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::Value;

use super::TestIssuer;

/// A served issuer's server: what it publishes and whether it answers (shared with
/// its routes), and its task, aborted when the last [`TestIssuer`] that holds it is
/// dropped.
#[derive(Debug, Clone)]
pub(crate) struct Served {
    state: Arc<Published>,
    _task: Arc<Abort>,
}

#[derive(Debug)]
struct Published {
    /// The public keys in the key set, newest first.
    keys: Mutex<Vec<Value>>,
    /// While false, every endpoint answers 503.
    available: AtomicBool,
}

#[derive(Debug)]
struct Abort(tokio::task::AbortHandle);

impl Drop for Abort {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Served {
    /// Publishes `jwk` first in the key set, as a provider publishes a new key.
    pub(super) fn publish(&self, jwk: Value) {
        self.keys().insert(0, jwk);
    }

    /// Stops publishing the key of id `kid`.
    pub(super) fn unpublish(&self, kid: &Value) {
        self.keys().retain(|jwk| &jwk["kid"] != kid);
    }

    pub(super) fn set_available(&self, available: bool) {
        self.state.available.store(available, Ordering::Release);
    }

    fn keys(&self) -> std::sync::MutexGuard<'_, Vec<Value>> {
        self.state
            .keys
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl TestIssuer {
    /// Serves this issuer on `127.0.0.1` (a free port) for as long as the returned
    /// issuer or a clone of it lives: `GET /.well-known/openid-configuration` (its
    /// `issuer` and `jwks_uri`) and `GET /jwks.json`. The returned issuer's `iss` is the
    /// server's URL (`http://127.0.0.1:PORT`), and its [`trusted`](Self::trusted) and
    /// [`verifier`](Self::verifier) discover the keys there (plain HTTP is allowed on
    /// loopback by default; nothing to loosen).
    ///
    /// The app's own production configuration then works unchanged, given the served
    /// issuer's URL and its audience:
    ///
    /// ```
    /// # use scopes_core::{Verifier, testing::TestIssuer};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let issuer = TestIssuer::rs256().serve().await;
    /// let verifier = Verifier::builder()
    ///     .oidc_issuer(issuer.issuer())
    ///     .audience(issuer.audience())
    ///     .build()
    ///     .unwrap();
    /// # let _ = verifier;
    /// # }
    /// ```
    ///
    /// # Panics
    ///
    /// For an HMAC issuer (a secret is never published), outside a tokio runtime, or
    /// when no loopback port can be bound.
    pub async fn serve(&self) -> TestIssuer {
        self.serve_at("/").await
    }

    /// Serves this issuer, as [`serve`](Self::serve) does, at `path` on the server: for
    /// an issuer whose URL has a path, as Keycloak's realms do
    /// (`serve_at("/realms/shop")`: the issuer is `http://127.0.0.1:PORT/realms/shop`,
    /// its discovery document at `…/realms/shop/.well-known/openid-configuration`, its
    /// keys at `…/realms/shop/jwks.json`), so that an app that builds its issuer's URL
    /// from a base URL and a realm can be tested with its own code.
    ///
    /// ```
    /// # use scopes_core::testing::TestIssuer;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let issuer = TestIssuer::es256().serve_at("/realms/shop").await;
    /// assert!(issuer.issuer().ends_with("/realms/shop"));
    /// issuer.verifier().refresh_keys().await.unwrap();
    /// # }
    /// ```
    ///
    /// # Panics
    ///
    /// As [`serve`](Self::serve) does, and for a `path` that does not start with `/` or
    /// holds a character a URL path cannot hold as it is (`?`, `#`, a space…).
    pub async fn serve_at(&self, path: &str) -> TestIssuer {
        use axum::extract::State;
        use axum::response::{IntoResponse, Response};
        use axum::routing::get;
        use http::StatusCode;
        use http::header::CONTENT_TYPE;
        use serde_json::json;

        let Some(jwk) = self.inner_jwk() else {
            panic!(
                "an HMAC test issuer has no public key to serve; use `TestIssuer::rs256()` or `TestIssuer::es256()`"
            );
        };
        assert!(
            path.starts_with('/')
                && path
                    .bytes()
                    .all(|b| b.is_ascii_graphic() && !matches!(b, b'?' | b'#' | b'%')),
            "serve_at takes a path such as \"/realms/shop\", not {path:?}"
        );
        let path = path.trim_end_matches('/');
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding a loopback port for the test issuer");
        let addr = listener.local_addr().expect("the bound address");
        let url = format!("http://{addr}{path}");
        let discovery = json!({
            "issuer": url,
            "jwks_uri": format!("{url}/jwks.json"),
            "id_token_signing_alg_values_supported": [format!("{:?}", self.algorithm())],
        })
        .to_string();

        let state = Arc::new(Published {
            keys: Mutex::new(vec![jwk.clone()]),
            available: AtomicBool::new(true),
        });
        /// Answers `body` as JSON, or 503 while the server is down.
        fn answer(state: &Published, body: impl FnOnce() -> String) -> Response {
            match state.available.load(Ordering::Acquire) {
                true => ([(CONTENT_TYPE, "application/json")], body()).into_response(),
                false => StatusCode::SERVICE_UNAVAILABLE.into_response(),
            }
        }
        let discovery_route = move |State(state): State<Arc<Published>>| {
            let discovery = discovery.clone();
            async move { answer(&state, || discovery) }
        };
        let jwks_route = |State(state): State<Arc<Published>>| async move {
            answer(&state, || {
                let keys = state.keys.lock().unwrap_or_else(PoisonError::into_inner);
                json!({ "keys": *keys }).to_string()
            })
        };
        let app = axum::Router::new()
            .route(
                &format!("{path}/.well-known/openid-configuration"),
                get(discovery_route),
            )
            .route(&format!("{path}/jwks.json"), get(jwks_route))
            .with_state(Arc::clone(&state));
        let task = tokio::spawn(async move {
            // Serving ends when the task is aborted.
            let _ = axum::serve(listener, app).await;
        });
        let served = Served {
            state,
            _task: Arc::new(Abort(task.abort_handle())),
        };
        self.with_served(url, served)
    }
}
