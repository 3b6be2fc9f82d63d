//! A compact JWS split into its parts, its JOSE header read (RFC 7515).

use core::fmt;
use std::borrow::Cow;
use std::cell::RefCell;

use jsonwebtoken::Algorithm;
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

use super::json::{Present, within_depth};
use crate::error::TokenError;
use crate::keys::{is_object, with_decoded};

/// A compact JWS split into its parts, its header read.
pub(crate) struct Jws<'t> {
    pub(crate) message: &'t str,
    pub(crate) payload: &'t str,
    pub(crate) signature: &'t str,
    pub(crate) algorithm: Algorithm,
    kid: Option<Kid>,
    /// What the header's `typ` says the token is.
    pub(crate) typ: Typ,
}

/// What a JOSE header's `typ` says a token is (compared without regard to case, with or
/// without the `application/` prefix, RFC 7515 §4.1.9).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Typ {
    /// No `typ`, or a generic one (`JWT`, `JOSE`): nothing said.
    Generic,
    /// `at+jwt`, a JWT access token (RFC 9068 §2.1).
    AccessToken,
    /// Any other type: another kind of JWT (`dpop+jwt`, `logout+jwt`, `secevent+jwt`,
    /// an ID token typed as one…), never accepted as an access token (RFC 8725 §2.8,
    /// §3.11: explicit typing keeps one kind of JWT from passing as another).
    Other,
}

/// A header's media type without its `application/` prefix, which may be left out
/// (RFC 7515 §4.1.9, §4.1.10).
pub(super) fn media_type(value: &str) -> &str {
    match value.get(..12) {
        Some(prefix) if prefix.eq_ignore_ascii_case("application/") => &value[12..],
        _ => value,
    }
}

impl Typ {
    fn of(typ: Option<&str>) -> Self {
        let Some(typ) = typ else {
            return Self::Generic;
        };
        let media = media_type(typ);
        if media.eq_ignore_ascii_case("at+jwt") {
            Self::AccessToken
        } else if media.eq_ignore_ascii_case("jwt") || media.eq_ignore_ascii_case("jose") {
            Self::Generic
        } else {
            Self::Other
        }
    }
}

/// A JSON string, borrowed from the input unless it has escapes. (serde's own
/// `Cow<str>` always allocates; a `&str` fails on escapes.)
struct Text<'de>(Cow<'de, str>);

impl<'de: 'a, 'a> serde::Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor<'a>(core::marker::PhantomData<&'a ()>);

        impl<'de: 'a, 'a> Visitor<'de> for TextVisitor<'a> {
            type Value = Text<'a>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }

            fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Borrowed(value)))
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<Text<'a>, E> {
                Ok(Text(Cow::Owned(value.to_owned())))
            }
        }

        deserializer.deserialize_str(TextVisitor(core::marker::PhantomData))
    }
}

impl core::ops::Deref for Text<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

/// The JOSE header fields that matter here; the rest is ignored, except `crit`, `b64`
/// and `cty`. `jku`, `x5u` and `jwk` are never followed: keys come from configuration only.
/// A member given twice is refused (serde's derive does).
#[derive(Deserialize)]
struct JoseHeader<'a> {
    #[serde(borrow)]
    alg: Text<'a>,
    /// A string when present: `null` is refused, as any other value that is not one.
    #[serde(borrow, default, deserialize_with = "present_text")]
    kid: Option<Text<'a>>,
    #[serde(borrow, default, deserialize_with = "present_text")]
    typ: Option<Text<'a>>,
    /// Extensions the token says must be understood: none are, so any `crit` member,
    /// even `null`, refuses it (RFC 7515 §4.1.11).
    #[serde(default)]
    crit: Present,
    /// RFC 7797's unencoded payload option, which must be listed in `crit` (§6): given
    /// without it, the header is malformed, and `false` would say the signature covers
    /// other bytes than the payload read here. Any `b64` member refuses the token.
    #[serde(default)]
    b64: Present,
    /// `JWT` says the payload is itself a JWT, signed or encrypted again (RFC 7519
    /// §5.2, §7.2 step 8): nested tokens are not taken, so it refuses the token rather
    /// than read the inner one's bytes as claims. Other values say nothing here.
    #[serde(borrow, default, deserialize_with = "present_text")]
    cty: Option<Text<'a>>,
}

