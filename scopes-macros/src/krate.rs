//! Where the expansion finds scopes-core when the macro is not told (`crate = …`).
//!
//! By default the macros name it `::scopes_core`, which resolves in a crate that depends
//! on `scopes-core`. A crate that reaches it through another crate's re-export (the
//! service that depends on the company's `auth` crate alone) can say so once, in its
//! `Cargo.toml`:
//!
//! ```toml
//! [package.metadata.scopes]
//! crate = "auth::scopes_core"
//! ```
//!
//! and a crate that does neither gets one error that says both ways, rather than an
//! error per path the expansion names.

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;

use proc_macro2::{Span, TokenStream};

use crate::diagnostics::respan;

/// How the crate being compiled reaches scopes-core, when the macro is not told.
#[derive(Clone)]
pub(crate) enum Reach {
    /// As `::scopes_core` (its manifest names `scopes-core`, or cannot be read).
    Root,
    /// Through the path its manifest gives (`[package.metadata.scopes] crate = "…"`),
    /// as written there (parsed where it is used: tokens belong to one expansion).
    Path(String),
    /// Not at all: its manifest names neither `scopes-core` nor a path.
    Missing,
    /// Its manifest has a `metadata.scopes` this module cannot read.
    Unreadable,
    /// Its manifest names `scopes-core` among its dev-dependencies only: how its tests,
    /// examples and benches reach it (`Root` or `Path`), which its library and binaries
    /// do not see.
    DevOnly(Box<Reach>),
}

/// The manifest last read (a build compiles one crate; rust-analyzer's server, many),
/// with its modification time and what it said.
static LAST: Mutex<Option<(PathBuf, Option<SystemTime>, Reach)>> = Mutex::new(None);

/// How the crate being compiled reaches scopes-core (see [`Reach`]).
pub(crate) fn reach() -> Reach {
    let Some(dir) = std::env::var_os("CARGO_MANIFEST_DIR") else {
        return Reach::Root;
    };
    let manifest = PathBuf::from(dir).join("Cargo.toml");
    let modified = std::fs::metadata(&manifest)
        .and_then(|meta| meta.modified())
        .ok();
    let mut last = LAST.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((path, time, reach)) = &*last
        && *path == manifest
        && *time == modified
    {
        return reach.clone();
    }
    let reach = match std::fs::read_to_string(&manifest) {
        Ok(text) => match read(&text) {
            // A dependency inherited from the workspace (`sc = { workspace = true }`)
            // may be renamed there.
            Reach::Missing => inherited_rename(&manifest, &text).unwrap_or(Reach::Missing),
            reach => reach,
        },
        Err(_) => Reach::Root,
    };
    *last = Some((manifest, modified, reach.clone()));
    reach
}

