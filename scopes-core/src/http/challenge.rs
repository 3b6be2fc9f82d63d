//! The one formatter of `WWW-Authenticate` challenges (RFC 7235 §4.1, RFC 6750 §3).

use std::borrow::Cow;
use std::fmt::Write as _;

use http::HeaderValue;

/// `scheme` followed by its auth-params, `name="value"`, in order; parameters without a
/// value are left out. A value keeps only the characters RFC 6750 allows in
/// `error_description` (printable ASCII without `"` or `\`), so no input can break out
/// of its quoted string or the header; `scope` keeps only the names that are scope-tokens
/// (RFC 6749 §3.3), so it never names a scope that was not given (`"n\u{6}"` is no `n`).
/// A value left empty is left out (`scope=""` would name no scope).
pub(crate) fn challenge(scheme: &str, params: &[(&str, Option<&str>)]) -> String {
    let mut out = String::with_capacity(64);
    out.push_str(scheme);
    let mut first = true;
    for (name, value) in params {
        let Some(value) = value else {
            continue;
        };
        let kept: Cow<'_, str> = match *name {
            "scope" => scope_tokens(value),
            _ => value.chars().filter(|c| allowed(*c)).collect(),
        };
        if kept.is_empty() {
            continue;
        }
        out.push_str(if first { " " } else { ", " });
        first = false;
        let _ = write!(out, "{name}=\"{kept}\"");
    }
    out
}

/// The names of `scope` (space-delimited) that are scope-tokens, one space apart: what
/// a challenge's `scope` says (borrowed when that is all of `scope`).
pub(crate) fn scope_tokens(scope: &str) -> Cow<'_, str> {
    let mut names = scope.split(' ');
    if !scope.starts_with(' ') && !scope.ends_with(' ') && names.all(is_scope_token) {
        return Cow::Borrowed(scope);
    }
    let mut names = scope.split(' ').filter(|name| is_scope_token(name));
    let mut kept = names.next().unwrap_or_default().to_owned();
    for name in names {
        kept.push(' ');
        kept.push_str(name);
    }
    Cow::Owned(kept)
}

/// `1*( %x21 / %x23-5B / %x5D-7E )` (RFC 6749 §3.3).
pub(crate) fn is_scope_token(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c != ' ' && allowed(c))
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
        let out = challenge("Bearer", &[("error_description", Some(hostile))]);
        assert_eq!(out, r#"Bearer error_description="abcSet-Cookie: x=1""#);
        assert!(super::header(&out).to_str().is_ok());
        // A scope name is kept whole or not at all.
        let out = challenge("Bearer", &[("scope", Some(hostile))]);
        assert_eq!(out, "Bearer");
        let out = challenge("Bearer", &[("scope", Some("n\u{6} items  me"))]);
        assert_eq!(out, r#"Bearer scope="items me""#);
    }
}
