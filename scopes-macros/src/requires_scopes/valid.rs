//! Checks that need no table (first half) and resolution against the table (second).

use std::collections::HashSet;

use proc_macro2::Span;
use syn::{FnArg, ItemFn, LitStr, Path};

use crate::diagnostics::{Errors, closest, list};
use crate::table_data::TableData;

use super::ast::{Args, Expr};

const MAX_ALTERNATIVES: usize = 64;

/// The first half's checks: the handler's shape and the arguments' structure.
pub(crate) fn check_syntax(args: &Args, item: &ItemFn, errors: &mut Errors) {
    if args.scopes.is_empty() {
        errors.at(
            Span::call_site(),
            "`#[requires_scopes]` needs at least one scope, e.g. `#[requires_scopes(\"items\")]`; to require only a valid token, take a `scopes_core::Claims<_>` parameter instead",
        );
    }
    for (keyword, _) in args.tables.iter().skip(1) {
        errors.spanned(
            keyword,
            "`table` is given twice in `#[requires_scopes]`; name one table",
        );
    }
    check_list(&args.scopes, errors);

    let sig = &item.sig;
    if sig.asyncness.is_none() {
        errors.spanned(
            sig.fn_token,
            "`#[requires_scopes]` goes on an `async fn` handler; write `async fn`",
        );
    }
    if let Some(FnArg::Receiver(receiver)) = sig.inputs.first() {
        errors.spanned(
            receiver,
            "`#[requires_scopes]` handlers are free functions; a method taking `self` cannot be an axum handler",
        );
    }
}

fn check_list(list: &[Expr], errors: &mut Errors) {
    let mut seen = HashSet::new();
    for expr in list {
        match expr {
            Expr::Scope(literal) => {
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

/// A requirement resolved against the table.
pub(crate) struct Resolved {
    /// Disjunctive normal form: any one alternative (a set of indices) suffices.
    pub(crate) alternatives: Vec<Vec<usize>>,
    /// Every scope named, in the order written, once.
    pub(crate) scope: String,
}

/// The second half: every name must be a scope of the table.
pub(crate) fn resolve(
    args: &Args,
    table: &TableData,
    table_path: &Path,
    errors: &mut Errors,
) -> Resolved {
    let mut scope: Vec<String> = Vec::new();
    let alternatives = simplify(dnf_all(&args.scopes, table, table_path, &mut scope, errors));
    if alternatives.len() > MAX_ALTERNATIVES {
        errors.at(
            Span::call_site(),
            format_args!(
                "`#[requires_scopes]` expands to {} alternatives (at most {MAX_ALTERNATIVES}); simplify the `any(...)`s",
                alternatives.len()
            ),
        );
    }
    Resolved {
        alternatives,
        scope: scope.join(" "),
    }
}

fn dnf(
    expr: &Expr,
    table: &TableData,
    path: &Path,
    scope: &mut Vec<String>,
    errors: &mut Errors,
) -> Vec<Vec<usize>> {
    match expr {
        Expr::Scope(literal) => match lookup(literal, table, path, errors) {
            Some(index) => {
                if !scope.contains(&table.scopes[index]) {
                    scope.push(table.scopes[index].clone());
                }
                vec![vec![index]]
            }
            // Keep going so that every unknown name is reported.
            None => vec![vec![]],
        },
        Expr::All(_, list) => dnf_all(list, table, path, scope, errors),
        Expr::Any(_, list) => list
            .iter()
            .flat_map(|e| dnf(e, table, path, scope, errors))
            .collect(),
    }
}

fn dnf_all(
    list: &[Expr],
    table: &TableData,
    path: &Path,
    scope: &mut Vec<String>,
    errors: &mut Errors,
) -> Vec<Vec<usize>> {
    let mut product: Vec<Vec<usize>> = vec![Vec::new()];
    for expr in list {
        let choices = dnf(expr, table, path, scope, errors);
        product = product
            .iter()
            .flat_map(|left| {
                choices.iter().map(move |right| {
                    let mut both: Vec<usize> = left.clone();
                    both.extend(right.iter().filter(|i| !left.contains(i)).copied());
                    both
                })
            })
            .collect();
        if product.len() > MAX_ALTERNATIVES * 8 {
            break;
        }
    }
    product
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

fn lookup(literal: &LitStr, table: &TableData, path: &Path, errors: &mut Errors) -> Option<usize> {
    let name = literal.value();
    let found = table.index_of(&name);
    if found.is_none() {
        let known = table.scopes.iter().map(String::as_str);
        let hint = match closest(&name, known.clone()) {
            Some(near) => format!("did you mean `{near}`?"),
            None => format!("it declares {}", list(known, 8)),
        };
        let path = quote::quote!(#path).to_string().replace(' ', "");
        errors.spanned(
            literal,
            format_args!("unknown scope `{name}` in `#[requires_scopes]`: table `{path}` does not declare it; {hint}"),
        );
    }
    found
}
