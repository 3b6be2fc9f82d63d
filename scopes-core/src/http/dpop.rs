//! DPoP (RFC 9449) at the request: the `DPoP` scheme and proof header, the URL the
//! client addressed, the server's nonces and the replay check. The proof's own checks
//! and the key thumbprint are `token::dpop`'s; the token's binding is checked with the
//! token ([`TokenVerifier::verify_as`](crate::token::TokenVerifier::verify_as)).

use core::fmt;
use core::time::Duration;
use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use axum::extract::OriginalUri;
use http::header::HOST;
use http::request::Parts;
use jsonwebtoken::{Algorithm, AlgorithmFamily, EncodingKey};
use quick_cache::sync::Cache;
use serde::Deserialize;

use super::refusal::AuthRejection;
use crate::error::{ConfigError, DpopError};
use crate::store::{MemoryStore, Store};
use crate::token::{CheckedProof, ProofRequest, ProofRules, VerifiedToken};

/// How a verifier takes DPoP-bound access tokens (RFC 9449): `Authorization: DPoP
/// <token>` with a `DPoP` proof header, the token bound to the proof's key by its
/// `cnf.jkt`. Give it to [`VerifierBuilder::dpop`](crate::VerifierBuilder::dpop).
///
/// - [`Dpop::allowed`]: bearer tokens as `Bearer`, DPoP-bound tokens as `DPoP` (with
///   their proof). Refusals carry both challenges.
/// - [`Dpop::required`]: only `DPoP`; a `Bearer` request is answered as one without
///   credentials, with a `DPoP` challenge.
/// - Without it (the default), the `DPoP` scheme is not read, and a DPoP-bound token
///   sent as `Bearer` is refused (it always is, whatever the policy).
///
/// A proof is checked as RFC 9449 §4.3 says: `typ` `dpop+jwt`; an asymmetric `alg` of
/// [`algorithms`](Self::algorithms); a public `jwk` (no private members) that verifies
/// the signature; `htm` the request's method; `htu` the request's URL without query and
/// fragment ([`public_url`](Self::public_url) followed by the path; one of it and
/// [`url_from_request`](Self::url_from_request) must be chosen); `iat` no older than
/// [`proof_lifetime`](Self::proof_lifetime) (and no further in the future than the
/// [`clock_skew`](Self::clock_skew)); `ath` the SHA-256 of the access token; a `jti` not
/// seen before for this key within that time ([`store`](Self::store)); the `nonce` when
/// [`nonces`](Self::nonces) are on. Each failure answers `401` with `WWW-Authenticate:
/// DPoP error="invalid_dpop_proof", error_description="…", algs="…"`
/// ([`DpopError`](crate::DpopError)). Then the token: it must be bound to the proof's
/// key (its `cnf.jkt` the RFC 7638 thumbprint of the proof's `jwk`), else `401 DPoP
/// error="invalid_token", error_description="Invalid DPoP key binding"`
/// ([`TokenError::KeyBinding`](crate::TokenError::KeyBinding)), and pass every check a
/// bearer token passes.
///
/// ```
/// use std::time::Duration;
/// use scopes_core::{Dpop, Key, Verifier};
/// # fn main() -> Result<(), scopes_core::ConfigError> {
/// let verifier = Verifier::builder()
///     .key(Key::hs256([7; 32])?)
///     .dpop(
///         Dpop::required()
///             .public_url("https://api.example.com") // what clients put in `htu`
///             .proof_lifetime(Duration::from_secs(60)),
///     )
///     .build()?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
#[must_use]
pub struct Dpop {
    required: bool,
    algorithms: Vec<Algorithm>,
    url: Option<UrlSource>,
    lifetime: Duration,
    clock_skew: Duration,
    store: Option<Arc<dyn Store>>,
    nonce_secret: Option<Arc<[u8]>>,
    proofs_per_subject: Option<u32>,
}

/// Where the URL a proof's `htu` must name comes from.
#[derive(Clone, Debug)]
enum UrlSource {
    /// `public_url`: configured.
    Public(String),
    /// `url_from_request`: the request's scheme (or `http`) and `Host`.
    Request,
}

/// The algorithms a proof may be signed with unless [`Dpop::algorithms`] says others:
/// every asymmetric one jsonwebtoken verifies.
pub(crate) const PROOF_ALGORITHMS: [Algorithm; 9] = [
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
];

