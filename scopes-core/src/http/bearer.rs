//! Reading `Authorization: Bearer <token>` (RFC 6750 §2.1), and `Authorization: DPoP
//! <token>` (RFC 9449 §7.1) where the verifier takes DPoP.

use http::header::AUTHORIZATION;
use http::request::Parts;

use super::refusal::{AuthRejection, Detail, detail};

/// Why the request's credentials could not be read (both are `400 invalid_request`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum InvalidRequest {
    /// More than one `Authorization` header, or a token in both the header and the
    /// `access_token` query parameter (RFC 6750 §3.1; the parameter's name as a form
    /// decodes it, so `access%5Ftoken` too). A token is only ever read from the header:
    /// one in the query alone is no credential (401), and the body is never read (the
    /// check runs before the handler, whose body it is).
    MultipleCredentials,
    /// The `Authorization` header is not `Bearer <token>` (or `DPoP <token>`) with a
    /// `b64token`.
    MalformedAuthorization,
}

impl InvalidRequest {
    /// A short description for developers, safe to send (`error_description`).
    pub fn description(self) -> &'static str {
        self.detail().text
    }

    /// A stable code for logs and metrics.
    pub fn code(self) -> &'static str {
        match self {
            Self::MultipleCredentials => "multiple_credentials",
            Self::MalformedAuthorization => "malformed_authorization",
        }
    }

    /// The description, and the refusal body that carries it.
    pub(crate) fn detail(self) -> Detail {
        match self {
            Self::MultipleCredentials => detail!("The request carries more than one credential"),
            Self::MalformedAuthorization => detail!("The Authorization header is malformed"),
        }
    }
}

/// How the request presented its token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Presented {
    /// No token (or one of a scheme the verifier does not read).
    Nothing,
    Bearer,
    Dpop,
}

/// The request's access token and its scheme.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Credentials<'r> {
    pub(crate) token: &'r str,
    pub(crate) scheme: Presented,
}

/// The bearer token of the request (the `Bearer` scheme only).
#[cfg(test)]
pub(crate) fn bearer_token(parts: &Parts) -> Result<&str, AuthRejection> {
    credentials(parts, false).map(|credentials| credentials.token)
}

/// The scheme of the request's `Authorization` header, for a refusal's challenge.
pub(crate) fn presented(parts: &Parts, dpop: bool) -> Presented {
    presented_in(&parts.headers, dpop)
}

/// [`presented`], from the request's headers.
pub(crate) fn presented_in(headers: &http::HeaderMap, dpop: bool) -> Presented {
    let Some(value) = headers.get(AUTHORIZATION) else {
        return Presented::Nothing;
    };
    scheme_of(split(value.as_bytes()).0, dpop)
}

/// An `Authorization` value split into its scheme, the rest, and whether a tab ended
/// the scheme. The scheme ends at the first space (RFC 7235: `1*SP`) or tab (which does
/// not end it, but a known scheme followed by one is that scheme's credentials,
/// malformed).
fn split(value: &[u8]) -> (&[u8], &[u8], bool) {
    match value.iter().position(|&b| b == b' ' || b == b'\t') {
        Some(at) => (&value[..at], &value[at + 1..], value[at] == b'\t'),
        None => (value, &[][..], false),
    }
}

/// The scheme a request presented, among those taken: `Bearer`, and `DPoP` when `dpop`.
fn scheme_of(scheme: &[u8], dpop: bool) -> Presented {
    match scheme {
        _ if scheme.eq_ignore_ascii_case(b"bearer") => Presented::Bearer,
        _ if dpop && scheme.eq_ignore_ascii_case(b"dpop") => Presented::Dpop,
        _ => Presented::Nothing,
    }
}

