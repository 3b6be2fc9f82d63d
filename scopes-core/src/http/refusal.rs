//! The refusal model: why a request is refused ([`AuthRejection`]), and the one place
//! that turns a reason into a response ([`Rejection`]): status, `WWW-Authenticate`
//! challenge, body, realm and the application's hook, for every response mode.

use core::fmt;
use std::borrow::Cow;
use std::sync::{Arc, RwLock};

use rustc_hash::{FxBuildHasher, FxHashMap};

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::header::{
    CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER, TRANSFER_ENCODING, WWW_AUTHENTICATE,
};
use http::{HeaderMap, HeaderValue, StatusCode, Version};

use super::bearer::{InvalidRequest, Presented};
use super::challenge::{challenge, header};
use super::dpop::Nonces;
use super::observe::{self, Context};
use crate::error::{DpopError, TokenError};
use crate::table::Authentication;

/// Why a request was refused. Match on it in a rejection hook or in your own
/// extractors; [`Rejection`] turns it into the response.
///
/// | variant | RFC 6750 (default) | [`ResponseMode::FastApi`] |
/// |---|---|---|
/// | `MissingCredentials` | 401, `Bearer` | 401, `Bearer` |
/// | `InvalidRequest` | 400, `Bearer error="invalid_request", error_description="…"` | the same |
/// | `InvalidToken` | 401, `Bearer error="invalid_token", error_description="…"` | 401, `Bearer scope="…"` |
/// | `InsufficientScope` | 403, `Bearer error="insufficient_scope", scope="…"` | 401, `Bearer scope="…"` |
/// | `InsufficientUserAuthentication` | 401, `Bearer error="insufficient_user_authentication", error_description="…", acr_values="…", max_age="…"` (RFC 9470) | the same |
/// | `InvalidDpopProof` | 401, `DPoP error="invalid_dpop_proof", error_description="…", algs="…"` (RFC 9449) | the same |
/// | `UseDpopNonce` | 401, `DPoP error="use_dpop_nonce", error_description="…", algs="…"` and a `DPoP-Nonce` header | the same |
/// | `InvalidToken(KeysUnavailable \| IntrospectionFailed)`, `InvalidDpopProof(ReplayCheckFailed)` ([`is_outage`](Self::is_outage)) | 503, `Retry-After: 10`, no challenge | the same |
/// | `InvalidDpopProof(TooManyProofs)` ([`Dpop::proofs_per_subject`](crate::Dpop::proofs_per_subject)) | 429, `Retry-After` the replay window's length, no challenge | the same |
///
/// A 503 refuses the request (fail closed) without blaming the credentials: the issuer's
/// keys, its introspection endpoint or the DPoP replay store could not be reached, and
/// a client that read 401 would throw away a good token (an MCP client would start a
/// new authorization). The refusal event and the log say which.
///
/// With [`Dpop`](crate::Dpop) on, a refusal answers in the scheme the request used
/// (`DPoP` when it is required, or for no credentials when it is), its challenges
/// carry `algs="…"`, and where both schemes are accepted the other one is challenged
/// too, bare, in a second `WWW-Authenticate` header.
///
/// With [`VerifierBuilder::scope_on_401`](crate::VerifierBuilder::scope_on_401), the 401s
/// of RFC 6750 mode name the route's scopes too (`Bearer scope="…"`,
/// `Bearer error="invalid_token", error_description="…", scope="…"`), as MCP asks of
/// its servers.
///
/// `scope` lists the scopes the route requires ([`Rejection::scope`]). The body is JSON,
/// `{"detail": "…"}` with [`detail`](Self::detail), as FastAPI answers. Nothing in the
/// response is taken from the request: descriptions are fixed strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthRejection {
    /// No bearer token: no `Authorization` header, another scheme, or an empty token.
    MissingCredentials,
    /// The credentials could not be read.
    InvalidRequest(InvalidRequest),
    /// The token is not acceptable.
    InvalidToken(TokenError),
    /// The token is valid but does not grant the scopes required.
    InsufficientScope,
    /// The token grants the scopes, but the user did not authenticate as the route
    /// requires (RFC 9470): not with an acceptable `acr` ("A different authentication
    /// level is required"), or, the `acr` accepted, too long ago or at an unknown time
    /// ("More recent authentication is required": [`Authentication::only_too_old`]).
    InsufficientUserAuthentication(Authentication),
    /// The DPoP proof (RFC 9449 §4.3) is not acceptable.
    InvalidDpopProof(DpopError),
    /// The DPoP proof lacks the server's current nonce (RFC 9449 §9): the response
    /// carries one in `DPoP-Nonce`, for the client to sign again.
    UseDpopNonce,
}

/// `Retry-After` of a 503 (the default cooldown between two fetches of a key set), and
/// of a 429 from a verifier without the DPoP window it would name.
const RETRY_SECONDS: &str = "10";

/// The refusals whose credentials could not be checked ([`AuthRejection::is_outage`]),
/// as a pattern: the one list, matched by variant where a refusal is answered.
macro_rules! outage {
    () => {
        AuthRejection::InvalidToken(TokenError::KeysUnavailable | TokenError::IntrospectionFailed)
            | AuthRejection::InvalidDpopProof(DpopError::ReplayCheckFailed)
    };
}

