//! Slowing down password guessing: after too many failures for one account or one address
//! within a window, sign-in is refused until the window has moved on. Counted in the
//! database so that every instance sees the same count.

use crate::error::{AppError, AppResult};
use chrono::{DateTime, Duration, Utc};
use entity::login_failure;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

pub struct Limits {
    pub per_account: u64,
    /// Several people can share one office address, so it gets more room.
    pub per_address: u64,
    pub window: Duration,
}

pub fn account_key(email: &str) -> String {
    format!("account:{}", email.trim().to_lowercase())
}

pub fn address_key(addr: &str) -> String {
    format!("address:{addr}")
}

/// Seconds until the oldest counted failure leaves the window, when `count` reached `max`.
pub fn retry_after(
    count: u64,
    max: u64,
    oldest: Option<DateTime<Utc>>,
    window: Duration,
    now: DateTime<Utc>,
) -> Option<i64> {
    if count < max {
        return None;
    }
    let oldest = oldest?;
    Some(((oldest + window) - now).num_seconds().max(1))
}

async fn check_key(
    conn: &impl ConnectionTrait,
    key: &str,
    max: u64,
    window: Duration,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let rows: Vec<DateTime<Utc>> = login_failure::Entity::find()
        .select_only()
        .column(login_failure::Column::At)
        .filter(login_failure::Column::Key.eq(key))
        .filter(login_failure::Column::At.gt(now - window))
        .order_by_desc(login_failure::Column::At)
        .limit(max)
        .into_tuple()
        .all(conn)
        .await?;
    match retry_after(rows.len() as u64, max, rows.last().copied(), window, now) {
        Some(retry_after_secs) => Err(AppError::TooManyAttempts { retry_after_secs }),
        None => Ok(()),
    }
}

pub async fn check(
    conn: &impl ConnectionTrait,
    limits: &Limits,
    email: &str,
    addr: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    check_key(
        conn,
        &account_key(email),
        limits.per_account,
        limits.window,
        now,
    )
    .await?;
    check_key(
        conn,
        &address_key(addr),
        limits.per_address,
        limits.window,
        now,
    )
    .await
}

pub async fn record_failure(
    conn: &impl ConnectionTrait,
    email: &str,
    addr: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    login_failure::Entity::insert_many([
        login_failure::ActiveModel {
            key: Set(account_key(email)),
            at: Set(now),
            ..Default::default()
        },
        login_failure::ActiveModel {
            key: Set(address_key(addr)),
            at: Set(now),
            ..Default::default()
        },
    ])
    .exec(conn)
    .await?;
    Ok(())
}

pub async fn clear_account(conn: &impl ConnectionTrait, email: &str) -> AppResult<()> {
    login_failure::Entity::delete_many()
        .filter(login_failure::Column::Key.eq(account_key(email)))
        .exec(conn)
        .await?;
    Ok(())
}

/// Removes failures older than the window; the housekeeping job calls it.
pub async fn purge(conn: &impl ConnectionTrait, before: DateTime<Utc>) -> AppResult<u64> {
    let r = login_failure::Entity::delete_many()
        .filter(login_failure::Column::At.lt(before))
        .exec(conn)
        .await?;
    Ok(r.rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fifth_failure_locks_until_the_first_leaves_the_window() {
        let now = Utc::now();
        let w = Duration::minutes(15);
        assert_eq!(
            retry_after(4, 5, Some(now - Duration::minutes(1)), w, now),
            None
        );
        assert_eq!(
            retry_after(5, 5, Some(now - Duration::minutes(5)), w, now),
            Some(600)
        );
    }

    #[test]
    fn accounts_are_counted_whatever_the_case_of_the_email() {
        assert_eq!(
            account_key(" Admin@Demo.test "),
            account_key("admin@demo.test")
        );
    }
}
