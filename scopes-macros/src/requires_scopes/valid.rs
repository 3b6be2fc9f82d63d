//! Checks that need no table (first half) and resolution against the table (second).

use std::collections::HashSet;

use proc_macro2::Span;
use syn::LitStr;

use crate::diagnostics::Errors;
use crate::scope_token;

use super::ast::{Args, Expr};

const MAX_ALTERNATIVES: usize = 64;

/// The first half's checks on the arguments: what needs no table.
pub(crate) fn check_args(args: &Args, errors: &mut Errors) {
    for (keyword, _) in args.tables.iter().skip(1) {
        errors.spanned(
            keyword,
            "`table` is given twice in `#[requires_scopes]`; name one table",
        );
    }
    check_list(&args.scopes, errors);
    check_authentication(args, errors);
}

/// `acr = [...]` and `max_age = N` (RFC 9470): given once each; `acr` values that can
/// go into a challenge's space-delimited `acr_values`; `max_age` in seconds.
fn check_authentication(args: &Args, errors: &mut Errors) {
    for (keyword, _) in args.acr.iter().skip(1) {
        errors.spanned(
            keyword,
            "`acr` is given twice in `#[requires_scopes]`; list every acceptable value once: `acr = [\"a\", \"b\"]`",
        );
    }
    for (keyword, _) in args.max_age.iter().skip(1) {
        errors.spanned(
            keyword,
            "`max_age` is given twice in `#[requires_scopes]`; give the number of seconds once",
        );
    }
    if let Some((keyword, values)) = args.acr.first() {
        if values.is_empty() {
            errors.spanned(
                keyword,
                "`acr = []` in `#[requires_scopes]` accepts no authentication; list the acceptable values, e.g. `acr = [\"urn:example:mfa\"]`",
            );
        }
        let mut seen = HashSet::new();
        for value in values {
            let text = value.value();
            let problem = match text.contains(' ') {
                true => Some(
                    "contains a space (`acr_values` is space-delimited: write each value as its own literal)"
                        .to_owned(),
                ),
                false => scope_token::problem(&text),
            };
            if let Some(problem) = problem {
                errors.spanned(
                    value,
                    format_args!(
                        "{text:?} in `acr` of `#[requires_scopes]` cannot be an `acr_values` member: it {problem}"
                    ),
                );
            } else if !seen.insert(text.clone()) {
                errors.spanned(
                    value,
                    format_args!(
                        "duplicate `acr` value {text:?} in `#[requires_scopes]`; list it once"
                    ),
                );
            }
        }
    }
    if let Some((_, seconds)) = args.max_age.first()
        && seconds.base10_parse::<u64>().is_err()
    {
        errors.spanned(
            seconds,
            "`max_age` in `#[requires_scopes]` is a number of seconds, e.g. `max_age = 300`",
        );
    }
}

fn check_list(list: &[Expr], errors: &mut Errors) {
    let mut seen = HashSet::new();
    for expr in list {
        match expr {
            Expr::Scope(literal) => {
                let value = literal.value();
                let names: Vec<String> = value
                    .split(' ')
                    .filter(|name| !name.is_empty())
                    .map(|name| format!("{name:?}"))
                    .collect();
                let well_formed =
                    |name: &str| name.is_empty() || scope_token::problem(name).is_none();
                if names.len() > 1 && value.split(' ').all(well_formed) {
                    errors.spanned(
                        literal,
                        format_args!(
                            "{value:?} in `#[requires_scopes]` holds {} scopes; write one literal per scope: `{}`",
                            names.len(),
                            names.join(", ")
                        ),
                    );
                    continue;
                }
                if let Some(name) = scope_token::padded(&value) {
                    errors.spanned(
                        literal,
                        format_args!(
                            "{value:?} in `#[requires_scopes]` has spaces around the scope name; write `{name:?}`"
                        ),
                    );
                    continue;
                }
                if let Some(problem) = scope_token::problem(&value) {
                    errors.spanned(
                        literal,
                        format_args!(
                            "{value:?} in `#[requires_scopes]` is not a scope name: it {problem}"
                        ),
                    );
                    continue;
                }
                if !seen.insert(literal.value()) {
                    errors.spanned(
                        literal,
                        format_args!(
                            "duplicate scope `{}` in `#[requires_scopes]`; list it once",
                            literal.value()
                        ),
                    );
                }
            }
            Expr::All(span, inner) | Expr::Any(span, inner) => {
                if inner.is_empty() {
                    let keyword = if matches!(expr, Expr::All(..)) {
                        "all"
                    } else {
                        "any"
                    };
                    errors.at(
                        *span,
                        format_args!("empty `{keyword}()` in `#[requires_scopes]`; list at least one scope, e.g. `{keyword}(\"items\")`"),
                    );
                }
                check_list(inner, errors);
            }
        }
    }
}

