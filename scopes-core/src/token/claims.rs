//! One pass over a token's claims: time claims, issuer, audience and scopes, without
//! building a JSON tree (jsonwebtoken's own path parses the claims twice more).

use core::fmt;
use std::borrow::Cow;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::error::{ConfigError, TokenError};

/// A JSON string, borrowed from the input unless it has escapes. (serde's own
/// `Cow<str>` always allocates; a `&str` fails on escapes.)
pub(crate) struct Text<'de>(pub(crate) Cow<'de, str>);

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

/// What the configuration requires of the claims.
pub(crate) struct Rules<'a> {
    pub(crate) issuers: &'a [Box<str>],
    pub(crate) audiences: &'a [Box<str>],
    pub(crate) scope_claims: &'a ClaimPaths,
}

/// The deepest scope claim path read (members from the top of the claims).
const MAX_DEPTH: usize = 8;

/// Where scopes are read: each a path of member names from the top of the claims
/// (`["scope"]`, `["realm_access", "roles"]`), none a prefix of another; and the
/// distinct top-level names, in order, each a bit of the pass's duplicate check.
#[derive(Debug)]
pub(crate) struct ClaimPaths {
    paths: Box<[Box<[Box<str>]>]>,
    roots: Box<[Box<str>]>,
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
                None => vec![claim.as_str().into()],
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
        let mut roots: Vec<Box<str>> = Vec::new();
        for path in &paths {
            if !roots.contains(&path[0]) {
                roots.push(path[0].clone());
            }
        }
        if roots.len() > MAX_SCOPE_CLAIMS || paths.len() > 64 {
            return Err(ConfigError::TooManyScopeClaims);
        }
        Ok(Self {
            paths: paths.into(),
            roots: roots.into(),
        })
    }
}

/// A JSON Pointer reference token, unescaped (`~1` is `/`, `~0` is `~`); `None` for
/// another `~`.
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
pub(crate) struct Found<'s> {
    pub(crate) exp: Option<f64>,
    pub(crate) nbf: Option<f64>,
    /// Present, and whether it is one of the configured issuers.
    pub(crate) issuer_matches: Option<bool>,
    /// Present, and whether it contains one of the configured audiences.
    pub(crate) audience_matches: Option<bool>,
    /// `sub`, `client_id`, `iat` and `jti` are present (RFC 9068 §2.2).
    pub(crate) sub: bool,
    pub(crate) client_id: bool,
    pub(crate) iat: bool,
    pub(crate) jti: bool,
    /// The granted scope names, space-delimited, as the scope claims list them.
    pub(crate) scopes: Scopes<'s>,
    /// `acr` (OpenID Connect; RFC 9470's step-up), where it is in the claims.
    pub(crate) acr: Acr,
    /// `auth_time`: when the user last authenticated actively.
    pub(crate) auth_time: Option<f64>,
    /// `cnf` is present: the token is bound to a key (RFC 7800, RFC 9449).
    pub(crate) cnf: bool,
    /// `cnf.jkt`: the thumbprint of the key it is bound to (RFC 9449 §6.1).
    pub(crate) jkt: Option<Box<str>>,
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

/// Scope names written into a region the caller provides (no allocation): joined with
/// single spaces, they are never longer than the claims that list them, so a region
/// as long as the claims always has room.
pub(crate) struct Scopes<'s> {
    region: &'s mut [u8],
    len: usize,
}

impl Scopes<'_> {
    /// The length written.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Appends `name`, after a space unless it is the first; `false` when the region
    /// is full (which a region as long as the claims rules out).
    fn push(&mut self, name: &str) -> bool {
        let space = usize::from(self.len > 0);
        let end = self.len + space + name.len();
        let Some(target) = self.region.get_mut(self.len..end) else {
            return false;
        };
        if space == 1 {
            target[0] = b' ';
        }
        target[space..].copy_from_slice(name.as_bytes());
        self.len = end;
        true
    }
}

