//! The table as written, parsed from tokens; nothing is checked here but syntax.

use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Attribute, Ident, LitStr, Token, Visibility, braced, bracketed};

mod kw {
    syn::custom_keyword!(implies);
}

pub(crate) struct Table {
    pub(crate) attrs: Vec<Attribute>,
    /// `#[scopes(crate = path::to::scopes_core)]`, for crates that reach scopes-core
    /// through a re-export.
    pub(crate) krate: Option<syn::Path>,
    pub(crate) vis: Visibility,
    pub(crate) name: Ident,
    pub(crate) entries: Vec<Entry>,
    /// OpenAPI security schemes declared after the scopes.
    pub(crate) sections: Vec<Section>,
}

/// `oauth2 ["Name"] { flow { field: "url", ... }, ... }` or
/// `openid_connect ["Name"] { url: "..." }`.
pub(crate) struct Section {
    pub(crate) keyword: Ident,
    pub(crate) name: Option<LitStr>,
    pub(crate) body: SectionBody,
}

pub(crate) enum SectionBody {
    OAuth2(Vec<Flow>),
    OpenIdConnect(Vec<Field>),
}

/// `password { token_url: "token" }`: the kind and fields are checked later.
pub(crate) struct Flow {
    pub(crate) kind: Ident,
    pub(crate) fields: Vec<Field>,
}

pub(crate) struct Field {
    pub(crate) name: Ident,
    pub(crate) value: LitStr,
}

pub(crate) struct Entry {
    pub(crate) name: LitStr,
    pub(crate) description: LitStr,
    pub(crate) implies: Vec<LitStr>,
}

impl Parse for Table {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut attrs = input.call(Attribute::parse_outer)?;
        let mut krate = None;
        let mut error: Option<syn::Error> = None;
        attrs.retain(|attr| {
            if !attr.path().is_ident("scopes") {
                return true;
            }
            let parsed = attr.parse_args_with(|input: ParseStream<'_>| {
                input.parse::<Token![crate]>()?;
                input.parse::<Token![=]>()?;
                crate::krate::parse_crate_path(input)
            });
            match parsed {
                Ok(path) => krate = Some(path),
                Err(e) => {
                    let e = syn::Error::new(
                        e.span(),
                        "expected `#[scopes(crate = path::to::scopes_core)]`",
                    );
                    error = Some(e);
                }
            }
            false
        });
        if let Some(error) = error {
            return Err(error);
        }
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
        let mut sections = Vec::new();
        while !input.is_empty() {
            sections.push(input.parse()?);
        }
        Ok(Self {
            attrs,
            krate,
            vis,
            name,
            entries: entries.into_iter().collect(),
            sections,
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

impl Parse for Section {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let keyword: Ident = input.parse().map_err(|error| {
            syn::Error::new(
                error.span(),
                "after the scopes, `scopes!` takes OpenAPI security schemes: `oauth2 { ... }` or `openid_connect { ... }`; write one `scopes!` per table",
            )
        })?;
        let body = match keyword.to_string().as_str() {
            "oauth2" => SectionBody::OAuth2(Vec::new()),
            "openid_connect" => SectionBody::OpenIdConnect(Vec::new()),
            other => {
                let hint = crate::diagnostics::closest(other, ["oauth2", "openid_connect"])
                    .map(|near| format!("; did you mean `{near}`?"))
                    .unwrap_or_default();
                return Err(syn::Error::new(
                    keyword.span(),
                    format!(
                        "unknown security scheme `{other}` in `scopes!`: expected `oauth2` or `openid_connect`{hint}"
                    ),
                ));
            }
        };
        let name = if input.peek(LitStr) {
            Some(input.parse()?)
        } else {
            None
        };
        let content;
        braced!(content in input);
        let body = match body {
            SectionBody::OAuth2(_) => SectionBody::OAuth2(
                Punctuated::<Flow, Token![,]>::parse_terminated(&content)?
                    .into_iter()
                    .collect(),
            ),
            SectionBody::OpenIdConnect(_) => SectionBody::OpenIdConnect(
                Punctuated::<Field, Token![,]>::parse_terminated(&content)?
                    .into_iter()
                    .collect(),
            ),
        };
        Ok(Self {
            keyword,
            name,
            body,
        })
    }
}

impl Parse for Flow {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let kind: Ident = input.parse()?;
        let content;
        braced!(content in input);
        let fields = Punctuated::<Field, Token![,]>::parse_terminated(&content)?
            .into_iter()
            .collect();
        Ok(Self { kind, fields })
    }
}

impl Parse for Field {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let name: Ident = input.parse()?;
        input.parse::<Token![:]>()?;
        let value = input.parse().map_err(|error| {
            syn::Error::new(
                error.span(),
                format!("expected the URL of `{name}`, a string literal"),
            )
        })?;
        Ok(Self { name, value })
    }
}
