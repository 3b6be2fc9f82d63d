//! The service's handlers, in nested modules.

pub mod items;
pub mod users;
