//! The test issuer: keys made for the test, the verifier that trusts them, and test
//! tokens built from a table's scopes.

use core::fmt;
use core::time::Duration;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, Header};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::http::{Verifier, VerifierBuilder};
use crate::issuer::Signer;
use crate::keys::Key;
use crate::table::{ScopeSet, ScopeTable};
use crate::token::providers::pointer_escape;
use crate::token::{TENANT_ID, TrustedIssuer};

/// The `iss` of a test issuer's tokens until it is [served](TestIssuer::serve).
pub const TEST_ISSUER: &str = "https://issuer.test";
/// The `aud` of a test issuer's tokens: the API under test.
pub const TEST_AUDIENCE: &str = "https://api.test";
/// The tenant (`tid`) of a test issuer's tokens when its issuer is a template for
/// every tenant (see [`TestIssuer::with_issuer`]) and the token names none
/// ([`TestToken::tenant`]).
pub const TEST_TENANT: &str = "00000000-0000-4000-8000-00000000a11c";

/// An authorization server for tests: it makes its own key, hands out the [`Verifier`]
/// that trusts it, and mints tokens whose scopes are checked at compile time
/// ([`scope_set!`](crate::scope_set)).
///
/// Its tokens follow the JWT access token profile (RFC 9068): header `typ` `at+jwt`,
/// `iss`, `aud`, `sub`, `client_id`, `iat`, `exp` (in an hour), `jti`, and the scopes as
/// a space-delimited `scope` (or where an identity provider puts them:
/// [`with_scope_claim`](Self::with_scope_claim)). [`verifier`](Self::verifier) checks all
/// of that strictly, so a test token that passes is one a real identity provider could
/// have issued.
///
/// ```
/// use scopes_core::testing::TestIssuer;
/// use scopes_core::{scope_set, scopes};
///
/// scopes! { pub Scopes { "items": "Read items.", "me": "Read yourself." } }
///
/// let issuer = TestIssuer::hs256();
/// let verifier = issuer.verifier(); // give it to the app's state
/// let token = issuer.token(scope_set!("items")).sub("alice").mint();
/// let expired = issuer.token(scope_set!("items")).expired().mint();
/// # let _ = (verifier, token, expired);
/// ```
#[derive(Clone)]
pub struct TestIssuer {
    inner: Arc<Inner>,
}

struct Inner {
    signer: Signer,
    key: Key,
    algorithm: Algorithm,
    /// The public key as a JWK (none for HMAC).
    jwk: Option<Value>,
    issuer: String,
    audience: String,
    /// The JWKS server, when served: it stops when the last clone is dropped.
    served: Option<super::serve::Served>,
    /// Claims every token it mints carries ([`TestIssuer::with_claim`]).
    claims: Map<String, Value>,
    /// Where its tokens carry their scopes, when not in `scope`
    /// ([`TestIssuer::with_scope_claim`]).
    scope_claim: Option<TestScopeClaim>,
}

const KID: &str = "test-key";

impl TestIssuer {
    /// An issuer signing with `HS256` and a random 256-bit secret.
    pub fn hs256() -> Self {
        let mut secret = [0u8; 32];
        aws_lc_rs::rand::fill(&mut secret).expect("the system's random source works");
        let signer = Signer::hs256(secret).expect("a 32-byte secret is an HS256 key");
        let key = Key::hs256(secret).expect("a 32-byte secret is an HS256 key");
        Self::new(Algorithm::HS256, signer, key, None)
    }

    /// An issuer signing with `RS256` and a fresh 2048-bit RSA key.
    pub fn rs256() -> Self {
        let pair = aws_lc_rs::rsa::KeyPair::generate(KeySize::Rsa2048)
            .expect("aws-lc-rs generates an RSA key");
        let private = pair.as_der().expect("an RSA key encodes as PKCS#8");
        let public = pair.public_key();
        let key = Key::public_der(Algorithm::RS256, public.as_ref())
            .expect("an RSAPublicKey is an RS256 key");
        Self::public(Algorithm::RS256, private.as_ref(), key, rsa_jwk(public))
    }

    /// An issuer signing with `ES256` and a fresh P-256 key.
    pub fn es256() -> Self {
        let (private, point, jwk) = p256();
        let key = Key::public_der(Algorithm::ES256, &point).expect("a SEC1 point is an ES256 key");
        Self::public(Algorithm::ES256, &private, key, jwk)
    }

    fn public(algorithm: Algorithm, pkcs8: &[u8], key: Key, mut jwk: Value) -> Self {
        let pem = pem("PRIVATE KEY", pkcs8);
        let signer = Signer::private_pem(algorithm, pem).expect("the key just made is valid");
        jwk["alg"] = json!(format!("{algorithm:?}"));
        jwk["use"] = json!("sig");
        jwk["kid"] = json!(KID);
        Self::new(algorithm, signer, key, Some(jwk))
    }

