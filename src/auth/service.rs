//! Signing in, shared by the API and the login page.

use super::{CurrentUser, throttle};
use crate::audit::{self, Change};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use entity::user;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

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

/// Checks the password (after the throttle), records the sign-in and issues a token.
pub async fn login(
    state: &AppState,
    email: &str,
    password: &str,
    addr: &str,
) -> AppResult<SignedIn> {
    let email = email.trim().to_lowercase();
    let now = state.now();
    throttle::check(&state.db.read, &limits(state), &email, addr, now).await?;
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
        throttle::record_failure(&txn, &email, addr, now).await?;
        txn.commit().await?;
        return Err(AppError::BadCredentials);
    };
    let current =
        CurrentUser::from_model(&found).ok_or_else(|| AppError::Internal("unknown role".into()))?;
    throttle::clear_account(&txn, &email).await?;
    let locale = found.locale.clone();
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
    let token = state.keys.issue(current.id, current.role.as_str(), now)?;
    Ok(SignedIn {
        user: current,
        token,
        expires_at: now + state.keys.lifetime,
        locale,
    })
}

/// Resolves a token to its user; a token of a deactivated or deleted user is invalid.
pub async fn resolve(
    state: &AppState,
    token: &str,
) -> Result<(CurrentUser, super::token::Claims), AppError> {
    let claims = state.keys.check(token, state.now())?;
    let id: i64 = claims.sub.parse().map_err(|_| AppError::TokenInvalid)?;
    let u = user::Entity::find_by_id(id).one(&state.db.read).await?;
    let u = u.filter(|u| u.active).ok_or(AppError::TokenInvalid)?;
    if u.sessions_valid_from
        .is_some_and(|from| claims.iat < from.timestamp())
    {
        return Err(AppError::TokenInvalid);
    }
    let cu = CurrentUser::from_model(&u).ok_or(AppError::TokenInvalid)?;
    Ok((cu, claims))
}
