//! Runnable example apps of scopes-core. The binaries in `src/bin` serve them; the
//! apps live here so that the workspace's tests can drive them over HTTP.

pub mod tutorial;
