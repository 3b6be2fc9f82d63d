//! FastAPI's "OAuth2 scopes" tutorial, ported: see `scopes_examples::tutorial`.
//!
//! ```text
//! cargo run -p scopes-examples --bin tutorial
//! ```
//!
//! `ADDR` (default 127.0.0.1:8000), `SECRET_KEY` (default: the tutorial's demo secret),
//! `SCOPES_RESPONSE_MODE` (`rfc6750`, the default, or `fastapi`).

use scopes_core::ResponseMode;
use scopes_examples::tutorial::{AppState, DEMO_SECRET, app};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let secret = std::env::var("SECRET_KEY").unwrap_or_else(|_| DEMO_SECRET.to_owned());
    let addr = std::env::var("ADDR").unwrap_or_else(|_| "127.0.0.1:8000".to_owned());
    let mode = match std::env::var("SCOPES_RESPONSE_MODE").as_deref() {
        Ok("fastapi") => ResponseMode::FastApi,
        Ok("rfc6750") | Err(_) => ResponseMode::Rfc6750,
        Ok(other) => {
            return Err(
                format!("SCOPES_RESPONSE_MODE is `fastapi` or `rfc6750`, not `{other}`").into(),
            );
        }
    };
    let state = AppState::new(&secret, mode)?;

    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .map_err(|error| {
            format!("cannot listen on {addr}: {error} (set ADDR to another address)")
        })?;
    let base = format!("http://{}", listener.local_addr()?);
    eprintln!("FastAPI's OAuth2 scopes tutorial, in Rust, on {base} ({mode:?} responses)");
    eprintln!(
        "  log in:  curl -s -d 'username=johndoe&password=secret&scope=me items' {base}/token"
    );
    eprintln!(
        "  then:    curl -s -H 'Authorization: Bearer <access_token>' {base}/users/me/items/"
    );
    axum::serve(listener, app(state)).await?;
    Ok(())
}