/// A refusal's `detail` and its JSON body `{"detail":"…"}`, written from one literal
/// (the body is a constant: refusing allocates nothing for it).
macro_rules! detail {
    ($text:literal) => {
        $crate::http::refusal::Detail {
            text: $text,
            body: concat!("{\"detail\":\"", $text, "\"}"),
        }
    };
}
pub(crate) use detail;

/// See [`detail!`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Detail {
    pub(crate) text: &'static str,
    pub(crate) body: &'static str,
}

impl AuthRejection {
    /// The `detail` of the JSON body.
    pub fn detail(&self) -> &'static str {
        self.detail_and_body().text
    }

    /// A stable code for logs and metrics: `missing_credentials`,
    /// `invalid_request.<why>`, `invalid_token.<why>` ([`TokenError::code`]),
    /// `insufficient_scope`, `insufficient_user_authentication`,
    /// `invalid_dpop_proof.<why>` ([`DpopError::code`]), `use_dpop_nonce`. The codes never
    /// change between releases; alert on them.
    pub fn code(&self) -> &'static str {
        use TokenError as E;
        match self {
            Self::MissingCredentials => "missing_credentials",
            Self::InvalidRequest(InvalidRequest::MultipleCredentials) => {
                "invalid_request.multiple_credentials"
            }
            Self::InvalidRequest(InvalidRequest::MalformedAuthorization) => {
                "invalid_request.malformed_authorization"
            }
            Self::InvalidToken(why) => match why {
                E::Malformed => "invalid_token.malformed",
                E::AlgorithmNotAllowed => "invalid_token.algorithm_not_allowed",
                E::UnknownKey => "invalid_token.unknown_key",
                E::BadSignature => "invalid_token.bad_signature",
                E::Expired => "invalid_token.expired",
                E::NotYetValid => "invalid_token.not_yet_valid",
                E::MissingClaim(_) => "invalid_token.missing_claim",
                E::InvalidClaim(_) => "invalid_token.invalid_claim",
                E::DuplicateClaim => "invalid_token.duplicate_claim",
                E::WrongIssuer => "invalid_token.wrong_issuer",
                E::WrongAudience => "invalid_token.wrong_audience",
                E::InvalidScopeClaim => "invalid_token.invalid_scope_claim",
                E::ClaimsMismatch => "invalid_token.claims_mismatch",
                E::NotAnAccessToken => "invalid_token.not_an_access_token",
                E::RequiredClaim => "invalid_token.required_claim",
                E::Inactive => "invalid_token.inactive",
                E::NotBearer => "invalid_token.not_bearer",
                E::IntrospectionFailed => "invalid_token.introspection_failed",
                E::UnreadableIntrospection => "invalid_token.unreadable_introspection",
                E::KeysUnavailable => "invalid_token.keys_unavailable",
                E::KeyBinding => "invalid_token.key_binding",
            },
            Self::InsufficientScope => "insufficient_scope",
            Self::InsufficientUserAuthentication(_) => "insufficient_user_authentication",
            Self::InvalidDpopProof(why) => match why {
                DpopError::Missing => "invalid_dpop_proof.missing",
                DpopError::Multiple => "invalid_dpop_proof.multiple",
                DpopError::Malformed => "invalid_dpop_proof.malformed",
                DpopError::Type => "invalid_dpop_proof.type",
                DpopError::Algorithm => "invalid_dpop_proof.algorithm",
                DpopError::Key => "invalid_dpop_proof.key",
                DpopError::Signature => "invalid_dpop_proof.signature",
                DpopError::Method => "invalid_dpop_proof.method",
                DpopError::Uri => "invalid_dpop_proof.uri",
                DpopError::IssuedAt => "invalid_dpop_proof.issued_at",
                DpopError::Id => "invalid_dpop_proof.id",
                DpopError::TokenHash => "invalid_dpop_proof.token_hash",
                DpopError::Replayed => "invalid_dpop_proof.replayed",
                DpopError::ReplayCheckFailed => "invalid_dpop_proof.replay_check_failed",
                DpopError::TooManyProofs => "invalid_dpop_proof.too_many_proofs",
            },
            Self::UseDpopNonce => "use_dpop_nonce",
        }
    }

    /// Whether the request was refused because its credentials could not be checked
    /// (503), not because they are wrong.
    pub fn is_outage(&self) -> bool {
        matches!(self, outage!())
    }

    /// Whether its answer carries a `WWW-Authenticate` challenge: every refusal's but an
    /// outage's (503) and a DPoP subject's over its share (429), whose credentials other
    /// credentials would not do better than.
    pub fn is_challenged(&self) -> bool {
        !self.is_outage() && *self != Self::InvalidDpopProof(DpopError::TooManyProofs)
    }

    fn detail_and_body(&self) -> Detail {
        match self {
            Self::MissingCredentials => detail!("Not authenticated"),
            Self::InvalidRequest(why) => why.detail(),
            outage!() => detail!("The credentials could not be checked; try again later"),
            Self::InvalidToken(_) => detail!("Could not validate credentials"),
            Self::InsufficientScope => detail!("Not enough permissions"),
            Self::InsufficientUserAuthentication(asked) if asked.only_too_old() => {
                detail!("More recent authentication is required")
            }
            Self::InsufficientUserAuthentication(_) => {
                detail!("A different authentication level is required")
            }
            Self::InvalidDpopProof(DpopError::TooManyProofs) => {
                detail!("Too many DPoP requests for this subject; try again later")
            }
            Self::InvalidDpopProof(_) => detail!("Invalid DPoP proof"),
            Self::UseDpopNonce => detail!("A DPoP nonce is required"),
        }
    }
}

