//! The inbox and the email preferences in the database. Notices are written by
//! [`crate::mail`] in the transaction that queues the email; reading and marking read only
//! ever touch the signed-in user's own notices (another user's answers "not found").

use super::rules;
use crate::audit::{self, Change};
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult, RuleCode};
use crate::i18n::Locale;
use chrono::{DateTime, Utc};
use entity::{notice, notice_preference, user};
use sea_orm::ExprTrait;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use utoipa::ToSchema;

/// Notices per page of the inbox.
pub const PAGE_SIZE: u64 = 30;

/// Puts one notice of `kind` into each user's inbox (the caller's transaction). `args` are
/// each user's message arguments, in the order of `users`.
pub async fn record(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    users: &[(&user::Model, Vec<(&str, String)>)],
    kind: &str,
    link: Option<&str>,
) -> AppResult<()> {
    let mut batch = crate::db::Batch::new();
    record_into(&mut batch, now, users, kind, link);
    batch.run(conn).await?;
    Ok(())
}

/// [`record`]'s inserts, added to `batch` for the caller to run.
pub fn record_into(
    batch: &mut crate::db::Batch,
    now: DateTime<Utc>,
    users: &[(&user::Model, Vec<(&str, String)>)],
    kind: &str,
    link: Option<&str>,
) {
    use sea_orm::QueryTrait;
    // In batches: a job may tell hundreds of users at once, and SQLite caps a statement's
    // parameters.
    for chunk in users.chunks(500) {
        batch.insert(
            notice::Entity::insert_many(chunk.iter().map(|(u, args)| notice::ActiveModel {
                user_id: Set(u.id),
                kind: Set(kind.to_string()),
                args: Set(rules::args_json(args)),
                link: Set(link.map(str::to_string)),
                created_at: Set(now),
                read_at: Set(None),
                ..Default::default()
            }))
            .into_query(),
        );
    }
}

/// Whether the user `user_id` (an expression: a column of the statement that queues the
/// mail) turned email off for `topic` (likewise), as an `EXISTS` to put in that statement.
/// A null user is never muted: mail not tied to a user, or of a kind that always goes.
pub fn email_muted_expr(
    user_id: sea_orm::sea_query::Expr,
    topic: sea_orm::sea_query::Expr,
) -> sea_orm::sea_query::Expr {
    use sea_orm::sea_query::{Expr, Query};
    let p = |c: notice_preference::Column| Expr::col((notice_preference::Entity, c));
    Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from(notice_preference::Entity)
            .and_where(p(notice_preference::Column::UserId).eq(user_id))
            .and_where(p(notice_preference::Column::Topic).eq(topic))
            .and_where(p(notice_preference::Column::Email).eq(false))
            .to_owned(),
    )
}

/// A notice as its reader sees it, in their language.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NoticeView {
    pub id: i64,
    /// The kind of event (the mail kind), e.g. `statement_issued`.
    pub kind: String,
    /// The topic the email preference is chosen for.
    pub topic: String,
    pub subject: String,
    pub body: String,
    /// The portal path of the item, e.g. `/statements/3`.
    pub link: Option<String>,
    pub created_at: DateTime<Utc>,
    pub read: bool,
}

impl NoticeView {
    pub fn of(n: notice::Model, locale: Locale) -> Self {
        let owned = rules::args_of(&n.args);
        let args: Vec<(&str, String)> =
            owned.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        NoticeView {
            subject: locale.ta(&format!("mail-{}-subject", n.kind), &args),
            body: locale.ta(&format!("mail-{}-body", n.kind), &args),
            topic: rules::topic_of(&n.kind).to_string(),
            id: n.id,
            kind: n.kind,
            link: n.link,
            created_at: n.created_at,
            read: n.read_at.is_some(),
        }
    }
}

/// How many of the user's notices are unread.
pub async fn unread_count(conn: &impl ConnectionTrait, user_id: i64) -> AppResult<u64> {
    Ok(notice::Entity::find()
        .filter(notice::Column::UserId.eq(user_id))
        .filter(notice::Column::ReadAt.is_null())
        .count(conn)
        .await?)
}

