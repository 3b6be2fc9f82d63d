//! Assertions on what a refused (or admitted) request answered, and the challenge
//! parsed back (RFC 7235 §2.1 auth-params).

use core::fmt;

use http::header::WWW_AUTHENTICATE;
use http::{HeaderMap, StatusCode};

/// A `WWW-Authenticate` challenge, parsed: its scheme and its parameters, as a client
/// reads them (quoted strings unquoted, names compared without case).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    scheme: String,
    params: Vec<(String, String)>,
}

impl Challenge {
    /// Parses the first challenge of a `WWW-Authenticate` value; `None` when it is not
    /// one (RFC 7235: `scheme [ auth-param *( "," auth-param ) ]`).
    pub fn parse(value: &str) -> Option<Self> {
        let value = value.trim_start();
        let end = value.find(' ').unwrap_or(value.len());
        let (scheme, mut rest) = value.split_at(end);
        if scheme.is_empty() || !scheme.bytes().all(is_tchar) {
            return None;
        }
        let mut params = Vec::new();
        loop {
            rest = rest.trim_start_matches([' ', '\t', ',']);
            if rest.is_empty() {
                break;
            }
            let name_end = rest
                .find(|c: char| !is_tchar(c as u8))
                .unwrap_or(rest.len());
            let name = &rest[..name_end];
            let after = rest[name_end..].trim_start();
            let Some(after) = after.strip_prefix('=') else {
                // The next challenge's scheme: the first challenge ends here.
                break;
            };
            let after = after.trim_start();
            let (value, remaining) = match after.strip_prefix('"') {
                Some(quoted) => unquote(quoted)?,
                None => {
                    let end = after.find([',', ' ', '\t']).unwrap_or(after.len());
                    (after[..end].to_owned(), &after[end..])
                }
            };
            if name.is_empty() {
                return None;
            }
            params.push((name.to_ascii_lowercase(), value));
            rest = remaining;
        }
        Some(Self {
            scheme: scheme.to_owned(),
            params,
        })
    }

    /// The scheme (`Bearer`).
    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// A parameter's value (`error`, `scope`, `error_description`, `realm`,
    /// `resource_metadata`, `acr_values`, `max_age`, …).
    pub fn param(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.params
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// `error`, if any.
    pub fn error(&self) -> Option<&str> {
        self.param("error")
    }

    /// The scope names of `scope`, in order (none when absent).
    pub fn scopes(&self) -> Vec<&str> {
        self.param("scope")
            .map(|scope| scope.split(' ').filter(|s| !s.is_empty()).collect())
            .unwrap_or_default()
    }
}

impl fmt::Display for Challenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.scheme)?;
        for (i, (name, value)) in self.params.iter().enumerate() {
            let separator = if i == 0 { " " } else { ", " };
            write!(f, "{separator}{name}={value:?}")?;
        }
        Ok(())
    }
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// A quoted-string's content (after its opening quote) and what follows its closing one.
fn unquote(quoted: &str) -> Option<(String, &str)> {
    let mut value = String::new();
    let mut chars = quoted.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((value, &quoted[i + 1..])),
            '\\' => value.push(chars.next()?.1),
            c => value.push(c),
        }
    }
    None
}

/// Assertions on an answer, for any test runner: each panics with the status, the
/// challenge and what was expected, at the caller's line, and returns the parsed
/// challenge for more checks. Implemented for [`TestResponse`](super::TestResponse) and
/// for any [`http::Response`](axum::http::Response) (what `tower::ServiceExt::oneshot`
/// gives).
///
/// They check what RFC 6750 (and RFC 9470, RFC 9449) make a client see: the status, the
/// first challenge's `error` (a `Bearer` challenge, or a `DPoP` one from a verifier
/// taking DPoP), and for `insufficient_scope` its `scope`. A verifier in
/// FastAPI's response mode answers otherwise (401 `Bearer scope="…"`): check its
/// [`challenge`](Self::challenge) directly.
pub trait AuthAssertions {
    /// The answer's status.
    fn status(&self) -> StatusCode;

