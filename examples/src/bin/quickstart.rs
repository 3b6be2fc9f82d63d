//! The smallest useful app: the FastAPI tutorial's scopes guarding three routes.
//!
//! ```text
//! cargo run -p scopes-examples --bin quickstart
//! ```
//!
//! It listens on 127.0.0.1:8000 (override with `ADDR`) and prints tokens to try, signed
//! with the tutorial's demo secret (override with `SECRET_KEY`).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::routing::get;
use axum::{Json, Router};
use scopes_core::issuer::Signer;
use scopes_core::{Claims, Key, Verifier, requires_scopes, scopes};
use scopes_examples::{listener, secret};
use serde::Deserialize;
use serde_json::{Value, json};

scopes! {
    /// The tutorial's `OAuth2PasswordBearer(scopes=...)`.
    pub Scopes {
        "me": "Read information about the current user.",
        "items": "Read items.",
    }
}

#[derive(Deserialize)]
struct User {
    sub: String,
}

#[requires_scopes("me")]
async fn read_users_me(Claims(user): Claims<User>) -> Json<Value> {
    Json(json!({ "username": user.sub }))
}

#[requires_scopes("items", "me")]
async fn read_own_items(Claims(user): Claims<User>) -> Json<Value> {
    Json(json!([{ "item_id": "Foo", "owner": user.sub }]))
}

/// A valid token, no scope.
async fn read_system_status(Claims(_user): Claims<User>) -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

fn app(verifier: Verifier) -> Router {
    Router::new()
        .route("/users/me/", get(read_users_me))
        .route("/users/me/items/", get(read_own_items))
        .route("/status/", get(read_system_status))
        .with_state(verifier)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    scopes_examples::log();
    let secret = secret();
    let verifier = Verifier::new(Key::hs256(&secret)?)?;
    let signer = Signer::hs256(&secret)?.lifetime(Duration::from_secs(30 * 60));

    let listener = listener().await?;
    let base = format!("http://{}", listener.local_addr()?);
    eprintln!("quickstart listening on {base}; tokens to try (30 minutes):");
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    let expired = json!({ "sub": "johndoe", "scopes": ["me", "items"], "exp": now - 3600 });
    for (label, token) in [
        ("me items", signer.mint("johndoe", ["me", "items"])?),
        ("me", signer.mint("johndoe", ["me"])?),
        ("no scope", signer.mint("johndoe", [])?),
        ("expired", signer.sign(&expired)?),
    ] {
        eprintln!("\n# {label}\ncurl -i -H 'Authorization: Bearer {token}' {base}/users/me/items/");
    }
    eprintln!();
    axum::serve(listener, app(verifier)).await?;
    Ok(())
}
