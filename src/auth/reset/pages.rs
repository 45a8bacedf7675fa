//! The "forgot password" form (linked from the sign-in page) and the page of the emailed
//! link where the new password is set.

use crate::auth::api::peer;
use crate::error::{AppError, RuleCode};
use crate::state::AppState;
use crate::web::page::{CsrfForm, FormErrors, PageCtx, redirect_with_flash};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "auth/forgot.html")]
struct ForgotPage {
    ctx: PageCtx,
    email: String,
    sent: bool,
    errors: FormErrors,
}

#[get("/password/forgot")]
pub async fn forgot_form(ctx: PageCtx) -> HttpResponse {
    crate::web::html(&ForgotPage {
        ctx,
        email: String::new(),
        sent: false,
        errors: FormErrors::default(),
    })
}

#[derive(Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    email: String,
}

/// Whatever the address, the same page: "if an account exists, we sent a link".
#[post("/password/forgot")]
pub async fn forgot_submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: PageCtx,
    form: CsrfForm<ForgotForm>,
) -> Result<HttpResponse, AppError> {
    let email = form.0.email;
    match super::request(&state, &email, &peer(&req)).await {
        Ok(()) => Ok(crate::web::html(&ForgotPage {
            ctx,
            email: String::new(),
            sent: true,
            errors: FormErrors::default(),
        })),
        Err(e @ (AppError::Validation(_) | AppError::TooManyAttempts { .. })) => {
            let status = e.status();
            let errors = FormErrors::from_error(&e, ctx.locale);
            Ok(crate::web::html_status(
                status,
                &ForgotPage {
                    ctx,
                    email,
                    sent: false,
                    errors,
                },
            ))
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "auth/reset.html")]
struct ResetPage {
    ctx: PageCtx,
    token: String,
    /// False when the link is unknown, used or expired: no form then.
    usable: bool,
    errors: FormErrors,
}

#[derive(Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

#[get("/password/reset")]
pub async fn reset_form(
    state: web::Data<AppState>,
    ctx: PageCtx,
    q: crate::web::Query<TokenQuery>,
) -> Result<HttpResponse, AppError> {
    let token = q.0.token.unwrap_or_default();
    let usable = super::open_reset(&state.db.read, &token, state.now())
        .await
        .is_ok();
    Ok(crate::web::html(&ResetPage {
        ctx,
        token,
        usable,
        errors: FormErrors::default(),
    }))
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

#[post("/password/reset")]
pub async fn reset_submit(
    state: web::Data<AppState>,
    ctx: PageCtx,
    form: CsrfForm<ResetForm>,
) -> Result<HttpResponse, AppError> {
    let f = form.0;
    let result = if f.new_password != f.confirm_password {
        Err(AppError::field(
            "confirm_password",
            RuleCode::PasswordsDiffer,
        ))
    } else {
        super::reset(&state, &f.token, &f.new_password).await
    };
    match result {
        Ok(()) => Ok(redirect_with_flash("/login", "success", "reset-flash-done")),
        Err(e @ AppError::Validation(_)) => {
            let usable = super::open_reset(&state.db.read, &f.token, state.now())
                .await
                .is_ok();
            let errors = FormErrors::from_error(&e, ctx.locale);
            Ok(crate::web::html_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &ResetPage {
                    ctx,
                    token: f.token,
                    usable,
                    errors,
                },
            ))
        }
        Err(e) => Err(e),
    }
}
