//! `scopes! { [attrs] [vis] Name { "scope": "description" [implies [...]], ... } }`

mod ast;
mod expand;
mod security;
mod valid;

use proc_macro2::TokenStream;

pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let mut table = match syn::parse2::<ast::Table>(input) {
        Ok(table) => table,
        Err(error) => return error.to_compile_error(),
    };
    // The hint names the table as written: `pub Billing`, not a generic `Scopes`.
    let (vis, name) = (&table.vis, &table.name);
    let declared = quote::quote!(#vis #name).to_string();
    if let Err(error) = crate::krate::fill(
        &mut table.krate,
        proc_macro2::Span::call_site(),
        "`scopes!`",
        || format!("`scopes! {{ #[scopes(crate = auth::scopes_core)] {declared} {{ … }} }}`"),
    ) {
        return error.to_compile_error();
    }
    let (checked, mut errors) = valid::check(&table);
    let schemes = security::check(&table.sections, &mut errors);
    // A table `scopes!` reported an error about may lack a scope its author meant to
    // declare: checks against it stay silent (its own error says what to fix).
    let mut tokens = expand::table(&table, &checked, &schemes, !errors.is_empty());
    tokens.extend(crate::krate::track());
    if let Err(error) = errors.into_result() {
        tokens.extend(error.to_compile_error());
    }
    tokens
}