    fn new(algorithm: Algorithm, signer: Signer, key: Key, jwk: Option<Value>) -> Self {
        Self {
            inner: Arc::new(Inner {
                signer: signer.with_kid(KID),
                key: key.with_kid(KID),
                algorithm,
                jwk,
                issuer: TEST_ISSUER.to_owned(),
                audience: TEST_AUDIENCE.to_owned(),
                served: None,
                claims: Map::new(),
                scope_claim: None,
            }),
        }
    }

    /// The same keys, issuing as `issuer` (`iss`).
    ///
    /// An issuer holding `{tenantid}` is a multi-tenant provider's template (Entra ID's
    /// `https://login.microsoftonline.com/{tenantid}/v2.0`): its tokens carry a `tid`
    /// ([`TEST_TENANT`], or the one [`TestToken::tenant`] names) and the template filled
    /// with it as `iss`, and [`trusted`](Self::trusted) is
    /// [`TrustedIssuer::any_tenant`] of the template, as the app configures it.
    ///
    /// ```
    /// use scopes_core::testing::TestIssuer;
    /// use scopes_core::{scope_set, scopes};
    ///
    /// scopes! { pub Scopes { "items": "Read items." } }
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let entra = TestIssuer::rs256()
    ///     .with_issuer("https://login.microsoftonline.com/{tenantid}/v2.0");
    /// let verifier = entra.verifier(); // trusts every tenant
    /// let contoso = entra
    ///     .token(scope_set!("items"))
    ///     .tenant("72f988bf-86f1-41af-91ab-2d7cd011db47")
    ///     .mint();
    /// assert!(verifier.verify(&contoso).await.is_ok());
    /// // A token whose `iss` names another tenant than its `tid` is refused.
    /// let mixed = entra
    ///     .token(scope_set!("items"))
    ///     .tenant("72f988bf-86f1-41af-91ab-2d7cd011db47")
    ///     .claim("tid", "0b5c1e7a-3d2f-4a8b-9c6e-1f4d7a2b8e90")
    ///     .mint();
    /// assert!(verifier.verify(&mixed).await.is_err());
    /// # });
    /// ```
    #[must_use]
    pub fn with_issuer(&self, issuer: impl Into<String>) -> Self {
        self.changed(|inner| inner.issuer = issuer.into())
    }

    /// The same keys, for the API `audience` (`aud`).
    #[must_use]
    pub fn with_audience(&self, audience: impl Into<String>) -> Self {
        self.changed(|inner| inner.audience = audience.into())
    }

    /// The same keys, with a claim in every token it mints, as a provider writes its
    /// own (a token's [`claim`](TestToken::claim) and [`without`](TestToken::without)
    /// still change it): Keycloak's access tokens, for instance.
    ///
    /// ```
    /// # use scopes_core::testing::TestIssuer;
    /// # use scopes_core::{Verifier, scope_set, scopes};
    /// # scopes! { pub Scopes { "items": "Read items." } }
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let keycloak = TestIssuer::rs256()
    ///     .with_audience("orders-api")
    ///     .with_claim("typ", "Bearer")
    ///     .with_claim("azp", "orders-web")
    ///     .with_claim("aud", ["orders-api", "account"]);
    /// let verifier = Verifier::builder()
    ///     .trust(keycloak.trusted().require_claim("typ", "Bearer"))
    ///     .build()
    ///     .unwrap();
    /// assert!(verifier.verify(&keycloak.mint("alice", scope_set!("items"))).await.is_ok());
    /// # });
    /// ```
    #[must_use]
    pub fn with_claim(&self, name: impl Into<String>, value: impl Serialize) -> Self {
        let value = serde_json::to_value(value).expect("a test claim serializes to JSON");
        self.changed(|inner| {
            inner.claims.insert(name.into(), value);
        })
    }

