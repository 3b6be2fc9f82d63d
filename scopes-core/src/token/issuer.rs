//! What one issuer's tokens are checked against: its keys, `iss`, audiences, claim shape
//! and profile (FastAPI-style or RFC 9068). [`TrustedIssuer`] configures it.

use std::sync::Arc;

use super::claims::{Acr, Found, Rules, read};
use super::jws::{Jws, Typ, now};
use crate::error::{ConfigError, TokenError};
use crate::keys::{Key, KeySet, KeyStore, StaticKeys, with_decoded};

/// One issuer a [`Verifier`](crate::Verifier) trusts: its keys, its `iss`, the
/// audiences its tokens must name, the claims its scopes are read from and its profile.
///
/// A verifier that trusts several issuers (each added with
/// [`VerifierBuilder::trust`](crate::VerifierBuilder::trust)) routes every token by its
/// `iss` to the one issuer with that `iss`, whose keys and rules then check it (`iss`
/// included); tokens of any other issuer are refused. What cannot differ per issuer
/// (leeway, cache, response mode, realm, rejection hook) is set on the verifier.
///
/// ```
/// use scopes_core::{Key, TrustedIssuer, Verifier};
/// # fn main() -> Result<(), scopes_core::ConfigError> {
/// let verifier = Verifier::builder()
///     .trust(
///         TrustedIssuer::new("https://a.example.com/")
///             .key(Key::hs256([1; 32])?)
///             .audience("https://api.example.com"),
///     )
///     .trust(
///         TrustedIssuer::new("https://b.example.com/")
///             .key(Key::hs256([2; 32])?)
///             .audience("https://api.example.com")
///             .scope_claims(["permissions"]),
///     )
///     .build()?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct TrustedIssuer {
    pub(crate) keys: Vec<Key>,
    #[cfg(feature = "jwks")]
    pub(crate) remote: Option<crate::keys::Location>,
    #[cfg(feature = "jwks")]
    pub(crate) fetch: Option<crate::keys::FetchOptions>,
    pub(crate) issuers: Vec<String>,
    /// Issuer templates with `{tenantid}` ([`any_tenant`](Self::any_tenant)).
    pub(crate) tenant_templates: Vec<String>,
    pub(crate) audiences: Vec<String>,
    pub(crate) scope_claims: Option<Vec<String>>,
    /// `require_claim`'s pairs, in order.
    pub(crate) required_claims: Vec<(String, String)>,
    pub(crate) rfc9068: bool,
    /// A second key set location was given (refused at build).
    pub(crate) located_twice: bool,
    /// Where tokens its keys do not cover are introspected.
    #[cfg(feature = "introspection")]
    pub(crate) introspection: Option<super::Introspection>,
}

impl TrustedIssuer {
    /// The issuer whose tokens carry `iss` equal to `issuer`; give it keys with
    /// [`key`](Self::key) or `jwks_url` (feature `jwks`).
    pub fn new(issuer: impl Into<String>) -> Self {
        let mut this = Self::anonymous();
        this.issuers.push(issuer.into());
        this
    }

    /// An OpenID Connect issuer (feature `jwks`): its discovery document names its key
    /// set, and must name `issuer` as its issuer exactly; `iss` must equal `issuer`.
    #[cfg(feature = "jwks")]
    pub fn oidc(issuer: impl Into<String>) -> Self {
        let issuer = issuer.into();
        let mut this = Self::new(issuer.clone());
        this.locate(crate::keys::Location::Issuer(issuer));
        this
    }

