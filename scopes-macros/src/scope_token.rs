//! RFC 6749 §3.3 scope-token syntax.

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