/// What a manifest's text says (see [`Reach`]). Deliberately lenient: any mention of
/// `scopes-core` (a dependency, or the package itself) counts as reaching it at the
/// root, so a crate that can is never refused; a dependency renamed
/// (`sc = { package = "scopes-core", … }`) is reached by its new name.
fn read(text: &str) -> Reach {
    if let Some(path) = metadata_crate(text) {
        return Reach::Path(path);
    }
    let keys = scopes_core_keys(text);
    let named = |dev: bool| -> Vec<&str> {
        keys.iter()
            .filter(|(_, among_dev)| *among_dev == dev)
            .map(|(key, _)| key.as_str())
            .collect()
    };
    let reach = |names: &[&str]| match names.contains(&"scopes_core") {
        true => Reach::Root,
        false => Reach::Path(format!("::{}", names[0])),
    };
    let (normal, dev) = (named(false), named(true));
    if !normal.is_empty() {
        return reach(&normal);
    }
    // Comments left out: a mention there reaches nothing.
    let code: String = text
        .lines()
        .map(|line| line.split('#').next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n");
    // Written in another form (dotted keys, an inline table): said, not ignored.
    if code.contains("metadata.scopes")
        || (code.contains("[package.metadata]") && code.contains("scopes ="))
    {
        return Reach::Unreadable;
    }
    if !dev.is_empty() {
        return Reach::DevOnly(Box::new(reach(&dev)));
    }
    if code.contains("scopes-core") || code.contains("scopes_core") {
        Reach::Root
    } else {
        Reach::Missing
    }
}

/// Whether the code being compiled sees the crate's dev-dependencies: an integration
/// test or a bench (cargo says so), or a file under `tests/`, `examples/` or
/// `benches/`; or where that cannot be told (nothing is refused on a guess).
fn sees_dev_dependencies() -> bool {
    if std::env::var_os("CARGO_TARGET_TMPDIR").is_some() || !proc_macro::is_available() {
        return true;
    }
    let (Some(dir), Some(file)) = (
        std::env::var_os("CARGO_MANIFEST_DIR"),
        proc_macro::Span::call_site().local_file(),
    ) else {
        return true;
    };
    let dir = PathBuf::from(dir);
    let file = match file.is_absolute() {
        true => file,
        false => std::env::current_dir().map_or(file.clone(), |cwd| cwd.join(&file)),
    };
    match file.strip_prefix(&dir) {
        Ok(inside) => inside.components().next().is_some_and(|first| {
            ["tests", "examples", "benches"]
                .iter()
                .any(|dev| first.as_os_str() == *dev)
        }),
        Err(_) => true,
    }
}

/// The names (`-` read as `_`) under which the manifest's dependency tables list
/// scopes-core: `scopes-core = …`, or a key whose `package` is `"scopes-core"`, inline
/// (`sc = { package = "scopes-core", … }`) or as a table of its own
/// (`[dependencies.sc]` then `package = "scopes-core"`).
fn scopes_core_keys(text: &str) -> Vec<(String, bool)> {
    let mut keys: Vec<(String, bool)> = Vec::new();
    // Whether the table the line is in lists dev-dependencies (or a build script's).
    let mut dev = false;
    let mut add = |key: &str, dev: bool| {
        let key = key.trim().trim_matches(['"', '\'']).replace('-', "_");
        if !key.is_empty() && !keys.contains(&(key.clone(), dev)) {
            keys.push((key, dev));
        }
    };
    // The table a line is in: a dependency table, or one dependency's own table.
    let mut table: Option<(bool, Option<String>)> = None;
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or_default().trim();
        if let Some(header) = line.strip_prefix('[') {
            let header = header.trim_end_matches(']').replace(' ', "");
            dev = header.contains("dev-dependencies") || header.contains("build-dependencies");
            table = header.rfind("dependencies").map(|at| {
                let rest = &header[at + "dependencies".len()..];
                match rest.strip_prefix('.') {
                    Some(key) => (true, Some(key.to_owned())),
                    None => (rest.is_empty(), None),
                }
            });
            // `[dependencies.scopes-core]`: scopes-core under its own name, in a table
            // of its own.
            if let Some((true, Some(own))) = &table
                && own.trim_matches(['"', '\'']) == "scopes-core"
            {
                add(own, dev);
            }
            continue;
        }
        let Some((true, own)) = &table else {
            continue;
        };
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let (key, value) = (key.trim(), value.replace(' ', ""));
        match own {
            Some(own) if key == "package" && value.trim_matches(['"', '\'']) == "scopes-core" => {
                add(own, dev)
            }
            Some(_) => {}
            None if value.contains("package=\"scopes-core\"")
                || value.contains("package='scopes-core'") =>
            {
                add(key, dev)
            }
            // Dotted keys: `sc.package = "scopes-core"`.
            None if key.replace(' ', "").ends_with(".package")
                && value.trim_matches(['"', '\'']) == "scopes-core" =>
            {
                add(key.split('.').next().unwrap_or(key), dev)
            }
            // `scopes-core = "0.1"`, `scopes-core.workspace = true`, `scopes-core = { … }`.
            None if key.split('.').next().map(str::trim) == Some("scopes-core") => {
                add(key.split('.').next().unwrap_or(key), dev)
            }
            None => {}
        }
    }
    keys
}