impl Dpop {
    /// Bearer tokens as `Bearer` and DPoP-bound tokens as `DPoP`.
    pub fn allowed() -> Self {
        Self {
            required: false,
            algorithms: PROOF_ALGORITHMS.to_vec(),
            url: None,
            lifetime: Duration::from_secs(60),
            clock_skew: Duration::from_secs(10),
            store: None,
            nonce_secret: None,
            proofs_per_subject: None,
        }
    }

    /// Only DPoP-bound tokens, as `DPoP`.
    pub fn required() -> Self {
        Self {
            required: true,
            ..Self::allowed()
        }
    }

    /// The proof algorithms accepted (asymmetric only; all that the crate verifies by
    /// default: ES256, ES384, EdDSA, PS256/384/512, RS256/384/512). Challenges list
    /// them (`algs="…"`), as does the resource's metadata
    /// (`dpop_signing_alg_values_supported`).
    pub fn algorithms(mut self, algorithms: impl IntoIterator<Item = Algorithm>) -> Self {
        self.algorithms = algorithms.into_iter().collect();
        self
    }

    /// The URL at which clients reach this server's root, as they write it in `htu`:
    /// `https://api.example.com`, or `https://example.com/api` behind a proxy that
    /// serves the API under `/api`. A proof's `htu` must then be this URL followed by
    /// the request's path.
    ///
    /// Either this or [`url_from_request`](Self::url_from_request) must be chosen:
    /// [`build`](crate::VerifierBuilder::build) refuses a policy with neither
    /// ([`ConfigError::DpopUrlUnset`]).
    pub fn public_url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(UrlSource::Public(url.into()));
        self
    }

    /// Reads the URL a proof must name from the request instead: its scheme (`http` or
    /// `https`; another refuses the proof) and authority when the request line has them
    /// (HTTP/2, or an absolute-form target), else `http://` and the `Host` header. The
    /// client chooses those, so a proof made for another service that accepts the same
    /// token (or for this service's public `https` URL) could be replayed here with that
    /// service's `Host`: use it for tests and local development, where the server
    /// speaks plain HTTP itself and is reached directly, and
    /// [`public_url`](Self::public_url) in production.
    pub fn url_from_request(mut self) -> Self {
        self.url = Some(UrlSource::Request);
        self
    }

    /// How old a proof may be (its `iat`), 60 s by default, at most 10 minutes; a
    /// proof's `jti` is remembered for longer than that (with the clock skew, and a
    /// margin) to refuse its replay.
    pub fn proof_lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// How far in the future a proof's `iat` may be, and how much older than the
    /// lifetime (10 s by default, at most 5 minutes): the clients' clocks against the
    /// server's. Apart from the verifier's leeway for tokens, which is wider.
    pub fn clock_skew(mut self, skew: Duration) -> Self {
        self.clock_skew = skew;
        self
    }

    /// Where the `jti`s of proofs are remembered: a [`MemoryStore`] of this verifier by
    /// default; a `RedisStore` (feature `redis`; or any shared
    /// [`Store`]) when several instances serve the API, so that a proof replayed to
    /// another instance is refused too. A store that cannot be reached refuses the
    /// proof ([`DpopError::ReplayCheckFailed`](crate::DpopError::ReplayCheckFailed)).
    pub fn store(mut self, store: Arc<dyn Store>) -> Self {
        self.store = Some(store);
        self
    }

    /// How many proofs of one subject are remembered in one replay window (the proof
    /// lifetime with three times the clock skew and 5 s, 95 s by default; a subject's
    /// window begins with its first proof). The subject is the token's issuer (the one
    /// that verified it, and its `iss`) and `sub`: one user, or one service client,
    /// whatever keys it signs with (a token without a `sub`, or with an empty one, is
    /// counted by its key). Past it, that subject's proofs are refused
    /// until its window ends: `429 Too Many Requests` with a `Retry-After` of the
    /// window's length (an upper bound: the window may end sooner) and no challenge
    /// (the credentials were good; [`DpopError::TooManyProofs`](crate::DpopError::TooManyProofs)),
    /// and one warning per window names the thumbprint of the key of the proof refused
    /// (not the subject, which may be personal data). So one user cannot fill the
    /// replay store and lock every other client out, even with a key per token; many
    /// accounts still can, with one share each, which only the store's size bounds:
    /// with the defaults, ten subjects using their whole share in one window fill the
    /// default store, and every other DPoP proof is then answered 503 until the window
    /// ends (a bearer token is not affected). Where accounts are cheap to get, give the
    /// store room for more shares ([`Dpop::store`] with a larger [`MemoryStore`], or a
    /// shared store) or lower the share. A
    /// proof the store knew already (a replay) uses none of the share, and a copy of a
    /// proof still being checked is refused as a replay without taking any; a proof
    /// offered to a store that failed, or by a request dropped while the store was
    /// asked, counts (it may have been remembered). Over the share the store is not
    /// asked, so a replay of an older proof is answered 429 too: refused either way.
    /// Each instance counts its own. Proofs are remembered for one window, so a subject
    /// holds at most twice its share of the store at once (the end of one window and
    /// the start of the next).
    ///
    /// The default depends on the store. With a [`MemoryStore`] (the default one holds
    /// 100 000 proofs, and then refuses every new proof), it is a tenth of the store's
    /// capacity ([`Store::capacity`]), 10 000 for one subject with the default store,
    /// about a hundred requests a second with a fresh proof each: raise it for a
    /// service client that makes more (all its instances count as one subject when its
    /// tokens have one `sub`). With a store whose room is not known here (a
    /// `RedisStore`, a store of your own), there is no limit unless set here.
    /// `u32::MAX` counts nothing; 0 is refused at
    /// [`build`](crate::VerifierBuilder::build)
    /// ([`ConfigError::DpopProofsPerSubject`]).
    pub fn proofs_per_subject(mut self, proofs: u32) -> Self {
        self.proofs_per_subject = Some(proofs);
        self
    }

    /// Asks clients for a server nonce in their proofs (RFC 9449 §9): a proof without
    /// the current one is answered `401 error="use_dpop_nonce"` with a `DPoP-Nonce`
    /// header, and the client signs again with it. Nonces are derived from `secret`
    /// (at least 32 bytes; give every instance the same) and the time, and change every
    /// proof lifetime; the previous one is still accepted. They bound a proof's
    /// usefulness to the server's clock rather than the client's. A new nonce comes with
    /// the `401` answers only (an extractor cannot add headers to the handler's
    /// response), so a client is asked for a fresh one about once every two proof
    /// lifetimes.
    pub fn nonces(mut self, secret: impl AsRef<[u8]>) -> Self {
        self.nonce_secret = Some(secret.as_ref().into());
        self
    }

    /// What metadata says of it (RFC 9728): the algorithms, and whether it is required.
    pub(crate) fn advertised(&self) -> (Vec<String>, bool) {
        let algorithms = self
            .algorithms
            .iter()
            .map(|alg| format!("{alg:?}"))
            .collect();
        (algorithms, self.required)
    }

    /// Checks the configuration and builds the policy the verifier keeps.
    pub(crate) fn build(self) -> Result<Policy, ConfigError> {
        if self.lifetime.is_zero() || self.lifetime > MAX_LIFETIME || self.clock_skew > MAX_SKEW {
            return Err(ConfigError::DpopProofLifetime);
        }
        if self.algorithms.is_empty()
            || self
                .algorithms
                .iter()
                .any(|alg| alg.family() == AlgorithmFamily::Hmac)
        {
            return Err(ConfigError::DpopAlgorithms);
        }
        let public_url = match self.url {
            Some(UrlSource::Public(url)) => {
                Some(PublicUrl::parse(&url).ok_or(ConfigError::DpopPublicUrl(url))?)
            }
            Some(UrlSource::Request) => None,
            None => return Err(ConfigError::DpopUrlUnset),
        };
        let nonces = match self.nonce_secret {
            Some(secret) if secret.len() < 32 => return Err(ConfigError::DpopNonceSecret),
            Some(secret) => Some(Nonces {
                key: Arc::new(EncodingKey::from_secret(&secret)),
                period: self.lifetime.max(Duration::from_secs(1)),
            }),
            None => None,
        };
        let algs = self
            .algorithms
            .iter()
            .map(|alg| format!("{alg:?}"))
            .collect::<Vec<_>>()
            .join(" ");
        let store = self
            .store
            .unwrap_or_else(|| Arc::new(MemoryStore::default()));
        // A tenth of a store that refuses new proofs when full (at least one proof).
        let per_subject = match (self.proofs_per_subject, store.capacity()) {
            (Some(0), _) => return Err(ConfigError::DpopProofsPerSubject),
            (Some(proofs), _) => proofs,
            (None, Some(capacity)) => u32::try_from(capacity / 10).unwrap_or(u32::MAX - 1).max(1),
            (None, None) => u32::MAX,
        };
        // Longer than a proof's `iat` is acceptable ([iat - skew, iat + lifetime + skew]
        // by this server's clock), with a margin for the clocks of the instances (and of
        // the store) sharing it.
        let window = self.lifetime + self.clock_skew * 3 + Duration::from_secs(5);
        Ok(Policy {
            required: self.required,
            algorithms: self.algorithms,
            algs: algs.into(),
            public_url,
            lifetime: self.lifetime,
            leeway: self.clock_skew,
            store,
            nonces,
            window,
            per_subject,
            counts: Arc::new(Cache::new(COUNTED_SUBJECTS)),
        })
    }
}

