//! The attribute's arguments as written: `"a", any("b", all("c", "d")), table = path`.

use proc_macro2::Span;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{LitStr, Path, Token, parenthesized};

syn::custom_keyword!(all);
syn::custom_keyword!(any);
syn::custom_keyword!(table);

pub(crate) struct Args {
    /// The top-level list, which means "all of these".
    pub(crate) scopes: Vec<Expr>,
    pub(crate) tables: Vec<(table, Path)>,
    /// `crate = path::to::scopes_core`, for crates that reach it through a re-export.
    pub(crate) krate: Option<Path>,
}

pub(crate) enum Expr {
    Scope(LitStr),
    All(Span, Vec<Expr>),
    Any(Span, Vec<Expr>),
}

enum Arg {
    Expr(Expr),
    Table(table, Path),
    Crate(Path),
}

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut args = Self {
            scopes: Vec::new(),
            tables: Vec::new(),
            krate: None,
        };
        for arg in Punctuated::<Arg, Token![,]>::parse_terminated(input)? {
            match arg {
                Arg::Expr(expr) => args.scopes.push(expr),
                Arg::Table(keyword, path) => args.tables.push((keyword, path)),
                Arg::Crate(path) => {
                    if args.krate.is_some() {
                        return Err(syn::Error::new_spanned(
                            &path,
                            "`crate` is given twice in `#[requires_scopes]`; name scopes-core's path once",
                        ));
                    }
                    args.krate = Some(path);
                }
            }
        }
        Ok(args)
    }
}

impl Parse for Arg {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.peek(Token![crate]) {
            input.parse::<Token![crate]>()?;
            input.parse::<Token![=]>()?;
            return Ok(Self::Crate(input.parse()?));
        }
        if input.peek(table) {
            let keyword: table = input.parse()?;
            input.parse::<Token![=]>()?;
            return Ok(Self::Table(keyword, input.parse()?));
        }
        Expr::parse_with(input, true).map(Self::Expr)
    }
}

impl Expr {
    fn parse_with(input: ParseStream<'_>, top_level: bool) -> syn::Result<Self> {
        let lookahead = input.lookahead1();
        if lookahead.peek(LitStr) {
            return input.parse().map(Self::Scope);
        }
        if lookahead.peek(all) {
            let keyword: all = input.parse()?;
            return Ok(Self::All(keyword.span, Self::parse_list(input)?));
        }
        if lookahead.peek(any) {
            let keyword: any = input.parse()?;
            return Ok(Self::Any(keyword.span, Self::parse_list(input)?));
        }
        if top_level {
            lookahead.peek(table);
        }
        Err(lookahead.error())
    }

    fn parse_list(input: ParseStream<'_>) -> syn::Result<Vec<Self>> {
        let content;
        parenthesized!(content in input);
        let list = content.parse_terminated(|input| Self::parse_with(input, false), Token![,])?;
        Ok(list.into_iter().collect())
    }
}