/// The access token of the request: `Bearer`, or `DPoP` when `dpop` (the verifier takes
/// DPoP).
///
/// No `Authorization` header, another scheme, or an empty token means no credentials
/// (401 with a bare challenge); a malformed value or several credentials is a bad
/// request (400).
pub(crate) fn credentials(parts: &Parts, dpop: bool) -> Result<Credentials<'_>, AuthRejection> {
    let mut headers = parts.headers.get_all(AUTHORIZATION).iter();
    let Some(value) = headers.next() else {
        return Err(AuthRejection::MissingCredentials);
    };
    if headers.next().is_some() {
        return Err(InvalidRequest::MultipleCredentials.into());
    }
    // The scheme, then the token checked against `b64token` (a subset of ASCII): the
    // header value is not checked as a whole first, as `to_str` would.
    let value = value.as_bytes();
    let (scheme, rest, tab) = split(value);
    let scheme = match scheme_of(scheme, dpop) {
        // Another scheme (or none): no credentials, whatever its bytes. Another
        // scheme's syntax is not this crate's to judge, and RFC 9110's allows bytes
        // beyond ASCII (obs-text, in an auth-param's quoted string): FastAPI and Spring
        // Security answer such a request 401 too.
        Presented::Nothing => return Err(AuthRejection::MissingCredentials),
        _ if tab => return Err(InvalidRequest::MalformedAuthorization.into()),
        scheme => scheme,
    };
    let token = trim_spaces(rest);
    if token.is_empty() {
        return Err(AuthRejection::MissingCredentials);
    }
    if !is_b64token(token) {
        return Err(InvalidRequest::MalformedAuthorization.into());
    }
    // ASCII, as `is_b64token` checked (so this cannot fail, and is quick).
    let token = core::str::from_utf8(token).map_err(|_| InvalidRequest::MalformedAuthorization)?;
    if has_query_token(parts.uri.query()) {
        return Err(InvalidRequest::MultipleCredentials.into());
    }
    Ok(Credentials { token, scheme })
}

/// `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`
fn is_b64token(token: &[u8]) -> bool {
    let padding = token.iter().rev().take_while(|&&b| b == b'=').count();
    let body = &token[..token.len() - padding];
    // Sixteen bytes at a time, without early exits, so that the compiler checks each
    // block in vector registers; the last bytes are checked as a block too, filled out
    // with a `b64token` character (a byte-by-byte tail cost as much as the blocks).
    let mut blocks = body.chunks_exact(16);
    let mut all = blocks
        .by_ref()
        .fold(true, |all, block| all & is_b64block(block));
    let rest = blocks.remainder();
    if !rest.is_empty() {
        let mut last = [b'A'; 16];
        last[..rest.len()].copy_from_slice(rest);
        all &= is_b64block(&last);
    }
    !body.is_empty() && all
}

/// Whether every byte of `block` is a [`is_b64char`].
fn is_b64block(block: &[u8]) -> bool {
    block.iter().fold(true, |all, &b| all & is_b64char(b))
}

/// A character of a `b64token` before its padding.
fn is_b64char(b: u8) -> bool {
    let lower = b | 0x20;
    (b.is_ascii_digit() | lower.is_ascii_lowercase())
        | (b == b'-')
        | (b == b'.')
        | (b == b'_')
        | (b == b'~')
        | (b == b'+')
        | (b == b'/')
}

/// `bytes` without the spaces around it.
fn trim_spaces(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| b != b' ').unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|&b| b != b' ')
        .map_or(start, |i| i + 1);
    &bytes[start..end]
}

/// Whether the query has an `access_token` parameter (RFC 6750 §2.3), its name read
/// as a form decodes it (`access%5Ftoken` is the same parameter).
fn has_query_token(query: Option<&str>) -> bool {
    query.is_some_and(|query| {
        query.split('&').any(|pair| {
            let name = pair.split_once('=').map_or(pair, |(name, _)| name);
            decodes_to(name.as_bytes(), b"access_token")
        })
    })
}

