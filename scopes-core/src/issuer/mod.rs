//! The issuer side, beside the resource server: minting tokens ([`Signer`], handy in
//! tests too) and the pieces of a password-grant token endpoint ([`PasswordForm`],
//! [`grant_scopes`], [`AccessTokenResponse`], [`GrantError`]), as FastAPI's tutorial
//! serves `/token`.

mod signer;
mod token_endpoint;

/// The JOSE header [`Signer::sign_with_header`] takes (jsonwebtoken's).
pub use jsonwebtoken::Header;
pub use signer::{MintError, ScopeClaim, Signer};
#[cfg_attr(not(any(feature = "utoipa", feature = "aide")), allow(unused_imports))]
pub(crate) use token_endpoint::invalid_client_challenge;
pub use token_endpoint::{
    AccessTokenResponse, FormRejection, GrantError, LaxPasswordForm, PasswordForm, grant_scopes,
};
#[cfg(feature = "testing")]
pub(crate) use token_endpoint::{FormCharset, TokenRequest, expect_form, no_store};