impl fmt::Debug for Dpop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dpop")
            .field("required", &self.required)
            .field("algorithms", &self.algorithms)
            .field("url", &self.url)
            .field("proof_lifetime", &self.lifetime)
            .field("clock_skew", &self.clock_skew)
            .field("store", &self.store)
            .field("nonces", &self.nonce_secret.is_some())
            .field("proofs_per_subject", &self.proofs_per_subject)
            .finish()
    }
}

/// A verifier's DPoP policy, as built.
pub(crate) struct Policy {
    pub(crate) required: bool,
    algorithms: Vec<Algorithm>,
    /// The algorithms, space-separated, for challenges and metadata.
    pub(crate) algs: Arc<str>,
    public_url: Option<PublicUrl>,
    lifetime: Duration,
    leeway: Duration,
    store: Arc<dyn Store>,
    pub(crate) nonces: Option<Nonces>,
    /// How long a proof's `jti` is remembered, and the length of a subject's window.
    pub(crate) window: Duration,
    /// The most proofs of one subject remembered in one window
    /// ([`Dpop::proofs_per_subject`]; `u32::MAX`: no limit, and nothing counted).
    per_subject: u32,
    /// Each subject's share in its current window (by [`share_of`]).
    counts: Arc<Cache<String, Arc<Mutex<Share>>>>,
}

