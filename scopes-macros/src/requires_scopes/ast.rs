//! The attribute's arguments as written: `"a", any("b", all("c", "d")), table = path`.

use proc_macro2::Span;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{LitInt, LitStr, Path, Token, bracketed, parenthesized};

syn::custom_keyword!(all);
syn::custom_keyword!(any);
syn::custom_keyword!(table);
syn::custom_keyword!(acr);
syn::custom_keyword!(max_age);

pub(crate) struct Args {
    /// The top-level list, which means "all of these".
    pub(crate) scopes: Vec<Expr>,
    pub(crate) tables: Vec<(table, Path)>,
    /// `crate = path::to::scopes_core`, for crates that reach it through a re-export.
    pub(crate) krate: Option<Path>,
    /// `acr = ["urn:example:mfa", …]` (RFC 9470 step-up), each time it is given.
    pub(crate) acr: Vec<(acr, Vec<LitStr>)>,
    /// `max_age = 300` (seconds), each time it is given.
    pub(crate) max_age: Vec<(max_age, LitInt)>,
}

pub(crate) enum Expr {
    Scope(LitStr),
    All(Span, Vec<Expr>),
    Any(Span, Vec<Expr>),
}

enum Arg {
    Expr(Expr),
    Table(table, Path),
    Crate(Path),
    Acr(acr, Vec<LitStr>),
    MaxAge(max_age, LitInt),
}

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut args = Self {
            scopes: Vec::new(),
            tables: Vec::new(),
            krate: None,
            acr: Vec::new(),
            max_age: Vec::new(),
        };
        for arg in Punctuated::<Arg, Token![,]>::parse_terminated(input)? {
            match arg {
                Arg::Expr(expr) => args.scopes.push(expr),
                Arg::Table(keyword, path) => args.tables.push((keyword, path)),
                Arg::Acr(keyword, values) => args.acr.push((keyword, values)),
                Arg::MaxAge(keyword, seconds) => args.max_age.push((keyword, seconds)),
                Arg::Crate(path) => {
                    if args.krate.is_some() {
                        return Err(syn::Error::new_spanned(
                            &path,
                            "`crate` is given twice in `#[requires_scopes]`; name scopes-core's path once",
                        ));
                    }
                    args.krate = Some(path);
                }
            }
        }
        Ok(args)
    }
}

impl Parse for Arg {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.peek(Token![crate]) {
            input.parse::<Token![crate]>()?;
            input.parse::<Token![=]>()?;
            return Ok(Self::Crate(crate::krate::parse_crate_path(input)?));
        }
        if input.peek(table) {
            let keyword: table = input.parse()?;
            input.parse::<Token![=]>()?;
            return Ok(Self::Table(keyword, crate::krate::parse_table_path(input)?));
        }
        if input.peek(acr) {
            let keyword: acr = input.parse()?;
            input.parse::<Token![=]>()?;
            // `acr = "a"` or `acr = ["a", "b"]`.
            if input.peek(LitStr) {
                return Ok(Self::Acr(keyword, vec![input.parse()?]));
            }
            let content;
            bracketed!(content in input);
            let values = content.parse_terminated(|input| input.parse::<LitStr>(), Token![,])?;
            return Ok(Self::Acr(keyword, values.into_iter().collect()));
        }
        if input.peek(max_age) {
            let keyword: max_age = input.parse()?;
            input.parse::<Token![=]>()?;
            // Anything else than a number of seconds is reported as such, not as a syntax
            // error (e.g. `max_age = "300"`).
            let value: syn::Expr = input.parse()?;
            let seconds = match &value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Int(seconds),
                    ..
                }) => seconds.clone(),
                other => LitInt::new("-1", syn::spanned::Spanned::span(other)),
            };
            return Ok(Self::MaxAge(keyword, seconds));
        }
        Expr::parse_with(input, true).map(Self::Expr)
    }
}

impl Expr {
    fn parse_with(input: ParseStream<'_>, top_level: bool) -> syn::Result<Self> {
        let lookahead = input.lookahead1();
        if lookahead.peek(LitStr) {
            return input.parse().map(Self::Scope);
        }
        if lookahead.peek(all) {
            let keyword: all = input.parse()?;
            return Ok(Self::All(keyword.span, Self::parse_list(input)?));
        }
        if lookahead.peek(any) {
            let keyword: any = input.parse()?;
            return Ok(Self::Any(keyword.span, Self::parse_list(input)?));
        }
        if input.peek(syn::token::Bracket) {
            return Err(bracketed_list(input, top_level));
        }
        if top_level {
            lookahead.peek(table);
            lookahead.peek(Token![crate]);
            lookahead.peek(acr);
            lookahead.peek(max_age);
        }
        if input.peek(syn::Ident) {
            return Err(unknown_word(input, top_level));
        }
        Err(lookahead.error())
    }

