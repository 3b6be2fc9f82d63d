use scopes_core::{requires_scopes, scopes};

scopes! {
    pub Scopes {
        "me": "Read information about the current user.",
        "items": "Read items.",
        "users:read": "View user information",
    }
}

#[requires_scopes("me")]
fn not_async() {}

fn main() {
    // Its route reports nothing more: the attribute's error says all.
    let _app: axum::Router<scopes_core::Verifier> =
        axum::Router::new().route("/me", axum::routing::get(not_async));
}
