//! Configuration and token errors.

use core::fmt;

use jsonwebtoken::Algorithm;

/// A verifier configuration that cannot be used safely; returned when it is built, so
/// that a misconfigured service fails at start-up rather than letting requests through.
///
/// Its `Debug` is its message (`ConfigError: …`), which says what to change: a
/// `main` returning `Result<(), Box<dyn Error>>` prints it on failure.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// No key was configured: every token would be refused.
    NoKeys,
    /// A secret was given for an algorithm that is not HMAC.
    NotHmac(Algorithm),
    /// An HMAC algorithm was paired with a key (PEM, DER, base64 DER, a JWK) rather than
    /// a shared secret (RFC 8725 §2.1).
    HmacWithPublicKey(Algorithm),
    /// An HMAC secret shorter than the hash output.
    WeakSecret {
        /// The algorithm.
        algorithm: Algorithm,
        /// The shortest acceptable secret, in bytes.
        min_len: usize,
        /// The length given.
        len: usize,
    },
    /// The key could not be parsed for the algorithm.
    InvalidKey(Algorithm),
    /// A PEM text given as one public key holds several PEM blocks (a certificate
    /// chain, or a public key next to its private key): which one would verify tokens
    /// is not guessed.
    SeveralPemBlocks {
        /// The algorithm.
        algorithm: Algorithm,
        /// How many blocks the text holds.
        blocks: usize,
    },
    /// An RSA key shorter than 2048 bits (RFC 7518 §3.3).
    WeakRsaKey {
        /// The algorithm.
        algorithm: Algorithm,
        /// The modulus's size.
        bits: u64,
    },
    /// An Ed25519 public key that is a point of small order (the identity among them):
    /// any token could be signed for it without a private key.
    SmallOrderKey,
    /// Two keys share a `kid`.
    DuplicateKid(String),
    /// No claim to read scopes from.
    NoScopeClaims,
    /// The realm has a character a challenge cannot carry (`"`, `\`, or not printable
    /// ASCII).
    InvalidRealm,
    /// A JWKS or issuer URL is not `https://` (plain `http://` is accepted on loopback
    /// only, or everywhere with `FetchOptions::allow_http`). The URL is given without
    /// its user information, query and fragment, which may hold a credential.
    InsecureUrl(String),
    /// The HTTP client for key sets could not be built (TLS setup).
    HttpClient,
    /// The introspection endpoint is not an https URL (http on loopback only, or with
    /// `FetchOptions::allow_http`). The URL is given without its user information,
    /// query and fragment.
    InsecureIntrospectionEndpoint(String),
    /// `Introspection::discovered` on an issuer without `iss`: there is no discovery
    /// document to read the endpoint from.
    IntrospectionWithoutIssuer,
    /// Two trusted issuers introspect: an opaque token names no issuer, so it could go
    /// to either.
    IntrospectionTwice,
    /// The verifier trusts its issuers with [`TrustedIssuer`](crate::TrustedIssuer)s
    /// (one or several), and a setting that belongs to one issuer (named here) was also
    /// set on the verifier itself, where it would apply to none of them.
    IssuerSettingOnVerifier(&'static str),
    /// Both keys and a key set URL were configured for one issuer.
    KeysAndKeySet,
    /// Two trusted issuers have the same `iss` (or the same issuer template).
    DuplicateIssuer(String),
    /// An issuer template ([`TrustedIssuer::any_tenant`](crate::TrustedIssuer::any_tenant))
    /// that cannot be one, or an exact issuer written as a template.
    IssuerTemplate {
        /// The issuer or template given.
        issuer: String,
        /// Why, and what to write instead.
        why: &'static str,
    },
    /// More than 53 top-level scope claims (or 64 paths) were named.
    TooManyScopeClaims,
    /// More than 16 claims given to `require_claim`, or more than 53 of them and of the
    /// top-level scope claims together (each is a bit of the claims' one pass).
    TooManyRequiredClaims,
    /// A scope claim was named like a registered claim the verifier reads for itself
    /// (`exp`, `nbf`, `iss`, `aud`, `iat`, `sub`, `client_id`, `jti`, `acr`,
    /// `auth_time`, `cnf`; and `tid` beside an issuer template).
    RegisteredScopeClaim(String),
    /// A scope claim path that cannot be read: a JSON Pointer (RFC 6901) with a `~` not
    /// followed by `0` or `1`, or deeper than 8 members, or one that is a prefix of
    /// another (a claim cannot be both a list of scopes and an object holding one).
    InvalidScopeClaimPath(String),
    /// A claim named in `require_claim` cannot be required: a JSON Pointer or an empty
    /// name, a registered claim with a setting of its own (`iss`, `aud`, `exp`, `nbf`,
    /// `iat`, `acr`, `auth_time`, `cnf`), or a claim scopes are read from.
    RequiredClaim {
        /// The claim.
        claim: String,
        /// Why, and what to use instead.
        why: &'static str,
    },
    /// One issuer was given two key set locations (`jwks_url`, `oidc_issuer`).
    KeySetTwice,
    /// `fetch_options` was set for an issuer whose keys are not fetched.
    FetchOptionsWithoutKeySet,
    /// The RFC 9068 profile needs an issuer and a resource (audience).
    Rfc9068Incomplete,
    /// An issuer, an audience or a required claim's value is the empty string: no token
    /// is meant to match it (an unset environment variable read as `""`, say). Also the
    /// introspection client's `client_id` or `client_secret`.
    EmptySetting(&'static str),
    /// An OpenID Connect issuer URL (`oidc_issuer`, `TrustedIssuer::oidc`) with a query or
    /// a fragment, which OpenID Connect Discovery §2 does not allow (the discovery
    /// document's address is the issuer followed by `/.well-known/openid-configuration`),
    /// or with user information. Given without those, which may hold a credential.
    InvalidIssuerUrl(String),
    /// An issuer URL (`oidc_issuer`, `TrustedIssuer::oidc`) or a JWKS URL (`jwks_url`)
    /// that is the address of a discovery document
    /// (`…/.well-known/openid-configuration`, or RFC 8414's
    /// `/.well-known/oauth-authorization-server…`): tokens name the issuer in `iss`, and
    /// discovery appends the path itself; the key set is at the document's `jwks_uri`.
    DiscoveryUrl {
        /// The setting given it: `oidc_issuer` or `jwks_url`.
        setting: &'static str,
        /// The URL given, without user information, query and fragment.
        url: String,
        /// The issuer the document is most likely of, without a trailing `/` (some
        /// providers' issuers end with one: Auth0's).
        issuer: String,
    },
    /// [`Dpop::algorithms`](crate::Dpop::algorithms) was empty or named an HMAC
    /// algorithm (a proof's key is public: only asymmetric algorithms can sign one).
    DpopAlgorithms,
    /// [`Dpop::public_url`](crate::Dpop::public_url) is not `http(s)://authority[/path]`
    /// without query or fragment.
    DpopPublicUrl(String),
    /// [`Dpop::nonces`](crate::Dpop::nonces) was given a secret shorter than 32 bytes.
    DpopNonceSecret,
    /// A [`Dpop`](crate::Dpop) policy says neither where clients reach the server
    /// (`public_url`) nor that the request's `Host` is to be trusted
    /// (`url_from_request`).
    DpopUrlUnset,
    /// [`Dpop::proof_lifetime`](crate::Dpop::proof_lifetime) is zero or over 10
    /// minutes, or [`Dpop::clock_skew`](crate::Dpop::clock_skew) over 5 minutes.
    DpopProofLifetime,
    /// [`Dpop::proofs_per_subject`](crate::Dpop::proofs_per_subject) was given 0, which
    /// would refuse every proof (`u32::MAX` counts nothing).
    DpopProofsPerSubject,
    /// The resource's metadata (RFC 9728) says of DPoP otherwise than the verifier's
    /// policy: give both the same [`Dpop`](crate::Dpop).
    MetadataDpopMismatch,
    /// The resource's metadata (RFC 9728) is named, but the verifier (or a trusted
    /// issuer) checks no audience: a token meant for no resource in
    /// particular would be accepted. Configure the audience of this API's tokens.
    MetadataAudience {
        /// The resource the metadata names.
        resource: String,
    },
    /// A protected resource identifier (RFC 9728) that cannot be one.
    InvalidResource {
        /// The identifier given.
        resource: String,
        /// Why it cannot be one.
        why: &'static str,
    },
    /// [`McpScopesLayer::check_tools`](crate::McpScopesLayer::check_tools): the tools
    /// declared to the guard are not the MCP server's.
    McpTools {
        /// The server's tools that were not declared: no token could call them.
        undeclared: Vec<String>,
        /// The declared names the server has no tool of, each with the server's tool
        /// whose name is close, if any (a typo).
        unknown: Vec<(String, Option<String>)>,
    },
    /// [`McpScopesLayer::check_prompts`](crate::McpScopesLayer::check_prompts): the
    /// prompts declared to the guard are not the MCP server's.
    McpPrompts {
        /// The server's prompts that were not declared: no token could get them.
        undeclared: Vec<String>,
        /// The declared names the server has no prompt of, each with the server's
        /// prompt whose name is close, if any (a typo).
        unknown: Vec<(String, Option<String>)>,
    },
}

impl fmt::Debug for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ConfigError: {self}")
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoKeys => f.write_str(
                "no verification key configured; add one with `key`, `jwks_url` or `oidc_issuer`",
            ),
            Self::NotHmac(alg) => write!(
                f,
                "a shared secret only works with HS256/HS384/HS512, not {alg:?}; use `Key::public_pem` for {alg:?}"
            ),
            Self::HmacWithPublicKey(alg) => write!(
                f,
                "{alg:?} is an HMAC algorithm: it takes a shared secret (`Key::secret`, `Signer::secret`), never a key (PEM, DER, base64 DER or a JWK): a public key as the secret lets anyone who has it sign tokens"
            ),
            Self::WeakSecret {
                algorithm,
                min_len,
                len,
            } => write!(
                f,
                "the {algorithm:?} secret is {len} bytes; it must be at least {min_len} (generate one with `openssl rand -hex 32`)"
            ),
            Self::InvalidKey(alg) => write!(f, "the key is not a valid {alg:?} public key"),
            Self::SeveralPemBlocks { algorithm, blocks } => write!(
                f,
                "the {algorithm:?} public key's PEM holds {blocks} blocks; give exactly one: the public key, or the certificate of the key that signs the tokens (a chain's first; `openssl x509 -in chain.pem -pubkey -noout` prints its public key), and never a private key"
            ),
            Self::WeakRsaKey { algorithm, bits } => write!(
                f,
                "the {algorithm:?} key is {bits} bits; RSA keys must be at least 2048 bits (RFC 7518 §3.3)"
            ),
            Self::SmallOrderKey => f.write_str(
                "the EdDSA key is an Ed25519 point of small order, under which any token verifies; it is no public key to trust",
            ),
            Self::DuplicateKid(kid) => write!(f, "two keys have the kid `{kid}`"),
            Self::NoScopeClaims => {
                f.write_str("no claim to read scopes from; keep the default or name at least one")
            }
            Self::InvalidRealm => f.write_str(
                "the realm must be printable ASCII without `\"` or `\\`: it goes into `WWW-Authenticate`",
            ),
            Self::InsecureUrl(url) => write!(
                f,
                "`{url}` is not an https URL; key sets are fetched over https (http only on loopback, or with `FetchOptions::allow_http`)"
            ),
            Self::HttpClient => f.write_str("the HTTP client for key sets could not be built"),
            Self::IntrospectionWithoutIssuer => f.write_str(
                "Introspection::discovered needs the issuer's URL: use TrustedIssuer::new(issuer) or TrustedIssuer::oidc(issuer)",
            ),
            Self::IntrospectionTwice => f.write_str(
                "two trusted issuers introspect tokens; an opaque token names no issuer, so only one may",
            ),
            Self::InsecureIntrospectionEndpoint(url) => write!(
                f,
                "the introspection endpoint `{url}` is not an https URL (http is accepted on loopback only; see FetchOptions::allow_http)"
            ),
            Self::IssuerSettingOnVerifier(setting) => write!(
                f,
                "`{setting}` was set on the verifier, whose issuers are given with `trust`: set it on each `TrustedIssuer` it applies to"
            ),
            Self::KeysAndKeySet => f.write_str(
                "configure either keys (`key`) or a key set (`jwks_url`, `oidc_issuer`), not both",
            ),
            Self::DuplicateIssuer(issuer) => {
                if issuer.contains("{tenantid}") {
                    write!(f, "the issuer template `{issuer}` is given twice")
                } else {
                    write!(f, "two trusted issuers have the `iss` `{issuer}`")
                }
            }
            Self::IssuerTemplate { issuer, why } => {
                write!(f, "the issuer `{issuer}` cannot be used: {why}")
            }
            Self::TooManyScopeClaims => {
                f.write_str("at most 53 top-level claims (and 64 paths) can hold scopes")
            }
            Self::TooManyRequiredClaims => {
                f.write_str("at most 16 claims can be required with `require_claim`, and 53 of them and the top-level scope claims together")
            }
            Self::RegisteredScopeClaim(claim) => write!(
                f,
                "`{claim}` is a registered claim the verifier reads itself; it cannot hold scopes"
            ),
            Self::InvalidScopeClaimPath(path) => write!(
                f,
                "the scope claim path `{path}` cannot be read: a path is a claim name, or a JSON Pointer (`/realm_access/roles`, `~1` for `/` and `~0` for `~` in a name) at most 8 members deep, and no path may lead into another"
            ),
            Self::RequiredClaim { claim, why } => {
                write!(f, "`require_claim(\"{claim}\", …)` cannot be used: {why}")
            }
            Self::KeySetTwice => f.write_str(
                "one issuer has two key set locations (`jwks_url`, `oidc_issuer`); give each issuer its own `TrustedIssuer`",
            ),
            Self::FetchOptionsWithoutKeySet => f.write_str(
                "`fetch_options` applies to a fetched key set; add `jwks_url` or `oidc_issuer`, or drop it",
            ),
            Self::InvalidResource { resource, why } => write!(
                f,
                "`{resource}` cannot identify a protected resource: {why} (RFC 9728 §1.2, e.g. `https://api.example.com/v1/mcp`)"
            ),
            Self::McpTools {
                undeclared,
                unknown,
            } => mcp_names(f, ("tool", "call", "tool"), undeclared, unknown),
            Self::McpPrompts {
                undeclared,
                unknown,
            } => mcp_names(f, ("prompt", "get", "prompt"), undeclared, unknown),
            Self::DpopAlgorithms => f.write_str(
                "`Dpop::algorithms` needs at least one asymmetric algorithm (ES256, EdDSA, PS256, RS256, …); HMAC cannot sign a DPoP proof",
            ),
            Self::DpopPublicUrl(url) => write!(
                f,
                "`Dpop::public_url(\"{url}\")` is not the URL clients reach the server's root at: give `https://host[:port][/path]`, without query or fragment"
            ),
            Self::DpopUrlUnset => f.write_str(
                "a DPoP proof names the URL the client called (`htu`): say where clients reach this server with `Dpop::public_url(\"https://api.example.com\")`, or `Dpop::url_from_request()` to trust the request's Host (tests, local development)",
            ),
            Self::DpopProofLifetime => f.write_str(
                "`Dpop::proof_lifetime` must be more than zero and at most 10 minutes, and `Dpop::clock_skew` at most 5 minutes (proofs are short-lived, RFC 9449 §11.1)",
            ),
            Self::MetadataDpopMismatch => f.write_str(
                "the resource metadata says of DPoP otherwise than the verifier: pass the same `Dpop` to `ResourceMetadata::dpop(&dpop)` and `VerifierBuilder::dpop(dpop)`",
            ),
            Self::MetadataAudience { resource } => write!(
                f,
                "the resource metadata names the resource `{resource}`, but the verifier checks no audience, so it would accept tokens meant for no resource in particular: add `.audience(\"…\")` with the audience your authorization server writes in this API's tokens (MCP clients ask for `{resource}`, RFC 8707), on the builder, or with `trust()` on each `TrustedIssuer`"
            ),
            Self::DpopProofsPerSubject => f.write_str(
                "`Dpop::proofs_per_subject(0)` would refuse every DPoP proof: give the most proofs one subject (a user, or a service client) may have remembered in one replay window, or `u32::MAX` to count none",
            ),
            Self::DpopNonceSecret => f.write_str(
                "the secret of `Dpop::nonces` must be at least 32 bytes (random; the same on every instance)",
            ),
            Self::Rfc9068Incomplete => f.write_str(
                "the RFC 9068 profile checks `iss` and `aud`: configure an issuer (`issuer` or `oidc_issuer`) and the resource (`rfc9068(\"https://api.example.com\")`)",
            ),
            Self::InvalidIssuerUrl(issuer) => write!(
                f,
                "the OpenID Connect issuer `{issuer}` has a query, a fragment or user information (not shown), which an issuer URL cannot hold (OpenID Connect Discovery §2); give the issuer as its tokens name it in `iss`"
            ),
            Self::DiscoveryUrl {
                setting: "jwks_url",
                url,
                issuer,
            } => write!(
                f,
                "`{url}` is the address of a discovery document, not of a key set: give `jwks_url` the document's `jwks_uri`, or give `oidc_issuer` (or `TrustedIssuer::oidc`) the issuer (the document's `issuer`, likely `{issuer}` or `{issuer}/`) to have the key set found"
            ),
            Self::DiscoveryUrl {
                setting,
                url,
                issuer,
            } => write!(
                f,
                "`{url}` is the address of a discovery document, not of an issuer: give `{setting}` (or `TrustedIssuer::oidc`) the document's `issuer`, as tokens carry it in `iss` (likely `{issuer}`, or `{issuer}/`: Auth0's issuers end with a slash, and the two are different issuers); the discovery path is appended to it"
            ),
            Self::EmptySetting(setting @ ("client_id" | "client_secret")) => write!(
                f,
                "the introspection client's `{setting}` is the empty string: was it read from an unset environment variable? The resource server authenticates to the introspection endpoint (RFC 7662 §2.1), and the secret keys the MAC of the answers a shared store keeps"
            ),
            Self::EmptySetting(setting) => write!(
                f,
                "`{setting}` is given the empty string, which no token should match: was it read from an unset environment variable? Give the value, or leave the setting out"
            ),
        }
    }
}