    /// The same keys, writing the scopes of every token it mints where an identity
    /// provider puts them, and read there by [`trusted`](Self::trusted) (and so
    /// [`verifier`](Self::verifier)): for an app configured with a
    /// [`providers`](crate::providers) preset, or its own
    /// [`scope_claims`](crate::TrustedIssuer::scope_claims), whose scopes are not in
    /// `scope`. The scopes are still checked at compile time
    /// ([`scope_set!`](crate::scope_set)); a token can write them elsewhere with
    /// [`TestToken::scope_claim`].
    ///
    /// ```
    /// use scopes_core::testing::{TestIssuer, TestScopeClaim};
    /// use scopes_core::{Verifier, providers, scope_set, scopes};
    ///
    /// scopes! { pub Scopes { "Items.Read": "Read items.", "Items.Read.All": "Read all items." } }
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// // Entra ID: delegated scopes in `scp`, a space-delimited string.
    /// let entra = TestIssuer::rs256()
    ///     .with_issuer("https://login.microsoftonline.com/{tenantid}/v2.0")
    ///     .with_audience("3f2a8c4e-0b7d-4e59-9a1c-6d5e8f7b2a10")
    ///     .with_scope_claim(TestScopeClaim::entra_id());
    /// // The app's own configuration: it reads `scp` and `roles`.
    /// let verifier = Verifier::builder()
    ///     .trust(entra.trusted().scope_claims(providers::entra_id()))
    ///     .build()
    ///     .unwrap();
    /// let user = entra.token(scope_set!("Items.Read")).mint();
    /// assert_eq!(entra.token(scope_set!("Items.Read")).claims()["scp"], "Items.Read");
    /// let verified = verifier.verify(&user).await.unwrap();
    /// assert_eq!(verified.scopes().collect::<Vec<_>>(), ["Items.Read"]);
    /// // An application's token: app roles in `roles`, an array.
    /// let daemon = entra
    ///     .token(scope_set!("Items.Read.All"))
    ///     .scope_claim(TestScopeClaim::entra_id_roles())
    ///     .mint();
    /// let verified = verifier.verify(&daemon).await.unwrap();
    /// assert_eq!(verified.scopes().collect::<Vec<_>>(), ["Items.Read.All"]);
    /// # });
    /// ```
    #[must_use]
    pub fn with_scope_claim(&self, scope_claim: TestScopeClaim) -> Self {
        self.changed(|inner| inner.scope_claim = Some(scope_claim))
    }

    fn changed(&self, change: impl FnOnce(&mut Inner)) -> Self {
        let inner = &*self.inner;
        let mut copy = Inner {
            signer: inner.signer.clone(),
            key: inner.key.clone(),
            algorithm: inner.algorithm,
            jwk: inner.jwk.clone(),
            issuer: inner.issuer.clone(),
            audience: inner.audience.clone(),
            served: inner.served.clone(),
            claims: inner.claims.clone(),
            scope_claim: inner.scope_claim.clone(),
        };
        change(&mut copy);
        Self {
            inner: Arc::new(copy),
        }
    }

    pub(super) fn with_served(&self, issuer: String, served: super::serve::Served) -> Self {
        self.changed(|inner| {
            inner.issuer = issuer;
            inner.served = Some(served);
        })
    }

    /// Whether it is [served](Self::serve).
    pub(super) fn is_served(&self) -> bool {
        self.inner.served.is_some()
    }

    /// The algorithm it signs with.
    pub fn algorithm(&self) -> Algorithm {
        self.inner.algorithm
    }

    /// Its `iss`.
    pub fn issuer(&self) -> &str {
        &self.inner.issuer
    }

    /// The `aud` of its tokens.
    pub fn audience(&self) -> &str {
        &self.inner.audience
    }

    /// The key that verifies its tokens, for a verifier configured by hand. Its tokens
    /// carry `iss` [`issuer`](Self::issuer) and `aud` [`audience`](Self::audience): a
    /// verifier configured by hand must accept that audience (`.audience(…)`), or it
    /// refuses them (a token with an audience nobody configured is refused).
    pub fn key(&self) -> Key {
        self.inner.key.clone()
    }

    pub(super) fn inner_jwk(&self) -> Option<&Value> {
        self.inner.jwk.as_ref()
    }

    /// Its public key set, as a JWKS document (`{"keys": []}` for an HMAC issuer, whose
    /// secret is never published).
    pub fn jwks(&self) -> Value {
        json!({ "keys": self.inner.jwk.iter().collect::<Vec<_>>() })
    }

    /// The signer behind its tokens, for claims built entirely by hand
    /// ([`Signer::sign`]).
    pub fn signer(&self) -> &Signer {
        &self.inner.signer
    }

    /// This issuer as a [`TrustedIssuer`], for the app's own verifier configuration
    /// (`Verifier::builder().trust(issuer.trusted())…`): its `iss`, its key (or, when
    /// [served](Self::serve), its discovery document), its audience under the RFC
    /// 9068 profile, and for an issuer [`with_scope_claim`](Self::with_scope_claim), that
    /// claim as the one scopes are read from (the app's own
    /// [`scope_claims`](TrustedIssuer::scope_claims) replaces it).
    pub fn trusted(&self) -> TrustedIssuer {
        let mut trusted = match self.served_trust() {
            Some(trusted) => trusted,
            None if self.is_template() => TrustedIssuer::any_tenant(self.issuer()).key(self.key()),
            None => TrustedIssuer::new(self.issuer()).key(self.key()),
        };
        if let Some(scope_claim) = &self.inner.scope_claim {
            trusted = trusted.scope_claims([scope_claim.claim.as_str()]);
        }
        trusted.rfc9068(self.audience())
    }

