//! Reading `Authorization: Bearer <token>` (RFC 6750 §2.1).

use http::header::AUTHORIZATION;
use http::request::Parts;

use super::refusal::AuthRejection;

/// Why the request's credentials could not be read (both are `400 invalid_request`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum InvalidRequest {
    /// More than one `Authorization` header, or a token in both the header and the
    /// `access_token` query parameter (RFC 6750 §3.1).
    MultipleCredentials,
    /// The `Authorization` header is not `Bearer <token>` with a `b64token`.
    MalformedAuthorization,
}

impl InvalidRequest {
    /// A short description for developers, safe to send (`error_description`).
    pub fn description(self) -> &'static str {
        match self {
            Self::MultipleCredentials => "The request carries more than one credential",
            Self::MalformedAuthorization => "The Authorization header is malformed",
        }
    }
}

/// The bearer token of the request.
///
/// No `Authorization` header, another scheme, or an empty token means no credentials
/// (401 with a bare `Bearer` challenge); a malformed value or several credentials is a
/// bad request (400).
pub(crate) fn bearer_token(parts: &Parts) -> Result<&str, AuthRejection> {
    let mut headers = parts.headers.get_all(AUTHORIZATION).iter();
    let Some(value) = headers.next() else {
        return Err(AuthRejection::MissingCredentials);
    };
    if headers.next().is_some() {
        return Err(InvalidRequest::MultipleCredentials.into());
    }
    let value = value
        .to_str()
        .map_err(|_| InvalidRequest::MalformedAuthorization)?;
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(AuthRejection::MissingCredentials);
    }
    let token = rest.trim_matches(' ');
    if token.is_empty() {
        return Err(AuthRejection::MissingCredentials);
    }
    if !is_b64token(token) {
        return Err(InvalidRequest::MalformedAuthorization.into());
    }
    if has_query_token(parts.uri.query()) {
        return Err(InvalidRequest::MultipleCredentials.into());
    }
    Ok(token)
}

/// `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`
fn is_b64token(token: &str) -> bool {
    let body = token.trim_end_matches('=');
    !body.is_empty()
        && body.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
        })
}

fn has_query_token(query: Option<&str>) -> bool {
    query.is_some_and(|query| {
        query
            .split('&')
            .any(|pair| pair.split_once('=').map_or(pair, |(name, _)| name) == "access_token")
    })
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
    }
}
