//! One pass over a token's claims: time claims, issuer, audience and scopes, without
//! building a JSON tree (jsonwebtoken's own path parses the claims twice more).

use std::borrow::Cow;

use super::issuer::TenantTemplate;
use super::json::{Reader, Syntax};

use crate::error::{ConfigError, TokenError};

/// What the configuration requires of the claims.
pub(crate) struct Rules<'a> {
    pub(crate) issuers: &'a [Box<str>],
    /// Issuer templates filled with `tid`, tried when `iss` is none of `issuers`.
    pub(crate) tenants: &'a [TenantTemplate],
    pub(crate) audiences: &'a [Box<str>],
    pub(crate) scope_claims: &'a ClaimPaths,
    pub(crate) required: &'a RequiredClaims,
    /// An introspection answer (RFC 7662), not a JWT's claims: FastAPI's `scopes` is
    /// then read as any other scope claim ([`array_only`] is for the tokens FastAPI
    /// mints).
    pub(crate) introspected: bool,
}

/// Claims that must hold a configured value (`require_claim`): each name with the
/// values any one of which it must hold, as a string or in an array of strings.
#[derive(Debug, Default)]
pub(crate) struct RequiredClaims {
    /// The names, each once, with their accepted values; the pass sets bit `i` of
    /// [`Found::required`] when claim `i` holds one.
    claims: Box<[(Box<str>, Values)]>,
    /// The registered string claims that may be required (`sub`, `client_id`, `jti`,
    /// which the pass reads anyway): their index in `claims`.
    registered: [Option<u8>; 3],
    /// The others, in the order of `claims`: their index there. Each is a bit of the
    /// pass's duplicate check, after the scope claims.
    others: Box<[u8]>,
}

/// The values a required claim may hold.
type Values = Box<[Box<str>]>;

/// The registered claims a value may be required of, each at its place in
/// [`REGISTERED`] (bits 5, 6 and 7).
const REQUIRABLE: [&str; 3] = ["sub", "client_id", "jti"];

/// The most claims whose value can be required.
pub(crate) const MAX_REQUIRED_CLAIMS: usize = 16;

impl RequiredClaims {
    /// The requirements, for a refusal's event: `` `typ` = `Bearer`; `azp` = `a` or `b` ``
    /// (the configured values, written to logs: a value required of `sub` is a user's
    /// id there).
    pub(crate) fn describe(&self) -> String {
        let mut out = String::new();
        for (name, values) in &self.claims {
            if !out.is_empty() {
                out.push_str("; ");
            }
            out.push_str(&format!("`{name}` = "));
            let values: Vec<String> = values.iter().map(|value| format!("`{value}`")).collect();
            out.push_str(&values.join(" or "));
        }
        out
    }

    /// The configured `(name, value)` pairs; a name given again accepts one more value.
    pub(crate) fn new(
        pairs: &[(String, String)],
        scope_claims: &ClaimPaths,
    ) -> Result<Self, ConfigError> {
        let mut claims: Vec<(Box<str>, Vec<Box<str>>)> = Vec::new();
        for (name, value) in pairs {
            let refused = |why| ConfigError::RequiredClaim {
                claim: name.clone(),
                why,
            };
            if name.is_empty() || name.starts_with('/') {
                return Err(refused(
                    "a top-level claim is named as written, not as a JSON Pointer",
                ));
            }
            if REGISTERED.contains(&name.as_str()) && !REQUIRABLE.contains(&name.as_str()) {
                return Err(refused(
                    "it is checked by its own setting (issuer, audience, leeway, step-up, DPoP)",
                ));
            }
            if scope_claims.root(name).is_some() {
                return Err(refused(
                    "scopes are read from it; require scopes with `#[requires_scopes]`",
                ));
            }
            match claims.iter_mut().find(|(known, _)| **known == **name) {
                Some((_, values)) => values.push(value.as_str().into()),
                None => claims.push((name.as_str().into(), vec![value.as_str().into()])),
            }
        }
        let others = (0..claims.len())
            .filter(|&i| !REQUIRABLE.contains(&&*claims[i].0))
            .map(|i| i as u8);
        let others: Box<[u8]> = others.collect();
        if claims.len() > MAX_REQUIRED_CLAIMS
            || REGISTERED.len() + scope_claims.roots() + others.len() > 64
        {
            return Err(ConfigError::TooManyRequiredClaims);
        }
        let mut registered = [None; 3];
        for (slot, name) in registered.iter_mut().zip(REQUIRABLE) {
            *slot = claims
                .iter()
                .position(|(n, _)| **n == *name)
                .map(|i| i as u8);
        }
        Ok(Self {
            claims: claims
                .into_iter()
                .map(|(name, values)| (name, values.into()))
                .collect(),
            registered,
            others,
        })
    }

