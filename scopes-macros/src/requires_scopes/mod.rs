//! `#[requires_scopes(...)]`, in two halves.
//!
//! The attribute cannot see the table, so its first half checks what needs no table
//! and calls the table's hidden macro (the table's name in the macro namespace), which
//! calls the second half with the table's scopes; that one resolves names, computes the
//! bitmasks and rewrites the handler.

mod ast;
mod expand;
mod target;
mod utoipa;
mod valid;

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::{Ident, Path, Token, bracketed};

use crate::diagnostics::{Errors, item_with_errors};
use crate::table_data::TableData;

use ast::Args;
use target::Target;

syn::custom_keyword!(table);
syn::custom_keyword!(args);
syn::custom_keyword!(item);

pub(crate) fn expand_attribute(args: TokenStream, item: TokenStream) -> TokenStream {
    let target = match Target::parse(item.clone()) {
        Ok(target) => target,
        Err(error) => return item_with_errors(item, &error),
    };
    let parsed = match syn::parse2::<Args>(args.clone()) {
        Ok(parsed) => parsed,
        Err(error) => return item_with_errors(item, &error),
    };
    let mut errors = Errors::default();
    valid::check_args(&parsed, &mut errors);
    target.check(&mut errors);
    if let Err(error) = errors.into_result() {
        return item_with_errors(item, &error);
    }
    let path = match parsed.tables.into_iter().next() {
        Some((_, path)) => path,
        None => Ident::new("Scopes", Span::call_site()).into(),
    };
    quote! {
        #path! { table = [#path] args = [#args] item = [#item] }
    }
}

/// The input of the second half, as the table's macro forwards it.
struct Forwarded {
    table: TableData,
    path: Path,
    args: TokenStream,
    item: TokenStream,
}

impl Parse for Forwarded {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let data = input.parse()?;
        input.parse::<table>()?;
        input.parse::<Token![=]>()?;
        let path = bracketed_tokens(input)?;
        input.parse::<args>()?;
        input.parse::<Token![=]>()?;
        let args = bracketed_tokens(input)?;
        input.parse::<item>()?;
        input.parse::<Token![=]>()?;
        let item = bracketed_tokens(input)?;
        Ok(Self {
            table: data,
            path: syn::parse2(path)?,
            args,
            item,
        })
    }
}

fn bracketed_tokens(input: ParseStream<'_>) -> syn::Result<TokenStream> {
    let content;
    bracketed!(content in input);
    content.parse()
}

pub(crate) fn expand_with_table(input: TokenStream) -> TokenStream {
    let forwarded = match syn::parse2::<Forwarded>(input) {
        Ok(forwarded) => forwarded,
        Err(error) => return error.to_compile_error(),
    };
    // Both parsed and passed the checks in the first half.
    let (args, target) = match (
        syn::parse2::<Args>(forwarded.args),
        Target::parse(forwarded.item.clone()),
    ) {
        (Ok(args), Ok(target)) => (args, target),
        (Err(error), _) | (_, Err(error)) => return item_with_errors(forwarded.item, &error),
    };
    let mut errors = Errors::default();
    let resolved = valid::resolve(&args, &forwarded.table, &forwarded.path, &mut errors);
    let expanded = match target {
        Target::Handler(mut function) => {
            let documented = utoipa::redirect(&mut function, &mut errors);
            Some(expand::handler(
                function,
                &forwarded.path,
                &forwarded.table,
                &resolved,
                documented,
            ))
        }
        Target::Extractor(block) => target::extractor_parts(&block, &mut errors).map(|parts| {
            expand::extractor(block, &parts, &forwarded.path, &forwarded.table, &resolved)
        }),
        Target::Marker(item) => Some(expand::marker(
            item,
            &forwarded.path,
            &forwarded.table,
            &resolved,
        )),
    };
    match (errors.into_result(), expanded) {
        (Ok(()), Some(expanded)) => expanded,
        (Err(error), _) => item_with_errors(forwarded.item, &error),
        (Ok(()), None) => forwarded.item,
    }
}