/// What [`ConfigError::McpTools`] and [`ConfigError::McpPrompts`] say: `noun` is the
/// kind of name, `verb` what a client does with one, `method` the guard's method that
/// declares one.
fn mcp_names(
    f: &mut fmt::Formatter<'_>,
    (noun, verb, method): (&str, &str, &str),
    undeclared: &[String],
    unknown: &[(String, Option<String>)],
) -> fmt::Result {
    let mut sentences = Vec::new();
    if !undeclared.is_empty() {
        let names: Vec<String> = undeclared.iter().map(|name| format!("`{name}`")).collect();
        let (plural, has, them, each) = match undeclared.len() {
            1 => ("", "has", "it", "it"),
            _ => ("s", "have", "them", "each"),
        };
        sentences.push(format!(
            "the MCP server's {noun}{plural} {} {has} no scopes declared, so no token can {verb} {them}: declare {each} with `McpScopesLayer::{method}::<Marker>(\"name\")` (a marker of `#[requires_scopes]`; a bare `#[requires_scopes]` asks only a valid token)",
            names.join(", "),
        ));
    }
    for (name, near) in unknown {
        sentences.push(match near {
            Some(near) => format!(
                "`{name}` is declared, but the server has no such {noun}; did you mean `{near}`?"
            ),
            None => format!("`{name}` is declared, but the server has no such {noun}"),
        });
    }
    f.write_str(&sentences.join("; "))
}

