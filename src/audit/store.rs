//! Writing, searching and verifying the audit log.

use super::chain::{ChainBreak, EntryContent, entry_hash};
use crate::error::AppResult;
use chrono::{DateTime, SecondsFormat, Utc};
use entity::{audit_head, audit_log};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Statement,
};
use serde::Serialize;

/// Who made a change: a signed-in user, or the system (jobs, command line).
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: Option<i64>,
    pub label: String,
}

impl Actor {
    pub fn system(label: &str) -> Self {
        Self {
            id: None,
            label: label.to_string(),
        }
    }
}

/// One change to record.
pub struct Change<'a> {
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl<'a> Change<'a> {
    pub fn new(action: &'a str, entity: &'a str, entity_id: impl ToString) -> Self {
        Self {
            action,
            entity,
            entity_id: entity_id.to_string(),
            before: None,
            after: None,
        }
    }

    pub fn before(mut self, v: impl Serialize) -> Self {
        self.before = serde_json::to_value(v).ok();
        self
    }

    pub fn after(mut self, v: impl Serialize) -> Self {
        self.after = serde_json::to_value(v).ok();
        self
    }
}

fn json_text(v: &Option<serde_json::Value>) -> String {
    v.as_ref().map(|v| v.to_string()).unwrap_or_default()
}

/// Appends `change` to the chain, inside the caller's transaction.
///
/// Advancing the head row first takes its row lock, so concurrent writers (even in other
/// processes sharing PostgreSQL) append one after another and the chain never forks.
pub async fn record(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    at: DateTime<Utc>,
    change: Change<'_>,
) -> AppResult<()> {
    if conn.get_database_backend() == DbBackend::Postgres {
        return record_one_in_one_statement(conn, actor, at, change).await;
    }
    record_all(conn, actor, at, vec![change]).await
}

/// [`record`] on PostgreSQL in one statement: the head advanced, the entry hashed in SQL as
/// [`entry_hash`] hashes it (each part's length as eight big-endian bytes, then its UTF-8
/// bytes, under SHA-256) and inserted, its trigger setting the head's hash. Every writer
/// waits for the head's row lock until its transaction ends, so the fewer round trips hold
/// it, the more transactions commit per second; `portal audit verify` and the tests check
/// each such entry against [`entry_hash`].
async fn record_one_in_one_statement(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    at: DateTime<Utc>,
    change: Change<'_>,
) -> AppResult<()> {
    const PART: &str =
        "int8send(octet_length(convert_to(#, 'UTF8'))::int8) || convert_to(#, 'UTF8')";
    let part = |x: &str| PART.replace('#', x);
    let hashed = [
        part("head.hash"),
        part("head.seq::text"),
        part("$1::text"),
        part("$2::text"),
        part("$3::text"),
        part("$4::text"),
        part("$5::text"),
        part("$6::text"),
        part("$7::text"),
        part("$8::text"),
    ]
    .join(" || ");
    let sql = format!(
        "WITH head AS (UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash) \
         INSERT INTO audit_log (seq, at, actor_id, actor, action, entity, entity_id, before, \
         after, prev_hash, hash) \
         SELECT head.seq, $9, $10, $3, $4, $5, $6, $7, $8, head.hash, \
         encode(sha256({hashed}), 'hex') FROM head"
    );
    let at_text = at.to_rfc3339_opts(SecondsFormat::Micros, true);
    let done = conn
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            sql,
            [
                at_text.into(),
                actor.id.map(|i| i.to_string()).unwrap_or_default().into(),
                actor.label.clone().into(),
                change.action.into(),
                change.entity.into(),
                change.entity_id.into(),
                json_text(&change.before).into(),
                json_text(&change.after).into(),
                at.into(),
                actor.id.into(),
            ],
        ))
        .await?;
    if done.rows_affected() != 1 {
        return Err(crate::error::AppError::Internal(
            "audit head missing".into(),
        ));
    }
    Ok(())
}