/// Whether `encoded`, percent-decoded (`+` a space), is `expected`: compared as it is
/// decoded, without allocating.
fn decodes_to(mut encoded: &[u8], expected: &[u8]) -> bool {
    let hex = |b: u8| char::from(b).to_digit(16);
    let mut expected = expected.iter();
    while let Some((&b, rest)) = encoded.split_first() {
        let (byte, rest) = match (b, rest) {
            (b'%', [high, low, after @ ..]) => match (hex(*high), hex(*low)) {
                (Some(high), Some(low)) => ((high * 16 + low) as u8, after),
                // Not an escape: the `%` as written, and the bytes after it read next.
                _ => (b, rest),
            },
            (b'+', _) => (b' ', rest),
            _ => (b, rest),
        };
        if expected.next() != Some(&byte) {
            return false;
        }
        encoded = rest;
    }
    expected.next().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(values: &[&str], uri: &str) -> Parts {
        let mut builder = http::Request::builder().uri(uri);
        for value in values {
            builder = builder.header(AUTHORIZATION, *value);
        }
        builder.body(()).unwrap().into_parts().0
    }

    fn read(values: &[&str]) -> Result<String, AuthRejection> {
        bearer_token(&parts(values, "/")).map(str::to_owned)
    }

    #[test]
    fn scheme_is_case_insensitive_and_spaces_are_tolerated() {
        assert_eq!(read(&["Bearer abc.def-_~+/=="]).unwrap(), "abc.def-_~+/==");
        assert_eq!(read(&["bearer abc"]).unwrap(), "abc");
        assert_eq!(read(&["BEARER   abc  "]).unwrap(), "abc");
    }

    #[test]
    fn absent_empty_or_other_scheme_is_missing() {
        for values in [
            &[][..],
            &["Bearer"],
            &["Bearer "],
            &["Basic dXNlcjpwYXNz"],
            &["Negotiate"],
        ] {
            assert!(
                matches!(read(values), Err(AuthRejection::MissingCredentials)),
                "{values:?}"
            );
        }
    }

    #[test]
    fn malformed_and_multiple_are_invalid_requests() {
        let malformed = AuthRejection::InvalidRequest(InvalidRequest::MalformedAuthorization);
        let multiple = AuthRejection::InvalidRequest(InvalidRequest::MultipleCredentials);
        assert_eq!(read(&["Bearer a b"]).unwrap_err(), malformed);
        assert_eq!(read(&["Bearer a,Bearer b"]).unwrap_err(), malformed);
        assert_eq!(read(&["Bearer a\"b"]).unwrap_err(), malformed);
        assert_eq!(read(&["Bearer ==="]).unwrap_err(), malformed);
        assert_eq!(read(&["Bearer a=b"]).unwrap_err(), malformed);
        assert_eq!(read(&["Bearer a", "Bearer b"]).unwrap_err(), multiple);
        let both = bearer_token(&parts(&["Bearer a"], "/x?y=1&access_token=b")).unwrap_err();
        assert_eq!(both, multiple);
        assert_eq!(
            bearer_token(&parts(&["Bearer a"], "/x?my_access_token=b")).unwrap(),
            "a"
        );
        // The parameter's name as a form decodes it.
        for query in [
            "access%5Ftoken=b",
            "%61ccess_token",
            "x=1&access%5ftoken=",
            "%61%63cess_token=b",
        ] {
            let both = bearer_token(&parts(&["Bearer a"], &format!("/x?{query}"))).unwrap_err();
            assert_eq!(both, multiple, "{query}");
        }
        // An invalid escape is kept as written (as a form decoder does).
        assert!(decodes_to(b"%zz", b"%zz") && decodes_to(b"a%", b"a%"));
        assert!(!decodes_to(b"%zz", b"%") && !decodes_to(b"%zzx", b"%zz"));
        for query in [
            "access%5Ftoke",
            "access%5Ftokens=b",
            "access%_token=b",
            "access%5",
        ] {
            let request = parts(&["Bearer a"], &format!("/x?{query}"));
            let one = bearer_token(&request).unwrap();
            assert_eq!(one, "a", "{query}");
        }
    }

    #[test]
    fn dpop_is_read_only_where_the_verifier_takes_it() {
        let request = parts(&["DPoP abc.def"], "/");
        assert_eq!(
            credentials(&request, false).unwrap_err(),
            AuthRejection::MissingCredentials
        );
        let read = credentials(&request, true).unwrap();
        assert_eq!((read.token, read.scheme), ("abc.def", Presented::Dpop));
        let spaced = parts(&["dpop  abc "], "/");
        let read = credentials(&spaced, true).unwrap();
        assert_eq!((read.token, read.scheme), ("abc", Presented::Dpop));
        assert_eq!(
            credentials(&parts(&["DPoP a b"], "/"), true).unwrap_err(),
            AuthRejection::InvalidRequest(InvalidRequest::MalformedAuthorization)
        );
        assert_eq!(presented(&request, true), Presented::Dpop);
        assert_eq!(presented(&request, false), Presented::Nothing);
        assert_eq!(
            presented(&parts(&["bearer x"], "/"), true),
            Presented::Bearer
        );
        // A tab after the scheme: malformed, and the challenge is that scheme's.
        let tabbed = parts(&["DPoP\tabc"], "/");
        assert_eq!(
            credentials(&tabbed, true).unwrap_err(),
            AuthRejection::InvalidRequest(InvalidRequest::MalformedAuthorization)
        );
        assert_eq!(presented(&tabbed, true), Presented::Dpop);
    }

    #[test]
    fn b64token_characters_are_exactly_the_grammar_s() {
        for b in 0..=255u8 {
            let expected =
                b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/');
            assert_eq!(is_b64char(b), expected, "{b:#x}");
        }
    }

    #[test]
    fn every_byte_of_a_token_is_checked_whatever_its_length() {
        // Blocks of sixteen and the bytes after them: a bad byte anywhere is found.
        for length in 1..=50 {
            let good = vec![b'a'; length];
            assert!(is_b64token(&good), "{length}");
            let mut padded = good.clone();
            padded.extend_from_slice(b"==");
            assert!(is_b64token(&padded), "{length}");
            for at in 0..length {
                for bad in [b' ', b'=', b'!', b'\xff', b'\0'] {
                    let mut token = good.clone();
                    token[at] = bad;
                    // A bad byte at the end is padding when it is `=`.
                    let padding = at > 0 && bad == b'=' && token[at..].iter().all(|&b| b == b'=');
                    assert_eq!(is_b64token(&token), padding, "{length} {at} {bad:#x}");
                }
            }
        }
        assert!(!is_b64token(b""));
        assert!(!is_b64token(b"=="));
    }

    #[test]
    fn bytes_outside_visible_ascii_are_malformed_in_a_bearer_token_only() {
        let malformed = AuthRejection::InvalidRequest(InvalidRequest::MalformedAuthorization);
        let value = |bytes: &[u8]| {
            let mut parts = parts(&[], "/");
            let value = http::HeaderValue::from_bytes(bytes).unwrap();
            parts.headers.insert(AUTHORIZATION, value);
            bearer_token(&parts).map(str::to_owned)
        };
        assert_eq!(value(b"Bearer ab\xc3\xa9").unwrap_err(), malformed);
        // Another scheme's credentials may hold obs-text (RFC 9110 §11.4, an
        // auth-param's quoted string): not a bearer token, so none.
        assert_eq!(
            value(b"Basic \xff").unwrap_err(),
            AuthRejection::MissingCredentials
        );
        assert_eq!(
            value(b"Digest realm=\"caf\xc3\xa9\"").unwrap_err(),
            AuthRejection::MissingCredentials
        );
        assert_eq!(
            value(b"\xff").unwrap_err(),
            AuthRejection::MissingCredentials
        );
        assert_eq!(value(b"Bearer a\tb").unwrap_err(), malformed);
        assert_eq!(
            value(b"Basic a\tb").unwrap_err(),
            AuthRejection::MissingCredentials
        );
        // A tab after the scheme (RFC 7235 separates with spaces only): a Bearer token,
        // malformed, not another scheme's credentials.
        assert_eq!(value(b"Bearer\tabc").unwrap_err(), malformed);
        assert_eq!(value(b"bearer\t abc").unwrap_err(), malformed);
        assert_eq!(
            value(b"Basic\tabc").unwrap_err(),
            AuthRejection::MissingCredentials
        );
        // DPoP is a scheme of its own only where the verifier takes it.
        let dpop = |bytes: &[u8], takes: bool| {
            let mut parts = parts(&[], "/");
            let value = http::HeaderValue::from_bytes(bytes).unwrap();
            parts.headers.insert(AUTHORIZATION, value);
            credentials(&parts, takes).map(|credentials| credentials.token.to_owned())
        };
        assert_eq!(dpop(b"DPoP\tabc", true).unwrap_err(), malformed);
        assert_eq!(
            dpop(b"DPoP\tabc", false).unwrap_err(),
            AuthRejection::MissingCredentials
        );
        assert_eq!(dpop(b"DPoP abc", true).unwrap(), "abc");
        assert_eq!(
            value(b"bEaReR  abc.DEF-_~+/==  ").unwrap(),
            "abc.DEF-_~+/=="
        );
    }
}
