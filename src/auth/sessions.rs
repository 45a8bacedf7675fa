//! Ending a user's sessions: one count per user (`users.token_version`) that every sign-in
//! token carries. Adding one refuses every token issued before (401), on every instance at
//! once, since each request reads the count with the user. Password changes and resets,
//! "sign out everywhere", signing out, deactivation and an admin's reset call [`end_all`].

use crate::audit::{self, Change};
use crate::error::AppResult;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use entity::user;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

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

/// The signed-in user ends all their sessions (`action`: `user.logout` when signing out,
/// `user.sign_out_everywhere`), audited in the same transaction.
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