    /// The bits of the claims' pass its other claims take, after the scope claims.
    pub(crate) fn bits(&self) -> usize {
        self.others.len()
    }

    /// The bit of [`Found::required`] that `value` of the top-level claim `key` (one of
    /// the others) sets: 0 when it is not required, or `value` not accepted.
    fn other_bit(&self, key: &str, value: &str) -> u16 {
        let Some(place) = self.other(key) else {
            return 0;
        };
        let i = usize::from(self.others[place]);
        match self.claims[i].1.iter().any(|v| **v == *value) {
            true => 1 << i,
            false => 0,
        }
    }

    /// Every claim's bit: what [`Found::required`] must be.
    pub(crate) fn all(&self) -> u16 {
        ((1u32 << self.claims.len()) - 1) as u16
    }

    /// The place among the others of the top-level member `key`, if it is one.
    fn other(&self, key: &str) -> Option<usize> {
        self.others
            .iter()
            .position(|&i| *self.claims[usize::from(i)].0 == *key)
    }

    /// Whether `value` of registered claim `REQUIRABLE[at]` is accepted, as a bit of
    /// [`Found::required`] (0 when it is not required, or not accepted).
    fn registered_bit(&self, at: usize, value: &str) -> u16 {
        match self.registered[at] {
            Some(i) if self.claims[usize::from(i)].1.iter().any(|v| **v == *value) => 1 << i,
            _ => 0,
        }
    }
}

/// The deepest scope claim path read (members from the top of the claims).
const MAX_DEPTH: usize = 8;

/// Where scopes are read: the configured paths of member names from the top of the
/// claims (`["scope"]`, `["realm_access", "roles"]`), none a prefix of another, as a
/// tree. Node 0 is the top of the claims; every other node is a member along a path,
/// with the members that lead on from it, or none where a path ends (its value holds
/// scopes). The top's members, in order, are each a bit of the pass's duplicate check.
#[derive(Debug)]
pub(crate) struct ClaimPaths {
    nodes: Box<[Node]>,
}

/// A member along the scope claim paths: the members that lead on, each with its node;
/// where a path ends, whether its value must be an array.
#[derive(Debug, Default)]
struct Node {
    next: Vec<(Box<str>, usize)>,
    array_only: bool,
    delimited: bool,
}

/// Whether the scope claim at `path` must hold an array of strings, a space-delimited
/// string being refused: FastAPI's `scopes`, which its tutorial's `TokenData` reads as
/// `List[str]` (a string there is "Could not validate credentials"). Every other claim
/// may hold either, as providers write them: `scope` a string (RFC 8693 §4.2), `scp` a
/// string (Entra ID) or an array (Okta), roles and groups arrays, or a string where a
/// mapper writes one value ([`delimited`]: one name, not split).
fn array_only(path: &[Box<str>]) -> bool {
    matches!(path, [name] if **name == *"scopes")
}

/// Whether a string in the scope claim at `path` is a space-delimited list: `scope`
/// (RFC 6749 §3.3, RFC 8693 §4.2, RFC 9068, RFC 7662), `scp` (Entra ID) and `scopes`
/// (where a string is read at all: in an introspection answer). A string in any other
/// claim (roles, groups, permissions, a nested path) is one value, as a mapper writes a
/// single one: a role `Shop Admin` is one name (left out, as it holds a space), never
/// the two names `Shop` and `Admin`.
fn delimited(path: &[Box<str>]) -> bool {
    matches!(path, [name] if ["scope", "scp", "scopes"].contains(&&**name))
}