    /// Every tenant of a multi-tenant provider, Microsoft Entra ID's above all: `iss`
    /// must equal `template` with `{tenantid}` replaced by the token's `tid` claim, which
    /// must be a GUID in lowercase, as Entra ID writes them. This is the issuer check
    /// Microsoft.Identity.Web makes for an app registered
    /// for accounts in any organizational directory (its discovery document,
    /// `…/organizations/v2.0/.well-known/openid-configuration`, names the issuer
    /// `https://login.microsoftonline.com/{tenantid}/v2.0`).
    ///
    /// Any tenant means any organization can sign its users in and send their tokens:
    /// the signature (Microsoft's keys) and the audience (your API) are what stand
    /// between them and your API. To take only some tenants, require their ids with
    /// [`require_claim`](Self::require_claim)`("tid", …)`, once per tenant; a tenant
    /// that needs other rules is a [`TrustedIssuer::new`] of its own, whose exact `iss`
    /// is chosen over the template, and whose tokens are taken without a look at `tid`
    /// unless it requires one. Tenant ids are compared as Entra ID writes them, in
    /// lowercase: give them so to `require_claim`, and to an exact issuer. Personal
    /// Microsoft accounts have a tenant of their own
    /// (`9188040d-6c67-4c5b-b112-36a304b66dad`), which fits the template when the app
    /// registration accepts them. Microsoft.Identity.Web also checks a signing key's own
    /// `issuer` member against the token's; this crate does not read that member (every
    /// key of Entra ID's `common` set names the template).
    ///
    /// An API that takes Entra ID's v1.0 tokens too (`accessTokenAcceptedVersion` not
    /// set to 2 in its app registration; their `iss` is
    /// `https://sts.windows.net/{tenantid}/`) trusts a second `any_tenant` with that
    /// template and the same key set and rules: each token goes to the template its
    /// `iss` fits.
    ///
    /// ```
    /// # #[cfg(feature = "jwks")]
    /// # fn main() -> Result<(), scopes_core::ConfigError> {
    /// use scopes_core::{TrustedIssuer, Verifier, providers};
    ///
    /// let entra = TrustedIssuer::any_tenant("https://login.microsoftonline.com/{tenantid}/v2.0")
    ///     .jwks_url("https://login.microsoftonline.com/common/discovery/v2.0/keys")
    ///     .audience("3f2a8c4e-0b7d-4e59-9a1c-6d5e8f7b2a10") // the API's client id
    ///     .scope_claims(providers::entra_id())
    ///     // Only these two customers' directories:
    ///     .require_claim("tid", "72f988bf-86f1-41af-91ab-2d7cd011db47")
    ///     .require_claim("tid", "0b5c1e7a-3d2f-4a8b-9c6e-1f4d7a2b8e90");
    /// let verifier = Verifier::builder().trust(entra).build()?;
    /// # Ok(()) }
    /// # #[cfg(not(feature = "jwks"))]
    /// # fn main() {}
    /// ```
    ///
    /// A template holds `{tenantid}` once, and no other `{` or `}`
    /// ([`ConfigError::IssuerTemplate`] otherwise); an exact issuer
    /// ([`new`](Self::new), [`oidc`](Self::oidc)) that holds `{tenantid}` is refused
    /// the same way, since no token could match it.
    pub fn any_tenant(template: impl Into<String>) -> Self {
        let mut this = Self::anonymous();
        this.tenant_templates.push(template.into());
        this
    }

    /// No `iss` required: the one issuer of a verifier configured directly on its
    /// builder.
    pub(crate) fn anonymous() -> Self {
        Self {
            keys: Vec::new(),
            #[cfg(feature = "jwks")]
            remote: None,
            #[cfg(feature = "jwks")]
            fetch: None,
            issuers: Vec::new(),
            tenant_templates: Vec::new(),
            audiences: Vec::new(),
            scope_claims: None,
            required_claims: Vec::new(),
            rfc9068: false,
            located_twice: false,
            #[cfg(feature = "introspection")]
            introspection: None,
        }
    }

    /// Checks the tokens its keys do not cover (opaque ones above all) at its
    /// introspection endpoint (RFC 7662; feature `introspection`): the answer's claims go
    /// through the same checks as a JWT's (`iss` when present, `aud`, `exp`, `nbf`, the
    /// scope claims). With keys too, a signed JWT routed to this issuer (its `iss`, or the
    /// only issuer) is only ever verified locally, with the keys; a token that is not a
    /// JWT is introspected, and so is an encrypted one (a JWE, five segments: only its
    /// issuer can read it, whoever that is). Another issuer's signed JWT is refused, never
    /// sent to the endpoint. At most one trusted issuer may introspect (an opaque token
    /// names no issuer).
    #[cfg(feature = "introspection")]
    pub fn introspection(mut self, introspection: super::Introspection) -> Self {
        self.introspection = Some(introspection);
        self
    }

    /// Adds a key. Several keys may be configured (rotation, several algorithms): a
    /// token naming a `kid` is tried only with the key of that id (when keys have ids),
    /// else with each key of its `alg` in turn (at most four), until one verifies it.
    pub fn key(mut self, key: Key) -> Self {
        self.keys.push(key);
        self
    }

    /// Keys from a JSON Web Key Set at `url` (feature `jwks`), fetched on the first
    /// token and refreshed as [`FetchOptions`](crate::FetchOptions) says. Each JWK is
    /// pinned to its `alg`; a key that cannot be used is left out, the rest serve.
    #[cfg(feature = "jwks")]
    pub fn jwks_url(mut self, url: impl Into<String>) -> Self {
        self.locate(crate::keys::Location::Jwks(url.into()));
        self
    }

