//! Forgotten passwords: a request by email address answers the same whether an account
//! exists or not, and queues (only for an active account) an email with a single-use link
//! valid for 30 minutes. Only the token's SHA-256 is stored. Requests are throttled per
//! address and per client address in the database (`login_failures`, under keys of their
//! own), so every instance counts alike. Setting the new password consumes the token and
//! every other open token of the user, and is audited.
//!
//! A reset ends every session of the user (`super::sessions`): tokens issued before are refused.

pub mod api;
pub mod pages;

use super::throttle;
use crate::audit::{self, Actor, Change};
use crate::error::{AppError, AppResult, RuleCode};
use crate::i18n::Locale;
use crate::mail::{self, Email};
use crate::state::AppState;
use chrono::{DateTime, Duration, Utc};
use entity::{password_reset, user};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use sha2::Digest;
use validator::Validate;

/// How long an emailed link works.
pub const VALID_MINUTES: i64 = 30;
/// Requests per email address within the window.
const PER_ACCOUNT: u64 = 3;
/// Requests per client address within the window (an office shares one).
const PER_ADDRESS: u64 = 20;

/// The stored form of a token: its SHA-256, in hex.
pub fn hash_token(token: &str) -> String {
    hex::encode(sha2::Sha256::digest(token.trim().as_bytes()))
}

/// A fresh token: 32 random bytes, in hex.
pub fn new_token() -> String {
    let mut raw = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut raw);
    hex::encode(raw)
}