/// Appends `changes` to the chain in their order, inside the caller's transaction, in two
/// statements whatever their number: the head advanced by all of them at once, then the
/// entries (in batches of [`ENTRIES_PER_INSERT`]); the last entry sets the head's hash by
/// trigger (migration 000026).
pub async fn record_all(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    at: DateTime<Utc>,
    changes: Vec<Change<'_>>,
) -> AppResult<()> {
    for batch in chained(conn, actor, at, changes).await? {
        audit_log::Entity::insert_many(batch)
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// [`record`], with `batch` (writes of the same transaction that nobody reads the result of)
/// sent in as few round trips as the database allows: on SQLite the head is advanced, then
/// the batch and the entry go together; on PostgreSQL the batch goes first, then the entry
/// in its one statement (which takes the head's lock last, as every writer does).
pub async fn record_with(
    conn: &impl ConnectionTrait,
    mut batch: crate::db::Batch,
    actor: &Actor,
    at: DateTime<Utc>,
    change: Change<'_>,
) -> AppResult<()> {
    use sea_orm::QueryTrait;
    if conn.get_database_backend() == DbBackend::Postgres {
        batch.run(conn).await?;
        return record_one_in_one_statement(conn, actor, at, change).await;
    }
    for entries in chained(conn, actor, at, vec![change]).await? {
        batch.insert(audit_log::Entity::insert_many(entries).into_query());
    }
    batch.run(conn).await?;
    Ok(())
}

/// Advances the head by `changes` (one statement) and answers their entries, hashed in
/// order from the head's hash, in batches of [`ENTRIES_PER_INSERT`] for the caller to
/// insert; the last entry inserted sets the head's hash by trigger (migration 000026).
async fn chained(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    at: DateTime<Utc>,
    changes: Vec<Change<'_>>,
) -> AppResult<Vec<Vec<audit_log::ActiveModel>>> {
    if changes.is_empty() {
        return Ok(Vec::new());
    }
    let backend = conn.get_database_backend();
    let placeholder = if backend == DbBackend::Postgres {
        "$1"
    } else {
        "?"
    };
    let n = i64::try_from(changes.len()).unwrap_or(i64::MAX);
    let row = conn
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            format!(
                "UPDATE audit_head SET seq = seq + {placeholder} WHERE id = 1 RETURNING seq, hash"
            ),
            [n.into()],
        ))
        .await?
        .ok_or_else(|| crate::error::AppError::Internal("audit head missing".into()))?;
    let last: i64 = row.try_get("", "seq")?;
    let mut prev: String = row.try_get("", "hash")?;
    let at_text = at.to_rfc3339_opts(SecondsFormat::Micros, true);
    let mut entries = Vec::with_capacity(changes.len());
    for (seq, change) in (last - n + 1..).zip(changes) {
        let before = json_text(&change.before);
        let after = json_text(&change.after);
        let content = EntryContent {
            seq,
            at: &at_text,
            actor_id: actor.id,
            actor: &actor.label,
            action: change.action,
            entity: change.entity,
            entity_id: &change.entity_id,
            before: &before,
            after: &after,
        };
        let hash = entry_hash(&prev, &content);
        entries.push(audit_log::ActiveModel {
            seq: Set(seq),
            at: Set(at),
            actor_id: Set(actor.id),
            actor: Set(actor.label.clone()),
            action: Set(change.action.to_string()),
            entity: Set(change.entity.to_string()),
            entity_id: Set(change.entity_id),
            before: Set(before),
            after: Set(after),
            prev_hash: Set(std::mem::replace(&mut prev, hash.clone())),
            hash: Set(hash),
            ..Default::default()
        });
    }
    Ok(entries
        .chunks(ENTRIES_PER_INSERT)
        .map(<[audit_log::ActiveModel]>::to_vec)
        .collect())
}

/// Entries per multi-row insert: 11 values each, under SQLite's limit on a statement's
/// parameters.
const ENTRIES_PER_INSERT: usize = 500;

/// The outcome of walking the whole chain.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Verification {
    pub ok: bool,
    pub entries: i64,
    /// What broke first, in words, when `ok` is false.
    pub problem: Option<String>,
    pub problem_seq: Option<i64>,
}