impl ClaimPaths {
    /// Reads the configured claims: a name as written, or a JSON Pointer (RFC 6901) when
    /// it starts with `/`.
    pub(crate) fn new(claims: &[String]) -> Result<Self, ConfigError> {
        if claims.is_empty() {
            return Err(ConfigError::NoScopeClaims);
        }
        let mut paths: Vec<Box<[Box<str>]>> = Vec::with_capacity(claims.len());
        for claim in claims {
            let invalid = || ConfigError::InvalidScopeClaimPath(claim.clone());
            let path: Vec<Box<str>> = match claim.strip_prefix('/') {
                None => {
                    warn_if_path_like(claim);
                    vec![claim.as_str().into()]
                }
                Some(pointer) => pointer
                    .split('/')
                    .map(|segment| unescape(segment).ok_or_else(invalid))
                    .collect::<Result<_, _>>()?,
            };
            if path.len() > MAX_DEPTH {
                return Err(invalid());
            }
            if REGISTERED.contains(&&*path[0]) {
                return Err(ConfigError::RegisteredScopeClaim(path[0].to_string()));
            }
            // The same path twice, or one leading into another: one claim cannot be both
            // a list of scopes and an object holding one.
            if paths.iter().any(|other| {
                let shorter = other.len().min(path.len());
                other[..shorter] == path[..shorter]
            }) {
                return Err(invalid());
            }
            paths.push(path.into());
        }
        let mut nodes = vec![Node::default()];
        for path in &paths {
            let mut node = 0;
            for name in path.iter() {
                node = match nodes[node].next.iter().find(|(next, _)| next == name) {
                    Some(&(_, next)) => next,
                    None => {
                        nodes.push(Node::default());
                        let next = nodes.len() - 1;
                        nodes[node].next.push((name.clone(), next));
                        next
                    }
                };
            }
            nodes[node].array_only = array_only(path);
            nodes[node].delimited = delimited(path);
        }
        if nodes[0].next.len() > MAX_SCOPE_CLAIMS || paths.len() > 64 {
            return Err(ConfigError::TooManyScopeClaims);
        }
        Ok(Self {
            nodes: nodes.into(),
        })
    }

    /// Why `claims` (a token's, nobody vouched for) hold a scope claim the reader
    /// refuses ([`TokenError::InvalidScopeClaim`]), for a refusal's event: the claim as
    /// configured and the JSON type found there, never a value; none when each fits.
    pub(crate) fn misfit(&self, claims: &serde_json::Value) -> Option<String> {
        self.misfit_at(0, claims, &mut Vec::new())
    }

    fn misfit_at<'a>(
        &'a self,
        node: usize,
        value: &serde_json::Value,
        path: &mut Vec<&'a str>,
    ) -> Option<String> {
        use serde_json::Value;
        let Node {
            next,
            array_only,
            delimited,
        } = &self.nodes[node];
        if next.is_empty() {
            let fits = match value {
                Value::String(_) => !array_only,
                Value::Array(items) => items.iter().all(Value::is_string),
                _ => false,
            };
            let expected = match (array_only, delimited) {
                (true, _) => "an array of strings",
                (false, true) => "a space-delimited string or an array of strings",
                (false, false) => "a string or an array of strings",
            };
            return (!fits).then(|| {
                format!(
                    "scope claim `{}`: {}, expected {expected}",
                    shown(path),
                    kind(value)
                )
            });
        }
        let Value::Object(members) = value else {
            return Some(format!(
                "scope claim `{}/…`: {} where an object leads on to scopes",
                pointer(path),
                kind(value)
            ));
        };
        for (name, next) in next {
            if let Some(member) = members.get(&**name) {
                path.push(name);
                if let Some(why) = self.misfit_at(*next, member, path) {
                    return Some(why);
                }
                path.pop();
            }
        }
        None
    }

    /// How many top-level members lead to scopes.
    pub(crate) fn roots(&self) -> usize {
        self.nodes[0].next.len()
    }

    /// The top-level member `key` leads to scopes: its place among those members.
    pub(crate) fn root(&self, key: &str) -> Option<usize> {
        self.nodes[0]
            .next
            .iter()
            .position(|(name, _)| **name == *key)
    }
}

