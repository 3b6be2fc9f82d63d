//! One pass over a token's claims: time claims, issuer, audience and scopes, without
//! building a JSON tree (jsonwebtoken's own path parses the claims twice more).

use core::fmt;
use std::borrow::Cow;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::cache::Entry;
use crate::{ScopeSet, ScopeTable, TokenError};

/// Where granted scope names go: a table's set, or nowhere.
pub(crate) trait Grant {
    fn grant(&mut self, name: &str);

    /// Takes the scopes a cache entry recorded; `false` when it has none for this.
    fn take_cached(&mut self, entry: &Entry) -> bool;

    /// Records the scopes in a cache entry.
    fn record_cached(&self, entry: &Entry);
}

impl<T: ScopeTable> Grant for ScopeSet<T> {
    fn grant(&mut self, name: &str) {
        // Names the table does not know are ignored.
        let _ = ScopeSet::grant(self, name);
    }

    fn take_cached(&mut self, entry: &Entry) -> bool {
        match entry.granted::<T>() {
            Some(granted) => {
                *self = granted;
                true
            }
            None => false,
        }
    }

    fn record_cached(&self, entry: &Entry) {
        entry.record(self);
    }
}

/// Verification without a table: scope names are not looked at.
impl Grant for () {
    fn grant(&mut self, _name: &str) {}

    fn take_cached(&mut self, _entry: &Entry) -> bool {
        true
    }

    fn record_cached(&self, _entry: &Entry) {}
}

/// What the configuration requires of the claims.
pub(crate) struct Rules<'a> {
    pub(crate) issuers: &'a [Box<str>],
    pub(crate) audiences: &'a [Box<str>],
    pub(crate) scope_claims: &'a [Box<str>],
}

/// What the pass found.
#[derive(Default)]
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
    pub(crate) iat: bool,
    pub(crate) jti: bool,
}

/// Reads `json` once: the registered claims into `Found`, the scope claims into `grant`.
pub(crate) fn read<G: Grant>(
    json: &str,
    rules: &Rules<'_>,
    grant: &mut G,
) -> Result<Found, TokenError> {
    let mut found = Found::default();
    let mut problem = None;
    let mut de = serde_json::Deserializer::from_str(json);
    let visitor = ClaimsVisitor {
        rules,
        grant,
        found: &mut found,
        problem: &mut problem,
    };
    de.deserialize_map(visitor)
        .and_then(|()| de.end())
        .map_err(|_| problem.unwrap_or(TokenError::Malformed))?;
    Ok(found)
}

struct ClaimsVisitor<'a, 'r, G> {
    rules: &'a Rules<'r>,
    grant: &'a mut G,
    found: &'a mut Found,
    problem: &'a mut Option<TokenError>,
}

impl<'de, G: Grant> Visitor<'de> for ClaimsVisitor<'_, '_, G> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object of claims")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            let result = match &*key {
                "exp" => map
                    .next_value::<Number>()
                    .map(|n| self.found.exp = Some(n.0)),
                "nbf" => map
                    .next_value::<Number>()
                    .map(|n| self.found.nbf = Some(n.0)),
                "iss" => map
                    .next_value_seed(Strings(self.rules.issuers))
                    .map(|m| self.found.issuer_matches = Some(m)),
                "aud" => map
                    .next_value_seed(Strings(self.rules.audiences))
                    .map(|m| self.found.audience_matches = Some(m)),
                // Presence only (RFC 9068's required claims); their values are the
                // application's business.
                "iat" => map
                    .next_value::<IgnoredAny>()
                    .map(|_| self.found.iat = true),
                "sub" => map
                    .next_value::<IgnoredAny>()
                    .map(|_| self.found.sub = true),
                "client_id" => map
                    .next_value::<IgnoredAny>()
                    .map(|_| self.found.client_id = true),
                "jti" => map
                    .next_value::<IgnoredAny>()
                    .map(|_| self.found.jti = true),
                name if self.rules.scope_claims.iter().any(|claim| **claim == *name) => map
                    .next_value_seed(ScopesSeed {
                        grant: &mut *self.grant,
                    }),
                _ => map.next_value::<IgnoredAny>().map(|_| ()),
            };
            if let Err(error) = result {
                *self.problem = Some(match &*key {
                    "exp" => TokenError::InvalidClaim("exp"),
                    "nbf" => TokenError::InvalidClaim("nbf"),
                    "iss" => TokenError::WrongIssuer,
                    "aud" => TokenError::WrongAudience,
                    _ if self.rules.scope_claims.iter().any(|claim| **claim == *key) => {
                        TokenError::InvalidScopeClaim
                    }
                    _ => TokenError::Malformed,
                });
                return Err(error);
            }
        }
        Ok(())
    }
}

/// A NumericDate: a non-negative, finite JSON number.
struct Number(f64);

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

/// `iss` or `aud`: a string or an array of strings; whether any is one of `wanted`.
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
        while let Some(value) = seq.next_element::<Cow<'de, str>>()? {
            matches |= self.0.iter().any(|wanted| **wanted == *value);
        }
        Ok(matches)
    }
}

/// One scope claim: `"a b c"` or `["a", "b", "c"]`.
struct ScopesSeed<'a, G> {
    grant: &'a mut G,
}

impl<'de, G: Grant> DeserializeSeed<'de> for ScopesSeed<'_, G> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, G: Grant> Visitor<'de> for ScopesSeed<'_, G> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a space-delimited string or an array of strings")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<(), E> {
        for name in value.split(' ').filter(|name| !name.is_empty()) {
            self.grant.grant(name);
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(name) = seq.next_element::<Cow<'de, str>>()? {
            self.grant.grant(&name);
        }
        Ok(())
    }
}
