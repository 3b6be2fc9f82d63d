//! The renamed crate's routes, with real tokens from the testing kit (`sc::testing`).

use renamed::Scopes;
use sc::scope_set;
use sc::testing::{self, AuthAssertions, TestIssuer};

#[tokio::test]
async fn a_renamed_dependency_checks_and_refuses_as_any_other() {
    let issuer = TestIssuer::hs256();
    let app = renamed::app(issuer.verifier());
    let both = issuer.mint("johndoe", scope_set!("me", "items"));
    testing::send(&app, testing::get("/items/", Some(&both)))
        .await
        .assert_admitted();
    let me = testing::send(&app, testing::get("/users/me", Some(&both))).await;
    me.assert_admitted();
    assert_eq!(me.text(), "johndoe");
    let items_only = issuer.mint("johndoe", scope_set!("items", table = Scopes));
    testing::send(&app, testing::get("/users/me", Some(&items_only)))
        .await
        .assert_insufficient_scope("me items");
    testing::send(&app, testing::get("/items/", None))
        .await
        .assert_missing_credentials();
}