/// A member that must be a string when it is there (serde reads `null` as absent).
fn present_text<'de: 'a, 'a, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Text<'a>>, D::Error> {
    Text::deserialize(deserializer).map(Some)
}

/// What the header says, read from its decoded bytes.
#[derive(Clone)]
struct ReadHeader {
    algorithm: Result<Algorithm, ()>,
    kid: Option<Kid>,
    /// The header asks for what is not supported: a `crit` extension, or a nested JWT.
    unsupported: bool,
    typ: Typ,
}

/// A `kid`, held without allocating when it is short (identity providers' are UUIDs or
/// base64url thumbprints, well under 64 bytes).
#[derive(Clone)]
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
        // The first and the last dot (ASCII, so the slices fall on character
        // boundaries); more dots leave one in the payload, which then fails to decode.
        let first = memchr::memchr(b'.', token.as_bytes());
        let last = memchr::memrchr(b'.', token.as_bytes());
        let (Some(first), Some(last)) = (first, last) else {
            return Err(TokenError::Malformed);
        };
        if first == last {
            return Err(TokenError::Malformed);
        }
        let (message, signature) = (&token[..last], &token[last + 1..]);
        let (header, payload) = (&token[..first], &token[first + 1..last]);
        let header = read_header_memoized(header).ok_or(TokenError::Malformed)?;
        if header.unsupported {
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
            typ: header.typ,
        })
    }

    /// The `kid` header, if any.
    pub(crate) fn kid(&self) -> Option<&str> {
        self.kid.as_ref().map(Kid::as_str)
    }

    /// The `iss` claim, read before the signature is checked only to choose the
    /// trusted issuer whose keys then check it (and whose rules check `iss` again).
    pub(crate) fn unverified_issuer(&self) -> Result<String, TokenError> {
        with_decoded(self.payload, super::claims::issuer).map_err(|()| TokenError::Malformed)?
    }
}

/// The header segments last read on this thread, and what they said. An issuer signs
/// its tokens with a handful of headers (one per key), so most tokens skip decoding and
/// parsing theirs: the segment is compared in full, and reading is a function of its
/// bytes alone, so a hit answers exactly what reading would.
struct HeaderMemo {
    entries: [Option<(Box<str>, ReadHeader)>; MEMO_ENTRIES],
    /// The entry to replace next.
    next: usize,
}

const MEMO_ENTRIES: usize = 4;

/// Longer segments are read each time (and not kept: the memory stays small).
const MEMO_SEGMENT_MAX: usize = 256;

thread_local! {
    static HEADERS: RefCell<HeaderMemo> = const {
        RefCell::new(HeaderMemo { entries: [const { None }; MEMO_ENTRIES], next: 0 })
    };
}

/// [`read_header`], through this thread's [`HeaderMemo`].
fn read_header_memoized(segment: &str) -> Option<ReadHeader> {
    if segment.len() > MEMO_SEGMENT_MAX {
        return read_header(segment);
    }
    let hit = HEADERS.try_with(|memo| {
        let memo = memo.try_borrow().ok()?;
        memo.entries
            .iter()
            .flatten()
            .find(|(seen, _)| **seen == *segment)
            .map(|(_, header)| header.clone())
    });
    if let Ok(Some(header)) = hit {
        return Some(header);
    }
    let header = read_header(segment)?;
    // Outside a thread's lifetime, or re-entered: just not kept.
    let _ = HEADERS.try_with(|memo| {
        if let Ok(mut memo) = memo.try_borrow_mut() {
            let slot = memo.next;
            memo.entries[slot] = Some((segment.into(), header.clone()));
            memo.next = (slot + 1) % MEMO_ENTRIES;
        }
    });
    Some(header)
}

/// The JOSE header of a segment (base64url JSON); `None` when it is not one.
fn read_header(segment: &str) -> Option<ReadHeader> {
    // Headers are small: decoded on the stack, on the heap when one is not.
    with_decoded(segment, |header| {
        if !is_object(header) {
            return None;
        }
        let header = core::str::from_utf8(header).ok()?;
        // Read before a signature is checked: nested no deeper than claims may be.
        if !within_depth(header) {
            return None;
        }
        let header: JoseHeader<'_> = serde_json::from_str(header).ok()?;
        Some(ReadHeader {
            algorithm: header.alg.parse().map_err(|_| ()),
            kid: header.kid.as_deref().map(Kid::new),
            unsupported: header.crit.0
                || header.b64.0
                || header
                    .cty
                    .as_deref()
                    .is_some_and(|cty| media_type(cty).eq_ignore_ascii_case("jwt")),
            typ: Typ::of(header.typ.as_deref()),
        })
    })
    .ok()
    .flatten()
}

