//! A compact JWS split into its parts, its JOSE header read (RFC 7515).

use std::borrow::Cow;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Algorithm;
use serde::Deserialize;

use crate::error::TokenError;

/// A compact JWS split into its parts, its header read.
pub(crate) struct Jws<'t> {
    pub(crate) message: &'t str,
    pub(crate) payload: &'t str,
    pub(crate) signature: &'t str,
    pub(crate) algorithm: Algorithm,
    pub(crate) kid: Option<String>,
    /// `typ` is `at+jwt` or `application/at+jwt` (RFC 9068 §2.1), in any case.
    pub(crate) access_token_typ: bool,
}

/// The JOSE header fields that matter here; the rest is ignored, except `crit`. `jku`,
/// `x5u` and `jwk` are never followed: keys come from configuration only. A member given
/// twice is refused (serde's derive does).
#[derive(Deserialize)]
struct JoseHeader<'a> {
    #[serde(borrow)]
    alg: Cow<'a, str>,
    #[serde(borrow, default)]
    kid: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    typ: Option<Cow<'a, str>>,
    /// Extensions the token says must be understood: none are, so any `crit` member,
    /// even `null`, refuses it (RFC 7515 §4.1.11).
    #[serde(default)]
    crit: Present,
}

/// Whether a member is present, whatever its value.
#[derive(Default)]
struct Present(bool);

impl<'de> Deserialize<'de> for Present {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(deserializer).map(|_| Self(true))
    }
}

impl<'t> Jws<'t> {
    pub(crate) fn parse(token: &'t str) -> Result<Self, TokenError> {
        let (message, signature) = token.rsplit_once('.').ok_or(TokenError::Malformed)?;
        let (header, payload) = message.split_once('.').ok_or(TokenError::Malformed)?;
        let header = decode_segment(header)?;
        let header: JoseHeader<'_> =
            serde_json::from_slice(&header).map_err(|_| TokenError::Malformed)?;
        if header.crit.0 {
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
    /// trusted issuer whose keys then check it (and whose rules check `iss` again).
    pub(crate) fn unverified_issuer(&self) -> Result<String, TokenError> {
        super::claims::issuer(&decode_segment(self.payload)?)
    }

    /// The token itself followed by its claims as JSON text, in one buffer: the
    /// verified token keeps both (the token to tell which bearer string it is).
    pub(crate) fn token_and_claims(&self, token: &str) -> Result<String, TokenError> {
        let mut buffer = Vec::with_capacity(token.len() + self.payload.len());
        buffer.extend_from_slice(token.as_bytes());
        URL_SAFE_NO_PAD
            .decode_vec(self.payload, &mut buffer)
            .map_err(|_| TokenError::Malformed)?;
        String::from_utf8(buffer).map_err(|_| TokenError::Malformed)
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
