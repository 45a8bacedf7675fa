//! The database's own rates: the portal's SQL as plain SQL through sqlx, no ORM, no HTTP.
//!
//! - [`Raw::search`] runs the statements `portal::catalogue::api::catalogue` runs for one search
//!   (its `WordFilter` gram counts, the candidates' count, `count_upto`, the page, the page's
//!   materials and suppliers), written out by hand with the same shape: the same subqueries,
//!   `EXISTS`, `IN`, `UNION ALL`, `LIMIT`s and bound values, and every column decoded.
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
    B(bool),
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
                Arg::B(v) => q.bind(*v),
                Arg::T(v) => q.bind(*v),
                Arg::D(v) => q.bind(*v),
            };
        }
        q
    }};
}

/// The portal's constants (`src/stock/api.rs`): page size, the count cap, and the thresholds
/// that decide how a word is searched.
pub const CATALOGUE_PAGE: i64 = 20;
pub const CATALOGUE_COUNT_CAP: i64 = 1000;
const SORT_CANDIDATES: i64 = 3000;
const COMMON_GRAM: i64 = 20_000;

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

/// What a raw search found: the count (as the API reports it) and the page's listing ids.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub total: i64,
    pub more: bool,
    pub ids: Vec<i64>,
}

/// A listing row, every column decoded as the ORM's model would be.
#[allow(dead_code)]
struct ListingRow {
    id: i64,
    supplier_id: i64,
    material_id: i64,
    warehouse_id: i64,
    price: i64,
    min_stock: i64,
    max_stock: i64,
    lead_time_days: i32,
    on_hand: i64,
    reserved: i64,
    active: bool,
    search_text: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

macro_rules! listing_row {
    ($r:expr) => {
        ListingRow {
            id: $r.try_get(0)?,
            supplier_id: $r.try_get(1)?,
            material_id: $r.try_get(2)?,
            warehouse_id: $r.try_get(3)?,
            price: $r.try_get(4)?,
            min_stock: $r.try_get(5)?,
            max_stock: $r.try_get(6)?,
            lead_time_days: $r.try_get(7)?,
            on_hand: $r.try_get(8)?,
            reserved: $r.try_get(9)?,
            active: $r.try_get(10)?,
            search_text: $r.try_get(11)?,
            created_at: $r.try_get(12)?,
            updated_at: $r.try_get(13)?,
        }
    };
}

/// Every column of a material and of a supplier, decoded (their sizes are what cost).
macro_rules! decode_material {
    ($r:expr) => {{
        let _: (i64, String, i64, String, String, String, String, i64, bool) = (
            $r.try_get(0)?,
            $r.try_get(1)?,
            $r.try_get(2)?,
            $r.try_get(3)?,
            $r.try_get(4)?,
            $r.try_get(5)?,
            $r.try_get(6)?,
            $r.try_get(7)?,
            $r.try_get(8)?,
        );
    }};
}

macro_rules! decode_supplier {
    ($r:expr) => {{
        let _: (i64, String, Option<String>, String, String, String, String) = (
            $r.try_get(0)?,
            $r.try_get(1)?,
            $r.try_get(2)?,
            $r.try_get(3)?,
            $r.try_get(4)?,
            $r.try_get(5)?,
            $r.try_get(6)?,
        );
        let _: (DateTime<Utc>, DateTime<Utc>, String, String, String, String) = (
            $r.try_get(7)?,
            $r.try_get(8)?,
            $r.try_get(9)?,
            $r.try_get(10)?,
            $r.try_get(11)?,
            $r.try_get(12)?,
        );
        let _: (
            Option<DateTime<Utc>>,
            Option<DateTime<Utc>>,
            Option<NaiveDate>,
            Option<NaiveDate>,
            Option<NaiveDate>,
            String,
            i32,
        ) = (
            $r.try_get(13)?,
            $r.try_get(14)?,
            $r.try_get(15)?,
            $r.try_get(16)?,
            $r.try_get(17)?,
            $r.try_get(18)?,
            $r.try_get(19)?,
        );
    }};
}

const LISTING_COLUMNS: &str = "listings.id, listings.supplier_id, listings.material_id, \
    listings.warehouse_id, listings.price, listings.min_stock, listings.max_stock, \
    listings.lead_time_days, listings.on_hand, listings.reserved, listings.active, \
    listings.search_text, listings.created_at, listings.updated_at";
const MATERIAL_COLUMNS: &str =
    "id, code, category_id, name_zh, name_en, spec, unit_code, indicative_price, active";
const SUPPLIER_COLUMNS: &str = "id, legal_name, credit_code, status, contact_name, \
    contact_phone, contact_email, created_at, updated_at, legal_representative, address, \
    bank_name, bank_account, submitted_at, admitted_at, next_review_on, suspended_until, \
    review_reminded_on, status_reason, confirmed_failures";

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

