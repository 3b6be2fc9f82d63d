//! Scopes declared at different levels compose, as in FastAPI: the handler's, those of
//! the scoped extractors it takes, and those of its router layers.

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::Response;
use axum::routing::get;
use scopes_core::{
    Claims, Key, RequireScopesLayer, SecurityScopes, Verifier, requires_scopes, scopes,
};
use scopes_tests::{Reply, get as get_with, hs256, send};
use serde::Deserialize;

scopes! {
    /// The tutorial's scopes and a few more.
    pub Scopes {
        "me": "Read information about the current user.",
        "items": "Read items.",
        "orders": "Read orders.",
        "admin": "Administer.",
        "staff": "Staff member.",
    }
}

#[derive(Deserialize)]
struct User {
    sub: String,
}

/// `Security(get_current_active_user, scopes=["me"])`.
struct CurrentUser(User);

#[requires_scopes("me")]
impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Claims(user) = Claims::<User>::from_request_parts(parts, state).await?;
        Ok(CurrentUser(user))
    }
}

/// An extractor whose requirement is an `any`.
struct Operator;

#[requires_scopes(any("admin", "staff"))]
impl<S: Send + Sync> FromRequestParts<S> for Operator {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let _ = (parts, state);
        Ok(Operator)
    }
}

#[requires_scopes("admin")]
struct AdminOnly;

#[requires_scopes(any("staff", "admin"))]
struct StaffOrAdmin;

/// `read_own_items`: `items` here, `me` through the extractor.
#[requires_scopes("items")]
async fn read_own_items(CurrentUser(user): CurrentUser) -> String {
    format!("items of {}", user.sub)
}

/// The extractor alone, no attribute: its own scopes still apply.
async fn read_users_me(CurrentUser(user): CurrentUser) -> String {
    user.sub
}

/// A scope both here and in the extractor is listed once.
#[requires_scopes("me", "orders")]
async fn read_orders(CurrentUser(_): CurrentUser) -> &'static str {
    "orders"
}

/// `all` here, `any` in the extractor.
#[requires_scopes("items", "orders")]
async fn operate(_: Operator) -> &'static str {
    "operated"
}

#[requires_scopes("items")]
async fn security_scopes(CurrentUser(_): CurrentUser, security: SecurityScopes<Scopes>) -> String {
    format!(
        "required [{}] granted [{}]",
        security.scope_str(),
        security.granted()
    )
}

async fn layer_only(security: SecurityScopes<Scopes>) -> String {
    format!(
        "required [{}] granted [{}]",
        security.scope_str(),
        security.granted()
    )
}

fn app() -> Router {
    let verifier = Verifier::new(Key::hs256(scopes_tests::SECRET).unwrap()).unwrap();
    let admin: Router<Verifier> = Router::new()
        .route("/items/", get(read_own_items))
        .route("/status/", get(layer_only))
        .route_layer(RequireScopesLayer::<Scopes, AdminOnly>::new(&verifier));
    let staff: Router<Verifier> = Router::new()
        .route("/orders/", get(read_orders))
        .route_layer(RequireScopesLayer::<Scopes, StaffOrAdmin>::new(&verifier));
    Router::new()
        .route("/users/me/", get(read_users_me))
        .route("/users/me/items/", get(read_own_items))
        .route("/orders/", get(read_orders))
        .route("/operate/", get(operate))
        .route("/security/", get(security_scopes))
        .nest("/admin", admin)
        .nest("/staff", staff)
        .with_state(verifier)
}

