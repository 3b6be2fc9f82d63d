//! `scope_set!("items", "me")`: a `ScopeSet` of a table, each name checked at compile
//! time as `#[requires_scopes]` checks its literals (for test tokens, above all).

use std::collections::HashSet;

use proc_macro2::{Literal, Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{LitStr, Path, Token};

use crate::diagnostics::{Errors, check_at};
use crate::scope_token::{alternatives_call, padded, problem, scope_hash};

syn::custom_keyword!(table);

/// `"a", "b", table = path, crate = path`, in any order.
struct Input {
    names: Vec<LitStr>,
    tables: Vec<(table, Path)>,
    krates: Vec<Path>,
}

enum Arg {
    Name(LitStr),
    Table(table, Path),
    Crate(Path),
}

impl Parse for Arg {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let lookahead = input.lookahead1();
        if lookahead.peek(LitStr) {
            return input.parse().map(Self::Name);
        }
        if lookahead.peek(table) {
            let keyword = input.parse()?;
            input.parse::<Token![=]>()?;
            return Ok(Self::Table(keyword, crate::krate::parse_table_path(input)?));
        }
        if lookahead.peek(Token![crate]) {
            input.parse::<Token![crate]>()?;
            input.parse::<Token![=]>()?;
            return Ok(Self::Crate(crate::krate::parse_crate_path(input)?));
        }
        Err(lookahead.error())
    }
}

impl Parse for Input {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut parsed = Self {
            names: Vec::new(),
            tables: Vec::new(),
            krates: Vec::new(),
        };
        for arg in Punctuated::<Arg, Token![,]>::parse_terminated(input)? {
            match arg {
                Arg::Name(name) => parsed.names.push(name),
                Arg::Table(keyword, path) => parsed.tables.push((keyword, path)),
                Arg::Crate(path) => parsed.krates.push(path),
            }
        }
        Ok(parsed)
    }
}

pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let written = input.clone();
    let mut input = match syn::parse2::<Input>(input) {
        Ok(input) => input,
        Err(error) => {
            let message = format!(
                "{error}: `scope_set!` takes scope names and optionally the table, e.g. `scope_set!(\"items\", \"me\")` or `scope_set!(\"items\", table = auth::Scopes)`"
            );
            return syn::Error::new(error.span(), message).to_compile_error();
        }
    };
    if input.krates.is_empty() {
        let mut krate = None;
        let span = match input.tables.first() {
            Some((_, path)) => path.span(),
            None => Span::call_site(),
        };
        if let Err(error) = crate::krate::fill(&mut krate, span, "`scope_set!`", || {
            crate::krate::example("scope_set!(", &written, ")")
        }) {
            return error.to_compile_error();
        }
        input.krates.extend(krate);
    }
    let mut errors = Errors::default();
    for (keyword, _) in input.tables.iter().skip(1) {
        errors.spanned(
            keyword,
            "`table` is given twice in `scope_set!`; name one table",
        );
    }
    for krate in input.krates.iter().skip(1) {
        errors.spanned(
            krate,
            "`crate` is given twice in `scope_set!`; name scopes-core's path once",
        );
    }
    let mut seen = HashSet::new();
    for name in &input.names {
        let value = name.value();
        let parts: Vec<String> = value
            .split(' ')
            .filter(|part| !part.is_empty())
            .map(|part| format!("{part:?}"))
            .collect();
        if parts.len() > 1 {
            errors.spanned(
                name,
                format_args!(
                    "{value:?} in `scope_set!` holds {} scopes; write one literal per scope: `{}`",
                    parts.len(),
                    parts.join(", ")
                ),
            );
        } else if let Some(bare) = padded(&value) {
            errors.spanned(
                name,
                format_args!(
                    "{value:?} in `scope_set!` has spaces around the scope name; write `{bare:?}`"
                ),
            );
        } else if let Some(problem) = problem(&value) {
            errors.spanned(
                name,
                format_args!("{value:?} in `scope_set!` is not a scope name: it {problem}"),
            );
        } else if !seen.insert(value.clone()) {
            errors.spanned(
                name,
                format_args!("duplicate scope `{value}` in `scope_set!`; list it once"),
            );
        }
    }
    if let Err(error) = errors.into_result() {
        return error.to_compile_error();
    }

    let path = match input.tables.first() {
        Some((_, path)) => crate::diagnostics::path_as_expanded(path),
        None => syn::Ident::new("Scopes", Span::call_site()).into(),
    };
    let span = path.span();
    let krate = match input.krates.first() {
        Some(krate) => quote!(#krate),
        None => quote_spanned!(span=> ::scopes_core),
    };
    let private = quote_spanned!(span=> #krate::__private);
    let table = quote_spanned!(span=> <#path as #private::AsTable>::Table);
    let written = quote!(#path).to_string().replace(' ', "");
    let checks = input.names.iter().map(|name| {
        let hash = Literal::u64_suffixed(scope_hash(&name.value()));
        check_at(
            name.span(),
            &private,
            !input.krates.is_empty(),
            "check_granted_scope",
            &table,
            quote_spanned!(name.span()=> #written, #name, #hash),
        )
    });
    let names: Vec<String> = input.names.iter().map(LitStr::value).collect();
    let set = alternatives_call(
        &private,
        &table,
        core::iter::once(names.iter().map(String::as_str)),
        span,
    );
    quote_spanned! {span=>
        {
            #(#checks)*
            const SET: #private::ScopeSet<#table> = #set[0];
            SET
        }
    }
}