impl std::error::Error for ConfigError {}

/// Why a bearer token was refused: each maps to `401 invalid_token`.
///
/// [`TokenError::description`] is the short, static text used as `error_description`;
/// it never contains anything taken from the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenError {
    /// Not a well-formed JWT (structure, base64, JSON, a `crit` header, a signature
    /// that is not base64url).
    Malformed,
    /// The header's `alg` is unknown, `none`, or not one a configured key verifies.
    AlgorithmNotAllowed,
    /// The header's `kid` names no configured key.
    UnknownKey,
    /// The signature does not verify.
    BadSignature,
    /// `exp` is in the past (beyond the leeway).
    Expired,
    /// `nbf` or `iat` is in the future (beyond the leeway): a token issued later than
    /// now is refused, as PyJWT (FastAPI's) refuses it.
    NotYetValid,
    /// A required claim is absent (RFC 9068's `sub`, `client_id` and `jti` also when
    /// an empty string: it names no subject, client or token).
    MissingClaim(&'static str),
    /// A claim has the wrong type, or a value no token may hold: `exp`, `nbf`, `iat` or
    /// `auth_time` not a non-negative number, or `auth_time` in the future (beyond the
    /// leeway: a login that has not happened); `iss`, `sub`, `client_id`, `jti` or
    /// `acr` not a string; `cnf` not an object, or its `jkt` not a string given once.
    InvalidClaim(&'static str),
    /// A claim the verifier reads (`exp`, `nbf`, `iss`, `aud`, `sub`, `client_id`, `iat`,
    /// `jti`, `acr`, `auth_time`, `cnf`, a scope claim, `tid` beside a tenant template,
    /// or a [`require_claim`](crate::VerifierBuilder::require_claim) name) appears twice
    /// in the claims object. RFC 7519 §4 lets a
    /// parser refuse such a token or keep the last member; refusing is the only choice
    /// on which every parser agrees.
    DuplicateClaim,
    /// `iss` is not the configured issuer.
    WrongIssuer,
    /// `aud` does not contain the configured audience, or the token has an audience
    /// and none is configured.
    WrongAudience,
    /// A scope claim is neither a string nor an array of strings (or, in a JWT,
    /// FastAPI's `scopes` is not an array).
    InvalidScopeClaim,
    /// The claims do not deserialize into the type a handler asked for.
    ClaimsMismatch,
    /// The header's `typ` names another kind of JWT than an access token (`dpop+jwt`,
    /// `logout+jwt`, `secevent+jwt`…: RFC 8725 §2.8 and §3.11), or the RFC 9068 profile
    /// is on and it is not `at+jwt`. No `typ`, `JWT` and `JOSE` say nothing and pass
    /// without the profile.
    NotAnAccessToken,
    /// A claim given to `require_claim` is absent, or holds none of the values it must
    /// hold (as a string, or in an array of strings).
    RequiredClaim,
    /// The introspection endpoint answered that the token is not active (RFC 7662).
    Inactive,
    /// The token is not a bearer access token: it is bound to a key (`cnf`, RFC 7800;
    /// DPoP, RFC 9449 §7.1: it must come with its proof), or the introspection endpoint
    /// answered for another kind of token (a `token_type` other than `Bearer`, e.g. a
    /// refresh token).
    NotBearer,
    /// The issuer's keys could not be fetched (its JWKS, or its discovery document, is
    /// unreachable or wrong), and there is no earlier set to check the token with, or
    /// the earlier set lacks the token's `kid` (the key may be one the provider started
    /// signing with since): it could not be checked, so it is refused, with 503 and
    /// `Retry-After` (not 401: the token may well be good). The refusal event says so,
    /// and a warning logs each failed fetch; `Verifier::refresh_keys` at start-up
    /// reports it before any request.
    KeysUnavailable,
    /// The introspection endpoint could not be asked (down, slow, an error status, a
    /// body past the size limit): the token could not be checked, so it is refused,
    /// with 503 and `Retry-After`.
    IntrospectionFailed,
    /// The introspection endpoint answered, but not with an introspection answer (RFC
    /// 7662 §2.2: not a JSON object, `active` missing or not a boolean, a member given
    /// twice, claims nested deeper than the claims' pass reads): the token is refused as
    /// invalid (401), and the answer is not remembered (a later request asks again). A
    /// warning logs each. (Claims of the wrong type or out of range are refused for what
    /// they say: `InvalidClaim`, `InvalidScopeClaim`, not remembered either.)
    UnreadableIntrospection,
    /// The token came with a DPoP proof (RFC 9449) but is not bound to the proof's key:
    /// its `cnf.jkt` names another key, or it is not bound to any.
    KeyBinding,
}

impl TokenError {
    /// A short description for developers, safe to send (`error_description`).
    pub fn description(self) -> &'static str {
        match self {
            Self::Malformed => "The access token is malformed",
            Self::AlgorithmNotAllowed => "The token algorithm is not accepted",
            Self::UnknownKey => "The token key id is unknown",
            Self::BadSignature => "The token signature is invalid",
            Self::Expired => "The access token expired",
            Self::NotYetValid => "The access token is not yet valid",
            Self::MissingClaim("exp") => "The token has no exp claim",
            Self::MissingClaim("iss") => "The token has no iss claim",
            Self::MissingClaim("aud") => "The token has no aud claim",
            Self::MissingClaim("sub") => "The token has no sub claim",
            Self::MissingClaim("client_id") => "The token has no client_id claim",
            Self::MissingClaim("iat") => "The token has no iat claim",
            Self::MissingClaim("jti") => "The token has no jti claim",
            Self::MissingClaim(_) => "The token lacks a required claim",
            Self::InvalidClaim("iss") => "The token iss claim is not a string",
            Self::InvalidClaim("sub") => "The token sub claim is not a string",
            Self::InvalidClaim("client_id") => "The token client_id claim is not a string",
            Self::InvalidClaim("jti") => "The token jti claim is not a string",
            Self::InvalidClaim("acr") => "The token acr claim is not a string",
            Self::InvalidClaim("cnf") => "The token cnf claim is invalid",
            Self::InvalidClaim("exp" | "nbf" | "iat" | "auth_time") => {
                "The token has an invalid time claim"
            }
            Self::InvalidClaim(_) => "The token has an invalid claim",
            Self::DuplicateClaim => "The token repeats a claim",
            Self::WrongIssuer => "The token issuer is not accepted",
            Self::WrongAudience => "The token audience is not accepted",
            Self::InvalidScopeClaim => "The token scope claim is invalid",
            Self::ClaimsMismatch => "The token claims are not as expected",
            Self::NotAnAccessToken => "The token is not a JWT access token (typ)",
            Self::RequiredClaim => "The token lacks a required claim value",
            Self::Inactive => "The access token is not active",
            Self::NotBearer => "The token is not a bearer access token",
            Self::IntrospectionFailed | Self::KeysUnavailable => "The token could not be checked",
            Self::UnreadableIntrospection => "The token introspection answer is not valid",
            Self::KeyBinding => "Invalid DPoP key binding",
        }
    }
}