/// One subject's share in its window: when the window began (with a proof of the
/// subject), how many of its proofs were remembered, or are being, since, and whether
/// it went over.
#[derive(Debug)]
struct Share {
    began: Instant,
    count: u32,
    /// Whether the subject went over its share in this window (and that was logged).
    warned: bool,
    /// The store keys (key and `jti`) of this subject's proofs being offered to the
    /// store now: a second request with one of them is a replay, refused without taking
    /// a place (so that copies of a captured request, sent at once to a slow store,
    /// cannot hold the subject's share).
    in_flight: HashSet<Box<str>>,
}

impl Share {
    fn lock(share: &Mutex<Self>) -> MutexGuard<'_, Self> {
        // Nothing panics while holding it, and its fields are each valid alone.
        share.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A place in a subject's share, taken before its proof is offered to the store (so that
/// parallel requests cannot together go past it). It is kept unless
/// [`give_back`](Self::give_back) says the store knew the proof already (a replay):
/// a store that failed, or a request dropped while the store was asked, may have
/// remembered the proof, so it counts (fail closed).
struct Place(Option<Taken>);

struct Taken {
    share: Arc<Mutex<Share>>,
    began: Instant,
    proof: Box<str>,
    give_back: bool,
}

impl Place {
    /// The store knew the proof: it takes none of the subject's share.
    fn give_back(mut self) {
        if let Some(taken) = &mut self.0 {
            taken.give_back = true;
        }
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        let Some(taken) = &self.0 else { return };
        let mut share = Share::lock(&taken.share);
        // Unless a new window began meanwhile (which forgot what was in flight).
        if share.began == taken.began {
            share.in_flight.remove(&taken.proof);
            if taken.give_back {
                share.count = share.count.saturating_sub(1);
            }
        }
    }
}

impl fmt::Debug for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Policy")
            .field("required", &self.required)
            .field("algs", &self.algs)
            .field("public_url", &self.public_url)
            .field("lifetime", &self.lifetime)
            .field("store", &self.store)
            .field("nonces", &self.nonces.is_some())
            .field("window", &self.window)
            .field("per_subject", &self.per_subject)
            .finish_non_exhaustive()
    }
}

/// The proof's mark in a replay store: set by the first check of a request, so that a
/// second verifier checking the same request with the same store does not take it for
/// a replay (a verifier with another store marks it in its own).
#[derive(Clone, Debug)]
pub(crate) struct ProofMark {
    key: String,
    /// The store it was set in (its address).
    store: usize,
}