    /// Whether its issuer is a template for every tenant.
    fn is_template(&self) -> bool {
        self.inner.issuer.contains(TENANT_ID)
    }

    fn served_trust(&self) -> Option<TrustedIssuer> {
        // Plain HTTP on loopback is allowed by default: nothing to loosen.
        self.inner
            .served
            .as_ref()
            .map(|_| TrustedIssuer::oidc(self.issuer()))
    }

    /// A verifier builder that trusts this issuer, to set more (response mode, cache…).
    /// It trusts it as a [`TrustedIssuer`] with its audience already
    /// ([`trusted`](Self::trusted)): settings of the issuer (`require_claim`…) go on that
    /// instead (`Verifier::builder().trust(issuer.trusted().require_claim(…))`; its
    /// `audience` adds an accepted audience beside the issuer's own: for another one,
    /// [`with_audience`](Self::with_audience)); set on this builder they are refused
    /// (`ConfigError::IssuerSettingOnVerifier`).
    pub fn verifier_builder(&self) -> VerifierBuilder {
        Verifier::builder().trust(self.trusted())
    }

    /// The verifier that trusts this issuer (and only it).
    pub fn verifier(&self) -> Verifier {
        self.verifier_builder()
            .build()
            .expect("a test issuer's verifier is well configured")
    }

    /// A token granting `scopes` (build the set with [`scope_set!`](crate::scope_set),
    /// so a misspelt scope is a compile error); finish it with
    /// [`mint`](TestToken::mint).
    pub fn token<T: ScopeTable>(&self, scopes: ScopeSet<T>) -> TestToken {
        self.token_named(scopes.iter().map(|scope| scope.name.to_owned()).collect())
    }

    /// A token granting the scopes named, unchecked (the served token endpoint's).
    pub(super) fn token_named(&self, scopes: Vec<String>) -> TestToken {
        TestToken {
            issuer: self.clone(),
            scopes,
            scope_claim: self.inner.scope_claim.clone().unwrap_or_default(),
            header_typ: Some("at+jwt".to_owned()),
            claims: Map::new(),
            removed: Vec::new(),
            tenant: None,
            lifetime: Duration::from_secs(3600),
            shift: 0,
            tampered: false,
        }
    }

    /// A valid token for `sub` granting `scopes`: `token(scopes).sub(sub).mint()`.
    pub fn mint<T: ScopeTable>(&self, sub: &str, scopes: ScopeSet<T>) -> String {
        self.token(scopes).sub(sub).mint()
    }

    /// The same issuer and audience with a new key, as a provider rotates its signing
    /// key: the issuer returned signs with a fresh key of the same algorithm, under a
    /// new `kid` (`test-key-2`, `test-key-3`…). When [served](Self::serve), the server
    /// publishes the new key first, beside the earlier ones, so tokens of either verify
    /// (the app's verifier fetches the set again when it meets the new `kid`);
    /// [`retire`](Self::retire) an old one to have its tokens refused. Not served, the
    /// new key is known only to the returned issuer's own [`verifier`](Self::verifier).
    ///
    /// ```
    /// # use scopes_core::testing::TestIssuer;
    /// # use scopes_core::{scope_set, scopes};
    /// # scopes! { pub Scopes { "items": "Read items." } }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let old = TestIssuer::rs256().serve().await;
    /// let verifier = old.verifier();
    /// let new = old.rotate();
    /// assert!(verifier.verify(&new.mint("alice", scope_set!("items"))).await.is_ok());
    /// assert!(verifier.verify(&old.mint("alice", scope_set!("items"))).await.is_ok());
    /// # }
    /// ```
    #[must_use]
    pub fn rotate(&self) -> TestIssuer {
        static NEXT: AtomicU64 = AtomicU64::new(2);
        let kid = format!("{KID}-{}", NEXT.fetch_add(1, Ordering::Relaxed));
        let fresh = match self.algorithm() {
            Algorithm::HS256 => Self::hs256(),
            Algorithm::RS256 => Self::rs256(),
            Algorithm::ES256 => Self::es256(),
            other => unreachable!("a test issuer signs with HS256, RS256 or ES256, not {other:?}"),
        };
        let fresh = &fresh.inner;
        let mut jwk = fresh.jwk.clone();
        if let Some(jwk) = &mut jwk {
            jwk["kid"] = json!(kid);
        }
        let rotated = self.changed(|inner| {
            inner.signer = fresh.signer.clone().with_kid(kid.as_str());
            inner.key = fresh.key.clone().with_kid(kid.as_str());
            inner.jwk = jwk.clone();
        });
        if let (Some(served), Some(jwk)) = (&self.inner.served, jwk) {
            served.publish(jwk, rotated.unserved());
        }
        rotated
    }

    /// The same issuer without its server, which the server's token endpoint signs with
    /// (holding the server itself would keep it alive).
    pub(super) fn unserved(&self) -> Self {
        self.changed(|inner| inner.served = None)
    }

