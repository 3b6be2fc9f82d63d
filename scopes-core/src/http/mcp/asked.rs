//! What a POST body asks of an MCP server that the guard checks against declared
//! scopes: a tool's call, a prompt, a resource (read, subscribed to, or completed
//! against), each named as the message names it; and the resources the guard was told
//! of, by URI or by a URI's beginning.

use std::borrow::Cow;

use rustc_hash::FxHashMap;
use serde::Deserialize;
use serde_json::value::RawValue;

/// What a message asks for, by the name its kind has in MCP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// `tools/call`, by the tool's name.
    Tool,
    /// `prompts/get`, or a completion of a prompt's argument, by the prompt's name.
    Prompt,
    /// `resources/read`, `resources/subscribe`, `resources/unsubscribe`, or a completion
    /// of a resource template's argument, by the URI (or the template).
    Resource,
}

impl Kind {
    /// The word for it in messages and logs.
    pub(super) fn word(self) -> &'static str {
        match self {
            Self::Tool => "tool",
            Self::Prompt => "prompt",
            Self::Resource => "resource",
        }
    }
}

/// One thing a message asks for, with the message's `id`.
#[derive(Debug)]
pub(super) struct Asked<'a> {
    pub(super) kind: Kind,
    pub(super) name: Cow<'a, str>,
    pub(super) id: Option<&'a RawValue>,
}

/// A JSON-RPC message, as far as the guard reads it.
#[derive(Deserialize)]
struct Message<'a> {
    #[serde(borrow, default)]
    id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    method: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    params: Option<&'a RawValue>,
}

/// The parameters of `tools/call` and `prompts/get`, as far as the guard reads them.
#[derive(Deserialize)]
struct ByName<'a> {
    #[serde(borrow)]
    name: Cow<'a, str>,
}

/// The parameters of `resources/read`, `resources/subscribe` and
/// `resources/unsubscribe`.
#[derive(Deserialize)]
struct ByUri<'a> {
    #[serde(borrow)]
    uri: Cow<'a, str>,
}

/// The parameters of `completion/complete`: what is completed.
#[derive(Deserialize)]
struct Completion<'a> {
    #[serde(borrow, rename = "ref")]
    reference: Reference<'a>,
}

/// A completion's reference: `ref/prompt` by name, `ref/resource` by URI template.
#[derive(Deserialize)]
struct Reference<'a> {
    #[serde(borrow, rename = "type")]
    kind: Cow<'a, str>,
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    uri: Option<Cow<'a, str>>,
}

/// Why a POST body is not passed on.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Unreadable {
    /// It is not JSON (JSON-RPC's parse error).
    Json,
    /// It is JSON, but not a JSON-RPC message or a batch of them (an invalid request):
    /// a message that is not an object (serde would read an array as a struct's fields
    /// in order, so `[[{…}]]` would pass for a batch), an empty or nested batch, an `id`
    /// that is not a string, a number or `null`, a method the guard checks whose
    /// `params` is not an object naming what it asks for (a completion's reference of a
    /// kind other than a prompt or a resource).
    Shape,
}

impl From<serde_json::Error> for Unreadable {
    fn from(error: serde_json::Error) -> Self {
        match error.classify() {
            serde_json::error::Category::Data => Self::Shape,
            _ => Self::Json,
        }
    }
}

