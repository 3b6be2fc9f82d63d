//! What the crate tells operators: one `tracing` event per refusal answered (target
//! `scopes_core::refusal`, level INFO), one per admission (target `scopes_core::admit`,
//! level TRACE), and with the `metrics` feature, counters of both. The only place that
//! emits them; the crate root's docs list the fields and names.
//!
//! Nothing here ever records a token or a secret: the fields are the reason's stable
//! code, fixed descriptions, the verifier's configured issuers and audiences, scope
//! names, the verified token's `iss`, the `iss` and `aud` of a token refused for them,
//! and the `htu` of a DPoP proof refused for it beside the URL expected (escaped and
//! cut: they may be forged).

use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Instant;

use http::StatusCode;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::refusal::AuthRejection;
use crate::token::VerifiedToken;

/// The target of refusal events.
pub(crate) const REFUSAL: &str = "scopes_core::refusal";
/// The target of admission events.
pub(crate) const ADMIT: &str = "scopes_core::admit";

/// Whether refusal events are wanted now: what they say beyond the reason is gathered
/// only then, so that a refusal costs nothing more when nobody listens.
pub(crate) fn refusals_traced() -> bool {
    tracing::enabled!(target: REFUSAL, tracing::Level::INFO)
}

/// What a refusal's event says beyond its reason, gathered when it was decided and
/// written out only when the event is (borrowing where it can).
#[derive(Debug, Clone)]
pub(crate) struct Context {
    pub(crate) verifier: Arc<str>,
    /// The verified token, when the refusal came after verification (a 403, a
    /// step-up, claims of another shape): its `iss` and its scopes.
    pub(crate) token: Option<VerifiedToken>,
    /// Every scope the route requires (whether or not the challenge names them).
    pub(crate) required: Cow<'static, str>,
    /// Why the claims did not fit the type a handler asked for, or a scope claim held
    /// what no scope reader reads: the field and the expected type (never the value).
    pub(crate) claims_error: Option<String>,
    /// For a token refused for its issuer or its audience: what it names, and what
    /// the verifier accepts.
    pub(crate) addressed: Option<Addressed>,
    /// For a DPoP proof refused for its `htu`: the URL it names, and the one this
    /// verifier expected (from `Dpop::public_url` and the request's path).
    pub(crate) proof_urls: Option<ProofUrls>,
    /// For a token refused for a required claim: what the token's issuer requires
    /// (configured names and values).
    pub(crate) required_claims: Option<String>,
    /// For the MCP guard's 403: the kind (`tool`, `prompt`, `resource`) and the name
    /// of what the request asked for.
    pub(crate) asked: Option<(&'static str, Box<str>)>,
}

/// A DPoP proof's `htu` beside the URL the verifier expected of it: a `public_url`
/// that is not what clients call (a resource URL given where the origin belongs, a
/// proxy's prefix left out) refuses every proof, and only these two say why.
#[derive(Debug, Clone)]
pub(crate) struct ProofUrls {
    /// The proof's `htu` (escaped and cut: anyone can sign a proof); none when it has
    /// no string there.
    pub(crate) htu: Option<String>,
    /// What the verifier expected, without the query; none when it could not tell
    /// (no `public_url`, and no `Host` or one that is not `host[:port]`).
    pub(crate) expected: Option<String>,
}

impl ProofUrls {
    /// The `htu` of `proof` (a DPoP header's value; its claims are read, nothing else),
    /// beside `expected`.
    pub(crate) fn of(proof: &str, expected: Option<String>) -> Self {
        #[derive(Deserialize)]
        struct Htu {
            #[serde(default)]
            htu: Option<String>,
        }
        Self {
            htu: claims_of::<Htu>(proof)
                .and_then(|read| read.htu)
                .map(|htu| escaped(&htu, URL_MAX)),
            expected: expected.map(|url| escaped(&url, URL_MAX)),
        }
    }
}

/// A compact JWS of `header` and `claims` (its signature not one), for the tests.
#[cfg(test)]
fn unsigned(header: &str, claims: &str) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!("{}.{}.sig", b64.encode(header), b64.encode(claims))
}

#[cfg(test)]
mod proof_urls_tests {
    use super::ProofUrls;