impl TokenError {
    /// A stable code for logs and metrics (`expired`, `bad_signature`, …): it names the
    /// variant and never changes between releases.
    pub fn code(self) -> &'static str {
        match self {
            Self::Malformed => "malformed",
            Self::AlgorithmNotAllowed => "algorithm_not_allowed",
            Self::UnknownKey => "unknown_key",
            Self::BadSignature => "bad_signature",
            Self::Expired => "expired",
            Self::NotYetValid => "not_yet_valid",
            Self::MissingClaim(_) => "missing_claim",
            Self::InvalidClaim(_) => "invalid_claim",
            Self::DuplicateClaim => "duplicate_claim",
            Self::WrongIssuer => "wrong_issuer",
            Self::WrongAudience => "wrong_audience",
            Self::InvalidScopeClaim => "invalid_scope_claim",
            Self::ClaimsMismatch => "claims_mismatch",
            Self::NotAnAccessToken => "not_an_access_token",
            Self::RequiredClaim => "required_claim",
            Self::Inactive => "inactive",
            Self::NotBearer => "not_bearer",
            Self::IntrospectionFailed => "introspection_failed",
            Self::UnreadableIntrospection => "unreadable_introspection",
            Self::KeysUnavailable => "keys_unavailable",
            Self::KeyBinding => "key_binding",
        }
    }
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.description())
    }
}

