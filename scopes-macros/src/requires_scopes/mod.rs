//! `#[requires_scopes(...)]`: parse, validate what needs no table, expand.
//!
//! The table is resolved as a type where the attribute is written (`Scopes` in scope,
//! or `table = path`), so it may come from any crate. Its scope names are checked by
//! rustc: each literal gets a constant that evaluates the table's check and panics with
//! the message, spanned on the literal; the requirement's bitmasks are constants built
//! by the table's `const fn`.

mod ast;
mod context;
mod expand;
mod target;
mod utoipa;
mod valid;

use proc_macro2::{Span, TokenStream};
use syn::Ident;

use crate::diagnostics::{Errors, item_with_errors};

use ast::Args;
use target::Target;

pub(crate) use context::{Context, context};

pub(crate) fn expand_attribute(
    args: TokenStream,
    item: TokenStream,
    empty_parentheses: bool,
    context: Context,
) -> TokenStream {
    let target = match Target::parse(item.clone()) {
        Ok(target) => target,
        Err(error) => return item_with_errors(item, &error),
    };
    // A function in an `impl` or `trait` block (or a method) can have nothing beside it.
    let in_block = context.in_impl
        || matches!(&target, Target::Handler(function) if function.sig.receiver().is_some());
    // The table, for an attribute that fails before expanding (see `failed`).
    let table = |args: &TokenStream| table_written(args).filter(|_| !in_block);
    if let Target::Handler(function) = &target
        && context.in_impl
        && function.sig.receiver().is_none()
    {
        // What a handler expands to cannot sit in an `impl` block: one error, not
        // rustc's four about generated items. (A method taking `self` gets its own
        // error below: it cannot be a handler at all.) With `debug_handler` above, both
        // fixes at once: moved out of the block alone, it would then report the order.
        let then = match context.debug_handler_above {
            true => {
                "and there write `#[requires_scopes(...)]` above `#[axum::debug_handler]`, which checks the handler with the extractor the attribute adds"
            }
            false => {
                "or keep it there and take `Authorized<Table, Requirement>` as its first parameter, the scopes on a struct: `#[requires_scopes(...)] struct Requirement;`"
            }
        };
        let error = syn::Error::new_spanned(
            &function.sig.ident,
            format_args!(
                "`#[requires_scopes]` cannot annotate an associated function: it emits items beside the handler (its requirement type) that an `impl` or `trait` block cannot hold; move `{}` out of the block into the module (axum routes a free `async fn` the same way), {then}",
                function.sig.ident
            ),
        );
        return item_with_errors(item, &error);
    }
    if let Target::Handler(function) = &target
        && context.debug_handler_above
    {
        // axum's check would call the handler without the injected extractor and report
        // a missing argument; the order is the fix. The item is left as written, so
        // that nothing else is reported.
        let error = syn::Error::new(
            Span::call_site(),
            format_args!(
                "`#[axum::debug_handler]` is written above `#[requires_scopes]`, so it checks `{}` without the extractor `#[requires_scopes]` adds; write `#[requires_scopes(...)]` first, then `#[axum::debug_handler]` below it",
                function.sig.ident
            ),
        );
        return failed(item, &error, table(&args).as_ref());
    }
    let mut parsed = match syn::parse2::<Args>(args.clone()) {
        Ok(parsed) => parsed,
        Err(error) => return failed(item, &error, table(&args).as_ref()),
    };
    // Left as written when the crate cannot reach scopes-core: one error, no cascade.
    let table_span = match parsed.tables.first() {
        Some((_, path)) => syn::spanned::Spanned::span(path),
        None => Span::call_site(),
    };
    if let Err(error) = crate::krate::fill(
        &mut parsed.krate,
        table_span,
        "`#[requires_scopes]`",
        || crate::krate::example("#[requires_scopes(", &args, ")]"),
    ) {
        return failed(item, &error, table(&args).as_ref());
    }
    let mut errors = Errors::default();
    if empty_parentheses {
        errors.at(
            Span::call_site(),
            "`#[requires_scopes()]` names no scope; to require a valid token and no scope, write `#[requires_scopes]` without parentheses, or name the scopes: `#[requires_scopes(\"items\")]`",
        );
    }
    valid::check_args(&parsed, &mut errors);
    target.check(&args, &mut errors);
    let path = table_of(&parsed);
    let resolved = valid::resolve(&parsed, &mut errors, Span::call_site());
    // A handler written without `async` is reported as such, and left as the `async fn`
    // it was meant to be: written as it was, it would be no axum `Handler` either, a
    // second error (at its route) that names neither the attribute nor the fix.
    // (Not a `const fn`, which cannot be `async`, nor one returning `impl Future`,
    // which would return a future of a future.)
    let item = match &target {
        Target::Handler(function)
            if function.sig.asyncness.is_none()
                && function.sig.constness.is_none()
                && !returns_impl_trait(&function.sig.output) =>
        {
            let mut function = function.clone();
            function.sig.asyncness = Some(syn::Token![async](function.sig.fn_token.span));
            quote::ToTokens::into_token_stream(function)
        }
        _ => item,
    };
    let expanded = match target {
        Target::Handler(mut function) => {
            let documented = utoipa::redirect(&mut function, &mut errors);
            Some(expand::handler(function, &path, &resolved, documented))
        }
        Target::Extractor(block) => target::extractor_parts(&block, &mut errors)
            .map(|parts| expand::extractor(block, &parts, &path, &resolved)),
        Target::Marker(item) => Some(expand::marker(item, &path, &resolved)),
    };
    match (errors.into_result(), expanded) {
        (Ok(()), Some(mut expanded)) => {
            expanded.extend(crate::krate::track());
            expanded
        }
        (Err(error), _) => failed(item, &error, Some(&path).filter(|_| !in_block)),
        (Ok(()), None) => item,
    }
}