    fn parse_list(input: ParseStream<'_>) -> syn::Result<Vec<Self>> {
        let content;
        parenthesized!(content in input);
        let list = content.parse_terminated(|input| Self::parse_with(input, false), Token![,])?;
        Ok(list.into_iter().collect())
    }
}

/// The error for a word where a scope, `any(…)`, `all(…)` or an option was expected: an
/// unquoted scope name, a misspelt keyword or option, with what to write instead.
fn unknown_word(input: ParseStream<'_>, top_level: bool) -> syn::Error {
    let fork = input.fork();
    let Ok(word) = fork.parse::<syn::Ident>() else {
        return input.error("expected a scope name, `any(…)` or `all(…)`");
    };
    let name = word.to_string();
    if fork.peek(Token![=]) && !top_level {
        return syn::Error::new(
            word.span(),
            format_args!(
                "`{name} = …` inside `any(…)` or `all(…)`: options go in the attribute's own list, after the scopes, e.g. `#[requires_scopes(any(\"a\", \"b\"), table = auth::Scopes)]`"
            ),
        );
    }
    if top_level && fork.peek(Token![=]) && matches!(name.as_str(), "scopes" | "scope") {
        // The user's own names, when the value is a list or a literal of them.
        let _ = fork.parse::<Token![=]>();
        let list = match fork.parse::<proc_macro2::Group>() {
            Ok(group) => listed(&group),
            Err(_) => fork
                .parse::<LitStr>()
                .ok()
                .map(|names| {
                    names
                        .value()
                        .split_ascii_whitespace()
                        .map(|name| format!("{name:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .filter(|list| !list.is_empty())
                .unwrap_or_else(|| EXAMPLE.to_owned()),
        };
        return syn::Error::new(
            word.span(),
            format_args!(
                "`{name} = …` is not an option of `#[requires_scopes]`: it takes the scope names themselves, as string literals, e.g. `#[requires_scopes({list})]`"
            ),
        );
    }
    let (known, what): (&[&str], &str) = if fork.peek(Token![=]) && top_level {
        (&["table", "crate", "acr", "max_age"], "option")
    } else if fork.peek(syn::token::Paren) {
        (&["any", "all"], "group")
    } else {
        return syn::Error::new(
            word.span(),
            format_args!(
                "`{name}` is not a scope name in `#[requires_scopes]`: scope names are string literals, `\"{name}\"`"
            ),
        );
    };
    let hint = match crate::diagnostics::closest(&name, known.iter().copied()) {
        Some(near) => format!("did you mean `{near}`?"),
        None => format!(
            "the {what}s are {}",
            crate::diagnostics::list(known.iter().copied(), known.len())
        ),
    };
    let meaning = match what {
        "group" => " (`any(…)` requires one of its scopes, `all(…)` every one)",
        _ => "",
    };
    syn::Error::new(
        word.span(),
        format_args!("unknown {what} `{name}` in `#[requires_scopes]`: {hint}{meaning}"),
    )
}

/// The scope names shown in an error's example when the user's own cannot be read.
const EXAMPLE: &str = "\"items\", \"me\"";

/// The string literals a bracketed list holds, as the attribute takes them (`"a", "b"`);
/// [`EXAMPLE`] if it holds none or something else.
fn listed(group: &proc_macro2::Group) -> String {
    let names = syn::parse::Parser::parse2(
        Punctuated::<LitStr, Token![,]>::parse_terminated,
        group.stream(),
    );
    match names {
        Ok(names) if !names.is_empty() => names
            .iter()
            .map(|name| format!("{:?}", name.value()))
            .collect::<Vec<_>>()
            .join(", "),
        _ => EXAMPLE.to_owned(),
    }
}

/// The error for a list in brackets where scopes were expected (`["items", "me"]`): the
/// attribute lists them without brackets. The line to write repeats the names when
/// they are string literals, else shows the form.
fn bracketed_list(input: ParseStream<'_>, top_level: bool) -> syn::Error {
    let Ok(group) = input.fork().parse::<proc_macro2::Group>() else {
        return input.error("expected a scope name, `any(…)` or `all(…)`");
    };
    let list = listed(&group);
    let message = match top_level {
        true => format!(
            "`#[requires_scopes]` takes the scope names without brackets: `#[requires_scopes({list})]`"
        ),
        false => format!(
            "`any(…)` and `all(…)` in `#[requires_scopes]` take the scope names without brackets: `{list}`"
        ),
    };
    syn::Error::new(group.span(), message)
}
