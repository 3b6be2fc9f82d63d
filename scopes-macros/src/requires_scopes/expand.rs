//! Rewrites the handler: a hidden requirement type, and `Authorized<it>` injected first.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{FnArg, ItemFn, Path};

use crate::table_data::{TableData, words_literal};

use super::valid::Resolved;

pub(crate) fn handler(mut function: ItemFn, path: &Path, table: &TableData, resolved: &Resolved) -> TokenStream {
    let private = quote!(::scopes_core::__private);
    let vis = &function.vis;
    let requirement = format_ident!("__scopes_requirement_{}", function.sig.ident.unraw());
    let alternatives = resolved.alternatives.iter().map(|alternative| {
        let bits = words_literal(alternative.iter().copied(), table.words);
        quote!(#private::ScopeSet::from_words(#bits))
    });
    let scope = &resolved.scope;

    let span = path.span();
    let injected: FnArg = syn::parse_quote_spanned! {span=>
        _: #private::Authorized<#requirement>
    };
    function.sig.inputs.insert(0, injected);

    let requirement_impl = quote_spanned! {span=>
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #vis struct #requirement;

        impl #private::RequiredScopes for #requirement {
            type Table = #path;
            const REQUIREMENT: #private::Requirement<#path> =
                #private::Requirement::new(&[#(#alternatives),*], #scope);
        }
    };
    quote! {
        #requirement_impl
        #function
    }
}
