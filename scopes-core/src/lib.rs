//! FastAPI's OAuth2 scopes for axum, checked at compile time.
//!
//! Declare the scope table once, annotate handlers, and every request is verified and
//! answered as RFC 6750 says:
//!
//! ```
//! use axum::{Router, routing::get};
//! use scopes_core::{Claims, Key, Verifier, requires_scopes, scopes};
//!
//! scopes! {
//!     /// The scopes of this API.
//!     pub Scopes {
//!         "me": "Read information about the current user.",
//!         "items": "Read items.",
//!         "admin": "Everything." implies ["me", "items"],
//!     }
//! }
//!
//! #[derive(serde::Deserialize)]
//! struct User {
//!     sub: String,
//! }
//!
//! #[requires_scopes("items")]
//! async fn read_items() -> &'static str {
//!     "[]"
//! }
//!
//! #[requires_scopes("me", any("items", "admin"))]
//! async fn read_own_items(Claims(user): Claims<User>) -> String {
//!     format!("items of {}", user.sub)
//! }
//!
//! # fn main() -> Result<(), scopes_core::ConfigError> {
//! let verifier = Verifier::new(Key::hs256(
//!     "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7",
//! )?)?;
//! let app: Router = Router::new()
//!     .route("/items/", get(read_items))
//!     .route("/users/me/items/", get(read_own_items))
//!     .with_state(verifier);
//! # Ok(()) }
//! ```
//!
//! A scope the table does not declare is a compile error on the literal:
//!
//! ```compile_fail
//! # use scopes_core::{requires_scopes, scopes};
//! scopes! { pub Scopes { "items": "Read items." } }
//!
//! #[requires_scopes("itemz")] // unknown scope `itemz` in `#[requires_scopes]`: table `Scopes` does not declare it; did you mean `items`?
//! async fn read_items() {}
//! # fn main() {}
//! ```
//!
//! # One table for a workspace
//!
//! A table is an ordinary type. Declare it once in your `auth` crate (with its scoped
//! extractors and layer requirements) and use it from every service crate, their
//! binaries, examples and integration tests: `use auth::Scopes;` then
//! `#[requires_scopes("items")]`, or `#[requires_scopes("items", table = auth::Scopes)]`
//! (a type alias or a re-export works too). Each scope literal is checked in the crate
//! that uses it (a constant rustc evaluates against the table), so a typo is an error on
//! the literal there, with the closest declared name.
//!
//! A crate that depends on scopes-core only through a re-export (the `auth` crate does
//! `pub use scopes_core;`) names that path once, in its `Cargo.toml`, for every macro
//! in the crate:
//!
//! ```toml
//! [package.metadata.scopes]
//! crate = "auth::scopes_core"
//! ```
//!
//! (read from the crate root; trybuild's UI tests build with a manifest of their own, so
//! there say it on the macro) or on one macro (the path bare or in a string):
//! `#[requires_scopes("items", crate = auth::scopes_core)]`,
//! `scopes! { #[scopes(crate = auth::scopes_core)] pub Billing { … } }` and
//! `security_of!(handler, crate = auth::scopes_core)`. A crate that does neither gets
//! one error per macro that says both (and then errors where what those macros would
//! have declared is used: fix the first ones first). A dependency renamed
//! (`sc = { package = "scopes-core", … }`) needs none of this: the macros read its name
//! from the manifest.
//!
//! # Features
//!
//! | feature | default | what it does |
//! |---|---|---|
//! | `macros` | yes | `scopes!` and `#[requires_scopes]` |
//! | `aws_lc_rs` | yes | jsonwebtoken's aws-lc-rs crypto backend (except HS256 on a CPU with SHA-256 instructions, checked with RustCrypto's `hmac` and `sha2`: for a token's few blocks they are about 1.7 times as fast as aws-lc's HMAC context; aws-lc in FIPS mode keeps it) |
//! | `rust_crypto` | no | jsonwebtoken's pure-Rust backend; with both enabled, aws-lc-rs is used (HS256 as above). The crate calls its backend directly and never touches jsonwebtoken's process-wide provider (see [`install_crypto_provider`] if your own code uses jsonwebtoken) |
//! | `aide` | no | [aide](https://docs.rs/aide) 0.15 integration: `#[requires_scopes]` handlers document their `security` and 400/401/403 responses, the crate's extractors and responses take part in aide's inference (see `openapi::aide`) |
//! | `jwks` | no | keys from a JWKS URL or OpenID Connect discovery, refreshed (reqwest, rustls) |
//! | `introspection` | no | opaque tokens checked at the issuer's introspection endpoint (RFC 7662), alone or beside JWTs: `TrustedIssuer::introspection` (implies `jwks`) |
//! | `testing` | no | the test kit (implies `jwks`): a test issuer with its own keys, tokens typed by the table, request helpers and refusal assertions (see `testing`, "Testing your API") |
//! | `metrics` | no | counters and a histogram through the [`metrics`](https://docs.rs/metrics) facade (see "Observability" below) |
//! | `redis` | no | `store::RedisStore`: the DPoP replay check and introspection answers shared by every instance of an API (see "Many instances" below) |
//! | `utoipa` | no | [utoipa](https://docs.rs/utoipa) 6 integration (your own `utoipa` dependency must be 6 too): the table is a `Modify`, `#[utoipa::path]` handlers get their `security` and 400/401/403 responses (see `openapi::utoipa`) |
//!
//! # The table: `scopes!`
//!
//! `scopes! { [attrs] [vis] Name { "scope": "description" [implies ["other", …]], … } }`
//! reads like FastAPI's `scopes={"me": "…", "items": "…"}`. It generates the unit
//! struct `Name` implementing [`ScopeTable`] (names, descriptions, indices, lookup,
//! iteration, the implication closure). It is an ordinary type: `#[requires_scopes]`
//! checks scope names against it at compile time wherever its path resolves. Scope names follow
//! RFC 6749 §3.3 (printable ASCII without space, `"` or `\`); `implies` is resolved
//! transitively and a cycle is an error.
//!
//! After the scopes, a table may declare its OpenAPI security schemes, checked at
//! compile time (flows, their required URLs) and described by [`openapi`] (serde, and
//! utoipa with the `utoipa` feature):
//!
//! ```
//! # use scopes_core::scopes;
//! scopes! {
//!     pub Scopes {
//!         "me": "Read information about the current user.",
//!         "items": "Read items.",
//!     }
//!     oauth2 "OAuth2PasswordBearer" {
//!         password { token_url: "token" },
//!         authorization_code {
//!             authorization_url: "https://auth.example.com/authorize",
//!             token_url: "https://auth.example.com/token",
//!             refresh_url: "https://auth.example.com/token",
//!         },
//!     }
//!     openid_connect { url: "https://auth.example.com/.well-known/openid-configuration" }
//! }
//! # fn main() {}
//! ```
//!
//! # The attribute: `#[requires_scopes]`
//!
//! - `#[requires_scopes("a", "b")]`: all of them;
//! - `#[requires_scopes(any("a", "b"))]`: one of them; `all(...)` and `any(...)` nest;
//! - `#[requires_scopes("a", table = crate::auth::Scopes)]`: a table other than the
//!   default;
//! - `#[requires_scopes]`: a valid token and no scope of its own (what the scoped
//!   extractors it takes require still applies); documented as secured with no scope;
//! - `#[requires_scopes("a", acr = ["urn:example:mfa"], max_age = 300)]`: step-up
//!   (RFC 9470) too: a token with the scopes whose user did not authenticate so is
//!   answered 401 `insufficient_user_authentication` with `acr_values` and `max_age`.
//!
//! **How the table is found:** without `table = …`, the attribute uses the type named
//! `Scopes` where the handler is, exactly as if the handler's code said `Scopes`:
//! declare it in the same module or import it (`use auth::Scopes;`: rustc suggests the
//! import only for a table of the same crate). A table with another name, or a second
//! table, is named with `table = path`.
//!
//! # Composition, as in FastAPI
//!
//! On an `impl FromRequestParts` block the attribute makes a *scoped extractor*, the
//! counterpart of `Security(get_current_active_user, scopes=["me"])`: the extractor
//! checks its scopes wherever it is used, and a `#[requires_scopes]` handler taking it
//! requires both, listing the union (the handler's first) when it refuses. On a struct it
//! names a requirement for [`RequireScopesLayer`] (router level). [`SecurityScopes`] shows
//! a handler what was required and granted (of its table). An extractor whose scopes are
//! of another table than the handler's (the company's `auth::CurrentUser` in a handler of
//! a service's own table) composes too: the handler's check checks its scopes with its
//! own and names them after its own when it refuses, and the operation's OpenAPI
//! `security` requires them under that table's schemes (one list where both tables'
//! schemes have the same name).
//!
//! ```
//! # use axum::{extract::FromRequestParts, http::request::Parts, response::Response};
//! # use scopes_core::{Claims, requires_scopes, scopes};
//! # scopes! { pub Scopes { "me": "Me.", "items": "Items." } }
//! # #[derive(serde::Deserialize)] struct User { sub: String }
//! struct CurrentUser(User);
//!
//! #[requires_scopes("me")]
//! impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
//!     type Rejection = Response;
//!
//!     async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
//!         let Claims(user) = Claims::<User>::from_request_parts(parts, state).await?;
//!         Ok(CurrentUser(user))
//!     }
//! }
//!
//! #[requires_scopes("items")] // requires `items` and `me`; refusals say scope="items me"
//! async fn read_own_items(CurrentUser(user): CurrentUser) -> String {
//!     user.sub
//! }
//! # fn main() {}
//! ```
//!
//! The attribute injects an extractor as the first parameter (what [`Authorized`] does,
//! with the table reached through the handler's hidden requirement type): the token is
//! verified and the scopes checked before any other extractor runs. The requirement is
//! compiled into bitmasks; at request time the check is a mask test. The handler is made
//! generic over the router's state, which rustc infers from its route: a router state
//! that gives no [`Verifier`] is an error there ("the router's state `AppState` gives no
//! `Verifier` to check the token with", with the `FromRef` to write), and a handler named
//! outside a route names the state (`read_items::<AppState>`). The attribute goes above
//! `#[axum::debug_handler(state = AppState)]` (which takes no generic function, so the
//! handler is then left as written, and `debug_handler` names a missing `Verifier`; the
//! other order is an error that says so; without `state = …`, `debug_handler` checks
//! against `()`). Handlers must be free `async fn`s: on an associated function of an
//! `impl` block the attribute says to move it out.
//!
//! # Tokens
//!
//! A [`Verifier`] (in the router state, reached through `FromRef`) checks the signature
//! with keys pinned to one algorithm each ([`Key`]), `exp` (required), `nbf`, `iat` (not in the future), and
//! `iss`/`aud` when configured. Scopes are read from `scope` (space-delimited),
//! `scopes` (an array, as FastAPI mints them: a string there refuses the token) and
//! `scp` (either), configurable; names the table does not know are ignored. Extractors
//! refuse with a [`Rejection`]: its [`reason`](Rejection::reason) is an
//! [`AuthRejection`] to match on, and its response
//! follows the verifier's [`ResponseMode`] (RFC 6750 by default, or FastAPI's answers)
//! and [`on_rejection`](VerifierBuilder::on_rejection) hook. The injected extractor,
//! [`Claims`], [`SecurityScopes`], [`RequireScopesLayer`] and [`Verifier::refuse`] all
//! answer through that one model.
//!
//! A token is verified by one path, [`Verifier::verify`]; the [`VerifiedToken`] it
//! yields is kept in the request for the other extractors, bound to the verifier that
//! vouched for it: a layer or extractor with another verifier verifies the token again
//! with its own rules. A claim the verifier reads (`exp`, `nbf`, `iss`, `aud`, `sub`,
//! `client_id`, `iat`, `jti`, `acr`, `auth_time`, `cnf`, the scope claims, `tid` beside
//! a tenant template, each `require_claim`) given twice refuses the token (RFC 7519
//! §4 allows refusing or keeping the last; refusing leaves no parser disagreement), and
//! `iss` must be one string.
//!
//! # Identity providers (feature `jwks`)
//!
//! Keycloak, Auth0, Entra ID or Okta publish their keys as a JWKS and rotate them. One
//! line points the verifier at the issuer; discovery finds the key set, the document's
//! `issuer` must be the configured one, and `iss` is checked on every token.
//! See `VerifierBuilder::oidc_issuer` for the setup.
//!
//! Each JWK is pinned to its own `alg` (a token's `alg` only selects); `kty`/`crv`
//! mismatches, symmetric and encryption keys are left out, and one bad key never drops
//! the others. Reads never take a lock a refresh holds. The set is refreshed after its
//! `Cache-Control: max-age`, and on a token naming an unknown `kid`, at most once per
//! cooldown, a burst of such tokens sharing one fetch; while the provider fails, the
//! last good set serves, and a token naming a key it lacks is answered 503 (it could not
//! be checked), not 401. A set the provider serves without a usable key (empty, say)
//! replaces the last one all the same: the keys it withdrew are trusted no longer. URLs come from configuration only (`jku`/`x5u` are ignored),
//! must be https (http on loopback), and fetches are bounded in time and size
//! (`FetchOptions`). Several issuers at once are each a [`TrustedIssuer`] given to
//! [`VerifierBuilder::trust`]: a token is routed by its `iss` to that issuer's keys,
//! audience and claim shape. Scopes and roles are read where each provider puts them,
//! nested claims included: see [`providers`].
//!
//! # Opaque tokens (feature `introspection`)
//!
//! An issuer whose access tokens are opaque (or that wants them checked online) is
//! asked at its introspection endpoint (RFC 7662): `TrustedIssuer::introspection`
//! with an `Introspection` (endpoint, client credentials, limits, cache bounds). The
//! answer's claims are checked exactly as a JWT's, so scopes, `Claims<T>`,
//! `SecurityScopes` and refusals work the same. An endpoint that cannot be asked
//! refuses the request (fail closed).
//!
//! # Sender-constrained tokens: DPoP (RFC 9449)
//!
//! [`VerifierBuilder::dpop`] with [`Dpop::allowed`] (bearer and DPoP-bound tokens) or
//! [`Dpop::required`] (only DPoP-bound ones) reads `Authorization: DPoP <token>` and its
//! `DPoP` proof: `typ`, an asymmetric `alg` of the allowlist, the public `jwk`, the
//! signature, `htm`, `htu` (where clients reach the server, [`Dpop::public_url`]; or,
//! for tests and local runs, the request's own URL, `Dpop::url_from_request`),
//! `iat`, `ath`, a `jti` not seen before ([`Dpop::store`]) and, with [`Dpop::nonces`],
//! the server's nonce; the token's `cnf.jkt` must be the proof key's thumbprint (a JWT's,
//! or an introspection answer's; otherwise `invalid_token`, "Invalid DPoP key
//! binding"). A DPoP-bound token sent as `Bearer` is always refused.
//! Refusals are `401` with `WWW-Authenticate: DPoP error="invalid_dpop_proof",
//! error_description="…", algs="…"` ([`DpopError`]), `use_dpop_nonce` with a `DPoP-Nonce`
//! header, or the usual `invalid_token` and `insufficient_scope` in a `DPoP` challenge;
//! where both schemes are accepted, the other is challenged too.
//! [`ResourceMetadata::dpop`] says the same in the resource's metadata (RFC 9728), and
//! `openapi::document_dpop` in an OpenAPI document. The testing kit makes DPoP clients:
//! `testing::DpopKey`, `TestToken::dpop_bound`, `BearerExt::dpop`.
//!
//! ```
//! use scopes_core::{Dpop, Key, Verifier};
//! # fn main() -> Result<(), scopes_core::ConfigError> {
//! let verifier = Verifier::builder()
//!     .key(Key::hs256("a secret of at least thirty-two bytes!!")?)
//!     .dpop(Dpop::required().public_url("https://api.example.com"))
//!     .build()?;
//! # Ok(()) }
//! ```
//!
//! # Many instances
//!
//! Behind a load balancer, a proof replayed to another instance, or an introspection
//! answer fetched by each, defeats the point. Both sit behind one small trait,
//! [`store::Store`]: by default DPoP's replay check keeps its proofs in a
//! [`store::MemoryStore`] of its own and introspection answers stay in the introspector's
//! own bounded cache; `store::RedisStore` (feature `redis`) shares them: `Dpop::store(redis.clone())` and
//! `Introspection::store(redis)`. A Redis store holds as much as Redis does; a memory
//! store is bounded, and refuses when full (give each use its own). When the store cannot be reached, a DPoP proof is
//! refused (503 with `Retry-After`: it could not be checked), and an
//! introspection answer is asked of the endpoint (each instance keeps its own cache).
//!
//! # MCP servers
//!
//! [`McpScopesLayer`] guards an MCP server over Streamable HTTP (rmcp's, or any other):
//! every request verified, each `tools/call`, `prompts/get` and resource read checked
//! against the scopes declared for its tool, prompt or resource with a requirement
//! marker (a typo is a compile error) before the server reads it, what was not declared
//! refused, sessions bound to the principal that opened them. With [`ResourceMetadata`]
//! (RFC 9728) and [`VerifierBuilder::scope_on_401`], challenges lead MCP clients to the
//! authorization server and the scopes. [`McpScopesLayer`]'s documentation shows the
//! guard built and routed, what it answers, and how a tool reads the verified token; a
//! whole rmcp server (tools, a prompt, a resource, a development authorization server)
//! is `examples/src/mcp.rs` in the repository, run by `cargo run -p scopes-examples
//! --bin mcp`.
//!
//! # Token endpoints
//!
//! The issuer side lives apart, in [`issuer`]: [`issuer::PasswordForm`],
//! [`issuer::grant_scopes`], [`issuer::AccessTokenResponse`] and [`issuer::GrantError`]
//! make a password-grant `/token` route; [`issuer::Signer`] mints tokens (also handy in
//! tests). See the
//! tutorial port in the repository's `examples/`.
//!
//! # OpenAPI
//!
//! Everything is computed from the table and the attributes, not by walking the router:
//!
//! - the table's security schemes: [`openapi::security_schemes`] (serde), or the table
//!   itself as a utoipa `Modify`: `#[openapi(modifiers(&Scopes))]`;
//! - an operation's `security` (its handler's scopes, then its scoped extractors',
//!   `any(...)` as several requirement objects) and its `401`/`403` responses with the
//!   RFC 6750 challenge: [`openapi::security_of!(handler)`](openapi::security_of)
//!   (serde); with utoipa, `#[requires_scopes]` written above `#[utoipa::path]`; with
//!   aide, nothing at all (the injected extractor documents itself);
//! - the responses as a verifier in FastAPI's mode answers them:
//!   `ProtectedResponses::in_mode`, `openapi::utoipa::document_response_mode`;
//! - router layers add their scopes with [`OperationSecurity::and`](openapi::OperationSecurity::and).
//!
//! The tutorial port serves the result at `/openapi.json` and Swagger UI at `/docs`,
//! whose Authorize dialog offers the scopes with their descriptions.
//!
//! # Testing your API (feature `testing`)
//!
//! The `testing` module is a chapter of its own: a `testing::TestIssuer` that makes its
//! keys and hands out the verifier that trusts them, test tokens whose scopes are
//! checked at compile time (`issuer.mint("alice", scope_set!("items"))`), each wrong
//! token in one call (`.expired()`, `.wrong_audience()`, `.tampered()`, …), requests to
//! a `Router` in process and assertions on refusals
//! (`.assert_insufficient_scope("items")`).
//!
//! # Observability
//!
//! Every refusal the crate answers emits one [`tracing`](https://docs.rs/tracing) event,
//! target `scopes_core::refusal`, level INFO, message `request refused`, with these
//! fields (never the token or a secret; of a token's claims, only `iss`, `aud` and scope
//! names, and of a DPoP proof refused for its URL, its `htu`):
//!
//! | field | what it holds |
//! |---|---|
//! | `reason` | a stable code ([`AuthRejection::code`]): `missing_credentials`, `invalid_request.malformed_authorization`, `invalid_token.expired`, `invalid_token.bad_signature`, `invalid_token.wrong_audience`, `invalid_token.claims_mismatch`, …, `insufficient_scope`, `insufficient_user_authentication`; and the [`McpScopesLayer`]'s own, for a verified token: `mcp.foreign_session` (a session id bound to another principal: 404), `mcp.unknown_session` (a session id the guard did not see opened: the same 404), `mcp.undeclared_tool`, `mcp.undeclared_prompt` and `mcp.undeclared_resource` (a tool, prompt or resource not declared to the guard: 400), `mcp.invalid_resource_uri` (a resource URI a server could read as another, a dot segment or an escaped `/` say: 400) and `mcp.unknown_method` (a method a guard told to refuse unknown ones does not know: 400) |
//! | `status` | the status answered (400, 401, 403, 404, 429, 503) |
//! | `detail` | the reason in words (the `error_description`) |
//! | `verifier` | the verifier's configured issuers, space-separated (`(no issuer check)` for keys alone) |
//! | `issuer` | the verified token's `iss` (refusals after verification: a 403, a step-up, claims of another shape) |
//! | `required` | every scope the route requires, space-separated |
//! | `granted` | the scope names the verified token grants (cut after the last whole name within 1 KiB, with `…`) |
//! | `token_iss`, `token_aud` | for `invalid_token.wrong_issuer` and `invalid_token.wrong_audience`: the token's `iss` and `aud` (its strings, space-separated), each cut to 120 characters, what is not printable ASCII written `\u{…}`; read from a token nobody vouched for (a routed verifier refuses an unknown issuer before any signature check) |
//! | `token_tid` | for the same two: the token's `tid`, cut and escaped alike, which fills a tenant template's `{tenantid}` ([`TrustedIssuer::any_tenant`]): an `iss` of one tenant beside a `tid` of another shows here |
//! | `audiences` | for `invalid_token.wrong_audience`: the audiences the verifier accepts from the token's issuer, or `(none configured)` (a verifier without an audience refuses every token that names one; Keycloak's `account`, in `token_aud` here, is the usual surprise: see [`providers`]) |
//! | `proof_htu`, `expected_htu` | for `invalid_dpop_proof.uri`: the proof's `htu` (signed by any key: escaped as above, cut to 512 characters) and the URL the verifier expected, without the query ([`Dpop::public_url`](crate::Dpop::public_url) or the request's scheme and `Host`, then the path; none for a `Host` that is not `host[:port]`) |
//! | `required_claims` | for `invalid_token.required_claim`: what the token's issuer requires ([`require_claim`](TrustedIssuer::require_claim)), e.g. `` `typ` = `Bearer`; `azp` = `web` or `cli` `` (the configured values; the token's are not written) |
//! | `tool`, `prompt`, `resource`, `method` | for the MCP guard's refusals of a tool, prompt or resource (undeclared, an invalid resource URI, or a 403 `insufficient_scope`), or of an unknown method: the name, URI or method the message named, in the field of its kind (the request's text: escaped and cut as `token_iss` is) |
//! | `claims_error` | for `invalid_token.claims_mismatch`: the field and the type expected, e.g. ``` `age`: invalid type: string, expected u32 ```; below the claim's name a path's keys are `*` (a map's keys are the token's), and a type's own error message (which may quote the value) is left out; for `invalid_token.invalid_scope_claim`: which scope claim did not read and what it held, e.g. ``` scope claim `realm_access`: an object, expected a string or an array of strings ``` (a claim configured by the wrong name, where `/realm_access/roles` was meant) |
//!
//! What goes beyond the reason is gathered only when such an event is enabled, so a
//! refusal costs nothing more when nobody listens. A request a check admits emits one
//! event at TRACE, target `scopes_core::admit`, with `check` (`handler`, `layer` or
//! `mcp`), `verifier`, `issuer`, `required` and `granted`. Filter them as any target,
//! e.g. `RUST_LOG=scopes_core::refusal=info` with tracing-subscriber's `EnvFilter`.
//!
//! With the `metrics` feature, the crate records through the
//! [`metrics`](https://docs.rs/metrics) facade (install any recorder: Prometheus,
//! StatsD, …):
//!
//! | metric | kind | labels | counts |
//! |---|---|---|---|
//! | `scopes_admitted_total` | counter | `check`: `handler`, `layer`, `mcp` | requests a check admitted |
//! | `scopes_refused_total` | counter | `reason`: the codes above | refusals answered |
//! | `scopes_token_cache_total` | counter | `result`: `hit`, `miss` | lookups in the verified-token cache |
//! | `scopes_verify_seconds` | histogram | | the time of each verification the cache did not answer |
//! | `scopes_key_refresh_total` | counter | `outcome`: `ok`, `error` | fetches of a remote key set (feature `jwks`) |
//!
//! Labels are static strings: counting allocates nothing.
//!
//! # How the crate is laid out
//!
//! A request's data crosses it once, stage by stage, each importing only the stages
//! before it: `table` (scope names → bits, requirements as bitmasks) → `keys` (where an
//! issuer's keys come from: configured, or a remote JWKS behind one `KeyStore` seam) →
//! `token` (a bearer string becomes a [`VerifiedToken`]: header, signature, claims in one
//! pass, the verified-token cache) → `http` (the bearer header, the [`Verifier`] in the
//! router state, the extractors and the layer, the refusal model and its challenge
//! formatter) → [`openapi`] (documents what the macros declared). The issuer side
//! ([`issuer`]: minting, token endpoint) and the test kit (`testing`) stand beside them. The crate root re-exports
//! the resource-server API; `__private` holds what the macros expand to.