fn insufficient(scope: &str) -> Reply {
    let challenge = format!(r#"Bearer error="insufficient_scope", scope="{scope}""#);
    Reply::new(
        403,
        Some(&challenge),
        r#"{"detail":"Not enough permissions"}"#,
    )
}

fn ok(body: &str) -> Reply {
    Reply::new(200, None, body)
}

#[tokio::test]
async fn handler_and_extractor_scopes_compose_handler_first() {
    let app = app();
    for scopes in [&[][..], &["items"], &["me"]] {
        assert_eq!(
            send(&app, get_with("/users/me/items/", &hs256(scopes))).await,
            insufficient("items me"),
            "{scopes:?}"
        );
    }
    assert_eq!(
        send(&app, get_with("/users/me/items/", &hs256(&["me", "items"]))).await,
        ok("items of johndoe")
    );
}

#[tokio::test]
async fn a_scoped_extractor_enforces_its_scopes_without_the_attribute() {
    let app = app();
    assert_eq!(
        send(&app, get_with("/users/me/", &hs256(&["items"]))).await,
        insufficient("me")
    );
    assert_eq!(
        send(&app, get_with("/users/me/", &hs256(&["me"]))).await,
        ok("johndoe")
    );
    let missing = Reply::new(401, Some("Bearer"), r#"{"detail":"Not authenticated"}"#);
    let request = axum::http::Request::get("/users/me/")
        .body(axum::body::Body::empty())
        .unwrap();
    assert_eq!(send(&app, request).await, missing);
}

#[tokio::test]
async fn shared_scopes_are_listed_once() {
    let app = app();
    assert_eq!(
        send(&app, get_with("/orders/", &hs256(&["me"]))).await,
        insufficient("me orders")
    );
    assert_eq!(
        send(&app, get_with("/orders/", &hs256(&["me", "orders"]))).await,
        ok("orders")
    );
}

#[tokio::test]
async fn all_at_one_level_and_any_at_another() {
    let app = app();
    let needed = "items orders admin staff";
    assert_eq!(
        send(&app, get_with("/operate/", &hs256(&["items", "orders"]))).await,
        insufficient(needed)
    );
    assert_eq!(
        send(&app, get_with("/operate/", &hs256(&["admin", "staff"]))).await,
        insufficient(needed)
    );
    assert_eq!(
        send(
            &app,
            get_with("/operate/", &hs256(&["items", "orders", "staff"]))
        )
        .await,
        ok("operated")
    );
    assert_eq!(
        send(
            &app,
            get_with("/operate/", &hs256(&["items", "orders", "admin"]))
        )
        .await,
        ok("operated")
    );
}

#[tokio::test]
async fn layer_scopes_are_checked_first_and_listed_last() {
    let app = app();
    // The layer refuses first, naming its own scopes.
    assert_eq!(
        send(&app, get_with("/admin/items/", &hs256(&["me", "items"]))).await,
        insufficient("admin")
    );
    // Past the layer, the handler names everything the route needs.
    assert_eq!(
        send(&app, get_with("/admin/items/", &hs256(&["admin", "me"]))).await,
        insufficient("items me admin")
    );
    assert_eq!(
        send(
            &app,
            get_with("/admin/items/", &hs256(&["admin", "me", "items"]))
        )
        .await,
        ok("items of johndoe")
    );
    // `any` on the layer, `all` on the handler.
    assert_eq!(
        send(&app, get_with("/staff/orders/", &hs256(&["me", "orders"]))).await,
        insufficient("staff admin")
    );
    assert_eq!(
        send(
            &app,
            get_with("/staff/orders/", &hs256(&["me", "orders", "admin"]))
        )
        .await,
        ok("orders")
    );
    assert_eq!(
        send(&app, get_with("/staff/orders/", &hs256(&["staff", "me"]))).await,
        insufficient("me orders staff admin")
    );
    // A bad token is refused by the layer like anywhere else.
    let invalid = send(&app, get_with("/admin/status/", "not-a-jwt")).await;
    assert_eq!(invalid.status, 401, "{invalid:?}");
}

#[tokio::test]
async fn security_scopes_reports_what_was_required_and_granted() {
    let app = app();
    assert_eq!(
        send(
            &app,
            get_with("/security/", &hs256(&["me", "items", "openid"]))
        )
        .await,
        ok("required [items me] granted [me items]")
    );
    assert_eq!(
        send(
            &app,
            get_with("/admin/status/", &hs256(&["admin", "staff"]))
        )
        .await,
        ok("required [admin] granted [admin staff]")
    );
}

/// The table by another name.
type Alias = Scopes;

mod other {
    scopes_core::scopes! {
        /// Another table.
        pub Other {
            "x": "Something else.",
        }
    }
}

/// A scoped extractor of another table: it checks its own scope, and a handler of
/// `Scopes` taking it checks it too, naming it after its own.
struct OtherX;

#[requires_scopes("x", table = other::Other)]
impl<S: Send + Sync> FromRequestParts<S> for OtherX {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let _ = (parts, state);
        Ok(OtherX)
    }
}

/// The table through an alias, the extractor through its own name: composed all the
/// same.
#[requires_scopes("orders", table = Alias)]
async fn orders_by_alias(CurrentUser(_): CurrentUser) -> &'static str {
    "orders"
}

