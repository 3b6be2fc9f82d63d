//! `security_of!(handler)`: names the hidden requirement type `#[requires_scopes]`
//! emitted beside `handler`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::Path;
use syn::ext::IdentExt;
use syn::spanned::Spanned;

pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let mut path = match syn::parse2::<Path>(input) {
        Ok(path) => path,
        Err(error) => {
            let message = format!(
                "{error}: `security_of!` takes the path of a `#[requires_scopes]` handler, e.g. `security_of!(read_own_items)`"
            );
            return syn::Error::new(error.span(), message).to_compile_error();
        }
    };
    let span = path.span();
    if let Some(last) = path.segments.last_mut() {
        last.ident = format_ident!(
            "__scopes_requirement_{}",
            last.ident.unraw(),
            span = last.ident.span()
        );
    }
    let openapi = quote_spanned!(span=> ::scopes_core::openapi);
    quote! {
        #openapi::OperationSecurity::<_>::of::<#path>()
    }
}