/// A JSON Pointer reference token, unescaped (`~1` is `/`, `~0` is `~`); `None` for
/// another `~`.
/// A scope claim's name that reads like a path to a nested claim (`realm_access.roles`,
/// `resource_access/api/roles`): it is taken as one top-level claim of that name, which
/// no provider writes, so that no token would grant anything; warned about when the
/// verifier is built. A URL (Auth0's namespaced claims, `https://example.com/roles`) is
/// a name.
fn warn_if_path_like(name: &str) {
    if name.contains("://") || !(name.contains('.') || name.contains('/')) {
        return;
    }
    let pointer = format!("/{}", name.replace('.', "/"));
    tracing::warn!(
        "the scope claim `{name}` is read as one top-level claim of that name; a nested \
         claim is written as a JSON Pointer, from the top: `{pointer}`"
    );
}

/// A scope claim's path as configured: its name, or a JSON Pointer for a nested one.
fn shown(path: &[&str]) -> String {
    match path {
        [name] => (*name).to_owned(),
        _ => pointer(path),
    }
}

/// `path` as a JSON Pointer (RFC 6901).
fn pointer(path: &[&str]) -> String {
    path.iter()
        .map(|name| format!("/{}", name.replace('~', "~0").replace('/', "~1")))
        .collect()
}

/// A JSON value's type, as an event names it (never the value).
fn kind(value: &serde_json::Value) -> &'static str {
    use serde_json::Value;
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array holding other than strings",
        Value::Object(_) => "an object",
    }
}

fn unescape(segment: &str) -> Option<Box<str>> {
    if !segment.contains('~') {
        return Some(segment.into());
    }
    let mut out = String::with_capacity(segment.len());
    let mut chars = segment.chars();
    while let Some(c) = chars.next() {
        match c {
            '~' => match chars.next() {
                Some('0') => out.push('~'),
                Some('1') => out.push('/'),
                _ => return None,
            },
            c => out.push(c),
        }
    }
    Some(out.into())
}

/// What the pass found.
pub(crate) struct Found {
    pub(crate) exp: Option<f64>,
    pub(crate) nbf: Option<f64>,
    /// Present, and whether it is one of the configured issuers.
    pub(crate) issuer_matches: Option<bool>,
    /// Present, and whether it contains one of the configured audiences.
    pub(crate) audience_matches: Option<bool>,
    /// `sub`, `client_id`, `iat` and `jti` are present (RFC 9068 §2.2).
    pub(crate) sub: bool,
    pub(crate) client_id: bool,
    /// `iat`: when the token was issued (a token issued in the future is refused).
    pub(crate) iat: Option<f64>,
    pub(crate) jti: bool,
    /// `acr` (OpenID Connect; RFC 9470's step-up), where it is in the claims.
    pub(crate) acr: Acr,
    /// `auth_time`: when the user last authenticated actively.
    pub(crate) auth_time: Option<f64>,
    /// `cnf` is present: the token is bound to a key (RFC 7800, RFC 9449).
    pub(crate) cnf: bool,
    /// `cnf.jkt`: the thumbprint of the key it is bound to (RFC 9449 §6.1).
    pub(crate) jkt: Option<Box<str>>,
    /// The required claims that hold an accepted value, a bit each
    /// ([`RequiredClaims`]).
    pub(crate) required: u16,
}

