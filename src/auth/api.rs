//! `/api/auth/*` and `/api/me`.

use super::{CurrentUser, service};
use crate::audit::{self, Change};
use crate::error::RuleCode;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    pub role: super::Role,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    pub user: CurrentUser,
}

pub fn peer(req: &HttpRequest) -> String {
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// Sign in with email and password; answers a short-lived bearer token.
#[utoipa::path(post, path = "/api/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
#[post("/api/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<LoginRequest>,
) -> AppResult<web::Json<LoginResponse>> {
    let s = service::login(&state, &body.email, &body.password, &peer(&req)).await?;
    Ok(web::Json(LoginResponse {
        token: s.token,
        role: s.user.role,
        expires_at: s.expires_at,
        user: s.user,
    }))
}

/// Signs out: the session of the token given (that token and any renewed from the same
/// sign-in) is refused from now on (401); the user's other sessions go on (to end them too:
/// `POST /api/me/sign-out-everywhere`). Recorded for the audit.
#[utoipa::path(post, path = "/api/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody)))]
#[post("/api/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    user: CurrentUser,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    let session = actix_web::HttpMessage::extensions(&req)
        .get::<super::sessions::SessionOf>()
        .cloned();
    super::sessions::end_this(&state, &user, session.as_ref()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Signs the user out everywhere: every token issued to them so far is refused (401), on the
/// API and in browsers alike. Recorded for the audit.
#[utoipa::path(post, path = "/api/me/sign-out-everywhere", tag = "auth", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody)))]
#[post("/api/me/sign-out-everywhere")]
pub async fn sign_out_everywhere(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> AppResult<HttpResponse> {
    super::sessions::end_own(&state, &user, "user.sign_out_everywhere").await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = CurrentUser), (status = 401, body = ErrorBody)))]
#[get("/api/me")]
pub async fn me(user: CurrentUser) -> web::Json<CurrentUser> {
    web::Json(user)
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct PasswordChange {
    pub current_password: String,
    #[validate(length(min = 8, max = 200, code = "password_length"))]
    pub new_password: String,
}

/// Changes the signed-in user's password; the current one must be given. Every session of the
/// user ends (their tokens are refused); answers the new token version, for the page to sign
/// its own browser in again.
pub async fn change_password(
    state: &AppState,
    user: &CurrentUser,
    input: &PasswordChange,
) -> AppResult<i32> {
    input
        .validate()
        .map_err(|e| AppError::Validation(e.into()))?;
    let found = entity::user::Entity::find_by_id(user.id)
        .one(&state.db.read)
        .await?
        .ok_or(AppError::NotFound)?;
    if !super::password::verify(
        input.current_password.clone(),
        Some(found.password_hash.clone()),
    )
    .await?
    {
        return Err(AppError::field("current_password", RuleCode::WrongPassword));
    }
    let hash = super::password::hash(input.new_password.clone()).await?;
    let now = state.now();
    let version = found.token_version + 1;
    let txn = state.db.begin_write().await?;
    let mut am: entity::user::ActiveModel = found.into();
    am.password_hash = Set(hash);
    am.update(&txn).await?;
    super::sessions::end_all(&txn, user.id, now).await?;
    audit::record(
        &txn,
        &user.actor(),
        now,
        Change::new("user.password_change", "user", user.id),
    )
    .await?;
    txn.commit().await?;
    Ok(version)
}

/// Changes the password. Every token of the user, the one sent included, is refused afterwards
/// (401): sign in again with the new password.
#[utoipa::path(put, path = "/api/me/password", tag = "auth", security(("bearer" = [])), request_body = PasswordChange,
    responses((status = 204), (status = 422, body = ErrorBody), (status = 401, body = ErrorBody)))]
#[put("/api/me/password")]
pub async fn put_password(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<PasswordChange>,
) -> AppResult<HttpResponse> {
    change_password(&state, &user, &body).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LocaleChange {
    /// `zh-CN` or `en`.
    pub locale: String,
}

/// Stores the user's language for emails sent to them.
pub async fn change_locale(state: &AppState, user: &CurrentUser, tag: &str) -> AppResult<()> {
    let locale = crate::i18n::Locale::from_tag(tag)
        .ok_or_else(|| AppError::field("locale", RuleCode::UnknownLocale))?;
    let found = entity::user::Entity::find_by_id(user.id)
        .one(&state.db.read)
        .await?
        .ok_or(AppError::NotFound)?;
    let before = found.locale.clone();
    let txn = state.db.begin_write().await?;
    let mut am: entity::user::ActiveModel = found.into();
    am.locale = Set(Some(locale.tag().to_string()));
    am.update(&txn).await?;
    audit::record(
        &txn,
        &user.actor(),
        state.now(),
        Change::new("user.locale_change", "user", user.id)
            .before(before)
            .after(locale.tag()),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

#[utoipa::path(put, path = "/api/me/locale", tag = "auth", security(("bearer" = [])), request_body = LocaleChange,
    responses((status = 204), (status = 422, body = ErrorBody)))]
#[put("/api/me/locale")]
pub async fn put_locale(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<LocaleChange>,
) -> AppResult<HttpResponse> {
    change_locale(&state, &user, &body.locale).await?;
    Ok(HttpResponse::NoContent().finish())
}