impl fmt::Display for AuthRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingCredentials => f.write_str("no bearer token"),
            Self::InvalidRequest(why) => f.write_str(why.description()),
            Self::InvalidToken(why) => f.write_str(why.description()),
            Self::InsufficientScope => f.write_str("the token lacks a required scope"),
            Self::InsufficientUserAuthentication(_) => {
                f.write_str("the user did not authenticate as required")
            }
            Self::InvalidDpopProof(why) => f.write_str(why.description()),
            Self::UseDpopNonce => f.write_str("the DPoP proof lacks the server's nonce"),
        }
    }
}

impl std::error::Error for AuthRejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::InvalidToken(why) => Some(why),
            Self::InvalidDpopProof(why) => Some(why),
            _ => None,
        }
    }
}

impl From<InvalidRequest> for AuthRejection {
    fn from(why: InvalidRequest) -> Self {
        Self::InvalidRequest(why)
    }
}

impl From<TokenError> for AuthRejection {
    fn from(why: TokenError) -> Self {
        Self::InvalidToken(why)
    }
}

/// The status codes and challenges refusals use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ResponseMode {
    /// RFC 6750 §3: 400 `invalid_request`, 401 `invalid_token`, 403
    /// `insufficient_scope` with `scope="…"`.
    #[default]
    Rfc6750,
    /// What FastAPI's OAuth2-scopes tutorial answers: a bad token and insufficient
    /// scope are both 401, challenged with `Bearer scope="…"` (the scopes the route
    /// requires) and no `error`; the bodies are `Could not validate credentials` and
    /// `Not enough permissions`. Malformed requests still answer 400.
    FastApi,
}

/// How one reason is answered in one mode: the only place that branches on the mode.
struct Answer {
    status: StatusCode,
    error: Option<&'static str>,
    description: Option<&'static str>,
    /// Whether the challenge names the route's scopes.
    scope: bool,
}

#[inline]
fn answer(mode: ResponseMode, scope_on_401: bool, reason: &AuthRejection) -> Answer {
    use AuthRejection as R;
    let (status, error, description, scope) = match (mode, reason) {
        (_, R::MissingCredentials) => (StatusCode::UNAUTHORIZED, None, None, scope_on_401),
        // The token could not be checked (the issuer's keys, its introspection
        // endpoint or the replay store out of reach): refused, but not blamed on the
        // client's credentials, which a 401 would have it throw away. (Matched by
        // variant, as `is_outage` says, so that other refusals pay no test for it.)
        (_, outage!()) => (StatusCode::SERVICE_UNAVAILABLE, None, None, false),
        (_, R::InvalidRequest(why)) => (
            StatusCode::BAD_REQUEST,
            Some("invalid_request"),
            Some(why.description()),
            false,
        ),
        (ResponseMode::Rfc6750, R::InvalidToken(why)) => (
            StatusCode::UNAUTHORIZED,
            Some("invalid_token"),
            Some(why.description()),
            scope_on_401,
        ),
        (ResponseMode::Rfc6750, R::InsufficientScope) => (
            StatusCode::FORBIDDEN,
            Some("insufficient_scope"),
            None,
            true,
        ),
        (ResponseMode::FastApi, R::InvalidToken(_) | R::InsufficientScope) => {
            (StatusCode::UNAUTHORIZED, None, None, true)
        }
        (_, R::InsufficientUserAuthentication(asked)) => (
            StatusCode::UNAUTHORIZED,
            Some("insufficient_user_authentication"),
            Some(match asked.only_too_old() {
                true => "More recent authentication is required",
                false => "A different authentication level is required",
            }),
            false,
        ),
        // One subject over its share of the replay store: refused without blaming
        // the proof, which was good (RFC 6585).
        (_, R::InvalidDpopProof(DpopError::TooManyProofs)) => {
            (StatusCode::TOO_MANY_REQUESTS, None, None, false)
        }
        (_, R::InvalidDpopProof(why)) => (
            StatusCode::UNAUTHORIZED,
            Some("invalid_dpop_proof"),
            Some(why.description()),
            false,
        ),
        (_, R::UseDpopNonce) => (
            StatusCode::UNAUTHORIZED,
            Some("use_dpop_nonce"),
            Some("Resource server requires nonce in DPoP proof"),
            false,
        ),
    };
    Answer {
        status,
        error,
        description,
        scope,
    }
}

/// What a response for `reason` looks like in a mode, for documentation (OpenAPI).
pub(crate) struct Example {
    pub(crate) status: StatusCode,
    /// The challenge (without realm).
    pub(crate) challenge: String,
    /// The body's `detail`.
    pub(crate) detail: &'static str,
    /// The challenge's `error` code, if it has one.
    pub(crate) error: Option<&'static str>,
}

/// The response for `reason` in `mode`, given the route's `scope`.
pub(crate) fn example(mode: ResponseMode, reason: AuthRejection, scope: &str) -> Example {
    let answer = answer(mode, false, &reason);
    Example {
        status: answer.status,
        challenge: format("Bearer", &answer, &reason, None, scope, None, None),
        detail: reason.detail(),
        error: answer.error,
    }
}

