//! Emits the requirement and rewrites what the attribute annotates.

use proc_macro2::{Literal, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{FnArg, ImplItem, Item, ItemFn, ItemImpl, Path, Type};

use super::target::{ExtractorParts, conditions, mentions_any};
use super::utoipa::Documented;
use super::valid::Resolved;
use crate::diagnostics::{check_at, relocate};
use crate::scope_token::{alternatives_call, scope_hash};

/// How the expansion names scopes-core and the table: built once per attribute, then
/// interpolated (building tokens is most of a proc macro's own cost).
struct Names<'a> {
    path: &'a Path,
    resolved: &'a Resolved,
    /// `::scopes_core` spanned on the table path (the attribute itself by default, so
    /// type errors about what we emit point there), or the path given with `crate = …`.
    krate: TokenStream,
    /// `#krate::__private`.
    private: TokenStream,
    /// The table, named through `AsTable` (spanned on its path): a type that is not a
    /// table is then reported once, and nothing built on it adds errors.
    table: TokenStream,
    /// The table's path as written, for messages.
    written: String,
    /// The span of the path's last token (`path.span()` is its first one's).
    last: proc_macro2::Span,
}

/// The span of `path`'s last segment.
fn last_span(path: &Path) -> proc_macro2::Span {
    path.segments
        .last()
        .map_or_else(|| path.span(), |segment| segment.ident.span())
}

/// `tokens`, their last token tree (a call's parentheses) spanned at `last`: what they
/// write then spans, for rustc, from where they start (the table path's first token) to
/// the path's last token, as the path does.
fn ending_at(tokens: TokenStream, last: proc_macro2::Span) -> TokenStream {
    let mut trees: Vec<proc_macro2::TokenTree> = tokens.into_iter().collect();
    if let Some(tree) = trees.last_mut() {
        tree.set_span(last);
    }
    trees.into_iter().collect()
}