/// How long the web answers a verification again for an unchanged chain head.
pub const VERIFY_REUSE: chrono::Duration = chrono::Duration::minutes(5);

/// The last verification the web asked for, with the head it walked to.
struct LastVerification {
    /// `AppState::instance`: one process may serve several databases (the tests do).
    instance: String,
    head: (i64, String),
    at: DateTime<Utc>,
    outcome: Verification,
}

static LAST_VERIFICATION: std::sync::Mutex<Option<LastVerification>> = std::sync::Mutex::new(None);

/// [`verify`] for the web (`GET /api/audit/verify`, the audit page), **cached by chain head**
/// (issue 14: every call re-hashed the whole chain, so anyone allowed to read the audit could
/// keep the database busy). While the head (`audit_head`: last seq and hash) is the one the
/// last walk ended at, and for at most [`VERIFY_REUSE`] after it, the last outcome is answered
/// after reading the head only. A new entry changes the head and so walks again; an entry
/// altered in place (which leaves the head as it is) is found by the first walk after the
/// five minutes. The command line (`portal audit verify`) always walks the whole chain.
pub async fn verify_cached(
    conn: &impl ConnectionTrait,
    instance: &str,
    now: DateTime<Utc>,
) -> AppResult<Verification> {
    let head = audit_head::Entity::find_by_id(1)
        .one(conn)
        .await?
        .map(|h| (h.seq, h.hash))
        .unwrap_or_default();
    if let Ok(last) = LAST_VERIFICATION.lock()
        && let Some(l) = last.as_ref()
        && l.instance == instance
        && l.head == head
        && l.at <= now
        && now - l.at < VERIFY_REUSE
    {
        return Ok(l.outcome.clone());
    }
    let outcome = verify(conn).await?;
    if let Ok(mut last) = LAST_VERIFICATION.lock() {
        *last = Some(LastVerification {
            instance: instance.to_string(),
            head,
            at: now,
            outcome: outcome.clone(),
        });
    }
    Ok(outcome)
}

/// Walks the chain in order, in pages, recomputing every hash.
pub async fn verify(conn: &impl ConnectionTrait) -> AppResult<Verification> {
    let mut prev_hash = String::new();
    let mut expected_seq = 1i64;
    let mut last_id = 0i64;
    let mut count = 0i64;
    let mut problem: Option<ChainBreak> = None;
    'walk: loop {
        let page = audit_log::Entity::find()
            .filter(audit_log::Column::Id.gt(last_id))
            .order_by_asc(audit_log::Column::Id)
            .limit(2000)
            .all(conn)
            .await?;
        if page.is_empty() {
            break;
        }
        for e in &page {
            last_id = e.id;
            count += 1;
            if e.seq != expected_seq || e.prev_hash != prev_hash {
                problem = Some(ChainBreak::Missing {
                    after_seq: expected_seq - 1,
                });
                break 'walk;
            }
            let at_text = e.at.to_rfc3339_opts(SecondsFormat::Micros, true);
            let content = EntryContent {
                seq: e.seq,
                at: &at_text,
                actor_id: e.actor_id,
                actor: &e.actor,
                action: &e.action,
                entity: &e.entity,
                entity_id: &e.entity_id,
                before: &e.before,
                after: &e.after,
            };
            if entry_hash(&prev_hash, &content) != e.hash {
                problem = Some(ChainBreak::Altered { seq: e.seq });
                break 'walk;
            }
            prev_hash = e.hash.clone();
            expected_seq += 1;
        }
    }
    if problem.is_none() {
        let head = audit_head::Entity::find_by_id(1).one(conn).await?;
        if let Some(h) = head
            && (h.seq != expected_seq - 1 || h.hash != prev_hash)
        {
            problem = Some(ChainBreak::HeadMismatch {
                head_seq: h.seq,
                last_seq: expected_seq - 1,
            });
        }
    }
    let (text, seq) = match &problem {
        None => (None, None),
        Some(ChainBreak::Altered { seq }) => (Some(format!("entry {seq} was altered")), Some(*seq)),
        Some(ChainBreak::Missing { after_seq }) => (
            Some(format!(
                "an entry after {after_seq} is missing or out of order"
            )),
            Some(*after_seq + 1),
        ),
        Some(ChainBreak::HeadMismatch { head_seq, last_seq }) => (
            Some(format!(
                "the chain ends at {last_seq} but {head_seq} entries were written"
            )),
            Some(*last_seq + 1),
        ),
    };
    Ok(Verification {
        ok: problem.is_none(),
        entries: count,
        problem: text,
        problem_seq: seq,
    })
}

