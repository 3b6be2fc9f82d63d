//! `#[utoipa::path]` under `#[requires_scopes]`: utoipa documents the operation on a
//! hidden type (its `impl_for`), and `__path_<handler>`, which utoipa's `paths(...)`
//! and `routes!` look up, wraps that operation with the handler's security.

use proc_macro2::{Ident, TokenStream, TokenTree};
use quote::{format_ident, quote};
use syn::ext::IdentExt;
use syn::{Attribute, ItemFn, Meta, Path};

use crate::diagnostics::Errors;

/// The names the handler's documentation goes by.
pub(crate) struct Documented {
    /// utoipa's own operation, through `impl_for`.
    pub(crate) inner: Ident,
    /// The `__path_<handler>` that wraps it.
    pub(crate) outer: Ident,
    /// The `#[utoipa::path]` attribute, where errors about the documentation go.
    pub(crate) span: proc_macro2::Span,
}

/// Points the handler's `#[utoipa::path]`, if it has one, at a hidden type.
pub(crate) fn redirect(function: &mut ItemFn, errors: &mut Errors) -> Option<Documented> {
    let at = function.attrs.iter().position(is_utoipa_path)?;
    // `#[axum::debug_handler]` above `#[utoipa::path]` would copy the function, its
    // `#[utoipa::path]` with it, into a check of its own, and utoipa would document the
    // hidden type twice (E0119): utoipa's attribute is moved above it, the order in
    // which both work, and which changes nothing either of them does.
    let at = match function.attrs[..at].iter().position(is_debug_handler) {
        Some(debug_handler) => {
            let attr = function.attrs.remove(at);
            function.attrs.insert(debug_handler, attr);
            debug_handler
        }
        None => at,
    };
    let attr = &mut function.attrs[at];
    let span = syn::spanned::Spanned::span(attr.path());
    let name = function.sig.ident.unraw();
    let inner = format_ident!("__scopes_openapi_{}", name);
    let outer = format_ident!("__path_{}", name);
    let Meta::List(list) = &mut attr.meta else {
        // `#[utoipa::path]` without arguments: utoipa reports it.
        return None;
    };
    for key in keys(&list.tokens) {
        if key == "security" {
            errors.spanned(
                &key,
                "#[requires_scopes] writes this operation's `security` from its scopes: \
                 remove `security(...)` from #[utoipa::path]",
            );
        } else if key == "impl_for" {
            errors.spanned(
                &key,
                "#[requires_scopes] documents this operation through `impl_for`: remove \
                 `impl_for` from #[utoipa::path]",
            );
        }
    }
    let separator = match list.tokens.clone().into_iter().last() {
        None => TokenStream::new(),
        Some(TokenTree::Punct(punct)) if punct.as_char() == ',' => TokenStream::new(),
        Some(_) => quote!(,),
    };
    list.tokens.extend(quote!(#separator impl_for = #inner));
    Some(Documented { inner, outer, span })
}

/// `#[debug_handler]`, `#[axum::debug_handler]` or another path to it.
pub(crate) fn is_debug_handler(attr: &Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|segment| segment.ident == "debug_handler")
}

/// `#[utoipa::path(...)]` or `#[::utoipa::path(...)]`.
fn is_utoipa_path(attr: &Attribute) -> bool {
    let path: &Path = attr.path();
    let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    segments == ["utoipa", "path"]
}

/// The keys of the top-level `key = value` / `key(...)` / `key` arguments.
fn keys(tokens: &TokenStream) -> Vec<Ident> {
    let mut keys = Vec::new();
    let mut at_start = true;
    for token in tokens.clone() {
        match token {
            TokenTree::Punct(punct) if punct.as_char() == ',' => at_start = true,
            TokenTree::Ident(ident) if at_start => {
                keys.push(ident);
                at_start = false;
            }
            _ => at_start = false,
        }
    }
    keys
}
