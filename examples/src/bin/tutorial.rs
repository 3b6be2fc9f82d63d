//! FastAPI's "OAuth2 scopes" tutorial, ported: see `scopes_examples::tutorial`.
//!
//! ```text
//! cargo run -p scopes-examples --bin tutorial
//! ```
//!
//! `ADDR` (default 127.0.0.1:8000), `SECRET_KEY` (default: the tutorial's demo secret),
//! `SCOPES_RESPONSE_MODE` (`rfc6750`, the default, or `fastapi`).

use scopes_core::ResponseMode;
use scopes_examples::tutorial::{AppState, app};
use scopes_examples::{listener, secret};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    scopes_examples::log();
    let mode = match std::env::var("SCOPES_RESPONSE_MODE").as_deref() {
        Ok("fastapi") => ResponseMode::FastApi,
        Ok("rfc6750") | Err(_) => ResponseMode::Rfc6750,
        Ok(other) => {
            return Err(
                format!("SCOPES_RESPONSE_MODE is `fastapi` or `rfc6750`, not `{other}`").into(),
            );
        }
    };
    let state = AppState::new(&secret(), mode)?;
    let listener = listener().await?;
    let base = format!("http://{}", listener.local_addr()?);
    eprintln!("FastAPI's OAuth2 scopes tutorial, in Rust, on {base} ({mode:?} responses)");
    eprintln!("  docs:    {base}/docs (Authorize as johndoe / secret)");
    eprintln!(
        "  log in:  curl -s -d 'grant_type=password&username=johndoe&password=secret&scope=me items' {base}/token"
    );
    eprintln!(
        "  then:    curl -s -H 'Authorization: Bearer <access_token>' {base}/users/me/items/"
    );
    axum::serve(listener, app(state)).await?;
    Ok(())
}
