//! A strict JSON reader for the claims pass: RFC 8259's grammar, read in place, one
//! value at a time, nothing allocated unless a string has escapes.
//!
//! It accepts what `serde_json` accepts (the claims pass was written on it, and
//! `tests/test_claims_grammar.rs` and the `claims` fuzz target compare the two): no
//! trailing commas or garbage, no control characters in strings, escapes that decode
//! (a `\u` surrogate only in a pair, where a string is read; skipped strings check the
//! hex digits only, as `serde_json` does), numbers in JSON's own form (converted
//! correctly rounded, where serde_json's default parser can be one unit off in the last
//! place), and at most [`MAX_DEPTH`] nested arrays and objects.

use std::borrow::Cow;

/// Whether a member is present, whatever its value (`#[serde(default)]` gives `false`):
/// `crit`, which refuses a JOSE header whatever it lists.
#[derive(Default)]
pub(crate) struct Present(pub(crate) bool);

impl<'de> serde::Deserialize<'de> for Present {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> core::result::Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(deserializer).map(|_| Self(true))
    }
}

/// A JSON object whose members are all distinct: one given twice (escaped or not) is
/// refused, where `serde_json`'s `Map` keeps the last. A DPoP proof's `jwk`: a parser
/// keeping the first member would see another key, and another thumbprint.
pub(crate) struct DistinctMembers(pub(crate) serde_json::Map<String, serde_json::Value>);

impl<'de> serde::Deserialize<'de> for DistinctMembers {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> core::result::Result<Self, D::Error> {
        struct Members;

        impl<'de> serde::de::Visitor<'de> for Members {
            type Value = DistinctMembers;

            fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str("a JSON object whose members are distinct")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut access: A,
            ) -> core::result::Result<DistinctMembers, A::Error> {
                let mut members = serde_json::Map::new();
                while let Some((name, value)) = access.next_entry::<String, serde_json::Value>()? {
                    if members.insert(name, value).is_some() {
                        return Err(serde::de::Error::custom("a member is given twice"));
                    }
                }
                Ok(DistinctMembers(members))
            }
        }

        deserializer.deserialize_map(Members)
    }
}

/// The deepest nesting of arrays and objects, read or skipped: far beyond any
/// provider's claims, and a bound on the skipping's recursion. (serde_json reads typed
/// values to 127 levels and skips unread ones without a limit: a claim the pass does not
/// read, nested deeper than this, was accepted before this reader and is refused now.)
const MAX_DEPTH: u32 = 128;

/// The bytes that end a run of a string's plain characters: `"`, `\` and the control
/// characters (which JSON allows only escaped).
const STOP: [bool; 256] = {
    let mut stop = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        stop[b] = true;
        b += 1;
    }
    stop[b'"' as usize] = true;
    stop[b'\\' as usize] = true;
    stop
};

/// Where the run of plain string characters from `i` ends.
fn run_end(bytes: &[u8], mut i: usize) -> usize {
    while let Some(&b) = bytes.get(i) {
        if STOP[usize::from(b)] {
            break;
        }
        i += 1;
    }
    i
}

/// Not JSON, or not the JSON asked for at this point.
#[derive(Debug)]
pub(crate) struct Syntax;

type Result<T> = core::result::Result<T, Syntax>;

/// Whether `json` is one JSON value, nested at most [`MAX_DEPTH`] levels (in the
/// grammar this reader accepts). For what serde reads: it skips a member it does not
/// read at any depth, so a JOSE header or a DPoP proof anyone can send is checked here
/// first, as deep as claims may be.
pub(crate) fn within_depth(json: &str) -> bool {
    let mut reader = Reader::new(json);
    reader.skip().and_then(|()| reader.end()).is_ok()
}

