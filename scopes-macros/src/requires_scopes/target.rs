//! What the attribute annotates: a handler, a scoped extractor's `impl`, or a struct or
//! enum that names a reusable requirement.

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
use quote::ToTokens;
use syn::parse::{Parse, ParseStream};
use syn::{
    Attribute, Block, FnArg, GenericArgument, ImplItem, ImplItemFn, Item, ItemFn, ItemImpl, Pat,
    PathArguments, Signature, Stmt, Type, Visibility, token,
};

use crate::diagnostics::Errors;

pub(crate) enum Target {
    Handler(ItemFn),
    Extractor(ItemImpl),
    Marker(Item),
}

impl Target {
    pub(crate) fn parse(item: TokenStream) -> syn::Result<Self> {
        let unsupported = |tokens: &dyn ToTokens| {
            syn::Error::new_spanned(
                first_token(tokens.to_token_stream()),
                "`#[requires_scopes]` goes on an `async fn` handler, an `impl FromRequestParts` block (a scoped extractor) or a struct naming a requirement",
            )
        };
        if let Ok(function) = syn::parse2::<Handler>(item.clone()) {
            return Ok(Self::Handler(function.0));
        }
        match syn::parse2::<Item>(item.clone()) {
            Ok(Item::Fn(function)) => Ok(Self::Handler(function)),
            Ok(Item::Impl(block)) => Ok(Self::Extractor(block)),
            Ok(item @ (Item::Struct(_) | Item::Enum(_))) => Ok(Self::Marker(item)),
            Ok(other) => Err(unsupported(&other)),
            // `#[requires_scopes(…)] let h = |…| async { … };`: a closure.
            Err(_) if syn::parse2::<Stmt>(item.clone()).is_ok_and(|stmt| {
                matches!(&stmt, Stmt::Local(local)
                    if local.init.as_ref().is_some_and(|init| matches!(*init.expr, syn::Expr::Closure(_))))
            }) =>
            {
                Err(syn::Error::new_spanned(
                    first_token(item),
                    "`#[requires_scopes]` cannot annotate a closure (it rewrites a handler's signature, which a closure's is not): write the handler as an `async fn` and route it by name",
                ))
            }
            // An associated fn of an impl block does not parse as an item.
            Err(_) => match syn::parse2::<ItemFn>(item.clone()) {
                Ok(function) => Ok(Self::Handler(function)),
                Err(_) => Err(unsupported(&item)),
            },
        }
    }

    /// Checks the item the attribute (with `args`) annotates.
    pub(crate) fn check(&self, args: &TokenStream, errors: &mut Errors) {
        match self {
            Self::Handler(function) => check_handler(function, args, errors),
            Self::Extractor(block) => {
                let _ = extractor_parts(block, errors);
            }
            Self::Marker(_) => {}
        }
    }
}

/// A function whose body is kept as written, not parsed: the attribute reads and
/// rewrites only the signature and attributes, and a body re-emitted from syn's tree
/// would cost a token per token (most of what a proc macro spends). rustc parses the
/// body once, and reports its syntax errors itself.
struct Handler(ItemFn);

impl Parse for Handler {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        let sig: Signature = input.parse()?;
        let body: Group = input.parse()?;
        if body.delimiter() != Delimiter::Brace {
            return Err(syn::Error::new(body.span(), "expected the function's body"));
        }
        Ok(Self(ItemFn {
            attrs,
            vis,
            sig,
            block: Box::new(Block {
                brace_token: token::Brace {
                    span: body.delim_span(),
                },
                stmts: vec![Stmt::Item(Item::Verbatim(body.stream()))],
            }),
        }))
    }
}

/// The most parameters axum 0.8 implements `Handler` for.
const AXUM_MAX_PARAMETERS: usize = 16;

