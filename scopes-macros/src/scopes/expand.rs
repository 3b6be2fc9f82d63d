//! Emits the table type, its `ScopeTable` impl and its hidden macro twin.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::table_data::{TableData, words_for, words_literal};

use super::ast::Table;
use super::valid::Checked;

pub(crate) fn table(table: &Table, checked: &Checked) -> TokenStream {
    let Table {
        attrs, vis, name, ..
    } = table;
    let private = quote!(::scopes_core::__private);
    let words = words_for(checked.scopes.len());
    let table_name = name.to_string();

    let infos = checked.scopes.iter().enumerate().map(|(index, scope)| {
        let (name, description) = (&scope.name, &scope.description);
        let implies = scope.implies.iter().map(|&i| &checked.scopes[i].name);
        quote! {
            #private::ScopeInfo {
                name: #name,
                description: #description,
                index: #index,
                implies: &[#(#implies),*],
            }
        }
    });
    let grants = checked.scopes.iter().map(|scope| {
        let bits = words_literal(scope.grants.iter().copied(), words);
        quote!(#private::ScopeSet::from_words(#bits))
    });
    let arms = checked.scopes.iter().enumerate().map(|(index, scope)| {
        let name = &scope.name;
        quote!(#name => ::core::option::Option::Some(#index),)
    });

    let data = TableData {
        name: table_name.clone(),
        words,
        scopes: checked
            .scopes
            .iter()
            .map(|scope| scope.name.clone())
            .collect(),
    }
    .to_tokens();
    let twin = format_ident!("__scopes_table_{}", name);

    quote! {
        #(#attrs)*
        #[derive(::core::clone::Clone, ::core::marker::Copy, ::core::fmt::Debug, ::core::default::Default, ::core::cmp::PartialEq, ::core::cmp::Eq, ::core::hash::Hash)]
        #vis struct #name;

        impl #private::ScopeTable for #name {
            type Words = [u64; #words];
            const NAME: &'static str = #table_name;
            const SCOPES: &'static [#private::ScopeInfo] = &[#(#infos),*];
            const GRANTS: &'static [#private::ScopeSet<Self>] = &[#(#grants),*];

            fn index_of(name: &str) -> ::core::option::Option<usize> {
                match name {
                    #(#arms)*
                    _ => ::core::option::Option::None,
                }
            }
        }

        // `#[requires_scopes]` calls the table by its name in the macro namespace, which
        // hands the scopes to the attribute's second half.
        #[doc(hidden)]
        macro_rules! #twin {
            ($($input:tt)*) => {
                ::scopes_core::__private::__expand_requires_scopes! { #data $($input)* }
            };
        }
        #[doc(hidden)]
        #[allow(unused_imports)]
        pub(crate) use #twin as #name;
    }
}