/// Where a token's `acr` is: a byte range of the claims' JSON (a string without
/// escapes reads as written), or, with escapes, the string itself.
#[derive(Debug, Clone, Default)]
pub(crate) enum Acr {
    #[default]
    Absent,
    At(usize, usize),
    Owned(Box<str>),
}

/// Scope names appended to a string the caller provides, joined with single spaces
/// (never longer than the claims that list them, so room as long as the claims means
/// no reallocation).
struct Scopes<'s> {
    out: &'s mut String,
    start: usize,
}

impl Scopes<'_> {
    /// Appends `name`, after a space unless it is the first.
    fn push(&mut self, name: &str) {
        if self.out.len() > self.start {
            self.out.push(' ');
        }
        self.out.push_str(name);
    }
}

/// Reads the claims `text` once: the registered claims into `Found`, the granted scope
/// names appended to `out` (space-delimited, as the scope claims list them).
///
/// A member this pass reads that appears twice is refused ([`TokenError::DuplicateClaim`]),
/// and so is `iss` that is not a single string (RFC 7519 §4, §4.1.1).
pub(crate) fn read(text: &str, rules: &Rules<'_>, out: &mut String) -> Result<Found, TokenError> {
    let mut found = Found {
        exp: None,
        nbf: None,
        issuer_matches: None,
        audience_matches: None,
        sub: false,
        client_id: false,
        iat: None,
        jti: false,
        acr: Acr::Absent,
        auth_time: None,
        cnf: false,
        jkt: None,
        required: 0,
    };
    let mut scopes = Scopes {
        start: out.len(),
        out,
    };
    let mut reader = Reader::new(text);
    let malformed = |_| TokenError::Malformed;
    let mut members = reader.object().map_err(malformed)?;
    // Bits 0..11: `REGISTERED`; the scope claims from bit 11, then the other required
    // claims (64 bits in all, which the builder checks).
    let mut seen: u64 = 0;
    let roots = rules.scope_claims.roots();
    let required = rules.required;
    // With issuer templates, `tid` (the tenant id that fills them in) takes the bit
    // after the other required claims, and `iss`, when no issuer is it exactly, is kept
    // for the templates; both are compared once the pass is done.
    let tid_bit = (!rules.tenants.is_empty()).then(|| REGISTERED.len() + roots + required.bits());
    let (mut tenant_iss, mut tid) = (None, None);
    while let Some(key) = reader.key(&mut members).map_err(malformed)? {
        let bit = REGISTERED
            .iter()
            .position(|claim| *claim == &*key)
            .or_else(|| {
                let root = rules.scope_claims.root(&key)?;
                Some(REGISTERED.len() + root)
            })
            .or_else(|| tid_bit.filter(|_| *key == *"tid"))
            .or_else(|| Some(REGISTERED.len() + roots + required.other(&key)?));
        let Some(bit) = bit else {
            reader.skip().map_err(malformed)?;
            continue;
        };
        if seen & (1 << bit) != 0 {
            return Err(TokenError::DuplicateClaim);
        }
        seen |= 1 << bit;
        // Dispatched on the bit found above: each key is compared once.
        let read = match bit {
            0 => numeric_date(&mut reader).map(|n| found.exp = Some(n)),
            1 => numeric_date(&mut reader).map(|n| found.nbf = Some(n)),
            2 => reader.string().map(|iss| {
                let exact = rules.issuers.iter().any(|i| **i == *iss);
                found.issuer_matches = Some(exact);
                if !exact && !rules.tenants.is_empty() {
                    tenant_iss = Some(iss);
                }
            }),
            3 => any_of(&mut reader, rules.audiences).map(|m| found.audience_matches = Some(m)),
            // Their presence (RFC 9068's required claims) and their types (RFC 7519
            // §4.1: a NumericDate, strings); their values are the application's
            // business, but an empty string names no subject, client or token: absent.
            4 => numeric_date(&mut reader).map(|n| found.iat = Some(n)),
            5..=7 => reader.string().map(|value| {
                found.required |= required.registered_bit(bit - 5, &value);
                let present = !value.is_empty();
                match bit {
                    5 => found.sub = present,
                    6 => found.client_id = present,
                    _ => found.jti = present,
                }
            }),
            8 => reader.string().map(|acr| {
                found.acr = match acr {
                    Cow::Borrowed(text) => {
                        let start = text.as_ptr() as usize - reader.text().as_ptr() as usize;
                        Acr::At(start, start + text.len())
                    }
                    Cow::Owned(text) => Acr::Owned(text.into()),
                }
            }),
            9 => numeric_date(&mut reader).map(|n| found.auth_time = Some(n)),
            // A confirmation (RFC 7800): the token is bound to a key (DPoP, mTLS).
            10 => confirmation(&mut reader).map(|jkt| {
                found.cnf = true;
                found.jkt = jkt;
            }),
            bit if Some(bit) == tid_bit => reader.string().map(|value| {
                found.required |= required.other_bit("tid", &value);
                tid = Some(value);
            }),
            bit if bit < REGISTERED.len() + roots => {
                let nodes = &rules.scope_claims.nodes;
                let node = nodes[0].next[bit - REGISTERED.len()].1;
                nested(&mut reader, nodes, node, !rules.introspected, &mut scopes)
            }
            bit => {
                let i = usize::from(required.others[bit - REGISTERED.len() - roots]);
                any_of(&mut reader, &required.claims[i].1).map(|holds| {
                    if holds {
                        found.required |= 1 << i;
                    }
                })
            }
        };
        read.map_err(|Syntax| match bit {
            0 => TokenError::InvalidClaim("exp"),
            1 => TokenError::InvalidClaim("nbf"),
            2 => TokenError::InvalidClaim("iss"),
            3 => TokenError::WrongAudience,
            4 => TokenError::InvalidClaim("iat"),
            5 => TokenError::InvalidClaim("sub"),
            6 => TokenError::InvalidClaim("client_id"),
            7 => TokenError::InvalidClaim("jti"),
            8 => TokenError::InvalidClaim("acr"),
            9 => TokenError::InvalidClaim("auth_time"),
            10 => TokenError::InvalidClaim("cnf"),
            bit if bit < REGISTERED.len() + roots => TokenError::InvalidScopeClaim,
            bit if Some(bit) == tid_bit => TokenError::InvalidClaim("tid"),
            // Neither a string nor an array of strings: it holds no accepted value.
            _ => TokenError::RequiredClaim,
        })?;
    }
    reader.end().map_err(malformed)?;
    // `iss` is one of the templates filled with this token's own tenant id.
    if let Some(iss) = tenant_iss {
        let filled = |tid: &str| rules.tenants.iter().any(|t| t.matches(&iss, tid));
        found.issuer_matches = Some(tid.as_deref().is_some_and(filled));
    }
    Ok(found)
}