impl<'a> Names<'a> {
    fn new(path: &'a Path, resolved: &'a Resolved) -> Self {
        let span = path.span();
        let krate = match &resolved.krate {
            Some(krate) => relocate(quote!(#krate), span),
            None => quote_spanned!(span=> ::scopes_core),
        };
        let private = quote_spanned!(span=> #krate::__private);
        // From the path's first token to its last, as rustc measures the projection
        // (`path.span()` is the first token alone on stable): every error about a
        // `table = a::B` that is no table then has the one span, and rustc reports one.
        let last = last_span(path);
        let open = quote_spanned!(span=> <);
        let rest = quote_spanned!(last=> as #private::AsTable>::Table);
        let table = quote!(#open #path #rest);
        Self {
            path,
            resolved,
            krate,
            private,
            table,
            written: quote!(#path).to_string().replace(' ', ""),
            last,
        }
    }
}

/// `impl<__T> RequiredScopes<__T> for #ty where Path: AsTable<Table = __T>`, with the
/// requirement built inside from the table as written. Generic over the table so that
/// a type that is not one makes the impl inapplicable instead of adding errors; the
/// constants inside are concrete, so the requirement is computed at compile time.
fn required_scopes_impl(
    names: &Names<'_>,
    impl_generics: TokenStream,
    self_ty: TokenStream,
    where_clause: Option<&syn::WhereClause>,
    body: TokenStream,
) -> TokenStream {
    let Names { path, private, .. } = names;
    let predicates = where_clause.map(|clause| {
        let predicates = &clause.predicates;
        quote!(#predicates,)
    });
    quote_spanned! {path.span()=>
        #[diagnostic::do_not_recommend]
        impl<#impl_generics __T: #private::ScopeTable> #private::RequiredScopes<__T> for #self_ty
        where
            #predicates
            for<'__scopes> #path: #private::AsTable<Table = __T>,
        {
            #body
        }
    }
}

/// `Requirement::new(const { &alternatives::<Table, _, A>("…", &[…]) }, "…")`: each
/// alternative's set built at compile time from its scopes' indices in the table,
/// found by the hash of their names. An expression for a constant of the table's
/// `Requirement`; one call whose arguments are literals, the cheapest for rustc to
/// check.
fn requirement_value(names: &Names<'_>) -> TokenStream {
    let Names {
        path,
        resolved,
        private,
        table,
        ..
    } = names;
    let span = path.span();
    let alternatives = alternatives_call(
        private,
        table,
        resolved.alternatives.iter().map(|alternative| {
            alternative
                .iter()
                .map(|&member| resolved.names[member].as_str())
        }),
        span,
    );
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
    let value = quote_spanned! {span=>
        #private::Requirement::new(
            const { &#alternatives },
            #scope,
        )#authentication
    };
    ending_at(value, names.last)
}

/// `const REQUIREMENT: Requirement<__T> = …;` ([`requirement_value`]).
fn requirement_const(names: &Names<'_>) -> TokenStream {
    let Names {
        path,
        private,
        table,
        ..
    } = names;
    let value = requirement_value(names);
    // An associated constant of a generic type of its own, not a free constant: rustc
    // evaluates a free constant with every `cargo check`, and a lint there evaluates the
    // constants a non-generic body uses. This one is evaluated where it is used, when
    // the handler is built; the literals' own constants report unknown names.
    quote_spanned! {path.span()=>
        const REQUIREMENT: #private::Requirement<__T> = {
            struct __ScopesConcrete<__X>(::core::marker::PhantomData<__X>);
            impl<__X> __ScopesConcrete<__X> {
                const REQUIREMENT: #private::Requirement<#table> = #value;
            }
            __ScopesConcrete::<()>::REQUIREMENT
        };
    }
}

/// One constant per scope literal, spanned on it: rustc evaluates the table's check
/// and reports an unknown name there, with the closest declared one.
fn name_checks(names: &Names<'_>) -> TokenStream {
    let Names {
        resolved,
        private,
        table,
        written,
        ..
    } = names;
    let checks = resolved.literals.iter().map(|literal| {
        let hash = Literal::u64_suffixed(scope_hash(&literal.value()));
        check_at(
            literal.span(),
            private,
            resolved.krate.is_some(),
            "check_scope",
            table,
            quote_spanned!(literal.span()=> #written, #literal, #hash),
        )
    });
    quote!(#(#checks)*)
}

/// A handler: a hidden requirement type composed with the parameters' requirements,
/// and `NeedsVerifierInState<it>` (what `Authorized<Table, it>` does) injected as the
/// first parameter (`NeedsVerifierInStateSole<it>`, as the only one, when the handler
/// takes none).
pub(crate) fn handler(
    mut function: ItemFn,
    path: &Path,
    resolved: &Resolved,
    documented: Option<Documented>,
) -> TokenStream {
    let names = Names::new(path, resolved);
    let Names {
        krate,
        private,
        table,
        written,
        ..
    } = &names;
    let span = path.span();
    let vis = &function.vis;
    let requirement = format_ident!("__scopes_requirement_{}", function.sig.ident.unraw());
    let checks = name_checks(&names);
    let (required, composed) = match composed(&function, &names, &requirement) {
        // Composed with the parameters' requirements, found by probing their types in
        // an impl generic over the table.
        Some(parts) => {
            let own = requirement_const(&names);
            let required = required_scopes_impl(
                &names,
                TokenStream::new(),
                quote!(#requirement),
                None,
                quote!(#own #parts),
            );
            // Spanned from the path's first token to its last, as the table is.
            let open = quote_spanned!(span=> <#requirement);
            let rest = quote_spanned!(names.last=> as #private::Same>::Is);
            let composed = quote_spanned!(span=> #private::parts_of::<#table, #open #rest>());
            (required, composed)
        }
        // No parameter probed (none, or each mentions the handler's generics): its own
        // requirement alone, an inline constant of `with_table`, which is
        // generic (over the visitor), so evaluated when the handler is built, not by
        // `cargo check` (the literals' constants report unknown names); no impl of its
        // own. (Handed over by value instead, it would spare `cargo check` another
        // 0.26 M instructions per handler, and cost a debug build 1.2 M and a request
        // 35 instructions.)
        None => {
            let value = requirement_value(&names);
            let composed = quote_spanned! {span=>
                const {
                    #private::Composed {
                        own: &[#value],
                        foreign: &[],
                    }
                }
            };
            (TokenStream::new(), composed)
        }
    };
    // Which table the requirement is of, for `security_of!`.
    let handler_of = quote_spanned! {span=>
        impl<__T: #private::ScopeTable> #private::HandlerOf<__T> for #requirement
        where
            for<'__scopes> #path: #private::AsTable<Table = __T>,
        {}
    };

    // The injected parameter names the requirement alone (its table is reached through
    // this impl), so that a table path in error leaves the handler a handler.
    let check = handler_check(&names, quote!(#requirement), composed);
    // A handler without parameters of its own gets the check as its only extractor,
    // which takes the whole request and records nothing (nothing follows it); axum's
    // bounds for it are cheaper for rustc than for a request-parts extractor. Not under
    // `#[axum::debug_handler]`: its check of a request extractor says only that the
    // state does not fit, where the request-parts one names the missing `Verifier`.
    let debugged = function.attrs.iter().any(super::utoipa::is_debug_handler);
    let sole = function.sig.inputs.is_empty() && !debugged;
    // Generic over the router's state, which rustc infers where the handler is routed,
    // so that a state without a `Verifier` is reported there as the bound it misses
    // (`Verifier: FromRef<AppState>`). Not under `#[axum::debug_handler]`, which takes
    // no generic function (and names the state itself), nor for a handler generic
    // already, whose routes may name its parameters (`get(handler::<Db>)`).
    let in_state = !debugged && function.sig.generics.params.is_empty();
    let injected_type = match (in_state, sole) {
        (true, true) => quote_spanned!(span=> #private::CheckInSole<#requirement, __RouterState>),
        (true, false) => quote_spanned!(span=> #private::CheckIn<#requirement, __RouterState>),
        (false, true) => quote_spanned!(span=> #private::NeedsVerifierInStateSole<#requirement>),
        (false, false) => quote_spanned!(span=> #private::NeedsVerifierInState<#requirement>),
    };
    if in_state {
        let state = syn::Ident::new("__RouterState", span);
        // An `impl Trait + use<…>` in the return type lists what it captures, and must
        // list every type parameter: the state's too.
        if let syn::ReturnType::Type(_, output) = &mut function.sig.output {
            capture(output, &state);
        }
        function
            .sig
            .generics
            .params
            .push(syn::GenericParam::Type(syn::TypeParam::from(state)));
        let bound: syn::WherePredicate =
            syn::parse2(quote_spanned!(span=> __RouterState: #private::VerifierState))
                .expect("a where predicate");
        function
            .sig
            .generics
            .make_where_clause()
            .predicates
            .push(bound);
    }
    // Built, not parsed: the type's tokens are emitted as they are.
    let injected = FnArg::Typed(syn::PatType {
        attrs: Vec::new(),
        pat: Box::new(syn::Pat::Wild(syn::PatWild {
            attrs: Vec::new(),
            underscore_token: syn::Token![_](span),
        })),
        colon_token: syn::Token![:](span),
        ty: Box::new(Type::Verbatim(injected_type)),
    });
    function.sig.inputs.insert(0, injected);
    // `__path_<handler>` is this fallback through a glob import, which an item of the
    // same name shadows: utoipa's, when `#[utoipa::path]` sits above and documented the
    // operation without its security. Then the check fails with the fix in its message.
    // Only with the `utoipa` feature of scopes-core, which turns on this crate's: without
    // it there is no `#[utoipa::path]` to guard, and nothing is emitted.
    let guard = match &documented {
        Some(_) => None,
        None if cfg!(feature = "utoipa") => {
            let outer = format_ident!("__path_{}", function.sig.ident.unraw());
            // The module's name differs from that of a handler of the same name in a
            // module around it (which `use super::*` would bring in, an ambiguity
            // with this one in the glob import below): it carries where the handler is.
            let place = scope_hash(&format!("{:?}", function.sig.ident.span())) as u32;
            let guard = format_ident!("__scopes_order_{}_{place:08x}", function.sig.ident.unraw());
            Some(quote_spanned! {path.span()=>
                #krate::__utoipa_order_guard!(#guard, #outer);
            })
        }
        None => None,
    };
    let openapi = documented.map(|Documented { inner, outer, span }| {
        // Documented as secured: the table must declare a scheme to name. Written where
        // `#[utoipa::path]` is, but resolved as the attribute's output, so that a table
        // not imported is rustc's one error, not a second one offering to make the
        // check generic over it.
        let span = span.resolved_at(proc_macro2::Span::call_site());
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

            #krate::__utoipa_path!(pub #outer => #inner, #requirement);
        }
    });

    quote! {
        #[doc(hidden)]
        #[allow(non_camel_case_types, unreachable_pub, missing_debug_implementations)]
        #vis struct #requirement;

        #required

        #handler_of

        #check

        #checks

        #function

        #openapi

        #guard
    }
}

/// `state` added to each `use<…>` of an `impl Trait` in `ty` (a handler's return type),
/// wherever it is nested.
fn capture(ty: &mut Type, state: &syn::Ident) {
    match ty {
        Type::ImplTrait(opaque) => {
            for bound in &mut opaque.bounds {
                match bound {
                    syn::TypeParamBound::PreciseCapture(captures) => captures
                        .params
                        .push(syn::CapturedParam::Ident(state.clone())),
                    syn::TypeParamBound::Trait(bound) => capture_in(&mut bound.path, state),
                    _ => {}
                }
            }
        }
        Type::Path(path) => capture_in(&mut path.path, state),
        Type::Tuple(tuple) => tuple.elems.iter_mut().for_each(|ty| capture(ty, state)),
        Type::Paren(inner) => capture(&mut inner.elem, state),
        Type::Group(inner) => capture(&mut inner.elem, state),
        Type::Reference(inner) => capture(&mut inner.elem, state),
        Type::Array(inner) => capture(&mut inner.elem, state),
        Type::Slice(inner) => capture(&mut inner.elem, state),
        _ => {}
    }
}

/// [`capture`] in the generic arguments of `path` (`Result<impl …, E>`, `Item = impl …`).
fn capture_in(path: &mut Path, state: &syn::Ident) {
    for segment in &mut path.segments {
        if let syn::PathArguments::AngleBracketed(arguments) = &mut segment.arguments {
            for argument in &mut arguments.args {
                match argument {
                    syn::GenericArgument::Type(ty) => capture(ty, state),
                    syn::GenericArgument::AssocType(binding) => capture(&mut binding.ty, state),
                    _ => {}
                }
            }
        }
    }
}

/// `impl HandlerCheck for #ty`: hands the table and `composed`, the requirement (naming
/// anything at the table's path, so that a path that is no table is reported once,
/// there), to a visitor. For a handler's requirement type and for a scoped extractor.
fn handler_check(names: &Names<'_>, ty: TokenStream, composed: TokenStream) -> TokenStream {
    let Names {
        path,
        private,
        table,
        ..
    } = names;
    quote_spanned! {path.span()=>
        impl #private::HandlerCheck for #ty {
            fn with_table<__V: #private::TableVisitor>(
                visitor: __V,
            ) -> <__V as #private::TableVisitor>::Output {
                visitor.visit::<#table>(#composed)
            }
        }
    }
}

/// `fn parts()`: the handler's requirement, then each parameter type's that is a
/// scoped extractor of its table, and those of other tables apart (found by autoref
/// specialization, since a macro cannot tell), constants. A tuple parameter is probed
/// element by element (axum extracts each, and a scoped extractor in it checks its
/// scopes), and a parameter under `#[cfg(…)]` (or a `cfg_attr` that applies one) is
/// probed under the same conditions, so that one compiled out is not required. Parameters whose types use the handler's
/// generics cannot be probed here.
fn composed(function: &ItemFn, names: &Names<'_>, requirement: &syn::Ident) -> Option<TokenStream> {
    let Names { private, .. } = names;
    // Every generic the handler declares: a type, a constant or a lifetime (whose
    // name a type mentions after its `'`).
    let generics: Vec<String> = function
        .sig
        .generics
        .params
        .iter()
        .map(|param| match param {
            syn::GenericParam::Type(param) => param.ident.to_string(),
            syn::GenericParam::Const(param) => param.ident.to_string(),
            syn::GenericParam::Lifetime(param) => param.lifetime.ident.to_string(),
        })
        .collect();
    let mut probed: Vec<(Vec<TokenStream>, &Type)> = Vec::new();
    for input in &function.sig.inputs {
        if let FnArg::Typed(typed) = input {
            let cfgs = conditions(&typed.attrs);
            let mut types = Vec::new();
            elements(&typed.ty, &mut types);
            probed.extend(
                types
                    .into_iter()
                    .filter(|ty| !mentions_any(&ty.to_token_stream(), &generics))
                    .map(|ty| (cfgs.clone(), ty)),
            );
        }
    }
    if probed.is_empty() {
        return None;
    }
    if probed.len() > MOST_PROBED {
        let message = format!(
            "`#[requires_scopes]` composes the requirements of at most {MOST_PROBED} extractors, a tuple's elements counted one by one; `{}` takes {}: group some into an extractor of your own (a struct implementing `FromRequestParts`)",
            function.sig.ident,
            probed.len()
        );
        return Some(quote_spanned! {function.sig.ident.span()=>
            fn parts() -> #private::Composed<__T> {
                ::core::compile_error!(#message)
            }
        });
    }
    let probes = probed.iter().map(|(cfgs, ty)| {
        quote! { #(#cfgs)* (&&&#private::Probe::<__T, #ty>::new()).part(), }
    });
    // In the impl that is generic over the table `__T`, whose bound says which table it
    // is: a scoped extractor's impl, bound the same way, is found for it however either
    // names the table. A path that is no table leaves the impl unused, and adds no
    // error to its own. Everything else is a constant built by scopes-core.
    Some(quote! {
        fn parts() -> #private::Composed<__T> {
            #[allow(unused_imports)]
            use #private::{ProbeForeign as _, ProbePlain as _, ProbeScoped as _};
            #private::composed::<__T, #requirement, _>((#(#probes)*))
        }
    })
}

/// The most parameter types (a tuple's elements each) a handler's requirement is
/// composed with: scopes-core's `Parts` impls.
const MOST_PROBED: usize = 32;

/// The types axum extracts for a parameter of type `ty`: a tuple's elements (each in
/// turn, nested tuples too), else `ty` itself.
fn elements<'a>(ty: &'a Type, into: &mut Vec<&'a Type>) {
    match ty {
        Type::Tuple(tuple) if !tuple.elems.is_empty() => {
            for element in &tuple.elems {
                elements(element, into);
            }
        }
        Type::Paren(inner) => elements(&inner.elem, into),
        Type::Group(inner) => elements(&inner.elem, into),
        _ => into.push(ty),
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
    let names = Names::new(path, resolved);
    let Names { private, table, .. } = &names;
    let self_ty = &block.self_ty;
    let own = requirement_const(&names);
    let checks = name_checks(&names);
    let ExtractorParts {
        state,
        parts: parts_arg,
        state_arg,
    } = parts;

    // The check a handler's attribute injects, `NeedsVerifierInState<Self>`: the
    // extractor reaches its table as a handler's requirement type does (`HandlerCheck`,
    // implemented below), so a path that is no table is reported once, where
    // `with_table` names it. `Self`, never the type's name as written: a name imported
    // in the body (a type of the same name that the extractor wraps) would stand for
    // another type, with its requirement.
    let check: syn::Stmt = syn::parse_quote_spanned! {path.span()=>
        let _ = <#private::NeedsVerifierInState<Self>
            as #private::FromRequestParts<#state>>::from_request_parts(#parts_arg, #state_arg)
            .await?;
    };
    for item in &mut block.items {
        if let ImplItem::Fn(function) = item
            && function.sig.ident == "from_request_parts"
        {
            function.block.stmts.insert(0, check.clone());
        }
    }
    block
        .generics
        .make_where_clause()
        .predicates
        .push(syn::parse_quote_spanned!(path.span()=> #state: #private::VerifierState));

    let required = required_scopes_impl(&names, TokenStream::new(), quote!(#self_ty), None, own);
    let documented = aide_input(&names, self_ty, path);
    // For the handlers of other tables that take it: its requirement with its table
    // left behind. Bound as `RequiredScopes` is, so that a path that is no table adds
    // no error of its own.
    let foreign = quote_spanned! {path.span()=>
        impl #private::ForeignScoped for #self_ty
        where
            for<'__scopes> #path: #private::AsTable,
        {
            const FOREIGN: #private::ForeignRequirement =
                #private::ForeignRequirement::of::<#table, Self>();
        }
    };
    // Beside the impl, where the self type is named as its header names it.
    let handler_check = handler_check(
        &names,
        quote!(#self_ty),
        quote_spanned!(path.span()=> <Self as #private::RequiredScopes<#table>>::parts()),
    );
    quote! {
        #required

        #foreign

        #handler_check

        #checks

        #block

        #documented
    }
}

/// With aide (scopes-core's `aide` feature), a scoped extractor documents its scopes
/// wherever it is used, as the check a handler's attribute injects does: aide asks an
/// `OperationInput` of every extractor, and this is it.
fn aide_input(names: &Names<'_>, self_ty: &Type, path: &Path) -> TokenStream {
    if !cfg!(feature = "aide") {
        return TokenStream::new();
    }
    let Names { private, table, .. } = names;
    quote_spanned! {path.span()=>
        impl #private::aide::OperationInput for #self_ty {
            fn operation_input(
                ctx: &mut #private::aide::generate::GenContext,
                operation: &mut #private::aide::openapi::Operation,
            ) {
                #private::scoped_input::<#table, Self>(ctx, operation);
            }

            fn inferred_early_responses(
                ctx: &mut #private::aide::generate::GenContext,
                operation: &mut #private::aide::openapi::Operation,
            ) -> ::std::vec::Vec<(
                ::core::option::Option<u16>,
                #private::aide::openapi::Response,
            )> {
                #private::scoped_responses::<#table, Self>(ctx, operation)
            }
        }
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
    let names = Names::new(path, resolved);
    let own = requirement_const(&names);
    let checks = name_checks(&names);
    let required = required_scopes_impl(
        &names,
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