/// For a member whose manifest does not name scopes-core: the workspace's manifest
/// (the nearest one above with a `[workspace]` table), when it renames scopes-core
/// under a key the member inherits (`sc = { workspace = true }`, `sc.workspace = true`).
fn inherited_rename(manifest: &std::path::Path, member: &str) -> Option<Reach> {
    let root = manifest.parent()?.ancestors().skip(1).find_map(|dir| {
        let text = std::fs::read_to_string(dir.join("Cargo.toml")).ok()?;
        text.contains("[workspace").then_some(text)
    })?;
    let inherits = |key: &str| {
        member.lines().any(|line| {
            let line = line.split('#').next().unwrap_or_default().replace(' ', "");
            let named = line.replace('-', "_");
            (named.starts_with(&format!("{key}=")) || named.starts_with(&format!("{key}.")))
                && line.contains("workspace")
        })
    };
    scopes_core_keys(&root)
        .into_iter()
        .map(|(key, _)| key)
        .find(|key| key != "scopes_core" && inherits(key))
        .map(|key| Reach::Path(format!("::{key}")))
}

/// `crate = "…"` in the manifest's `[package.metadata.scopes]` table, or the same key
/// written with dots (`metadata.scopes.crate = "…"` under `[package]`, `scopes.crate`
/// under `[package.metadata]`) or as an inline table (`scopes = { crate = "…" }` under
/// `[package.metadata]`): TOML's ways of writing one key.
fn metadata_crate(text: &str) -> Option<String> {
    let mut table = String::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or_default().trim();
        if line.starts_with('[') {
            table = bare_key(line.trim_start_matches('[').trim_end_matches(']'));
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = match table.is_empty() {
            true => bare_key(key),
            false => format!("{table}.{}", bare_key(key)),
        };
        let value = value.trim();
        match key.as_str() {
            "package.metadata.scopes.crate" => return unquoted(value),
            "package.metadata.scopes" => {
                let inline = value.strip_prefix('{')?.strip_suffix('}')?;
                return inline.split(',').find_map(|pair| {
                    let (key, value) = pair.split_once('=')?;
                    (bare_key(key) == "crate").then(|| unquoted(value.trim()))?
                });
            }
            _ => {}
        }
    }
    None
}

/// A TOML key as one dotted string: spaces and quotes around its parts left out.
fn bare_key(key: &str) -> String {
    key.split('.')
        .map(|part| part.trim().trim_matches(['"', '\'']))
        .collect::<Vec<_>>()
        .join(".")
}

/// A TOML string's text, in either kind of quotes.
fn unquoted(value: &str) -> Option<String> {
    ['"', '\''].iter().find_map(|&quote| {
        value
            .strip_prefix(quote)
            .and_then(|value| value.strip_suffix(quote))
            .map(str::to_owned)
    })
}