/// Reads `json` once: the registered claims into `Found`, the scope names into
/// `region` (at least as long as `json`). Bytes that are not UTF-8 anywhere, in a member
/// the pass reads or one it skips, are no JSON (RFC 8259 §8.1): [`TokenError::Malformed`].
///
/// A member this pass reads that appears twice is refused ([`TokenError::DuplicateClaim`]),
/// and so is `iss` that is not a single string (RFC 7519 §4, §4.1.1).
pub(crate) fn read<'s>(
    json: &[u8],
    rules: &Rules<'_>,
    region: &'s mut [u8],
) -> Result<Found<'s>, TokenError> {
    let mut found = Found {
        exp: None,
        nbf: None,
        issuer_matches: None,
        audience_matches: None,
        sub: false,
        client_id: false,
        iat: false,
        jti: false,
        scopes: Scopes { region, len: 0 },
        acr: Acr::Absent,
        auth_time: None,
        cnf: false,
        jkt: None,
    };
    let mut problem = None;
    // Checked as UTF-8 whole, first: serde_json then reads each string without checking
    // it again.
    let text = core::str::from_utf8(json).map_err(|_| TokenError::Malformed)?;
    let mut de = serde_json::Deserializer::from_str(text);
    let visitor = ClaimsVisitor {
        rules,
        found: &mut found,
        problem: &mut problem,
        json: json.as_ptr_range(),
    };
    de.deserialize_map(visitor)
        .and_then(|()| de.end())
        .map_err(|_| problem.unwrap_or(TokenError::Malformed))?;
    Ok(found)
}

struct ClaimsVisitor<'a, 'r, 's> {
    rules: &'a Rules<'r>,
    found: &'a mut Found<'s>,
    problem: &'a mut Option<TokenError>,
    /// The claims' bytes, to tell where a borrowed string is.
    json: core::ops::Range<*const u8>,
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

impl<'de> Visitor<'de> for ClaimsVisitor<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object of claims")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        // Bits 0..11: `REGISTERED`; the scope claims from bit 11 (at most 53, which the
        // builder checks).
        let mut seen: u64 = 0;
        while let Some(key) = map.next_key::<Text<'de>>()? {
            let bit = REGISTERED
                .iter()
                .position(|claim| *claim == &*key)
                .or_else(|| {
                    let mut roots = self.rules.scope_claims.roots.iter();
                    let position = roots.position(|root| **root == *key)?;
                    Some(REGISTERED.len() + position)
                });
            if let Some(bit) = bit {
                if seen & (1 << bit) != 0 {
                    *self.problem = Some(TokenError::DuplicateClaim);
                    return Err(de::Error::custom("duplicate claim"));
                }
                seen |= 1 << bit;
            }
            // Dispatched on the bit found above: each key is compared once.
            let result = match bit {
                Some(0) => map
                    .next_value::<Number>()
                    .map(|n| self.found.exp = Some(n.0)),
                Some(1) => map
                    .next_value::<Number>()
                    .map(|n| self.found.nbf = Some(n.0)),
                Some(2) => map
                    .next_value_seed(Issuer(self.rules.issuers))
                    .map(|m| self.found.issuer_matches = Some(m)),
                Some(3) => map
                    .next_value_seed(Strings(self.rules.audiences))
                    .map(|m| self.found.audience_matches = Some(m)),
                // Their presence (RFC 9068's required claims) and their types (RFC
                // 7519 §4.1: a NumericDate, strings); their values are the
                // application's business.
                Some(4) => map.next_value::<Number>().map(|_| self.found.iat = true),
                Some(5) => map.next_value::<AString>().map(|_| self.found.sub = true),
                Some(6) => map
                    .next_value::<AString>()
                    .map(|_| self.found.client_id = true),
                Some(7) => map.next_value::<AString>().map(|_| self.found.jti = true),
                Some(8) => map.next_value::<Text<'de>>().map(|acr| {
                    self.found.acr = match acr.0 {
                        Cow::Borrowed(text) if self.json.contains(&text.as_ptr()) => {
                            let start = text.as_ptr() as usize - self.json.start as usize;
                            Acr::At(start, start + text.len())
                        }
                        other => Acr::Owned(other.into()),
                    }
                }),
                Some(9) => map
                    .next_value::<Number>()
                    .map(|n| self.found.auth_time = Some(n.0)),
                // A confirmation (RFC 7800): the token is bound to a key (DPoP, mTLS).
                Some(10) => map.next_value_seed(Confirmation).map(|jkt| {
                    self.found.cnf = true;
                    self.found.jkt = jkt;
                }),
                Some(bit) => map.next_value_seed(Nested {
                    paths: &self.rules.scope_claims.paths,
                    route: core::slice::from_ref(
                        &self.rules.scope_claims.roots[bit - REGISTERED.len()],
                    ),
                    scopes: &mut self.found.scopes,
                }),
                None => map.next_value::<IgnoredAny>().map(|_| ()),
            };
            if let Err(error) = result {
                *self.problem = Some(match bit {
                    Some(0) => TokenError::InvalidClaim("exp"),
                    Some(1) => TokenError::InvalidClaim("nbf"),
                    Some(2) => TokenError::InvalidClaim("iss"),
                    Some(3) => TokenError::WrongAudience,
                    Some(4) => TokenError::InvalidClaim("iat"),
                    Some(5) => TokenError::InvalidClaim("sub"),
                    Some(6) => TokenError::InvalidClaim("client_id"),
                    Some(7) => TokenError::InvalidClaim("jti"),
                    Some(8) => TokenError::InvalidClaim("acr"),
                    Some(9) => TokenError::InvalidClaim("auth_time"),
                    Some(10) => TokenError::InvalidClaim("cnf"),
                    Some(bit) if bit >= REGISTERED.len() => TokenError::InvalidScopeClaim,
                    _ => TokenError::Malformed,
                });
                return Err(error);
            }
        }
        Ok(())
    }
}

