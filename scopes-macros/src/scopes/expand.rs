//! Emits the table type and its `ScopeTable` impl: an ordinary type that
//! `#[requires_scopes]` uses wherever its path resolves, in any crate.

use proc_macro2::TokenStream;
use quote::quote;

use crate::words::{words_for, words_literal};

use super::ast::Table;
use super::security::{FlowKind, Schemes};
use super::valid::Checked;

pub(crate) fn table(
    table: &Table,
    checked: &Checked,
    schemes: &Schemes,
    incomplete: bool,
) -> TokenStream {
    let Table {
        attrs,
        vis,
        name,
        krate,
        ..
    } = table;
    let krate = match krate {
        Some(path) => quote!(#path),
        None => quote!(::scopes_core),
    };
    let private = quote!(#krate::__private);
    let words = words_for(checked.scopes.len());
    // Twice as many slots as scopes, a power of two: probes stay short.
    let slots = (2 * checked.scopes.len()).next_power_of_two().max(2);
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

    let security = security(schemes, &krate);
    let incomplete = incomplete.then(|| {
        quote!(
            const INCOMPLETE: bool = true;
        )
    });

    quote! {
        #(#attrs)*
        #[derive(::core::clone::Clone, ::core::marker::Copy, ::core::fmt::Debug, ::core::default::Default, ::core::cmp::PartialEq, ::core::cmp::Eq, ::core::hash::Hash)]
        #vis struct #name;

        impl #private::ScopeTable for #name {
            type Words = [u64; #words];
            const NAME: &'static str = #table_name;
            const MODULE: &'static str = ::core::module_path!();
            const SCOPES: &'static [#private::ScopeInfo] = &[#(#infos),*];
            const GRANTS: &'static [#private::ScopeSet<Self>] = &[#(#grants),*];
            const SLOTS: &'static [u16] = &#private::slots::<#slots>(Self::SCOPES);
            const HASHES: &'static [u64] = &#private::slot_hashes::<#slots>(Self::SCOPES, Self::SLOTS);

            #security
            #incomplete

            fn index_of(name: &str) -> ::core::option::Option<usize> {
                match name {
                    #(#arms)*
                    _ => ::core::option::Option::None,
                }
            }
        }

        impl #private::AsTable for #name {
            type Table = Self;
        }

        // With the `utoipa` feature: `impl Modify for #name`, adding its schemes.
        #krate::__utoipa_table!(#name);
    }
}

/// `const SECURITY` when the table declares schemes (the trait's default is none).
fn security(schemes: &Schemes, krate: &TokenStream) -> TokenStream {
    if schemes.oauth2.is_none() && schemes.openid_connect.is_none() {
        return TokenStream::new();
    }
    let openapi = quote!(#krate::openapi);
    let option = |value: &Option<String>| match value {
        Some(value) => quote!(::core::option::Option::Some(#value)),
        None => quote!(::core::option::Option::None),
    };
    let oauth2 = match &schemes.oauth2 {
        Some((name, flows)) => {
            let flows = flows.iter().map(|flow| {
                let kind = match flow.kind {
                    FlowKind::Password => quote!(Password),
                    FlowKind::ClientCredentials => quote!(ClientCredentials),
                    FlowKind::AuthorizationCode => quote!(AuthorizationCode),
                    FlowKind::Implicit => quote!(Implicit),
                };
                let (authorization_url, token_url, refresh_url) = (
                    option(&flow.authorization_url),
                    option(&flow.token_url),
                    option(&flow.refresh_url),
                );
                quote! {
                    #openapi::OAuth2Flow {
                        kind: #openapi::FlowKind::#kind,
                        authorization_url: #authorization_url,
                        token_url: #token_url,
                        refresh_url: #refresh_url,
                    }
                }
            });
            quote!(::core::option::Option::Some(#openapi::OAuth2Scheme { name: #name, flows: &[#(#flows),*] }))
        }
        None => quote!(::core::option::Option::None),
    };
    let openid_connect = match &schemes.openid_connect {
        Some((name, url)) => {
            quote!(::core::option::Option::Some(#openapi::OpenIdConnectScheme { name: #name, url: #url }))
        }
        None => quote!(::core::option::Option::None),
    };
    quote! {
        const SECURITY: #openapi::SecuritySchemes = #openapi::SecuritySchemes {
            oauth2: #oauth2,
            openid_connect: #openid_connect,
        };
    }
}