/// The challenge of `scheme` (`Bearer` or `DPoP`, whose challenges list `algs`).
fn format(
    scheme: &str,
    answer: &Answer,
    reason: &AuthRejection,
    realm: Option<&str>,
    scope: &str,
    algs: Option<&str>,
    resource_metadata: Option<&str>,
) -> String {
    let scope = (answer.scope && !scope.is_empty()).then_some(scope);
    // RFC 9470 §3: what the authorization server is to be asked for.
    let (acr_values, max_age) = match reason {
        AuthRejection::InsufficientUserAuthentication(needed) => (
            Some(needed.acr_values()).filter(|values| !values.is_empty()),
            needed.max_age().map(|age| age.to_string()),
        ),
        _ => (None, None),
    };
    challenge(
        scheme,
        &[
            ("realm", realm),
            ("error", answer.error),
            ("error_description", answer.description),
            ("scope", scope),
            ("acr_values", acr_values),
            ("max_age", max_age.as_deref()),
            ("algs", algs),
            ("resource_metadata", resource_metadata),
        ],
    )
}

type Shape = dyn Fn(&Rejection) -> Response + Send + Sync;

/// What the challenges of a verifier that takes DPoP say.
#[derive(Clone)]
pub(crate) struct DpopChallenge {
    /// Only DPoP is taken (no `Bearer` challenge).
    pub(crate) required: bool,
    /// `algs="…"`.
    pub(crate) algs: Arc<str>,
    /// Server nonces, given in `DPoP-Nonce` with the `DPoP` challenges.
    pub(crate) nonces: Option<Nonces>,
    /// `Retry-After` of a subject over its share ([`DpopError::TooManyProofs`]): the replay
    /// window's length in seconds.
    pub(crate) retry_after: HeaderValue,
}

/// A verifier's answering policy.
#[derive(Clone, Default)]
pub(crate) struct Responder {
    pub(crate) mode: ResponseMode,
    pub(crate) realm: Option<Arc<str>>,
    /// The URL of the resource's metadata (RFC 9728), named by every challenge.
    pub(crate) resource_metadata: Option<Arc<str>>,
    /// Whether the 401 challenges name the route's scopes too (RFC 6750 mode; the
    /// FastAPI mode's always do).
    pub(crate) scope_on_401: bool,
    /// Whether and how DPoP is taken (its challenge and nonces).
    pub(crate) dpop: Option<DpopChallenge>,
    pub(crate) shape: Option<Arc<Shape>>,
    /// Where the challenges this responder formats are kept.
    challenges: ChallengeCache,
}

/// Responders with the default mode and no realm format the same challenges: they
/// share the process's cache, and cloning one (for each refusal) touches no reference
/// count. Any other has its own.
#[derive(Clone, Default)]
enum ChallengeCache {
    #[default]
    Process,
    Own(Arc<Challenges>),
}

/// The cache of the responders with the default mode and no realm. Its values are
/// static (each text leaked once: at most `MAX_CHALLENGES` of them in the process), so
/// cloning one copies a pointer and counts no reference.
static PROCESS_CHALLENGES: Challenges = Challenges {
    map: RwLock::new(FxHashMap::with_hasher(FxBuildHasher)),
    statics: true,
};

/// Challenges formatted once and reused: refusals repeat a few of them (a reason's
/// `error` and `error_description`, a route's `scope`, all `'static`), so each is
/// formatted the first time and then cloned. Keyed by the status, whether the scope is
/// named, and the addresses and lengths of those `'static` strings; bounded.
#[derive(Default)]
struct Challenges {
    map: RwLock<FxHashMap<ChallengeKey, Cow<'static, HeaderValue>>>,
    /// Values are leaked to be static (the process's cache only).
    statics: bool,
}

/// More distinct challenges than routes times reasons would be odd: past this many,
/// the rest are formatted each time.
const MAX_CHALLENGES: usize = 1024;

/// How many of the process cache's challenges each thread keeps at hand.
const RECENT_SLOTS: usize = 8;

/// What a challenge is known by: the status, whether the scope is named, and the
/// address and length of each `'static` text in it (`error`, `error_description`, the
/// route's `scope`).
type ChallengeKey = [usize; 8];

