//! A compact JWS split into its parts, its JOSE header read (RFC 7515).

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Algorithm;
use serde::Deserialize;

use super::claims::Text;
use crate::error::TokenError;
use crate::keys::with_decoded;

/// A compact JWS split into its parts, its header read.
pub(crate) struct Jws<'t> {
    pub(crate) message: &'t str,
    pub(crate) payload: &'t str,
    pub(crate) signature: &'t str,
    pub(crate) algorithm: Algorithm,
    kid: Option<Kid>,
    /// `typ` is `at+jwt` or `application/at+jwt` (RFC 9068 §2.1), in any case.
    pub(crate) access_token_typ: bool,
}

/// The JOSE header fields that matter here; the rest is ignored, except `crit`. `jku`,
/// `x5u` and `jwk` are never followed: keys come from configuration only. A member given
/// twice is refused (serde's derive does).
#[derive(Deserialize)]
struct JoseHeader<'a> {
    #[serde(borrow)]
    alg: Text<'a>,
    #[serde(borrow, default)]
    kid: Option<Text<'a>>,
    #[serde(borrow, default)]
    typ: Option<Text<'a>>,
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

/// What the header says, read from its decoded bytes.
struct ReadHeader {
    algorithm: Result<Algorithm, ()>,
    kid: Option<Kid>,
    crit: bool,
    access_token_typ: bool,
}

/// A `kid`, held without allocating when it is short (identity providers' are UUIDs or
/// base64url thumbprints, well under 64 bytes).
enum Kid {
    Inline { bytes: [u8; 64], len: u8 },
    Heap(Box<str>),
}

impl Kid {
    fn new(kid: &str) -> Self {
        let mut bytes = [0; 64];
        match bytes.get_mut(..kid.len()) {
            Some(inline) => {
                inline.copy_from_slice(kid.as_bytes());
                Self::Inline {
                    bytes,
                    len: kid.len() as u8,
                }
            }
            None => Self::Heap(kid.into()),
        }
    }

    fn as_str(&self) -> &str {
        match self {
            // Copied whole from a `str`, so a character boundary ends it.
            Self::Inline { bytes, len } => {
                core::str::from_utf8(&bytes[..usize::from(*len)]).unwrap_or_default()
            }
            Self::Heap(kid) => kid,
        }
    }
}

impl<'t> Jws<'t> {
    pub(crate) fn parse(token: &'t str) -> Result<Self, TokenError> {
        let (message, signature) = token.rsplit_once('.').ok_or(TokenError::Malformed)?;
        let (header, payload) = message.split_once('.').ok_or(TokenError::Malformed)?;
        // Headers are small: decoded on the stack, on the heap when one is not.
        let header = with_decoded(header, |header| {
            let header: JoseHeader<'_> = serde_json::from_slice(header).ok()?;
            Some(ReadHeader {
                algorithm: header.alg.parse().map_err(|_| ()),
                kid: header.kid.as_deref().map(Kid::new),
                crit: header.crit.0,
                access_token_typ: header.typ.is_some_and(|typ| {
                    typ.eq_ignore_ascii_case("at+jwt")
                        || typ.eq_ignore_ascii_case("application/at+jwt")
                }),
            })
        })
        .ok()
        .flatten()
        .ok_or(TokenError::Malformed)?;
        if header.crit {
            return Err(TokenError::Malformed);
        }
        let algorithm = header
            .algorithm
            .map_err(|()| TokenError::AlgorithmNotAllowed)?;
        Ok(Self {
            message,
            payload,
            signature,
            algorithm,
            kid: header.kid,
            access_token_typ: header.access_token_typ,
        })
    }

    /// The `kid` header, if any.
    pub(crate) fn kid(&self) -> Option<&str> {
        self.kid.as_ref().map(Kid::as_str)
    }

    /// The `iss` claim, read before the signature is checked only to choose the
    /// trusted issuer whose keys then check it (and whose rules check `iss` again).
    pub(crate) fn unverified_issuer(&self) -> Result<String, TokenError> {
        super::claims::issuer(&decode_segment(self.payload)?)
    }

    /// One buffer for what a verified token keeps: the token itself, its claims as
    /// JSON (decoded), then room as long as the claims for the scope names. Returns the
    /// buffer and the claims' length.
    pub(crate) fn token_and_claims(&self, token: &str) -> Result<(Vec<u8>, usize), TokenError> {
        let room = base64::decoded_len_estimate(self.payload.len());
        let mut buffer = vec![0; token.len() + 2 * room];
        buffer[..token.len()].copy_from_slice(token.as_bytes());
        let claims = URL_SAFE_NO_PAD
            .decode_slice(self.payload, &mut buffer[token.len()..token.len() + room])
            .map_err(|_| TokenError::Malformed)?;
        Ok((buffer, claims))
    }
}

/// Whether `token` is shaped as a compact JWS (three segments, the first a JSON object
/// once decoded), whatever else is wrong with it: such a token is a JWT to refuse, never
/// an opaque token to introspect.
#[cfg(feature = "introspection")]
pub(crate) fn is_compact_jws(token: &str) -> bool {
    let mut segments = token.split('.');
    let (Some(header), Some(_), Some(_), None) = (
        segments.next(),
        segments.next(),
        segments.next(),
        segments.next(),
    ) else {
        return false;
    };
    URL_SAFE_NO_PAD
        .decode(header)
        .is_ok_and(|header| header.trim_ascii_start().first() == Some(&b'{'))
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
