//! FastAPI's "OAuth2 scopes" tutorial (`docs_src/security/tutorial005.py`), ported.
//! Read it side by side with the Python: same users, same routes, same answers, except
//! that insufficient scope is `403` as RFC 6750 says (set `SCOPES_RESPONSE_MODE=fastapi`
//! for the tutorial's `401`), and that `/token` grants only scopes the table declares
//! and the user may have (the tutorial's "danger" note).
//!
//! Run it with `cargo run -p scopes-examples --bin tutorial`; it listens on
//! 127.0.0.1:8000 (`ADDR`) and signs with the tutorial's demo secret (`SECRET_KEY`).
//! As FastAPI's app does, it serves its OpenAPI document at `/openapi.json` and Swagger
//! UI at `/docs`, whose Authorize dialog offers the table's scopes.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use axum::extract::{FromRef, FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use scopes_core::issuer::{AccessTokenResponse, GrantError, PasswordForm, Signer, grant_scopes};
use scopes_core::{
    AuthRejection, Claims, Key, ResponseMode, ScopeSet, SecurityScopes, TokenError, Verifier,
    providers, requires_scopes, scopes,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{OpenApi, ToSchema};

/// `SECRET_KEY`: the tutorial's demo value, replaced by the environment's if set.
pub const DEMO_SECRET: &str = "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7";
/// `ACCESS_TOKEN_EXPIRE_MINUTES = 30`.
pub const ACCESS_TOKEN_LIFETIME: Duration = Duration::from_secs(30 * 60);

scopes! {
    /// `OAuth2PasswordBearer(tokenUrl="token", scopes={...})`.
    pub Scopes {
        "me": "Read information about the current user.",
        "items": "Read items.",
    }
    oauth2 "OAuth2PasswordBearer" {
        password { token_url: "token" },
    }
}

/// `class User(BaseModel)`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct User {
    username: String,
    email: Option<String>,
    full_name: Option<String>,
    disabled: Option<bool>,
}

/// `class UserInDB(User)`: a user, its password hash, and (new) what it may be granted.
struct UserInDb {
    user: User,
    hashed_password: &'static str,
    allowed: ScopeSet<Scopes>,
}

/// `fake_users_db`. johndoe keeps the tutorial's hash of `secret`; the tutorial's hash
/// for alice matches no password it documents (not `secret2`: checked with Python's
/// `bcrypt`), so alice's is a bcrypt hash of `secret2`.
static FAKE_USERS_DB: LazyLock<HashMap<&'static str, UserInDb>> = LazyLock::new(|| {
    let all = ScopeSet::granted_by(["me", "items"]);
    let user = |username: &str, full_name: &str, email: &str, disabled| User {
        username: username.into(),
        email: Some(email.into()),
        full_name: Some(full_name.into()),
        disabled: Some(disabled),
    };
    HashMap::from([
        (
            "johndoe",
            UserInDb {
                user: user("johndoe", "John Doe", "johndoe@example.com", false),
                hashed_password: "$2b$12$EixZaYVK1fsbw1ZfbX3OXePaWxn96p36WQoeG6Lruj3vjPGga31lW",
                allowed: all,
            },
        ),
        (
            "alice",
            UserInDb {
                user: user("alice", "Alice Chains", "alicechains@example.com", true),
                hashed_password: "$2b$12$xyW7525QJP8KcDRMsc.QjuLMnKisq.VT3qQi3WrQ6pKMrxzQKKqKS",
                allowed: all,
            },
        ),
    ])
});

/// `authenticate_user`, on a blocking thread: bcrypt takes a quarter of a second by
/// design, which would hold up every other request of this worker. An unknown user's
/// password is checked too, against a hash that nothing matches, so that the answer
/// takes as long and its timing does not tell which usernames exist (FastAPI's tutorial
/// answers those at once).
async fn authenticate_user(username: String, password: String) -> Option<&'static UserInDb> {
    const NO_USER: &str = "$2b$12$We73exyLsp03qUFOkpT4DOH8druw5Lxp3Zb13BgN8SDWu5BIDcpdm";
    tokio::task::spawn_blocking(move || {
        let user = FAKE_USERS_DB.get(username.as_str());
        let hash = user.map_or(NO_USER, |user| user.hashed_password);
        let matches = bcrypt::verify(password, hash).unwrap_or(false);
        user.filter(|_| matches)
    })
    .await
    .ok()
    .flatten()
}

/// The app's state: the verifier and the signer share the secret.
#[derive(Clone, FromRef)]
pub struct AppState {
    verifier: Verifier,
    signer: Arc<Signer>,
}

impl AppState {
    /// HS256 with `secret`, refusals answered per `mode`.
    pub fn new(secret: &str, mode: ResponseMode) -> Result<Self, scopes_core::ConfigError> {
        let verifier = Verifier::builder()
            .key(Key::hs256(secret)?)
            // FastAPI's tutorial reads its `scopes` claim alone (an array): a `scope`
            // or `scp` claim grants nothing here.
            .scope_claims(providers::fastapi())
            .response_mode(mode)
            .build()?;
        let signer = Arc::new(Signer::hs256(secret)?.lifetime(ACCESS_TOKEN_LIFETIME));
        Ok(Self { verifier, signer })
    }
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("verifier", &self.verifier)
            .finish_non_exhaustive()
    }
}

/// `get_current_user`: a valid token whose `sub` is a known user.
#[derive(Debug)]
pub struct CurrentUser(pub User);