    /// The answer's headers.
    fn headers(&self) -> &HeaderMap;

    /// The `WWW-Authenticate` challenge, parsed, if there is one (the first, where a
    /// verifier taking both `Bearer` and `DPoP` answers two).
    fn challenge(&self) -> Option<Challenge> {
        let value = self.headers().get(WWW_AUTHENTICATE)?.to_str().ok()?;
        Challenge::parse(value)
    }

    /// The answer's body as text, when the answer was read whole ([`TestResponse`](
    /// super::TestResponse) was): what a failed assertion shows beside the status.
    fn body_text(&self) -> Option<&str> {
        None
    }

    /// Every `WWW-Authenticate` challenge, parsed, in order.
    fn challenges(&self) -> Vec<Challenge> {
        self.headers()
            .get_all(WWW_AUTHENTICATE)
            .iter()
            .filter_map(|value| Challenge::parse(value.to_str().ok()?))
            .collect()
    }

    /// Admitted: a 2xx status.
    #[track_caller]
    fn assert_admitted(&self) {
        let status = self.status();
        if !status.is_success() {
            panic!(
                "expected the request to be admitted (2xx), got {status}{}{}",
                describe(self.challenge()),
                explain(self)
            );
        }
    }

    /// Refused for want of a token: 401 with a challenge and no `error` (RFC 6750 §3.1;
    /// a `DPoP` challenge where DPoP is required, for which a `Bearer` token is none). No `Authorization` header, another scheme (`Basic …`), and `Bearer`
    /// with no token are all this.
    #[track_caller]
    fn assert_missing_credentials(&self) -> Challenge {
        let challenge = expect(self, StatusCode::UNAUTHORIZED, None, "no token");
        if let Some(error) = challenge.error() {
            panic!(
                "expected a 401 without `error` (no token), got error=\"{error}\" in `{challenge}`"
            );
        }
        challenge
    }

    /// Refused: 400 `invalid_request`: an `Authorization: Bearer` whose token is not a
    /// `b64token` (`Bearer a b`, `Bearer é`), or two credentials (two `Authorization`
    /// headers, or a header and an `access_token` query parameter).
    #[track_caller]
    fn assert_invalid_request(&self) -> Challenge {
        expect(
            self,
            StatusCode::BAD_REQUEST,
            Some("invalid_request"),
            "a malformed request",
        )
    }

    /// Refused: 401 `invalid_token` (expired, forged, wrong issuer or audience…).
    #[track_caller]
    fn assert_invalid_token(&self) -> Challenge {
        expect(
            self,
            StatusCode::UNAUTHORIZED,
            Some("invalid_token"),
            "a token that is not acceptable",
        )
    }

    /// Refused: 403 `insufficient_scope`, the challenge's `scope` naming exactly the
    /// space-delimited `scope` given (in any order): the scopes the route requires
    /// (the handler's, its scoped extractors', its router layers'), not those the token
    /// lacks. The names are compared as text at run time. An
    /// [`McpScopesLayer`](crate::McpScopesLayer)'s 403 names the tool's scopes and then
    /// those the token holds (`"items:write me items"`): give them all.
    #[track_caller]
    fn assert_insufficient_scope(&self, scope: &str) -> Challenge {
        let challenge = expect(
            self,
            StatusCode::FORBIDDEN,
            Some("insufficient_scope"),
            "a token without the scopes",
        );
        let mut expected: Vec<&str> = scope.split(' ').filter(|s| !s.is_empty()).collect();
        let mut got = challenge.scopes();
        expected.sort_unstable();
        got.sort_unstable();
        if expected != got {
            panic!(
                "expected 403 insufficient_scope with scope=\"{scope}\", got scope=\"{}\" in `{challenge}`",
                challenge.param("scope").unwrap_or_default()
            );
        }
        challenge
    }