/// One of a thread's recent challenges: its key and the process cache's static value.
/// Plain data (nothing to drop, no borrow flag), so that reading it is a copy.
type Recent = core::cell::Cell<Option<(ChallengeKey, &'static HeaderValue)>>;

thread_local! {
    /// The process cache's challenges this thread read last, direct-mapped by key.
    static RECENT: [Recent; RECENT_SLOTS] = const { [const { Recent::new(None) }; RECENT_SLOTS] };
}

impl Challenges {
    /// The challenge for `answer` and `scope`, formatted by `format` when not known.
    fn get_or_format(
        &self,
        answer: &Answer,
        scope: &'static str,
        format: impl FnOnce() -> String,
    ) -> HeaderValue {
        let address = |text: Option<&'static str>| text.map_or(0, |text| text.as_ptr() as usize);
        let length = |text: Option<&'static str>| text.map_or(0, str::len);
        let key = [
            usize::from(answer.status.as_u16()),
            usize::from(answer.scope),
            address(answer.error),
            length(answer.error),
            address(answer.description),
            length(answer.description),
            address(Some(scope)),
            scope.len(),
        ];
        // The process cache's values never change once set: each thread keeps the last
        // few it read, and reads them again without the lock.
        let slot = (key[6] >> 3 ^ key[2] >> 3) % RECENT_SLOTS;
        if self.statics
            && let Some(value) = RECENT.with(|recent| match recent[slot].get() {
                Some((known, value)) if known == key => Some(value.clone()),
                _ => None,
            })
        {
            return value;
        }
        self.get_or_format_shared(key, slot, format)
    }

    /// [`get_or_format`](Self::get_or_format) past this thread's recent challenges:
    /// from the shared map, or formatted. Out of line, so that the common path is short
    /// in code too.
    #[inline(never)]
    fn get_or_format_shared(
        &self,
        key: ChallengeKey,
        slot: usize,
        format: impl FnOnce() -> String,
    ) -> HeaderValue {
        if let Some(value) = self.map.read().ok().and_then(|map| map.get(&key).cloned()) {
            if let Cow::Borrowed(value) = value {
                RECENT.with(|recent| recent[slot].set(Some((key, value))));
            }
            return value.into_owned();
        }
        let text = format();
        let value = header(&text);
        let Ok(mut map) = self.map.write() else {
            return value;
        };
        if map.len() >= MAX_CHALLENGES {
            return value;
        }
        // `from_static` panics on what `from_str` allows beyond visible ASCII; the
        // formatter keeps to it, and this makes sure.
        let visible = text
            .bytes()
            .all(|b| b == b'\t' || (0x20..0x7f).contains(&b));
        let stored = match self.statics && visible {
            true => Cow::Borrowed(&*Box::leak(Box::new(HeaderValue::from_static(Box::leak(
                text.into_boxed_str(),
            ))))),
            false => Cow::Owned(value.clone()),
        };
        map.insert(key, stored);
        value
    }
}

/// A verifier's responder, as it and its refusals hold it: the default one (the
/// common case) is a static, so that refusing touches no reference count.
#[derive(Clone)]
pub(crate) enum Answering {
    Default,
    Shared(Arc<Responder>),
}

/// What `Answering::Default` answers with.
static DEFAULT_RESPONDER: Responder = Responder {
    mode: ResponseMode::Rfc6750,
    realm: None,
    resource_metadata: None,
    scope_on_401: false,
    dpop: None,
    shape: None,
    challenges: ChallengeCache::Process,
};

impl Answering {
    /// `responder` [configured](Responder::configured).
    pub(crate) fn new(responder: Responder) -> Self {
        let responder = responder.configured();
        // Every field named, so that a field added later must be decided here too.
        let Responder {
            mode,
            realm,
            resource_metadata,
            scope_on_401,
            dpop,
            shape,
            challenges: _,
        } = &responder;
        let default = *mode == ResponseMode::Rfc6750
            && realm.is_none()
            && resource_metadata.is_none()
            && !*scope_on_401
            && dpop.is_none()
            && shape.is_none();
        match default {
            true => Self::Default,
            false => Self::Shared(Arc::new(responder)),
        }
    }
}

impl fmt::Debug for Answering {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl core::ops::Deref for Answering {
    type Target = Responder;

    fn deref(&self) -> &Responder {
        match self {
            Self::Default => &DEFAULT_RESPONDER,
            Self::Shared(responder) => responder,
        }
    }
}

impl Responder {
    /// The responder as configured: given its own challenge cache unless its challenges
    /// are the default ones (default mode, no realm).
    pub(crate) fn configured(mut self) -> Self {
        self.challenges = match (self.mode, &self.realm, &self.resource_metadata) {
            (ResponseMode::Rfc6750, None, None) if !self.scope_on_401 => ChallengeCache::Process,
            _ => ChallengeCache::Own(Arc::default()),
        };
        self
    }

    /// Where this responder's challenges are kept: decided from its mode and realm, so
    /// that a responder never shares another's texts.
    fn challenges(&self) -> Option<&Challenges> {
        // DPoP challenges depend on the scheme the request used: formatted each time.
        if self.dpop.is_some() {
            return None;
        }
        match (
            &self.challenges,
            self.mode,
            &self.realm,
            &self.resource_metadata,
        ) {
            (ChallengeCache::Own(own), ..) => Some(own),
            (ChallengeCache::Process, ResponseMode::Rfc6750, None, None) if !self.scope_on_401 => {
                Some(&PROCESS_CHALLENGES)
            }
            (ChallengeCache::Process, ..) => None,
        }
    }

    /// Whether a refusal for `reason` names the route's scopes (so they are worth
    /// computing).
    pub(crate) fn names_scope(&self, reason: &AuthRejection) -> bool {
        answer(self.mode, self.scope_on_401, reason).scope
    }
}

impl fmt::Debug for Responder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Responder")
            .field("mode", &self.mode)
            .field("realm", &self.realm)
            .field("dpop", &self.dpop.as_ref().map(|dpop| &dpop.algs))
            .field("shape", &self.shape.as_ref().map(|_| "custom"))
            .finish()
    }
}

