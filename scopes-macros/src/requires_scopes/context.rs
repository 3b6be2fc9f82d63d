//! Where the attribute is written: in an `impl` or `trait` block, or elsewhere.
//!
//! An attribute macro is not told. It matters because a handler's expansion holds items
//! (its requirement type and that type's impl) that an `impl` block cannot hold; there,
//! rustc would report four errors about code the user never wrote. So the source file is
//! read (rustc gives the attribute's file and line) and the braces before the attribute
//! are scanned: when the innermost open block is an `impl` or a `trait`, the attribute
//! reports one error on the function instead. The file's text at the span must be the
//! attribute itself (inside a `cfg_attr`, the part that names it); when it is not, or the file cannot be read (a span from code
//! another macro wrote, an editor's unsaved buffer), nothing is assumed.
//!
//! Each file is scanned once per compilation: the blocks found are kept, keyed by the
//! file's path and length.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::PathBuf;

/// What the source says around the attribute.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Context {
    /// The innermost block is an `impl` or `trait` one.
    pub(crate) in_impl: bool,
    /// `#[axum::debug_handler]` (or `#[debug_handler]`) is written above the attribute:
    /// it expands first and checks the handler without the injected extractor.
    pub(crate) debug_handler_above: bool,
}

/// The kind of block the attribute sits in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Enclosing {
    /// An `impl` or `trait` block: the function is an associated one.
    Impl,
    /// A module, a function body, a block, or unknown.
    Other,
}

/// What the source says around the attribute at `span` (the attribute's call site).
///
/// The file's text at the span's position must be the attribute's own text (rustc gives
/// it too): when it is not (a span from code another macro wrote, a file edited since
/// it was read), nothing is assumed.
pub(crate) fn context(span: proc_macro::Span) -> Context {
    let (Some(path), Some(attribute)) = (span.local_file(), span.source_text()) else {
        return Context::default();
    };
    // `#[requires_scopes(…)]`, or `requires_scopes(…)` inside a `cfg_attr`, by whatever
    // name it was imported as (`use scopes_core::requires_scopes as scoped;`): a path.
    let written = attribute.trim_start_matches("#[").trim_start();
    if !written.starts_with(|c: char| c == '_' || c == ':' || c.is_alphabetic()) {
        return Context::default();
    }
    let (line, column) = (span.line(), span.column());
    BLOCKS.with(|cache| {
        let mut cache = cache.borrow_mut();
        for attempt in 0..2 {
            let known = cache
                .get(&path)
                .and_then(|file| file.context(line, column, &attribute));
            if let Some(context) = known {
                return context;
            }
            // Not read yet, or read before an edit: read again, once.
            if attempt == 1 {
                break;
            }
            let Ok(text) = std::fs::read_to_string(&path) else {
                break;
            };
            cache.insert(path.clone(), File::scan(text));
        }
        Context::default()
    })
}

thread_local! {
    static BLOCKS: RefCell<HashMap<PathBuf, File>> = RefCell::new(HashMap::new());
}

/// What a scan of one file keeps.
struct File {
    text: String,
    /// The byte offset of each line's start.
    line_starts: Vec<usize>,
    blocks: Vec<Block>,
    /// Where items may start: after each `;`, `{` and `}` (in order).
    item_starts: Vec<usize>,
}

impl File {
    fn scan(text: String) -> Self {
        let (blocks, item_starts) = blocks(&text);
        Self {
            line_starts: line_starts(&text),
            blocks,
            item_starts,
            text,
        }
    }