    /// Where the key set is; a second location is a configuration error, never a
    /// silent replacement.
    #[cfg(feature = "jwks")]
    pub(crate) fn locate(&mut self, location: crate::keys::Location) {
        self.located_twice |= self.remote.is_some();
        self.remote = Some(location);
    }

    /// How the key set is fetched: time and size limits, refresh timing.
    #[cfg(feature = "jwks")]
    pub fn fetch_options(mut self, options: crate::keys::FetchOptions) -> Self {
        self.fetch = Some(options);
        self
    }

    /// Without the `jwks` feature: a compile error that says to enable it.
    #[cfg(not(feature = "jwks"))]
    #[doc(hidden)]
    pub fn oidc<I: Into<String> + crate::keys::without_jwks::NeedsTheJwksFeature>(
        _issuer: I,
    ) -> Self {
        Self::anonymous()
    }

    /// Without the `jwks` feature: a compile error that says to enable it.
    #[cfg(not(feature = "jwks"))]
    #[doc(hidden)]
    pub fn jwks_url<U: Into<String> + crate::keys::without_jwks::NeedsTheJwksFeature>(
        self,
        _url: U,
    ) -> Self {
        self
    }

    /// Requires `aud` to contain `audience` (call again to accept any of several).
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audiences.push(audience.into());
        self
    }

    /// The JWT access token profile (RFC 9068), strictly: the header's `typ` must be
    /// `at+jwt` (or `application/at+jwt`), and `iss`, `exp`, `aud`, `sub`, `client_id`,
    /// `iat` and `jti` must be present; `aud` must contain `resource`, this API's
    /// identifier, and an issuer must be configured. Without it, FastAPI-style tokens
    /// (`sub`, `exp`, `scopes`) are accepted.
    ///
    /// Only for a provider that issues this profile: oidc-provider does, Auth0 with the
    /// API's RFC 9068 token profile. Keycloak (by default), Entra ID and Okta type their
    /// access tokens `JWT` (or not at all) and leave out some of these claims, so every
    /// one of their tokens would be refused ("The token is not a JWT access token
    /// (typ)"): for them, name the [`audience`](Self::audience) instead, and require the
    /// claims that tell their access tokens apart with `require_claim` (see
    /// [`providers`](crate::providers)).
    pub fn rfc9068(mut self, resource: impl Into<String>) -> Self {
        self.rfc9068 = true;
        self.audiences.push(resource.into());
        self
    }

    /// The claims scopes are read from, replacing the default `scope`, `scopes`, `scp`.
    /// Each may hold an array of strings or a string (`scopes`, FastAPI's claim, an
    /// array only, as FastAPI's tutorial reads it); the scopes of all of them are
    /// granted. Auth0's RBAC uses `permissions`, for instance. A string is a
    /// space-delimited list in `scope`, `scp` and `scopes` only; in any other claim
    /// (roles, groups, a nested one) it is one value, as a mapper writes a single role:
    /// `"Shop Admin"` grants neither `Shop` nor `Admin` (a name with a space is no
    /// scope, RFC 6749 §3.3).
    ///
    /// A claim inside an object is named by a JSON Pointer (RFC 6901): Keycloak's realm
    /// roles are `/realm_access/roles`, a client's `/resource_access/my-client/roles`.
    /// A name that does not start with `/` is a top-level claim as written, so a
    /// namespaced claim needs no escaping: `https://example.com/roles`. Nested claims
    /// are read in the same single pass as the others. [`crate::providers`] has the
    /// claims of common identity providers.
    pub fn scope_claims<I, S>(mut self, claims: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scope_claims = Some(claims.into_iter().map(Into::into).collect());
        self
    }

    /// Requires the claim `name` to hold `value`: a string equal to it, or an array of
    /// strings that has it. Call again with the same name to accept any of several
    /// values; claims of different names are all required. A token without the claim,
    /// or with another value, or with a value that is neither, is refused (401
    /// `invalid_token`, "The token lacks a required claim value"), introspected ones
    /// included. Values are compared exactly, as strings.
    ///
    /// For what the issuer, audience, time and scope settings do not say: which kind of
    /// token it is, and for which client. Amazon Cognito's ID tokens and access tokens
    /// differ in `token_use`; Keycloak's in `typ`:
    ///
    /// ```
    /// use scopes_core::{Key, TrustedIssuer};
    /// # fn main() -> Result<(), scopes_core::ConfigError> {
    /// let keycloak = TrustedIssuer::new("https://kc.example.com/realms/shop")
    ///     .key(Key::hs256([1; 32])?)
    ///     .audience("shop-api")
    ///     .require_claim("typ", "Bearer") // not an ID token ("ID") or a refresh token
    ///     .require_claim("azp", "shop-web") // issued to one of these two clients
    ///     .require_claim("azp", "shop-cli");
    /// # Ok(()) }
    /// ```
    ///
    /// A claim is named as written (a top-level member; no JSON Pointer). `sub`,
    /// `client_id` and `jti` can be required; the other registered claims have settings
    /// of their own ([`issuer`](crate::VerifierBuilder::issuer),
    /// [`audience`](Self::audience), the leeway, step-up, DPoP), and a claim scopes are
    /// read from is checked by `#[requires_scopes]`: naming one is
    /// [`ConfigError::RequiredClaim`] when the verifier is built. At most 16 claims.
    pub fn require_claim(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.required_claims.push((name.into(), value.into()));
        self
    }

    /// When it trusts an identity provider's word (keys fetched from it, or its
    /// introspection endpoint's answers) and checks no audience, what names it in the
    /// logs: its `iss` values, or else where its keys are fetched from. Such tokens name an
    /// audience almost always, and are then refused.
    pub(crate) fn provider_without_audience(&self) -> Option<String> {
        #[cfg(feature = "jwks")]
        {
            #[cfg(feature = "introspection")]
            let introspects = self.introspection.is_some();
            #[cfg(not(feature = "introspection"))]
            let introspects = false;
            if !self.audiences.is_empty() || (self.remote.is_none() && !introspects) {
                return None;
            }
            let location = self.remote.as_ref().map(|location| match location {
                crate::keys::Location::Issuer(url) | crate::keys::Location::Jwks(url) => {
                    crate::keys::for_logs(url)
                }
            });
            // A template's `{tenantid}` as written (a URL would escape its braces).
            let named: Vec<String> = (self.issuers.iter())
                .map(|issuer| crate::keys::for_logs(issuer))
                .chain(self.tenant_templates.iter().cloned())
                .collect();
            match named.is_empty() {
                true => location,
                false => Some(named.join(", ")),
            }
        }
        #[cfg(not(feature = "jwks"))]
        None
    }

    /// The settings a verifier trusting several issuers must not carry itself: any
    /// that differs from an anonymous issuer's, named.
    pub(crate) fn first_setting(&self) -> Option<&'static str> {
        #[cfg(feature = "jwks")]
        if self.remote.is_some() {
            return Some("jwks_url/oidc_issuer");
        }
        #[cfg(feature = "jwks")]
        if self.fetch.is_some() {
            return Some("fetch_options");
        }
        #[cfg(feature = "introspection")]
        if self.introspection.is_some() {
            return Some("introspection");
        }
        [
            (!self.keys.is_empty(), "key"),
            (!self.issuers.is_empty(), "issuer"),
            (!self.tenant_templates.is_empty(), "any_tenant_issuer"),
            (self.rfc9068, "rfc9068"),
            (!self.audiences.is_empty(), "audience"),
            (self.scope_claims.is_some(), "scope_claims"),
            (!self.required_claims.is_empty(), "require_claim"),
        ]
        .into_iter()
        .find_map(|(set, name)| set.then_some(name))
    }

    /// Checks the configuration and builds the rules.
    pub(crate) fn build(self) -> Result<IssuerRules, ConfigError> {
        #[cfg(feature = "introspection")]
        let introspector = self
            .introspection
            .clone()
            .map(|i| i.build(self.issuers.first().map(String::as_str)))
            .transpose()?;
        #[cfg(feature = "introspection")]
        let (keys, local) = match (&introspector, self.has_keys()) {
            (Some(_), false) if self.fetch.is_some() => {
                return Err(ConfigError::FetchOptionsWithoutKeySet);
            }
            (Some(_), false) => (
                Arc::new(StaticKeys::new(Vec::new())) as Arc<dyn KeyStore>,
                false,
            ),
            _ => (self.key_store()?, true),
        };
        #[cfg(not(feature = "introspection"))]
        let (keys, local) = (self.key_store()?, true);
        // An empty value matches an empty claim, or nothing: a setting read from an
        // unset variable, not one meant.
        let empty = [
            (self.issuers.iter().any(String::is_empty), "issuer"),
            (self.audiences.iter().any(String::is_empty), "audience"),
            (
                self.required_claims
                    .iter()
                    .any(|(_, value)| value.is_empty()),
                "require_claim",
            ),
        ];
        if let Some((_, setting)) = empty.into_iter().find(|(found, _)| *found) {
            return Err(ConfigError::EmptySetting(setting));
        }
        let no_issuer = self.issuers.is_empty() && self.tenant_templates.is_empty();
        if self.rfc9068 && (no_issuer || self.audiences.is_empty()) {
            return Err(ConfigError::Rfc9068Incomplete);
        }

        let scope_claims = self
            .scope_claims
            .unwrap_or_else(|| ["scope", "scopes", "scp"].map(String::from).to_vec());
        let paths = super::claims::ClaimPaths::new(&scope_claims)?;
        let required = super::claims::RequiredClaims::new(&self.required_claims, &paths)?;
        let tenants = TenantTemplate::parse_all(&self.issuers, &self.tenant_templates)?;
        if !tenants.is_empty() {
            // `tid` fills the templates in: it holds no scopes, and takes one more bit
            // of the claims' pass.
            if paths.root("tid").is_some() {
                return Err(ConfigError::RegisteredScopeClaim("tid".to_owned()));
            }
            if super::claims::REGISTERED.len() + paths.roots() + required.bits() >= 64 {
                return Err(ConfigError::TooManyRequiredClaims);
            }
        }
        let boxed = |items: Vec<String>| items.into_iter().map(String::into_boxed_str).collect();
        Ok(IssuerRules {
            keys,
            local,
            #[cfg(feature = "introspection")]
            introspector,
            issuers: boxed(self.issuers),
            tenants,
            audiences: boxed(self.audiences),
            scope_claims: paths,
            required,
            rfc9068: self.rfc9068,
        })
    }

    /// Whether keys (or a key set) are configured.
    #[cfg(feature = "introspection")]
    fn has_keys(&self) -> bool {
        !self.keys.is_empty() || self.remote.is_some() || self.located_twice
    }

    fn key_store(&self) -> Result<Arc<dyn KeyStore>, ConfigError> {
        if self.located_twice {
            return Err(ConfigError::KeySetTwice);
        }
        #[cfg(feature = "jwks")]
        if self.fetch.is_some() && self.remote.is_none() {
            return Err(ConfigError::FetchOptionsWithoutKeySet);
        }
        #[cfg(feature = "jwks")]
        if let Some(location) = &self.remote {
            if !self.keys.is_empty() {
                return Err(ConfigError::KeysAndKeySet);
            }
            let remote = crate::keys::RemoteKeys::new(
                location.clone(),
                self.fetch.clone().unwrap_or_default(),
            )?;
            return Ok(Arc::new(remote));
        }
        if self.keys.is_empty() {
            return Err(ConfigError::NoKeys);
        }
        for (i, key) in self.keys.iter().enumerate() {
            if let Some(kid) = &key.kid
                && self.keys[..i].iter().any(|k| k.kid.as_ref() == Some(kid))
            {
                return Err(ConfigError::DuplicateKid(kid.clone()));
            }
        }
        Ok(Arc::new(StaticKeys::new(self.keys.clone())))
    }
}