    /// Stops publishing this issuer's key (served issuers only; a provider removing a
    /// key after a rotation): the app refuses its tokens once its verifier fetches the
    /// key set again (at the set's `max-age`, or `Verifier::refresh_keys`).
    ///
    /// # Panics
    ///
    /// When the issuer is not [served](Self::serve).
    pub fn retire(&self) {
        let (Some(served), Some(jwk)) = (&self.inner.served, &self.inner.jwk) else {
            panic!("only a served test issuer publishes keys: `serve().await` it first");
        };
        served.unpublish(&jwk["kid"]);
    }

    /// Takes the server down (`false`: every endpoint answers 503) or brings it back
    /// (served issuers only), to test how the app behaves while its provider is
    /// unreachable: tokens of keys it fetched before still pass, one of a key it has
    /// not seen is refused with 503 (`assert_unavailable`). Back up, such a token is
    /// still 503 until the verifier may fetch again (its `FetchOptions::cooldown`,
    /// 10 s by default): call `Verifier::refresh_keys` in a test rather than wait.
    ///
    /// # Panics
    ///
    /// When the issuer is not [served](Self::serve).
    pub fn set_available(&self, available: bool) {
        let Some(served) = &self.inner.served else {
            panic!("only a served test issuer has a server to take down: `serve().await` it first");
        };
        served.set_available(available);
    }
}

/// Redacts the key.
impl fmt::Debug for TestIssuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestIssuer")
            .field("algorithm", &self.inner.algorithm)
            .field("issuer", &self.inner.issuer)
            .field("audience", &self.inner.audience)
            .field("scope_claim", &self.inner.scope_claim)
            .finish_non_exhaustive()
    }
}

/// A test token being built: valid unless told otherwise, one call per way of being
/// wrong. [`mint`](Self::mint) signs it.
#[derive(Debug, Clone)]
#[must_use = "a test token does nothing until `mint()` signs it"]
pub struct TestToken {
    issuer: TestIssuer,
    scopes: Vec<String>,
    /// Where its scopes go.
    scope_claim: TestScopeClaim,
    header_typ: Option<String>,
    /// Claims set or replaced by the test.
    claims: Map<String, Value>,
    /// Claims the test removed.
    removed: Vec<String>,
    /// Its tenant (`tid`), if named.
    tenant: Option<String>,
    lifetime: Duration,
    /// Seconds added to `iat`, `nbf` and `exp` (negative: in the past).
    shift: i64,
    tampered: bool,
}

impl TestToken {
    /// `sub` (the user; `test-user` by default).
    #[allow(clippy::should_implement_trait)] // named after the claim
    pub fn sub(self, sub: impl Into<String>) -> Self {
        self.claim("sub", sub.into())
    }

    /// Its tenant, as a multi-tenant provider names it (`tid`, a GUID such as Entra ID
    /// writes). From an issuer that is a template (`…/{tenantid}/v2.0`, see
    /// [`TestIssuer::with_issuer`]), its `iss` is the template filled with it (the
    /// default tenant is [`TEST_TENANT`]); from any other, it only sets `tid`. To test a
    /// token whose `iss` and `tid` disagree, set `tid` apart with
    /// [`claim`](Self::claim).
    pub fn tenant(mut self, tid: impl Into<String>) -> Self {
        self.tenant = Some(tid.into());
        self
    }

    /// `acr`: the class of the user's authentication (RFC 9470), which a route's
    /// `#[requires_scopes(…, acr = [...])]` asks for.
    pub fn acr(self, acr: impl Into<String>) -> Self {
        self.claim("acr", acr.into())
    }