/// A refused request, as the extractors and the layer return it: why
/// ([`reason`](Self::reason), to match on), the scopes the route requires, and the
/// verifier's answering policy ([`ResponseMode`], realm, `on_rejection` hook).
///
/// Its response always carries the status and `WWW-Authenticate` challenge of the
/// verifier's mode, whatever body a rejection hook chose. Build one for your own
/// extractors with [`Verifier::refuse`](crate::Verifier::refuse).
#[derive(Debug, Clone)]
pub struct Rejection {
    reason: AuthRejection,
    scope: Cow<'static, str>,
    responder: Answering,
    /// How the request presented its token (for the scheme of the challenge).
    presented: Presented,
    /// What its event says beyond the reason: gathered only when refusals are traced.
    context: Option<Box<Context>>,
    /// Whether its answer closes the connection ([`unread`]).
    close: bool,
}

/// Whether answering a request leaves its body unread on an HTTP/1 connection, given
/// whether the body may still be on its way (`pending`). hyper then closes the
/// connection after the answer (it cannot tell where the next request would start) but
/// does not say so in it, and a client that sends its next request on that connection
/// (an MCP client asking for the resource's metadata after its 401, a browser's next
/// call) finds it closed: such an answer says `Connection: close` (RFC 9112 §9.6). An
/// HTTP/2 stream ends alone.
pub(crate) fn unread(version: Version, pending: bool) -> bool {
    pending && version < Version::HTTP_2
}

/// Whether a request's headers announce a body (`Transfer-Encoding`, or a
/// `Content-Length` other than zero): what an extractor of the request's parts, which
/// cannot see the body, knows of it.
pub(crate) fn announced(headers: &HeaderMap) -> bool {
    headers.contains_key(TRANSFER_ENCODING)
        || headers
            .get(CONTENT_LENGTH)
            .is_some_and(|length| length.as_bytes() != b"0")
}

/// Whether a request of `method` with `headers` may have a body: its headers announce
/// one ([`announced`]), or it is a `POST`, `PUT` or `PATCH` without a
/// `Content-Length` (a layer that decodes a compressed body, tower-http's
/// `RequestDecompressionLayer`, takes the length away, and a client sends
/// `Content-Length: 0` for an empty one). Any other has none by its headers, which
/// frame a request's body (RFC 9112 §6.3).
pub(crate) fn may_have_body(method: &http::Method, headers: &HeaderMap) -> bool {
    announced(headers)
        || (matches!(
            *method,
            http::Method::POST | http::Method::PUT | http::Method::PATCH
        ) && !headers.contains_key(CONTENT_LENGTH))
}

/// Whether answering a request of `version`, `method` and `headers` before reading its
/// `body` leaves it unread ([`unread`]): the body may still be on its way, and the
/// request may have one (a layer's body wrapper, tower-http's `RequestBodyTimeoutLayer`
/// say, may not tell that an empty body has ended; the headers are asked then).
pub(crate) fn leaves_unread(
    version: Version,
    method: &http::Method,
    headers: &HeaderMap,
    body: &impl http_body::Body,
) -> bool {
    unread(
        version,
        !body.is_end_stream() && may_have_body(method, headers),
    )
}

/// `response` to a request it leaves unread ([`unread`]): with `Connection: close`.
pub(crate) fn closing(mut response: Response, unread: bool) -> Response {
    close_in(response.headers_mut(), unread);
    response
}

/// `Connection: close` in a response's `headers` when it leaves the request unread.
#[inline]
fn close_in(headers: &mut HeaderMap, unread: bool) {
    if unread {
        headers.insert(CONNECTION, HeaderValue::from_static("close"));
    }
}

impl Rejection {
    /// The refusal for `reason`, answered by `responder`, for a request that presented
    /// its token as `presented`; `context` is its event's (when refusals are traced).
    /// Built in one go: a refusal is moved whole at each step.
    pub(crate) fn new(
        reason: AuthRejection,
        scope: Cow<'static, str>,
        responder: Answering,
        presented: Presented,
        context: Option<Box<Context>>,
    ) -> Self {
        Self {
            reason,
            scope,
            responder,
            presented,
            context,
            close: false,
        }
    }

    /// This refusal, for a request whose body it leaves unread ([`unread`]).
    pub(crate) fn unread(mut self, unread: bool) -> Self {
        self.close = unread;
        self
    }

    /// This refusal, for a request of `parts` whose body it leaves unread, as its
    /// headers tell ([`may_have_body`]; an extractor of the parts cannot see the body).
    pub(crate) fn leaving(self, parts: &http::request::Parts) -> Self {
        let pending = may_have_body(&parts.method, &parts.headers);
        self.unread(unread(parts.version, pending))
    }

    /// Its event's context, when refusals are traced.
    pub(crate) fn context_mut(&mut self) -> Option<&mut Context> {
        self.context.as_deref_mut()
    }

    pub(crate) fn presented(mut self, presented: Presented) -> Self {
        self.presented = presented;
        self
    }

    /// Why the request was refused.
    pub fn reason(&self) -> &AuthRejection {
        &self.reason
    }

    /// The reason, by value.
    pub fn into_reason(self) -> AuthRejection {
        self.reason
    }

    /// The scopes the route requires, space-delimited (the handler's, then its
    /// extractors', then its router layers'), when the answer names them; else empty.
    /// Only scope-tokens (RFC 6749 §3.3), as the challenge names them: nothing here can
    /// break a header it is copied into.
    pub fn scope(&self) -> &str {
        &self.scope
    }