/// One issuer's rules, built.
#[derive(Debug)]
pub(crate) struct IssuerRules {
    pub(crate) keys: Arc<dyn KeyStore>,
    /// Whether it verifies JWTs itself (it has keys); else it only introspects.
    #[cfg_attr(not(feature = "introspection"), allow(dead_code))]
    pub(crate) local: bool,
    #[cfg(feature = "introspection")]
    pub(crate) introspector: Option<super::introspect::Introspector>,
    pub(crate) issuers: Box<[Box<str>]>,
    /// The issuer templates (`any_tenant`), tried when `iss` is none of `issuers`.
    pub(crate) tenants: Box<[TenantTemplate]>,
    pub(crate) audiences: Box<[Box<str>]>,
    pub(crate) scope_claims: super::claims::ClaimPaths,
    pub(crate) required: super::claims::RequiredClaims,
    /// RFC 9068: `typ` `at+jwt`, and `iss`, `aud`, `sub`, `client_id`, `iat`, `jti`.
    pub(crate) rfc9068: bool,
}

/// What a successful check yields.
pub(crate) struct Checked {
    /// The token, then its claims (up to `claims_end`), then the granted scope names.
    pub(crate) text: String,
    pub(crate) claims_end: usize,
    pub(crate) exp: f64,
    /// `acr`, its range in `text` when it is there as written.
    pub(crate) acr: Acr,
    pub(crate) auth_time: Option<f64>,
    /// The key it is bound to, if any (`cnf`; `jkt` for DPoP).
    pub(crate) binding: Binding,
}

