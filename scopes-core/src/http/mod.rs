//! The fourth stage: HTTP. The bearer header is read ([`bearer`]), the token verified
//! through the [`Verifier`] in the router state, the scopes checked by the extractors
//! ([`extract`]) or a router layer ([`layer`]), and refusals answered in one place
//! ([`refusal`], whose challenges one formatter writes: [`challenge`]).

mod bearer;
pub(crate) mod challenge;
pub(crate) mod dpop;
mod extract;
mod layer;
mod mcp;
mod metadata;
mod observe;
pub(crate) mod refusal;
mod verifier;

pub use bearer::InvalidRequest;
pub use dpop::Dpop;
pub use extract::{Authorized, Claims, SecurityScopes};
#[doc(hidden)]
pub use extract::{
    CheckIn, CheckInSole, HandlerCheck, NeedsVerifierInState, NeedsVerifierInStateSole,
    TableVisitor, handler_requirement,
};
pub use layer::{RequireScopes, RequireScopesLayer, ResponseFuture};
pub use mcp::{McpScopes, McpScopesLayer};
pub use metadata::ResourceMetadata;
pub use refusal::{AuthRejection, Rejection, ResponseMode};
#[doc(hidden)]
pub use verifier::VerifierState;
pub use verifier::{Verifier, VerifierBuilder};
