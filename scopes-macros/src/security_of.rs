//! `security_of!(handler)`: names the hidden requirement type `#[requires_scopes]`
//! emitted beside `handler`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::Path;
use syn::ext::IdentExt;
use syn::spanned::Spanned;

/// `handler[, crate = path::to::scopes_core]`.
struct Input {
    handler: Path,
    krate: Option<Path>,
}

impl syn::parse::Parse for Input {
    fn parse(input: syn::parse::ParseStream<'_>) -> syn::Result<Self> {
        let handler = input.parse()?;
        let mut krate = None;
        if input.parse::<Option<syn::Token![,]>>()?.is_some() && !input.is_empty() {
            input.parse::<syn::Token![crate]>()?;
            input.parse::<syn::Token![=]>()?;
            krate = Some(crate::krate::parse_crate_path(input)?);
            input.parse::<Option<syn::Token![,]>>()?;
        }
        Ok(Self { handler, krate })
    }
}

pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let written = input.clone();
    let Input {
        handler: mut path,
        mut krate,
    } = match syn::parse2::<Input>(input) {
        Ok(input) => input,
        Err(error) => {
            let message = format!(
                "{error}: `security_of!` takes the path of a `#[requires_scopes]` handler, e.g. `security_of!(read_own_items)`"
            );
            return syn::Error::new(error.span(), message).to_compile_error();
        }
    };
    if let Err(error) = crate::krate::fill(
        &mut krate,
        proc_macro2::Span::call_site(),
        "`security_of!`",
        || crate::krate::example("security_of!(", &written, ")"),
    ) {
        return error.to_compile_error();
    }
    let span = path.span();
    if let Some(last) = path.segments.last_mut() {
        last.ident = format_ident!(
            "__scopes_requirement_{}",
            last.ident.unraw(),
            span = last.ident.span()
        );
    }
    let krate = match krate {
        Some(krate) => quote!(#krate),
        None => quote!(::scopes_core),
    };
    let openapi = quote_spanned!(span=> #krate::openapi);
    quote! {
        {
            // A table without a security scheme cannot document its operations.
            const _: () = #krate::__private::check_scheme_of::<_, #path>();
            #openapi::OperationSecurity::<_>::of_handler::<#path>()
        }
    }
}
