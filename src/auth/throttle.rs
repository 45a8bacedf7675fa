//! Slowing down password guessing: after too many failures for one account or one address
//! within a window, sign-in is refused until the window has moved on. Counted in the
//! database so that every instance sees the same count, and reserved before the password is
//! checked ([`reserve`], then [`settle`] by the rule of [`settlement`]), so simultaneous
//! guesses cannot all read the count before any of them adds to it. The public application
//! form and the reset link requests count under keys of their own the same way.

use crate::db::Db;
use crate::error::{AppError, AppResult};
use chrono::{DateTime, Duration, Utc};
use entity::login_failure;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Statement,
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

/// Whether an attempt goes on to the password check: `counted` is the number of attempts of
/// its key within the window, itself included (its reservation is written with the count,
/// under the key's lock, so simultaneous attempts count one after another).
pub fn admits(counted: u64, max: u64) -> bool {
    counted <= max
}

/// What an attempt turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The throttle refused it: it was never checked.
    Refused,
    /// The password was wrong (or the account unknown or inactive).
    Wrong,
    /// The password was right.
    Right,
}

/// What becomes of an attempt's reservation once its outcome is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settlement {
    /// The reservation rows stay, counted as failures until they leave the window.
    pub keep: bool,
    /// The account's earlier failures are forgotten (its owner proved the password).
    pub clear_account: bool,
}

/// The rule: a refused attempt gives its reservation back (it was not evaluated, and waiting
/// must end the lock), a wrong one keeps it as its failure, a right one gives it back and
/// forgets the account's failures, so a successful sign-in never counts as a failure.
pub fn settlement(outcome: Outcome) -> Settlement {
    match outcome {
        Outcome::Refused => Settlement {
            keep: false,
            clear_account: false,
        },
        Outcome::Wrong => Settlement {
            keep: true,
            clear_account: false,
        },
        Outcome::Right => Settlement {
            keep: false,
            clear_account: true,
        },
    }
}

/// The rows an admitted attempt reserved, to [`settle`] once its outcome is known.
#[derive(Debug)]
#[must_use]
pub struct Reservation {
    ids: Vec<i64>,
}

async fn release(conn: &impl ConnectionTrait, ids: &[i64]) -> AppResult<()> {
    if !ids.is_empty() {
        login_failure::Entity::delete_many()
            .filter(login_failure::Column::Id.is_in(ids.iter().copied()))
            .exec(conn)
            .await?;
    }
    Ok(())
}

/// Reserves one attempt under each of `keys` (a key and its most attempts within `window`),
/// in a write transaction of its own that holds the keys' lock while it counts and writes, so
/// simultaneous attempts on every instance take their turns: on PostgreSQL an advisory lock
/// per key (taken in a fixed order), on SQLite the file's write lock. Answers
/// `TooManyAttempts`, writing nothing, when any key is at its limit.
pub async fn reserve_keys(
    db: &Db,
    keys: &[(String, u64)],
    window: Duration,
    now: DateTime<Utc>,
) -> AppResult<Reservation> {
    let txn = db.begin_write().await?;
    if db.backend() == DbBackend::Postgres {
        let mut sorted: Vec<&str> = keys.iter().map(|(k, _)| k.as_str()).collect();
        sorted.sort_unstable();
        sorted.dedup();
        for key in sorted {
            txn.execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_advisory_xact_lock(hashtext('portal-throttle:' || current_schema() || ':' || $1))",
                [key.into()],
            ))
            .await?;
        }
    }
    for (key, max) in keys {
        let rows: Vec<DateTime<Utc>> = login_failure::Entity::find()
            .select_only()
            .column(login_failure::Column::At)
            .filter(login_failure::Column::Key.eq(key))
            .filter(login_failure::Column::At.gt(now - window))
            .order_by_desc(login_failure::Column::At)
            .limit(*max)
            .into_tuple()
            .all(&txn)
            .await?;
        let counted = rows.len() as u64 + 1;
        if !admits(counted, *max) {
            txn.rollback().await?;
            let retry_after_secs =
                retry_after(rows.len() as u64, *max, rows.last().copied(), window, now)
                    .unwrap_or(1);
            return Err(AppError::TooManyAttempts { retry_after_secs });
        }
    }
    let mut ids = Vec::with_capacity(keys.len());
    for (key, _) in keys {
        let r = login_failure::Entity::insert(login_failure::ActiveModel {
            key: Set(key.clone()),
            at: Set(now),
            ..Default::default()
        })
        .exec(&txn)
        .await?;
        ids.push(r.last_insert_id);
    }
    txn.commit().await?;
    Ok(Reservation { ids })
}

/// Reserves a sign-in attempt for `email` from `addr`, before its password is checked.
pub async fn reserve(
    db: &Db,
    limits: &Limits,
    email: &str,
    addr: &str,
    now: DateTime<Utc>,
) -> AppResult<Reservation> {
    reserve_keys(
        db,
        &[
            (account_key(email), limits.per_account),
            (address_key(addr), limits.per_address),
        ],
        limits.window,
        now,
    )
    .await
}

/// Settles a sign-in attempt's reservation by [`settlement`] (joins the caller's transaction).
pub async fn settle(
    conn: &impl ConnectionTrait,
    reservation: Reservation,
    outcome: Outcome,
    email: &str,
) -> AppResult<()> {
    let s = settlement(outcome);
    if !s.keep {
        release(conn, &reservation.ids).await?;
    }
    if s.clear_account {
        clear_account(conn, email).await?;
    }
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
    fn of_simultaneous_attempts_only_those_counted_within_the_limit_are_checked() {
        // Thirty attempts counted one after another: the counts run up to thirty.
        let checked = (1..=30).filter(|n| admits(*n, 5)).count();
        assert_eq!(checked, 5);
        assert!(admits(5, 5), "the fifth attempt is still checked");
        assert!(!admits(6, 5), "the sixth is not");
    }

    #[test]
    fn a_right_password_gives_its_reservation_back_and_a_wrong_one_keeps_it() {
        assert_eq!(
            settlement(Outcome::Right),
            Settlement {
                keep: false,
                clear_account: true
            }
        );
        assert_eq!(
            settlement(Outcome::Wrong),
            Settlement {
                keep: true,
                clear_account: false
            }
        );
        assert_eq!(
            settlement(Outcome::Refused),
            Settlement {
                keep: false,
                clear_account: false
            },
            "a refused attempt does not prolong the lock"
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