    /// The status answered.
    pub fn status(&self) -> StatusCode {
        self.answer().status
    }

    /// The `WWW-Authenticate` challenge answered (`realm` first, when configured). With
    /// DPoP taken beside `Bearer`, the response has a second, bare challenge of the
    /// other scheme: [`challenges`](Self::challenges) gives both. Empty where the
    /// answer has none ([`AuthRejection::is_challenged`]: a 503, a 429).
    pub fn challenge(&self) -> String {
        if !self.reason.is_challenged() {
            return String::new();
        }
        let answer = self.answer();
        let responder = &self.responder;
        let dpop = self.scheme() == Presented::Dpop;
        format(
            if dpop { "DPoP" } else { "Bearer" },
            &answer,
            &self.reason,
            responder.realm.as_deref(),
            &self.scope,
            responder.dpop.as_ref().filter(|_| dpop).map(|d| &*d.algs),
            responder.resource_metadata.as_deref(),
        )
    }

    /// Every `WWW-Authenticate` challenge answered, in order: the
    /// [`challenge`](Self::challenge), then, where a verifier takes both `Bearer` and
    /// `DPoP`, the other scheme's, bare (`realm`, `algs` and `resource_metadata` only).
    pub fn challenges(&self) -> Vec<String> {
        if !self.reason.is_challenged() {
            return Vec::new();
        }
        let mut all = vec![self.challenge()];
        let responder = &self.responder;
        if let Some(dpop) = &responder.dpop
            && !dpop.required
        {
            let (scheme, algs) = match self.scheme() {
                Presented::Dpop => ("Bearer", None),
                _ => ("DPoP", Some(&*dpop.algs)),
            };
            all.push(challenge(
                scheme,
                &[
                    ("realm", responder.realm.as_deref()),
                    ("algs", algs),
                    ("resource_metadata", responder.resource_metadata.as_deref()),
                ],
            ));
        }
        all
    }

    /// The scheme the first challenge is of: `DPoP` for a proof's refusal, or where
    /// DPoP is required, or where the request used it; `Bearer` otherwise.
    fn scheme(&self) -> Presented {
        let Some(dpop) = &self.responder.dpop else {
            return Presented::Bearer;
        };
        match (&self.reason, self.presented) {
            (AuthRejection::InvalidDpopProof(_) | AuthRejection::UseDpopNonce, _)
            | (_, Presented::Dpop) => Presented::Dpop,
            _ if dpop.required => Presented::Dpop,
            _ => Presented::Bearer,
        }
    }

    /// The `WWW-Authenticate` value (tests compare it with the formatted challenge).
    #[cfg(test)]
    fn challenge_header(&self) -> HeaderValue {
        self.challenge_header_for(&self.answer())
    }

    /// The `WWW-Authenticate` value for `answer` (this rejection's):
    /// [`challenge`](Self::challenge), formatted once per responder when its parts are
    /// all `'static` (a route's scope is).
    fn challenge_header_for(&self, answer: &Answer) -> HeaderValue {
        let step_up = matches!(
            self.reason,
            AuthRejection::InsufficientUserAuthentication(_)
        );
        match (&self.scope, self.responder.challenges()) {
            // A step-up challenge names the route's authentication, which the cache's
            // key does not hold: formatted each time.
            (Cow::Borrowed(scope), Some(challenges)) if !step_up => {
                challenges.get_or_format(answer, scope, || self.challenge())
            }
            _ => header(&self.challenge()),
        }
    }

    /// What this responder answers for the reason.
    #[inline]
    fn answer(&self) -> Answer {
        answer(
            self.responder.mode,
            self.responder.scope_on_401,
            &self.reason,
        )
    }

    /// The response without the hook: `{"detail": …}`, its headers written in
    /// `headers`, the refused request's map, emptied first.
    fn default_response(&self, mut headers: HeaderMap) -> Response {
        const JSON: HeaderValue = HeaderValue::from_static("application/json");
        // Nothing of the request may be answered back: not its credentials or cookies,
        // and not its framing (axum keeps a `Content-Length` it finds in a response,
        // and a `Transfer-Encoding` would frame the body wrongly too).
        headers.clear();
        let mut response = Response::new(Body::from(self.reason.detail_and_body().body));
        // `Response::new`'s map is `HeaderMap::new()`, which owns nothing: forgotten
        // rather than dropped (a drop's checks cost a refusal more than the map's use),
        // but only while it has no capacity, so that nothing can ever leak.
        let unused = core::mem::replace(response.headers_mut(), headers);
        debug_assert!(unused.is_empty());
        match unused.capacity() {
            0 => core::mem::forget(unused),
            _ => drop(unused),
        }
        response.headers_mut().insert(CONTENT_TYPE, JSON);
        response
    }