impl std::error::Error for TokenError {}

/// Why a DPoP proof (RFC 9449 §4.3) was refused: each maps to `401
/// error="invalid_dpop_proof"` in a `DPoP` challenge.
///
/// [`DpopError::description`] is the short, static text used as `error_description`;
/// it never contains anything taken from the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DpopError {
    /// `Authorization: DPoP` without a `DPoP` header.
    Missing,
    /// More than one `DPoP` header.
    Multiple,
    /// The proof is not a compact JWS with a JSON header and claims.
    Malformed,
    /// The proof's `typ` is not `dpop+jwt`.
    Type,
    /// The proof's `alg` is not an asymmetric algorithm the verifier accepts.
    Algorithm,
    /// The proof has no `jwk`, one that is not a public key for its `alg`, or one with
    /// private members.
    Key,
    /// The proof's signature does not verify with its `jwk`.
    Signature,
    /// `htm` is not the request's method.
    Method,
    /// `htu` is not the request's URL (without query and fragment).
    Uri,
    /// `iat` is missing, or too far from now.
    IssuedAt,
    /// `jti` is missing.
    Id,
    /// `ath` is missing, or not the hash of the access token.
    TokenHash,
    /// The proof was seen before (its `jti`, for this key, within the proof lifetime).
    Replayed,
    /// The replay store could not be asked (or a memory store is full): the proof could
    /// not be checked, so it is refused, with 503 and `Retry-After`.
    ReplayCheckFailed,
    /// The token's subject had more proofs remembered in the current replay window than
    /// [`Dpop::proofs_per_subject`](crate::Dpop::proofs_per_subject) allows: refused
    /// with 429 and a `Retry-After` of the window's length, by which time that
    /// subject's count has begun again.
    TooManyProofs,
}