    /// Refused: 401 `invalid_dpop_proof` (RFC 9449): the DPoP proof is missing, malformed,
    /// not signed by its own `jwk`, for another method or URL, too old, replayed… (A
    /// good proof of a key the token is not bound to is `invalid_token`, "Invalid DPoP
    /// key binding": [`assert_invalid_token`](Self::assert_invalid_token).)
    #[track_caller]
    fn assert_invalid_dpop_proof(&self) -> Challenge {
        let challenge = expect(
            self,
            StatusCode::UNAUTHORIZED,
            Some("invalid_dpop_proof"),
            "a DPoP proof that is not acceptable",
        );
        dpop_scheme(&challenge);
        challenge
    }

    /// Refused: 401 `invalid_dpop_proof` for this reason (its `error_description` is
    /// [`DpopError::description`](crate::error::DpopError::description)).
    #[track_caller]
    fn assert_dpop_error(&self, why: crate::error::DpopError) -> Challenge {
        let challenge = self.assert_invalid_dpop_proof();
        let said = challenge.param("error_description");
        if said != Some(why.description()) {
            panic!(
                "expected invalid_dpop_proof for {why:?} (\"{}\"), got `{challenge}`",
                why.description()
            );
        }
        challenge
    }

    /// Refused: 401 `use_dpop_nonce` (RFC 9449 §9); returns the nonce the `DPoP-Nonce`
    /// header gives, to sign the proof again with.
    #[track_caller]
    fn assert_use_dpop_nonce(&self) -> String {
        let challenge = expect(
            self,
            StatusCode::UNAUTHORIZED,
            Some("use_dpop_nonce"),
            "a DPoP proof without the server's nonce",
        );
        dpop_scheme(&challenge);
        match self.headers().get("dpop-nonce").map(|value| value.to_str()) {
            Some(Ok(nonce)) => nonce.to_owned(),
            _ => panic!("expected a `DPoP-Nonce` header with `{challenge}`, got none"),
        }
    }

    /// Refused because the credentials could not be checked: 503 with `Retry-After` and
    /// no challenge (the issuer's keys, its introspection endpoint or the DPoP replay
    /// store out of reach; see [`AuthRejection::is_outage`](crate::AuthRejection::is_outage)).
    #[track_caller]
    fn assert_unavailable(&self) {
        let status = self.status();
        let challenge = self.challenge();
        if status != StatusCode::SERVICE_UNAVAILABLE || challenge.is_some() {
            panic!(
                "expected 503 without a challenge (credentials that could not be checked), got {status}{}",
                describe(challenge)
            );
        }
        if self.headers().get(http::header::RETRY_AFTER).is_none() {
            panic!("expected a `Retry-After` header with the 503, got none");
        }
    }

    /// Refused because the DPoP token's subject went over its share of the replay store
    /// ([`Dpop::proofs_per_subject`](crate::Dpop::proofs_per_subject)): 429 with `Retry-After`
    /// and no challenge; returns the `Retry-After` seconds.
    #[track_caller]
    fn assert_too_many_dpop_proofs(&self) -> u64 {
        let status = self.status();
        let challenge = self.challenge();
        if status != StatusCode::TOO_MANY_REQUESTS || challenge.is_some() {
            panic!(
                "expected 429 without a challenge (a DPoP subject over its share), got {status}{}",
                describe(challenge)
            );
        }
        let retry = self.headers().get(http::header::RETRY_AFTER);
        match retry.and_then(|value| value.to_str().ok()?.parse().ok()) {
            Some(seconds) => seconds,
            None => panic!("expected a `Retry-After` of seconds with the 429, got {retry:?}"),
        }
    }

    /// Refused: 401 `insufficient_user_authentication` (RFC 9470 step-up).
    #[track_caller]
    fn assert_insufficient_user_authentication(&self) -> Challenge {
        expect(
            self,
            StatusCode::UNAUTHORIZED,
            Some("insufficient_user_authentication"),
            "a user who must authenticate again",
        )
    }
}

impl<B> AuthAssertions for http::Response<B> {
    fn status(&self) -> StatusCode {
        http::Response::status(self)
    }