/// What a POST body (one JSON-RPC message or a batch of them) asks for, in order: an
/// error for anything the guard cannot read, which it does not pass on.
pub(super) fn asked(body: &[u8]) -> Result<Vec<Asked<'_>>, Unreadable> {
    let batch = body.trim_ascii_start().first() == Some(&b'[');
    let messages: Vec<&RawValue> = match batch {
        true => serde_json::from_slice(body)?,
        false => vec![serde_json::from_slice(body)?],
    };
    if messages.is_empty() {
        return Err(Unreadable::Shape);
    }
    let object = |raw: &RawValue| crate::keys::is_object(raw.get().as_bytes());
    let mut asked = Vec::new();
    for raw in messages {
        if !object(raw) {
            return Err(Unreadable::Shape);
        }
        let message: Message<'_> = serde_json::from_str(raw.get())?;
        let id = message.id;
        if id.is_some_and(|id| {
            !matches!(
                id.get().as_bytes().first(),
                Some(b'"' | b'-' | b'0'..=b'9' | b'n')
            )
        }) {
            return Err(Unreadable::Shape);
        }
        let Some(method) = message.method.as_deref() else {
            continue;
        };
        let checked = matches!(
            method,
            "tools/call"
                | "prompts/get"
                | "resources/read"
                | "resources/subscribe"
                | "resources/unsubscribe"
                | "completion/complete"
        );
        if !checked {
            continue;
        }
        let params = message.params.ok_or(Unreadable::Shape)?;
        if !object(params) {
            return Err(Unreadable::Shape);
        }
        let params = params.get();
        let (kind, name) = match method {
            "tools/call" => (Kind::Tool, serde_json::from_str::<ByName<'_>>(params)?.name),
            "prompts/get" => (
                Kind::Prompt,
                serde_json::from_str::<ByName<'_>>(params)?.name,
            ),
            "completion/complete" => {
                let reference = serde_json::from_str::<Completion<'_>>(params)?.reference;
                match (&*reference.kind, reference.name, reference.uri) {
                    ("ref/prompt", Some(name), _) => (Kind::Prompt, name),
                    ("ref/resource", _, Some(uri)) => (Kind::Resource, uri),
                    // Another kind of reference names what the guard cannot check.
                    _ => return Err(Unreadable::Shape),
                }
            }
            _ => (
                Kind::Resource,
                serde_json::from_str::<ByUri<'_>>(params)?.uri,
            ),
        };
        asked.push(Asked { kind, name, id });
    }
    Ok(asked)
}

/// The resources declared to the guard, each with what it needs: by URI, or by a URI's
/// beginning (a pattern ending in `*`). The URI itself wins, then the longest beginning.
pub(super) struct Resources<V> {
    exact: FxHashMap<Box<str>, V>,
    /// Longest first.
    under: Vec<(Box<str>, V)>,
}

impl<V: Copy> Resources<V> {
    /// Declares `pattern` (declared again, the last is kept).
    pub(super) fn insert(&mut self, pattern: &str, value: V) {
        match pattern.strip_suffix('*') {
            None => drop(self.exact.insert(pattern.into(), value)),
            Some(beginning) => {
                self.under.retain(|(known, _)| **known != *beginning);
                let at = self
                    .under
                    .partition_point(|(known, _)| known.len() >= beginning.len());
                self.under.insert(at, (beginning.into(), value));
            }
        }
    }

    /// What `uri` needs, if it was declared.
    pub(super) fn get(&self, uri: &str) -> Option<V> {
        self.exact.get(uri).copied().or_else(|| {
            self.under
                .iter()
                .find(|(beginning, _)| uri.starts_with(&**beginning))
                .map(|(_, value)| *value)
        })
    }

    /// Every declared pattern, with what it needs.
    pub(super) fn iter(&self) -> impl Iterator<Item = (Cow<'_, str>, V)> {
        let exact = self
            .exact
            .iter()
            .map(|(uri, value)| (Cow::Borrowed(&**uri), *value));
        let under = self
            .under
            .iter()
            .map(|(beginning, value)| (Cow::Owned(format!("{beginning}*")), *value));
        exact.chain(under)
    }
}

impl<V> Default for Resources<V> {
    fn default() -> Self {
        Self {
            exact: FxHashMap::default(),
            under: Vec::new(),
        }
    }
}

impl<V: Clone> Clone for Resources<V> {
    fn clone(&self) -> Self {
        Self {
            exact: self.exact.clone(),
            under: self.under.clone(),
        }
    }
}

/// Whether `uri` has a dot segment (`.` or `..` between slashes or backslashes), as
/// written or once percent-decoded (as often as decoding changes it, a few times at
/// most): a server that resolves it could read a resource outside the beginning that
/// admitted the request, so such a URI is refused whatever was declared.
pub(super) fn has_dot_segment(uri: &str) -> bool {
    let dotted = |text: &str| {
        text.split(['/', '\\'])
            .any(|segment| segment == "." || segment == "..")
    };
    let mut text = Cow::Borrowed(uri);
    for _ in 0..4 {
        if dotted(&text) {
            return true;
        }
        let decoded = percent_encoding::percent_decode_str(&text).decode_utf8_lossy();
        if decoded == text {
            return false;
        }
        text = Cow::Owned(decoded.into_owned());
    }
    // Still encoded after four decodings: not a URI any server reads as written.
    true
}