#[requires_scopes("orders")]
async fn orders_and_other(CurrentUser(_): CurrentUser, _: OtherX) -> &'static str {
    "orders"
}

#[tokio::test]
async fn extractors_compose_through_an_alias_and_across_tables() {
    let app = Router::new()
        .route("/alias/", get(orders_by_alias))
        .route("/other/", get(orders_and_other))
        .with_state(Verifier::new(Key::hs256(scopes_tests::SECRET).unwrap()).unwrap());
    assert_eq!(
        send(&app, get_with("/alias/", &hs256(&["me"]))).await,
        insufficient("orders me")
    );
    // The other table's extractor is checked by the handler's check too, and named last
    // in its challenge, whichever scope is missing.
    for scopes in [&["me"][..], &["me", "orders"], &["x"], &["orders", "x"]] {
        assert_eq!(
            send(&app, get_with("/other/", &hs256(scopes))).await,
            insufficient("orders me x"),
            "{scopes:?}"
        );
    }
    assert_eq!(
        send(&app, get_with("/other/", &hs256(&["me", "orders", "x"]))).await,
        ok("orders")
    );
}

#[derive(Deserialize)]
struct NeedsEmail {
    #[allow(dead_code)]
    email: String,
}

#[requires_scopes("orders")]
async fn orders_other_claims(_: OtherX, Claims(_): Claims<NeedsEmail>) -> &'static str {
    "orders"
}

#[tokio::test]
async fn claims_after_another_tables_extractor_name_everything_the_handler_needs() {
    // FastAPI's mode names the route's scopes in a 401 too: `Claims` finds them through
    // the handler's check, which an extractor of another table, checking after it, must
    // not narrow.
    let verifier = Verifier::builder()
        .key(Key::hs256(scopes_tests::SECRET).unwrap())
        .response_mode(scopes_core::ResponseMode::FastApi)
        .build()
        .unwrap();
    let app = Router::new()
        .route("/claims/", get(orders_other_claims))
        .with_state(verifier);
    let reply = send(&app, get_with("/claims/", &hs256(&["orders", "x"]))).await;
    assert_eq!(reply.status, 401);
    assert_eq!(
        reply.challenge.as_deref(),
        Some(r#"Bearer scope="orders x""#)
    );
}

/// Extractors that the attribute must find as `Self`, however their type is named.
mod names {
    use super::*;

    /// Requires `orders`.
    pub(crate) struct Wrapped;

    #[requires_scopes("orders")]
    impl<S: Send + Sync> FromRequestParts<S> for Wrapped {
        type Rejection = Response;

        async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
            let _ = (parts, state);
            Ok(Wrapped)
        }
    }

    pub(crate) mod outer {
        use super::*;

        /// Requires `admin`, and wraps the other `Wrapped`, imported under the same name
        /// in its body: the check is still this type's.
        pub(crate) struct Wrapped;

        #[requires_scopes("admin")]
        impl<S: Send + Sync> FromRequestParts<S> for Wrapped {
            type Rejection = Response;

            async fn from_request_parts(
                parts: &mut Parts,
                state: &S,
            ) -> Result<Self, Self::Rejection> {
                use super::Wrapped;
                let Wrapped = Wrapped::from_request_parts(parts, state).await?;
                Ok(self::Wrapped)
            }
        }

        pub(crate) mod inner {
            /// Its impl names it by a path.
            pub(crate) struct Deep;
        }

        #[requires_scopes("staff", table = crate::Scopes)]
        impl<S: Send + Sync> FromRequestParts<S> for crate::names::outer::inner::Deep {
            type Rejection = Response;

            async fn from_request_parts(
                parts: &mut Parts,
                state: &S,
            ) -> Result<Self, Self::Rejection> {
                let _ = (parts, state);
                Ok(inner::Deep)
            }
        }
    }

    /// An extractor written by a `macro_rules!`.
    macro_rules! scoped {
        ($name:ident, $scope:literal) => {
            pub(crate) struct $name;

            #[requires_scopes($scope)]
            impl<S: Send + Sync> FromRequestParts<S> for $name {
                type Rejection = Response;

                async fn from_request_parts(
                    parts: &mut Parts,
                    state: &S,
                ) -> Result<Self, Self::Rejection> {
                    let _ = (parts, state);
                    Ok($name)
                }
            }
        };
    }

    scoped!(Macroed, "items");
}

async fn by_outer(_: names::outer::Wrapped) {}
async fn by_deep(_: names::outer::inner::Deep) {}
async fn by_macro(_: names::Macroed) {}