/// The reader: the text (UTF-8, checked whole by the caller) and where it is.
pub(crate) struct Reader<'a> {
    text: &'a str,
    pos: usize,
    depth: u32,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Self {
            text,
            pos: 0,
            depth: 0,
        }
    }

    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    /// The next byte after whitespace, not consumed.
    pub(crate) fn peek(&mut self) -> Option<u8> {
        let bytes = self.bytes();
        while let Some(&b) = bytes.get(self.pos) {
            if !matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                return Some(b);
            }
            self.pos += 1;
        }
        None
    }

    /// Consumes `wanted` after whitespace.
    fn eat(&mut self, wanted: u8) -> Result<()> {
        match self.peek() {
            Some(b) if b == wanted => {
                self.pos += 1;
                Ok(())
            }
            _ => Err(Syntax),
        }
    }

    /// Only whitespace is left.
    pub(crate) fn end(&mut self) -> Result<()> {
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(Syntax),
        }
    }

    fn enter(&mut self, open: u8) -> Result<()> {
        self.eat(open)?;
        self.depth += 1;
        match self.depth > MAX_DEPTH {
            true => Err(Syntax),
            false => Ok(()),
        }
    }

    /// Opens an object; then [`Reader::key`] until it answers `None`.
    pub(crate) fn object(&mut self) -> Result<Members> {
        self.enter(b'{')?;
        Ok(Members { first: true })
    }

    /// Whether another member or element follows in the object or array `members`
    /// counts (past the comma before it); `false` past the `close` that ends it.
    fn next_in(&mut self, members: &mut Members, close: u8) -> Result<bool> {
        if self.peek() == Some(close) {
            self.pos += 1;
            self.depth -= 1;
            return Ok(false);
        }
        if !core::mem::replace(&mut members.first, false) {
            self.eat(b',')?;
        }
        Ok(true)
    }

    /// The next member's name (its value follows), or `None` at the object's end.
    pub(crate) fn key(&mut self, members: &mut Members) -> Result<Option<Cow<'a, str>>> {
        if !self.next_in(members, b'}')? {
            return Ok(None);
        }
        let key = self.string()?;
        self.eat(b':')?;
        Ok(Some(key))
    }

    /// Opens an array; then [`Reader::element`] until it answers `false`.
    pub(crate) fn array(&mut self) -> Result<Members> {
        self.enter(b'[')?;
        Ok(Members { first: true })
    }

    /// Whether another element follows (the reader is then at it).
    pub(crate) fn element(&mut self, elements: &mut Members) -> Result<bool> {
        self.next_in(elements, b']')
    }

    /// Where the text is read from (to tell where a borrowed string lies).
    pub(crate) fn text(&self) -> &'a str {
        self.text
    }

    /// A string, borrowed from the text unless it has escapes.
    pub(crate) fn string(&mut self) -> Result<Cow<'a, str>> {
        self.eat(b'"')?;
        let bytes = self.bytes();
        let start = self.pos;
        let mut i = run_end(bytes, start);
        match bytes.get(i) {
            Some(b'"') => {
                self.pos = i + 1;
                return Ok(Cow::Borrowed(&self.text[start..i]));
            }
            Some(b'\\') => {}
            _ => return Err(Syntax),
        }
        let mut out = String::with_capacity(i - start + 8);
        out.push_str(&self.text[start..i]);
        loop {
            match bytes.get(i) {
                Some(b'"') => {
                    self.pos = i + 1;
                    return Ok(Cow::Owned(out));
                }
                Some(b'\\') => {
                    let (c, next) = self.escape(i + 1, true)?;
                    out.push(c);
                    // Up to the next quote, backslash or control character: whole
                    // characters.
                    let run = run_end(bytes, next);
                    out.push_str(&self.text[next..run]);
                    i = run;
                }
                _ => return Err(Syntax),
            }
        }
    }

    /// The escape after a backslash at `at - 1`: the character, and where the text goes
    /// on. `decode`: the character is needed (a `\u` surrogate must then be half of a
    /// pair); else only the form is checked (`'\0'` comes back).
    fn escape(&self, at: usize, decode: bool) -> Result<(char, usize)> {
        let bytes = self.bytes();
        let simple = match bytes.get(at) {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                let high = self.hex4(at + 1)?;
                if !decode {
                    return Ok(('\0', at + 5));
                }
                return match high {
                    0xD800..=0xDBFF => {
                        if bytes.get(at + 5) != Some(&b'\\') || bytes.get(at + 6) != Some(&b'u') {
                            return Err(Syntax);
                        }
                        let low = self.hex4(at + 7)?;
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return Err(Syntax);
                        }
                        let code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
                        char::from_u32(code).map(|c| (c, at + 11)).ok_or(Syntax)
                    }
                    _ => char::from_u32(high).map(|c| (c, at + 5)).ok_or(Syntax),
                };
            }
            _ => return Err(Syntax),
        };
        Ok((simple, at + 1))
    }

    /// Four hex digits at `at`.
    fn hex4(&self, at: usize) -> Result<u32> {
        let digits = self.bytes().get(at..at + 4).ok_or(Syntax)?;
        digits.iter().try_fold(0u32, |value, &b| {
            let digit = (b as char).to_digit(16).ok_or(Syntax)?;
            Ok(value << 4 | digit)
        })
    }

    /// A number, as `f64` (correctly rounded; an integer of up to 19 digits converted
    /// exactly first).
    pub(crate) fn number(&mut self) -> Result<f64> {
        self.peek();
        let bytes = self.bytes();
        let start = self.pos;
        // The common case first: a NumericDate, an integer of up to 19 digits.
        if let Some(&first @ b'1'..=b'9') = bytes.get(start) {
            let mut value = u64::from(first - b'0');
            let mut i = start + 1;
            while let Some(&b) = bytes.get(i)
                && b.is_ascii_digit()
                && i - start < 19
            {
                value = value * 10 + u64::from(b - b'0');
                i += 1;
            }
            if !matches!(bytes.get(i), Some(b'0'..=b'9' | b'.' | b'e' | b'E')) {
                self.pos = i;
                return Ok(value as f64);
            }
        }
        let end = self.number_end(start)?;
        self.pos = end;
        self.text[start..end].parse::<f64>().map_err(|_| Syntax)
    }

    /// The end of the number at `start` (`-? int frac? exp?`).
    fn number_end(&self, start: usize) -> Result<usize> {
        let bytes = self.bytes();
        let digits = |mut i: usize| {
            while bytes.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            i
        };
        let mut i = start + usize::from(bytes.get(start) == Some(&b'-'));
        i = match bytes.get(i) {
            Some(b'0') => i + 1,
            Some(b'1'..=b'9') => digits(i + 1),
            _ => return Err(Syntax),
        };
        if bytes.get(i) == Some(&b'.') {
            let end = digits(i + 1);
            if end == i + 1 {
                return Err(Syntax);
            }
            i = end;
        }
        if matches!(bytes.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(bytes.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            let end = digits(i);
            if end == i {
                return Err(Syntax);
            }
            i = end;
        }
        Ok(i)
    }

    /// Skips one value of any kind, checking its form.
    pub(crate) fn skip(&mut self) -> Result<()> {
        match self.peek().ok_or(Syntax)? {
            b'"' => self.skip_string(),
            b'{' => {
                let mut members = self.object()?;
                while self.skip_key(&mut members)? {
                    self.skip()?;
                }
                Ok(())
            }
            b'[' => {
                let mut elements = self.array()?;
                while self.element(&mut elements)? {
                    self.skip()?;
                }
                Ok(())
            }
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => {
                self.pos = self.number_end(self.pos)?;
                Ok(())
            }
        }
    }

    /// A member name, checked and not kept; `false` at the object's end.
    fn skip_key(&mut self, members: &mut Members) -> Result<bool> {
        if !self.next_in(members, b'}')? {
            return Ok(false);
        }
        self.skip_string()?;
        self.eat(b':')?;
        Ok(true)
    }

    fn skip_string(&mut self) -> Result<()> {
        self.eat(b'"')?;
        let bytes = self.bytes();
        let mut i = run_end(bytes, self.pos);
        loop {
            match bytes.get(i) {
                Some(b'"') => {
                    self.pos = i + 1;
                    return Ok(());
                }
                Some(b'\\') => i = run_end(bytes, self.escape(i + 1, false)?.1),
                _ => return Err(Syntax),
            }
        }
    }

    fn literal(&mut self, word: &[u8]) -> Result<()> {
        match self.bytes()[self.pos..].starts_with(word) {
            true => {
                self.pos += word.len();
                Ok(())
            }
            false => Err(Syntax),
        }
    }
}

