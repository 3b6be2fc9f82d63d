//! `scopes! { [attrs] [vis] Name { "scope": "description" [implies [...]], ... } }`

mod ast;
mod expand;
mod security;
mod valid;

use proc_macro2::TokenStream;

pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let table = match syn::parse2::<ast::Table>(input) {
        Ok(table) => table,
        Err(error) => return error.to_compile_error(),
    };
    let (checked, mut errors) = valid::check(&table);
    let schemes = security::check(&table.sections, &mut errors);
    let mut tokens = expand::table(&table, &checked, &schemes);
    if let Err(error) = errors.into_result() {
        tokens.extend(error.to_compile_error());
    }
    tokens
}
