//! The sign-in page, signing out, the language switcher and the account page.

use super::{CurrentUser, api, service};
use crate::error::AppError;
use crate::error::RuleCode;
use crate::i18n::{LANG_COOKIE, Locale};
use crate::state::AppState;
use crate::web::page::{CsrfForm, FormErrors, PageCtx, redirect, redirect_with_flash, safe_next};
use crate::web::session::{removal, token_cookie};
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "auth/login.html")]
struct LoginPage {
    ctx: PageCtx,
    email: String,
    next: String,
    errors: FormErrors,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

#[get("/login")]
pub async fn login_form(ctx: PageCtx, q: crate::web::Query<NextQuery>) -> HttpResponse {
    if ctx.user.is_some() {
        return redirect(&safe_next(q.next.as_deref()));
    }
    let page = LoginPage {
        next: safe_next(q.next.as_deref()),
        email: String::new(),
        errors: FormErrors::default(),
        ctx,
    };
    crate::web::html(&page)
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

#[post("/login")]
pub async fn login_submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: PageCtx,
    form: CsrfForm<LoginForm>,
) -> HttpResponse {
    let f = form.0;
    let next = safe_next(f.next.as_deref());
    match service::login(&state, &f.email, &f.password, &api::peer(&req)).await {
        Ok(s) => {
            let mut res = redirect(&next);
            let _ = res.add_cookie(&token_cookie(&state, s.token));
            // The language the user chose before keeps following them across devices.
            if req.cookie(LANG_COOKIE).is_none()
                && let Some(l) = s.locale.as_deref().and_then(Locale::from_tag)
            {
                let _ = res.add_cookie(&lang_cookie(l));
            }
            res
        }
        Err(e) => {
            let status = e.status();
            let status = if status == StatusCode::UNAUTHORIZED {
                StatusCode::OK
            } else {
                status
            };
            let errors = FormErrors::from_error(&e, ctx.locale);
            let page = LoginPage {
                email: f.email,
                next,
                errors,
                ctx,
            };
            crate::web::html_status(status, &page)
        }
    }
}

#[derive(Deserialize)]
pub struct Empty {}

#[post("/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    user: Option<CurrentUser>,
    req: HttpRequest,
    _form: CsrfForm<Empty>,
) -> HttpResponse {
    if let Some(u) = user {
        // The cookie's session stops working even if a copy of the cookie was kept; the
        // user's sessions elsewhere go on.
        let session = actix_web::HttpMessage::extensions(&req)
            .get::<super::sessions::SessionOf>()
            .cloned();
        let _ = super::sessions::end_this(&state, &u, session.as_ref()).await;
    }
    let mut res = redirect_with_flash("/login", "info", "flash-signed-out");
    let _ = res.add_cookie(&removal(super::TOKEN_COOKIE));
    res
}

fn lang_cookie(l: Locale) -> Cookie<'static> {
    Cookie::build(LANG_COOKIE, l.tag())
        .path("/")
        .same_site(SameSite::Lax)
        .max_age(CookieDuration::days(365))
        .finish()
}

/// The language switcher: remembers the choice in a cookie and goes back.
#[get("/lang/{tag}")]
pub async fn switch_language(
    path: web::Path<String>,
    q: crate::web::Query<NextQuery>,
) -> Result<HttpResponse, AppError> {
    let l = Locale::from_tag(&path).ok_or(AppError::NotFound)?;
    let mut res = redirect(&safe_next(q.next.as_deref()));
    let _ = res.add_cookie(&lang_cookie(l));
    Ok(res)
}

#[derive(Template)]
#[template(path = "auth/account.html")]
struct AccountPage {
    ctx: PageCtx,
    errors: FormErrors,
    /// Which topics of notices also come by email (`crate::notices`).
    prefs: Vec<crate::notices::store::Preference>,
}

#[get("/account")]
pub async fn account(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let prefs = crate::notices::store::preferences(&state.db.read, user.id).await?;
    Ok(crate::web::html(&AccountPage {
        ctx,
        errors: FormErrors::default(),
        prefs,
    }))
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

#[post("/account/password")]
pub async fn account_password(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    form: CsrfForm<PasswordForm>,
) -> HttpResponse {
    let f = form.0;
    let result = if f.new_password != f.confirm_password {
        Err(AppError::field(
            "confirm_password",
            RuleCode::PasswordsDiffer,
        ))
    } else {
        api::change_password(
            &state,
            &user,
            &api::PasswordChange {
                current_password: f.current_password,
                new_password: f.new_password,
            },
        )
        .await
    };
    match result {
        Ok(version) => {
            // Every session ended; this browser, which just gave the password, signs in again.
            let mut res = redirect_with_flash("/account", "success", "flash-password-changed");
            let now = state.now();
            let sid = super::token::new_session_id();
            if let Ok(t) = state.keys.issue_for(
                user.id,
                user.role.as_str(),
                version,
                &sid,
                now.timestamp(),
                now,
            ) {
                let _ = res.add_cookie(&token_cookie(&state, t));
            }
            res
        }
        Err(e) => {
            let status = e.status();
            let errors = FormErrors::from_error(&e, ctx.locale);
            let prefs = crate::notices::store::preferences(&state.db.read, user.id)
                .await
                .unwrap_or_default();
            crate::web::html_status(status, &AccountPage { ctx, errors, prefs })
        }
    }
}

/// "Sign out everywhere" on the account page: every session of the user ends, this one too.
#[post("/account/sign-out-everywhere")]
pub async fn account_sign_out_everywhere(
    state: web::Data<AppState>,
    user: CurrentUser,
    _form: CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    super::sessions::end_own(&state, &user, "user.sign_out_everywhere").await?;
    let mut res = redirect_with_flash("/login", "info", "flash-signed-out-everywhere");
    let _ = res.add_cookie(&removal(super::TOKEN_COOKIE));
    Ok(res)
}

#[derive(Deserialize)]
pub struct LocaleForm {
    #[serde(default)]
    locale: String,
}

#[post("/account/locale")]
pub async fn account_locale(
    state: web::Data<AppState>,
    user: CurrentUser,
    form: CsrfForm<LocaleForm>,
) -> Result<HttpResponse, AppError> {
    api::change_locale(&state, &user, &form.0.locale).await?;
    let l = Locale::from_tag(&form.0.locale).unwrap_or_default();
    let mut res = redirect_with_flash("/account", "success", "flash-locale-changed");
    let _ = res.add_cookie(&lang_cookie(l));
    Ok(res)
}
