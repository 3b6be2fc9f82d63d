//! The smallest useful app: the FastAPI tutorial's scopes guarding three routes.
//!
//! ```text
//! cargo run -p scopes-examples --bin quickstart
//! ```
//!
//! It listens on 127.0.0.1:8000 (override with `ADDR`) and prints tokens to try, signed
//! with the tutorial's demo secret (override with `SECRET_KEY`).

use std::time::{SystemTime, UNIX_EPOCH};

use axum::routing::get;
use axum::{Json, Router};
use jsonwebtoken::{EncodingKey, Header, encode};
use scopes_core::{Claims, Key, Verifier, requires_scopes, scopes};
use serde::Deserialize;
use serde_json::{Value, json};

/// FastAPI's `SECRET_KEY` from the tutorial: a demo value, never a production secret.
const DEMO_SECRET: &str = "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7";

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

fn mint(secret: &str, scopes: &[&str], lifetime_secs: i64) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64;
    let claims = json!({ "sub": "johndoe", "scopes": scopes, "exp": now + lifetime_secs });
    encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("HS256 signing")
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let secret = std::env::var("SECRET_KEY").unwrap_or_else(|_| DEMO_SECRET.to_owned());
    let addr = std::env::var("ADDR").unwrap_or_else(|_| "127.0.0.1:8000".to_owned());
    let verifier = Verifier::new(Key::hs256(&secret)?)?;

    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .map_err(|error| {
            format!("cannot listen on {addr}: {error} (set ADDR to another address)")
        })?;
    let base = format!("http://{}", listener.local_addr()?);
    eprintln!("quickstart listening on {base}; tokens to try (30 minutes):");
    for (label, scopes, lifetime) in [
        ("me items", &["me", "items"][..], 1800),
        ("me", &["me"][..], 1800),
        ("no scope", &[][..], 1800),
        ("expired", &["me", "items"][..], -3600),
    ] {
        let token = mint(&secret, scopes, lifetime);
        eprintln!("\n# {label}\ncurl -i -H 'Authorization: Bearer {token}' {base}/users/me/items/");
    }
    eprintln!();
    axum::serve(listener, app(verifier)).await?;
    Ok(())
}
