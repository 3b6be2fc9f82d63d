//! The OpenAPI security schemes a table declares after its scopes (`scopes!`): plain
//! data, documented by the `openapi` stage.

/// The security schemes a table declares after its scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecuritySchemes {
    /// `oauth2 "Name" { flows }`.
    pub oauth2: Option<OAuth2Scheme>,
    /// `openid_connect "Name" { url: "…" }`.
    pub openid_connect: Option<OpenIdConnectScheme>,
}

impl SecuritySchemes {
    /// No scheme declared.
    pub const NONE: Self = Self {
        oauth2: None,
        openid_connect: None,
    };
}

/// An OAuth2 security scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OAuth2Scheme {
    /// Its key in `components.securitySchemes`.
    pub name: &'static str,
    /// Its flows.
    pub flows: &'static [OAuth2Flow],
}

/// One OAuth2 flow and its URLs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OAuth2Flow {
    /// Which flow.
    pub kind: FlowKind,
    /// `authorizationUrl` (authorization code, implicit).
    pub authorization_url: Option<&'static str>,
    /// `tokenUrl` (password, client credentials, authorization code).
    pub token_url: Option<&'static str>,
    /// `refreshUrl`, optional.
    pub refresh_url: Option<&'static str>,
}

/// The OAuth2 flows of OpenAPI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FlowKind {
    /// `password` (the tutorial's).
    Password,
    /// `clientCredentials`.
    ClientCredentials,
    /// `authorizationCode`.
    AuthorizationCode,
    /// `implicit`.
    Implicit,
}

impl FlowKind {
    /// The key in OpenAPI's `flows` object.
    pub fn openapi_name(self) -> &'static str {
        match self {
            Self::Password => "password",
            Self::ClientCredentials => "clientCredentials",
            Self::AuthorizationCode => "authorizationCode",
            Self::Implicit => "implicit",
        }
    }
}

/// An OpenID Connect security scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenIdConnectScheme {
    /// Its key in `components.securitySchemes`.
    pub name: &'static str,
    /// `openIdConnectUrl`.
    pub url: &'static str,
}
