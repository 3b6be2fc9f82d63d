//! Emits the requirement and rewrites what the attribute annotates.

use proc_macro2::{Literal, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{FnArg, ImplItem, Item, ItemFn, ItemImpl, Path, Type};

use super::target::{ExtractorParts, mentions_any};
use super::utoipa::Documented;
use super::valid::Resolved;
use crate::scope_token::scope_hash;

/// The table, named through `AsTable` (spanned on its path): a type that is not a
/// table is then reported once, and nothing built on it adds errors.
fn table(path: &Path, resolved: &Resolved) -> TokenStream {
    let private = private(path, resolved);
    quote_spanned!(path.span()=> <#path as #private::AsTable>::Table)
}

/// `::scopes_core::__private`, spanned on the table path: the attribute itself by
/// default, so type errors about what we emit point there.
fn private(path: &Path, resolved: &Resolved) -> TokenStream {
    let krate = krate(path, resolved);
    quote_spanned!(path.span()=> #krate::__private)
}

/// The path of scopes-core: `::scopes_core` spanned on the table path, or the one given
/// with `crate = …`.
fn krate(path: &Path, resolved: &Resolved) -> TokenStream {
    match &resolved.krate {
        Some(krate) => quote!(#krate),
        None => quote_spanned!(path.span()=> ::scopes_core),
    }
}

/// `impl<__T> RequiredScopes<__T> for #ty where Path: AsTable<Table = __T>`, with the
/// requirement built inside from the table as written. Generic over the table so that
/// a type that is not one makes the impl inapplicable instead of adding errors; the
/// constants inside are concrete, so the requirement is computed at compile time.
fn required_scopes_impl(
    path: &Path,
    resolved: &Resolved,
    impl_generics: TokenStream,
    self_ty: TokenStream,
    where_clause: Option<&syn::WhereClause>,
    body: TokenStream,
) -> TokenStream {
    let private = private(path, resolved);
    let predicates = where_clause.map(|clause| {
        let predicates = &clause.predicates;
        quote!(#predicates,)
    });
    quote_spanned! {path.span()=>
        impl<#impl_generics __T: #private::ScopeTable> #private::RequiredScopes<__T> for #self_ty
        where
            #predicates
            for<'__scopes> #path: #private::AsTable<Table = __T>,
        {
            #body
        }
    }
}

/// `const REQUIREMENT: Requirement<__T> = …;`: each alternative's set built at compile
/// time from its scopes' indices in the table, found by the hash of their names.
fn requirement_const(path: &Path, resolved: &Resolved) -> TokenStream {
    let table = table(path, resolved);
    let private = private(path, resolved);
    let alternatives = resolved.alternatives.iter().map(|alternative| {
        let mut members = alternative.clone();
        members.sort_unstable();
        let indices = members.into_iter().map(|i| {
            let name = &resolved.names[i];
            let hash = Literal::u64_suffixed(scope_hash(name));
            quote_spanned!(path.span()=> #private::scope_index::<#table>(#name, #hash))
        });
        quote_spanned! {path.span()=>
            #private::ScopeSet::<#table>::from_words(#private::words(&[#(#indices),*]))
        }
    });
    let scope = resolved.names.join(" ");
    // RFC 9470: how the user must have authenticated, when the attribute says.
    let authentication = (!resolved.acr.is_empty() || resolved.max_age.is_some()).then(|| {
        let acr = &resolved.acr;
        let acr_values = resolved.acr.join(" ");
        let max_age = match resolved.max_age {
            Some(seconds) => quote!(::core::option::Option::Some(#seconds)),
            None => quote!(::core::option::Option::None),
        };
        quote!(.with_authentication(&[#(#acr),*], #acr_values, #max_age))
    });
    quote_spanned! {path.span()=>
        const REQUIREMENT: #private::Requirement<__T> = {
            const CONCRETE: #private::Requirement<#table> =
                #private::Requirement::new(&[#(#alternatives),*], #scope)#authentication;
            CONCRETE
        };
    }
}

/// One constant per scope literal, spanned on it: rustc evaluates the table's check
/// and reports an unknown name there, with the closest declared one.
fn name_checks(path: &Path, resolved: &Resolved) -> TokenStream {
    let table = table(path, resolved);
    let private = private(path, resolved);
    let written = quote!(#path).to_string().replace(' ', "");
    let checks = resolved.literals.iter().map(|literal| {
        let hash = Literal::u64_suffixed(scope_hash(&literal.value()));
        // The call's first and last tokens carry the literal's span, so that rustc
        // reports the failed evaluation there.
        quote_spanned! {literal.span()=>
            const _: () = {
                use #private::check_scope;
                check_scope::<#table>(#written, #literal, #hash)
            };
        }
    });
    quote!(#(#checks)*)
}

/// A handler: a hidden requirement type composed with the parameters' requirements,
/// and `Authorized<Table, it>` injected as the first parameter.
pub(crate) fn handler(
    mut function: ItemFn,
    path: &Path,
    resolved: &Resolved,
    documented: Option<Documented>,
) -> TokenStream {
    let table = table(path, resolved);
    let private = private(path, resolved);
    let span = path.span();
    let vis = &function.vis;
    let requirement = format_ident!("__scopes_requirement_{}", function.sig.ident.unraw());
    let own = requirement_const(path, resolved);
    let checks = name_checks(path, resolved);
    let composed = composed(&function, path, resolved, &requirement);
    let required = required_scopes_impl(
        path,
        resolved,
        TokenStream::new(),
        quote!(#requirement),
        None,
        quote!(#own #composed),
    );

    let injected: FnArg = syn::parse_quote_spanned! {span=>
        _: #private::Authorized<#table, #requirement>
    };
    function.sig.inputs.insert(0, injected);
    // The injected parameter names the table, which may be less visible than the
    // handler (a private table at the crate root serving `pub` handlers).
    function
        .attrs
        .push(syn::parse_quote!(#[allow(private_interfaces)]));
    let krate = krate(path, resolved);
    let written = quote!(#path).to_string().replace(' ', "");
    let guard = match &documented {
        Some(_) => None,
        None => {
            let outer = format_ident!("__path_{}", function.sig.ident.unraw());
            let guard = format_ident!("__scopes_order_{}", function.sig.ident.unraw());
            // `__path_<handler>` is this fallback through a glob import, which an item of
            // the same name shadows: utoipa's, when `#[utoipa::path]` sits above and
            // documented the operation without its security. Then the check fails with
            // the fix in its message.
            // Only with the `utoipa` feature (nothing to guard without it).
            Some(quote_spanned! {path.span()=>
                #krate::__utoipa_order_guard!(#guard, #outer);
            })
        }
    };
    let openapi = documented.map(|Documented { inner, outer, span }| {
        // Documented as secured: the table must declare a scheme to name.
        let scheme_check = quote_spanned! {span=>
            const _: () = if let ::core::option::Option::Some(message) =
                #private::missing_scheme::<#table>(#written)
            {
                ::core::panic!("{}", message.as_str())
            };
        };
        quote! {
            #scheme_check

            #[doc(hidden)]
            #[allow(non_camel_case_types, dead_code)]
            struct #inner;

            #krate::__utoipa_path!(pub #outer => #inner, #table, #requirement);
        }
    });

    quote! {
        #[doc(hidden)]
        #[allow(non_camel_case_types, unreachable_pub)]
        #[allow(missing_debug_implementations)]
        #vis struct #requirement;

        #required


        #checks

        #function

        #openapi

        #guard
    }
}

/// `fn composed()`: the handler's requirement, then each parameter type's that is a
/// scoped extractor (found by autoref specialization, since a macro cannot tell), built
/// once. Parameters whose types use the handler's generics cannot be probed here.
fn composed(
    function: &ItemFn,
    path: &Path,
    resolved: &Resolved,
    requirement: &syn::Ident,
) -> TokenStream {
    let table = table(path, resolved);
    let private = private(path, resolved);
    let generics: Vec<String> = function
        .sig
        .generics
        .type_params()
        .map(|p| p.ident.to_string())
        .collect();
    let probed: Vec<&Type> = function
        .sig
        .inputs
        .iter()
        .filter_map(|input| match input {
            FnArg::Typed(typed) if !mentions_any(&typed.ty.to_token_stream(), &generics) => {
                Some(&*typed.ty)
            }
            _ => None,
        })
        .collect();
    if probed.is_empty() {
        return TokenStream::new();
    }
    quote! {
        fn composed() -> &'static [#private::Requirement<__T>] {
            fn concrete() -> &'static [#private::Requirement<#table>] {
                static COMPOSED: ::std::sync::OnceLock<::std::boxed::Box<[#private::Requirement<#table>]>> =
                    ::std::sync::OnceLock::new();
                COMPOSED.get_or_init(|| {
                    #[allow(unused_imports)]
                    use #private::{ProbePlain as _, ProbeScoped as _};
                    #private::compose(&[
                        ::core::option::Option::Some(<#requirement as #private::RequiredScopes<#table>>::REQUIREMENT),
                        #((&&#private::Probe::<#table, #probed>::new()).requirement(),)*
                    ])
                })
            }
            concrete()
        }
    }
}

/// A scoped extractor: its type gets the requirement, and `from_request_parts` checks
/// it first, so the extractor enforces its scopes wherever it is used.
pub(crate) fn extractor(
    mut block: ItemImpl,
    parts: &ExtractorParts,
    path: &Path,
    resolved: &Resolved,
) -> TokenStream {
    let table = table(path, resolved);
    let private = private(path, resolved);
    let self_ty = &block.self_ty;
    let own = requirement_const(path, resolved);
    let checks = name_checks(path, resolved);
    let ExtractorParts {
        state,
        parts: parts_arg,
        state_arg,
    } = parts;

    let check: syn::Stmt = syn::parse_quote_spanned! {path.span()=>
        let _ = <#private::Authorized<#table, Self> as #private::FromRequestParts<#state>>::from_request_parts(
            #parts_arg,
            #state_arg,
        )
        .await?;
    };
    for item in &mut block.items {
        if let ImplItem::Fn(function) = item
            && function.sig.ident == "from_request_parts"
        {
            function.block.stmts.insert(0, check.clone());
        }
    }
    block.generics.make_where_clause().predicates.push(
        syn::parse_quote_spanned!(path.span()=> #private::Verifier: #private::FromRef<#state>),
    );

    let required = required_scopes_impl(
        path,
        resolved,
        TokenStream::new(),
        quote!(#self_ty),
        None,
        own,
    );
    quote! {
        #required

        #checks

        #block
    }
}

/// A struct or enum naming a requirement, for layers or `Authorized<Table, It>`.
pub(crate) fn marker(item: Item, path: &Path, resolved: &Resolved) -> TokenStream {
    let (name, generics) = match &item {
        Item::Struct(item) => (&item.ident, &item.generics),
        Item::Enum(item) => (&item.ident, &item.generics),
        _ => unreachable!("Target::parse admits structs and enums only"),
    };
    let (_, type_generics, where_clause) = generics.split_for_impl();
    // The impl's parameters: the item's, without their defaults or attributes.
    let params = generics.params.iter().map(|param| match param {
        syn::GenericParam::Type(param) => {
            let (ident, bounds) = (&param.ident, &param.bounds);
            quote!(#ident: #bounds)
        }
        syn::GenericParam::Lifetime(param) => {
            let (lifetime, bounds) = (&param.lifetime, &param.bounds);
            quote!(#lifetime: #bounds)
        }
        syn::GenericParam::Const(param) => {
            let (ident, ty) = (&param.ident, &param.ty);
            quote!(const #ident: #ty)
        }
    });
    let own = requirement_const(path, resolved);
    let checks = name_checks(path, resolved);
    let required = required_scopes_impl(
        path,
        resolved,
        quote!(#(#params,)*),
        quote!(#name #type_generics),
        where_clause,
        own,
    );
    quote! {
        #item

        #checks

        #required
    }
}