/// What a token is bound to (RFC 7800 `cnf`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Binding {
    /// Nothing: a bearer token.
    None,
    /// A DPoP key, by its thumbprint (`cnf.jkt`).
    Dpop(Box<str>),
    /// Something this crate cannot check (`cnf` without `jkt`: an mTLS certificate…).
    Other,
}

impl IssuerRules {
    /// Whether `iss` is checked: an issuer or a template is configured.
    pub(crate) fn checks_issuer(&self) -> bool {
        !self.issuers.is_empty() || !self.tenants.is_empty()
    }

    /// Whether `iss` routes a token here: one of its issuers exactly.
    pub(crate) fn is_issuer(&self, iss: &str) -> bool {
        self.issuers.iter().any(|known| **known == *iss)
    }

    /// Whether `iss` is shaped as one of its templates fills in (the `tid` claim it
    /// must be filled with is checked by the claims' pass).
    pub(crate) fn fits_template(&self, iss: &str) -> bool {
        self.tenants.iter().any(|template| template.fits(iss))
    }

    fn rules(&self, introspected: bool) -> Rules<'_> {
        Rules {
            issuers: &self.issuers,
            tenants: &self.tenants,
            audiences: &self.audiences,
            scope_claims: &self.scope_claims,
            required: &self.required,
            introspected,
        }
    }

    /// Checks `token` with the keys of `set` its header allows ([`KeySet::candidates`]).
    pub(crate) fn check(
        &self,
        raw: &str,
        token: &Jws<'_>,
        set: &KeySet,
        leeway_secs: u64,
    ) -> Result<Checked, TokenError> {
        // Another kind of JWT (RFC 8725 §2.8), or, under RFC 9068, one not typed as
        // an access token.
        match token.typ {
            Typ::Other => return Err(TokenError::NotAnAccessToken),
            Typ::Generic if self.rfc9068 => return Err(TokenError::NotAnAccessToken),
            Typ::Generic | Typ::AccessToken => {}
        }
        // Each key the header allows, until one verifies the signature (one, nearly
        // always: the `kid`'s key, or the one key of the algorithm). The signature is
        // decoded once.
        let mut refused = None;
        let verified = with_decoded(token.signature, |signature| {
            set.candidates(token.algorithm, token.kid()).any(|key| {
                match key.prepared.check(
                    signature,
                    token.message.as_bytes(),
                    &key.key,
                    token.algorithm,
                ) {
                    Ok(true) => true,
                    Ok(false) => {
                        refused = Some(TokenError::BadSignature);
                        false
                    }
                    // A signature this key could not have made (an RSA signature of
                    // another modulus length).
                    Err(()) => {
                        refused = refused.or(Some(TokenError::Malformed));
                        false
                    }
                }
            })
        })
        .map_err(|()| TokenError::Malformed)?;
        if !verified {
            return Err(refused.unwrap_or_else(|| set.missing(token.kid(), token.algorithm)));
        }
        // Decoded on the stack when small; checked as UTF-8 once, here.
        with_decoded(token.payload, |claims| {
            let claims = core::str::from_utf8(claims).map_err(|_| TokenError::Malformed)?;
            self.finish(raw, claims, leeway_secs, false)
        })
        .map_err(|()| TokenError::Malformed)?
    }

    /// Checks the claims of an introspection answer for `raw`: the same pass as a JWT's
    /// claims, `exp` and `iss` optional (RFC 7662 §2.2: the endpoint is the issuer's).
    #[cfg(feature = "introspection")]
    pub(crate) fn check_introspected(
        &self,
        raw: &str,
        claims: &[u8],
        leeway_secs: u64,
    ) -> Result<Checked, TokenError> {
        let claims = core::str::from_utf8(claims).map_err(|_| TokenError::Malformed)?;
        self.finish(raw, claims, leeway_secs, true)
    }

    /// The claims pass over `claims`, then the checks of what it found.
    fn finish(
        &self,
        raw: &str,
        claims: &str,
        leeway_secs: u64,
        introspected: bool,
    ) -> Result<Checked, TokenError> {
        // The text the verified token keeps, in one allocation: the token, the claims,
        // then the scope names the pass appends (never longer than the claims).
        let split = raw.len() + claims.len();
        let mut text = super::verify::text_buffer(split + claims.len());
        text.push_str(raw);
        text.push_str(claims);
        let found = read(claims, &self.rules(introspected), &mut text)
            .and_then(|found| Ok((self.validate(&found, leeway_secs, introspected)?, found)));
        let (exp, found) = match found {
            Ok(found) => found,
            // Refused: the buffer is left for the next token.
            Err(refused) => {
                super::verify::spare_text(text);
                return Err(refused);
            }
        };
        let (acr, auth_time) = (found.acr, found.auth_time);
        let binding = match (found.cnf, found.jkt) {
            (false, _) => Binding::None,
            (true, Some(jkt)) => Binding::Dpop(jkt),
            (true, None) => Binding::Other,
        };
        let acr = match acr {
            Acr::At(start, end) => Acr::At(raw.len() + start, raw.len() + end),
            other => other,
        };
        Ok(Checked {
            text,
            claims_end: split,
            exp,
            acr,
            auth_time,
            binding,
        })
    }

    /// RFC 7519 §4.1 checks, in jsonwebtoken's order: presence, time, issuer, audience;
    /// then RFC 9068's required claims when the profile is on. Returns `exp`.
    fn validate(
        &self,
        found: &Found,
        leeway_secs: u64,
        introspected: bool,
    ) -> Result<f64, TokenError> {
        let exp = match (found.exp, introspected) {
            (Some(exp), _) => exp,
            // An active answer without `exp`: its cache ceiling bounds it.
            (None, true) => f64::INFINITY,
            (None, false) => return Err(TokenError::MissingClaim("exp")),
        };
        let rfc9068 = self.rfc9068 && !introspected;
        let checks_issuer = self.checks_issuer();
        if !introspected && (rfc9068 || checks_issuer) && found.issuer_matches.is_none() {
            return Err(TokenError::MissingClaim("iss"));
        }
        if (rfc9068 || !self.audiences.is_empty()) && found.audience_matches.is_none() {
            return Err(TokenError::MissingClaim("aud"));
        }
        let now = now().ok_or(TokenError::Expired)?;
        let leeway = leeway_secs as f64;
        if exp < now - leeway {
            return Err(TokenError::Expired);
        }
        // Issued in the future: PyJWT (FastAPI's) refuses it too.
        if found.nbf.is_some_and(|nbf| nbf > now + leeway)
            || found.iat.is_some_and(|iat| iat > now + leeway)
        {
            return Err(TokenError::NotYetValid);
        }
        // A login in the future is no login the token can vouch for (RFC 9470's
        // `auth_time` says when the user authenticated): not a step-up to ask for.
        if found.auth_time.is_some_and(|at| at > now + leeway) {
            return Err(TokenError::InvalidClaim("auth_time"));
        }
        if checks_issuer && found.issuer_matches == Some(false) {
            return Err(TokenError::WrongIssuer);
        }
        // A token meant for some audience is refused when none is configured: it may
        // be meant for another API that trusts the same keys.
        if found.audience_matches == Some(false)
            || (self.audiences.is_empty() && found.audience_matches.is_some())
        {
            return Err(TokenError::WrongAudience);
        }
        if found.required != self.required.all() {
            return Err(TokenError::RequiredClaim);
        }
        if rfc9068 {
            let required = [
                ("sub", found.sub),
                ("client_id", found.client_id),
                ("iat", found.iat.is_some()),
                ("jti", found.jti),
            ];
            if let Some((claim, _)) = required.iter().find(|(_, present)| !present) {
                return Err(TokenError::MissingClaim(claim));
            }
        }
        Ok(exp)
    }
}