    fn headers(&self) -> &HeaderMap {
        http::Response::headers(self)
    }
}

#[track_caller]
fn expect<A: AuthAssertions + ?Sized>(
    answer: &A,
    status: StatusCode,
    error: Option<&str>,
    why: &str,
) -> Challenge {
    let got = answer.status();
    let challenge = answer.challenge();
    let wanted = match error {
        Some(error) => format!("{status} with error=\"{error}\""),
        None => status.to_string(),
    };
    if got != status {
        panic!(
            "expected {wanted} ({why}), got {got}{}{}",
            describe(challenge),
            explain(answer)
        );
    }
    let Some(challenge) = challenge else {
        panic!("expected {wanted} ({why}) with a `WWW-Authenticate: Bearer` challenge, got none");
    };
    if !challenge.scheme().eq_ignore_ascii_case("Bearer")
        && !challenge.scheme().eq_ignore_ascii_case("DPoP")
    {
        panic!("expected a `Bearer` (or `DPoP`) challenge, got `{challenge}`");
    }
    if error.is_some() && challenge.error() != error {
        panic!("expected {wanted} ({why}), got `{challenge}`");
    }
    challenge
}

#[track_caller]
fn dpop_scheme(challenge: &Challenge) {
    if !challenge.scheme().eq_ignore_ascii_case("DPoP") {
        panic!("expected a `DPoP` challenge, got `{challenge}`");
    }
}

/// What else a failed assertion shows: the body (its first 300 characters), and for a
/// 503 its usual cause in a test.
fn explain<A: AuthAssertions + ?Sized>(answer: &A) -> String {
    let mut more = String::new();
    if let Some(body) = answer.body_text().filter(|body| !body.is_empty()) {
        let cut: String = body.chars().take(300).collect();
        let ellipsis = if cut.len() < body.len() { "…" } else { "" };
        more.push_str(&format!("; body: {cut}{ellipsis}"));
    }
    if answer.status() == StatusCode::SERVICE_UNAVAILABLE {
        more.push_str(
            "; a 503 is an outage: the verifier's keys (or introspection endpoint) were out \
             of reach. With a served `TestIssuer`, keep the issuer (or a clone) alive as long \
             as the verifier: its server stops when the last one is dropped. A tracing \
             subscriber (`tracing_subscriber::fmt().with_test_writer().try_init()`) shows \
             the refusal's cause",
        );
    }
    more
}

fn describe(challenge: Option<Challenge>) -> String {
    match challenge {
        Some(challenge) => format!(" with `WWW-Authenticate: {challenge}`"),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::Challenge;

    #[test]
    fn parses_what_the_crate_formats() {
        let challenge = Challenge::parse(
            r#"Bearer realm="api", error="insufficient_scope", scope="items me", max_age=300"#,
        )
        .unwrap();
        assert_eq!(challenge.scheme(), "Bearer");
        assert_eq!(challenge.param("realm"), Some("api"));
        assert_eq!(challenge.error(), Some("insufficient_scope"));
        assert_eq!(challenge.scopes(), ["items", "me"]);
        assert_eq!(challenge.param("MAX_AGE"), Some("300"));
    }

    #[test]
    fn a_bare_scheme_and_escapes_and_a_second_challenge() {
        let bare = Challenge::parse("Bearer").unwrap();
        assert_eq!(bare.error(), None);
        let escaped = Challenge::parse(r#"Bearer error_description="a \"b\" \\ c""#).unwrap();
        assert_eq!(escaped.param("error_description"), Some(r#"a "b" \ c"#));
        let two = Challenge::parse(r#"Bearer error="invalid_token", DPoP algs="ES256""#).unwrap();
        assert_eq!(two.error(), Some("invalid_token"));
        assert_eq!(two.param("algs"), None);
        assert_eq!(Challenge::parse(r#"Bearer error="unterminated"#), None);
        assert_eq!(Challenge::parse(""), None);
    }
}