/// Whether `token` is a JWE in the compact serialization (RFC 7516 §7.1: five
/// base64url segments, the first a JSON object): encrypted, so only its issuer can read
/// it (RFC 7516 §9 tells the two serializations apart by their segments).
#[cfg(feature = "introspection")]
pub(crate) fn is_compact_jwe(token: &str) -> bool {
    let mut segments = token.split('.');
    let header = segments.next().unwrap_or_default();
    segments.count() == 4 && with_decoded(header, is_object).unwrap_or(false)
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
    with_decoded(header, is_object).unwrap_or(false)
}

/// Seconds since the epoch; `None` on a clock set before it (every token then counts as
/// expired).
///
/// On Linux, the kernel's coarse real-time clock, read in about a third of a precise
/// read's time, on every request's path. It gives the time of the kernel's last tick,
/// up to one tick behind (1 to 10 ms, by the kernel's `HZ`); a tick of 10 ms is added, so
/// that the time is never behind the precise clock: a token is never taken after its
/// `exp` (and `leeway`), and may be taken at most 10 ms before its `nbf`, far less than
/// any two clocks on a network agree.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) fn now() -> Option<f64> {
    use nix::time::{ClockId, clock_gettime};
    /// The longest tick: Linux's lowest `HZ` is 100.
    const TICK: f64 = 0.01;
    let now = clock_gettime(ClockId::CLOCK_REALTIME_COARSE).ok()?;
    // `tv_nsec` is under 10^9, exact as an `f64`.
    (now.tv_sec() >= 0).then_some(now.tv_sec() as f64 + now.tv_nsec() as f64 * 1e-9 + TICK)
}

