//! The macros used through a re-export work as they do directly.

use auth::scopes_core::issuer::Signer;
use auth::scopes_core::openapi::security_of;
use scopes_tests::{Reply, SECRET, get, send};

#[tokio::test]
async fn a_crate_reaching_scopes_core_through_a_re_export_is_protected_alike() {
    let app = reexport::app(SECRET);
    let token = |scopes: &[&str]| {
        Signer::hs256(SECRET)
            .unwrap()
            .mint("johndoe", scopes.iter().copied())
            .unwrap()
    };
    assert_eq!(
        send(&app, get("/items/", &token(&["items"]))).await,
        Reply::new(200, None, "items")
    );
    assert_eq!(
        send(&app, get("/items/", &token(&["me"]))).await.status,
        403
    );
    // `invoices:read` of this crate's table; `me` of the auth crate's, through its
    // scoped extractor (another table: each is checked against its own). A refusal names
    // both, the handler's first, whichever is missing: the client asks for everything
    // at once.
    assert_eq!(
        send(&app, get("/invoices/", &token(&["invoices:read", "me"]))).await,
        Reply::new(200, None, "johndoe")
    );
    let both = r#"Bearer error="insufficient_scope", scope="invoices:read me""#;
    for scopes in [&["me"][..], &["invoices:read"], &["items"], &[]] {
        assert_eq!(
            send(&app, get("/invoices/", &token(scopes))).await,
            Reply::new(403, Some(both), r#"{"detail":"Not enough permissions"}"#),
            "{scopes:?}"
        );
    }
}

#[test]
fn security_of_takes_the_crate_path_too() {
    let security = security_of!(reexport::read_items, crate = auth::scopes_core);
    assert_eq!(
        serde_json::to_value(&security).unwrap(),
        serde_json::json!([{ "OAuth2PasswordBearer": ["items"] }])
    );
    // In a string too, as serde's `#[serde(crate = "…")]` and the manifest write it.
    let quoted = security_of!(reexport::read_items, crate = "auth::scopes_core");
    assert_eq!(
        serde_json::to_value(&quoted).unwrap(),
        serde_json::to_value(&security).unwrap()
    );
    // Without `crate = …`: the path in this crate's Cargo.toml. `CurrentUser`'s `me` is
    // of the auth crate's table, whose scheme has the name of `Billing`'s: one list.
    let security = security_of!(reexport::read_invoices);
    assert_eq!(
        serde_json::to_value(&security).unwrap(),
        serde_json::json!([{ "OAuth2PasswordBearer": ["invoices:read", "me"] }])
    );
}