#![cfg_attr(docsrs, feature(doc_cfg))]

// Lets the crate's own tests and docs expand `::scopes_core::…` paths.
#[allow(unused_extern_crates)]
extern crate self as scopes_core;

// The stages a request crosses, each importing only those before it (and `error`, the
// vocabulary they share): table → keys → token → http → openapi; the issuer side apart.
mod error;
mod http;
pub mod issuer;
mod keys;
pub mod openapi;
pub mod store;
mod table;
#[cfg(feature = "testing")]
pub mod testing;
mod token;

pub use error::{ConfigError, DpopError, TokenError};
pub use http::{
    AuthRejection, Authorized, Claims, Dpop, InvalidRequest, McpScopes, McpScopesLayer, Rejection,
    RequireScopes, RequireScopesLayer, ResourceMetadata, ResponseFuture, ResponseMode,
    SecurityScopes, Verifier, VerifierBuilder,
};
pub use jsonwebtoken::Algorithm;
pub use keys::install_crypto_provider;
#[cfg(feature = "jwks")]
pub use keys::{FetchOptions, KeyFetchError, KeyRefreshError};
pub use keys::{Key, SkipReason, SkippedKey};
pub use table::{
    Authentication, RequiredScopes, Requirement, ScopeInfo, ScopeSet, ScopeTable, Words,
};
#[cfg(feature = "introspection")]
pub use token::Introspection;
pub use token::{CacheLimits, TrustedIssuer, VerifiedToken, providers};