    fn proof(claims: &str) -> String {
        super::unsigned(r#"{"typ":"dpop+jwt"}"#, claims)
    }

    #[test]
    fn the_htu_is_escaped_and_cut_and_a_non_string_names_none() {
        let expected = Some("https://api.test/items".to_owned());
        let urls = ProofUrls::of(&proof(r#"{"htu":"https://x.test/\u202e"}"#), expected);
        assert_eq!(urls.htu.as_deref(), Some("https://x.test/\\u{202e}"));
        assert_eq!(urls.expected.as_deref(), Some("https://api.test/items"));
        let long = format!("https://x.test/{}", "p".repeat(600));
        let urls = ProofUrls::of(&proof(&format!(r#"{{"htu":"{long}"}}"#)), None);
        assert_eq!(urls.htu, Some(format!("{}…", &long[..super::URL_MAX])));
        assert_eq!(urls.expected, None);
        for claims in [r#"{"htu":7}"#, r#"{"htu":null}"#, "{}", "not json"] {
            assert_eq!(ProofUrls::of(&proof(claims), None).htu, None, "{claims}");
        }
    }
}

/// What a token refused for its `iss` or its `aud` names, beside what its verifier
/// accepts: the refusal an integration meets first (Keycloak's `account` audience, an
/// issuer URL fetched through another host), which the event then explains. Read from
/// the token's claims only when the event is written, and nothing else of the token:
/// each value is cut to [`NAMED_MAX`] characters and escaped ([`escaped`]), and at most
/// [`AUDIENCES_MAX`] audiences are kept. These are not secrets, but a routed verifier
/// refuses an unknown issuer before any signature check, so they may be anyone's text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Addressed {
    /// The token's `iss`, if it is a string: escaped and cut, for the event.
    pub(crate) iss: Option<String>,
    /// The same as the token has it, to find the issuer it is routed to (whose
    /// audiences or required claims the event names); never written in an event.
    pub(crate) routing_iss: Option<String>,
    /// The token's `aud`: its string, or its array's strings, space-separated; none
    /// when it has no string.
    pub(crate) aud: Option<String>,
    /// The audiences the verifier accepts from the token's issuer, space-separated, or
    /// [`NO_AUDIENCE`] (for a wrong audience).
    pub(crate) accepted: Option<String>,
    /// The token's `tid`, if it is a string (escaped and cut): what fills a tenant
    /// template's `{tenantid}`, so that a refusal for the issuer shows why it did not.
    pub(crate) tid: Option<String>,
}

/// `audiences` when the verifier accepts none: a token that names one is then refused.
pub(crate) const NO_AUDIENCE: &str = "(none configured)";

/// The longest `iss` or audience an event repeats (the rest is cut, with `…`).
const NAMED_MAX: usize = 120;
/// The longest URL of a DPoP proof's refusal an event repeats: longer than
/// [`NAMED_MAX`], so that an `htu` and the URL expected that differ only in a long
/// path do not both show as the same text cut.
const URL_MAX: usize = 512;
/// The most audiences of a token an event repeats.
const AUDIENCES_MAX: usize = 4;

impl Addressed {
    /// What the token's claims (`token`'s second segment) name; nothing when they
    /// cannot be read.
    pub(crate) fn of(token: &str) -> Self {
        #[derive(Deserialize)]
        struct Parties {
            #[serde(default)]
            iss: Option<serde_json::Value>,
            #[serde(default)]
            aud: Option<serde_json::Value>,
            #[serde(default)]
            tid: Option<serde_json::Value>,
        }
        let Some(parties) = claims_of::<Parties>(token) else {
            return Self::default();
        };
        let aud = match parties.aud {
            Some(serde_json::Value::String(one)) => Some(escaped(&one, NAMED_MAX)),
            Some(serde_json::Value::Array(many)) => {
                let mut strings = many.iter().filter_map(serde_json::Value::as_str);
                let mut names: Vec<String> = strings
                    .by_ref()
                    .take(AUDIENCES_MAX)
                    .map(|one| escaped(one, NAMED_MAX))
                    .collect();
                if strings.next().is_some() {
                    names.push("…".to_owned());
                }
                (!names.is_empty()).then(|| names.join(" "))
            }
            _ => None,
        };
        let iss = parties.iss.as_ref().and_then(serde_json::Value::as_str);
        Self {
            iss: iss.map(|iss| escaped(iss, NAMED_MAX)),
            routing_iss: iss.map(str::to_owned),
            aud,
            accepted: None,
            tid: parties
                .tid
                .as_ref()
                .and_then(serde_json::Value::as_str)
                .map(|tid| escaped(tid, NAMED_MAX)),
        }
    }
}

/// The claims of a token nobody vouched for, for an event: none when they cannot be
/// read.
pub(crate) fn unverified_claims(token: &str) -> Option<serde_json::Value> {
    claims_of(token)
}

/// The claims (second segment) of a compact JWS nobody vouched for, read as `T`, for
/// an event: none when they cannot be read.
fn claims_of<T: DeserializeOwned>(jws: &str) -> Option<T> {
    let payload = jws.split('.').nth(1)?;
    crate::keys::with_decoded(payload, |json| serde_json::from_slice::<T>(json).ok())
        .ok()
        .flatten()
}

/// `text` cut to `max` characters, every character outside printable ASCII written as
/// `\u{…}` and a backslash as `\\` (so that no text can pass for an escape): it comes
/// from a token or a proof nobody vouched for and goes to a log, where a line break
/// (U+2028 too), a bidirectional override or an escape sequence could forge or hide a
/// line. Issuers, audiences and URLs are ASCII, almost always.
fn escaped(text: &str, max: usize) -> String {
    use core::fmt::Write;
    let mut kept = String::with_capacity(text.len().min(max));
    for c in text.chars().take(max) {
        match c {
            '\\' => kept.push_str("\\\\"),
            ' '..='~' => kept.push(c),
            _ => {
                let _ = write!(kept, "\\u{{{:x}}}", u32::from(c));
            }
        }
    }
    if text.chars().nth(max).is_some() {
        kept.push('…');
    }
    kept
}

#[cfg(test)]
mod addressed_tests {
    use super::Addressed;

    fn token(claims: &str) -> String {
        super::unsigned(r#"{"alg":"HS256"}"#, claims)
    }

    fn of(claims: &str) -> Addressed {
        Addressed::of(&token(claims))
    }

    #[test]
    fn strings_only_at_most_four_audiences_escaped_and_cut() {
        let read = of(r#"{"iss":"https://a.test","aud":["a","b",7,"c","d","e"]}"#);
        assert_eq!(read.iss.as_deref(), Some("https://a.test"));
        assert_eq!(read.aud.as_deref(), Some("a b c d …"));
        // A number does not count as an audience dropped.
        assert_eq!(
            of(r#"{"aud":["a","b","c","d",7]}"#).aud.as_deref(),
            Some("a b c d")
        );
        assert_eq!(of(r#"{"aud":[]}"#).aud, None);
        assert_eq!(of(r#"{"aud":[1,null]}"#).aud, None);
        assert_eq!(of(r#"{"aud":7,"iss":["x"]}"#), Addressed::default());
        let hostile = of(r#"{"iss":"a\u2028b\u202ec\u001b[31m\nd\u00e9"}"#);
        assert_eq!(
            hostile.iss.as_deref(),
            Some("a\\u{2028}b\\u{202e}c\\u{1b}[31m\\u{a}d\\u{e9}")
        );
        let long = of(&format!(r#"{{"iss":"{}"}}"#, "x".repeat(200)));
        assert_eq!(long.iss, Some(format!("{}…", "x".repeat(120))));
        // The issuer is found by the `iss` the token has, not the one the event shows.
        assert_eq!(long.routing_iss, Some("x".repeat(200)));
        assert_eq!(
            hostile.routing_iss.as_deref(),
            Some("a\u{2028}b\u{202e}c\u{1b}[31m\nd\u{e9}")
        );
        // A backslash is escaped too: no text passes for an escape.
        let forged = of(r#"{"iss":"a\\u{2028}b"}"#);
        assert_eq!(forged.iss.as_deref(), Some("a\\\\u{2028}b"));
    }

    #[test]
    fn what_cannot_be_read_names_nothing() {
        for text in ["", "a", "a.!!!.b", "a.e30", "a.bm90IGpzb24.b"] {
            assert_eq!(Addressed::of(text), Addressed::default(), "{text}");
        }
        // Duplicate keys: serde refuses them; nothing is named.
        assert_eq!(of(r#"{"iss":"a","iss":"b"}"#), Addressed::default());
    }
}

/// The longest granted scope text an event repeats, in bytes (the rest is cut, with
/// `…`): a signed token may carry thousands of names, and one event is one log line.
const GRANTED_MAX: usize = 1024;

/// `text` cut to at most [`GRANTED_MAX`] bytes, after its last whole name (at a
/// character boundary, for a single name that long), with `…` when cut.
fn clipped(text: &str) -> Cow<'_, str> {
    if text.len() <= GRANTED_MAX {
        return Cow::Borrowed(text);
    }
    let mut end = GRANTED_MAX;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    if text.as_bytes()[end] != b' ' {
        end = text[..end].rfind(' ').unwrap_or(end);
    }
    Cow::Owned(format!("{}…", &text[..end]))
}

#[cfg(test)]
mod clipped_tests {
    use super::{GRANTED_MAX, clipped};

    #[test]
    fn long_scope_texts_are_cut_at_a_character_boundary() {
        assert_eq!(clipped("items me"), "items me");
        let exact = "a".repeat(GRANTED_MAX);
        assert_eq!(clipped(&exact), exact);
        let long = "a".repeat(GRANTED_MAX * 100);
        assert_eq!(clipped(&long), format!("{}…", "a".repeat(GRANTED_MAX)));
        // A two-byte character across the limit is left out whole.
        let split = format!("{}é{}", "a".repeat(GRANTED_MAX - 1), "b".repeat(10));
        assert_eq!(clipped(&split), format!("{}…", "a".repeat(GRANTED_MAX - 1)));
        // Names are kept whole: the cut falls after the last one that fits.
        let names = vec!["items:read"; 200].join(" ");
        let cut = clipped(&names);
        let kept = cut.strip_suffix('…').unwrap();
        assert!(kept.len() <= GRANTED_MAX);
        assert!(kept.split(' ').all(|name| name == "items:read"), "{kept}");
        assert_eq!(
            kept.split(' ').count(),
            (GRANTED_MAX + 1) / "items:read ".len()
        );
    }
}

/// The event (and the counter) of a refusal answered with `status`.
#[inline]
pub(crate) fn refused(reason: &AuthRejection, status: StatusCode, context: Option<&Context>) {
    #[cfg(feature = "metrics")]
    count_refusal(reason.code());
    if refusals_traced() {
        refusal_event(reason, status, context);
    }
}

/// [`refused`]'s event, once it is known to be wanted: out of line, so that a refusal
/// nobody listens to carries none of its code (a refusal should cost no more than an
/// admit, whose event is as far out of its way).
#[cold]
#[inline(never)]
fn refusal_event(reason: &AuthRejection, status: StatusCode, context: Option<&Context>) {
    match context {
        Some(context) => {
            let token = context.token.as_ref();
            let addressed = context.addressed.as_ref();
            let asked = context.asked.as_ref().map(|(kind, name)| (*kind, &**name));
            tracing::info!(
                target: REFUSAL,
                reason = reason.code(),
                status = status.as_u16(),
                verifier = &*context.verifier,
                issuer = token.and_then(issuer_of).as_deref(),
                required = &*context.required,
                granted = token.map(|token| clipped(token.scope_text())).as_deref(),
                claims_error = context.claims_error.as_deref(),
                required_claims = context.required_claims.as_deref(),
                tool = named(asked, "tool").as_deref(),
                prompt = named(asked, "prompt").as_deref(),
                resource = named(asked, "resource").as_deref(),
                token_iss = addressed.and_then(|named| named.iss.as_deref()),
                token_aud = addressed.and_then(|named| named.aud.as_deref()),
                token_tid = addressed.and_then(|named| named.tid.as_deref()),
                audiences = addressed.and_then(|named| named.accepted.as_deref()),
                proof_htu = context.proof_urls.as_ref().and_then(|urls| urls.htu.as_deref()),
                expected_htu = context
                    .proof_urls
                    .as_ref()
                    .and_then(|urls| urls.expected.as_deref()),
                detail = %reason,
                "request refused"
            )
        }
        None => tracing::info!(
            target: REFUSAL,
            reason = reason.code(),
            status = status.as_u16(),
            detail = %reason,
            "request refused"
        ),
    }
}

/// The code of the MCP guard's refusal of a session id bound to another principal
/// (404), beside [`AuthRejection::code`]'s.
pub(crate) const MCP_FOREIGN_SESSION: &str = "mcp.foreign_session";
/// The code of the MCP guard's refusal of a session id it did not see opened (404).
pub(crate) const MCP_UNKNOWN_SESSION: &str = "mcp.unknown_session";
/// The code of the MCP guard's refusal of a `tools/call` of a tool not declared to it
/// (400).
pub(crate) const MCP_UNDECLARED_TOOL: &str = "mcp.undeclared_tool";
/// The code of the MCP guard's refusal of a `prompts/get` (or a completion) of a
/// prompt not declared to it (400).
pub(crate) const MCP_UNDECLARED_PROMPT: &str = "mcp.undeclared_prompt";
/// The code of the MCP guard's refusal of a resource (read, subscribed to, or
/// completed against) not declared to it (400).
pub(crate) const MCP_UNDECLARED_RESOURCE: &str = "mcp.undeclared_resource";
/// The code of the MCP guard's refusal of a resource URI a server could read as another
/// (a dot segment, an empty segment, an escaped separator…): 400.
pub(crate) const MCP_INVALID_RESOURCE_URI: &str = "mcp.invalid_resource_uri";
/// The code of the MCP guard's refusal of a method it does not know, by a guard told to
/// refuse them (400).
pub(crate) const MCP_UNKNOWN_METHOD: &str = "mcp.unknown_method";

/// The event (and the counter) of a refusal of the MCP guard's own, for a verified
/// `token`: `code` is one of the `MCP_` codes above, `asked` the kind (`tool`,
/// `prompt`, `resource`) and the name of what the request asked for (the request's
/// text: escaped and cut as a token's `iss` is), a field named after its kind.
pub(crate) fn mcp_refused(
    code: &'static str,
    status: StatusCode,
    detail: &'static str,
    verifier: &str,
    token: &VerifiedToken,
    asked: Option<(&'static str, &str)>,
) {
    #[cfg(feature = "metrics")]
    count_refusal(code);
    if refusals_traced() {
        tracing::info!(
            target: REFUSAL,
            reason = code,
            status = status.as_u16(),
            verifier,
            issuer = issuer_of(token).as_deref(),
            granted = &*clipped(token.scope_text()),
            tool = named(asked, "tool").as_deref(),
            prompt = named(asked, "prompt").as_deref(),
            resource = named(asked, "resource").as_deref(),
            method = named(asked, "method").as_deref(),
            detail,
            "request refused"
        );
    }
}

/// The name `asked` gives, escaped and cut, if it is of `kind`.
fn named(asked: Option<(&'static str, &str)>, kind: &str) -> Option<String> {
    asked
        .filter(|(of, _)| *of == kind)
        .map(|(_, name)| escaped(name, NAMED_MAX))
}

/// The sessions the MCP guard let go while binding one, by cause, and how many of the
/// `DELETE`s it sent for them the server refused.
pub(crate) struct LetGo {
    /// Past a principal's share, in use within the idle time: its client will notice.
    pub(crate) active: usize,
    /// Past a principal's share, idle: clients that left them, as a rule.
    pub(crate) left: usize,
    /// Past the guard's bound.
    pub(crate) bound: usize,
    pub(crate) refused: usize,
}

/// Whether a warning of a kind last given at `last` (seconds on the guard's clock, 0 for
/// never) may be given again: at most one a minute, so that whoever can send requests
/// does not set the log's volume; the rest are debug events.
fn warn_again(last: &AtomicU64) -> bool {
    static EPOCH: LazyLock<Instant> = LazyLock::new(Instant::now);
    let now = EPOCH.elapsed().as_secs() + 60;
    let before = last.load(Ordering::Relaxed);
    now >= before + 60
        && last
            .compare_exchange(before, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
}

/// The events of the MCP guard closing sessions it let go to bind one a `token`'s
/// principal opened. A principal past its `share` with sessions in use, the guard's
/// bound (`most`) reached, and `DELETE`s the server refused are warnings (at most one a minute of
/// each); sessions their clients left, closed to make room, are debug events.
pub(crate) fn mcp_sessions_let_go(
    let_go: LetGo,
    share: usize,
    most: usize,
    verifier: &str,
    token: &VerifiedToken,
) {
    static SHARE: AtomicU64 = AtomicU64::new(0);
    static BOUND: AtomicU64 = AtomicU64::new(0);
    static REFUSED: AtomicU64 = AtomicU64::new(0);
    const TARGET: &str = "scopes_core::mcp";
    let issuer = || issuer_of(token);
    if let_go.active > 0 {
        let issuer = issuer();
        let issuer = issuer.as_deref();
        let message = "MCP sessions in use closed: a principal opened one past its share (raise it with `McpScopesLayer::sessions_per_principal` when many clients share one principal)";
        match warn_again(&SHARE) {
            true => {
                tracing::warn!(target: TARGET, closed = let_go.active, share, verifier, issuer, "{message}")
            }
            false => {
                tracing::debug!(target: TARGET, closed = let_go.active, share, verifier, issuer, "{message}")
            }
        }
    }
    if let_go.left > 0 {
        tracing::debug!(
            target: TARGET,
            closed = let_go.left,
            share,
            verifier,
            "MCP sessions left idle closed to make room for a principal's new one"
        );
    }
    if let_go.bound > 0 {
        let message = "MCP sessions closed: the guard's bound of sessions in all was reached (raise it with `McpScopesLayer::sessions_in_all`)";
        match warn_again(&BOUND) {
            true => {
                tracing::warn!(target: TARGET, closed = let_go.bound, bound = most, verifier, "{message}")
            }
            false => {
                tracing::debug!(target: TARGET, closed = let_go.bound, bound = most, verifier, "{message}")
            }
        }
    }
    if let_go.refused > 0 {
        let message = "the MCP server refused the guard's DELETE of sessions it let go (they stay open there until the server's idle timeout): the server behind the guard must take a DELETE without a token from it";
        match warn_again(&REFUSED) {
            true => tracing::warn!(target: TARGET, refused = let_go.refused, verifier, "{message}"),
            false => {
                tracing::debug!(target: TARGET, refused = let_go.refused, verifier, "{message}")
            }
        }
    }
}

/// The event (and the counter) of a request `check` admitted (`handler`, `layer`,
/// `mcp`). The fields are computed only when the event is wanted.
pub(crate) fn admitted<'a>(
    check: &'static str,
    verifier: &str,
    token: &VerifiedToken,
    required: impl FnOnce() -> Cow<'a, str>,
) {
    #[cfg(feature = "metrics")]
    match check {
        "handler" => metrics::counter!("scopes_admitted_total", "check" => "handler"),
        "layer" => metrics::counter!("scopes_admitted_total", "check" => "layer"),
        _ => metrics::counter!("scopes_admitted_total", "check" => "mcp"),
    }
    .increment(1);
    if tracing::enabled!(target: ADMIT, tracing::Level::TRACE) {
        tracing::trace!(
            target: ADMIT,
            check,
            verifier,
            issuer = issuer_of(token).as_deref(),
            required = &*required(),
            granted = &*clipped(token.scope_text()),
            "request admitted"
        );
    }
}

/// Every code [`AuthRejection::code`] gives, each with its own counter: a label given
/// as a literal is a static key, so counting allocates nothing.
#[cfg(feature = "metrics")]
macro_rules! refusal_counters {
    ($($code:literal),* $(,)?) => {
        #[cfg(test)]
        const CODES: &[&str] = &[$($code),*];

        fn count_refusal(code: &'static str) {
            match code {
                $($code => metrics::counter!("scopes_refused_total", "reason" => $code),)*
                other => metrics::counter!("scopes_refused_total", "reason" => other),
            }
            .increment(1);
        }
    };
}

#[cfg(feature = "metrics")]
refusal_counters!(
    "missing_credentials",
    "invalid_request.multiple_credentials",
    "invalid_request.malformed_authorization",
    "invalid_token.malformed",
    "invalid_token.algorithm_not_allowed",
    "invalid_token.unknown_key",
    "invalid_token.bad_signature",
    "invalid_token.expired",
    "invalid_token.not_yet_valid",
    "invalid_token.missing_claim",
    "invalid_token.invalid_claim",
    "invalid_token.duplicate_claim",
    "invalid_token.wrong_issuer",
    "invalid_token.wrong_audience",
    "invalid_token.invalid_scope_claim",
    "invalid_token.claims_mismatch",
    "invalid_token.not_an_access_token",
    "invalid_token.required_claim",
    "invalid_token.inactive",
    "invalid_token.not_bearer",
    "invalid_token.introspection_failed",
    "invalid_token.unreadable_introspection",
    "invalid_token.keys_unavailable",
    "invalid_token.key_binding",
    "insufficient_scope",
    "insufficient_user_authentication",
    "invalid_dpop_proof.missing",
    "invalid_dpop_proof.multiple",
    "invalid_dpop_proof.malformed",
    "invalid_dpop_proof.type",
    "invalid_dpop_proof.algorithm",
    "invalid_dpop_proof.key",
    "invalid_dpop_proof.signature",
    "invalid_dpop_proof.method",
    "invalid_dpop_proof.uri",
    "invalid_dpop_proof.issued_at",
    "invalid_dpop_proof.id",
    "invalid_dpop_proof.token_hash",
    "invalid_dpop_proof.replayed",
    "invalid_dpop_proof.replay_check_failed",
    "invalid_dpop_proof.too_many_proofs",
    "use_dpop_nonce",
    "mcp.foreign_session",
    "mcp.unknown_session",
    "mcp.undeclared_tool",
    "mcp.undeclared_prompt",
    "mcp.undeclared_resource",
    "mcp.unknown_method",
    "mcp.invalid_resource_uri",
);

/// The token's `iss`, borrowed from its claims (owned only when it has escapes).
fn issuer_of(token: &VerifiedToken) -> Option<String> {
    #[derive(Deserialize)]
    struct Iss<'a> {
        #[serde(borrow, default)]
        iss: Option<Cow<'a, str>>,
    }
    // Escaped and cut as the `iss` of a token refused before it was verified: a
    // verified token's claims are its issuer's word, not the log's.
    serde_json::from_str::<Iss<'_>>(token.claims_json())
        .ok()
        .and_then(|claims| claims.iss)
        .map(|iss| escaped(&iss, NAMED_MAX))
}

/// Why the claims do not deserialize into `C`, naming the field and what was expected
/// and leaving out what the token holds (it may be personal data):
/// "`age`: invalid type: string, expected u32". The claim's name stays; below it, the
/// keys of a map come from the token, so the path names fields by position only
/// (`prefs.*`); a message that is not one of serde's own (a type's custom check, which
/// may quote its input) is replaced.
pub(crate) fn claims_error<C: DeserializeOwned>(token: &VerifiedToken) -> Option<String> {
    let deserializer = &mut serde_json::Deserializer::from_str(token.claims_json());
    let error = serde_path_to_error::deserialize::<_, C>(deserializer).err()?;
    let path = path_without_keys(error.path());
    let message = without_values(&error.into_inner().to_string());
    Some(match path.as_str() {
        "" => message,
        path => format!("`{path}`: {message}"),
    })
}

/// The path to the error, its first key (the claim's name) as it is and every other key
/// as `*`: a struct's field and a map's key look alike here, and a map's keys are the
/// token's (an email, a tenant).
fn path_without_keys(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut written = String::new();
    for (at, segment) in path.iter().enumerate() {
        match segment {
            Segment::Seq { index } => written.push_str(&format!("[{index}]")),
            Segment::Map { key } if at == 0 => written.push_str(key),
            Segment::Map { .. } | Segment::Enum { .. } | Segment::Unknown => {
                if !written.is_empty() {
                    written.push('.');
                }
                written.push('*');
            }
        }
    }
    written
}

/// serde's message without the value it quotes: "invalid type: integer `42`, expected
/// a string" → "invalid type: integer, expected a string"; "unknown variant `x`,
/// expected one of …" → "unknown variant, expected one of …"; "unknown field `x`, …" →
/// "unknown field, …" (its name is the token's). Field names the type expects ("missing
/// field `sub`") stay. Any other message (a type's own `Deserialize`, which may quote its
/// input) is not written at all.
fn without_values(message: &str) -> String {
    // serde_json adds where in the text the error is: not needed here.
    let message = match message.rfind(" at line ") {
        Some(at) => &message[..at],
        None => message,
    };
    let (head, tail) = match message.find(", expected") {
        Some(at) => message.split_at(at),
        None => (message, ""),
    };
    let valued = [
        "invalid type: ",
        "invalid value: ",
        "unknown variant",
        "unknown field",
        "invalid length ",
    ];
    if !valued.iter().any(|prefix| head.starts_with(prefix)) {
        // serde's own messages that quote nothing of the token.
        let plain = [
            "missing field `",
            "duplicate field `",
            "data did not match any variant of untagged enum ",
            "number out of range",
            "recursion limit exceeded",
        ];
        return match plain.iter().any(|prefix| message.starts_with(prefix)) {
            true => message.to_owned(),
            false => "the type's own check refused the value (its message is left out: it may \
                      quote the value)"
                .to_owned(),
        };
    }
    let cut = head.find([' ', '`', '"']).map_or(head.len(), |first| {
        // Keep the kind ("invalid type: integer"), drop the quoted value after it.
        match head[first..].find(['`', '"']) {
            Some(quote) => first + quote,
            None => head.len(),
        }
    });
    format!("{}{tail}", head[..cut].trim_end())
}

#[cfg(test)]
mod tests {
    use super::without_values;

    /// Each reason has a static counter (a code missing from `refusal_counters!` would
    /// allocate its key on every refusal).
    #[cfg(feature = "metrics")]
    #[test]
    fn every_code_has_its_counter() {
        use crate::error::{DpopError as D, TokenError as E};
        use crate::http::bearer::InvalidRequest;
        use crate::http::refusal::AuthRejection as R;
        use crate::table::Authentication;
        let tokens = [
            E::Malformed,
            E::AlgorithmNotAllowed,
            E::UnknownKey,
            E::BadSignature,
            E::Expired,
            E::NotYetValid,
            E::MissingClaim("exp"),
            E::InvalidClaim("exp"),
            E::DuplicateClaim,
            E::WrongIssuer,
            E::WrongAudience,
            E::InvalidScopeClaim,
            E::ClaimsMismatch,
            E::NotAnAccessToken,
            E::RequiredClaim,
            E::Inactive,
            E::NotBearer,
            E::IntrospectionFailed,
            E::UnreadableIntrospection,
            E::KeysUnavailable,
            E::KeyBinding,
        ];
        let proofs = [
            D::Missing,
            D::Multiple,
            D::Malformed,
            D::Type,
            D::Algorithm,
            D::Key,
            D::Signature,
            D::Method,
            D::Uri,
            D::IssuedAt,
            D::Id,
            D::TokenHash,
            D::Replayed,
            D::ReplayCheckFailed,
            D::TooManyProofs,
        ];
        let mut reasons = vec![
            R::MissingCredentials,
            R::InvalidRequest(InvalidRequest::MultipleCredentials),
            R::InvalidRequest(InvalidRequest::MalformedAuthorization),
            R::InsufficientScope,
            R::InsufficientUserAuthentication(Authentication::NONE),
            R::UseDpopNonce,
        ];
        // `invalid_token.<TokenError::code>`, always.
        for why in tokens {
            assert_eq!(
                R::InvalidToken(why).code(),
                format!("invalid_token.{}", why.code())
            );
        }
        reasons.extend(tokens.map(R::InvalidToken));
        for why in proofs {
            assert_eq!(
                R::InvalidDpopProof(why).code(),
                format!("invalid_dpop_proof.{}", why.code())
            );
        }
        reasons.extend(proofs.map(R::InvalidDpopProof));
        let mut codes: Vec<&str> = reasons.iter().map(R::code).collect();
        codes.sort_unstable();
        codes.extend([
            super::MCP_FOREIGN_SESSION,
            super::MCP_UNKNOWN_SESSION,
            super::MCP_UNDECLARED_TOOL,
            super::MCP_UNDECLARED_PROMPT,
            super::MCP_UNDECLARED_RESOURCE,
            super::MCP_INVALID_RESOURCE_URI,
            super::MCP_UNKNOWN_METHOD,
        ]);
        codes.sort_unstable();
        let mut listed = super::CODES.to_vec();
        listed.sort_unstable();
        assert_eq!(codes, listed);
    }

    #[test]
    fn values_are_left_out_of_serde_messages() {
        for (message, expected) in [
            (
                "invalid type: integer `42`, expected a string at line 1 column 9",
                "invalid type: integer, expected a string",
            ),
            (
                r#"invalid type: string "alice@example.com", expected u32 at line 1 column 30"#,
                "invalid type: string, expected u32",
            ),
            (
                "unknown variant `root`, expected `user` or `guest`",
                "unknown variant, expected `user` or `guest`",
            ),
            (
                "invalid type: map, expected a string",
                "invalid type: map, expected a string",
            ),
            ("missing field `sub`", "missing field `sub`"),
            (
                "unknown field `alice@example.com`, expected `sub` or `name`",
                "unknown field, expected `sub` or `name`",
            ),
            (
                "not an email address: alice-at-example.com",
                "the type's own check refused the value (its message is left out: it may quote the value)",
            ),
            (
                "invalid length 3, expected an array of length 2",
                "invalid length 3, expected an array of length 2",
            ),
        ] {
            assert_eq!(without_values(message), expected);
        }
    }
}
