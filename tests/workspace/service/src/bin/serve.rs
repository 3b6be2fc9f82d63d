//! The service on 127.0.0.1 (port from `PORT`, else any free one), with one handler of
//! the binary's own behind the auth crate's table.

use auth::Scopes;
use axum::routing::get;
use scopes_core::requires_scopes;

#[requires_scopes("users:read")]
async fn health() -> &'static str {
    "ok"
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let _ = std::marker::PhantomData::<Scopes>;
    let app = service::app().merge(
        axum::Router::new()
            .route("/health", get(health))
            .with_state(service::verifier()),
    );
    let port = std::env::var("PORT").unwrap_or_else(|_| "0".to_owned());
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    eprintln!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await
}