/// A requirement in disjunctive normal form, by scope name (the table checks the names
/// at compile time, in the crate that uses it).
pub(crate) struct Resolved {
    /// Any one alternative (indices into `names`) suffices.
    pub(crate) alternatives: Vec<Vec<usize>>,
    /// Every scope named, in the order written, once: the challenge's `scope`.
    pub(crate) names: Vec<String>,
    /// Every scope literal: each name is checked against the table on its first one.
    pub(crate) literals: Vec<LitStr>,
    /// The path of scopes-core given with `crate = …` (else `::scopes_core`).
    pub(crate) krate: Option<syn::Path>,
    /// The acceptable `acr` values and the `max_age` (RFC 9470), when given.
    pub(crate) acr: Vec<String>,
    pub(crate) max_age: Option<u64>,
}

/// Resolves the requirement's structure; an error when it is too complex to check.
pub(crate) fn resolve(args: &Args, errors: &mut Errors, span: Span) -> Resolved {
    let mut resolver = Resolver {
        names: Vec::new(),
        literals: Vec::new(),
    };
    let alternatives = resolver.all(&args.scopes).unwrap_or_else(|TooComplex| {
        errors.at(
            span,
            format_args!(
                "`#[requires_scopes]` expands to more than {MAX_ALTERNATIVES} alternatives; simplify the `any(...)`s"
            ),
        );
        Vec::new()
    });
    let krate = args.krate.clone();
    let acr = args.acr.first().map_or_else(Vec::new, |(_, values)| {
        values.iter().map(LitStr::value).collect()
    });
    let max_age = args
        .max_age
        .first()
        .and_then(|(_, seconds)| seconds.base10_parse().ok());
    Resolved {
        alternatives,
        names: resolver.names,
        literals: resolver.literals,
        krate,
        acr,
        max_age,
    }
}

/// The requirement has more alternatives than is reasonable to check per request.
/// Never truncated: that would weaken the requirement.
struct TooComplex;

struct Resolver {
    names: Vec<String>,
    literals: Vec<LitStr>,
}

impl Resolver {
    /// Disjunctive normal form of one expression.
    fn dnf(&mut self, expr: &Expr) -> Result<Vec<Vec<usize>>, TooComplex> {
        match expr {
            Expr::Scope(literal) => {
                let name = literal.value();
                let index = match self.names.iter().position(|known| *known == name) {
                    Some(index) => index,
                    None => {
                        self.names.push(name);
                        self.names.len() - 1
                    }
                };
                self.literals.push(literal.clone());
                Ok(vec![vec![index]])
            }
            Expr::All(_, list) => self.all(list),
            Expr::Any(_, list) => {
                let mut alternatives = Vec::new();
                for expr in list {
                    alternatives.extend(self.dnf(expr)?);
                }
                bounded(simplify(alternatives))
            }
        }
    }

    /// Disjunctive normal form of the conjunction of `list`.
    fn all(&mut self, list: &[Expr]) -> Result<Vec<Vec<usize>>, TooComplex> {
        let mut product: Vec<Vec<usize>> = vec![Vec::new()];
        for expr in list {
            let choices = self.dnf(expr)?;
            let next = product
                .iter()
                .flat_map(|left| {
                    choices.iter().map(move |right| {
                        let mut both = left.clone();
                        both.extend(right.iter().copied());
                        both
                    })
                })
                .collect();
            product = bounded(simplify(next))?;
        }
        Ok(product)
    }
}

fn bounded(alternatives: Vec<Vec<usize>>) -> Result<Vec<Vec<usize>>, TooComplex> {
    if alternatives.len() > MAX_ALTERNATIVES {
        Err(TooComplex)
    } else {
        Ok(alternatives)
    }
}

/// Sorts each alternative and drops those that another alternative makes redundant
/// (a superset of another needs more and is never the one that decides).
fn simplify(mut alternatives: Vec<Vec<usize>>) -> Vec<Vec<usize>> {
    for alternative in &mut alternatives {
        alternative.sort_unstable();
        alternative.dedup();
    }
    alternatives.sort_by_key(Vec::len);
    let mut kept: Vec<Vec<usize>> = Vec::new();
    for alternative in alternatives {
        if !kept
            .iter()
            .any(|smaller| smaller.iter().all(|i| alternative.contains(i)))
        {
            kept.push(alternative);
        }
    }
    kept
}