/// The placeholder of an issuer template, filled with the token's `tid`.
pub(crate) const TENANT_ID: &str = "{tenantid}";

/// An issuer template (`…/{tenantid}/v2.0`), split at its placeholder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TenantTemplate {
    prefix: Box<str>,
    suffix: Box<str>,
}

impl TenantTemplate {
    /// The templates, checked; an exact issuer that holds the placeholder is refused
    /// (no `iss` could equal it: it was meant as a template).
    fn parse_all(issuers: &[String], templates: &[String]) -> Result<Box<[Self]>, ConfigError> {
        // Found whatever its case (`{tenantId}` too): no `iss` could equal it either.
        let placeholder = |issuer: &String| issuer.to_ascii_lowercase().contains(TENANT_ID);
        if let Some(issuer) = issuers.iter().find(|issuer| placeholder(issuer)) {
            return Err(ConfigError::IssuerTemplate {
                issuer: issuer.clone(),
                why: "an exact issuer cannot hold `{tenantid}`; for every tenant, use `TrustedIssuer::any_tenant` (or `VerifierBuilder::any_tenant_issuer`)",
            });
        }
        // Duplicates, and exact issuers against templates, are checked by the verifier,
        // across all its issuers (`TokenVerifier::new`).
        templates.iter().map(|t| Self::parse(t)).collect()
    }