impl Policy {
    /// The request's `DPoP` proof checked against the request and `token`: everything
    /// but the replay check (made once the token is verified, so that bad tokens fill no
    /// store) and the binding.
    pub(crate) fn check(&self, parts: &Parts, token: &str) -> Result<CheckedProof, AuthRejection> {
        let mut proofs = parts.headers.get_all("dpop").iter();
        let proof = proofs
            .next()
            .ok_or(AuthRejection::InvalidDpopProof(DpopError::Missing))?;
        if proofs.next().is_some() {
            return Err(AuthRejection::InvalidDpopProof(DpopError::Multiple));
        }
        let proof = proof
            .to_str()
            .ok()
            .filter(|proof| proof.len() <= MAX_PROOF)
            .ok_or(AuthRejection::InvalidDpopProof(DpopError::Malformed))?;
        let uri = self
            .request_url(parts)
            .ok_or(AuthRejection::InvalidDpopProof(DpopError::Uri))?;
        let now =
            crate::token::now().ok_or(AuthRejection::InvalidDpopProof(DpopError::IssuedAt))?;
        let request = ProofRequest {
            method: parts.method.as_str(),
            uri: &uri,
            access_token: Some(token),
            now,
        };
        let rules = ProofRules {
            algorithms: &self.algorithms,
            lifetime: self.lifetime,
            leeway: self.leeway,
        };
        let checked = crate::token::check_proof(proof, &request, &rules)
            .map_err(AuthRejection::InvalidDpopProof)?;
        if let Some(nonces) = &self.nonces
            && !checked
                .nonce
                .as_deref()
                .is_some_and(|nonce| nonces.accepts(nonce, now))
        {
            return Err(AuthRejection::UseDpopNonce);
        }
        Ok(checked)
    }

    /// Marks the proof as seen, refusing it if it was (`seen`: the mark this request
    /// set already, when another verifier checked it first). `token` is the access
    /// token the proof came with, verified and bound to its key: its subject's share
    /// is counted.
    pub(crate) async fn remember(
        &self,
        checked: &CheckedProof,
        token: &VerifiedToken,
        seen: Option<&ProofMark>,
    ) -> Result<ProofMark, AuthRejection> {
        let key = crate::store::key(
            "dpop:",
            &[checked.thumbprint.as_bytes(), checked.jti.as_bytes()],
        );
        let store = Arc::as_ptr(&self.store).cast::<()>() as usize;
        if seen.is_some_and(|mark| mark.key == key && mark.store == store) {
            return Ok(ProofMark { key, store });
        }
        let share = || share_of(token, &checked.thumbprint);
        let place = self.take_place(share, (&checked.thumbprint, &key), Instant::now())?;
        match self.store.set_if_absent(&key, b"1", self.window).await {
            Ok(true) => Ok(ProofMark { key, store }),
            Ok(false) => {
                place.give_back();
                Err(AuthRejection::InvalidDpopProof(DpopError::Replayed))
            }
            Err(error) => {
                tracing::warn!(%error, "the DPoP replay store did not answer; the proof is refused");
                Err(AuthRejection::InvalidDpopProof(
                    DpopError::ReplayCheckFailed,
                ))
            }
        }
    }

    /// A place for `proof` (its key's thumbprint and its store key) in the share
    /// `share` names ([`share_of`]) in its window at `now`, or its refusal: a replay
    /// when a copy of the proof is being checked, too many when the share is taken
    /// ([`Dpop::proofs_per_subject`]; the first time in a window, with a warning that
    /// names the key). Without a limit, nothing is counted (nor `share` named).
    fn take_place(
        &self,
        share: impl FnOnce() -> String,
        (thumbprint, proof): (&str, &str),
        now: Instant,
    ) -> Result<Place, AuthRejection> {
        if self.per_subject == u32::MAX {
            return Ok(Place(None));
        }
        let share = share();
        let fresh = || Share {
            began: now,
            count: 0,
            warned: false,
            in_flight: HashSet::new(),
        };
        let Ok(counted) = self.counts.get_or_insert_with(&share, || {
            Ok::<_, core::convert::Infallible>(Arc::new(Mutex::new(fresh())))
        });
        // Under the share's lock, so that parallel requests of one subject cannot each
        // see room for the last proof.
        let mut state = Share::lock(&counted);
        if now.saturating_duration_since(state.began) >= self.window {
            *state = fresh();
        }
        if state.in_flight.contains(proof) {
            return Err(AuthRejection::InvalidDpopProof(DpopError::Replayed));
        }
        if state.count < self.per_subject {
            state.count += 1;
            state.in_flight.insert(proof.into());
            let began = state.began;
            drop(state);
            return Ok(Place(Some(Taken {
                share: counted,
                began,
                proof: proof.into(),
                give_back: false,
            })));
        }
        let first = !core::mem::replace(&mut state.warned, true);
        drop(state);
        if first {
            tracing::warn!(
                key = %thumbprint,
                per_subject = self.per_subject,
                window_seconds = self.window.as_secs(),
                "a DPoP client's subject had more proofs than its share of the replay store in one window (`Dpop::proofs_per_subject`): its proofs are refused with 429 until the window ends"
            );
        }
        Err(AuthRejection::InvalidDpopProof(DpopError::TooManyProofs))
    }

