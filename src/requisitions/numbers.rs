//! Document numbers (`LL-202612-0001`, `CK-…`, `YS-…`): one counter row per (kind, month)
//! in `document_counters`, incremented inside the transaction that issues the document. The
//! upsert takes the row's lock, so racing transactions (several instances on one PostgreSQL,
//! or SQLite's single writer) are given numbers one after another, and a rolled-back
//! transaction gives its number back. A unique index on each number is the last guard.
//!
//! Lock order: a counter is taken after the listings and lots a transaction changes and
//! before the audit head (`crate::audit::record` comes last), as every writer does.

use super::rules::{DocKind, document_number, month_key};
use crate::error::{AppError, AppResult};
use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DbBackend, Statement};

/// The next number of `kind` for a document issued on `day` (the company's calendar day).
/// Joins the caller's transaction.
pub async fn allocate(
    conn: &impl ConnectionTrait,
    kind: DocKind,
    day: NaiveDate,
) -> AppResult<String> {
    let backend = conn.get_database_backend();
    let (a, b) = if backend == DbBackend::Postgres {
        ("$1", "$2")
    } else {
        ("?", "?")
    };
    let row = conn
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            format!(
                "INSERT INTO document_counters (kind, month, n) VALUES ({a}, {b}, 1) \
                 ON CONFLICT (kind, month) DO UPDATE SET n = document_counters.n + 1 \
                 RETURNING n"
            ),
            [kind.prefix().into(), month_key(day).into()],
        ))
        .await?
        .ok_or_else(|| AppError::Internal("document counter not returned".into()))?;
    let n: i64 = row.try_get("", "n")?;
    Ok(document_number(kind, day, n))
}