/// One page of the user's notices, newest first, and how many they have in all.
pub async fn page_of(
    conn: &impl ConnectionTrait,
    user_id: i64,
    page: u64,
) -> AppResult<(Vec<notice::Model>, u64)> {
    let pages = notice::Entity::find()
        .filter(notice::Column::UserId.eq(user_id))
        .order_by_desc(notice::Column::Id)
        .paginate(conn, PAGE_SIZE);
    let total = pages.num_items().await?;
    let rows = pages.fetch_page(crate::paging::page_index(page)).await?;
    Ok((rows, total))
}

/// The user's own notice `id`; another user's is "not found", as if it did not exist.
pub async fn own(conn: &impl ConnectionTrait, user_id: i64, id: i64) -> AppResult<notice::Model> {
    notice::Entity::find_by_id(id)
        .filter(notice::Column::UserId.eq(user_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

// Marking read is the reader's own bookkeeping, like a page's scroll position: it changes
// nothing anyone else sees or relies on, so it leaves no audit record.

/// Marks the user's notice `id` read (once: the first reading's time is kept).
pub async fn mark_read(
    conn: &impl ConnectionTrait,
    user_id: i64,
    id: i64,
    now: DateTime<Utc>,
) -> AppResult<notice::Model> {
    notice::Entity::update_many()
        .col_expr(notice::Column::ReadAt, Expr::value(Some(now)))
        .filter(notice::Column::Id.eq(id))
        .filter(notice::Column::UserId.eq(user_id))
        .filter(notice::Column::ReadAt.is_null())
        .exec(conn)
        .await?;
    own(conn, user_id, id).await
}

/// Marks every unread notice of the user read; answers how many were.
pub async fn mark_all_read(
    conn: &impl ConnectionTrait,
    user_id: i64,
    now: DateTime<Utc>,
) -> AppResult<u64> {
    let r = notice::Entity::update_many()
        .col_expr(notice::Column::ReadAt, Expr::value(Some(now)))
        .filter(notice::Column::UserId.eq(user_id))
        .filter(notice::Column::ReadAt.is_null())
        .exec(conn)
        .await?;
    Ok(r.rows_affected)
}

/// Whether notices of one topic also come by email.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Preference {
    /// One of `suppliers`, `stock`, `requisitions`, `settlement`, `procurement`, `tenders`,
    /// `prices`, `other`.
    pub topic: String,
    pub email: bool,
}

/// The user's choice for every topic (email unless turned off).
pub async fn preferences(conn: &impl ConnectionTrait, user_id: i64) -> AppResult<Vec<Preference>> {
    let off: HashSet<String> = notice_preference::Entity::find()
        .filter(notice_preference::Column::UserId.eq(user_id))
        .filter(notice_preference::Column::Email.eq(false))
        .all(conn)
        .await?
        .into_iter()
        .map(|p| p.topic)
        .collect();
    Ok(rules::TOPICS
        .iter()
        .map(|t| Preference {
            topic: (*t).to_string(),
            email: !off.contains(*t),
        })
        .collect())
}

/// Sets the user's choices (the caller's transaction), with an audit record of what changed.
/// An unknown topic refuses the whole change.
pub async fn set_preferences(
    txn: &DatabaseTransaction,
    user: &CurrentUser,
    now: DateTime<Utc>,
    choices: &[Preference],
) -> AppResult<Vec<Preference>> {
    let mut errors = crate::error::FieldErrors::new();
    for (i, c) in choices.iter().enumerate() {
        if !rules::TOPICS.contains(&c.topic.as_str()) {
            errors.add(&format!("preferences.{i}.topic"), RuleCode::Invalid);
        }
    }
    errors.into_result()?;
    let before = preferences(txn, user.id).await?;
    for c in choices {
        notice_preference::Entity::insert(notice_preference::ActiveModel {
            user_id: Set(user.id),
            topic: Set(c.topic.clone()),
            email: Set(c.email),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::columns([
                notice_preference::Column::UserId,
                notice_preference::Column::Topic,
            ])
            .update_column(notice_preference::Column::Email)
            .to_owned(),
        )
        .exec_without_returning(txn)
        .await?;
    }
    let after = preferences(txn, user.id).await?;
    audit::record(
        txn,
        &user.actor(),
        now,
        Change::new("user.notice_preferences", "user", user.id)
            .before(&before)
            .after(&after),
    )
    .await?;
    Ok(after)
}