/// Filters for the audit search.
#[derive(Debug, Default, Clone, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Part of the actor's email or name.
    pub actor: Option<String>,
    /// Action prefix, e.g. `user.` or `user.create`.
    pub action: Option<String>,
    /// Entity kind, e.g. `user`.
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    /// Earliest date (inclusive), `YYYY-MM-DD`.
    pub from: Option<chrono::NaiveDate>,
    /// Latest date (inclusive), `YYYY-MM-DD`.
    pub to: Option<chrono::NaiveDate>,
    pub page: Option<u64>,
}

pub const PAGE_SIZE: u64 = 50;

/// Rule 14 on the log's readers: the entries about bids (`bid.*`, entity `bid`) of tenders
/// not yet opened. The chain keeps them (`verify` walks every entry); the reads leave them out
/// until the tender opens, for every reader. Which bids that is comes from the tenders' own
/// tables, so the entries appear by themselves once the tender is opened.
fn sealed_entries() -> sea_orm::Condition {
    use sea_orm::sea_query::Query;
    let unopened = Query::select()
        .column(entity::tender::Column::Id)
        .from(entity::tender::Entity)
        .and_where(entity::tender::Column::OpenedAt.is_null())
        .to_owned();
    let bids = Query::select()
        .expr(sea_orm::sea_query::ExprTrait::cast_as(
            sea_orm::sea_query::Expr::col(entity::bid::Column::Id),
            sea_orm::sea_query::Alias::new(SEALED_ID_TEXT),
        ))
        .from(entity::bid::Entity)
        .and_where(entity::bid::Column::TenderId.in_subquery(unopened))
        .to_owned();
    sea_orm::Condition::all()
        .add(audit_log::Column::Entity.eq("bid"))
        .add(audit_log::Column::EntityId.in_subquery(bids))
}

/// The text type a bid's id is compared as (`entity_id` is text); `TEXT` on both backends.
const SEALED_ID_TEXT: &str = "TEXT";

/// The entries `q` asks for, newest first, a page of them and how many there are in all;
/// never the sealed ones ([`sealed_entries`]).
pub async fn search(
    conn: &impl ConnectionTrait,
    q: &AuditQuery,
    page: u64,
    tz: chrono_tz::Tz,
) -> AppResult<(Vec<audit_log::Model>, u64)> {
    let mut sel = audit_log::Entity::find().filter(sealed_entries().not());
    if let Some(a) = q.actor.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        sel = sel.filter(crate::search::contains(audit_log::Column::Actor, a));
    }
    if let Some(a) = q.action.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        sel = sel.filter(crate::search::starts_with(audit_log::Column::Action, a));
    }
    if let Some(e) = q.entity.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        sel = sel.filter(audit_log::Column::Entity.eq(e));
    }
    if let Some(e) = q
        .entity_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        sel = sel.filter(audit_log::Column::EntityId.eq(e));
    }
    if let Some(from) = q.from {
        sel = sel.filter(audit_log::Column::At.gte(crate::time::start_of_day(from, tz)));
    }
    if let Some(next) =
        q.to.and_then(|to| to.checked_add_days(chrono::Days::new(1)))
    {
        sel = sel.filter(audit_log::Column::At.lt(crate::time::start_of_day(next, tz)));
    }
    let pages = sel
        .clone()
        .order_by_desc(audit_log::Column::Seq)
        .paginate(conn, PAGE_SIZE);
    let total = pages.num_items().await?;
    let rows = pages.fetch_page(crate::paging::page_index(page)).await?;
    Ok((rows, total))
}