#[cfg(test)]
mod tests {
    use super::{Kind, RawValue, Resources, Unreadable, asked, has_dot_segment};

    fn names(body: &[u8]) -> Vec<(Kind, String)> {
        asked(body)
            .unwrap()
            .into_iter()
            .map(|asked| (asked.kind, asked.name.into_owned()))
            .collect()
    }

    #[test]
    fn what_is_asked_is_read_from_messages_and_batches() {
        let one = br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add_item","arguments":{"name":"x"}}}"#;
        assert_eq!(names(one), [(Kind::Tool, "add_item".to_owned())]);
        assert_eq!(asked(one).unwrap()[0].id.map(RawValue::get), Some("1"));
        let escaped =
            br#"{"jsonrpc":"2.0","id":1,"method":"tools\/call","params":{"name":"add\u005fitem"}}"#;
        assert_eq!(names(escaped), [(Kind::Tool, "add_item".to_owned())]);
        let batch = br#" [{"jsonrpc":"2.0","id":1,"method":"tools/list"},
            {"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"a"}},
            {"jsonrpc":"2.0","id":3,"method":"prompts/get","params":{"name":"p"}},
            {"jsonrpc":"2.0","id":4,"method":"resources/read","params":{"uri":"file:///a"}},
            {"jsonrpc":"2.0","id":5,"method":"resources/subscribe","params":{"uri":"file:///b"}},
            {"jsonrpc":"2.0","id":6,"method":"resources/unsubscribe","params":{"uri":"file:///c"}},
            {"jsonrpc":"2.0","id":7,"method":"completion/complete","params":{"ref":{"type":"ref/prompt","name":"q"},"argument":{"name":"x","value":""}}},
            {"jsonrpc":"2.0","id":8,"method":"completion/complete","params":{"ref":{"type":"ref/resource","uri":"file:///{path}"},"argument":{"name":"path","value":""}}},
            {"jsonrpc":"2.0","id":9,"method":"resources/list"},
            {"jsonrpc":"2.0","id":10,"method":"prompts/list"},
            {"jsonrpc":"2.0","id":11,"result":{}}]"#;
        assert_eq!(
            names(batch),
            [
                (Kind::Tool, "a".to_owned()),
                (Kind::Prompt, "p".to_owned()),
                (Kind::Resource, "file:///a".to_owned()),
                (Kind::Resource, "file:///b".to_owned()),
                (Kind::Resource, "file:///c".to_owned()),
                (Kind::Prompt, "q".to_owned()),
                (Kind::Resource, "file:///{path}".to_owned()),
            ]
        );
        // What cannot be read is not passed on.
        for bad in [
            &br#"{"method":"tools/call"}"#[..],
            br#"{"method":"tools/call","params":{"name":1}}"#,
            br#"{"method":"ping","method":"tools/call","params":{"name":"a"}}"#,
            br#"{"method":"tools/call","params":{"name":"a","name":"b"}}"#,
            br#"{"method":"prompts/get","params":{"name":7}}"#,
            br#"{"method":"prompts/get","params":{}}"#,
            br#"{"method":"resources/read","params":{"name":"file:///a"}}"#,
            br#"{"method":"resources/read","params":{"uri":"a","uri":"b"}}"#,
            br#"{"method":"resources/subscribe"}"#,
            br#"{"method":"completion/complete","params":{"ref":{"type":"ref/prompt"}}}"#,
            br#"{"method":"completion/complete","params":{"ref":{"type":"ref/tool","name":"a"}}}"#,
            br#"{"method":"completion/complete","params":{"ref":{"type":"ref/prompt","type":"ref/resource","name":"a"}}}"#,
            br#"{"method":"completion/complete","params":{}}"#,
            b"not json",
            b"",
        ] {
            assert!(asked(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
        // Messages are objects, a batch is one level deep and not empty, an `id` is a
        // string, a number or null, and `tools/call` names its tool in an object.
        let call = r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"admin"}}"#;
        for bad in [
            format!("[[{call}]]"),
            format!("[[[{call}]]]"),
            format!("[{call},[{call}]]"),
            "[[]]".to_owned(),
            "[]".to_owned(),
            " [ ] ".to_owned(),
            "[1]".to_owned(),
            r#"["tools/call"]"#.to_owned(),
            "null".to_owned(),
            "7".to_owned(),
            r#""tools/call""#.to_owned(),
            r#"{"id":{"a":1},"method":"tools/call","params":{"name":"a"}}"#.to_owned(),
            r#"{"id":[1],"method":"ping"}"#.to_owned(),
            r#"{"id":true,"method":"ping"}"#.to_owned(),
            r#"{"id":1,"method":"tools/call","params":["admin"]}"#.to_owned(),
            r#"{"id":1,"method":"tools/call","params":null}"#.to_owned(),
            r#"{"id":1,"method":"resources/read","params":["file:///a"]}"#.to_owned(),
        ] {
            assert_eq!(
                asked(bad.as_bytes()).err(),
                Some(Unreadable::Shape),
                "{bad}"
            );
        }
        for bad in ["not json", "", "[", "{\"id\":1", "[{}"] {
            assert_eq!(asked(bad.as_bytes()).err(), Some(Unreadable::Json), "{bad}");
        }
        // An `id` may be a string, a number (negative too) or null; `{}` is a message
        // without a method, passed on for the server to answer.
        for good in [
            r#"{"id":"a","method":"ping"}"#,
            r#"{"id":-1,"method":"ping"}"#,
            r#"{"id":null,"method":"ping"}"#,
            r#"{"method":"notifications/initialized"}"#,
            "{}",
            r#"[{"id":1,"result":{}}]"#,
        ] {
            assert!(asked(good.as_bytes()).is_ok(), "{good}");
        }
    }

    #[test]
    fn a_resource_is_found_by_its_uri_then_by_the_longest_beginning() {
        let mut resources = Resources::default();
        resources.insert("file:///*", 1);
        resources.insert("file:///private/*", 2);
        resources.insert("file:///private/readme.md", 3);
        resources.insert("db://orders", 4);
        assert_eq!(resources.get("file:///a.txt"), Some(1));
        assert_eq!(resources.get("file:///private/keys"), Some(2));
        assert_eq!(resources.get("file:///private/readme.md"), Some(3));
        assert_eq!(resources.get("db://orders"), Some(4));
        assert_eq!(resources.get("db://orders/1"), None);
        assert_eq!(resources.get("https://example.com/"), None);
        // Declared again, the last is kept.
        resources.insert("file:///private/*", 5);
        assert_eq!(resources.get("file:///private/keys"), Some(5));
        let mut patterns: Vec<(String, i32)> = resources
            .iter()
            .map(|(pattern, value)| (pattern.into_owned(), value))
            .collect();
        patterns.sort();
        assert_eq!(
            patterns,
            [
                ("db://orders".to_owned(), 4),
                ("file:///*".to_owned(), 1),
                ("file:///private/*".to_owned(), 5),
                ("file:///private/readme.md".to_owned(), 3),
            ]
        );
        // `*` alone: every resource.
        resources.insert("*", 6);
        assert_eq!(resources.get("https://example.com/"), Some(6));
    }

    #[test]
    fn dot_segments_are_found_however_written() {
        for dotted in [
            "file:///public/../private/key",
            "file:///public/./x",
            "file:///public/..",
            "file:///public/%2e%2e/private",
            "file:///public/%2E./private",
            "file:///public/..%2fprivate",
            "file:///public/%252e%252e/private",
            "file:///public\\..\\private",
            "..",
            "file:///%25252525252e%25252525252e/x",
        ] {
            assert!(has_dot_segment(dotted), "{dotted}");
        }
        for plain in [
            "file:///public/readme.md",
            "file:///public/..hidden",
            "file:///public/a..b/",
            "file:///.well-known/x",
            "file:///{path}",
            "db://orders?page=2",
            "file:///a%20b",
        ] {
            assert!(!has_dot_segment(plain), "{plain}");
        }
    }
}