/// Where an object's members or an array's elements are: before the first or not.
pub(crate) struct Members {
    first: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skips(json: &str) -> bool {
        let mut reader = Reader::new(json);
        reader.skip().and_then(|()| reader.end()).is_ok()
    }

    #[test]
    fn accepts_what_serde_json_accepts() {
        let cases = [
            r#"{}"#,
            r#" { "a" : [1, -0, 0.5e+3, 1E-2, true, false, null, "x\u00e9\ud83d\ude00\n"] } "#,
            r#"[[[]], {"": {}}]"#,
            r#""\ud800""#,
            "\"caf\u{e9}\"",
            "-0.0",
            "123456789012345678901234567890",
        ];
        for json in cases {
            assert!(skips(json), "{json}");
            assert!(
                serde_json::from_str::<serde::de::IgnoredAny>(json).is_ok(),
                "{json}"
            );
        }
        let refused = [
            "",
            "{",
            "}",
            "[1,]",
            "{\"a\":1,}",
            "{\"a\" 1}",
            "{a:1}",
            "01",
            "1.",
            ".5",
            "1e",
            "+1",
            "-",
            "tru",
            "nul",
            "\"\\x\"",
            "\"\\u12g4\"",
            "\"a\u{1}\"",
            "[1] [2]",
            "{}}",
            "'a'",
            "NaN",
            "Infinity",
            "\"\\u12\"",
        ];
        for json in refused {
            assert!(!skips(json), "{json:?}");
            assert!(
                serde_json::from_str::<serde::de::IgnoredAny>(json).is_err(),
                "{json:?}"
            );
        }
    }

    #[test]
    fn strings_decode_escapes_and_borrow_otherwise() {
        let mut reader = Reader::new(r#""plain""#);
        assert!(matches!(reader.string().unwrap(), Cow::Borrowed("plain")));
        let mut reader = Reader::new(r#""\u0069tems \"\\\/\b\f\n\r\t \ud83d\ude00 é""#);
        assert_eq!(
            reader.string().unwrap(),
            "items \"\\/\u{8}\u{c}\n\r\t \u{1f600} é"
        );
        for lone in [r#""\ud800""#, r#""\udc00""#, r#""\ud800\u0041""#] {
            assert!(Reader::new(lone).string().is_err(), "{lone}");
        }
    }

    #[test]
    fn numbers_convert_as_serde_json_does() {
        for text in [
            "0",
            "1764612345",
            "18446744073709551615",
            "18446744073709551616",
            "9007199254740993",
            "1.5e9",
            "-0",
            "-1",
            "1e400",
            "0.1",
        ] {
            let ours = Reader::new(text).number().unwrap();
            let theirs: f64 = serde_json::from_str(text).unwrap_or(f64::INFINITY);
            assert_eq!(ours.to_bits(), theirs.to_bits(), "{text}");
        }
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(skips(&deep(128)));
        assert!(!skips(&deep(129)));
    }
}
