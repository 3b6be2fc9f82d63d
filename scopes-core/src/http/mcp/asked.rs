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
    /// A method the guard neither checks nor knows to ask for nothing it could check
    /// ([`carries_nothing`]), by its name: refused only by a guard told to.
    Method,
}

impl Kind {
    /// The word for it in messages and logs.
    pub(super) fn word(self) -> &'static str {
        match self {
            Self::Tool => "tool",
            Self::Prompt => "prompt",
            Self::Resource => "resource",
            Self::Method => "method",
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

/// The parameters of `subscriptions/listen` (MCP 2026): the resources whose updates the
/// stream is to carry, among other notifications.
#[derive(Deserialize)]
struct Listen<'a> {
    #[serde(borrow)]
    notifications: Notifications<'a>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Notifications<'a> {
    #[serde(borrow, default)]
    resource_subscriptions: Option<Vec<Cow<'a, str>>>,
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

/// How a checked method's parameters name what it asks for.
type ReadParams<'a> = fn(&'a str) -> Result<Vec<(Kind, Cow<'a, str>)>, Unreadable>;

/// `params` read as `P`.
fn by<'a, P: Deserialize<'a>>(params: &'a str) -> Result<P, Unreadable> {
    Ok(serde_json::from_str(params)?)
}

/// What a POST body (one JSON-RPC message or a batch of them) asks for, in order: an
/// error for anything the guard cannot read, which it does not pass on.
pub(super) fn asked<'a>(body: &'a [u8]) -> Result<Vec<Asked<'a>>, Unreadable> {
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
        let Some(method) = message.method else {
            continue;
        };
        // Each method the guard checks, with how its parameters name what it asks for;
        // any other passes (listing, pings, notifications, initialization), named when
        // MCP gives it nothing to check.
        let Some(read) = reader(&method) else {
            if !carries_nothing(&method) {
                asked.push(Asked {
                    kind: Kind::Method,
                    name: method,
                    id,
                });
            }
            continue;
        };
        let params = message.params.ok_or(Unreadable::Shape)?;
        if !object(params) {
            return Err(Unreadable::Shape);
        }
        for (kind, name) in read(params.get())? {
            asked.push(Asked { kind, name, id });
        }
    }
    Ok(asked)
}