    /// For the event of a proof refused for its `htu`: what it named, and what this
    /// policy expected (without the query, which `htu` leaves out).
    #[cold]
    pub(crate) fn proof_urls(&self, parts: &Parts) -> super::observe::ProofUrls {
        let proof = parts
            .headers
            .get("dpop")
            .and_then(|proof| proof.to_str().ok())
            .unwrap_or("");
        super::observe::ProofUrls::of(proof, self.request_url(parts))
    }

    /// The URL the client addressed, without query: the public URL and the path, or
    /// the request's own scheme and authority (`http` and `Host` when it has none).
    fn request_url(&self, parts: &Parts) -> Option<String> {
        // Inside a nested router, the path as the client sent it.
        let uri = parts
            .extensions
            .get::<OriginalUri>()
            .map_or(&parts.uri, |original| &original.0);
        let path = uri.path();
        match &self.public_url {
            Some(base) => Some(format!("{}{path}", base.0)),
            None => {
                // An HTTP URI's scheme only (RFC 9449 §4.3: the request's HTTP URI); a
                // request line naming another (HTTP/2's `:scheme`) names no URL a proof
                // can be for.
                let scheme = match uri.scheme_str() {
                    None => "http",
                    Some(scheme) if scheme.eq_ignore_ascii_case("http") => "http",
                    Some(scheme) if scheme.eq_ignore_ascii_case("https") => "https",
                    Some(_) => return None,
                };
                // One `Host` (RFC 9112 §3.2: a request with two is refused; hyper passes
                // it on).
                let mut hosts = parts.headers.get_all(HOST).iter();
                let (host, second) = (hosts.next(), hosts.next());
                let authority = match uri.authority() {
                    Some(authority) => authority.as_str(),
                    None if second.is_none() => host?.to_str().ok()?,
                    None => return None,
                };
                // `host[:port]` alone: a `Host` with a `/`, `?` or `#` in it would move
                // the path the proof is compared with (hyper passes such a header on).
                crate::token::split_authority(authority)?;
                Some(format!("{scheme}://{authority}{path}"))
            }
        }
    }
}

/// Whose share of the replay store a proof takes: its token's subject (the issuer that
/// verified it, its `iss` and its `sub`: one user, or one service client, whatever
/// keys it signs with), or its key for a token without a `sub` (absent, empty, or not
/// a string). Hashed: a share's name has a bounded length.
fn share_of(token: &VerifiedToken, thumbprint: &str) -> String {
    #[derive(Deserialize)]
    struct Subject<'a> {
        #[serde(borrow, default)]
        iss: Option<Cow<'a, str>>,
        #[serde(borrow, default)]
        sub: Option<Cow<'a, str>>,
    }
    match serde_json::from_str::<Subject<'_>>(token.claims_json()) {
        Ok(Subject {
            iss,
            sub: Some(sub),
        }) if !sub.is_empty() => crate::store::key(
            "",
            &[
                b"sub",
                &token.issuer_index().to_be_bytes(),
                iss.as_deref().unwrap_or_default().as_bytes(),
                sub.as_bytes(),
            ],
        ),
        _ => crate::store::key("", &[b"key", thumbprint.as_bytes()]),
    }
}

/// The longest proof lifetime accepted (RFC 9449 §11.1: proofs are short-lived).
const MAX_LIFETIME: Duration = Duration::from_secs(600);

/// The most subjects whose proofs are counted at once (past it, the least used are
/// forgotten, and start counting again).
const COUNTED_SUBJECTS: usize = 100_000;

/// The widest clock skew accepted.
const MAX_SKEW: Duration = Duration::from_secs(300);

/// The longest proof read (an RSA 4096 key in the header is about 1 KiB).
const MAX_PROOF: usize = 8 * 1024;

/// A public URL: `scheme://authority[/path]`, without a trailing `/`, query or fragment.
#[derive(Debug)]
struct PublicUrl(String);

