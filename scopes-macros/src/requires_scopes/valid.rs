//! Checks that need no table (first half) and resolution against the table (second).

use std::collections::HashSet;

use syn::spanned::Spanned;
use syn::{LitStr, Path};

use crate::diagnostics::{Errors, closest, list};
use crate::table_data::TableData;

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
    let mut resolver = Resolver {
        table,
        path: table_path,
        scope: &mut scope,
        errors,
    };
    let alternatives = resolver.all(&args.scopes).unwrap_or_else(|TooComplex| {
        // The table path carries the attribute's span (this half's call site is the
        // table's macro).
        resolver.errors.at(
            table_path.span(),
            format_args!(
                "`#[requires_scopes]` expands to more than {MAX_ALTERNATIVES} alternatives; simplify the `any(...)`s"
            ),
        );
        Vec::new()
    });
    Resolved {
        alternatives,
        scope: scope.join(" "),
    }
}

/// The requirement has more alternatives than is reasonable to check per request.
/// Never truncated: that would weaken the requirement.
struct TooComplex;

struct Resolver<'a> {
    table: &'a TableData,
    path: &'a Path,
    scope: &'a mut Vec<String>,
    errors: &'a mut Errors,
}

impl Resolver<'_> {
    /// Disjunctive normal form of one expression.
    fn dnf(&mut self, expr: &Expr) -> Result<Vec<Vec<usize>>, TooComplex> {
        match expr {
            Expr::Scope(literal) => match lookup(literal, self.table, self.path, self.errors) {
                Some(index) => {
                    let name = &self.table.scopes[index];
                    if !self.scope.contains(name) {
                        self.scope.push(name.clone());
                    }
                    Ok(vec![vec![index]])
                }
                // Keep going so that every unknown name is reported; the error stops
                // the expansion.
                None => Ok(vec![vec![]]),
            },
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