impl DpopError {
    /// A short description for developers, safe to send (`error_description`).
    pub fn description(self) -> &'static str {
        match self {
            Self::Missing => "The request has no DPoP proof",
            Self::Multiple => "The request has more than one DPoP proof",
            Self::Malformed => "The DPoP proof is malformed",
            Self::Type => "The DPoP proof typ is not dpop+jwt",
            Self::Algorithm => "The DPoP proof algorithm is not accepted",
            Self::Key => "The DPoP proof jwk is not an acceptable public key",
            Self::Signature => "The DPoP proof signature is invalid",
            Self::Method => "The DPoP proof htm is not the request method",
            Self::Uri => "The DPoP proof htu is not the request URL",
            Self::IssuedAt => "The DPoP proof iat is missing or out of range",
            Self::Id => "The DPoP proof has no jti",
            Self::TokenHash => "The DPoP proof ath is missing or does not match the access token",
            Self::Replayed => "The DPoP proof was used before",
            Self::ReplayCheckFailed => "The DPoP proof could not be checked",
            Self::TooManyProofs => "Too many DPoP proofs for this subject; try again later",
        }
    }

    /// A stable code for logs and metrics (`replayed`, `uri`, …): it names the variant
    /// and never changes between releases.
    pub fn code(self) -> &'static str {
        match self {
            Self::Missing => "missing",
            Self::Multiple => "multiple",
            Self::Malformed => "malformed",
            Self::Type => "type",
            Self::Algorithm => "algorithm",
            Self::Key => "key",
            Self::Signature => "signature",
            Self::Method => "method",
            Self::Uri => "uri",
            Self::IssuedAt => "issued_at",
            Self::Id => "id",
            Self::TokenHash => "token_hash",
            Self::Replayed => "replayed",
            Self::ReplayCheckFailed => "replay_check_failed",
            Self::TooManyProofs => "too_many_proofs",
        }
    }
}

impl fmt::Display for DpopError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.description())
    }
}

impl std::error::Error for DpopError {}