#[derive(Deserialize)]
struct TokenData {
    sub: Option<String>,
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Claims(token) = Claims::<TokenData>::from_request_parts(parts, state).await?;
        let user = token.sub.as_deref().and_then(|sub| FAKE_USERS_DB.get(sub));
        match user {
            Some(user) => Ok(CurrentUser(user.user.clone())),
            None => {
                // `raise credentials_exception`, challenged with the route's scopes.
                let security = SecurityScopes::<Scopes>::from_request_parts(parts, state).await?;
                let reason = AuthRejection::InvalidToken(TokenError::ClaimsMismatch);
                Err(state
                    .verifier
                    .refuse(&parts.headers, reason, security.scope_str())
                    .into_response())
            }
        }
    }
}

/// `get_current_active_user`, with `Security(get_current_user, scopes=["me"])`.
#[derive(Debug)]
pub struct CurrentActiveUser(pub User);

#[requires_scopes("me")]
impl FromRequestParts<AppState> for CurrentActiveUser {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let CurrentUser(user) = CurrentUser::from_request_parts(parts, state).await?;
        if user.disabled == Some(true) {
            return Err((
                StatusCode::BAD_REQUEST,
                Json(json!({ "detail": "Inactive user" })),
            )
                .into_response());
        }
        Ok(CurrentActiveUser(user))
    }
}

/// Log in for an access token.
///
/// `POST /token`, FastAPI's `login_for_access_token`: the OAuth2 password grant
/// (`grant_type=password`) with `username`, `password` and the space-delimited `scope`
/// requested. Only scopes the table declares and the user may have are granted.
// `PasswordForm` requires `grant_type`, as RFC 6749 §4.3.2 does; FastAPI's
// `OAuth2PasswordRequestForm` does not, and `LaxPasswordForm` reads the form as it does.
#[utoipa::path(
    post,
    path = "/token",
    request_body(content = PasswordForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "A bearer token", body = AccessTokenResponse), GrantError),
)]
pub async fn login_for_access_token(
    State(signer): State<Arc<Signer>>,
    form: PasswordForm,
) -> Result<AccessTokenResponse, GrantError> {
    let Some(user) = authenticate_user(form.username.clone(), form.password.clone()).await else {
        return Err(GrantError::InvalidGrant(
            "Incorrect username or password".into(),
        ));
    };
    let granted = grant_scopes(form.scopes(), &user.allowed)?;
    let access_token = signer
        .mint_set(&user.user.username, &granted)
        .map_err(|_| GrantError::InvalidRequest("the token could not be signed".into()))?;
    Ok(AccessTokenResponse::bearer(
        access_token,
        ACCESS_TOKEN_LIFETIME,
        &granted,
    ))
}

/// Read the current user.
///
/// `GET /users/me/`, FastAPI's `read_users_me`: `me`, through the active-user extractor.
#[requires_scopes]
#[utoipa::path(get, path = "/users/me/", responses((status = 200, description = "The current user", body = User)))]
pub async fn read_users_me(CurrentActiveUser(user): CurrentActiveUser) -> Json<User> {
    Json(user)
}

/// An item of the current user's.
#[derive(Debug, Serialize, ToSchema)]
pub struct Item {
    item_id: String,
    owner: String,
}

/// Read the current user's items.
///
/// `GET /users/me/items/`, FastAPI's `read_own_items`: `items` here, and `me` through
/// the active-user extractor.
#[requires_scopes("items")]
#[utoipa::path(get, path = "/users/me/items/", responses((status = 200, description = "The current user's items", body = [Item])))]
pub async fn read_own_items(CurrentActiveUser(user): CurrentActiveUser) -> Json<Vec<Item>> {
    Json(vec![Item {
        item_id: "Foo".to_owned(),
        owner: user.username,
    }])
}

/// Read the system status.
///
/// `GET /status/`, FastAPI's `read_system_status`: a valid token for a known user, no
/// scope.
#[requires_scopes]
#[utoipa::path(get, path = "/status/", responses((status = 200, description = "The system status", body = Object, example = json!({"status": "ok"}))))]
pub async fn read_system_status(CurrentUser(_user): CurrentUser) -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

/// The tutorial's OpenAPI document: the table's scheme (`modifiers(&Scopes)`) and the
/// operations, each with the security its handler and extractors require.
#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "FastAPI's OAuth2 scopes tutorial, in Rust",
        description = "Log in with `johndoe` / `secret` in Authorize, then call the routes.",
        version = "0.1.0",
    ),
    paths(login_for_access_token, read_users_me, read_own_items, read_system_status),
    modifiers(&Scopes),
)]
pub struct ApiDoc;

impl ApiDoc {
    /// The document, its 401/403 responses as a verifier answering in `mode` gives them.
    pub fn document(mode: ResponseMode) -> utoipa::openapi::OpenApi {
        let mut document = Self::openapi();
        scopes_core::openapi::utoipa::document_response_mode(&mut document, mode);
        document
    }
}

/// The tutorial's routes, `/openapi.json` and Swagger UI at `/docs`.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/token", post(login_for_access_token))
        .route("/users/me/", get(read_users_me))
        .route("/users/me/items/", get(read_own_items))
        .route("/status/", get(read_system_status))
        .merge(crate::docs::routes(ApiDoc::document(
            state.verifier.response_mode(),
        )))
        .with_state(state)
}
