//! Collecting errors, and suggesting a fix for a misspelt name.

use std::fmt::Display;

use proc_macro2::{Group, Span, TokenStream, TokenTree};
use quote::ToTokens;

/// Errors collected over a whole pass, so the user sees every mistake at once.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(errors) => errors.combine(error),
            None => self.0 = Some(error),
        }
    }

    pub(crate) fn at(&mut self, span: Span, message: impl Display) {
        self.push(syn::Error::new(span, message));
    }

    pub(crate) fn spanned(&mut self, tokens: impl ToTokens, message: impl Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    pub(crate) fn into_result(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}

/// The user's item unchanged, followed by the errors: the IDE and the rest of the crate
/// keep seeing the item.
pub(crate) fn item_with_errors(item: TokenStream, error: &syn::Error) -> TokenStream {
    let mut tokens = item;
    tokens.extend(error.to_compile_error());
    tokens
}

/// The closest of `known` to `name` if it is close enough to be a likely typo.
pub(crate) fn closest<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    known
        .into_iter()
        .map(|candidate| {
            // Optimal string alignment: a swap of two letters (`tabel`) counts once.
            let distance = strsim::osa_distance(name, candidate)
                .min(strsim::osa_distance(&name.to_lowercase(), &candidate.to_lowercase()) + 1);
            (distance, candidate)
        })
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// "`a`, `b`, `c`" (at most `max` names, then "…").
pub(crate) fn list<'a>(names: impl IntoIterator<Item = &'a str>, max: usize) -> String {
    let names: Vec<&str> = names.into_iter().collect();
    let mut out: Vec<String> = names.iter().take(max).map(|n| format!("`{n}`")).collect();
    if names.len() > max {
        out.push(format!("and {} more", names.len() - max));
    }
    out.join(", ")
}

/// A constant that calls `#private::check::<#table>(args)` with `span` as the call's
/// own span, which is where rustc reports its failed evaluation (a scope literal's).
/// The default path of scopes-core (`given_crate` false) is respanned there; a path
/// given with `crate = …` (or in the manifest) keeps its tokens, whose hygiene resolves
/// a `$crate` in it, and is imported instead, so that the call still starts at `span`
/// (an error located in another crate's macro would be shown at its invocation).
pub(crate) fn check_at(
    span: Span,
    private: &TokenStream,
    given_crate: bool,
    check: &str,
    table: &TokenStream,
    args: TokenStream,
) -> TokenStream {
    let check = syn::Ident::new(check, span);
    // The item itself reads as the macro's (rustc suggests nothing about its generics,
    // such as adding the table's path as a parameter when it does not resolve); its
    // evaluation, which fails on a typo, stays on the literal.
    let item = span.resolved_at(Span::call_site());
    let head = quote::quote_spanned!(item=> const _: () =);
    if given_crate {
        let body = quote::quote_spanned! {span=>
            {
                use #private::#check;
                #check::<#table>(#args)
            }
        };
        quote::quote_spanned!(item=> #head #body;)
    } else {
        let private = respan(private.clone(), span);
        let body = quote::quote_spanned!(span=> #private::#check::<#table>(#args));
        quote::quote_spanned!(item=> #head #body;)
    }
}

/// `tokens`, each spanned at `span`.
pub(crate) fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    map_spans(tokens, &|_| span)
}

/// `tokens`, each located at `span` and resolved as before (hygiene kept): a path given
/// with `crate = …` (or in the manifest) then reads, in errors, as written where the
/// table's path is, so that rustc reports the table's errors once.
pub(crate) fn relocate(tokens: TokenStream, span: Span) -> TokenStream {
    map_spans(tokens, &|own: Span| own.located_at(span))
}

/// A table `path` where it is written, resolved as the attribute's own tokens are:
/// rustc then sees it as the macro's output, and the errors about a path the expansion
/// uses several times (one that does not resolve) are the same each time, so reported
/// once (a user's span gets a different suggestion at each use). A `$crate` keeps its
/// own hygiene: it names the crate of the macro that wrote it.
pub(crate) fn path_as_expanded(path: &syn::Path) -> syn::Path {
    let tokens = quote::quote!(#path)
        .into_iter()
        .map(|mut tree| {
            let keep = matches!(&tree, proc_macro2::TokenTree::Ident(word) if word == "$crate");
            if !keep {
                tree.set_span(tree.span().resolved_at(Span::call_site()));
            }
            tree
        })
        .collect();
    syn::parse2(tokens).unwrap_or_else(|_| path.clone())
}

/// `tokens` with each token's span (groups' too, recursively) replaced by `new(span)`.
fn map_spans(tokens: TokenStream, new: &impl Fn(Span) -> Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tree| {
            if let TokenTree::Group(group) = &tree {
                let mut inner = Group::new(group.delimiter(), map_spans(group.stream(), new));
                inner.set_span(new(group.span()));
                tree = TokenTree::Group(inner);
            } else {
                tree.set_span(new(tree.span()));
            }
            tree
        })
        .collect()
}