/// Whether a function returns `impl …` (a handler written `fn h() -> impl Future`).
fn returns_impl_trait(output: &syn::ReturnType) -> bool {
    matches!(output, syn::ReturnType::Type(_, ty) if matches!(**ty, syn::Type::ImplTrait(_)))
}

/// The table the attribute names: `table = path`, or the type named `Scopes` in scope.
fn table_of(parsed: &Args) -> syn::Path {
    match parsed.tables.first() {
        Some((_, path)) => crate::diagnostics::path_as_expanded(path),
        None => default_table(),
    }
}

/// The table when the attribute names none: the type named `Scopes` in scope.
fn default_table() -> syn::Path {
    Ident::new("Scopes", Span::call_site()).into()
}

/// The table the attribute's tokens name, even when they do not parse as a whole (a
/// mistake elsewhere in them): the path after `table =` up to the next comma, or the
/// type named `Scopes` in scope; `None` when that path does not parse.
fn table_written(args: &TokenStream) -> Option<syn::Path> {
    use proc_macro2::TokenTree;
    let tokens: Vec<TokenTree> = args.clone().into_iter().collect();
    let at = tokens.windows(2).position(|pair| {
        matches!(&pair[0], TokenTree::Ident(word) if word == "table")
            && matches!(&pair[1], TokenTree::Punct(punct) if punct.as_char() == '=')
    });
    let Some(at) = at else {
        return Some(default_table());
    };
    let path: TokenStream = tokens[at + 2..]
        .iter()
        .take_while(|tree| !matches!(tree, TokenTree::Punct(punct) if punct.as_char() == ','))
        .cloned()
        .collect();
    syn::parse2::<syn::Path>(path)
        .ok()
        .map(|path| crate::diagnostics::path_as_expanded(&path))
}

/// `item` as written with `error`, and the table's path used once as a type: an
/// attribute that failed before expanding must not leave the table's import reported
/// unused (`use auth::Scopes;`), which would invite deleting a correct line. A path
/// that does not resolve is then reported too, as it would be once the error is fixed.
fn failed(item: TokenStream, error: &syn::Error, table: Option<&syn::Path>) -> TokenStream {
    let mut tokens = item_with_errors(item, error);
    if let Some(path) = table {
        tokens.extend(quote::quote! {
            const _: ::core::marker::PhantomData<#path> = ::core::marker::PhantomData;
        });
    }
    tokens
}