    /// The context at (one-based) `line` and `column` (in characters), when the text
    /// there is `attribute`.
    fn context(&self, line: usize, column: usize, attribute: &str) -> Option<Context> {
        let start = *self.line_starts.get(line.checked_sub(1)?)?;
        let rest = self.text.get(start..)?;
        let at = start
            + rest
                .char_indices()
                .nth(column.checked_sub(1)?)
                .map(|(offset, _)| offset)?;
        if !self.text.get(at..)?.starts_with(attribute) {
            return None;
        }
        let in_impl = self
            .blocks
            .iter()
            .filter(|block| block.open < at && at < block.close)
            .min_by_key(|block| block.close - block.open)
            .is_some_and(|block| block.kind == Enclosing::Impl);
        // The attributes above this one: from where the item starts to here.
        let item = match self.item_starts.partition_point(|&start| start <= at) {
            0 => 0,
            n => self.item_starts[n - 1],
        };
        let above = self.text.get(item..at).unwrap_or_default();
        Some(Context {
            in_impl,
            debug_handler_above: names_debug_handler(above),
        })
    }
}

/// Whether the attributes in `text` include `#[debug_handler]` by any path
/// (`#[axum::debug_handler]`, `#[axum_macros::debug_handler(state = …)]`), or under
/// `cfg_attr` (`#[cfg_attr(debug_assertions, axum::debug_handler)]`: the order is
/// wrong whether or not the condition holds in this build). Comments, strings and
/// character literals are left out.
fn names_debug_handler(text: &str) -> bool {
    let code: String = code_only(text).split_whitespace().collect();
    code.match_indices("debug_handler").any(|(i, word)| {
        let after = code[i + word.len()..].chars().next();
        // The path that ends with `debug_handler`, and what precedes it.
        let path_start = code[..i]
            .trim_end_matches(|c: char| c == ':' || c == '_' || c.is_ascii_alphanumeric())
            .len();
        // `debug_handler` must be the path's last segment (not `my_debug_handler`).
        if i != path_start && !code[..i].ends_with("::") {
            return false;
        }
        let Some((_, attribute)) = code[..path_start].rsplit_once("#[") else {
            return false;
        };
        match attribute {
            "" => matches!(after, Some(']' | '(')),
            // Applied by a `cfg_attr`, nested or not: the conditions' own parentheses
            // are balanced before the comma.
            _ => {
                attribute.ends_with(',')
                    && within_cfg_attrs(attribute)
                    && matches!(after, Some(')' | ',' | '('))
            }
        }
    })
}

/// Whether `code` (an attribute's text, up to a point) is inside one `cfg_attr(…)` or
/// more and nothing else: each parenthesis open at its end is a `cfg_attr`'s, so what
/// follows is an attribute a `cfg_attr` applies (`cfg_attr(a, cfg_attr(b, …))` too).
fn within_cfg_attrs(code: &str) -> bool {
    let mut open = Vec::new();
    for (at, c) in code.char_indices() {
        match c {
            '(' => {
                let before = code[..at].strip_suffix("cfg_attr");
                let whole = before.is_some_and(|before| {
                    !before.ends_with(|c: char| c == '_' || c.is_ascii_alphanumeric())
                });
                open.push(whole);
            }
            ')' if open.pop().is_none() => return false,
            _ => {}
        }
    }
    !open.is_empty() && open.iter().all(|&cfg_attr| cfg_attr)
}

/// A `{ … }` block: where it opens and closes (byte offsets) and what it belongs to.
struct Block {
    open: usize,
    close: usize,
    kind: Enclosing,
}

fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

/// `text` without its comments, strings and character literals (each string becomes
/// `""`).
fn code_only(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut code = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let (end, kept) = match lexeme(text, i) {
            Lexeme::Skipped(end) => (end, None),
            Lexeme::Literal(end) => (end, Some("\"\"")),
            Lexeme::Other => {
                let width = text[i..].chars().next().map_or(1, char::len_utf8);
                (i + width, Some(&text[i..i + width]))
            }
        };
        code.extend(kept);
        i = end;
    }
    code
}

/// What starts at `i`: a comment, a string or character literal (and where it ends),
/// or anything else.
enum Lexeme {
    Skipped(usize),
    Literal(usize),
    Other,
}

