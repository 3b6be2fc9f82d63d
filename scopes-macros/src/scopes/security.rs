//! The OpenAPI security schemes of a table: checked here, emitted by `expand`.

use std::collections::HashSet;

use crate::diagnostics::{Errors, closest, list};

use super::ast::{Field, Flow, Section, SectionBody};

/// An OAuth2 flow, with the URLs OpenAPI requires of it (and `refresh_url`, optional).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum FlowKind {
    Password,
    ClientCredentials,
    AuthorizationCode,
    Implicit,
}

const FLOWS: [(&str, FlowKind, &[&str]); 4] = [
    ("password", FlowKind::Password, &["token_url"]),
    (
        "client_credentials",
        FlowKind::ClientCredentials,
        &["token_url"],
    ),
    (
        "authorization_code",
        FlowKind::AuthorizationCode,
        &["authorization_url", "token_url"],
    ),
    ("implicit", FlowKind::Implicit, &["authorization_url"]),
];

pub(crate) struct CheckedFlow {
    pub(crate) kind: FlowKind,
    pub(crate) authorization_url: Option<String>,
    pub(crate) token_url: Option<String>,
    pub(crate) refresh_url: Option<String>,
}

#[derive(Default)]
pub(crate) struct Schemes {
    /// The scheme name and its flows.
    pub(crate) oauth2: Option<(String, Vec<CheckedFlow>)>,
    /// The scheme name and its `openIdConnectUrl`.
    pub(crate) openid_connect: Option<(String, String)>,
}

pub(crate) fn check(sections: &[Section], errors: &mut Errors) -> Schemes {
    let mut schemes = Schemes::default();
    for section in sections {
        let default_name = match section.body {
            SectionBody::OAuth2(_) => "OAuth2",
            SectionBody::OpenIdConnect(_) => "OpenIdConnect",
        };
        let name = section
            .name
            .as_ref()
            .map_or_else(|| default_name.to_owned(), |name| name.value());
        if name.trim().is_empty() {
            errors.spanned(&section.name, "empty security scheme name in `scopes!`");
        }
        match &section.body {
            SectionBody::OAuth2(flows) => {
                if schemes.oauth2.is_some() {
                    errors.spanned(
                        &section.keyword,
                        "`oauth2` is declared twice in `scopes!`; list all flows in one",
                    );
                    continue;
                }
                if flows.is_empty() {
                    errors.spanned(
                        &section.keyword,
                        "`oauth2` in `scopes!` needs at least one flow, e.g. `oauth2 { password { token_url: \"/token\" } }`",
                    );
                }
                let mut seen = HashSet::new();
                let checked = flows
                    .iter()
                    .filter_map(|flow| {
                        if !seen.insert(flow.kind.to_string()) {
                            errors.spanned(
                                &flow.kind,
                                format_args!("flow `{}` is declared twice in `scopes!`", flow.kind),
                            );
                            return None;
                        }
                        check_flow(flow, errors)
                    })
                    .collect();
                schemes.oauth2 = Some((name, checked));
            }
            SectionBody::OpenIdConnect(fields) => {
                if schemes.openid_connect.is_some() {
                    errors.spanned(
                        &section.keyword,
                        "`openid_connect` is declared twice in `scopes!`",
                    );
                    continue;
                }
                let url = fields_of(
                    fields,
                    &["url"],
                    &[],
                    "openid_connect",
                    &section.keyword,
                    errors,
                )
                .remove("url");
                schemes.openid_connect = Some((name, url.unwrap_or_default()));
            }
        }
    }
    if let (Some((oauth2, _)), Some((oidc, _)), Some(section)) =
        (&schemes.oauth2, &schemes.openid_connect, sections.last())
        && oauth2 == oidc
    {
        errors.spanned(
            &section.keyword,
            format_args!(
                "two security schemes are named `{oidc}` in `scopes!`; name one differently"
            ),
        );
    }
    schemes
}

fn check_flow(flow: &Flow, errors: &mut Errors) -> Option<CheckedFlow> {
    let name = flow.kind.to_string();
    let Some((_, kind, required)) = FLOWS.iter().find(|(known, _, _)| *known == name) else {
        let known = FLOWS.iter().map(|(known, _, _)| *known);
        let hint = closest(&name, known.clone())
            .map(|near| format!("did you mean `{near}`?"))
            .unwrap_or_else(|| format!("the flows are {}", list(known, 4)));
        errors.spanned(
            &flow.kind,
            format_args!("unknown OAuth2 flow `{name}` in `scopes!`; {hint}"),
        );
        return None;
    };
    let mut urls = fields_of(
        &flow.fields,
        required,
        &["refresh_url"],
        &name,
        &flow.kind,
        errors,
    );
    Some(CheckedFlow {
        kind: *kind,
        authorization_url: urls.remove("authorization_url"),
        token_url: urls.remove("token_url"),
        refresh_url: urls.remove("refresh_url"),
    })
}

/// The fields' values by name: each of `required` present, nothing beyond `required`
/// and `optional`, none twice, none empty.
fn fields_of(
    fields: &[Field],
    required: &[&str],
    optional: &[&str],
    owner: &str,
    owner_span: &syn::Ident,
    errors: &mut Errors,
) -> std::collections::HashMap<&'static str, String> {
    let allowed: Vec<&'static str> = ["authorization_url", "token_url", "refresh_url", "url"]
        .into_iter()
        .filter(|name| required.contains(name) || optional.contains(name))
        .collect();
    let mut values = std::collections::HashMap::new();
    for field in fields {
        let name = field.name.to_string();
        let Some(&known) = allowed.iter().find(|allowed| **allowed == name) else {
            errors.spanned(
                &field.name,
                format_args!(
                    "`{owner}` in `scopes!` takes {}, not `{name}`",
                    list(allowed.iter().copied(), 4)
                ),
            );
            continue;
        };
        if field.value.value().trim().is_empty() {
            errors.spanned(
                &field.value,
                format_args!("empty `{name}` in `scopes!`; give the URL"),
            );
        }
        if values.insert(known, field.value.value()).is_some() {
            errors.spanned(
                &field.name,
                format_args!("`{name}` is given twice in `scopes!`"),
            );
        }
    }
    for name in required {
        if !values.contains_key(name) {
            errors.spanned(
                owner_span,
                format_args!("`{owner}` in `scopes!` needs `{name}`"),
            );
        }
    }
    values
}
