//! The one formatter of `WWW-Authenticate` challenges (RFC 7235 §4.1, RFC 6750 §3).

use std::fmt::Write as _;

use http::HeaderValue;

/// `scheme` followed by its auth-params, `name="value"`, in order; parameters without a
/// value are left out. A value keeps only the characters RFC 6750 allows in
/// `error_description` and `scope` (printable ASCII without `"` or `\`), so no input
/// can break out of its quoted string or the header; one left with none is left out
/// (`scope=""` would name no scope).
pub(crate) fn challenge(scheme: &str, params: &[(&str, Option<&str>)]) -> String {
    let mut out = String::with_capacity(64);
    out.push_str(scheme);
    let mut first = true;
    for (name, value) in params {
        let Some(value) = value.filter(|value| value.chars().any(allowed)) else {
            continue;
        };
        out.push_str(if first { " " } else { ", " });
        first = false;
        let _ = write!(out, "{name}=\"");
        out.extend(value.chars().filter(|c| allowed(*c)));
        out.push('"');
    }
    out
}

/// The challenge as a header value (it always is one: only visible ASCII and spaces).
pub(crate) fn header(challenge: &str) -> HeaderValue {
    HeaderValue::from_str(challenge).unwrap_or_else(|_| HeaderValue::from_static("Bearer"))
}

/// `%x20-21 / %x23-5B / %x5D-7E` (RFC 6750 §3).
fn allowed(c: char) -> bool {
    matches!(c, '\x20'..='\x7e') && c != '"' && c != '\\'
}

#[cfg(test)]
mod tests {
    use super::challenge;

    #[test]
    fn params_in_order_and_absent_ones_left_out() {
        assert_eq!(challenge("Bearer", &[]), "Bearer");
        assert_eq!(
            challenge(
                "Bearer",
                &[
                    ("realm", Some("api")),
                    ("error", None),
                    ("scope", Some("a b"))
                ]
            ),
            r#"Bearer realm="api", scope="a b""#
        );
    }

    #[test]
    fn values_cannot_escape_their_quotes() {
        let hostile = "a\"b\\c\r\nSet-Cookie: x=1\u{7f}é";
        let out = challenge("Bearer", &[("scope", Some(hostile))]);
        assert_eq!(out, r#"Bearer scope="abcSet-Cookie: x=1""#);
        assert!(super::header(&out).to_str().is_ok());
    }
}
