//! Testing your API (feature `testing`, for `[dev-dependencies]`).
//!
//! ```toml
//! [dev-dependencies]
//! # Not on crates.io yet: by path (or git), as in `[dependencies]`.
//! scopes-core = { path = "../scopes/scopes-core", features = ["testing"] }
//! tokio = { version = "1", features = ["macros", "rt"] }
//! ```
//!
//! A development server that mints its own tokens (as the examples do) needs the
//! feature in `[dependencies]` instead; keep such a binary out of production builds
//! (a feature of your own, or a separate crate).
//!
//! # The pieces
//!
//! - [`TestIssuer`]: an authorization server for tests. `TestIssuer::hs256()`,
//!   `rs256()` or `es256()` makes its own key; [`verifier`](TestIssuer::verifier) is
//!   the [`Verifier`](crate::Verifier) that trusts it (no secret to share by hand), or
//!   [`trusted`](TestIssuer::trusted) plugs it into your own configuration;
//!   [`serve`](TestIssuer::serve) (or [`serve_at`](TestIssuer::serve_at) a realm's
//!   path) publishes its discovery document and key set on 127.0.0.1, for an app that
//!   fetches its keys; a served issuer [`rotate`](TestIssuer::rotate)s its key,
//!   [`retire`](TestIssuer::retire)s an old one and goes down
//!   ([`set_available`](TestIssuer::set_available)) as a provider does; an issuer
//!   [`with_issuer`](TestIssuer::with_issuer) a template
//!   (`https://login.microsoftonline.com/{tenantid}/v2.0`) is a multi-tenant provider,
//!   trusted for every tenant, whose tokens name their [`tenant`](TestToken::tenant);
//!   an issuer [`with_scope_claim`](TestIssuer::with_scope_claim) writes its tokens'
//!   scopes where the app's identity provider puts them ([`TestScopeClaim`]: Entra ID's
//!   `scp`, Okta's, Auth0's `permissions`, Keycloak's roles…);
//!   a served issuer's [`token_endpoint`](TestIssuer::token_endpoint) grants tokens to
//!   any client (client credentials, `resource` as the audience, DPoP-bound when the
//!   request carries a proof), for clients that fetch their own.
//! - [`scope_set!`](crate::scope_set): the scopes a test token grants, checked at
//!   compile time against the table like `#[requires_scopes]` (a typo in a test is a
//!   compile error on the literal, with the closest declared scope).
//! - [`TestToken`]: valid by default, wrong in one call each:
//!   [`expired`](TestToken::expired), [`not_yet_valid`](TestToken::not_yet_valid),
//!   [`wrong_issuer`](TestToken::wrong_issuer),
//!   [`wrong_audience`](TestToken::wrong_audience),
//!   [`wrong_type`](TestToken::wrong_type), [`tampered`](TestToken::tampered),
//!   [`without`](TestToken::without) a claim; custom claims with
//!   [`claim`](TestToken::claim).
//! - [`send`] a request to a `Router` in process ([`get`], [`request`],
//!   [`json_request`] for a JSON body, or your own `Request` with
//!   [`BearerExt::bearer`]) and read the [`TestResponse`].
//! - [`AuthAssertions`], on a [`TestResponse`] or any `http::Response`
//!   ([`TestResponse::read`] reads one whole, for its body):
//!   `assert_admitted()`, `assert_missing_credentials()`, `assert_invalid_token()`,
//!   `assert_insufficient_scope("items")`, `assert_invalid_request()`,
//!   `assert_insufficient_user_authentication()`, `assert_dpop_error(DpopError::…)`,
//!   `assert_use_dpop_nonce()`, `assert_unavailable()`. Each panics at your line with
//!   the status and the challenge it got; they work with `#[test]`, `#[tokio::test]` or
//!   any other runner. Over real HTTP, the client's answer converted: with reqwest,
//!   `http::Response::from(response).assert_insufficient_scope("items")`.
//! - DPoP (RFC 9449): a client's [`DpopKey`] signs [`proof`](DpopKey::proof)s; a token
//!   bound to it is [`TestToken::dpop_bound`]; [`dpop_request`] builds a request with
//!   both, or [`BearerExt::dpop`] adds them to your own.
//!
//! # A test file
//!
//! ```
//! use axum::{Router, routing::get};
//! use scopes_core::testing::{self, AuthAssertions, TestIssuer};
//! use scopes_core::{Claims, Verifier, requires_scopes, scope_set, scopes};
//!
//! // In the app:
//! scopes! {
//!     pub Scopes {
//!         "items": "Read items.",
//!         "me": "Read your profile.",
//!         "admin": "Everything." implies ["items", "me"],
//!     }
//! }
//!
//! #[derive(serde::Deserialize)]
//! struct User { sub: String }
//!
//! #[requires_scopes("items")]
//! async fn read_items() -> &'static str { "[]" }
//!
//! #[requires_scopes("me")]
//! async fn me(Claims(user): Claims<User>) -> String { user.sub }
//!
//! fn app(verifier: Verifier) -> Router {
//!     Router::new()
//!         .route("/items", get(read_items))
//!         .route("/me", get(me))
//!         .with_state(verifier)
//! }
//!
//! // In the tests:
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let issuer = TestIssuer::hs256();
//! let app = app(issuer.verifier());
//!
//! let alice = issuer.mint("alice", scope_set!("me", "items"));
//! let response = testing::send(&app, testing::get("/me", Some(&alice))).await;
//! response.assert_admitted();
//! assert_eq!(response.text(), "alice");
//!
//! // `admin` implies `items`, as the table says.
//! let admin = issuer.mint("root", scope_set!("admin"));
//! testing::send(&app, testing::get("/items", Some(&admin))).await.assert_admitted();
//!
//! let reader = issuer.mint("bob", scope_set!("items"));
//! testing::send(&app, testing::get("/me", Some(&reader)))
//!     .await
//!     .assert_insufficient_scope("me");
//!
//! testing::send(&app, testing::get("/items", None))
//!     .await
//!     .assert_missing_credentials();
//! for token in [
//!     issuer.token(scope_set!("items")).expired().mint(),
//!     issuer.token(scope_set!("items")).not_yet_valid().mint(),
//!     issuer.token(scope_set!("items")).wrong_issuer().mint(),
//!     issuer.token(scope_set!("items")).wrong_audience().mint(),
//!     // Refused because `issuer.verifier()` follows RFC 9068, which checks `typ`.
//!     issuer.token(scope_set!("items")).wrong_type().mint(),
//!     issuer.token(scope_set!("items")).tampered().mint(),
//!     TestIssuer::hs256().mint("mallory", scope_set!("items")), // another issuer's key
//! ] {
//!     testing::send(&app, testing::get("/items", Some(&token)))
//!         .await
//!         .assert_invalid_token();
//! }
//! # }
//! ```
//!
//! A scope the table does not declare does not compile:
//!
//! ```compile_fail
//! # use scopes_core::{scope_set, scopes, testing::TestIssuer};
//! # scopes! { pub Scopes { "items": "Read items." } }
//! # fn main() {
//! let token = TestIssuer::hs256().mint("alice", scope_set!("itemz"));
//! // error: unknown scope `itemz` in `scope_set!`: table `Scopes` does not declare it; did you mean `items`?
//! # }
//! ```
//!
//! # The app's own verifier configuration
//!
//! When the app builds its verifier from configuration (an issuer URL, an audience, a
//! response mode), give the test issuer the same names, or give the app the test
//! issuer's:
//!
//! ```
//! # use scopes_core::{Verifier, ResponseMode, testing::TestIssuer};
//! let issuer = TestIssuer::es256()
//!     .with_issuer("https://login.example.com")
//!     .with_audience("https://api.example.com");
//! let verifier: Verifier = issuer
//!     .verifier_builder()
//!     .response_mode(ResponseMode::FastApi)
//!     .build()
//!     .unwrap();
//! # let _ = verifier;
//! ```
//!
//! `issuer.serve().await` publishes the keys on 127.0.0.1 and
//! returns the issuer named by the server's URL: `Verifier::builder()
//! .oidc_issuer(issuer.issuer()).audience(issuer.audience())` then finds them as it
//! would in production (plain HTTP is allowed on loopback by default). Whatever the
//! configuration, it must accept the test tokens' audience ([`TEST_AUDIENCE`] unless
//! changed with [`with_audience`](TestIssuer::with_audience)).
//!
//! # Scopes where the app reads them
//!
//! An app configured with a [`providers`](crate::providers) preset (or its own
//! [`scope_claims`](crate::TrustedIssuer::scope_claims)) reads its scopes where that
//! provider writes them, and a token with them in `scope` grants it nothing there. Give
//! the test issuer the same place, with a [`TestScopeClaim`] preset (or
//! [`TestScopeClaim::string`] / [`array`](TestScopeClaim::array) of any claim, a JSON
//! Pointer for a nested one); the scopes stay checked at compile time:
//!
//! ```
//! use axum::{Router, routing::get};
//! use scopes_core::testing::{self, AuthAssertions, TestIssuer, TestScopeClaim};
//! use scopes_core::{Verifier, providers, requires_scopes, scope_set, scopes};
//!
//! scopes! { pub Scopes { "Items.Read": "Read items.", "Items.Write": "Change items." } }
//!
//! #[requires_scopes("Items.Read")]
//! async fn read_items() -> &'static str { "[]" }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let entra = TestIssuer::rs256()
//!     .with_issuer("https://login.microsoftonline.com/{tenantid}/v2.0")
//!     .with_audience("3f2a8c4e-0b7d-4e59-9a1c-6d5e8f7b2a10")
//!     .with_scope_claim(TestScopeClaim::entra_id()); // `scp`, as Entra ID writes it
//! // The app's configuration, as in production:
//! let verifier = Verifier::builder()
//!     .trust(entra.trusted().scope_claims(providers::entra_id()))
//!     .build()
//!     .unwrap();
//! let app = Router::new().route("/items", get(read_items)).with_state(verifier);
//!
//! let reader = entra.token(scope_set!("Items.Read")).mint();
//! testing::send(&app, testing::get("/items", Some(&reader))).await.assert_admitted();
//! let writer = entra.token(scope_set!("Items.Write")).mint();
//! testing::send(&app, testing::get("/items", Some(&writer)))
//!     .await
//!     .assert_insufficient_scope("Items.Read");
//! # }
//! ```
//!
//! # In an integration test
//!
//! The table comes from the app's crate like any type: `scope_set!` finds the type
//! named `Scopes` in scope, or the one named with `table = path`:
//!
//! ```ignore
//! use my_api::Scopes; // the table `scope_set!` checks the names against
//! let token = issuer.mint("alice", scope_set!("items"));
//! let token = issuer.mint("alice", scope_set!("items", table = my_api::Scopes));
//! ```

mod assert;
mod dpop;
mod issuer;
mod request;
mod serve;

pub use assert::{AuthAssertions, Challenge};
pub use dpop::{DpopKey, TestProof};
pub use issuer::{TEST_AUDIENCE, TEST_ISSUER, TEST_TENANT, TestIssuer, TestScopeClaim, TestToken};
pub use request::{
    BearerExt, IntoMethod, TestResponse, dpop_request, get, json_request, request, send,
};