/// Fills in the path of scopes-core the macro was not given (`given` is `None`): the one
/// the manifest names, else none (`::scopes_core`); an error spanned on the macro when
/// the crate does not reach scopes-core at all.
///
/// The manifest's path is spanned at `span` (the table's path, where the macro has
/// one): errors about the table then read as one, wherever the expansion names it.
pub(crate) fn fill(
    given: &mut Option<syn::Path>,
    span: Span,
    what: &str,
    example: impl FnOnce() -> String,
) -> syn::Result<()> {
    if given.is_some() {
        return Ok(());
    }
    let reach = match reach() {
        Reach::DevOnly(reach) if sees_dev_dependencies() => *reach,
        reach => reach,
    };
    match reach {
        Reach::Root => Ok(()),
        Reach::Path(written) => match syn::parse_str::<syn::Path>(&written) {
            Ok(mut path) => {
                // A crate's name, from the crate root: a module of the same name where
                // the macro is written does not shadow it.
                let relative = path.leading_colon.is_none()
                    && path.segments.first().is_some_and(|first| {
                        !matches!(first.ident.to_string().as_str(), "crate" | "self" | "super")
                    });
                if relative {
                    path.leading_colon = Some(Default::default());
                }
                *given = Some(syn::parse2(respan(quote::quote!(#path), span))?);
                Ok(())
            }
            Err(_) => Err(syn::Error::new(
                Span::call_site(),
                format!(
                    "`[package.metadata.scopes] crate = {written:?}` in this crate's Cargo.toml is not a path; write the path of the re-export of scopes-core, e.g. `crate = \"auth::scopes_core\"`"
                ),
            )),
        },
        Reach::Missing => Err(syn::Error::new(
            Span::call_site(),
            missing(what, &example()),
        )),
        Reach::DevOnly(_) => Err(syn::Error::new(
            Span::call_site(),
            dev_only(what, &example()),
        )),
        Reach::Unreadable => Err(syn::Error::new(
            Span::call_site(),
            "this crate's Cargo.toml has a `metadata.scopes` that the macros cannot read: write it as the table `[package.metadata.scopes]` with the line `crate = \"auth::scopes_core\"` (the path of your auth crate's re-export of scopes-core)",
        )),
    }
}

/// The value of `crate = …`: scopes-core's path, written as a path
/// (`crate = auth::scopes_core`) or, as serde's `#[serde(crate = "…")]` and the
/// manifest's `crate = "…"` write it, in a string (`crate = "auth::scopes_core"`).
pub(crate) fn parse_crate_path(input: syn::parse::ParseStream<'_>) -> syn::Result<syn::Path> {
    if input.peek(syn::LitStr) {
        let written: syn::LitStr = input.parse()?;
        return match syn::parse_str::<syn::Path>(&written.value()) {
            Ok(path) => syn::parse2(respan(quote::quote!(#path), written.span())),
            Err(_) => Err(syn::Error::new(
                written.span(),
                "`crate = …` takes the path of scopes-core (or of its re-export), e.g. `crate = auth::scopes_core`",
            )),
        };
    }
    input.parse()
}

/// The value of `table = …`: a path, never a string; the mistake of quoting it (as
/// `crate = "…"` may be) says so on the string.
pub(crate) fn parse_table_path(input: syn::parse::ParseStream<'_>) -> syn::Result<syn::Path> {
    if input.peek(syn::LitStr) {
        let written: syn::LitStr = input.parse()?;
        return Err(syn::Error::new(
            written.span(),
            format!(
                "`table = …` takes the table's type, not a string: write `table = {}` without the quotes",
                written.value()
            ),
        ));
    }
    input.parse()
}

/// An item that makes rustc read the manifest, once per compilation where the macros
/// took scopes-core's path from it: cargo then rebuilds the crate when that path changes
/// (the manifest is among the build's inputs; cargo itself ignores `metadata`).
pub(crate) fn track() -> TokenStream {
    static TRACKED: AtomicBool = AtomicBool::new(false);
    if !matches!(reach(), Reach::Path(_)) || TRACKED.swap(true, Ordering::Relaxed) {
        return TokenStream::new();
    }
    quote::quote! {
        const _: &[u8] = ::core::include_bytes!(::core::concat!(
            ::core::env!("CARGO_MANIFEST_DIR"),
            "/Cargo.toml"
        ));
    }
}

/// How to write the macro as it was written with `crate = …` added, for the error's
/// example: `open` (`#[requires_scopes(`), the macro's own arguments, `close`. Pasted,
/// it requires and documents what the original did.
pub(crate) fn example(open: &str, args: &TokenStream, close: &str) -> String {
    let written = args.to_string();
    // Tokens print spaced (`"items" , any ("a" , "b")`, `auth :: Scopes`): closed up.
    let mut written = written
        .replace(" ,", ",")
        .replace(" :: ", "::")
        .replace(":: ", "::")
        .replace(" (", "(")
        .replace("( ", "(")
        .replace(" )", ")");
    while written.ends_with([',', ' ']) {
        written.pop();
    }
    match written.is_empty() {
        true => format!("`{open}crate = auth::scopes_core{close}`"),
        false => format!("`{open}{written}, crate = auth::scopes_core{close}`"),
    }
}

/// The error for a crate that does not reach scopes-core, naming `what` (the macro, as
/// written) and how to write it with `crate = …` (`example`).
fn missing(what: &str, example: &str) -> String {
    format!(
        "{what} expands to paths in `scopes_core`, but this crate does not depend on `scopes-core`: if it reaches it through another crate's re-export (`pub use scopes_core;` in your `auth` crate), say so once in this crate's Cargo.toml, `[package.metadata.scopes]` then `crate = \"auth::scopes_core\"`, or on this macro, {example}; else add `scopes-core` to its [dependencies]"
    )
}

/// The error for a crate whose manifest names scopes-core among its dev-dependencies
/// only, in code that does not see them (its library or a binary).
fn dev_only(what: &str, example: &str) -> String {
    format!(
        "{what} expands to paths in `scopes_core`, but this crate has `scopes-core` in its [dev-dependencies] only, which its library and binaries do not see: if it reaches scopes-core through another crate's re-export (`pub use scopes_core;` in your `auth` crate), say so once in this crate's Cargo.toml, `[package.metadata.scopes]` then `crate = \"auth::scopes_core\"` (its tests use that path too), or on this macro, {example}; else move `scopes-core` to its [dependencies] (in `#[cfg(test)]` code, write `crate = ::scopes_core` on the macro)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(reach: Reach) -> Option<String> {
        match reach {
            Reach::Path(path) => Some(path),
            _ => None,
        }
    }

    #[test]
    fn the_example_repeats_what_was_written() {
        let cases = [
            (
                quote::quote!(),
                "`#[requires_scopes(crate = auth::scopes_core)]`",
            ),
            (
                quote::quote!("items", "me",),
                "`#[requires_scopes(\"items\", \"me\", crate = auth::scopes_core)]`",
            ),
            (
                quote::quote!(any("a", "b"), table = auth::Scopes),
                "`#[requires_scopes(any(\"a\", \"b\"), table = auth::Scopes, crate = auth::scopes_core)]`",
            ),
        ];
        for (args, expected) in cases {
            assert_eq!(example("#[requires_scopes(", &args, ")]"), expected);
        }
    }

    #[test]
    fn a_dependency_a_path_or_neither() {
        let depends = "[package]\nname = \"svc\"\n[dependencies]\nscopes-core = \"0.1\"\n";
        assert!(matches!(read(depends), Reach::Root));
        let workspace = "[dependencies]\nscopes-core.workspace = true\n";
        assert!(matches!(read(workspace), Reach::Root));
        let renamed = "[dependencies]\nsc = { package = \"scopes-core\", version = \"0.1\" }\n";
        assert_eq!(path(read(renamed)).as_deref(), Some("::sc"));
        let renamed_table = "[dependencies.my-scopes]\npackage = \"scopes-core\"\npath = \"../scopes-core\"\n[dependencies]\nauth = \"1\"\n";
        assert_eq!(path(read(renamed_table)).as_deref(), Some("::my_scopes"));
        // Among dev-dependencies only: for the tests, examples and benches alone.
        let renamed_dev =
            "[target.'cfg(unix)'.dev-dependencies]\nsc = {package='scopes-core', path = \"x\"}\n";
        let Reach::DevOnly(dev) = read(renamed_dev) else {
            panic!("dev-only")
        };
        assert_eq!(path(*dev).as_deref(), Some("::sc"));
        let dev_only = "[dependencies]\nauth = \"1\"\n[dev-dependencies]\nscopes-core = { path = \"x\", features = [\"testing\"] }\n";
        assert!(matches!(read(dev_only), Reach::DevOnly(reach) if matches!(*reach, Reach::Root)));
        let dev_table =
            "[dependencies]\nauth = \"1\"\n[dev-dependencies.scopes-core]\npath = \"x\"\n";
        assert!(matches!(read(dev_table), Reach::DevOnly(reach) if matches!(*reach, Reach::Root)));
        // In a table of its own, beside a dev-dependency that adds the testing kit.
        let own_table = "[dependencies.scopes-core]\npath = \"x\"\nfeatures = [\"macros\"]\n[dev-dependencies]\nscopes-core = { path = \"x\", features = [\"testing\"] }\n";
        assert!(matches!(read(own_table), Reach::Root));
        let target_table = "[target.'cfg(unix)'.dependencies.scopes-core]\npath = \"x\"\n";
        assert!(matches!(read(target_table), Reach::Root));
        // A mention in a comment reaches nothing.
        let commented = "[package]\nname = \"svc\" # reaches scopes-core through auth\n[dependencies]\nauth = \"1\" # scopes_core\n";
        assert!(matches!(read(commented), Reach::Missing));
        let dotted_rename = "[dependencies]\nsc.package = \"scopes-core\"\nsc.path = \"x\"\n";
        assert_eq!(path(read(dotted_rename)).as_deref(), Some("::sc"));
        // Under its own name too: the root path serves.
        let both = "[dependencies]\nscopes-core = \"0.1\"\n[dev-dependencies]\nsc = { package = \"scopes-core\" }\n";
        assert!(matches!(read(both), Reach::Root));
        // scopes-core itself, and a package named like it elsewhere.
        let itself = "[package]\nname = \"scopes-core\"\n[dependencies]\nserde = \"1\"\n";
        assert!(matches!(read(itself), Reach::Root));
        let through = "[package]\nname = \"svc\"\n\n[package.metadata.scopes]\ncrate = \"auth::scopes_core\" # the re-export\n\n[dependencies]\nauth = { path = \"../auth\" }\n";
        assert_eq!(path(read(through)).as_deref(), Some("auth::scopes_core"));
        let single = "[package.metadata.scopes]\ncrate = 'auth::scopes_core'\n";
        assert_eq!(path(read(single)).as_deref(), Some("auth::scopes_core"));
        // TOML's other ways of writing the same key.
        let dotted = "[package]\nmetadata.scopes.crate = \"auth::scopes_core\"\n";
        assert_eq!(path(read(dotted)).as_deref(), Some("auth::scopes_core"));
        let half = "[package.metadata]\nscopes.crate = \"auth::scopes_core\"\n";
        assert_eq!(path(read(half)).as_deref(), Some("auth::scopes_core"));
        let inline = "[package.metadata]\nscopes = { crate = \"auth::scopes_core\" }\n";
        assert_eq!(path(read(inline)).as_deref(), Some("auth::scopes_core"));
        let quoted = "[package.metadata.\"scopes\"]\n\"crate\" = \"auth::scopes_core\"\n";
        assert_eq!(path(read(quoted)).as_deref(), Some("auth::scopes_core"));
        // Said, not ignored: an inline table without a string `crate`.
        let unreadable = "[package.metadata]\nscopes = { krate = \"auth::scopes_core\" }\n";
        assert!(matches!(read(unreadable), Reach::Unreadable));
        let neither = "[package]\nname = \"svc\"\n[dependencies]\nauth = { path = \"../auth\" }\n";
        assert!(matches!(read(neither), Reach::Missing));
        // A `crate` key in another table is not this one.
        let elsewhere = "[package.metadata.other]\ncrate = \"x\"\n[dependencies]\nauth = \"1\"\n";
        assert!(matches!(read(elsewhere), Reach::Missing));
    }
}