    /// `auth_time`: the user authenticated actively `ago` before now (RFC 9470), which
    /// a route's `#[requires_scopes(…, max_age = …)]` judges.
    pub fn authenticated(self, ago: Duration) -> Self {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_secs());
        self.claim("auth_time", now.saturating_sub(ago.as_secs()))
    }

    /// `client_id` (`test-client` by default).
    pub fn client_id(self, client_id: impl Into<String>) -> Self {
        self.claim("client_id", client_id.into())
    }

    /// Sets a claim (any serializable value), replacing the default of the same name.
    pub fn claim(mut self, name: impl Into<String>, value: impl Serialize) -> Self {
        let value = serde_json::to_value(value).expect("a test claim serializes to JSON");
        let name = name.into();
        self.removed.retain(|removed| *removed != name);
        self.claims.insert(name, value);
        self
    }

    /// Leaves a claim out (`exp`, `sub`, …).
    pub fn without(mut self, name: impl Into<String>) -> Self {
        let name = name.into();
        self.claims.remove(&name);
        self.removed.push(name);
        self
    }

    /// Writes its scopes where `scope_claim` says, in place of its issuer's claim
    /// ([`TestIssuer::with_scope_claim`], `scope` by default): for a token of another
    /// kind than the issuer's others, as Entra ID writes an application's permissions in
    /// `roles` and a user's scopes in `scp`. The issuer's own
    /// [`trusted`](TestIssuer::trusted) reads only the issuer's claim: such a token is
    /// for an app that reads both (`providers::entra_id()`).
    pub fn scope_claim(mut self, scope_claim: TestScopeClaim) -> Self {
        self.scope_claim = scope_claim;
        self
    }

    /// Also grants names the table does not declare (as a real token may), unchecked.
    pub fn extra_scopes<'a>(mut self, names: impl IntoIterator<Item = &'a str>) -> Self {
        self.scopes.extend(names.into_iter().map(str::to_owned));
        self
    }

    /// How long the token lives (an hour by default).
    pub fn lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// Expired an hour ago (issued two hours ago): refused as `invalid_token`.
    pub fn expired(mut self) -> Self {
        self.shift = -7200;
        self
    }

    /// Valid only from an hour from now (`nbf`): refused as `invalid_token`.
    pub fn not_yet_valid(mut self) -> Self {
        self.shift = 3600;
        self.claims.remove("nbf");
        self.removed.retain(|name| name != "nbf");
        self
    }

    /// Issued by another issuer (`iss` `https://another-issuer.test`): refused as
    /// `invalid_token` by a verifier that checks the issuer (the test issuer's does).
    /// Like [`wrong_audience`](Self::wrong_audience), it is a claim: a
    /// [`claim`](Self::claim) of the same name written after it replaces it, one of
    /// [`TestIssuer::with_claim`] does not.
    pub fn wrong_issuer(self) -> Self {
        self.claim("iss", "https://another-issuer.test")
    }

    /// For another API (`aud` `https://another-api.test`): refused as `invalid_token`.
    pub fn wrong_audience(self) -> Self {
        self.claim("aud", "https://another-api.test")
    }

    /// Not an access token: header `typ` `JWT` (an ID token's), refused by a verifier
    /// under the RFC 9068 profile (the test issuer's [`verifier`](TestIssuer::verifier)
    /// is; a verifier without `rfc9068` admits it, as `JWT` says nothing). A `typ` that
    /// names another kind of JWT, `.typ(Some("logout+jwt"))`, is refused by every
    /// verifier.
    pub fn wrong_type(mut self) -> Self {
        self.header_typ = Some("JWT".to_owned());
        self
    }

    /// Sets the header's `typ` (none with `None`).
    pub fn typ(mut self, typ: Option<&str>) -> Self {
        self.header_typ = typ.map(str::to_owned);
        self
    }

    /// Signed, then its claims changed (`sub` rewritten), as an attacker would: the
    /// signature no longer verifies, refused as `invalid_token`.
    pub fn tampered(mut self) -> Self {
        self.tampered = true;
        self
    }

    /// The claims the token will carry.
    pub fn claims(&self) -> Map<String, Value> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("the clock is after 1970")
            .as_secs() as i64;
        let issued = now + self.shift;
        let inner = &self.issuer.inner;
        let mut jti = [0u8; 16];
        aws_lc_rs::rand::fill(&mut jti).expect("the system's random source works");
        let mut claims = Map::new();
        let tenant = match &self.tenant {
            Some(tenant) => Some(tenant.as_str()),
            None if self.issuer.is_template() => Some(TEST_TENANT),
            None => None,
        };
        match tenant {
            Some(tenant) => {
                claims.insert("iss".into(), json!(inner.issuer.replace(TENANT_ID, tenant)));
                claims.insert("tid".into(), json!(tenant));
            }
            None => {
                claims.insert("iss".into(), json!(inner.issuer));
            }
        }
        claims.insert("aud".into(), json!(inner.audience));
        claims.insert("sub".into(), json!("test-user"));
        claims.insert("client_id".into(), json!("test-client"));
        claims.insert("iat".into(), json!(issued));
        if self.shift > 0 {
            claims.insert("nbf".into(), json!(issued));
        }
        claims.insert("exp".into(), json!(issued + self.lifetime.as_secs() as i64));
        claims.insert("jti".into(), json!(URL_SAFE_NO_PAD.encode(jti)));
        for (name, value) in inner.claims.iter().chain(&self.claims) {
            claims.insert(name.clone(), value.clone());
        }
        self.scope_claim.write(&mut claims, &self.scopes);
        for name in &self.removed {
            claims.remove(name);
        }
        claims
    }

    /// Binds it to a DPoP key (`cnf.jkt`, RFC 9449 §6.1): it is then accepted only as
    /// `Authorization: DPoP`, with a proof signed by that key.
    pub fn dpop_bound(self, key: &super::DpopKey) -> Self {
        self.claim("cnf", json!({ "jkt": key.thumbprint() }))
    }

    /// Signs it. Panics if it cannot (a test kit's failure is the test's).
    pub fn mint(&self) -> String {
        let inner = &self.issuer.inner;
        let mut header = Header::new(inner.algorithm);
        header.typ = self.header_typ.clone();
        header.kid = inner.key.kid().map(str::to_owned);
        let claims = self.claims();
        let token = inner
            .signer
            .sign_with_header(&header, &claims)
            .expect("a test token signs");
        if !self.tampered {
            return token;
        }
        let mut claims = claims;
        claims.insert("sub".into(), json!("tampered"));
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).expect("JSON"));
        let mut parts = token.split('.');
        let (header, _, signature) = (parts.next(), parts.next(), parts.next());
        format!(
            "{}.{payload}.{}",
            header.unwrap_or_default(),
            signature.unwrap_or_default()
        )
    }

    /// `Bearer <token>`, for an `Authorization` header.
    pub fn bearer(&self) -> String {
        format!("Bearer {}", self.mint())
    }
}

