//! Signing in, shared by the API and the login page.

use super::{CurrentUser, throttle};
use crate::audit::{self, Change};
use crate::error::{AppError, AppResult, RuleCode};
use crate::state::AppState;
use entity::{ended_session, setting, user};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult,
    QueryFilter, QueryTrait,
};

pub struct SignedIn {
    pub user: CurrentUser,
    pub token: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    pub locale: Option<String>,
}

fn limits(state: &AppState) -> throttle::Limits {
    throttle::Limits {
        per_account: state.config.login_max_failures,
        per_address: state.config.login_max_failures * 4,
        window: chrono::Duration::minutes(state.config.login_window_minutes),
    }
}

/// Reserves the attempt with the throttle, checks the password, records the sign-in and issues
/// a token. An applicant whose email is not confirmed yet is refused (after the password
/// check, so the answer tells nothing to whoever does not know it).
pub async fn login(
    state: &AppState,
    email: &str,
    password: &str,
    addr: &str,
) -> AppResult<SignedIn> {
    let email = email.trim().to_lowercase();
    let now = state.now();
    let reservation = throttle::reserve(&state.db, &limits(state), &email, addr, now).await?;
    let found = user::Entity::find()
        .filter(user::Column::Email.eq(&email))
        .one(&state.db.read)
        .await?;
    let stored = found
        .as_ref()
        .filter(|u| u.active)
        .map(|u| u.password_hash.clone());
    let ok = super::password::verify(password.to_string(), stored).await?;
    let txn = state.db.begin_write().await?;
    let Some(found) = found.filter(|_| ok) else {
        throttle::settle(&txn, reservation, throttle::Outcome::Wrong, &email).await?;
        txn.commit().await?;
        return Err(AppError::BadCredentials);
    };
    throttle::settle(&txn, reservation, throttle::Outcome::Right, &email).await?;
    if !found.email_verified {
        txn.commit().await?;
        return Err(AppError::Rule(RuleCode::EmailNotVerified));
    }
    let current =
        CurrentUser::from_model(&found).ok_or_else(|| AppError::Internal("unknown role".into()))?;
    let locale = found.locale.clone();
    let version = found.token_version;
    let mut am: user::ActiveModel = found.into();
    am.last_login_at = Set(Some(now));
    am.update(&txn).await?;
    audit::record(
        &txn,
        &current.actor(),
        now,
        Change::new("user.login", "user", current.id).after(serde_json::json!({ "address": addr })),
    )
    .await?;
    txn.commit().await?;
    let token = state.keys.issue_for(
        current.id,
        current.role.as_str(),
        version,
        &super::token::new_session_id(),
        now.timestamp(),
        now,
    )?;
    Ok(SignedIn {
        user: current,
        token,
        expires_at: now + state.keys.lifetime,
        locale,
    })
}

/// Resolves a token to its user. Refused: a token of a deactivated or deleted user, one
/// issued under an earlier token version (its sessions were ended) or before
/// `sessions_valid_from`, one of a session signed out, and one whose session signed in `session_max_hours` ago or more
/// (`TokenExpired`), however often it was renewed.
pub async fn resolve(
    state: &AppState,
    token: &str,
) -> Result<(CurrentUser, super::token::Claims), AppError> {
    let now = state.now();
    let claims = state.keys.check(token, now)?;
    let id: i64 = claims.sub.parse().map_err(|_| AppError::TokenInvalid)?;
    // The user, whether this session was signed out (the user's other sessions go on) and
    // the sessions' limit, in one read: every request asks.
    let mut q = user::Entity::find_by_id(id).into_query();
    q.expr_as(
        Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from(ended_session::Entity)
                .and_where(ended_session::Column::Sid.eq(claims.sid.clone()))
                .to_owned(),
        ),
        "session_ended",
    )
    .expr_as(
        Expr::from(
            Query::select()
                .column(setting::Column::Value)
                .from(setting::Entity)
                .and_where(setting::Column::Key.eq(crate::settings::SESSION_MAX_HOURS))
                .to_owned(),
        ),
        "session_max_hours",
    );
    let Some(row) = state.db.read.query_one(&q).await? else {
        return Err(AppError::TokenInvalid);
    };
    let u = user::Model::from_query_result(&row, "")?;
    if !u.active
        || claims.ver != u.token_version
        || u.sessions_valid_from
            .is_some_and(|from| claims.iat < from.timestamp())
    {
        return Err(AppError::TokenInvalid);
    }
    let ended: bool = row.try_get("", "session_ended")?;
    if !claims.sid.is_empty() && ended {
        return Err(AppError::TokenInvalid);
    }
    let max_hours = crate::settings::session_max_hours_of(row.try_get("", "session_max_hours")?);
    if super::token::session_over(claims.signed_in_at(), max_hours, now) {
        return Err(AppError::TokenExpired);
    }
    let cu = CurrentUser::from_model(&u).ok_or(AppError::TokenInvalid)?;
    Ok((cu, claims))
}

/// A fresh token for `user`'s session of `claims` (renewal while in use): same version, same
/// sign-in time, so renewal never outlives `session_max_hours`.
pub fn renew(
    state: &AppState,
    user: &CurrentUser,
    claims: &super::token::Claims,
) -> AppResult<String> {
    state.keys.issue_for(
        user.id,
        user.role.as_str(),
        claims.ver,
        &claims.sid,
        claims.signed_in_at(),
        state.now(),
    )
}