#[cfg(feature = "macros")]
pub use scopes_macros::{requires_scopes, scopes};

/// `scope_set!("items", "me")`: the [`ScopeSet`] of these scopes, built at compile time,
/// each name checked against the table as `#[requires_scopes]` checks its literals (for
/// test tokens above all: [`testing`](crate#testing-your-api-feature-testing)).
///
/// The table is found as `#[requires_scopes]` finds it: the type named `Scopes` in
/// scope (`use my_api::Scopes;` in an integration test), or the one named with
/// `table = path` (a path from another crate, a re-export or an alias). A crate that
/// reaches scopes-core through a re-export adds `crate = path::to::scopes_core`.
/// `scope_set!()` is the empty set. The set holds exactly the names given; implied
/// scopes are what a token granting them gets when verified, not part of the set.
///
/// ```
/// use scopes_core::{ScopeSet, scope_set, scopes};
///
/// scopes! {
///     pub Scopes {
///         "items": "Read items.",
///         "me": "Read yourself.",
///         "admin": "Everything." implies ["items", "me"],
///     }
/// }
///
/// type Alias = Scopes;
///
/// let set = scope_set!("me", "items");
/// assert_eq!(set, scope_set!("items", "me", table = Alias));
/// let names: Vec<&str> = set.iter().map(|scope| scope.name).collect();
/// assert_eq!(names, ["items", "me"]); // the table's order, not the call's
/// let none: ScopeSet<Scopes> = scope_set!();
/// assert!(none.is_empty());
/// ```
///
/// An unknown name is a compile error on it, with the closest declared one:
///
/// ```compile_fail
/// # use scopes_core::{scope_set, scopes};
/// # scopes! { pub Scopes { "items": "Read items." } }
/// let set = scope_set!("itemz");
/// // error: unknown scope `itemz` in `scope_set!`: table `Scopes` does not declare it; did you mean `items`?
/// ```
///
/// So is a literal holding two names (`"items me"`: write `"items", "me"`), a name
/// given twice, or a name that is not an RFC 6749 scope-token.
#[cfg(feature = "macros")]
pub use scopes_macros::scope_set;