    /// Refuses an exact issuer that has a template's shape in another case than Entra
    /// ID writes tenant ids (lowercase): no token would name it exactly, and its tenant's
    /// tokens would go to the template, without the rules given for that tenant.
    pub(crate) fn exact_apart(
        issuers: &[Box<str>],
        templates: &[&Self],
    ) -> Result<(), ConfigError> {
        for issuer in issuers.iter().map(AsRef::as_ref) {
            let lowered = issuer.to_ascii_lowercase();
            if issuer != lowered && templates.iter().any(|t| t.fits(&lowered)) {
                return Err(ConfigError::IssuerTemplate {
                    issuer: issuer.to_owned(),
                    why: "a tenant's issuer names its tenant id in lowercase, as its tokens do",
                });
            }
        }
        Ok(())
    }

    fn parse(template: &str) -> Result<Self, ConfigError> {
        let refused = |why| ConfigError::IssuerTemplate {
            issuer: template.to_owned(),
            why,
        };
        let Some((prefix, suffix)) = template.split_once(TENANT_ID) else {
            // `{tenantId}`, `{TenantID}`: Entra's discovery writes it in lowercase.
            let other_case = template.to_ascii_lowercase().contains(TENANT_ID);
            return Err(refused(match other_case {
                true => {
                    "a template holds `{tenantid}` in lowercase, as Entra ID's discovery writes it"
                }
                false => "a template holds `{tenantid}`, which the token's `tid` fills in",
            }));
        };
        if [prefix, suffix]
            .iter()
            .any(|part| part.contains(['{', '}']))
        {
            return Err(refused(
                "a template holds `{tenantid}` once, and no other `{` or `}`",
            ));
        }
        if prefix.is_empty() {
            return Err(refused(
                "a template starts with the issuer's URL, before `{tenantid}`",
            ));
        }
        Ok(Self {
            prefix: prefix.into(),
            suffix: suffix.into(),
        })
    }