/// Where a test token carries its scopes, and how: a claim named as
/// [`scope_claims`](crate::TrustedIssuer::scope_claims) names it (a top-level name, or a
/// JSON Pointer such as `/realm_access/roles` for one inside an object), holding a
/// space-delimited string or an array of strings. Give it to
/// [`TestIssuer::with_scope_claim`] or [`TestToken::scope_claim`].
///
/// The presets write the scopes as an identity provider writes them, in one of the
/// claims its [`providers`](crate::providers) preset reads:
///
/// | preset | claim | `providers` preset that reads it |
/// |---|---|---|
/// | [`scope`](Self::scope) (the default) | `scope`, a string | the default claims, [`keycloak`](crate::providers::keycloak), [`auth0`](crate::providers::auth0), [`cognito`](crate::providers::cognito) |
/// | [`entra_id`](Self::entra_id) | `scp`, a string (delegated scopes) | [`entra_id`](crate::providers::entra_id) |
/// | [`entra_id_roles`](Self::entra_id_roles) | `roles`, an array (application permissions) | [`entra_id`](crate::providers::entra_id) |
/// | [`okta`](Self::okta) | `scp`, an array | [`okta`](crate::providers::okta) |
/// | [`auth0`](Self::auth0) | `permissions`, an array (RBAC) | [`auth0`](crate::providers::auth0) |
/// | [`keycloak_realm_roles`](Self::keycloak_realm_roles) | `/realm_access/roles`, an array | [`keycloak`](crate::providers::keycloak) |
/// | [`keycloak_client_roles`](Self::keycloak_client_roles)`(client)` | `/resource_access/<client>/roles`, an array | [`keycloak`](crate::providers::keycloak)`(client)` |
/// | [`fastapi`](Self::fastapi) | `scopes`, an array | [`fastapi`](crate::providers::fastapi), the default claims |
///
/// A string is split at spaces by the verifier only in `scope`, `scp` and `scopes`; in
/// any other claim it is one name, as a mapper writes a single role, so a
/// [`string`](Self::string) there grants one scope at most: name an
/// [`array`](Self::array) for several.
///
/// Where a claim of the token ([`TestToken::claim`], [`TestIssuer::with_claim`]) is
/// already there, it stays: the scopes go in beside the members of an object on the
/// way (`realm_access` with others), and nowhere when the test set the claim itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestScopeClaim {
    /// As `scope_claims` names it.
    claim: String,
    array: bool,
}

impl Default for TestScopeClaim {
    /// [`scope`](Self::scope).
    fn default() -> Self {
        Self::scope()
    }
}

impl TestScopeClaim {
    /// The scopes as one space-delimited string in `claim` (`"Items.Read Items.Write"`).
    ///
    /// # Panics
    ///
    /// When the verifier could not read scopes from `claim` (`scope_claims` would refuse
    /// it: a registered claim such as `sub`, a JSON Pointer with a bad `~` escape or more
    /// than 8 members deep).
    pub fn string(claim: impl Into<String>) -> Self {
        Self::new(claim.into(), false)
    }

    /// The scopes as an array of strings in `claim` (`["Items.Read", "Items.Write"]`).
    ///
    /// # Panics
    ///
    /// As [`string`](Self::string).
    pub fn array(claim: impl Into<String>) -> Self {
        Self::new(claim.into(), true)
    }

    fn new(claim: String, array: bool) -> Self {
        // The verifier's own rules for a scope claim, not a copy of them.
        let key = Key::hs256([0; 32]).expect("a 32-byte secret is an HS256 key");
        if let Err(error) = Verifier::builder()
            .key(key)
            .scope_claims([claim.as_str()])
            .build()
        {
            panic!("a test token cannot carry its scopes in `{claim}`: {error}");
        }
        Self { claim, array }
    }

