//! RFC 6749 §3.3 scope-token syntax, and scope names as the emitted code gives them.

use proc_macro2::{Literal, Span, TokenStream};
use quote::quote_spanned;

/// Why `name` is not a scope-token, if it is not.
pub(crate) fn problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("is empty".to_owned());
    }
    let bad = name
        .chars()
        .find(|c| !matches!(*c as u32, 0x21 | 0x23..=0x5B | 0x5D..=0x7E))?;
    Some(match bad {
        ' ' => {
            "contains a space (a token's scopes are space-separated: declare each one)".to_owned()
        }
        '"' => "contains `\"`".to_owned(),
        '\\' => "contains `\\`".to_owned(),
        c if c.is_ascii_control() => format!("contains the control character {:?}", c),
        c => format!("contains `{c}`, which is not printable ASCII"),
    })
}

/// The scope name in `value` when it is one well-formed name with spaces around it
/// (`" me"`), to suggest without them.
pub(crate) fn padded(value: &str) -> Option<&str> {
    let name = value.trim_matches(' ');
    (name != value && !name.contains(' ') && problem(name).is_none()).then_some(name)
}

/// FNV-1a (64 bits) of `name`, as scopes-core's `name_hash` computes it at compile time:
/// each literal's check then compares this number along its table's slots. A proc macro
/// cannot share code with the runtime crate, hence the twin: both are tested against the
/// FNV-1a vectors, and if they disagreed no annotated handler would compile.
pub(crate) fn scope_hash(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// `alternatives::<Table, _, A>("…", &[…])`: scopes-core's one builder of scope sets,
/// for `alternatives`, each a list of declared names (`#[requires_scopes]`'s
/// requirement, or `scope_set!`'s one set). Its arguments: the names apart by spaces,
/// and for each alternative its size and then its names' hashes.
pub(crate) fn alternatives_call<'n, A>(
    private: &TokenStream,
    table: &TokenStream,
    alternatives: impl ExactSizeIterator<Item = A>,
    span: Span,
) -> TokenStream
where
    A: ExactSizeIterator<Item = &'n str>,
{
    let count = Literal::usize_unsuffixed(alternatives.len());
    let mut listed = Vec::new();
    let mut spec = Vec::new();
    for alternative in alternatives {
        spec.push(Literal::u64_suffixed(alternative.len() as u64));
        for name in alternative {
            listed.push(name);
            spec.push(Literal::u64_suffixed(scope_hash(name)));
        }
    }
    let listed = listed.join(" ");
    quote_spanned!(span=> #private::alternatives::<#table, _, #count>(#listed, &[#(#spec),*]))
}

#[cfg(test)]
mod tests {
    use super::scope_hash;

    #[test]
    fn scope_hash_is_fnv_1a_64() {
        // The published FNV-1a test vectors, which scopes-core's `name_hash` meets too.
        assert_eq!(scope_hash(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(scope_hash("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(scope_hash("foobar"), 0x8594_4171_f739_67e8);
    }
}
