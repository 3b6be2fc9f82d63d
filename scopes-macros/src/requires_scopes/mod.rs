//! `#[requires_scopes(...)]`, in two halves.
//!
//! The attribute cannot see the table, so its first half checks what needs no table
//! and calls the table's hidden macro (the table's name in the macro namespace), which
//! calls the second half with the table's scopes; that one resolves names, computes the
//! bitmasks and rewrites the handler.

mod ast;
mod expand;
mod valid;

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::{Ident, ItemFn, Path, Token, bracketed};

use crate::diagnostics::{Errors, item_with_errors};
use crate::table_data::TableData;

use ast::Args;

syn::custom_keyword!(table);
syn::custom_keyword!(args);
syn::custom_keyword!(item);

pub(crate) fn expand_attribute(args: TokenStream, item: TokenStream) -> TokenStream {
    let function = match syn::parse2::<ItemFn>(item.clone()) {
        Ok(function) => function,
        Err(_) => {
            let error = syn::Error::new_spanned(
                first_token(&item),
                "`#[requires_scopes]` can only be used on an `async fn` handler",
            );
            return item_with_errors(item, &error);
        }
    };
    let parsed = match syn::parse2::<Args>(args.clone()) {
        Ok(parsed) => parsed,
        Err(error) => return item_with_errors(item, &error),
    };
    let mut errors = Errors::default();
    valid::check_syntax(&parsed, &function, &mut errors);
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
    // Both parsed fine in the first half.
    let (args, function) = match (
        syn::parse2::<Args>(forwarded.args),
        syn::parse2::<ItemFn>(forwarded.item.clone()),
    ) {
        (Ok(args), Ok(function)) => (args, function),
        (Err(error), _) | (_, Err(error)) => return item_with_errors(forwarded.item, &error),
    };
    let mut errors = Errors::default();
    let resolved = valid::resolve(&args, &forwarded.table, &forwarded.path, &mut errors);
    if let Err(error) = errors.into_result() {
        return item_with_errors(forwarded.item, &error);
    }
    expand::handler(function, &forwarded.path, &forwarded.table, &resolved)
}

fn first_token(item: &TokenStream) -> TokenStream {
    item.clone().into_iter().take(1).collect()
}