#[tokio::test]
async fn an_extractor_is_checked_as_itself_however_it_is_named() {
    let verifier = Verifier::new(Key::hs256(scopes_tests::SECRET).unwrap()).unwrap();
    let app: Router = Router::new()
        .route("/outer", get(by_outer))
        .route("/deep", get(by_deep))
        .route("/macro", get(by_macro))
        .with_state(verifier);
    // The wrapping extractor's own scope first, then the wrapped one's.
    let insufficient =
        |scope: &str| format!(r#"Bearer error="insufficient_scope", scope="{scope}""#);
    let reply = send(&app, get_with("/outer", &hs256(&["orders"]))).await;
    assert_eq!(reply.status, 403);
    assert_eq!(reply.challenge, Some(insufficient("admin")));
    let reply = send(&app, get_with("/outer", &hs256(&["admin"]))).await;
    assert_eq!(reply.status, 403);
    assert_eq!(reply.challenge, Some(insufficient("orders")));
    let reply = send(&app, get_with("/outer", &hs256(&["admin", "orders"]))).await;
    assert_eq!(reply.status, 200);
    for (path, scope) in [("/deep", "staff"), ("/macro", "items")] {
        let reply = send(&app, get_with(path, &hs256(&["orders"]))).await;
        assert_eq!(reply.status, 403, "{path}");
        let reply = send(&app, get_with(path, &hs256(&[scope]))).await;
        assert_eq!(reply.status, 200, "{path}");
    }
}

/// A parameter compiled out (`#[cfg(not(test))]` never holds in a test, nor does the
/// `cfg` a `cfg_attr` applies) is not required: not its scopes, not even its type,
/// which may come from an optional dependency.
#[requires_scopes("items")]
async fn compiled_out(
    #[cfg(not(test))] _: CurrentUser,
    #[cfg(not(test))] _: an_optional_dependency::Handle,
    #[cfg_attr(test, cfg(not(test)))] _: Operator,
    security: SecurityScopes<Scopes>,
) -> String {
    security.scope_str()
}

/// A parameter compiled in (`#[cfg(test)]` always holds in a test) is required as any other.
#[requires_scopes("items")]
async fn compiled_in(#[cfg(test)] _: CurrentUser, security: SecurityScopes<Scopes>) -> String {
    security.scope_str()
}

/// A scoped extractor inside a tuple (axum extracts each element): composed as if it
/// were a parameter of its own, nested tuples too.
#[requires_scopes("items")]
async fn in_a_tuple(
    (_, _): (axum::http::Method, CurrentUser),
    (_, (_,)): (axum::http::HeaderMap, (Operator,)),
    security: SecurityScopes<Scopes>,
) -> String {
    security.scope_str()
}

/// A return type that lists what it captures (`use<>`): the router's state, which the
/// attribute makes the handler generic over, is added to it.
#[requires_scopes("items")]
async fn captures_nothing() -> impl axum::response::IntoResponse + use<> {
    "captured"
}

#[tokio::test]
async fn compiled_out_parameters_are_not_required_and_tuples_are_composed() {
    let verifier = Verifier::new(Key::hs256(scopes_tests::SECRET).unwrap()).unwrap();
    let app: Router = Router::new()
        .route("/out", get(compiled_out))
        .route("/in", get(compiled_in))
        .route("/tuple", get(in_a_tuple))
        .route("/use", get(captures_nothing))
        .with_state(verifier);
    assert_eq!(
        send(&app, get_with("/out", &hs256(&["items"]))).await,
        ok("items")
    );
    assert_eq!(
        send(&app, get_with("/in", &hs256(&["items"]))).await,
        insufficient("items me")
    );
    assert_eq!(
        send(&app, get_with("/in", &hs256(&["items", "me"]))).await,
        ok("items me")
    );
    // Every scope named at once, the tuple's extractors in order, as for parameters.
    assert_eq!(
        send(&app, get_with("/tuple", &hs256(&["items", "me"]))).await,
        insufficient("items me admin staff")
    );
    assert_eq!(
        send(&app, get_with("/tuple", &hs256(&["items", "me", "staff"]))).await,
        ok("items me admin staff")
    );
    assert_eq!(
        send(&app, get_with("/use", &hs256(&["me"]))).await,
        insufficient("items")
    );
    assert_eq!(
        send(&app, get_with("/use", &hs256(&["items"]))).await,
        ok("captured")
    );
}