/// Seconds since the epoch; `None` on a clock set before it (every token then counts as
/// expired).
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(crate) fn now() -> Option<f64> {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .ok()
        .map(|elapsed| elapsed.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;

    fn segment(json: &str) -> String {
        URL_SAFE_NO_PAD.encode(json)
    }

    fn parsed(header: &str) -> Result<(Algorithm, Option<String>, bool), TokenError> {
        let token = format!("{}.e30.c2ln", segment(header));
        let jws = Jws::parse(&token)?;
        Ok((
            jws.algorithm,
            jws.kid().map(str::to_owned),
            jws.typ == Typ::AccessToken,
        ))
    }

    #[test]
    fn a_header_is_nested_no_deeper_than_claims() {
        let nested = |depth: usize| {
            format!(
                r#"{{"alg":"HS256","x":{}{}}}"#,
                "[".repeat(depth),
                "]".repeat(depth)
            )
        };
        // The header itself is one level.
        assert!(parsed(&nested(127)).is_ok());
        assert_eq!(parsed(&nested(128)), Err(TokenError::Malformed));
        assert_eq!(parsed(&nested(100_000)), Err(TokenError::Malformed));
    }

    #[test]
    fn typ_says_what_kind_of_token_it_is() {
        for generic in [
            None,
            Some("JWT"),
            Some("jwt"),
            Some("application/JWT"),
            Some("JOSE"),
        ] {
            assert_eq!(Typ::of(generic), Typ::Generic, "{generic:?}");
        }
        for access in [
            "at+jwt",
            "AT+JWT",
            "application/at+jwt",
            "Application/At+Jwt",
        ] {
            assert_eq!(Typ::of(Some(access)), Typ::AccessToken, "{access}");
        }
        for other in [
            "dpop+jwt",
            "logout+jwt",
            "secevent+jwt",
            "id_token+jwt",
            "application/",
            "application/dpop+jwt",
            "",
            "JWS",
            "at+jwt ",
            "application/application/at+jwt",
            "é",
        ] {
            assert_eq!(Typ::of(Some(other)), Typ::Other, "{other:?}");
        }
        // `typ` and `kid` are strings when present; `null` is not one.
        for header in [
            r#"{"alg":"HS256","typ":null}"#,
            r#"{"alg":"HS256","typ":["JWT"]}"#,
            r#"{"alg":"HS256","kid":null}"#,
        ] {
            assert_eq!(parsed(header), Err(TokenError::Malformed), "{header}");
        }
        assert_eq!(
            parsed(r#"{"alg":"HS256","typ":"application/AT+JWT"}"#),
            Ok((Algorithm::HS256, None, true))
        );
    }

    #[test]
    fn a_remembered_header_reads_as_a_fresh_one() {
        // More headers than the memo holds, in turns, each read many times: every read
        // answers what that header says, never another's.
        let headers: Vec<String> = (0..MEMO_ENTRIES * 2 + 1)
            .map(|i| format!(r#"{{"alg":"RS256","kid":"key-{i}","typ":"at+jwt"}}"#))
            .collect();
        for round in 0..3 {
            for (i, header) in headers.iter().enumerate() {
                // Read, then read again from the memo.
                for read in 0..2 {
                    assert_eq!(
                        parsed(header).unwrap(),
                        (Algorithm::RS256, Some(format!("key-{i}")), true),
                        "round {round}, read {read}"
                    );
                }
            }
        }
        // As many headers as the memo holds, in turns: each read after the first is a
        // hit, and answers its own header.
        for _ in 0..3 {
            for (i, header) in headers.iter().take(MEMO_ENTRIES).enumerate() {
                assert_eq!(parsed(header).unwrap().1, Some(format!("key-{i}")));
            }
        }
        // The same bytes but one: read as what they say.
        assert_eq!(
            parsed(r#"{"alg":"HS256","typ":"JWT"}"#).unwrap(),
            (Algorithm::HS256, None, false)
        );
        assert_eq!(
            parsed(r#"{"alg":"HS384","typ":"JWT"}"#).unwrap(),
            (Algorithm::HS384, None, false)
        );
        // A refused header stays refused when seen again.
        for _ in 0..2 {
            assert_eq!(
                parsed(r#"{"alg":"HS256","crit":["b64"]}"#),
                Err(TokenError::Malformed)
            );
            // RFC 7797's option without `crit` (which its §6 requires), of any value.
            for b64 in ["false", "true", "null"] {
                assert_eq!(
                    parsed(&format!(r#"{{"alg":"HS256","b64":{b64}}}"#)),
                    Err(TokenError::Malformed),
                    "{b64}"
                );
            }
            // A nested JWT (RFC 7519 §5.2) is not taken; `cty` is a string when present.
            for cty in [r#""JWT""#, r#""jwt""#, r#""application/JWT""#, "null", "1"] {
                assert_eq!(
                    parsed(&format!(r#"{{"alg":"HS256","cty":{cty}}}"#)),
                    Err(TokenError::Malformed),
                    "{cty}"
                );
            }
            assert_eq!(
                parsed(r#"{"alg":"HS256","cty":"example"}"#).unwrap(),
                (Algorithm::HS256, None, false)
            );
            assert_eq!(
                parsed(r#"{"alg":"none"}"#),
                Err(TokenError::AlgorithmNotAllowed)
            );
            assert_eq!(
                parsed(r#"{"alg":"HS256","alg":"HS256"}"#),
                Err(TokenError::Malformed)
            );
            // A header is a JSON object (serde's derive would read an array's elements
            // as the members, in order).
            for header in [r#"["HS256"]"#, r#" ["HS256","JWT"]"#, r#""HS256""#] {
                assert_eq!(parsed(header), Err(TokenError::Malformed), "{header}");
            }
        }
        // A long header is read each time, and read right.
        let long = format!(r#"{{"alg":"ES256","kid":"{}"}}"#, "k".repeat(300));
        for _ in 0..2 {
            assert_eq!(parsed(&long).unwrap().1.map(|kid| kid.len()), Some(300));
        }
    }

    #[test]
    fn a_compact_jws_is_split_at_its_first_and_last_dots() {
        let header = segment(r#"{"alg":"HS256"}"#);
        assert!(Jws::parse(&format!("{header}.e30.c2ln")).is_ok());
        // A fourth segment stays in the payload, which then is not base64url.
        let four = format!("{header}.e30.c2ln.c2ln");
        let jws = Jws::parse(&four).unwrap();
        assert_eq!(jws.payload, "e30.c2ln");
        assert!(with_decoded(jws.payload, |_| ()).is_err());
        for token in [
            header.clone(),
            format!("{header}.e30"),
            String::new(),
            "..".to_owned(),
        ] {
            let Err(error) = Jws::parse(&token) else {
                panic!("{token:?} was read as a JWS");
            };
            assert_eq!(error, TokenError::Malformed, "{token:?}");
        }
    }
}
