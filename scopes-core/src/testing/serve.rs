//! A test issuer's endpoints on 127.0.0.1: its OpenID Connect discovery document and
//! its key set, for an app that fetches keys as it would in production.

use std::sync::Arc;

use super::TestIssuer;

/// The server's task, aborted when the last [`TestIssuer`] that holds it is dropped.
#[derive(Debug, Clone)]
pub(crate) struct Served(#[allow(dead_code)] Arc<Abort>);

#[derive(Debug)]
pub(crate) struct Abort(tokio::task::AbortHandle);

impl Drop for Abort {
    fn drop(&mut self) {
        self.0.abort();
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
        use axum::routing::get;
        use http::header::CONTENT_TYPE;
        use serde_json::json;

        assert!(
            self.inner_jwk().is_some(),
            "an HMAC test issuer has no public key to serve; use `TestIssuer::rs256()` or `TestIssuer::es256()`"
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding a loopback port for the test issuer");
        let addr = listener.local_addr().expect("the bound address");
        let url = format!("http://{addr}");
        let discovery = json!({
            "issuer": url,
            "jwks_uri": format!("{url}/jwks.json"),
            "id_token_signing_alg_values_supported": [format!("{:?}", self.algorithm())],
        });
        let jwks = self.jwks().to_string();
        let discovery = discovery.to_string();
        let json = |body: String| ([(CONTENT_TYPE, "application/json")], body);
        let app = axum::Router::new()
            .route(
                "/.well-known/openid-configuration",
                get(move || async move { json(discovery) }),
            )
            .route("/jwks.json", get(move || async move { json(jwks) }));
        let task = tokio::spawn(async move {
            // Serving ends when the task is aborted.
            let _ = axum::serve(listener, app).await;
        });
        self.with_served(url, Served(Arc::new(Abort(task.abort_handle()))))
    }
}