/// The most scope claims a verifier reads (one bit each beside `REGISTERED`).
pub(crate) const MAX_SCOPE_CLAIMS: usize = 64 - REGISTERED.len();

/// The registered claims this pass reads, each a bit of the members seen so far.
pub(crate) const REGISTERED: [&str; 11] = [
    "exp",
    "nbf",
    "iss",
    "aud",
    "iat",
    "sub",
    "client_id",
    "jti",
    "acr",
    "auth_time",
    "cnf",
];

/// The `iss` claim alone, read to route a token to its trusted issuer before its
/// signature is checked: one string, given once, as the full pass requires it.
pub(crate) fn issuer(json: &[u8]) -> Result<String, TokenError> {
    let text = core::str::from_utf8(json).map_err(|_| TokenError::Malformed)?;
    let mut reader = Reader::new(text);
    let malformed = |_| TokenError::Malformed;
    let mut members = reader.object().map_err(malformed)?;
    let mut iss = None;
    while let Some(key) = reader.key(&mut members).map_err(malformed)? {
        if *key != *"iss" {
            reader.skip().map_err(malformed)?;
            continue;
        }
        if iss.is_some() {
            return Err(TokenError::DuplicateClaim);
        }
        let value = reader
            .string()
            .map_err(|_| TokenError::InvalidClaim("iss"))?;
        iss = Some(value.into_owned());
    }
    reader.end().map_err(malformed)?;
    iss.ok_or(TokenError::MissingClaim("iss"))
}

