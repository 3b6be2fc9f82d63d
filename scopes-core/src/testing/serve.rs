//! A test issuer's endpoints on 127.0.0.1: its OpenID Connect discovery document and
//! its key set, for an app that fetches keys as it would in production; the keys it
//! publishes change as a provider's do ([`TestIssuer::rotate`], [`TestIssuer::retire`]),
//! and the server can be taken down ([`TestIssuer::set_available`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::StatusCode;
use http::header::CONTENT_TYPE;
use serde_json::{Value, json};

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
    /// The issuer the token endpoint signs with: the newest key's, without the server.
    signing: Mutex<TestIssuer>,
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
    /// Publishes `jwk` first in the key set, as a provider publishes a new key, and
    /// signs with `signing` (its issuer) from now on.
    pub(super) fn publish(&self, jwk: Value, signing: TestIssuer) {
        self.keys().insert(0, jwk);
        *self
            .state
            .signing
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = signing;
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
    /// issuer or a clone of it lives: `GET /.well-known/openid-configuration` and, the
    /// same document, RFC 8414's `GET /.well-known/oauth-authorization-server` (its
    /// `issuer`, `jwks_uri`, `token_endpoint`, and the fields OpenID Connect Discovery
    /// requires besides, which the MCP SDKs' clients check), `GET /jwks.json`, and
    /// `POST /token` (see [`token_endpoint`](Self::token_endpoint)), for a client under
    /// test that gets its own tokens (`GET /authorize` refuses: there is no user to log
    /// in). The returned issuer's `iss` is the server's URL
    /// (`http://127.0.0.1:PORT`), and its [`trusted`](Self::trusted) and
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
    /// its discovery document at `…/realms/shop/.well-known/openid-configuration` and
    /// RFC 8414's `/.well-known/oauth-authorization-server/realms/shop`, its keys at
    /// `…/realms/shop/jwks.json`), so that an app that builds its issuer's URL
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
        // Close to what OpenID Connect Discovery requires (its ID-token algorithms are
        // the issuer's own; it issues no ID tokens), so that a client that validates the
        // document (the MCP SDKs do) accepts it: an authorization endpoint (which
        // refuses: there is no user to log in) and the response and subject types.
        let discovery = json!({
            "issuer": url,
            "authorization_endpoint": format!("{url}/authorize"),
            "jwks_uri": format!("{url}/jwks.json"),
            "token_endpoint": format!("{url}/token"),
            "grant_types_supported": ["client_credentials"],
            "response_types_supported": [],
            "subject_types_supported": ["public"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            "id_token_signing_alg_values_supported": [format!("{:?}", self.algorithm())],
        })
        .to_string();

        let state = Arc::new(Published {
            keys: Mutex::new(vec![jwk.clone()]),
            signing: Mutex::new(self.with_issuer(url.as_str()).unserved()),
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
        let token_route = |State(state): State<Arc<Published>>,
                           headers: http::HeaderMap,
                           body: Result<
            axum::body::Bytes,
            axum::extract::rejection::BytesRejection,
        >| async move {
            if !state.available.load(Ordering::Acquire) {
                return StatusCode::SERVICE_UNAVAILABLE.into_response();
            }
            let charset = match crate::issuer::expect_form(&headers) {
                Ok(charset) => charset,
                Err(refused) => return refused.into_response(),
            };
            let body = match body {
                Ok(body) => body,
                Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    return crate::issuer::TokenRequest::too_large().into_response();
                }
                Err(_) => {
                    return crate::issuer::GrantError::InvalidRequest(
                        "the form could not be read".into(),
                    )
                    .into_response();
                }
            };
            let signing = state
                .signing
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone();
            let bound_to = match dpop_key(&signing, &headers) {
                Ok(bound_to) => bound_to,
                Err(why) => return invalid_dpop_proof(&why),
            };
            match grant(&signing, &headers, &body, charset, bound_to) {
                Ok(granted) => granted.into_response(),
                Err(refused) => refused.into_response(),
            }
        };
        // No user to log in, and no registered redirect URI to send an error to (RFC
        // 6749 §4.1.2.1, §10.15: redirecting would make it an open redirector): every
        // authorization request is answered here, 400 `unsupported_response_type`.
        let authorize_route = || async {
            (
                StatusCode::BAD_REQUEST,
                [(CONTENT_TYPE, "application/json")],
                json!({
                    "error": "unsupported_response_type",
                    "error_description": "the test issuer grants client_credentials only",
                })
                .to_string(),
            )
        };
        let app = axum::Router::new()
            .route(
                &format!("{path}/.well-known/openid-configuration"),
                get(discovery_route.clone()),
            )
            // RFC 8414 §3: the well-known name goes before the issuer's path.
            .route(
                &format!("/.well-known/oauth-authorization-server{path}"),
                get(discovery_route),
            )
            .route(&format!("{path}/authorize"), get(authorize_route))
            .route(&format!("{path}/jwks.json"), get(jwks_route))
            .route(
                &format!("{path}/token"),
                axum::routing::post(token_route).layer(axum::extract::DefaultBodyLimit::max(
                    crate::issuer::TokenRequest::MOST_BYTES,
                )),
            )
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

impl TestIssuer {
    /// The token endpoint of a [served](Self::serve) issuer, `{issuer}/token`, also named
    /// by its discovery document: the client credentials grant (RFC 6749 §4.4), for a
    /// client under test (a service that calls the API, an MCP client) that gets its
    /// own tokens as it would from a provider.
    ///
    /// - A token request as RFC 6749 §3.2 has it: a `POST` of an
    ///   `application/x-www-form-urlencoded` form, each parameter once (`resource`
    ///   aside), one without a value as if omitted; anything else answers `400
    ///   invalid_request`.
    /// - Any client is accepted, authenticated with `client_secret_basic`,
    ///   `client_secret_post` or not at all (`client_id` alone); its id becomes the
    ///   token's `sub` and `client_id` (`test-client` when none is sent). Any secret
    ///   will do, but an `Authorization` header that is not a readable `Basic`
    ///   credential (RFC 6749 §2.3.1: the id and secret form-urlencoded, `id:secret` in
    ///   base64; the id printable ASCII) answers `401 invalid_client`, and a request
    ///   that authenticates both ways or names two clients `400 invalid_request`.
    /// - `scope` (space-delimited) is granted as asked, each name once, as a provider
    ///   configured for the test would: what is enough is the API's to decide. A name
    ///   that is not an RFC 6749 scope-token answers `invalid_scope`.
    /// - `resource` (RFC 8707), once or more, is the token's `aud`; without it, the
    ///   issuer's [`audience`](Self::audience). One that is not an absolute URI without
    ///   a fragment answers `invalid_target`.
    /// - With a `DPoP` proof (RFC 9449 §5: for `POST` at this endpoint, no `ath`; a
    ///   [`DpopKey`](super::DpopKey)'s `proof("POST", &issuer.token_endpoint())`), the
    ///   token is bound to the proof's key (`cnf.jkt`) and its `token_type` is `DPoP`; a
    ///   bad proof answers `400 invalid_dpop_proof`. Proofs are not remembered: a
    ///   replay is not refused here.
    ///
    /// The token is the issuer's (RFC 9068, an hour), signed with its newest key
    /// ([`rotate`](Self::rotate) moves it); the answer is `{"access_token", "token_type":
    /// "Bearer" (or "DPoP"), "expires_in", "scope"}`. While [unavailable](Self::set_available), 503.
    ///
    /// ```
    /// # use scopes_core::testing::TestIssuer;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let issuer = TestIssuer::es256().serve().await;
    /// let answer = reqwest::Client::new()
    ///     .post(issuer.token_endpoint())
    ///     .basic_auth("reporting-job", Some("any secret"))
    ///     .header("content-type", "application/x-www-form-urlencoded")
    ///     .body("grant_type=client_credentials&scope=items")
    ///     .send()
    ///     .await
    ///     .unwrap();
    /// let answer: serde_json::Value =
    ///     serde_json::from_slice(&answer.bytes().await.unwrap()).unwrap();
    /// let token = answer["access_token"].as_str().unwrap();
    /// let verified = issuer.verifier().verify(token).await.unwrap();
    /// let claims: serde_json::Value = verified.claims().unwrap();
    /// assert_eq!(claims["sub"], "reporting-job");
    /// assert_eq!(verified.scopes().collect::<Vec<_>>(), ["items"]);
    /// # }
    /// ```
    ///
    /// # Panics
    ///
    /// When the issuer is not served.
    pub fn token_endpoint(&self) -> String {
        assert!(
            self.is_served(),
            "only a served test issuer has a token endpoint: `serve().await` it first"
        );
        format!("{}/token", self.issuer())
    }
}

/// What a token request of the served endpoint is answered: the token, or why not. The
/// request is a `POST` (the route's) of a form (checked before its body was read).
fn grant(
    signing: &TestIssuer,
    headers: &http::HeaderMap,
    body: &[u8],
    charset: crate::issuer::FormCharset,
    bound_to: Option<String>,
) -> Result<crate::issuer::AccessTokenResponse, crate::issuer::GrantError> {
    use crate::issuer::{AccessTokenResponse, GrantError, TokenRequest};

    let form = TokenRequest::parse(body, charset)?;
    match form.one("grant_type")? {
        Some("client_credentials") => {}
        Some(_) => return Err(GrantError::UnsupportedGrantType),
        None => {
            return Err(GrantError::InvalidRequest(
                "the form has no `grant_type`: send `grant_type=client_credentials`".into(),
            ));
        }
    }
    form.each_once()?;
    let client = client(headers, &form)?;
    // A set of scope-tokens (RFC 6749 §3.3), in the order first asked.
    let mut scopes: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for name in form.one("scope")?.unwrap_or_default().split(' ') {
        if name.is_empty() || !seen.insert(name) {
            continue;
        }
        if !crate::http::challenge::is_scope_token(name) {
            return Err(GrantError::InvalidScope(name.to_owned()));
        }
        scopes.push(name.to_owned());
    }
    // RFC 8707 §2: each an absolute URI without a fragment.
    let resources: Vec<&str> = form.all("resource").collect();
    if resources
        .iter()
        .any(|resource| url::Url::parse(resource).map_or(true, |url| url.fragment().is_some()))
    {
        return Err(GrantError::InvalidTarget(
            "a `resource` is an absolute URI without a fragment (RFC 8707, section 2)".into(),
        ));
    }
    let mut token = signing
        .token_named(scopes.clone())
        .sub(client.as_str())
        .client_id(client.as_str());
    match resources.as_slice() {
        [] => {}
        [one] => token = token.claim("aud", *one),
        several => token = token.claim("aud", several),
    }
    let token_type = match bound_to {
        Some(thumbprint) => {
            token = token.claim("cnf", json!({ "jkt": thumbprint }));
            "DPoP"
        }
        None => "Bearer",
    };
    Ok(AccessTokenResponse {
        access_token: token.mint(),
        token_type: token_type.to_owned(),
        expires_in: 3600,
        scope: scopes.join(" "),
    })
}

/// The client of a token request: authenticated with `client_secret_basic` (RFC 6749
/// §2.3.1: its id and secret form-urlencoded, then `id:secret` in base64), or with
/// `client_secret_post`, or named by `client_id` alone; `test-client` when none is.
/// Any secret is accepted, but a credential that cannot be read is `invalid_client`
/// (401), and a request that authenticates both ways, or names two clients, is
/// `invalid_request`.
fn client(
    headers: &http::HeaderMap,
    form: &crate::issuer::TokenRequest,
) -> Result<String, crate::issuer::GrantError> {
    use crate::issuer::GrantError;

    let mut authorizations = headers.get_all(http::header::AUTHORIZATION).iter();
    let basic = match (authorizations.next(), authorizations.next()) {
        (None, _) => None,
        (Some(_), Some(_)) => {
            return Err(GrantError::InvalidRequest(
                "more than one `Authorization` header".into(),
            ));
        }
        (Some(value), None) => {
            Some(basic_client(value.as_bytes()).ok_or(GrantError::InvalidClient)?)
        }
    };
    let (named, secret) = (form.one("client_id")?, form.one("client_secret")?);
    match (basic, named, secret) {
        (Some(_), _, Some(_)) => Err(GrantError::InvalidRequest(
            "the client authenticates twice, with `Authorization` and `client_secret` (RFC 6749, section 2.3.1)".into(),
        )),
        (Some(id), Some(named), None) if id != named => Err(GrantError::InvalidRequest(
            "the client is named twice, differently".into(),
        )),
        (Some(id), _, None) => Ok(id),
        (None, None, Some(_)) => Err(GrantError::InvalidRequest(
            "`client_secret` without `client_id`".into(),
        )),
        (None, Some(id), _) if is_client_id(id) => Ok(id.to_owned()),
        (None, Some(_), _) => Err(GrantError::InvalidRequest(
            "a `client_id` is printable ASCII (RFC 6749, appendix A.1)".into(),
        )),
        (None, None, None) => Ok("test-client".to_owned()),
    }
}

/// The client id of a `Basic` credential (the scheme's name in any case, RFC 9110
/// §11.1), when it is one: base64 of `id:secret`, each form-urlencoded (RFC 6749
/// §2.3.1), the id a printable ASCII text (appendix A.1).
fn basic_client(value: &[u8]) -> Option<String> {
    use base64::Engine;

    let text = core::str::from_utf8(value).ok()?;
    let (scheme, encoded) = text.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim_matches(' '))
        .ok()?;
    let pair = String::from_utf8(decoded).ok()?;
    let (id, _secret) = pair.split_once(':')?;
    // `application/x-www-form-urlencoded` decoding of one part: `+` is a space.
    let id = id.replace('+', " ");
    let id = percent_encoding::percent_decode_str(&id)
        .decode_utf8()
        .ok()?;
    is_client_id(&id).then(|| id.into_owned())
}

/// `client-id = *VSCHAR` (RFC 6749 appendix A.1), not empty.
fn is_client_id(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|byte| (0x20..=0x7e).contains(&byte))
}

/// The thumbprint of the key of the request's DPoP proof, if it has one (RFC 9449 §5:
/// the token is then bound to that key), checked as a token endpoint checks it: for
/// `POST` at the endpoint, signed by its `jwk`, recent; no `ath`, as no access token
/// goes with it. Not remembered: a test issuer does not refuse a replayed proof. `Err`:
/// why the proof is refused.
fn dpop_key(signing: &TestIssuer, headers: &http::HeaderMap) -> Result<Option<String>, String> {
    let invalid = |description: &str| description.to_owned();
    let mut proofs = headers.get_all("dpop").iter();
    let proof = match (proofs.next(), proofs.next()) {
        (None, _) => return Ok(None),
        (Some(_), Some(_)) => return Err(invalid("more than one DPoP header")),
        (Some(proof), None) => proof
            .to_str()
            .map_err(|_| invalid("the proof is not a JWT"))?,
    };
    let uri = format!("{}/token", signing.issuer());
    let now = crate::token::now().ok_or_else(|| invalid("the clock is before 1970"))?;
    let request = crate::token::ProofRequest {
        method: "POST",
        uri: &uri,
        access_token: None,
        now,
    };
    let rules = crate::token::ProofRules {
        algorithms: &crate::http::dpop::PROOF_ALGORITHMS,
        lifetime: core::time::Duration::from_secs(300),
        leeway: core::time::Duration::from_secs(5),
    };
    crate::token::check_proof(proof, &request, &rules)
        .map(|checked| Some(checked.thumbprint))
        .map_err(|error| invalid(&error.to_string()))
}

/// `400 invalid_dpop_proof` (RFC 9449 §5), as a token endpoint answers a bad proof.
fn invalid_dpop_proof(description: &str) -> Response {
    let body = json!({
        "error": "invalid_dpop_proof",
        "error_description": description,
    });
    (
        StatusCode::BAD_REQUEST,
        crate::issuer::no_store(),
        [(CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}