impl PublicUrl {
    fn parse(url: &str) -> Option<Self> {
        let (scheme, rest) = url.split_once("://")?;
        if !matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https")
            || rest.is_empty()
            || rest.starts_with('/')
            || url.contains(['?', '#', ' ', '@'])
        {
            return None;
        }
        Some(Self(url.trim_end_matches('/').to_owned()))
    }
}

/// Server nonces: an HMAC of the period's number, so that every instance with the same
/// secret issues and accepts the same ones without sharing state.
#[derive(Clone)]
pub(crate) struct Nonces {
    key: Arc<EncodingKey>,
    period: Duration,
}

impl Nonces {
    fn nonce_of(&self, period: u64) -> Option<String> {
        let mac = crate::keys::sign(&period.to_be_bytes(), &self.key, Algorithm::HS256).ok()?;
        Some(format!("{period}.{mac}"))
    }

    fn period_at(&self, now: f64) -> u64 {
        (now / self.period.as_secs_f64()) as u64
    }

    /// The nonce to give clients now.
    pub(crate) fn current(&self) -> Option<String> {
        self.nonce_of(self.period_at(crate::token::now()?))
    }

    /// Whether `nonce` is this period's or the previous one's.
    fn accepts(&self, nonce: &str, now: f64) -> bool {
        let Some(period) = nonce
            .split_once('.')
            .and_then(|(n, _)| n.parse::<u64>().ok())
        else {
            return false;
        };
        let current = self.period_at(now);
        if period != current && period.checked_add(1) != Some(current) {
            return false;
        }
        self.nonce_of(period)
            .is_some_and(|expected| constant_time_eq(expected.as_bytes(), nonce.as_bytes()))
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(dpop: Dpop) -> Policy {
        dpop.url_from_request().build().unwrap()
    }

    /// A store whose room is not known (as Redis's is not).
    #[derive(Debug)]
    struct Elsewhere;

    impl Store for Elsewhere {
        fn get<'a>(&'a self, _: &'a str) -> crate::store::StoreFuture<'a, Option<Vec<u8>>> {
            Box::pin(core::future::ready(Ok(None)))
        }
        fn set<'a>(
            &'a self,
            _: &'a str,
            _: &'a [u8],
            _: Duration,
        ) -> crate::store::StoreFuture<'a, ()> {
            Box::pin(core::future::ready(Ok(())))
        }
        fn set_if_absent<'a>(
            &'a self,
            _: &'a str,
            _: &'a [u8],
            _: Duration,
        ) -> crate::store::StoreFuture<'a, bool> {
            Box::pin(core::future::ready(Ok(true)))
        }
    }

    #[test]
    fn a_url_from_the_request_is_an_http_uri() {
        let policy = policy(Dpop::allowed());
        let url = |uri: &str, host: Option<&str>| {
            let mut request = http::Request::builder().uri(uri);
            if let Some(host) = host {
                request = request.header(HOST, host);
            }
            let (parts, ()) = request.body(()).unwrap().into_parts();
            policy.request_url(&parts)
        };
        assert_eq!(
            url("/items?x=1", Some("127.0.0.1:8000")).as_deref(),
            Some("http://127.0.0.1:8000/items")
        );
        assert_eq!(
            url("HTTPS://api.example.com/items", None).as_deref(),
            Some("https://api.example.com/items")
        );
        // Another scheme (HTTP/2's `:scheme`, an absolute-form target), a `Host` that
        // is no authority, none at all: no URL a proof could be for.
        for (uri, host) in [
            ("foo://127.0.0.1:8000/items", None),
            ("ws://127.0.0.1:8000/items", None),
            ("/items", Some("127.0.0.1:8000/admin")),
            ("/items", None),
        ] {
            assert_eq!(url(uri, host), None, "{uri} {host:?}");
        }
        // Two `Host`s: neither is taken.
        let (parts, ()) = http::Request::builder()
            .uri("/items")
            .header(HOST, "127.0.0.1:8000")
            .header(HOST, "evil.example")
            .body(())
            .unwrap()
            .into_parts();
        assert_eq!(policy.request_url(&parts), None);
    }

    #[test]
    fn a_subjects_share_defaults_to_a_tenth_of_a_memory_store() {
        let share = |dpop: Dpop| policy(dpop).per_subject;
        assert_eq!(share(Dpop::allowed()), 10_000);
        let store = |capacity| Arc::new(MemoryStore::new(capacity));
        assert_eq!(share(Dpop::allowed().store(store(100_000))), 10_000);
        assert_eq!(share(Dpop::allowed().store(store(25))), 2);
        assert_eq!(share(Dpop::allowed().store(store(3))), 1);
        assert_eq!(share(Dpop::allowed().store(Arc::new(Elsewhere))), u32::MAX);
        let set = Dpop::allowed()
            .store(Arc::new(Elsewhere))
            .proofs_per_subject(5);
        assert_eq!(share(set), 5);
        assert_eq!(policy(Dpop::required()).window, Duration::from_secs(95));
        let zero = Dpop::allowed()
            .url_from_request()
            .proofs_per_subject(0)
            .build();
        assert!(matches!(zero, Err(ConfigError::DpopProofsPerSubject)));
    }

    #[test]
    fn a_subjects_share_is_taken_given_back_and_renewed_with_its_window() {
        let policy = policy(Dpop::allowed().proofs_per_subject(2));
        let start = Instant::now();
        let refused = Err(AuthRejection::InvalidDpopProof(DpopError::TooManyProofs));
        let replayed = Err(AuthRejection::InvalidDpopProof(DpopError::Replayed));
        let take = |share: &str, proof, now| policy.take_place(|| share.into(), ("k", proof), now);
        // A place given back (the store knew the proof: a replay) counts nothing.
        take("a", "1", start).unwrap().give_back();
        // A place dropped otherwise (remembered, a store that failed, a request
        // dropped while it was asked) counts.
        drop(take("a", "1", start).unwrap());
        let second = take("a", "2", start).unwrap();
        // A copy of a proof in flight is a replay, and takes no place.
        assert_eq!(take("a", "2", start).map(drop), replayed);
        drop(second);
        assert_eq!(take("a", "3", start).map(drop), refused);
        // The others' shares are their own.
        drop(take("b", "1", start).unwrap());
        // Still refused just before the window ends; renewed when it does.
        let last = start + policy.window - Duration::from_millis(1);
        assert_eq!(take("a", "4", last).map(drop), refused);
        let next = start + policy.window;
        drop(take("a", "5", next).unwrap());
        drop(take("a", "6", next).unwrap());
        assert_eq!(take("a", "7", next).map(drop), refused);
        // Nothing counted when there is no limit.
        let open = self::policy(Dpop::allowed().proofs_per_subject(u32::MAX));
        for _ in 0..3 {
            let place = open.take_place(|| unreachable!("no share named"), ("k", "1"), start);
            drop(place.unwrap());
        }
        assert!(open.counts.is_empty());
    }

    #[test]
    fn parallel_proofs_of_one_subject_cannot_pass_its_share() {
        let policy = Arc::new(policy(Dpop::allowed().proofs_per_subject(100)));
        let now = Instant::now();
        let taken = (0..4)
            .map(|thread| {
                let policy = policy.clone();
                std::thread::spawn(move || {
                    (0..100)
                        .filter(|n| {
                            let proof = format!("{thread}.{n}");
                            let share = || "a".to_owned();
                            policy.take_place(share, ("k", &proof), now).is_ok()
                        })
                        .count()
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|thread| thread.join().unwrap())
            .sum::<usize>();
        assert_eq!(taken, 100);
    }

    #[test]
    fn nonces_of_this_and_the_previous_period_are_accepted() {
        let nonces = Nonces {
            key: Arc::new(EncodingKey::from_secret(&[1; 32])),
            period: Duration::from_secs(60),
        };
        let now = 1_800_000_000.0;
        let this = nonces.nonce_of(nonces.period_at(now)).unwrap();
        assert!(nonces.accepts(&this, now));
        assert!(nonces.accepts(&this, now + 60.0));
        assert!(!nonces.accepts(&this, now + 120.0));
        assert!(!nonces.accepts(&this, now - 60.0));
        let other = Nonces {
            key: Arc::new(EncodingKey::from_secret(&[2; 32])),
            period: Duration::from_secs(60),
        };
        assert!(!other.accepts(&this, now));
        assert!(!nonces.accepts("x", now));
        assert!(!nonces.accepts(&this.replace('.', ".x"), now));
    }

    #[test]
    fn public_urls_are_scheme_and_authority_with_an_optional_path() {
        assert_eq!(
            PublicUrl::parse("https://api.example.com/").unwrap().0,
            "https://api.example.com"
        );
        assert_eq!(
            PublicUrl::parse("https://example.com/api").unwrap().0,
            "https://example.com/api"
        );
        for bad in [
            "api.example.com",
            "ftp://x",
            "https://",
            "https:///x",
            "https://x/?a",
            "https://user@x",
        ] {
            assert!(PublicUrl::parse(bad).is_none(), "{bad}");
        }
    }
}