/// A NumericDate: a non-negative, finite JSON number.
fn numeric_date(reader: &mut Reader<'_>) -> Result<f64, Syntax> {
    match reader.number()? {
        n if n.is_finite() && n >= 0.0 => Ok(n),
        _ => Err(Syntax),
    }
}

/// `aud`, or a required claim: a string or an array of strings; whether any is one of
/// `wanted`.
fn any_of(reader: &mut Reader<'_>, wanted: &[Box<str>]) -> Result<bool, Syntax> {
    let one = |value: &str| wanted.iter().any(|wanted| **wanted == *value);
    if reader.peek() != Some(b'[') {
        return reader.string().map(|value| one(&value));
    }
    let mut elements = reader.array()?;
    let mut matches = false;
    while reader.element(&mut elements)? {
        matches |= one(&reader.string()?);
    }
    Ok(matches)
}

/// The value of the member at `node` of the scope claim paths: the scopes, when a path
/// ends there; else an object whose members lead on along the paths. A member along a
/// path that appears twice is refused, like a top-level claim. `shaped`: a claim's
/// shape is checked where its path says so ([`array_only`]).
fn nested(
    reader: &mut Reader<'_>,
    nodes: &[Node],
    node: usize,
    shaped: bool,
    scopes: &mut Scopes<'_>,
) -> Result<(), Syntax> {
    let next = &nodes[node].next;
    if next.is_empty() {
        let Node {
            array_only,
            delimited,
            ..
        } = nodes[node];
        return scope_claim(reader, scopes, shaped && array_only, delimited);
    }
    // The members that lead on, by place: at most 64, which the builder checks.
    let mut seen: u64 = 0;
    let mut members = reader.object()?;
    while let Some(key) = reader.key(&mut members)? {
        let Some(index) = next.iter().position(|(name, _)| **name == *key) else {
            reader.skip()?;
            continue;
        };
        if seen & (1 << index) != 0 {
            return Err(Syntax);
        }
        seen |= 1 << index;
        nested(reader, nodes, next[index].1, shaped, scopes)?;
    }
    Ok(())
}

/// One scope claim: `"a b c"` (unless `array_only`; a list only where `delimited`,
/// else one name) or `["a", "b", "c"]`, its names appended to `scopes`. A name that is
/// not an RFC 6749 §3.3 scope-token (empty, or with a space, `"`, `\` or a character
/// outside printable ASCII) is left out: no table can declare it, and with a space it
/// could not be told apart from two names once joined.
fn scope_claim(
    reader: &mut Reader<'_>,
    scopes: &mut Scopes<'_>,
    array_only: bool,
    delimited: bool,
) -> Result<(), Syntax> {
    let mut push = |name: &str| {
        let nqchar = |b: u8| b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b);
        if !name.is_empty() && name.bytes().all(nqchar) {
            scopes.push(name);
        }
    };
    if reader.peek() != Some(b'[') {
        if array_only {
            return Err(Syntax);
        }
        let text = reader.string()?;
        match delimited {
            true => text.split(' ').for_each(push),
            false => push(&text),
        }
        return Ok(());
    }
    let mut elements = reader.array()?;
    while reader.element(&mut elements)? {
        push(&reader.string()?);
    }
    Ok(())
}

/// `cnf` (RFC 7800): an object; its `jkt` (a string, given once) when present.
fn confirmation(reader: &mut Reader<'_>) -> Result<Option<Box<str>>, Syntax> {
    let mut jkt = None;
    let mut members = reader.object()?;
    while let Some(key) = reader.key(&mut members)? {
        if *key != *"jkt" {
            reader.skip()?;
            continue;
        }
        if jkt.is_some() {
            return Err(Syntax);
        }
        jkt = Some(reader.string()?.into());
    }
    Ok(jkt)
}
