//! The table as written, parsed from tokens; nothing is checked here but syntax.

use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Attribute, Ident, LitStr, Token, Visibility, braced, bracketed};

mod kw {
    syn::custom_keyword!(implies);
}

pub(crate) struct Table {
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) vis: Visibility,
    pub(crate) name: Ident,
    pub(crate) entries: Vec<Entry>,
}

pub(crate) struct Entry {
    pub(crate) name: LitStr,
    pub(crate) description: LitStr,
    pub(crate) implies: Vec<LitStr>,
}

impl Parse for Table {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        if input.peek(Token![struct]) {
            let keyword: Token![struct] = input.parse()?;
            return Err(syn::Error::new(
                keyword.span,
                "`scopes!` takes the table name without `struct`: `scopes! { pub Scopes { \"items\": \"Read items.\" } }`",
            ));
        }
        let name: Ident = input.parse().map_err(|error| {
            syn::Error::new(
                error.span(),
                "expected the table name, as in `scopes! { pub Scopes { ... } }`",
            )
        })?;
        let content;
        braced!(content in input);
        let entries = Punctuated::<Entry, Token![,]>::parse_terminated(&content)?;
        if !input.is_empty() {
            return Err(input.error("`scopes!` declares one table; write one `scopes!` per table"));
        }
        Ok(Self {
            attrs,
            vis,
            name,
            entries: entries.into_iter().collect(),
        })
    }
}

impl Parse for Entry {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let lookahead = input.lookahead1();
        if !lookahead.peek(LitStr) {
            return Err(if input.peek(Ident) {
                input.error("scope names are string literals in `scopes!`: write `\"items\": \"Read items.\"`")
            } else {
                lookahead.error()
            });
        }
        let name: LitStr = input.parse()?;
        if input.peek(Token![=>]) || input.peek(Token![=]) {
            return Err(input.error("expected `:` between a scope and its description in `scopes!`, as in a FastAPI dict"));
        }
        input.parse::<Token![:]>()?;
        let description: LitStr = input.parse().map_err(|error| {
            syn::Error::new(
                error.span(),
                "expected the scope's description, a string literal: `\"items\": \"Read items.\"`",
            )
        })?;
        let mut implies = Vec::new();
        if input.peek(kw::implies) {
            input.parse::<kw::implies>()?;
            let list;
            bracketed!(list in input);
            implies = Punctuated::<LitStr, Token![,]>::parse_terminated(&list)?
                .into_iter()
                .collect();
        } else if !input.is_empty() && !input.peek(Token![,]) {
            let lookahead = input.lookahead1();
            lookahead.peek(Token![,]);
            lookahead.peek(kw::implies);
            return Err(lookahead.error());
        }
        Ok(Self {
            name,
            description,
            implies,
        })
    }
}
