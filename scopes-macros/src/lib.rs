//! Implementation detail of [`scopes-core`](https://docs.rs/scopes-core): the
//! `scopes!` and `#[requires_scopes]` macros. Depend on `scopes-core`, which re-exports
//! them and holds the types they expand to.

use proc_macro::TokenStream;

mod diagnostics;
mod krate;
mod requires_scopes;
mod scope_set;
mod scope_token;
mod scopes;
mod security_of;
mod words;

/// Declares a scope table. See `scopes_core` for the syntax and what it generates.
#[proc_macro]
pub fn scopes(input: TokenStream) -> TokenStream {
    scopes::expand(input.into()).into()
}

/// Requires scopes of a handler. See `scopes_core` for the forms and how the table is
/// found.
#[proc_macro_attribute]
pub fn requires_scopes(args: TokenStream, item: TokenStream) -> TokenStream {
    // `#[requires_scopes()]` and `#[requires_scopes]` both have empty arguments; only the
    // attribute's text tells them apart: `#[requires_scopes()]`, or `requires_scopes()`
    // when `cfg_attr` applies it (its span is then the attribute inside `cfg_attr`).
    let empty_parentheses = args.is_empty()
        && proc_macro::Span::call_site()
            .source_text()
            .is_some_and(|text| {
                let text = text.replace(char::is_whitespace, "");
                let text = text.strip_suffix(']').unwrap_or(&text);
                ["()", "[]", "{}"].iter().any(|empty| text.ends_with(empty))
            });
    let context = requires_scopes::context(proc_macro::Span::call_site());
    requires_scopes::expand_attribute(args.into(), item.into(), empty_parentheses, context).into()
}

/// The OpenAPI `security` of a `#[requires_scopes]` handler. See
/// `scopes_core::openapi::security_of`.
#[proc_macro]
pub fn security_of(input: TokenStream) -> TokenStream {
    security_of::expand(input.into()).into()
}

/// A set of scopes of a table, each name checked at compile time.
#[proc_macro]
pub fn scope_set(input: TokenStream) -> TokenStream {
    scope_set::expand(input.into()).into()
}