fn check_handler(function: &ItemFn, args: &TokenStream, errors: &mut Errors) {
    let sig = &function.sig;
    if sig.asyncness.is_none() {
        errors.spanned(
            sig.fn_token,
            "`#[requires_scopes]` goes on an `async fn` handler; write `async fn`",
        );
    }
    if let Some(FnArg::Receiver(receiver)) = sig.inputs.first() {
        errors.spanned(
            receiver,
            "`#[requires_scopes]` handlers are free functions; a method taking `self` cannot be an axum handler",
        );
    }
    // axum's handlers take at most 16 parameters, and the check is one of them: with 16
    // of its own, the handler would be no `Handler`, with an error that names none.
    // A parameter under `#[cfg(…)]` may be compiled out: not counted.
    let mut counted = sig.inputs.iter().filter(|input| {
        let attrs = match input {
            FnArg::Typed(typed) => &typed.attrs,
            FnArg::Receiver(receiver) => &receiver.attrs,
        };
        conditions(attrs).is_empty()
    });
    if let Some(last) = counted.nth(AXUM_MAX_PARAMETERS - 1) {
        errors.spanned(
            last,
            format_args!(
                "`#[requires_scopes]` adds a parameter of its own (the token's check), and an axum handler takes at most {AXUM_MAX_PARAMETERS}: `{}` may take {} of its own; take two of them as one tuple, `(A, B)`, which axum extracts in order",
                sig.ident,
                AXUM_MAX_PARAMETERS - 1,
            ),
        );
    }
    // A second `#[requires_scopes]` below this one.
    for attr in &function.attrs {
        let path = attr.path();
        if path
            .segments
            .last()
            .is_some_and(|last| last.ident == "requires_scopes")
        {
            // Both attributes' scopes in one, when each is a plain list of them.
            let second = match &attr.meta {
                syn::Meta::List(list) => Some(list.tokens.clone()),
                syn::Meta::Path(_) => Some(TokenStream::new()),
                syn::Meta::NameValue(_) => None,
            };
            let names = |tokens: &TokenStream| {
                syn::parse::Parser::parse2(
                    syn::punctuated::Punctuated::<syn::LitStr, syn::Token![,]>::parse_terminated,
                    tokens.clone(),
                )
                .ok()
                .map(|names| names.iter().map(syn::LitStr::value).collect::<Vec<_>>())
            };
            let together = match (names(args), second.as_ref().and_then(names)) {
                (Some(mut first), Some(second)) => {
                    for name in second {
                        if !first.contains(&name) {
                            first.push(name);
                        }
                    }
                    first
                        .iter()
                        .map(|name| format!("{name:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
                _ => "\"a\", \"b\"".to_owned(),
            };
            // Both bare: the one attribute is bare too (`#[requires_scopes()]` is refused).
            let attribute = match together.is_empty() {
                true => "#[requires_scopes]".to_owned(),
                false => format!("#[requires_scopes({together})]"),
            };
            errors.spanned(
                attr,
                format_args!(
                    "`#[requires_scopes]` is written twice on `{}`; list every scope in one attribute (they are all required): `{attribute}`",
                    sig.ident
                ),
            );
        }
    }
}

/// What the rewrite of a scoped extractor's impl needs.
pub(crate) struct ExtractorParts {
    /// The state type `S` of `FromRequestParts<S>`.
    pub(crate) state: Type,
    /// The names of `from_request_parts`'s two parameters.
    pub(crate) parts: syn::Ident,
    pub(crate) state_arg: syn::Ident,
}

/// Checks `impl FromRequestParts<S> for Concrete { async fn from_request_parts(..) }`.
pub(crate) fn extractor_parts(block: &ItemImpl, errors: &mut Errors) -> Option<ExtractorParts> {
    let Some((_, trait_path, _)) = &block.trait_ else {
        errors.spanned(
            &block.self_ty,
            "`#[requires_scopes]` on an impl block goes on `impl FromRequestParts<S> for YourExtractor`",
        );
        return None;
    };
    let last = trait_path.segments.last()?;
    if last.ident != "FromRequestParts" {
        let hint = if last.ident == "FromRequest" {
            "; a scoped extractor reads no body: implement `FromRequestParts`"
        } else {
            ""
        };
        errors.spanned(
            &last.ident,
            format_args!(
                "`#[requires_scopes]` on an impl block goes on `impl FromRequestParts<S> for YourExtractor`{hint}"
            ),
        );
        return None;
    }
    let state = match &last.arguments {
        PathArguments::AngleBracketed(args) => args.args.iter().find_map(|arg| match arg {
            GenericArgument::Type(ty) => Some(ty.clone()),
            _ => None,
        }),
        _ => None,
    };
    let Some(state) = state else {
        errors.spanned(last, "expected the state type: `FromRequestParts<S>`");
        return None;
    };
    let generic_names: Vec<String> = block
        .generics
        .type_params()
        .map(|p| p.ident.to_string())
        .collect();
    if mentions_any(&block.self_ty.to_token_stream(), &generic_names) {
        errors.spanned(
            &block.self_ty,
            "`#[requires_scopes]` needs a concrete extractor type here: its generics cannot be part of the requirement",
        );
        return None;
    }
    let function = block.items.iter().find_map(|item| match item {
        ImplItem::Fn(function) if function.sig.ident == "from_request_parts" => Some(function),
        _ => None,
    });
    let Some(function) = function else {
        errors.spanned(
            &block.self_ty,
            "this impl has no `async fn from_request_parts`",
        );
        return None;
    };
    if function.sig.asyncness.is_none() {
        errors.spanned(
            function.sig.fn_token,
            "`#[requires_scopes]` needs `async fn from_request_parts` to add its check in front",
        );
        return None;
    }
    let names = parameter_names(function);
    match names.as_slice() {
        [Some(parts), Some(state_arg)] => Some(ExtractorParts {
            state,
            parts: parts.clone(),
            state_arg: state_arg.clone(),
        }),
        _ => {
            errors.spanned(
                &function.sig.inputs,
                "`#[requires_scopes]` needs the parameters of `from_request_parts` named, e.g. `(parts: &mut Parts, state: &S)`",
            );
            None
        }
    }
}

fn parameter_names(function: &ImplItemFn) -> Vec<Option<syn::Ident>> {
    function
        .sig
        .inputs
        .iter()
        .map(|input| match input {
            FnArg::Typed(typed) => match &*typed.pat {
                Pat::Ident(ident) => Some(ident.ident.clone()),
                _ => None,
            },
            FnArg::Receiver(_) => None,
        })
        .collect()
}

/// Whether `tokens` mention any of `names` as an identifier (generic parameters).
/// The attributes that may compile a parameter out: each `#[cfg(…)]`, and each
/// `#[cfg_attr(predicate, …)]` that applies a `cfg` (kept with its `cfg`s alone).
pub(crate) fn conditions(attrs: &[Attribute]) -> Vec<TokenStream> {
    use syn::punctuated::Punctuated;
    attrs
        .iter()
        .filter_map(|attr| {
            if attr.path().is_ident("cfg") {
                return Some(attr.to_token_stream());
            }
            if !attr.path().is_ident("cfg_attr") {
                return None;
            }
            let metas = attr
                .parse_args_with(Punctuated::<syn::Meta, token::Comma>::parse_terminated)
                .ok()?;
            let mut metas = metas.into_iter();
            let predicate = metas.next()?;
            let cfgs: Vec<syn::Meta> = metas.filter(|meta| meta.path().is_ident("cfg")).collect();
            (!cfgs.is_empty()).then(|| quote::quote!(#[cfg_attr(#predicate, #(#cfgs),*)]))
        })
        .collect()
}

pub(crate) fn mentions_any(tokens: &TokenStream, names: &[String]) -> bool {
    tokens.clone().into_iter().any(|tree| match tree {
        TokenTree::Ident(ident) => names.iter().any(|name| ident == name),
        TokenTree::Group(group) => mentions_any(&group.stream(), names),
        _ => false,
    })
}

pub(crate) fn first_token(item: TokenStream) -> TokenStream {
    item.into_iter().take(1).collect()
}
