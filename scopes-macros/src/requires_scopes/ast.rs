//! The attribute's arguments as written: `"a", any("b", all("c", "d")), table = path`.

use proc_macro2::Span;
use quote::ToTokens as _;
use syn::parse::{Parse, ParseBuffer, ParseStream};
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
        // The scope literals of the top level, for the errors that suggest a whole
        // attribute (`scopes = [...]` beside them, a bracketed list).
        // The attribute's start, where an error that suggests a whole attribute reads its
        // scope literals (only then: the path without errors reads nothing twice).
        let start = input.fork();
        let mut list = Vec::new();
        while !input.is_empty() {
            list.push(Arg::parse_with(input, &start)?);
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        for arg in list {
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

/// The values of the string literals written as arguments of their own at the top
/// level (not an option's value, not inside a group), in order.
fn top_level_literals(input: &ParseBuffer<'_>) -> Vec<String> {
    let fork = input.fork();
    let mut names = Vec::new();
    let mut after_equals = false;
    while let Ok(tree) = fork.parse::<proc_macro2::TokenTree>() {
        if let proc_macro2::TokenTree::Literal(literal) = &tree
            && !after_equals
            && let Ok(name) = syn::parse2::<LitStr>(literal.clone().into_token_stream())
        {
            names.push(name.value());
        }
        after_equals =
            matches!(&tree, proc_macro2::TokenTree::Punct(punct) if punct.as_char() == '=');
    }
    names
}

impl Arg {
    /// An argument; `start` is the attribute's start.
    fn parse_with(input: ParseStream<'_>, start: &ParseBuffer<'_>) -> syn::Result<Self> {
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
        Expr::parse_with(input, Some(start)).map(Self::Expr)
    }
}

impl Expr {
    /// A scope or a group; `top_level` is the attribute's start when it is parsed at
    /// the top level, `None` inside a group.
    fn parse_with(
        input: ParseStream<'_>,
        top_level: Option<&ParseBuffer<'_>>,
    ) -> syn::Result<Self> {
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
        if top_level.is_some() {
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
        let list = content.parse_terminated(|input| Self::parse_with(input, None), Token![,])?;
        Ok(list.into_iter().collect())
    }
}

/// The error for a word where a scope, `any(…)`, `all(…)` or an option was expected: an
/// unquoted scope name, a misspelt keyword or option, with what to write instead.
fn unknown_word(input: ParseStream<'_>, start: Option<&ParseBuffer<'_>>) -> syn::Error {
    let top_level = start.is_some();
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
        let given = match fork.parse::<proc_macro2::Group>() {
            Ok(group) => literals(&group).unwrap_or_default(),
            Err(_) => fork
                .parse::<LitStr>()
                .map(|names| {
                    names
                        .value()
                        .split_ascii_whitespace()
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
        };
        let written = start.map(top_level_literals).unwrap_or_default();
        let list = suggested(&written, given);
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

/// The values of the string literals a bracketed list holds; `None` if it holds
/// something else.
fn literals(group: &proc_macro2::Group) -> Option<Vec<String>> {
    let names = syn::parse::Parser::parse2(
        Punctuated::<LitStr, Token![,]>::parse_terminated,
        group.stream(),
    )
    .ok()?;
    Some(names.iter().map(LitStr::value).collect())
}

/// The scope names of the attribute to write, as it takes them (`"a", "b"`): those
/// written at the top level, then the `given` ones not among them; [`EXAMPLE`] if there
/// are none.
fn suggested(written: &[String], given: Vec<String>) -> String {
    let mut names: Vec<&str> = written.iter().map(String::as_str).collect();
    for name in &given {
        if !names.contains(&name.as_str()) {
            names.push(name);
        }
    }
    match names.is_empty() {
        true => EXAMPLE.to_owned(),
        false => names
            .iter()
            .map(|name| format!("{name:?}"))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// The error for a list in brackets where scopes were expected (`["items", "me"]`): the
/// attribute lists them without brackets. The line to write repeats the names when
/// they are string literals, else shows the form.
fn bracketed_list(input: ParseStream<'_>, start: Option<&ParseBuffer<'_>>) -> syn::Error {
    let Ok(group) = input.fork().parse::<proc_macro2::Group>() else {
        return input.error("expected a scope name, `any(…)` or `all(…)`");
    };
    let given = literals(&group).unwrap_or_default();
    let message = match start {
        Some(start) => format!(
            "`#[requires_scopes]` takes the scope names without brackets: `#[requires_scopes({})]`",
            suggested(&top_level_literals(start), given)
        ),
        None => format!(
            "`any(…)` and `all(…)` in `#[requires_scopes]` take the scope names without brackets: `{}`",
            suggested(&[], given)
        ),
    };
    syn::Error::new(group.span(), message)
}