fn lexeme(text: &str, i: usize) -> Lexeme {
    let bytes = text.as_bytes();
    match bytes[i] {
        b'/' if bytes.get(i + 1) == Some(&b'/') => {
            Lexeme::Skipped(memchr(bytes, b'\n', i).unwrap_or(bytes.len()))
        }
        b'/' if bytes.get(i + 1) == Some(&b'*') => Lexeme::Skipped(block_comment_end(bytes, i)),
        b'"' => Lexeme::Literal(string_end(bytes, i + 1)),
        b'r' | b'b' | b'c' if raw_string_start(bytes, i).is_some() => Lexeme::Literal(
            raw_string_start(bytes, i).map_or(bytes.len(), |(start, hashes)| {
                raw_string_end(bytes, start, hashes)
            }),
        ),
        b'\'' => match char_or_lifetime_end(text, i) {
            end if end > i + 1 => Lexeme::Literal(end),
            _ => Lexeme::Other,
        },
        _ => Lexeme::Other,
    }
}

/// Every brace block of `text`, skipping comments, strings and character literals, and
/// where items may start. A block is an `impl` or `trait` one when the first word of
/// its header (the code since the previous `;`, `{` or `}` outside brackets and
/// parentheses, attributes and `pub(…)` included) is `impl` or `trait`, after
/// `pub`, `unsafe`, `default` and `auto`.
fn blocks(text: &str) -> (Vec<Block>, Vec<usize>) {
    let bytes = text.as_bytes();
    let mut blocks = Vec::new();
    let mut item_starts = Vec::new();
    // Open blocks: where each opened, its kind, and the bracket depth around it.
    let mut open: Vec<(usize, Enclosing, usize)> = Vec::new();
    // Brackets and parentheses open in the current block.
    let mut depth = 0usize;
    // The first word of the current header, if any yet.
    let mut first: Option<&str> = None;
    let mut i = 0;
    while i < bytes.len() {
        match lexeme(text, i) {
            Lexeme::Skipped(end) | Lexeme::Literal(end) => {
                i = end;
                continue;
            }
            Lexeme::Other => {}
        }
        match bytes[i] {
            b'(' | b'[' => {
                depth += 1;
                i += 1;
            }
            b')' | b']' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b'{' => {
                let kind = match first {
                    Some("impl" | "trait") if depth == 0 => Enclosing::Impl,
                    _ => Enclosing::Other,
                };
                open.push((i, kind, depth));
                depth = 0;
                first = None;
                i += 1;
                item_starts.push(i);
            }
            b'}' => {
                if let Some((start, kind, outer)) = open.pop() {
                    blocks.push(Block {
                        open: start,
                        close: i,
                        kind,
                    });
                    depth = outer;
                }
                first = None;
                i += 1;
                item_starts.push(i);
            }
            b';' if depth == 0 => {
                first = None;
                i += 1;
                item_starts.push(i);
            }
            b'r' if bytes.get(i + 1) == Some(&b'#') => {
                // A raw identifier (`r#impl`) is a word, never a keyword.
                let start = i;
                i += 2;
                while i < bytes.len() && (bytes[i] == b'_' || bytes[i].is_ascii_alphanumeric()) {
                    i += 1;
                }
                if depth == 0 && first.is_none() {
                    first = Some(&text[start..i]);
                }
            }
            byte if byte == b'_' || byte.is_ascii_alphabetic() => {
                let start = i;
                while i < bytes.len() && (bytes[i] == b'_' || bytes[i].is_ascii_alphanumeric()) {
                    i += 1;
                }
                let word = &text[start..i];
                if depth == 0 && first.is_none() && !QUALIFIERS.contains(&word) {
                    first = Some(word);
                }
            }
            _ => i += 1,
        }
    }
    (blocks, item_starts)
}

/// Words that may come before `impl` or `trait` in an item's header.
const QUALIFIERS: &[&str] = &["pub", "unsafe", "default", "auto"];

fn memchr(bytes: &[u8], needle: u8, from: usize) -> Option<usize> {
    bytes
        .get(from..)?
        .iter()
        .position(|&b| b == needle)
        .map(|at| from + at)
}

