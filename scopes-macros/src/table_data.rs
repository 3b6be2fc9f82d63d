//! What a table's hidden macro hands to `#[requires_scopes]`'s second half:
//! `{ name = "Scopes", words = 1, scopes = ["me", "items"] }`.

use proc_macro2::TokenStream;
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{LitInt, LitStr, Token, braced, bracketed};

syn::custom_keyword!(name);
syn::custom_keyword!(words);
syn::custom_keyword!(scopes);

pub(crate) struct TableData {
    pub(crate) name: String,
    pub(crate) words: usize,
    pub(crate) scopes: Vec<String>,
}

impl TableData {
    pub(crate) fn to_tokens(&self) -> TokenStream {
        let Self {
            name,
            words,
            scopes,
        } = self;
        quote!({ name = #name, words = #words, scopes = [#(#scopes),*] })
    }

    pub(crate) fn index_of(&self, scope: &str) -> Option<usize> {
        self.scopes.iter().position(|known| known == scope)
    }
}

impl Parse for TableData {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let content;
        braced!(content in input);
        content.parse::<name>()?;
        content.parse::<Token![=]>()?;
        let name = content.parse::<LitStr>()?.value();
        content.parse::<Token![,]>()?;
        content.parse::<words>()?;
        content.parse::<Token![=]>()?;
        let words = content.parse::<LitInt>()?.base10_parse()?;
        content.parse::<Token![,]>()?;
        content.parse::<scopes>()?;
        content.parse::<Token![=]>()?;
        let list;
        bracketed!(list in content);
        let scopes = Punctuated::<LitStr, Token![,]>::parse_terminated(&list)?
            .iter()
            .map(LitStr::value)
            .collect();
        Ok(Self {
            name,
            words,
            scopes,
        })
    }
}

/// The number of 64-bit words a set of `len` scopes needs (at least one).
pub(crate) fn words_for(len: usize) -> usize {
    len.div_ceil(64).max(1)
}

/// `[w0, w1, …]` with the bits of `indices` set.
pub(crate) fn words_literal(indices: impl IntoIterator<Item = usize>, words: usize) -> TokenStream {
    let mut bits = vec![0u64; words];
    for index in indices {
        bits[index / 64] |= 1 << (index % 64);
    }
    quote!([#(#bits),*])
}