/// Whether a token created at `created` still works at `now`.
pub fn still_valid(
    expires_at: DateTime<Utc>,
    used_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> bool {
    used_at.is_none() && now < expires_at
}

fn account_key(email: &str) -> String {
    format!("reset:{}", throttle::account_key(email))
}

fn address_key(addr: &str) -> String {
    format!("reset:{}", throttle::address_key(addr))
}

fn window(state: &AppState) -> Duration {
    Duration::minutes(state.config.login_window_minutes.max(1))
}

#[derive(Debug, Validate)]
struct NewPassword {
    #[validate(length(min = 8, max = 200, code = "password_length"))]
    new_password: String,
}

/// Someone (at `addr`) asks for a reset link for `email`. Answers `Ok` whether or not an
/// account has that address; only the throttle can refuse, and it counts both alike.
pub async fn request(state: &AppState, email: &str, addr: &str) -> AppResult<()> {
    let email = email.trim().to_lowercase();
    if email.is_empty() {
        return Err(AppError::field("email", RuleCode::Required));
    }
    let now = state.now();
    let window = window(state);
    let found = user::Entity::find()
        .filter(user::Column::Email.eq(&email))
        .filter(user::Column::Active.eq(true))
        .one(&state.db.read)
        .await?;
    // Counted like sign-in attempts: reserved (and kept: a request is used up once made)
    // before anything else, so simultaneous requests cannot slip past the limit.
    let _kept = throttle::reserve_keys(
        &state.db,
        &[
            (address_key(addr), PER_ADDRESS),
            (account_key(&email), PER_ACCOUNT),
        ],
        window,
        now,
    )
    .await?;
    let txn = state.db.begin_write().await?;
    let mut queued = false;
    if let Some(u) = found {
        let token = new_token();
        password_reset::Entity::insert(password_reset::ActiveModel {
            token_hash: Set(hash_token(&token)),
            user_id: Set(u.id),
            requested_from: Set(addr.chars().take(100).collect()),
            created_at: Set(now),
            expires_at: Set(now + Duration::minutes(VALID_MINUTES)),
            used_at: Set(None),
            ..Default::default()
        })
        .exec(&txn)
        .await?;
        let base_url = state.config.base_url();
        let locale = u
            .locale
            .as_deref()
            .and_then(Locale::from_tag)
            .unwrap_or_default();
        mail::enqueue(
            &txn,
            Email {
                kind: "password_reset",
                to: &u.email,
                locale,
                args: vec![
                    ("name", u.display_name.clone()),
                    ("link", format!("{base_url}/password/reset?token={token}")),
                    ("minutes", VALID_MINUTES.to_string()),
                ],
            },
            &base_url,
            now,
        )
        .await?;
        audit::record(
            &txn,
            &Actor {
                id: Some(u.id),
                label: u.email.clone(),
            },
            now,
            Change::new("user.password_reset_request", "user", u.id)
                .after(serde_json::json!({ "address": addr })),
        )
        .await?;
        queued = true;
    }
    txn.commit().await?;
    if queued {
        state.mail_wake.notify_one();
    }
    Ok(())
}

/// The open reset of `token`, if it still works at `now`.
pub async fn open_reset(
    conn: &impl ConnectionTrait,
    token: &str,
    now: DateTime<Utc>,
) -> AppResult<password_reset::Model> {
    password_reset::Entity::find()
        .filter(password_reset::Column::TokenHash.eq(hash_token(token)))
        .one(conn)
        .await?
        .filter(|r| still_valid(r.expires_at, r.used_at, now))
        .ok_or_else(|| AppError::field("token", RuleCode::VerificationLinkInvalid))
}

/// Sets a new password through an emailed link: the token is used up with every other open
/// token of its user, failed sign-ins of the account are forgotten, and the change audited.
pub async fn reset(state: &AppState, token: &str, new_password: &str) -> AppResult<()> {
    let now = state.now();
    open_reset(&state.db.read, token, now).await?;
    NewPassword {
        new_password: new_password.to_string(),
    }
    .validate()
    .map_err(|e| AppError::Validation(e.into()))?;
    // Hashed before the write lock is taken (argon2 is slow on purpose).
    let hash = super::password::hash(new_password.to_string()).await?;
    let txn = state.db.begin_write().await?;
    let claimed = password_reset::Entity::update_many()
        .col_expr(password_reset::Column::UsedAt, Expr::value(Some(now)))
        .filter(password_reset::Column::TokenHash.eq(hash_token(token)))
        .filter(password_reset::Column::UsedAt.is_null())
        .filter(password_reset::Column::ExpiresAt.gt(now))
        .exec(&txn)
        .await?;
    if claimed.rows_affected != 1 {
        return Err(AppError::field("token", RuleCode::VerificationLinkInvalid));
    }
    let r = password_reset::Entity::find()
        .filter(password_reset::Column::TokenHash.eq(hash_token(token)))
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::field("token", RuleCode::VerificationLinkInvalid))?;
    let u = user::Entity::find_by_id(r.user_id)
        .filter(user::Column::Active.eq(true))
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::field("token", RuleCode::VerificationLinkInvalid))?;
    user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(hash))
        .filter(user::Column::Id.eq(u.id))
        .exec(&txn)
        .await?;
    super::sessions::end_all(&txn, u.id, now).await?;
    let others = password_reset::Entity::update_many()
        .col_expr(password_reset::Column::UsedAt, Expr::value(Some(now)))
        .filter(password_reset::Column::UserId.eq(u.id))
        .filter(password_reset::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    throttle::clear_account(&txn, &u.email).await?;
    audit::record(
        &txn,
        &Actor {
            id: Some(u.id),
            label: u.email.clone(),
        },
        now,
        Change::new("user.password_reset", "user", u.id).after(serde_json::json!({
            "reset": r.id,
            "other_links_closed": others.rows_affected,
        })),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_stored_only_as_its_sha256() {
        let t = new_token();
        assert_eq!(t.len(), 64);
        assert_ne!(t, new_token(), "tokens are random");
        let h = hash_token(&t);
        assert_eq!(h.len(), 64);
        assert_ne!(h, t);
        assert_eq!(
            h,
            hash_token(&format!(" {t}\n")),
            "a pasted link's spaces do not matter"
        );
        assert_eq!(
            hash_token("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn a_token_works_until_its_half_hour_is_over_and_only_once() {
        let now = Utc::now();
        let expires = now + Duration::minutes(VALID_MINUTES);
        assert!(still_valid(expires, None, now + Duration::minutes(29)));
        assert!(!still_valid(expires, None, now + Duration::minutes(30)));
        assert!(!still_valid(expires, Some(now), now));
    }

    #[test]
    fn its_throttle_counts_apart_from_failed_sign_ins() {
        assert_ne!(account_key("a@b.test"), throttle::account_key("a@b.test"));
        assert_eq!(account_key(" A@B.test"), account_key("a@b.test"));
        assert_ne!(address_key("1.2.3.4"), throttle::address_key("1.2.3.4"));
    }
}
