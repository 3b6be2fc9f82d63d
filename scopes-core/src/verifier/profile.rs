//! What one issuer's tokens are checked against: its keys, issuer, audiences, claim
//! shape and profile (FastAPI-style or RFC 9068).

use std::borrow::Cow;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Algorithm;
use serde::Deserialize;

use crate::TokenError;
use crate::claims::{Found, Grant, Rules, read};
use crate::keys::{KeySet, KeySource};

/// One issuer's rules.
#[derive(Debug)]
pub(crate) struct Profile {
    pub(crate) keys: KeySource,
    pub(crate) issuers: Box<[Box<str>]>,
    pub(crate) audiences: Box<[Box<str>]>,
    pub(crate) leeway_secs: u64,
    pub(crate) scope_claims: Box<[Box<str>]>,
    /// RFC 9068: `typ` `at+jwt`, and `iss`, `aud`, `sub`, `client_id`, `iat`, `jti`.
    pub(crate) rfc9068: bool,
}

/// A compact JWS split into its parts, its header read.
pub(crate) struct Parsed<'t> {
    pub(crate) message: &'t str,
    pub(crate) payload: &'t str,
    pub(crate) signature: &'t str,
    pub(crate) algorithm: Algorithm,
    pub(crate) kid: Option<String>,
    /// `typ` is `at+jwt` or `application/at+jwt` (RFC 9068 §2.1), in any case.
    pub(crate) access_token_typ: bool,
}

/// The JOSE header fields that matter here; the rest is ignored, except `crit`. `jku`,
/// `x5u` and `jwk` are never followed: keys come from configuration only.
#[derive(Deserialize)]
struct JoseHeader<'a> {
    #[serde(borrow)]
    alg: Cow<'a, str>,
    #[serde(borrow, default)]
    kid: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    typ: Option<Cow<'a, str>>,
    /// Extensions the token says must be understood: none are, so any refuses it
    /// (RFC 7515 §4.1.11).
    #[serde(default)]
    crit: Option<serde::de::IgnoredAny>,
}

impl<'t> Parsed<'t> {
    pub(crate) fn new(token: &'t str) -> Result<Self, TokenError> {
        let (message, signature) = token.rsplit_once('.').ok_or(TokenError::Malformed)?;
        let (header, payload) = message.split_once('.').ok_or(TokenError::Malformed)?;
        let header = decode_segment(header)?;
        let header: JoseHeader<'_> =
            serde_json::from_slice(&header).map_err(|_| TokenError::Malformed)?;
        if header.crit.is_some() {
            return Err(TokenError::Malformed);
        }
        let algorithm: Algorithm = header
            .alg
            .parse()
            .map_err(|_| TokenError::AlgorithmNotAllowed)?;
        Ok(Self {
            message,
            payload,
            signature,
            algorithm,
            kid: header.kid.map(Cow::into_owned),
            access_token_typ: header.typ.is_some_and(|typ| {
                typ.eq_ignore_ascii_case("at+jwt") || typ.eq_ignore_ascii_case("application/at+jwt")
            }),
        })
    }

    /// The `iss` claim, read before the signature is checked only to choose the
    /// tenant whose keys then check it (and whose rules check `iss` again).
    pub(crate) fn unverified_issuer(&self) -> Result<String, TokenError> {
        #[derive(Deserialize)]
        struct Issuer {
            iss: Option<String>,
        }
        let payload = decode_segment(self.payload)?;
        serde_json::from_slice::<Issuer>(&payload)
            .map_err(|_| TokenError::Malformed)?
            .iss
            .ok_or(TokenError::MissingClaim("iss"))
    }
}

/// What a successful check yields.
pub(crate) struct Checked {
    pub(crate) claims: String,
    pub(crate) exp: f64,
}

impl Profile {
    pub(crate) fn rules(&self) -> Rules<'_> {
        Rules {
            issuers: &self.issuers,
            audiences: &self.audiences,
            scope_claims: &self.scope_claims,
        }
    }

    /// Checks `token` with the key `set` selects for it.
    pub(crate) fn check<G: Grant>(
        &self,
        token: &Parsed<'_>,
        set: &KeySet,
        grant: &mut G,
    ) -> Result<Checked, TokenError> {
        if self.rfc9068 && !token.access_token_typ {
            return Err(TokenError::NotAnAccessToken);
        }
        let key = set.select(token.algorithm, token.kid.as_deref())?;
        match jsonwebtoken::crypto::verify(
            token.signature,
            token.message.as_bytes(),
            &key.key,
            token.algorithm,
        ) {
            Ok(true) => {}
            Ok(false) => return Err(TokenError::BadSignature),
            Err(_) => return Err(TokenError::Malformed),
        }
        let claims =
            String::from_utf8(decode_segment(token.payload)?).map_err(|_| TokenError::Malformed)?;
        let found = read(&claims, &self.rules(), grant)?;
        let exp = self.validate(&found)?;
        Ok(Checked { claims, exp })
    }

    /// RFC 7519 §4.1 checks, in jsonwebtoken's order: presence, time, issuer, audience;
    /// then RFC 9068's required claims when the profile is on. Returns `exp`.
    fn validate(&self, found: &Found) -> Result<f64, TokenError> {
        let exp = found.exp.ok_or(TokenError::MissingClaim("exp"))?;
        if (self.rfc9068 || !self.issuers.is_empty()) && found.issuer_matches.is_none() {
            return Err(TokenError::MissingClaim("iss"));
        }
        if (self.rfc9068 || !self.audiences.is_empty()) && found.audience_matches.is_none() {
            return Err(TokenError::MissingClaim("aud"));
        }
        let now = now().ok_or(TokenError::Expired)?;
        let leeway = self.leeway_secs as f64;
        if exp < now - leeway {
            return Err(TokenError::Expired);
        }
        if found.nbf.is_some_and(|nbf| nbf > now + leeway) {
            return Err(TokenError::NotYetValid);
        }
        if !self.issuers.is_empty() && found.issuer_matches == Some(false) {
            return Err(TokenError::WrongIssuer);
        }
        // A token meant for some audience is refused when none is configured: it may
        // be meant for another API that trusts the same keys.
        if found.audience_matches == Some(false)
            || (self.audiences.is_empty() && found.audience_matches.is_some())
        {
            return Err(TokenError::WrongAudience);
        }
        if self.rfc9068 {
            let required = [
                ("sub", found.sub),
                ("client_id", found.client_id),
                ("iat", found.iat),
                ("jti", found.jti),
            ];
            if let Some((claim, _)) = required.iter().find(|(_, present)| !present) {
                return Err(TokenError::MissingClaim(claim));
            }
        }
        Ok(exp)
    }
}

/// Seconds since the epoch; `None` on a clock set before it (every token then counts as
/// expired).
pub(crate) fn now() -> Option<f64> {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .ok()
        .map(|elapsed| elapsed.as_secs_f64())
}

/// A base64url segment (no padding) of a compact JWS.
fn decode_segment(segment: &str) -> Result<Vec<u8>, TokenError> {
    URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| TokenError::Malformed)
}
