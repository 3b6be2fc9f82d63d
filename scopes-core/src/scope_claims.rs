//! Reads the granted scopes out of the claims JSON without building a JSON tree.

use core::fmt;
use std::borrow::Cow;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::{ScopeSet, ScopeTable, TokenError};

/// The scopes of table `T` granted by the `claim_names` claims of `claims_json`.
/// Each claim may be a space-delimited string or an array of strings; anything else
/// makes the token invalid rather than silently granting nothing.
pub(crate) fn granted_scopes<T: ScopeTable>(
    claims_json: &str,
    claim_names: &[Box<str>],
) -> Result<ScopeSet<T>, TokenError> {
    let mut granted = ScopeSet::EMPTY;
    let mut de = serde_json::Deserializer::from_str(claims_json);
    de.deserialize_map(ClaimsVisitor {
        claim_names,
        granted: &mut granted,
    })
    .map_err(|_| TokenError::InvalidScopeClaim)?;
    Ok(granted)
}

struct ClaimsVisitor<'a, T: ScopeTable> {
    claim_names: &'a [Box<str>],
    granted: &'a mut ScopeSet<T>,
}

impl<'de, T: ScopeTable> Visitor<'de> for ClaimsVisitor<'_, T> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object of claims")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if self.claim_names.iter().any(|name| **name == *key) {
                map.next_value_seed(ScopesSeed {
                    granted: &mut *self.granted,
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// One scope claim: `"a b c"` or `["a", "b", "c"]`.
struct ScopesSeed<'a, T: ScopeTable> {
    granted: &'a mut ScopeSet<T>,
}

impl<'de, T: ScopeTable> DeserializeSeed<'de> for ScopesSeed<'_, T> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, T: ScopeTable> Visitor<'de> for ScopesSeed<'_, T> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a space-delimited string or an array of strings")
    }

    fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<(), E> {
        for name in value.split(' ').filter(|name| !name.is_empty()) {
            self.granted.grant(name);
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(name) = seq.next_element::<Cow<'de, str>>()? {
            self.granted.grant(&name);
        }
        Ok(())
    }
}
