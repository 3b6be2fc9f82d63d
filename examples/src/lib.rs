//! Runnable example apps of scopes-core. The binaries in `src/bin` serve them; the
//! apps live here so that the workspace's tests can drive them over HTTP.

pub mod docs;
pub mod mcp;
pub mod tutorial;

/// `SECRET_KEY` from the environment, or the tutorial's demo secret.
pub fn secret() -> String {
    std::env::var("SECRET_KEY").unwrap_or_else(|_| tutorial::DEMO_SECRET.to_owned())
}

/// A listener on `ADDR` (default 127.0.0.1:8000), with an error that says what to do.
pub async fn listener() -> Result<tokio::net::TcpListener, String> {
    let addr = std::env::var("ADDR").unwrap_or_else(|_| "127.0.0.1:8000".to_owned());
    tokio::net::TcpListener::bind(&addr)
        .await
        .map_err(|error| format!("cannot listen on {addr}: {error} (set ADDR to another address)"))
}
