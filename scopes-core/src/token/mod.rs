//! The third stage: a bearer string becomes a [`VerifiedToken`], or a [`TokenError`].
//!
//! One path does it ([`TokenVerifier::verify`]): the JOSE header is read
//! ([`jws`]), the issuer chosen (by `iss` when several are trusted), the key selected
//! from that issuer's [`KeyStore`](crate::keys::KeyStore), the signature checked by
//! the key's prepared verifier ([`keys`](crate::keys)), and the claims read in one pass (`exp`, `nbf`, `iss`, `aud`,
//! scopes). The verified token records which verifier vouched for it; the cache keeps
//! verified tokens, bound to the same verifier and key set generation.
//!
//! [`TokenError`]: crate::error::TokenError

mod cache;
mod claims;
mod dpop;
#[cfg(feature = "introspection")]
mod introspect;
mod issuer;
mod json;
mod jws;
pub mod providers;
mod verify;

pub use cache::CacheLimits;
#[cfg(feature = "testing")]
pub(crate) use dpop::thumbprint;
pub(crate) use dpop::{
    Checked as CheckedProof, Request as ProofRequest, Rules as ProofRules, check as check_proof,
    split_authority,
};
#[cfg(feature = "introspection")]
pub use introspect::Introspection;
#[cfg(feature = "testing")]
pub(crate) use issuer::TENANT_ID;
pub use issuer::TrustedIssuer;
pub(crate) use jws::now;
pub use verify::VerifiedToken;
pub(crate) use verify::{Presentation, Shared, TokenVerifier};