    /// `SELECT COUNT(*) FROM (…) AS sub`: one number.
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

    /// `COUNT(*)` of `inner`, read no further than `cap` rows (the portal's `count_upto`).
    async fn count_upto(&self, inner: &str, args: &[Arg], cap: i64) -> Result<i64, BenchError> {
        let mut args = args.to_vec();
        args.push(Arg::I(cap));
        self.count(
            &format!("SELECT COUNT(*) AS n FROM ({inner} LIMIT ?) AS sub"),
            &args,
        )
        .await
    }

    /// One catalogue search: the same statements, in the same order, as the portal's.
    pub async fn search(&self, s: &Search) -> Result<Found, BenchError> {
        let mut filter = String::from(
            "listings.active = ? AND EXISTS (SELECT 1 FROM suppliers \
             WHERE suppliers.id = listings.supplier_id AND status = ?)",
        );
        let mut args = vec![Arg::B(true), Arg::S("admitted".into())];
        let mut word_filters: Vec<(String, Vec<Arg>)> = Vec::new();
        let mut narrowed: Option<std::collections::BTreeSet<i64>> = None;
        for word in s.q.split_whitespace().take(5) {
            let (confirm, args, candidates) = self.word_filter(word).await?;
            word_filters.push((confirm, args));
            if let Some(c) = candidates {
                narrowed = Some(match narrowed {
                    None => c,
                    Some(n) => n.intersection(&c).copied().collect(),
                });
            }
        }
        if let Some(c) = s.category_id {
            filter.push_str(
                " AND listings.material_id IN (SELECT id FROM materials WHERE category_id = ?)",
            );
            args.push(Arg::I(c));
        }
        if s.in_stock {
            filter.push_str(" AND listings.on_hand - listings.reserved > ?");
            args.push(Arg::I(0));
        }
        for (sql, a) in word_filters {
            filter.push_str(" AND ");
            filter.push_str(&sql);
            args.extend(a);
        }
        if let Some(ids) = narrowed {
            if ids.is_empty() {
                // What sea-query writes for an empty IN list.
                filter.push_str(" AND 1 = 2");
            } else {
                filter.push_str(&format!(
                    " AND listings.id IN ({})",
                    vec!["?"; ids.len()].join(", ")
                ));
                args.extend(ids.into_iter().map(Arg::I));
            }
        }
        let page = s.page.clamp(1, 10_000);
        let offset = (page - 1) * CATALOGUE_PAGE;
        let cap = offset + CATALOGUE_COUNT_CAP;
        let counted = self
            .count_upto(
                &format!("SELECT listings.id FROM listings WHERE {filter}"),
                &args,
                cap + 1,
            )
            .await?;
        let order = match s.sort {
            Some("price") => "listings.price ASC",
            Some("-price") => "listings.price DESC",
            _ => "listings.search_text ASC",
        };
        let page_sql = placeholders(
            self.backend(),
            &format!(
                "SELECT {LISTING_COLUMNS} FROM listings WHERE {filter} \
                 ORDER BY {order}, listings.id ASC LIMIT ? OFFSET ?"
            ),
        );
        let mut page_args = args.clone();
        page_args.push(Arg::I(CATALOGUE_PAGE));
        page_args.push(Arg::I(offset));
        let rows: Vec<ListingRow> = match self {
            Raw::Sqlite { read, .. } => {
                let rows = bind_args!(sqlx::query(AssertSqlSafe(page_sql)), &page_args)
                    .fetch_all(read)
                    .await?;
                let mut out = Vec::with_capacity(rows.len());
                for r in &rows {
                    out.push(listing_row!(r));
                }
                out
            }
            Raw::Postgres(p) => {
                let rows = bind_args!(sqlx::query(AssertSqlSafe(page_sql)), &page_args)
                    .fetch_all(p)
                    .await?;
                let mut out = Vec::with_capacity(rows.len());
                for r in &rows {
                    out.push(listing_row!(r));
                }
                out
            }
        };
        let material_ids: Vec<Arg> = rows.iter().map(|l| Arg::I(l.material_id)).collect();
        let supplier_ids: Vec<Arg> = rows.iter().map(|l| Arg::I(l.supplier_id)).collect();
        let in_list = |n: usize| {
            if n == 0 {
                // What sea-query writes for an empty IN list.
                "1 = 2".to_string()
            } else {
                format!("id IN ({})", vec!["?"; n].join(", "))
            }
        };
        let materials_sql = placeholders(
            self.backend(),
            &format!(
                "SELECT {MATERIAL_COLUMNS} FROM materials WHERE {}",
                in_list(material_ids.len())
            ),
        );
        let suppliers_sql = placeholders(
            self.backend(),
            &format!(
                "SELECT {SUPPLIER_COLUMNS} FROM suppliers WHERE {}",
                in_list(supplier_ids.len())
            ),
        );
        match self {
            Raw::Sqlite { read, .. } => {
                for r in &bind_args!(sqlx::query(AssertSqlSafe(materials_sql)), &material_ids)
                    .fetch_all(read)
                    .await?
                {
                    decode_material!(r);
                }
                for r in &bind_args!(sqlx::query(AssertSqlSafe(suppliers_sql)), &supplier_ids)
                    .fetch_all(read)
                    .await?
                {
                    decode_supplier!(r);
                }
            }
            Raw::Postgres(p) => {
                for r in &bind_args!(sqlx::query(AssertSqlSafe(materials_sql)), &material_ids)
                    .fetch_all(p)
                    .await?
                {
                    decode_material!(r);
                }
                for r in &bind_args!(sqlx::query(AssertSqlSafe(suppliers_sql)), &supplier_ids)
                    .fetch_all(p)
                    .await?
                {
                    decode_supplier!(r);
                }
            }
        }
        Ok(Found {
            total: counted.min(cap),
            more: counted > cap,
            ids: rows.iter().map(|l| l.id).collect(),
        })
    }