/// The README's example compiles.
#[cfg(all(doctest, feature = "macros"))]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctest;

/// Not public API: what the fuzz targets (`fuzz/`, built with `--cfg fuzzing`) reach.
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod __fuzz {
    pub use jsonwebtoken::jwk::Jwk;

    /// The keys a JWKS document yields (none when it is not one).
    pub fn parse_jwks(json: &[u8]) -> Vec<crate::Key> {
        crate::keys::parse_set(json).map_or_else(|_| Vec::new(), |parsed| parsed.keys)
    }
}

/// Not public API: what the macros expand to.
#[doc(hidden)]
pub mod __private {
    pub use crate::http::{
        Authorized, CheckIn, CheckInSole, HandlerCheck, NeedsVerifierInState,
        NeedsVerifierInStateSole, TableVisitor, Verifier, VerifierState, handler_requirement,
    };

    /// Implemented by the fallback `__path_<handler>` that `#[requires_scopes]` emits
    /// beside a handler without `#[utoipa::path]` below it; utoipa's own `__path_` type
    /// (from a `#[utoipa::path]` written above) shadows it and lacks it.
    #[diagnostic::on_unimplemented(
        message = "`#[utoipa::path]` is written above `#[requires_scopes]`, so utoipa documents the operation without its security",
        label = "write `#[requires_scopes]` above `#[utoipa::path]`",
        note = "`#[requires_scopes]` must expand first to give the operation its `security` and 400/401/403 responses",
        note = "no `#[utoipa::path]` above it? then a glob import (`use super::*;`) brings a documented handler of the same name from another module: import by name, or rename one"
    )]
    pub trait NoUtoipaPathAbove {}

    /// Checks [`NoUtoipaPathAbove`].
    pub const fn no_utoipa_path_above<T: NoUtoipaPathAbove>() {}

    /// Implemented by nothing: the bound of what utoipa-axum's `routes!` calls on the
    /// fallback `__path_<handler>` of a handler without `#[utoipa::path]`.
    #[diagnostic::on_unimplemented(
        message = "this handler has no `#[utoipa::path]`, which utoipa-axum's `routes!` and `#[openapi(paths(…))]` read its operation from",
        label = "no `#[utoipa::path]` on this handler",
        note = "write `#[utoipa::path(get, path = \"…\", …)]` below `#[requires_scopes]`, or route the handler with axum's own `Router::route` and leave it out of the document"
    )]
    pub trait UtoipaPathBelow {}
    #[cfg(feature = "aide")]
    pub use crate::openapi::aide::{scoped_input, scoped_responses};
    #[cfg(feature = "utoipa")]
    pub use crate::openapi::utoipa::NoUtoipaPath;
    pub use crate::table::check::{
        Message, alternatives, check_granted_scope, check_scheme_of, check_scope, missing_scheme,
        scope_index, slot_hashes, slots, unknown_scope,
    };
    pub use crate::table::{
        AsTable, Composed, Foreign, ForeignRequirement, ForeignScoped, HandlerOf, Part, Parts,
        Plain, Probe, ProbeForeign, ProbePlain, ProbeScoped, RequiredScopes, Requirement, Same,
        ScopeInfo, ScopeSet, ScopeTable, Scoped, composed, parts_of,
    };
    #[cfg(feature = "aide")]
    pub use ::aide;
    #[cfg(feature = "utoipa")]
    pub use ::utoipa;
    pub use axum::extract::{FromRef, FromRequestParts};
}
