//! The database's own rates: the portal's SQL as plain SQL through sqlx, no ORM, no HTTP.
//! (The catalogue's raw rate is its search engine's alone: `crate::catalogue`.)
//!
//! - [`Raw::reserve`] is a single reserve transaction: the conditional decrement of what is
//!   available plus one ledger insert.
//! - [`Raw::close_aggregate`] and [`Raw::stale_update`] are the period close and the stale scan
//!   written as one SQL statement each.
//!
//! The pools are shaped as the portal's (`src/db.rs`): on SQLite WAL, `synchronous=NORMAL`,
//! foreign keys, a busy timeout, one writer and `pool` readers; on PostgreSQL one pool.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::DbBackend;
use sea_orm::sqlx::postgres::{PgPool, PgPoolOptions, PgRow};
use sea_orm::sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sea_orm::sqlx::{self, AssertSqlSafe, Row};
use std::str::FromStr;
use std::time::Duration;

use crate::BenchError;

/// Rewrites `?` placeholders as PostgreSQL's `$1, $2, …` (the SQL here has no `?` in literals).
pub fn placeholders(backend: DbBackend, sql: &str) -> String {
    if backend != DbBackend::Postgres {
        return sql.to_string();
    }
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(c);
        }
    }
    out
}

/// A bound value.
#[derive(Clone, Debug)]
pub enum Arg {
    I(i64),
    S(String),
    T(DateTime<Utc>),
    D(NaiveDate),
}

macro_rules! bind_args {
    ($query:expr, $args:expr) => {{
        let mut q = $query;
        for a in $args {
            q = match a {
                Arg::I(v) => q.bind(*v),
                Arg::S(v) => q.bind(v.clone()),
                Arg::T(v) => q.bind(*v),
                Arg::D(v) => q.bind(*v),
            };
        }
        q
    }};
}

/// A catalogue search, as `GET /api/catalogue` takes it.
#[derive(Clone, Debug, Default)]
pub struct Search {
    pub q: String,
    pub category_id: Option<i64>,
    pub in_stock: bool,
    pub sort: Option<&'static str>,
    pub page: i64,
}

impl Search {
    /// The query string of this search.
    pub fn query_string(&self) -> String {
        let mut parts = vec![format!("q={}", urlencoding::encode(&self.q))];
        if let Some(c) = self.category_id {
            parts.push(format!("category_id={c}"));
        }
        if self.in_stock {
            parts.push("in_stock=true".into());
        }
        if let Some(s) = self.sort {
            parts.push(format!("sort={s}"));
        }
        if self.page > 1 {
            parts.push(format!("page={}", self.page));
        }
        parts.join("&")
    }
}

/// What a search found: the count (as the API reports it) and the page's listing ids.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub total: i64,
    pub more: bool,
    pub ids: Vec<i64>,
}

/// Connections to the benchmark's database, for the raw measurements.
pub enum Raw {
    Sqlite { write: SqlitePool, read: SqlitePool },
    Postgres(PgPool),
}