/// How the parameters of `method` name what it asks for, if the guard checks it.
fn reader<'a>(method: &str) -> Option<ReadParams<'a>> {
    let read: ReadParams<'a> = match method {
        "tools/call" => |params| Ok(vec![(Kind::Tool, by::<ByName<'_>>(params)?.name)]),
        "prompts/get" => |params| Ok(vec![(Kind::Prompt, by::<ByName<'_>>(params)?.name)]),
        "resources/read"
        | "resources/subscribe"
        | "resources/unsubscribe"
        | "resources/directory/read" => {
            |params| Ok(vec![(Kind::Resource, by::<ByUri<'_>>(params)?.uri)])
        }
        "subscriptions/listen" => |params| {
            let listen = by::<Listen<'_>>(params)?;
            let uris = listen.notifications.resource_subscriptions;
            Ok(uris
                .into_iter()
                .flatten()
                .map(|uri| (Kind::Resource, uri))
                .collect())
        },
        "completion/complete" => |params| {
            let reference = by::<Completion<'_>>(params)?.reference;
            match (&*reference.kind, reference.name, reference.uri) {
                ("ref/prompt", Some(name), _) => Ok(vec![(Kind::Prompt, name)]),
                ("ref/resource", _, Some(uri)) => Ok(vec![(Kind::Resource, uri)]),
                // Another kind of reference names what the guard cannot check.
                _ => Err(Unreadable::Shape),
            }
        },
        _ => return None,
    };
    Some(read)
}

/// Whether the guard checks what `method` asks for ([`asked`] reads its parameters).
pub(super) fn checks(method: &str) -> bool {
    reader(method).is_some()
}

/// Whether `method` is one of MCP's (up to its 2026-07-28 revision, and rmcp's) that
/// names nothing the guard checks: initialization, pings, the log level, listings,
/// discovery, skills (their metadata, as listed), tasks (bound to their principal by
/// the server) and MCP's notifications (a server ignores one it does not expect).
pub(super) fn carries_nothing(method: &str) -> bool {
    matches!(
        method,
        "initialize"
            | "ping"
            | "logging/setLevel"
            | "tools/list"
            | "prompts/list"
            | "resources/list"
            | "resources/templates/list"
            | "server/discover"
            | "skills/list"
            | "skills/get"
            | "tasks/get"
            | "tasks/list"
            | "tasks/result"
            | "tasks/update"
            | "tasks/cancel"
            | "notifications/initialized"
            | "notifications/cancelled"
            | "notifications/progress"
            | "notifications/message"
            | "notifications/roots/list_changed"
            | "notifications/tools/list_changed"
            | "notifications/prompts/list_changed"
            | "notifications/resources/list_changed"
            | "notifications/resources/updated"
            | "notifications/elicitation/complete"
            | "notifications/elicitation/response"
            | "notifications/subscriptions/acknowledged"
            | "notifications/tasks"
            | "notifications/tasks/status"
    )
}

/// The resources declared to the guard, each with what it needs: by URI, or by a URI's
/// beginning (a pattern ending in `*`), each [`canonical`]. The URI itself wins, then
/// the longest beginning.
#[derive(Clone)]
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

    /// What `uri` needs, if it was declared: a beginning ending in `/` covers the URI
    /// before it too (`file:///docs/keys/*` covers `file:///docs/keys`, whose listing
    /// names what is below it).
    pub(super) fn get(&self, uri: &str) -> Option<V> {
        let path_end = uri.find(['?', '#']).unwrap_or(uri.len());
        let covers = |beginning: &str| {
            uri.starts_with(beginning)
                || beginning
                    .strip_suffix('/')
                    .is_some_and(|directory| directory == &uri[..path_end])
        };
        self.exact.get(uri).copied().or_else(|| {
            self.under
                .iter()
                .find(|(beginning, _)| covers(beginning))
                .map(|(_, value)| *value)
        })
    }

    /// What each declared pattern needs.
    pub(super) fn values(&self) -> impl Iterator<Item = V> {
        let exact = self.exact.values().copied();
        exact.chain(self.under.iter().map(|(_, value)| *value))
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

/// `uri` as the guard compares it with the declared resources, or `None` for a URI
/// written so that a server could read it as another (which is refused, whatever was
/// declared). It is read as URL parsers read it, by one (WHATWG's, the `url` crate's,
/// as Rust's, JavaScript's and pydantic's servers do), and its path is then decoded, as
/// a server decodes it to find the resource:
///
/// - refused as written: a control character, DEL or `\\` (parsers drop tabs and line
///   breaks and read `\\` as `/`), a space at either end (parsers trim it), a `.` or
///   `..` segment before `/`, `?`, `#` or the end (escaped too), which parsers resolve
///   and a server given the text as it stands may resolve otherwise; and a URI no
///   parser reads (one without a scheme);
/// - made canonical by the parser: the scheme and the host in lower case, the host
///   mapped as DNS reads it (full-width dots, an IPv4 address written `127.1`), an
///   empty or default port left out, `file://localhost/` as `file:///`;
/// - refused after it: userinfo (`user@host`), a host ending in `.` or holding an
///   escape (a custom scheme's host is kept as written, then put in lower case), a
///   `file:` URI's host, query or fragment, and in the decoded path an empty
///   segment (`//`: a file system reads it as `/`), an escaped `/`, `\\` or control
///   character, or an escape left (a second layer, which a server decoding twice
///   reads as another character).
pub(super) fn canonical(uri: &str) -> Option<String> {
    // Dot segments as written are looked for in the path (before a query or fragment).
    let path = &uri[..uri.find(['?', '#']).unwrap_or(uri.len())];
    if uri
        .bytes()
        .any(|byte| byte < 0x20 || byte == 0x7f || byte == b'\\')
        || uri.starts_with(' ')
        || uri.ends_with(' ')
        || dotted(path)
        || dotted(&percent_encoding::percent_decode_str(path).decode_utf8_lossy())
    {
        return None;
    }
    let url = url::Url::parse(uri).ok()?;
    // Userinfo, a host ending in `.` (the same host to DNS as without it), an escape in
    // a host (a custom scheme's, which the parser keeps as written), a `file:` URI's
    // host (one server reads its path alone, another a share on that host), and a
    // `file:` URI's query or fragment (RFC 8089 gives them no meaning; a server that
    // makes a path of the text after `file://` would read `x?/../keys` as `keys`).
    let file = url.scheme() == "file";
    if !url.username().is_empty()
        || url.password().is_some()
        || url
            .host_str()
            .is_some_and(|host| host.ends_with('.') || host.contains('%'))
        || (file && url.host_str().is_some_and(|host| !host.is_empty()))
        || (file && (url.query().is_some() || url.fragment().is_some()))
    {
        return None;
    }
    let path = decoded_path(url.path())?;
    // A custom scheme's host in lower case too, as RFC 3986 §6.2.2.1 compares it (the
    // parser lower-cases only the hosts of the schemes it knows).
    let before = url[..url::Position::BeforePath].to_ascii_lowercase();
    let after = &url[url::Position::AfterPath..];
    Some(format!("{before}{path}{after}"))
}

/// A parsed URI's `path` decoded once, or `None` for a path a server could read as
/// another's: an empty segment inside it, an escaped separator or control character,
/// an escape left after decoding, no UTF-8.
fn decoded_path(path: &str) -> Option<String> {
    let bytes = path.as_bytes();
    let hex = |at: usize| bytes.get(at).is_some_and(u8::is_ascii_hexdigit);
    for at in 0..bytes.len() {
        if bytes[at] == b'%' && hex(at + 1) && hex(at + 2) {
            let byte = u8::from_str_radix(&path[at + 1..at + 3], 16).ok()?;
            if byte < 0x20 || byte == 0x7f || matches!(byte, b'/' | b'\\') {
                return None;
            }
        }
    }
    let decoded = percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .ok()?
        .into_owned();
    let again = decoded.as_bytes();
    let escaped = (0..again.len()).any(|at| {
        again[at] == b'%'
            && again.get(at + 1).is_some_and(u8::is_ascii_hexdigit)
            && again.get(at + 2).is_some_and(u8::is_ascii_hexdigit)
    });
    let segments: Vec<&str> = decoded.split('/').collect();
    let last = segments.len().saturating_sub(1);
    let empty_inside = segments
        .iter()
        .enumerate()
        .any(|(at, segment)| segment.is_empty() && at != 0 && at != last);
    (!escaped && !empty_inside && !dotted(&decoded)).then_some(decoded)
}

/// Whether `text` has a `.` or `..` segment before `/`, `?`, `#` or its end.
fn dotted(text: &str) -> bool {
    text.split(['/', '?', '#'])
        .any(|segment| segment == "." || segment == "..")
}

/// A pattern's beginning (what precedes its `*`) as [`canonical`] writes a URI that
/// begins so: one that ends before a host is written (`""`, `"db:"`, `"https://"`) is
/// kept in lower case, as every canonical URI writes its scheme; any other is read as
/// the beginning of a longer URI (canonical with one more character, which is then
/// taken off). `None` for a beginning no canonical URI begins with as written: one
/// that ends inside a host or a port (`"https://admin"`, which the parser would end
/// with `/`, so that `https://admin.example.com/…` fell to a broader declaration).
pub(super) fn canonical_beginning(beginning: &str) -> Option<String> {
    // A scheme, then perhaps `:`, `:/` or `://`, and nothing after.
    let (scheme, rest) = beginning.split_once(':').unwrap_or((beginning, ""));
    let scheme_only = scheme
        .bytes()
        .next()
        .is_none_or(|b| b.is_ascii_alphabetic())
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
        && matches!(rest, "" | "/" | "//");
    if scheme_only {
        return Some(beginning.to_ascii_lowercase());
    }
    let longer = format!("{beginning}x");
    let url = url::Url::parse(&longer).ok()?;
    if url.host_str().is_some_and(|host| host.ends_with('x')) {
        return None;
    }
    canonical(&longer)?.strip_suffix('x').map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::{Kind, RawValue, Resources, Unreadable, asked, canonical, canonical_beginning};

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
            {"jsonrpc":"2.0","id":12,"method":"resources/directory/read","params":{"uri":"file:///d/"}},
            {"jsonrpc":"2.0","id":13,"method":"subscriptions/listen","params":{"notifications":{"toolsListChanged":true,"resourceSubscriptions":["file:///e","file:///f"]}}},
            {"jsonrpc":"2.0","id":14,"method":"subscriptions/listen","params":{"notifications":{"toolsListChanged":true}}},
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
                (Kind::Resource, "file:///d/".to_owned()),
                (Kind::Resource, "file:///e".to_owned()),
                (Kind::Resource, "file:///f".to_owned()),
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
            br#"{"method":"subscriptions/listen","params":{}}"#,
            br#"{"method":"subscriptions/listen","params":{"notifications":{"resourceSubscriptions":"file:///a"}}}"#,
            br#"{"method":"subscriptions/listen","params":{"notifications":{"resourceSubscriptions":[],"resourceSubscriptions":["file:///a"]}}}"#,
            br#"{"method":"resources/directory/read","params":{}}"#,
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
    fn the_methods_checked_are_those_whose_parameters_are_read() {
        use super::{carries_nothing, checks};
        for method in [
            "tools/call",
            "prompts/get",
            "resources/read",
            "resources/subscribe",
            "resources/unsubscribe",
            "resources/directory/read",
            "subscriptions/listen",
            "completion/complete",
            "initialize",
            "ping",
            "tools/list",
            "tasks/update",
            "notifications/initialized",
            "notifications/acme/run",
            "acme/reindex",
            "Tools/Call",
            "tools/call/",
            "notifications",
        ] {
            let body = format!(r#"{{"jsonrpc":"2.0","id":1,"method":"{method}","params":{{}}}}"#);
            let read = asked(body.as_bytes());
            // Empty parameters name nothing a checked method asks for.
            if checks(method) {
                assert_eq!(read.err(), Some(Unreadable::Shape), "{method}");
                assert!(!carries_nothing(method), "{method}");
                continue;
            }
            let read: Vec<_> = read
                .unwrap()
                .into_iter()
                .map(|a| (a.kind, a.name))
                .collect();
            match carries_nothing(method) {
                true => assert!(read.is_empty(), "{method}"),
                false => assert_eq!(read, [(Kind::Method, method.into())], "{method}"),
            }
        }
    }

    #[test]
    fn a_uri_a_server_could_read_as_another_is_refused() {
        for refused in [
            // Dot segments, as written or escaped, before `/`, `?`, `#` or the end.
            "file:///public/../private/key",
            "file:///public/./x",
            "file:///public/..",
            "file:///srv/docs/..?",
            "file:///srv/docs/..#x",
            "file:///public/%2e%2e/private",
            "file:///public/%2E./private",
            "..",
            // Escaped separators, and a second layer of escapes.
            "file:///public/..%2fprivate",
            "file:///srv/docs/keys%2Fid_rsa",
            "file:///srv/docs/keys%5Cid_rsa",
            "file:///public/%252e%252e/private",
            "file:///srv/docs/%256Beys/id_rsa",
            // What URL parsers drop or read as `/`.
            "file:///srv/docs/a/.\t./keys/id_rsa",
            "file:///srv/docs/pub/.\r./.\r./etc/passwd",
            "https://api.example.com/public/.\n./admin",
            "file:///srv/docs/keys\\id_rsa",
            "file:///public\\..\\private",
            " file:///srv/docs/x",
            "file:///srv/docs/%00x",
            "items://all%2Fsecret",
            // A second layer of escapes, however written.
            "file:///srv/docs/%25%36%42eys/id_rsa",
            "file:///srv/docs/%%36%42eys/id_rsa",
            "file:///srv/docs/%6%42eys/a",
            "file:///srv/docs/x/%2%65%2%65/keys/a",
            "db://orders/%7%30rivate/1",
            // No scheme: no parser reads it.
            "readme.md",
            // A `file:` URI's query or fragment (a server making a path of the text
            // could normalize what follows `?` or `#`).
            "file:///srv/docs/x?/../keys/a",
            "file:///srv/docs/x#/../keys/a",
            "file:///srv/docs/a?",
            "file:///srv/docs/a#",
            // A `file:` URI's host.
            "file://anyhost/srv/docs/keys/a",
            "file://127.0.0.1/srv/docs/keys/a",
            // An empty segment, which a file system reads as one `/`.
            "file:///srv/docs//keys/id_rsa",
            // Userinfo and a host ending in `.`, however written.
            "https://user@api.example.com/admin/x",
            "https://api.example.com./admin/x",
            "https://api.example.com\u{3002}/admin/x",
            // An escape of no UTF-8.
            "file:///srv/%ff",
        ] {
            assert_eq!(canonical(refused), None, "{refused:?}");
        }
        for (written, read) in [
            ("file:///public/readme.md", "file:///public/readme.md"),
            ("file:///public/..hidden", "file:///public/..hidden"),
            ("file:///public/a..b/", "file:///public/a..b/"),
            ("file:///.well-known/x", "file:///.well-known/x"),
            ("file:///{path}", "file:///{path}"),
            ("db://orders?page=2", "db://orders?page=2"),
            ("items://all", "items://all"),
            ("file:///srv/docs/", "file:///srv/docs/"),
            ("weather://forecast/New York", "weather://forecast/New York"),
            (
                "https://example.com/a?path=/../x",
                "https://example.com/a?path=/../x",
            ),
            ("https://example.com/a#/../x", "https://example.com/a#/../x"),
            ("db://Orders/private/0", "db://orders/private/0"),
            (
                "ui://widget/x.html?theme=dark&v=1",
                "ui://widget/x.html?theme=dark&v=1",
            ),
            (
                "db://orders?redirect=https%3A%2F%2Fx",
                "db://orders?redirect=https%3A%2F%2Fx",
            ),
            ("file:///C:/Users/x", "file:///C:/Users/x"),
            // Escapes decoded, a space among them; `%` alone stays.
            ("file:///a%20b", "file:///a b"),
            (
                "file:///srv/docs/%6Beys/id_rsa",
                "file:///srv/docs/keys/id_rsa",
            ),
            ("file:///100%25.txt", "file:///100%.txt"),
            ("file:///100%.txt", "file:///100%.txt"),
            ("file:///r%C3%A9sum%C3%A9", "file:///résumé"),
            // The scheme and the host in lower case, default ports left out.
            ("FILE:///Srv/Docs", "file:///Srv/Docs"),
            (
                "HTTPS://API.Example.COM:443/Admin",
                "https://api.example.com/Admin",
            ),
            ("http://api.example.com:80/a", "http://api.example.com/a"),
            (
                "http://api.example.com:8080/a",
                "http://api.example.com:8080/a",
            ),
            ("https://api.ex%61mple.com/a", "https://api.example.com/a"),
            // Hosts and ports as a parser reads them.
            (
                "https:///api.example.com/admin/x",
                "https://api.example.com/admin/x",
            ),
            (
                "https://api.example.com:/admin/x",
                "https://api.example.com/admin/x",
            ),
            (
                "https://api.example.com:0443/admin/x",
                "https://api.example.com/admin/x",
            ),
            (
                "https://api\u{FF0E}example.com/admin/x",
                "https://api.example.com/admin/x",
            ),
            (
                "https://ＡＰＩ.example.com/admin/x",
                "https://api.example.com/admin/x",
            ),
            ("https://127.1/x", "https://127.0.0.1/x"),
            ("https://[0::1]/x", "https://[::1]/x"),
            ("file:srv/docs/keys/a", "file:///srv/docs/keys/a"),
            (
                "file://localhost/srv/docs/keys/a",
                "file:///srv/docs/keys/a",
            ),
            (
                "https:api.example.com/admin/x",
                "https://api.example.com/admin/x",
            ),
        ] {
            assert_eq!(canonical(written).as_deref(), Some(read), "{written:?}");
        }
    }

    #[test]
    fn a_pattern_s_beginning_is_read_as_a_longer_uri_s() {
        for (beginning, read) in [
            ("", ""),
            ("db:", "db:"),
            ("HTTPS://", "https://"),
            ("file:///srv/docs/", "file:///srv/docs/"),
            (
                "HTTPS://API.example.com:443/admin/",
                "https://api.example.com/admin/",
            ),
            ("weather://forecast/New ", "weather://forecast/New "),
            ("db://Orders/private/", "db://orders/private/"),
            ("file:///srv/docs/v1.", "file:///srv/docs/v1."),
        ] {
            assert_eq!(
                canonical_beginning(beginning).as_deref(),
                Some(read),
                "{beginning:?}"
            );
        }
        // Ending inside a host or a port, or where no URI begins so.
        for refused in [
            "https://admin",
            "https://api.example.co",
            "https://api.example.com:",
            "db://orders",
            "file:///srv/docs/../",
            "file:///srv//docs/",
        ] {
            assert_eq!(canonical_beginning(refused), None, "{refused:?}");
        }
    }

    #[test]
    fn a_resource_is_matched_as_its_server_reads_it() {
        // The reviewer's setup: the public documents, and the keys below them.
        let mut resources = Resources::default();
        resources.insert("file:///srv/docs/*", "public");
        resources.insert("file:///srv/docs/keys/*", "keys");
        resources.insert("https://*", "web");
        resources.insert("https://api.example.com/admin/*", "admin");
        let found = |uri: &str| canonical(uri).and_then(|uri| resources.get(&uri));
        for (uri, needs) in [
            ("file:///srv/docs/keys/id_rsa", Some("keys")),
            ("file:///srv/docs/%6Beys/id_rsa", Some("keys")),
            ("file:///srv/docs/readme", Some("public")),
            ("HTTPS://API.EXAMPLE.COM/admin/x", Some("admin")),
            ("https://api.example.com:443/admin/x", Some("admin")),
            ("https:///api.example.com/admin/x", Some("admin")),
            ("https://api\u{FF0E}example.com/admin/x", Some("admin")),
            ("https:api.example.com/admin/x", Some("admin")),
            // A beginning ending in `/` covers the URI before it.
            ("file:///srv/docs/keys", Some("keys")),
            ("file:///srv/docs/keys?x", None),
            ("file:///srv/docs/x?/../keys/a", None),
            ("file:///srv/docs/x#/../keys/a", None),
            ("https://api.example.com/admin", Some("admin")),
            ("file:///srv/docs/keysmith", Some("public")),
            ("https://api.example.com/other", Some("web")),
            // Refused before any declaration is looked up.
            ("file:///srv/docs//keys/id_rsa", None),
            ("file:///srv/docs/keys\\id_rsa", None),
            ("https://user@api.example.com/admin/x", None),
        ] {
            assert_eq!(found(uri), needs, "{uri:?}");
        }
    }
}