    /// A preset: a claim the verifier reads (the tests check each), not checked again
    /// for every token a default issuer mints.
    fn preset(claim: impl Into<String>, array: bool) -> Self {
        Self {
            claim: claim.into(),
            array,
        }
    }

    /// `scope`, a space-delimited string: RFC 9068's claim, and the default.
    pub fn scope() -> Self {
        Self::preset("scope", false)
    }

    /// Microsoft Entra ID's delegated scopes: `scp`, a space-delimited string.
    pub fn entra_id() -> Self {
        Self::preset("scp", false)
    }

    /// Microsoft Entra ID's application permissions (app roles): `roles`, an array.
    pub fn entra_id_roles() -> Self {
        Self::preset("roles", true)
    }

    /// Okta: `scp`, an array.
    pub fn okta() -> Self {
        Self::preset("scp", true)
    }

    /// Auth0's RBAC permissions: `permissions`, an array.
    pub fn auth0() -> Self {
        Self::preset("permissions", true)
    }

    /// Keycloak's realm roles: `realm_access.roles`, an array.
    pub fn keycloak_realm_roles() -> Self {
        Self::preset("/realm_access/roles", true)
    }

    /// Keycloak's roles of `client` (the API's client id):
    /// `resource_access.<client>.roles`, an array.
    pub fn keycloak_client_roles(client: &str) -> Self {
        Self::preset(
            format!("/resource_access/{}/roles", pointer_escape(client)),
            true,
        )
    }

    /// FastAPI's tutorial: `scopes`, an array.
    pub fn fastapi() -> Self {
        Self::preset("scopes", true)
    }

    /// Writes `scopes` into `claims` where the claim is, unless the test set it itself.
    fn write(&self, claims: &mut Map<String, Value>, scopes: &[String]) {
        // No scope: no space-delimited string either (RFC 6749 §3.3: a scope names at
        // least one; RFC 9068 §2.2.3 writes `scope` for a token that has some).
        if scopes.is_empty() && !self.array {
            return;
        }
        let value = match self.array {
            true => json!(scopes),
            false => json!(scopes.join(" ")),
        };
        let path: Vec<String> = match self.claim.strip_prefix('/') {
            None => vec![self.claim.clone()],
            // RFC 6901 §4: `~1` first, then `~0`.
            Some(pointer) => pointer
                .split('/')
                .map(|name| name.replace("~1", "/").replace("~0", "~"))
                .collect(),
        };
        let Some((last, on_the_way)) = path.split_last() else {
            return;
        };
        let mut object = claims;
        for name in on_the_way {
            let member = object
                .entry(name.as_str())
                .or_insert_with(|| Value::Object(Map::new()));
            // Something else the test wrote there itself.
            let Value::Object(inner) = member else {
                return;
            };
            object = inner;
        }
        object.entry(last.as_str()).or_insert(value);
    }
}

/// The public JWK of an RSA key.
fn rsa_jwk(public: &aws_lc_rs::rsa::PublicKey) -> Value {
    json!({
        "kty": "RSA",
        "n": URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero()),
        "e": URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero()),
    })
}

/// A fresh 2048-bit RSA key: its PKCS#8 PEM and its public JWK.
pub(super) fn rsa2048() -> (String, Value) {
    let pair = aws_lc_rs::rsa::KeyPair::generate(KeySize::Rsa2048)
        .expect("aws-lc-rs generates an RSA key");
    let private = pair.as_der().expect("an RSA key encodes as PKCS#8");
    (
        pem("PRIVATE KEY", private.as_ref()),
        rsa_jwk(pair.public_key()),
    )
}

/// A fresh P-256 key: its PKCS#8 document, its public point (SEC1, uncompressed) and
/// its public JWK.
pub(super) fn p256() -> (Vec<u8>, Vec<u8>, Value) {
    let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING)
        .expect("aws-lc-rs generates a P-256 key");
    let private = pair.to_pkcs8v1().expect("a P-256 key encodes as PKCS#8");
    // The uncompressed point: 0x04, then x and y.
    let point = pair.public_key().as_ref().to_vec();
    let jwk = json!({
        "kty": "EC",
        "crv": "P-256",
        "x": URL_SAFE_NO_PAD.encode(&point[1..33]),
        "y": URL_SAFE_NO_PAD.encode(&point[33..65]),
    });
    (private.as_ref().to_vec(), point, jwk)
}

/// `der` in PEM armour.
fn pem(label: &str, der: &[u8]) -> String {
    let base64 = STANDARD.encode(der);
    let mut pem = format!("-----BEGIN {label}-----\n");
    for line in base64.as_bytes().chunks(64) {
        pem.push_str(core::str::from_utf8(line).expect("base64 is ASCII"));
        pem.push('\n');
    }
    pem.push_str(&format!("-----END {label}-----\n"));
    pem
}
