//! Ending sessions. All of a user's: one count per user (`users.token_version`) that every
//! sign-in token carries; adding one refuses every token issued before (401), on every instance
//! at once, since each request reads the count with the user. Password changes and resets,
//! "sign out everywhere", deactivation and an admin's reset call [`end_all`]. One: signing out
//! ends only the session it is done in ([`end_this`]: its id goes into `ended_sessions`), so
//! signing out on the phone leaves the office computer signed in.

use crate::audit::{self, Change};
use crate::error::AppResult;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use entity::user;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

/// The session a request was made in (the `sid` of its token), when it was signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionOf(pub String);

/// How long an ended session's id is kept: no token of it lives longer after its sign-in
/// (the longest `session_max_hours` allowed), and its sign-in was before it ended.
const KEEP_ENDED: chrono::Duration = chrono::Duration::hours(72);

/// Ends every session of `user_id` (joins the caller's transaction): its token version goes up
/// by one and `sessions_valid_from` records when.
pub async fn end_all(
    conn: &impl ConnectionTrait,
    user_id: i64,
    now: DateTime<Utc>,
) -> AppResult<()> {
    user::Entity::update_many()
        .col_expr(
            user::Column::TokenVersion,
            Expr::col(user::Column::TokenVersion).add(1),
        )
        .col_expr(user::Column::SessionsValidFrom, Expr::value(Some(now)))
        .filter(user::Column::Id.eq(user_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// The signed-in user signs out of the session `session` (`user.logout`), audited in the same
/// transaction: its tokens are refused from now on, the user's other sessions go on. A token
/// from before sessions had ids ends all the user's sessions instead.
pub async fn end_this(
    state: &AppState,
    user: &super::CurrentUser,
    session: Option<&SessionOf>,
) -> AppResult<()> {
    let Some(SessionOf(sid)) = session.filter(|s| !s.0.is_empty()) else {
        return end_own(state, user, "user.logout").await;
    };
    let now = state.now();
    let txn = state.db.begin_write().await?;
    entity::ended_session::Entity::insert(entity::ended_session::ActiveModel {
        sid: Set(sid.clone()),
        user_id: Set(user.id),
        ended_at: Set(now),
        forget_after: Set(now + KEEP_ENDED),
    })
    .on_conflict_do_nothing_on([entity::ended_session::Column::Sid])
    .exec_without_returning(&txn)
    .await?;
    audit::record(
        &txn,
        &user.actor(),
        now,
        Change::new("user.logout", "user", user.id),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Forgets the ended sessions no token of which can be in force at `now` (housekeeping).
pub async fn purge_ended(conn: &impl ConnectionTrait, now: DateTime<Utc>) -> AppResult<u64> {
    Ok(entity::ended_session::Entity::delete_many()
        .filter(entity::ended_session::Column::ForgetAfter.lt(now))
        .exec(conn)
        .await?
        .rows_affected)
}

/// The signed-in user ends all their sessions (`action`: `user.sign_out_everywhere`, or
/// `user.logout` for a token without a session id), audited in the same transaction.
pub async fn end_own(state: &AppState, user: &super::CurrentUser, action: &str) -> AppResult<()> {
    let now = state.now();
    let txn = state.db.begin_write().await?;
    end_all(&txn, user.id, now).await?;
    audit::record(
        &txn,
        &user.actor(),
        now,
        Change::new(action, "user", user.id),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
