//! Runnable example apps of scopes-core. The binaries in `src/bin` serve them; the
//! apps live here so that the workspace's tests can drive them over HTTP.

pub mod docs;
pub mod mcp;
pub mod tutorial;

/// Writes the crate's events to stderr: each refusal's reason, the scopes required and
/// granted, never the token (target `scopes_core::refusal`, INFO). `RUST_LOG` chooses
/// (`scopes_core=trace` adds admissions, `off` silences); the default is
/// `scopes_core=info`.
pub fn log() {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    let default = || Targets::new().with_target("scopes_core", LevelFilter::INFO);
    let targets = match std::env::var("RUST_LOG") {
        Ok(filter) => filter.parse::<Targets>().unwrap_or_else(|error| {
            eprintln!(
                "RUST_LOG `{filter}` is not a list of `target=level` ({error}): scopes_core=info instead"
            );
            default()
        }),
        Err(_) => default(),
    };
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    let _ = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr())),
        )
        .with(targets)
        .try_init();
}

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
