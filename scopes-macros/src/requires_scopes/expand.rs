//! Rewrites the handler: a hidden requirement type, and `Authorized<Table, it>` injected
//! first.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{FnArg, ItemFn, Path};

use crate::table_data::{TableData, words_literal};

use super::valid::Resolved;

pub(crate) fn handler(
    mut function: ItemFn,
    path: &Path,
    table: &TableData,
    resolved: &Resolved,
) -> TokenStream {
    // Spanned on the table path (the attribute itself by default), so that a type error
    // about the injected extractor, such as a state without a `Verifier`, points there.
    let span = path.span();
    let private = quote_spanned!(span=> ::scopes_core::__private);
    let vis = &function.vis;
    let requirement = format_ident!("__scopes_requirement_{}", function.sig.ident.unraw());
    let alternatives = resolved.alternatives.iter().map(|alternative| {
        let bits = words_literal(alternative.iter().copied(), table.words);
        quote!(#private::ScopeSet::from_words(#bits))
    });
    let scope = &resolved.scope;

    let injected: FnArg = syn::parse_quote_spanned! {span=>
        _: #private::Authorized<#path, #requirement>
    };
    function.sig.inputs.insert(0, injected);
    // The injected parameter names the table, which may be less visible than the
    // handler (a private table at the crate root serving `pub` handlers).
    function
        .attrs
        .push(syn::parse_quote!(#[allow(private_interfaces)]));

    let requirement_impl = quote_spanned! {span=>
        #[doc(hidden)]
        #[allow(non_camel_case_types, unreachable_pub)]
        #[derive(::core::clone::Clone, ::core::marker::Copy, ::core::fmt::Debug)]
        #vis struct #requirement;

        impl #private::RequiredScopes<#path> for #requirement {
            const REQUIREMENT: #private::Requirement<#path> =
                #private::Requirement::new(&[#(#alternatives),*], #scope);
        }
    };
    quote! {
        #requirement_impl
        #function
    }
}
