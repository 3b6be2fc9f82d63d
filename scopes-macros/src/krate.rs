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
        Ok(text) => read(&text),
        Err(_) => Reach::Root,
    };
    *last = Some((manifest, modified, reach.clone()));
    reach
}

/// What a manifest's text says (see [`Reach`]). Deliberately lenient: any mention of
/// `scopes-core` (a dependency, renamed or not, or the package itself) counts as
/// reaching it at the root, so a crate that can is never refused.
fn read(text: &str) -> Reach {
    if let Some(path) = metadata_crate(text) {
        return Reach::Path(path);
    }
    // Written in another form (dotted keys, an inline table): said, not ignored.
    if text.contains("metadata.scopes")
        || (text.contains("[package.metadata]") && text.contains("scopes ="))
    {
        return Reach::Unreadable;
    }
    if text.contains("scopes-core") || text.contains("scopes_core") {
        Reach::Root
    } else {
        Reach::Missing
    }
}

/// `crate = "…"` in the manifest's `[package.metadata.scopes]` table.
fn metadata_crate(text: &str) -> Option<String> {
    let mut inside = false;
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or_default().trim();
        if line.starts_with('[') {
            inside = line.replace(' ', "") == "[package.metadata.scopes]";
            continue;
        }
        if !inside {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        if key.trim() == "crate" {
            let value = value.trim();
            let unquoted = ['"', '\''].iter().find_map(|&quote| {
                value
                    .strip_prefix(quote)
                    .and_then(|value| value.strip_suffix(quote))
            })?;
            return Some(unquoted.to_owned());
        }
    }
    None
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
    match reach() {
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
        Reach::Unreadable => Err(syn::Error::new(
            Span::call_site(),
            "this crate's Cargo.toml has a `metadata.scopes` that the macros cannot read: write it as the table `[package.metadata.scopes]` with the line `crate = \"auth::scopes_core\"` (the path of your auth crate's re-export of scopes-core)",
        )),
    }
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
        let renamed = "[dependencies]\nscopes = { package = \"scopes-core\", version = \"0.1\" }\n";
        assert!(matches!(read(renamed), Reach::Root));
        let through = "[package]\nname = \"svc\"\n\n[package.metadata.scopes]\ncrate = \"auth::scopes_core\" # the re-export\n\n[dependencies]\nauth = { path = \"../auth\" }\n";
        assert_eq!(path(read(through)).as_deref(), Some("auth::scopes_core"));
        let single = "[package.metadata.scopes]\ncrate = 'auth::scopes_core'\n";
        assert_eq!(path(read(single)).as_deref(), Some("auth::scopes_core"));
        let dotted = "[package]\nmetadata.scopes.crate = \"auth::scopes_core\"\n";
        assert!(matches!(read(dotted), Reach::Unreadable));
        let inline = "[package.metadata]\nscopes = { crate = \"auth::scopes_core\" }\n";
        assert!(matches!(read(inline), Reach::Unreadable));
        let neither = "[package]\nname = \"svc\"\n[dependencies]\nauth = { path = \"../auth\" }\n";
        assert!(matches!(read(neither), Reach::Missing));
        // A `crate` key in another table is not this one.
        let elsewhere = "[package.metadata.other]\ncrate = \"x\"\n[dependencies]\nauth = \"1\"\n";
        assert!(matches!(read(elsewhere), Reach::Missing));
    }
}