/// The `iss` claim alone, read to route a token to its trusted issuer before its
/// signature is checked: one string, given once, as the full pass requires it.
pub(crate) fn issuer(json: &[u8]) -> Result<String, TokenError> {
    struct Only<'p>(&'p mut Option<TokenError>);

    impl<'de> Visitor<'de> for Only<'_> {
        type Value = Option<String>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object of claims")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<String>, A::Error> {
            let mut iss = None;
            while let Some(key) = map.next_key::<Text<'de>>()? {
                if *key != *"iss" {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
                if iss.is_some() {
                    *self.0 = Some(TokenError::DuplicateClaim);
                    return Err(de::Error::custom("duplicate claim"));
                }
                match map.next_value_seed(OneString) {
                    Ok(value) => iss = Some(value),
                    Err(error) => {
                        *self.0 = Some(TokenError::InvalidClaim("iss"));
                        return Err(error);
                    }
                }
            }
            Ok(iss)
        }
    }

    let mut problem = None;
    // Checked as UTF-8 once, whole: serde_json then reads each string without checking
    // it again.
    let text = core::str::from_utf8(json).map_err(|_| TokenError::Malformed)?;
    let mut de = serde_json::Deserializer::from_str(text);
    de.deserialize_map(Only(&mut problem))
        .and_then(|iss| de.end().map(|()| iss))
        .map_err(|_| problem.unwrap_or(TokenError::Malformed))?
        .ok_or(TokenError::MissingClaim("iss"))
}

/// A JSON string.
struct OneString;

impl<'de> DeserializeSeed<'de> for OneString {
    type Value = String;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for OneString {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<String, E> {
        Ok(value.to_owned())
    }
}

/// A NumericDate: a non-negative, finite JSON number.
struct Number(f64);

/// A JSON string, checked and not kept (escapes or not, nothing is allocated).
struct AString;

impl<'de> de::Deserialize<'de> for AString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct AStringVisitor;
        impl Visitor<'_> for AStringVisitor {
            type Value = AString;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<AString, E> {
                Ok(AString)
            }
        }
        deserializer.deserialize_str(AStringVisitor)
    }
}

impl<'de> de::Deserialize<'de> for Number {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NumberVisitor;
        impl Visitor<'_> for NumberVisitor {
            type Value = Number;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a NumericDate")
            }
            fn visit_u64<E: de::Error>(self, value: u64) -> Result<Number, E> {
                Ok(Number(value as f64))
            }
            fn visit_i64<E: de::Error>(self, value: i64) -> Result<Number, E> {
                u64::try_from(value)
                    .map(|v| Number(v as f64))
                    .map_err(|_| E::custom("negative"))
            }
            fn visit_f64<E: de::Error>(self, value: f64) -> Result<Number, E> {
                if value.is_finite() && value >= 0.0 {
                    Ok(Number(value))
                } else {
                    Err(E::custom("not a time"))
                }
            }
        }
        deserializer.deserialize_any(NumberVisitor)
    }
}

