//! A DPoP client for tests: a key to bind test tokens to, and proofs signed with it.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey};
use serde::Serialize;
use serde_json::{Map, Value, json};

/// A client's DPoP key: a fresh P-256 key that test tokens are bound to
/// ([`TestToken::dpop_bound`](super::TestToken::dpop_bound)) and that signs proofs
/// ([`proof`](Self::proof)).
///
/// ```
/// # async fn example() {
/// use scopes_core::testing::{BearerExt, DpopKey, TestIssuer};
/// use scopes_core::{Dpop, scope_set, scopes};
///
/// scopes! { pub Scopes { "items": "Read items." } }
///
/// let issuer = TestIssuer::es256();
/// let verifier = issuer
///     .verifier_builder()
///     .dpop(Dpop::required().public_url("http://localhost"))
///     .build()
///     .unwrap();
/// let client = DpopKey::es256();
/// let token = issuer.token(scope_set!("items")).dpop_bound(&client).mint();
/// let proof = client.proof("GET", "http://localhost/items").token(&token).sign();
/// let request = axum::http::Request::get("/items")
///     .header("host", "localhost")
///     .dpop(&token, &proof)
///     .body(axum::body::Body::empty())
///     .unwrap();
/// # let _ = (verifier, request);
/// # }
/// ```
#[derive(Clone)]
pub struct DpopKey {
    key: std::sync::Arc<EncodingKey>,
    algorithm: Algorithm,
    jwk: Map<String, Value>,
    thumbprint: String,
}

impl DpopKey {
    /// A fresh P-256 key (proofs signed `ES256`).
    pub fn es256() -> Self {
        let (pkcs8, _, jwk) = super::issuer::p256();
        let jwk = jwk.as_object().cloned().unwrap_or_default();
        let thumbprint = crate::token::thumbprint(&jwk).expect("a P-256 JWK has a thumbprint");
        Self {
            key: std::sync::Arc::new(EncodingKey::from_ec_der(&pkcs8)),
            algorithm: Algorithm::ES256,
            jwk,
            thumbprint,
        }
    }

    /// A fresh 2048-bit RSA key (proofs signed `PS256`; its JWK, as clients send it,
    /// names no `alg`).
    pub fn ps256() -> Self {
        let (pem, jwk) = super::issuer::rsa2048();
        let jwk = jwk.as_object().cloned().unwrap_or_default();
        let thumbprint = crate::token::thumbprint(&jwk).expect("an RSA JWK has a thumbprint");
        Self {
            key: std::sync::Arc::new(
                EncodingKey::from_rsa_pem(pem.as_bytes()).expect("the key just made is valid"),
            ),
            algorithm: Algorithm::PS256,
            jwk,
            thumbprint,
        }
    }

    /// The public key, as the proofs' header carries it.
    pub fn jwk(&self) -> &Map<String, Value> {
        &self.jwk
    }

    /// Its JWK SHA-256 thumbprint (RFC 7638): what a bound token's `cnf.jkt` says.
    pub fn thumbprint(&self) -> &str {
        &self.thumbprint
    }

    /// A proof for `method` at `url` (the `htu`: scheme, host and path, as the client
    /// addresses the API), to complete with [`TestProof::token`] and sign.
    pub fn proof(&self, method: &str, url: &str) -> TestProof {
        TestProof {
            key: self.clone(),
            header: Map::new(),
            claims: Map::from_iter([
                ("htm".to_owned(), json!(method)),
                ("htu".to_owned(), json!(url)),
            ]),
            removed: Vec::new(),
            shift: 0,
        }
    }
}

impl core::fmt::Debug for DpopKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DpopKey")
            .field("thumbprint", &self.thumbprint)
            .finish_non_exhaustive()
    }
}

/// A DPoP proof being made: `typ` `dpop+jwt`, the key's `alg` and `jwk`, a random
/// `jti`, `iat` now; change any of it to test a refusal.
#[derive(Debug, Clone)]
#[must_use]
pub struct TestProof {
    key: DpopKey,
    header: Map<String, Value>,
    claims: Map<String, Value>,
    removed: Vec<String>,
    shift: i64,
}

impl TestProof {
    /// The access token it goes with (`ath`, its SHA-256).
    pub fn token(self, token: &str) -> Self {
        let ath = URL_SAFE_NO_PAD.encode(crate::keys::sha256(token.as_bytes()));
        self.claim("ath", ath)
    }

    /// The server's nonce (`nonce`), from a `DPoP-Nonce` header.
    pub fn nonce(self, nonce: &str) -> Self {
        self.claim("nonce", nonce)
    }

    /// Its `jti` (random by default): give two proofs the same to test a replay.
    pub fn jti(self, jti: &str) -> Self {
        self.claim("jti", jti)
    }

    /// Signed `seconds` from now (negative: in the past).
    pub fn issued_in(mut self, seconds: i64) -> Self {
        self.shift = seconds;
        self
    }

    /// Sets a claim.
    pub fn claim(mut self, name: &str, value: impl Serialize) -> Self {
        let value = serde_json::to_value(value).expect("a claim serializes");
        self.claims.insert(name.to_owned(), value);
        self
    }

    /// Sets a header member (`typ`, `alg`, `jwk`…).
    pub fn header(mut self, name: &str, value: impl Serialize) -> Self {
        let value = serde_json::to_value(value).expect("a header member serializes");
        self.header.insert(name.to_owned(), value);
        self
    }

    /// Leaves a claim or header member out.
    pub fn without(mut self, name: &str) -> Self {
        self.removed.push(name.to_owned());
        self
    }

    /// The compact JWS, signed with the key.
    pub fn sign(&self) -> String {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("the clock is after 1970")
            .as_secs() as i64;
        let mut jti = [0u8; 16];
        aws_lc_rs::rand::fill(&mut jti).expect("the system's random source works");
        let mut header = Map::from_iter([
            ("typ".to_owned(), json!("dpop+jwt")),
            ("alg".to_owned(), json!(format!("{:?}", self.key.algorithm))),
            ("jwk".to_owned(), Value::Object(self.key.jwk.clone())),
        ]);
        header.extend(self.header.clone());
        let mut claims = Map::from_iter([
            ("jti".to_owned(), json!(URL_SAFE_NO_PAD.encode(jti))),
            ("iat".to_owned(), json!(now + self.shift)),
        ]);
        claims.extend(self.claims.clone());
        for name in &self.removed {
            header.remove(name);
            claims.remove(name);
        }
        let encode = |map: &Map<String, Value>| {
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(map).expect("JSON"))
        };
        let message = format!("{}.{}", encode(&header), encode(&claims));
        let signature = crate::keys::sign(message.as_bytes(), &self.key.key, self.key.algorithm)
            .expect("the client's key signs");
        format!("{message}.{signature}")
    }
}