    /// The response, written in the header map of the request it refuses: emptied
    /// first (nothing of the request is answered back), then reused, so that a refusal
    /// that owns its request allocates no map of its own (where an admit's handler's
    /// response allocates one). A rejection hook builds its own response, and the
    /// request's map is dropped.
    pub(crate) fn respond_in(self, headers: HeaderMap) -> Response {
        let answer = self.answer();
        let status = answer.status;
        observe::refused(&self.reason, status, self.context.as_deref());
        let mut response = match &self.responder.shape {
            Some(shape) => shape(&self),
            None => self.default_response(headers),
        };
        // The hook shapes the body; the status and the challenge stay RFC-correct.
        *response.status_mut() = status;
        let headers = response.headers_mut();
        // The refusals without a challenge ([`AuthRejection::is_challenged`]) by the
        // status `answer` gives them: a number's test on a 403's path.
        let unchallenged = matches!(
            status,
            StatusCode::SERVICE_UNAVAILABLE | StatusCode::TOO_MANY_REQUESTS
        );
        debug_assert_eq!(unchallenged, !self.reason.is_challenged());
        match &self.responder.dpop {
            // No challenge: no other credentials would do better (an outage), or the
            // credentials were good (a subject over its DPoP share). When to try again.
            dpop if unchallenged => {
                headers.remove(WWW_AUTHENTICATE);
                let retry_after = match (status, dpop) {
                    (StatusCode::TOO_MANY_REQUESTS, Some(dpop)) => dpop.retry_after.clone(),
                    _ => HeaderValue::from_static(RETRY_SECONDS),
                };
                headers.insert(RETRY_AFTER, retry_after);
            }
            None => {
                headers.insert(WWW_AUTHENTICATE, self.challenge_header_for(&answer));
            }
            Some(dpop) => self.write_dpop_challenges(dpop, headers),
        }
        close_in(headers, self.close);
        response
    }

    /// The challenges of a verifier that takes DPoP, in `headers`: formatted each time
    /// (they depend on the scheme the request used), with a nonce. Kept out of
    /// [`respond_in`](Self::respond_in), whose common path stays short in code too.
    #[inline(never)]
    fn write_dpop_challenges(&self, dpop: &DpopChallenge, headers: &mut HeaderMap) {
        headers.remove(WWW_AUTHENTICATE);
        for challenge in self.challenges() {
            headers.append(WWW_AUTHENTICATE, header(&challenge));
        }
        // A fresh nonce with every DPoP challenge: a client that lacks it, or holds a
        // stale one, signs again with it.
        if self.scheme() == Presented::Dpop
            && let Some(nonce) = dpop.nonces.as_ref().and_then(Nonces::current)
            && let Ok(value) = HeaderValue::from_str(&nonce)
        {
            headers.insert("dpop-nonce", value);
        }
    }
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        self.respond_in(HeaderMap::new())
    }
}

/// For extractors whose `Rejection` is a plain `Response`.
impl From<Rejection> for Response {
    fn from(rejection: Rejection) -> Self {
        rejection.into_response()
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.reason, f)
    }
}

impl std::error::Error for Rejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::bearer::InvalidRequest;

    #[test]
    fn each_body_is_the_json_of_its_detail() {
        let reasons = [
            AuthRejection::MissingCredentials,
            AuthRejection::InvalidRequest(InvalidRequest::MultipleCredentials),
            AuthRejection::InvalidRequest(InvalidRequest::MalformedAuthorization),
            AuthRejection::InvalidToken(TokenError::Expired),
            AuthRejection::InsufficientScope,
        ];
        for reason in reasons {
            let json = serde_json::json!({ "detail": reason.detail() }).to_string();
            assert_eq!(reason.detail_and_body().body, json);
        }
    }

    #[test]
    fn refusals_without_a_challenge_say_when_to_try_again_whatever_the_verifier() {
        // A DPoP share's 429 handed to a verifier without DPoP (`Verifier::refuse`), or
        // an outage: no `WWW-Authenticate`, and a `Retry-After`.
        for (reason, status) in [
            (
                AuthRejection::InvalidDpopProof(DpopError::TooManyProofs),
                StatusCode::TOO_MANY_REQUESTS,
            ),
            (
                AuthRejection::InvalidDpopProof(DpopError::ReplayCheckFailed),
                StatusCode::SERVICE_UNAVAILABLE,
            ),
        ] {
            let rejection = Rejection::new(
                reason,
                Cow::Borrowed("items"),
                Answering::new(Responder::default()),
                Presented::Bearer,
                None,
            );
            let response = rejection.into_response();
            assert_eq!(response.status(), status);
            assert!(!response.headers().contains_key(WWW_AUTHENTICATE));
            assert_eq!(response.headers()[RETRY_AFTER], RETRY_SECONDS);
        }
    }

    #[test]
    fn cached_challenges_are_the_formatted_ones_per_realm() {
        let scope: &'static str = "items me";
        let plain = Answering::new(Responder::default());
        let realm = Answering::new(Responder {
            realm: Some("api".into()),
            ..Responder::default()
        });
        // Twice: formatted, then from each responder's cache.
        for _ in 0..2 {
            for (responder, expected) in [
                (
                    &plain,
                    r#"Bearer error="insufficient_scope", scope="items me""#,
                ),
                (
                    &realm,
                    r#"Bearer realm="api", error="insufficient_scope", scope="items me""#,
                ),
            ] {
                let rejection = Rejection::new(
                    AuthRejection::InsufficientScope,
                    Cow::Borrowed(scope),
                    responder.clone(),
                    Presented::Nothing,
                    None,
                );
                assert_eq!(rejection.challenge_header(), expected);
                assert_eq!(rejection.challenge(), expected);
            }
        }
    }
}
