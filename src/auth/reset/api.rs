//! `/api/auth/password/forgot` and `/api/auth/password/reset`: open to anyone (the caller
//! cannot sign in, that is the point).

use crate::error::{AppResult, ErrorBody};
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
pub struct ForgotRequest {
    pub email: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ForgotAnswer {
    /// The same sentence whether or not an account has the address.
    pub message: String,
}

/// Asks for a password-reset link. Answers 202 with the same sentence whether or not an
/// account has the address; the link (valid 30 minutes, single use) goes only to an account's
/// own mailbox. Throttled per address and per client (429).
#[utoipa::path(post, path = "/api/auth/password/forgot", tag = "auth", request_body = ForgotRequest,
    responses((status = 202, body = ForgotAnswer), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
#[post("/api/auth/password/forgot")]
pub async fn forgot(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<ForgotRequest>,
) -> AppResult<HttpResponse> {
    super::request(&state, &body.email, &crate::auth::api::peer(&req)).await?;
    Ok(HttpResponse::Accepted().json(ForgotAnswer {
        message: crate::i18n::Locale::of(&req).t("reset-request-sent"),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ResetRequest {
    /// The token of the emailed link (`/password/reset?token=…`).
    pub token: String,
    /// 8 to 200 characters.
    pub new_password: String,
}

/// Sets a new password with the token of an emailed link; the token then no longer works,
/// nor does any other link sent to that user.
#[utoipa::path(post, path = "/api/auth/password/reset", tag = "auth", request_body = ResetRequest,
    responses((status = 204, description = "Password set"), (status = 422, body = ErrorBody)))]
#[post("/api/auth/password/reset")]
pub async fn reset(
    state: web::Data<AppState>,
    body: web::Json<ResetRequest>,
) -> AppResult<HttpResponse> {
    super::reset(&state, &body.token, &body.new_password).await?;
    Ok(HttpResponse::NoContent().finish())
}