/// `iss`: one string (RFC 7519 §4.1.1); whether it is one of `wanted`.
struct Issuer<'a>(&'a [Box<str>]);

impl<'de> DeserializeSeed<'de> for Issuer<'_> {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Issuer<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<bool, E> {
        Ok(self.0.iter().any(|wanted| **wanted == *value))
    }
}

/// `aud`: a string or an array of strings; whether any is one of `wanted`.
struct Strings<'a>(&'a [Box<str>]);

impl<'de> DeserializeSeed<'de> for Strings<'_> {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strings<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or an array of strings")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<bool, E> {
        Ok(self.0.iter().any(|wanted| **wanted == *value))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        let mut matches = false;
        while let Some(value) = seq.next_element::<Text<'de>>()? {
            matches |= self.0.iter().any(|wanted| **wanted == *value);
        }
        Ok(matches)
    }
}

/// The value at `route` (the member names from the top of the claims to here): the
/// scopes, when a path ends here; else an object whose members lead on along the paths.
/// A member along a path that appears twice is refused, like a top-level claim.
struct Nested<'a, 's> {
    paths: &'a [Box<[Box<str>]>],
    route: &'a [Box<str>],
    scopes: &'a mut Scopes<'s>,
}

impl<'de> DeserializeSeed<'de> for Nested<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        // No path is a prefix of another, so a path that ends here is the only one here.
        if self.paths.iter().any(|path| **path == *self.route) {
            return ScopesSeed {
                scopes: self.scopes,
            }
            .deserialize(deserializer);
        }
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Nested<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object holding scope claims")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let depth = self.route.len();
        // The paths through here, by index: at most 64, which the builder checks.
        let mut seen: u64 = 0;
        while let Some(key) = map.next_key::<Text<'de>>()? {
            let next = self.paths.iter().position(|path| {
                path.len() > depth && path[..depth] == *self.route && *path[depth] == *key
            });
            let Some(index) = next else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            if seen & (1 << index) != 0 {
                return Err(de::Error::custom(
                    "duplicate member along a scope claim path",
                ));
            }
            seen |= 1 << index;
            map.next_value_seed(Nested {
                paths: self.paths,
                route: &self.paths[index][..=depth],
                scopes: &mut *self.scopes,
            })?;
        }
        Ok(())
    }
}

/// One scope claim: `"a b c"` or `["a", "b", "c"]`, its names appended to `scopes`.
/// A name that is not an RFC 6749 §3.3 scope-token (empty, or with a space, `"`, `\`
/// or a character outside printable ASCII) is left out: no table can declare it, and
/// with a space it could not be told apart from two names once joined.
struct ScopesSeed<'a, 's> {
    scopes: &'a mut Scopes<'s>,
}

impl ScopesSeed<'_, '_> {
    fn push<E: de::Error>(&mut self, name: &str) -> Result<(), E> {
        let nqchar = |b: u8| b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b);
        if name.is_empty() || !name.bytes().all(nqchar) {
            return Ok(());
        }
        match self.scopes.push(name) {
            true => Ok(()),
            false => Err(E::custom("scope names longer than the claims")),
        }
    }
}

impl<'de> DeserializeSeed<'de> for ScopesSeed<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ScopesSeed<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a space-delimited string or an array of strings")
    }

    fn visit_str<E: de::Error>(mut self, value: &str) -> Result<(), E> {
        value.split(' ').try_for_each(|name| self.push(name))
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        while let Some(name) = seq.next_element::<Text<'de>>()? {
            self.push(&name)?;
        }
        Ok(())
    }
}

/// `cnf` (RFC 7800): an object; its `jkt` (a string, given once) when present.
struct Confirmation;

impl<'de> DeserializeSeed<'de> for Confirmation {
    type Value = Option<Box<str>>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Confirmation {
    type Value = Option<Box<str>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a confirmation object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut jkt = None;
        while let Some(key) = map.next_key::<Text<'de>>()? {
            if *key == *"jkt" {
                if jkt.is_some() {
                    return Err(de::Error::custom("duplicate jkt"));
                }
                jkt = Some(map.next_value::<Text<'de>>()?.0.into());
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(jkt)
    }
}