/// Past the `*/` that closes the (nestable) comment opening at `i`.
fn block_comment_end(bytes: &[u8], mut i: usize) -> usize {
    let mut depth = 0usize;
    while i + 1 < bytes.len() {
        match (bytes[i], bytes[i + 1]) {
            (b'/', b'*') => {
                depth += 1;
                i += 2;
            }
            (b'*', b'/') => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return i;
                }
            }
            _ => i += 1,
        }
    }
    bytes.len()
}

/// Past the `"` closing a string whose contents start at `i`.
fn string_end(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// `r"`, `r#"`, `br#"`, `cr"`…: where the contents start and the number of `#`. Not an
/// identifier's tail (`for"` cannot occur, `bar#` neither).
fn raw_string_start(bytes: &[u8], i: usize) -> Option<(usize, usize)> {
    if i > 0 && (bytes[i - 1] == b'_' || bytes[i - 1].is_ascii_alphanumeric()) {
        return None;
    }
    let mut at = i;
    if matches!(bytes[at], b'b' | b'c') {
        at += 1;
    }
    if bytes.get(at) != Some(&b'r') {
        return None;
    }
    at += 1;
    let hashes = bytes[at..].iter().take_while(|&&b| b == b'#').count();
    at += hashes;
    (bytes.get(at) == Some(&b'"')).then_some((at + 1, hashes))
}

/// Past the `"` and `hashes` `#` that close a raw string whose contents start at `i`.
fn raw_string_end(bytes: &[u8], mut i: usize, hashes: usize) -> usize {
    while i < bytes.len() {
        if bytes[i] == b'"'
            && bytes[i + 1..]
                .iter()
                .take(hashes)
                .filter(|&&b| b == b'#')
                .count()
                == hashes
        {
            return i + 1 + hashes;
        }
        i += 1;
    }
    bytes.len()
}

/// Past a character literal (`'a'`, `'\n'`, `'\u{1F600}'`, `'{'`) starting at `i`, or
/// past the quote of a lifetime or label.
fn char_or_lifetime_end(text: &str, i: usize) -> usize {
    let bytes = text.as_bytes();
    match text[i + 1..].chars().next() {
        Some('\\') => memchr(bytes, b'\'', i + 3).map_or(bytes.len(), |end| end + 1),
        Some(c) if bytes.get(i + 1 + c.len_utf8()) == Some(&b'\'') => i + 2 + c.len_utf8(),
        Some(_) => i + 1,
        None => bytes.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context_at(text: &str, marker: &str) -> Context {
        let offset = text.find(marker).expect("marker");
        let line = text[..offset].matches('\n').count() + 1;
        // rustc's columns count characters.
        let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
        let column = text[line_start..offset].chars().count() + 1;
        File::scan(text.to_owned())
            .context(line, column, marker)
            .expect("the marker is where its line and column say")
    }

    fn at(text: &str, marker: &str) -> Enclosing {
        match context_at(text, marker).in_impl {
            true => Enclosing::Impl,
            false => Enclosing::Other,
        }
    }

    #[test]
    fn debug_handler_above_is_found() {
        let text = r#"
use axum::debug_handler;
#[axum::debug_handler(state = AppState)]
/// Docs.
#[marker_a]
async fn a() {}
#[requires_scopes("me")]
#[marker_b]
#[axum::debug_handler]
async fn b() {}
// not #[debug_handler] above: a comment
#[marker_c]
async fn c() {}
#[ debug_handler ]
#[marker_d]
async fn d() {}
#[my_debug_handler_helper]
#[marker_e]
async fn e() {}
/* #[axum::debug_handler] */
#[doc = "never put #[debug_handler] above"]
#[marker_f]
async fn f() {}
#[cfg_attr(debug_assertions, axum::debug_handler)]
#[marker_g]
async fn g() {}
#[cfg_attr(all(unix, not(test)), debug_handler(state = AppState), allow(dead_code))]
#[marker_h]
async fn h() {}
#[cfg_attr(feature = "debug_handler", allow(dead_code))]
#[cfg_attr(any(debug_handler), allow(dead_code))]
#[marker_i]
async fn i() {}
#[my_debug_handler]
#[cfg_attr(test, tracing::my_debug_handler)]
#[marker_j]
async fn j() {}
#[cfg_attr(debug_assertions, cfg_attr(all(test, unix), axum::debug_handler))]
#[marker_k]
async fn k() {}
#[cfg_attr(a, my_cfg_attr(b, debug_handler))]
#[cfg_attr(a, cfg_attr(b, allow(dead_code)), my::debug_handler_helper)]
#[marker_l]
async fn l() {}
"#;
        assert!(context_at(text, "#[marker_a]").debug_handler_above);
        assert!(!context_at(text, "#[marker_b]").debug_handler_above);
        assert!(!context_at(text, "#[marker_c]").debug_handler_above);
        assert!(context_at(text, "#[marker_d]").debug_handler_above);
        assert!(!context_at(text, "#[marker_e]").debug_handler_above);
        assert!(!context_at(text, "#[marker_f]").debug_handler_above);
        assert!(context_at(text, "#[marker_g]").debug_handler_above);
        assert!(context_at(text, "#[marker_h]").debug_handler_above);
        assert!(!context_at(text, "#[marker_i]").debug_handler_above);
        assert!(!context_at(text, "#[marker_j]").debug_handler_above);
        assert!(context_at(text, "#[marker_k]").debug_handler_above);
        assert!(!context_at(text, "#[marker_l]").debug_handler_above);
    }

    #[test]
    fn impl_and_trait_blocks_are_found() {
        let text = r#####"
use x::y;
struct Api;
impl<F: Fn() -> u8> Api where F: Send {
    // a { in a comment /* nested { */ still a comment */
    const S: &str = "}{";
    const R: &str = r#"}"#;
    const C: char = '{';
    fn f<'a>(x: &'a str) -> impl Fn() { move || { let _ = '}'; } }
    #[marker_in_impl]
    async fn handler() {}
}
mod m {
    #[marker_in_mod]
    async fn handler() {}
    fn t() -> impl Sized {
        #[marker_in_fn]
        async fn h() {}
    }
    trait T {
        #[marker_in_trait]
        fn f();
    }
}
#[marker_at_root]
async fn root() {}
impl Api { #[marker_same_line] async fn h() {} }
"#####;
        assert_eq!(at(text, "#[marker_in_impl]"), Enclosing::Impl);
        assert_eq!(at(text, "#[marker_in_trait]"), Enclosing::Impl);
        assert_eq!(at(text, "#[marker_in_mod]"), Enclosing::Other);
        assert_eq!(at(text, "#[marker_in_fn]"), Enclosing::Other);
        assert_eq!(at(text, "#[marker_at_root]"), Enclosing::Other);
        assert_eq!(at(text, "#[marker_same_line]"), Enclosing::Impl);
    }

    #[test]
    fn impl_in_a_signature_or_a_raw_identifier_is_not_an_impl_block() {
        let text = r#"
fn app(key: [u8; 32]) -> impl Clone {
    #[marker_a]
    async fn h() {}
}
fn r#impl() {
    #[marker_b]
    async fn h() {}
}
fn f() -> Box<dyn Fn(u8) -> u8> {
    let x = [0; 3]; g(|y| { let z = 1; z });
    #[marker_c]
    async fn h() {}
}
pub(crate) unsafe impl Send for X {
    #[marker_d]
    fn f() {}
}
/// é and 😀 before the attribute on its line:
mod m { /* é */ #[marker_e] async fn h() {} }
"#;
        assert_eq!(at(text, "#[marker_a]"), Enclosing::Other);
        assert_eq!(at(text, "#[marker_b]"), Enclosing::Other);
        assert_eq!(at(text, "#[marker_c]"), Enclosing::Other);
        assert_eq!(at(text, "#[marker_d]"), Enclosing::Impl);
        assert_eq!(at(text, "#[marker_e]"), Enclosing::Other);
    }
}