impl Raw {
    /// Opens pools shaped as the portal's: `url` is `sqlite://…` or `postgres://…` (with the
    /// schema in its `options`).
    pub async fn connect(url: &str, pool: u32) -> Result<Raw, BenchError> {
        if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)?
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10));
            let write = SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(opts.clone())
                .await?;
            let read = SqlitePoolOptions::new()
                .max_connections(pool.max(1))
                .connect_with(opts)
                .await?;
            Ok(Raw::Sqlite { write, read })
        } else {
            let p = PgPoolOptions::new()
                .max_connections(pool.max(2))
                .connect(url)
                .await?;
            Ok(Raw::Postgres(p))
        }
    }

    pub fn backend(&self) -> DbBackend {
        match self {
            Raw::Sqlite { .. } => DbBackend::Sqlite,
            Raw::Postgres(_) => DbBackend::Postgres,
        }
    }

    pub async fn close(&self) {
        match self {
            Raw::Sqlite { write, read } => {
                read.close().await;
                write.close().await;
            }
            Raw::Postgres(p) => p.close().await,
        }
    }

    /// `SELECT COUNT(*) …`: one number.
    async fn count(&self, sql: &str, args: &[Arg]) -> Result<i64, BenchError> {
        let sql = placeholders(self.backend(), sql);
        Ok(match self {
            Raw::Sqlite { read, .. } => {
                let row: SqliteRow = bind_args!(sqlx::query(AssertSqlSafe(sql)), args)
                    .fetch_one(read)
                    .await?;
                row.try_get(0)?
            }
            Raw::Postgres(p) => {
                let row: PgRow = bind_args!(sqlx::query(AssertSqlSafe(sql)), args)
                    .fetch_one(p)
                    .await?;
                row.try_get(0)?
            }
        })
    }

    /// A single reserve transaction: what is available shrinks by `quantity` only if it is
    /// there, and the ledger gets its row. Answers whether the stock was there.
    #[allow(clippy::too_many_arguments)]
    pub async fn reserve(
        &self,
        listing_id: i64,
        lot_id: i64,
        supplier_id: i64,
        price: i64,
        quantity: i64,
        at: DateTime<Utc>,
        on: NaiveDate,
    ) -> Result<bool, BenchError> {
        const UPDATE: &str = "UPDATE listings SET reserved = reserved + ? \
                              WHERE id = ? AND on_hand - reserved >= ?";
        const INSERT: &str = "INSERT INTO movements (lot_id, listing_id, supplier_id, \
             warehouse_id, kind, quantity, unit_price, amount, requisition_line_id, site_id, \
             on_date, at, by_user, note) VALUES (?, ?, ?, 1, 'bench_reserve', 0, ?, 0, NULL, \
             NULL, ?, ?, NULL, '')";
        let up = [Arg::I(quantity), Arg::I(listing_id), Arg::I(quantity)];
        let ins = [
            Arg::I(lot_id),
            Arg::I(listing_id),
            Arg::I(supplier_id),
            Arg::I(price),
            Arg::D(on),
            Arg::T(at),
        ];
        match self {
            Raw::Sqlite { write, .. } => {
                // As the portal's writes: the file's write lock first (BEGIN IMMEDIATE).
                let mut tx = write.begin_with("BEGIN IMMEDIATE").await?;
                let r = bind_args!(sqlx::query(UPDATE), &up)
                    .execute(&mut *tx)
                    .await?;
                if r.rows_affected() != 1 {
                    tx.rollback().await?;
                    return Ok(false);
                }
                bind_args!(sqlx::query(INSERT), &ins)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
            }
            Raw::Postgres(p) => {
                let mut tx = p.begin().await?;
                let r = bind_args!(
                    sqlx::query(AssertSqlSafe(placeholders(DbBackend::Postgres, UPDATE))),
                    &up
                )
                .execute(&mut *tx)
                .await?;
                if r.rows_affected() != 1 {
                    tx.rollback().await?;
                    return Ok(false);
                }
                bind_args!(
                    sqlx::query(AssertSqlSafe(placeholders(DbBackend::Postgres, INSERT))),
                    &ins
                )
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
            }
        }
        Ok(true)
    }

    /// Undoes what the reserve transactions did, so that the portal finds the data as made.
    pub async fn undo_reserves(&self) -> Result<(), BenchError> {
        const SQL: [&str; 2] = [
            "DELETE FROM movements WHERE kind = 'bench_reserve'",
            "UPDATE listings SET reserved = 0 WHERE reserved <> 0",
        ];
        for sql in SQL {
            match self {
                Raw::Sqlite { write, .. } => {
                    sqlx::query(sql).execute(write).await?;
                }
                Raw::Postgres(p) => {
                    sqlx::query(sql).execute(p).await?;
                }
            }
        }
        Ok(())
    }

    /// The period close as one aggregate: per supplier, the count and sum of the draws not
    /// yet on any statement before the period's end. Written as one would write it by hand:
    /// "not on any statement" as `NOT EXISTS`, an anti-join through the unique index on
    /// `statement_lines.movement_id`. Answers (suppliers, draws) found.
    pub async fn close_aggregate(&self, end: DateTime<Utc>) -> Result<(i64, i64), BenchError> {
        let sql = placeholders(
            self.backend(),
            "SELECT m.supplier_id, COUNT(*), SUM(m.amount) FROM movements m \
             WHERE m.kind IN ('issue', 'site_return') AND m.at < ? \
             AND NOT EXISTS (SELECT 1 FROM statement_lines sl WHERE sl.movement_id = m.id) \
             GROUP BY m.supplier_id",
        );
        let (mut suppliers, mut draws) = (0i64, 0i64);
        match self {
            Raw::Sqlite { read, .. } => {
                for r in sqlx::query(AssertSqlSafe(sql))
                    .bind(end)
                    .fetch_all(read)
                    .await?
                {
                    suppliers += 1;
                    draws += r.try_get::<i64, _>(1)?;
                }
            }
            Raw::Postgres(p) => {
                for r in sqlx::query(AssertSqlSafe(sql))
                    .bind(end)
                    .fetch_all(p)
                    .await?
                {
                    suppliers += 1;
                    draws += r.try_get::<i64, _>(1)?;
                }
            }
        }
        Ok((suppliers, draws))
    }

    /// How many statements of `period` exist (to tell how far a stopped close got).
    pub async fn statements_of(&self, period: &str) -> Result<i64, BenchError> {
        self.count(
            "SELECT COUNT(*) FROM statements WHERE period = ?",
            &[Arg::S(period.to_string())],
        )
        .await
    }

    /// The stale scan as one `UPDATE`: every lot on hand, not yet flagged, whose last movement
    /// is more than its supplier's stale months before `as_of`, joined to the agreements
    /// (`UPDATE … FROM`, which both databases have). Run in a transaction that is rolled back,
    /// so the portal's scan finds the lots as they were. Answers the lots flagged.
    pub async fn stale_update(&self, as_of: NaiveDate) -> Result<u64, BenchError> {
        let limit = match self {
            Raw::Sqlite { .. } => "date(lots.last_movement_on, '+' || a.stale_months || ' months')",
            Raw::Postgres(_) => "lots.last_movement_on + make_interval(months => a.stale_months)",
        };
        let sql = placeholders(
            self.backend(),
            &format!(
                "UPDATE lots SET stale_flagged_on = ? FROM consignment_agreements a \
                 WHERE a.supplier_id = lots.supplier_id AND lots.quantity > 0 \
                 AND lots.stale_flagged_on IS NULL AND {limit} < ?"
            ),
        );
        Ok(match self {
            Raw::Sqlite { write, .. } => {
                let mut tx = write.begin_with("BEGIN IMMEDIATE").await?;
                let r = sqlx::query(AssertSqlSafe(sql))
                    .bind(as_of)
                    .bind(as_of)
                    .execute(&mut *tx)
                    .await?;
                tx.rollback().await?;
                r.rows_affected()
            }
            Raw::Postgres(p) => {
                let mut tx = p.begin().await?;
                let r = sqlx::query(AssertSqlSafe(sql))
                    .bind(as_of)
                    .bind(as_of)
                    .execute(&mut *tx)
                    .await?;
                tx.rollback().await?;
                r.rows_affected()
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_for_postgres_only() {
        assert_eq!(
            placeholders(DbBackend::Postgres, "a = ? AND b IN (?, ?)"),
            "a = $1 AND b IN ($2, $3)"
        );
        assert_eq!(placeholders(DbBackend::Sqlite, "a = ?"), "a = ?");
    }

    #[test]
    fn a_search_becomes_the_query_string_the_api_takes() {
        let s = Search {
            q: "水泥 42.5".into(),
            category_id: Some(3),
            in_stock: true,
            sort: Some("price"),
            page: 2,
        };
        assert_eq!(
            s.query_string(),
            "q=%E6%B0%B4%E6%B3%A5%2042.5&category_id=3&in_stock=true&sort=price&page=2"
        );
    }
}