    /// The portal's `WordFilter`: `LIKE` on the listing's text decides; the word's rarest
    /// grams give its candidate listings when the word is rare enough (fetched, at most
    /// `SORT_CANDIDATES`). Answers the condition, its values and the candidates.
    async fn word_filter(
        &self,
        word: &str,
    ) -> Result<(String, Vec<Arg>, Option<std::collections::BTreeSet<i64>>), BenchError> {
        let pattern = portal::search::like_pattern(word);
        let confirm = "listings.search_text LIKE ? ESCAPE '\\'".to_string();
        let plain = (confirm.clone(), vec![Arg::S(pattern.clone())], None);
        let Some(grams) = portal::search::word_grams(word) else {
            return Ok(plain);
        };
        let mut counted = Vec::new();
        for gram in grams.into_iter().take(8) {
            let (sql, args) = materials_with(std::slice::from_ref(&gram));
            let n = self.count_upto(&sql, &args, COMMON_GRAM + 1).await?;
            counted.push((n, gram));
            if n == 0 {
                break;
            }
        }
        counted.sort();
        if counted.first().is_none_or(|(n, _)| *n > COMMON_GRAM) {
            return Ok(plain);
        }
        let grams: Vec<String> = counted.into_iter().take(4).map(|(_, g)| g).collect();
        let (mat_sql, mut cand_args) = materials_with(&grams);
        let cand_sql = placeholders(
            self.backend(),
            &format!(
                "SELECT id FROM listings WHERE material_id IN ({mat_sql}) \
                 UNION ALL SELECT id FROM listings WHERE supplier_id IN \
                 (SELECT id FROM suppliers WHERE LOWER(legal_name) LIKE ? ESCAPE '\\') LIMIT ?"
            ),
        );
        cand_args.push(Arg::S(pattern.clone()));
        cand_args.push(Arg::I(SORT_CANDIDATES + 1));
        let mut ids = std::collections::BTreeSet::new();
        match self {
            Raw::Sqlite { read, .. } => {
                for r in &bind_args!(sqlx::query(AssertSqlSafe(cand_sql)), &cand_args)
                    .fetch_all(read)
                    .await?
                {
                    ids.insert(r.try_get::<i64, _>(0)?);
                }
            }
            Raw::Postgres(p) => {
                for r in &bind_args!(sqlx::query(AssertSqlSafe(cand_sql)), &cand_args)
                    .fetch_all(p)
                    .await?
                {
                    ids.insert(r.try_get::<i64, _>(0)?);
                }
            }
        }
        let candidates = (ids.len() as i64 <= SORT_CANDIDATES).then_some(ids);
        Ok((confirm, vec![Arg::S(pattern)], candidates))
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

/// The materials whose text holds every one of `grams` (the portal's `materials_with`): the
/// first gram's range of the index, each row probed for the others.
fn materials_with(grams: &[String]) -> (String, Vec<Arg>) {
    let mut sql = String::from("SELECT g0.material_id FROM material_grams g0 WHERE g0.gram = ?");
    let mut args = vec![Arg::S(grams.first().cloned().unwrap_or_default())];
    for (i, gram) in grams.iter().enumerate().skip(1) {
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM material_grams g{i} WHERE g{i}.gram = ? \
             AND g{i}.material_id = g0.material_id)"
        ));
        args.push(Arg::S(gram.clone()));
    }
    (sql, args)
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