    /// The template as configured.
    pub(crate) fn text(&self) -> String {
        format!("{}{TENANT_ID}{}", self.prefix, self.suffix)
    }

    /// The tenant id `iss` names in the template's place, if it has that shape.
    fn tenant_of<'i>(&self, iss: &'i str) -> Option<&'i str> {
        let tenant = iss
            .strip_prefix(&*self.prefix)?
            .strip_suffix(&*self.suffix)?;
        is_guid(tenant).then_some(tenant)
    }

    /// Whether `iss` has the template's shape, filled with some tenant id.
    pub(crate) fn fits(&self, iss: &str) -> bool {
        self.tenant_of(iss).is_some()
    }

    /// Whether `iss` is the template filled with `tid`, a tenant id (a GUID).
    pub(crate) fn matches(&self, iss: &str, tid: &str) -> bool {
        self.tenant_of(iss) == Some(tid)
    }
}

/// A GUID as Entra ID writes tenant ids: 8-4-4-4-12 hexadecimal digits, lowercase.
fn is_guid(text: &str) -> bool {
    text.len() == 36
        && text.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_digit() || (b'a'..=b'f').contains(&b),
        })
}

#[cfg(test)]
mod tests {
    use super::TenantTemplate;

    const ENTRA: &str = "https://login.microsoftonline.com/{tenantid}/v2.0";
    const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";

    #[test]
    fn a_template_is_filled_with_a_guid_only() {
        let template = TenantTemplate::parse(ENTRA).unwrap();
        let iss = format!("https://login.microsoftonline.com/{TENANT}/v2.0");
        assert!(template.fits(&iss) && template.matches(&iss, TENANT));
        assert_eq!(template.text(), ENTRA);
        // Another tenant's issuer, or a tenant id that is not one.
        assert!(!template.matches(&iss, "0b5c1e7a-3d2f-4a8b-9c6e-1f4d7a2b8e90"));
        for iss in [
            "https://login.microsoftonline.com//v2.0",
            "https://login.microsoftonline.com/common/v2.0",
            "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/x/v2.0",
            "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db4/v2.0",
            "https://login.microsoftonline.com/72f988bf_86f1-41af-91ab-2d7cd011db47/v2.0",
            "https://evil.example/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0",
            "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0/",
            // Entra ID writes tenant ids in lowercase.
            "https://login.microsoftonline.com/72F988BF-86F1-41AF-91AB-2D7CD011DB47/v2.0",
        ] {
            assert!(!template.fits(iss), "{iss}");
        }
    }

    #[test]
    fn templates_and_exact_issuers_are_checked() {
        for bad in [
            "https://login.microsoftonline.com/common/v2.0",
            "https://login.microsoftonline.com/{tenantid}/{tenantid}",
            "https://login.microsoftonline.com/{tid}/v2.0/{tenantid}",
            "{tenantid}/v2.0",
        ] {
            assert!(TenantTemplate::parse(bad).is_err(), "{bad}");
        }
        let exact = [ENTRA.to_owned()];
        assert!(TenantTemplate::parse_all(&exact, &[]).is_err());
    }
}
