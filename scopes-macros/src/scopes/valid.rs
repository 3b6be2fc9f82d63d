//! Checks the table and resolves `implies` into the closure each scope grants.

use std::collections::HashMap;

use crate::diagnostics::{Errors, closest, list};
use crate::scope_token;

use super::ast::Table;

/// The usable part of the table: every well-formed, first-declared scope, in order.
pub(crate) struct Checked {
    pub(crate) scopes: Vec<Scope>,
}

pub(crate) struct Scope {
    pub(crate) name: String,
    pub(crate) description: String,
    /// The indices of the scopes it directly implies.
    pub(crate) implies: Vec<usize>,
    /// The indices of the scopes it grants: itself and all it implies, transitively.
    pub(crate) grants: Vec<usize>,
}

pub(crate) fn check(table: &Table) -> (Checked, Errors) {
    let mut errors = Errors::default();
    if table.entries.is_empty() {
        errors.spanned(
            &table.name,
            format_args!(
                "`scopes!` table `{}` declares no scopes; add one, e.g. `\"items\": \"Read items.\"`",
                table.name
            ),
        );
    }

    let mut index_of: HashMap<String, usize> = HashMap::new();
    let mut entries = Vec::new();
    for (position, entry) in table.entries.iter().enumerate() {
        let name = entry.name.value();
        if let Some(problem) = scope_token::problem(&name) {
            errors.spanned(
                &entry.name,
                format_args!(
                    "invalid scope name {:?} in `scopes!`: it {problem}; a scope is printable ASCII without spaces, `\"` or `\\` (RFC 6749 §3.3)",
                    name
                ),
            );
            continue;
        }
        if index_of.contains_key(&name) {
            errors.spanned(
                &entry.name,
                format_args!("duplicate scope `{name}` in `scopes!`; declare each scope once"),
            );
            continue;
        }
        if entry.description.value().trim().is_empty() {
            errors.spanned(
                &entry.description,
                format_args!("empty description for scope `{name}` in `scopes!`; say what it allows, e.g. \"Read items.\""),
            );
        }
        index_of.insert(name, entries.len());
        entries.push(position);
    }

    let names: Vec<String> = entries
        .iter()
        .map(|&p| table.entries[p].name.value())
        .collect();
    let mut edges: Vec<Vec<(usize, &syn::LitStr)>> = vec![Vec::new(); entries.len()];
    for (index, &position) in entries.iter().enumerate() {
        for implied in &table.entries[position].implies {
            let target = implied.value();
            match index_of.get(&target) {
                Some(&to) if edges[index].iter().any(|(seen, _)| *seen == to) => errors.spanned(
                    implied,
                    format_args!(
                        "`{}` implies `{target}` twice in `scopes!`; list it once",
                        names[index]
                    ),
                ),
                Some(&to) => edges[index].push((to, implied)),
                None => {
                    // The scope itself is no suggestion: it cannot imply itself.
                    let others = names
                        .iter()
                        .enumerate()
                        .filter(|(other, _)| *other != index)
                        .map(|(_, name)| name.as_str());
                    let hint = closest(&target, others)
                        .map(|near| format!("; did you mean `{near}`?"))
                        .unwrap_or_else(|| {
                            format!(
                                "; declared scopes: {}",
                                list(names.iter().map(String::as_str), 8)
                            )
                        });
                    errors.spanned(
                        implied,
                        format_args!(
                            "scope `{}` implies unknown scope `{target}` in `scopes!`{hint}",
                            names[index]
                        ),
                    );
                }
            }
        }
    }
    report_cycles(&edges, &names, &mut errors);

    let scopes = names
        .into_iter()
        .enumerate()
        .map(|(index, name)| Scope {
            name,
            description: table.entries[entries[index]].description.value(),
            implies: edges[index].iter().map(|(to, _)| *to).collect(),
            grants: reachable(&edges, index),
        })
        .collect();
    (Checked { scopes }, errors)
}

/// Every index reachable from `start` along `edges`, `start` included.
fn reachable(edges: &[Vec<(usize, &syn::LitStr)>], start: usize) -> Vec<usize> {
    let mut seen = vec![false; edges.len()];
    let mut stack = vec![start];
    while let Some(index) = stack.pop() {
        if !std::mem::replace(&mut seen[index], true) {
            stack.extend(edges[index].iter().map(|(to, _)| *to));
        }
    }
    (0..edges.len()).filter(|&i| seen[i]).collect()
}

/// Reports each implication that closes a cycle, on its literal.
fn report_cycles(edges: &[Vec<(usize, &syn::LitStr)>], names: &[String], errors: &mut Errors) {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        New,
        OnPath,
        Done,
    }
    fn visit(
        node: usize,
        edges: &[Vec<(usize, &syn::LitStr)>],
        names: &[String],
        state: &mut [State],
        path: &mut Vec<usize>,
        errors: &mut Errors,
    ) {
        state[node] = State::OnPath;
        path.push(node);
        for (to, literal) in &edges[node] {
            match state[*to] {
                State::New => visit(*to, edges, names, state, path, errors),
                State::OnPath => {
                    let start = path.iter().position(|n| n == to).unwrap_or(0);
                    let cycle: Vec<String> = path[start..]
                        .iter()
                        .chain([to])
                        .map(|&n| format!("`{}`", names[n]))
                        .collect();
                    errors.spanned(
                        literal,
                        format_args!(
                            "implication cycle in `scopes!`: {}; remove one of these `implies`",
                            cycle.join(" implies ")
                        ),
                    );
                }
                State::Done => {}
            }
        }
        path.pop();
        state[node] = State::Done;
    }
    let mut state = vec![State::New; edges.len()];
    for node in 0..edges.len() {
        if state[node] == State::New {
            visit(node, edges, names, &mut state, &mut Vec::new(), errors);
        }
    }
}
