//! The catalogue's search index, kept fresh on every instance (issue 16).
//!
//! Each instance holds its own `engine::Engine` (in a scratch folder, mapped: `engine::scratch`).
//! It is built from the database at
//! start (in the background: until it is ready the catalogue answers from the database's plain
//! substring search, `api::sql_search`), then kept current from the change sequence: the
//! database's triggers (migrations 000025 and 000027) append a row to `catalogue_changes` in
//! every transaction that changes what the catalogue shows, and this module applies the rows past
//! the last it saw, every [`POLL_EVERY`] and before any search that finds newer ones. So a
//! search sees every change committed before it started, made through any instance.
//!
//! Sequence numbers are handed out when a row is written, not when its transaction commits,
//! so on PostgreSQL a number may become visible after a higher one: a number skipped over is
//! kept as a gap and looked for again until it shows or [`GAP_GRACE`] has passed (a
//! transaction rolled back leaves its numbers unused for ever). On SQLite writers take turns,
//! so numbers show in order. Rows are pruned after [`KEEP_CHANGES`]; an instance that could
//! not read them for [`REBUILD_AFTER`] (shorter) rebuilds its index instead.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use entity::{catalogue_change, listing, material, supplier};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::engine::{self, Doc, Engine, EngineError, Hits};
use crate::db::Db;
use crate::error::{AppError, AppResult};

/// How often an instance looks for changes when no search asked it to.
pub const POLL_EVERY: Duration = Duration::from_millis(250);
/// Changes applied in one round at most (the next round follows at once).
const BATCH: u64 = 5_000;
/// Listings read per query while building.
const BUILD_CHUNK: u64 = 5_000;
/// How long a skipped sequence number is looked for: longer than any transaction that
/// changes listings takes to commit (a bulk import of thousands of rows takes seconds).
const GAP_GRACE: Duration = Duration::from_secs(120);
/// Gaps kept at most (a rolled-back import of many rows leaves many): the oldest go first.
const MAX_GAPS: usize = 10_000;
/// At start, how far below the newest number skipped numbers are looked for.
const LOOKBACK: i64 = 10_000;
/// How long change rows are kept (by the database's clock).
const KEEP_CHANGES: &str = "10 minutes";
const PRUNE_EVERY: Duration = Duration::from_secs(60);
/// An instance that could not read the changes for this long may have missed pruned rows:
/// it rebuilds. Well under [`KEEP_CHANGES`].
const REBUILD_AFTER: Duration = Duration::from_secs(300);
/// How long a search waits for the changes committed before it (its own reads, or a round
/// another search or the poller is running) before it answers "unavailable": while the
/// database is away each read waits out the pool's acquire timeout, and a search behind a
/// round would otherwise wait out two of them.
const CATCH_UP_WITHIN: Duration = Duration::from_secs(5);

/// The engine and where it stands in the change sequence.
pub struct Live {
    engine: Engine,
    ready: AtomicBool,
    /// Every change up to this number that was committed when it was read is applied.
    applied: AtomicI64,
    /// Held by whoever reads and applies changes, so that rounds never interleave.
    feed: tokio::sync::Mutex<Feed>,
    /// The newest change number, read once for the searches that wait on the same read.
    newest: SharedRead,
}

/// A read shared by concurrent callers: a caller may take the answer of a read that started
/// after it arrived, as that read saw every change committed before the caller began. So the
/// 64 searches of a busy moment ask the database once or twice for the newest change number,
/// not 64 times, and each still sees every change committed before it started.
///
/// The read runs as a task of its own on the runtime the index was made on (the server's
/// main one), which publishes its answer to every caller waiting: each wakes on its own worker.
/// When the caller that started a read awaited it itself, the answer reached the others only
/// once that caller's worker was free again, and the others' worker sat idle meanwhile (a
/// third of the machine idle under 64 connections, with requests queued).
struct SharedRead {
    /// Reads started so far; a read's number is the count before it.
    started: AtomicU64,
    /// A read is under way.
    reading: Arc<AtomicBool>,
    /// The newest answer, by the number of its read (none before the first).
    last: tokio::sync::watch::Sender<Option<(u64, Answer)>>,
    /// Where reads run (the current runtime when none was found at start).
    runtime: Option<tokio::runtime::Handle>,
}

/// A read's answer, shared by its callers.
type Answer = Result<i64, Arc<AppError>>;

impl Default for SharedRead {
    fn default() -> Self {
        SharedRead {
            started: AtomicU64::new(0),
            reading: Arc::new(AtomicBool::new(false)),
            last: tokio::sync::watch::Sender::new(None),
            runtime: tokio::runtime::Handle::try_current().ok(),
        }
    }
}

impl SharedRead {
    async fn get<F>(&self, read: impl FnOnce() -> F) -> AppResult<i64>
    where
        F: std::future::Future<Output = AppResult<i64>> + Send + 'static,
    {
        let arrived = self.started.load(Ordering::Acquire);
        let mut answers = self.last.subscribe();
        let mut read = Some(read);
        loop {
            // A read numbered `arrived` or later took its number after this call began.
            if let Some((n, answer)) = &*answers.borrow_and_update()
                && *n >= arrived
            {
                return answer.clone().map_err(|e| again(&e));
            }
            // None under way (or the one under way started before this call): start one. A
            // caller never starts two, as the one it starts is numbered `arrived` or later.
            if let Some(read) = read.take_if(|_| !self.reading.swap(true, Ordering::AcqRel)) {
                let n = self.started.fetch_add(1, Ordering::AcqRel);
                let future = read();
                let last = self.last.clone();
                let reading = Reading(Arc::clone(&self.reading));
                let task = async move {
                    let answer = future.await.map_err(Arc::new);
                    // Cleared before the answer is sent: a caller woken by it that needs a
                    // newer read can then start one.
                    drop(reading);
                    last.send_if_modified(|held| {
                        let newer = held.as_ref().is_none_or(|(m, _)| *m < n);
                        if newer {
                            *held = Some((n, answer));
                        }
                        newer
                    });
                };
                match &self.runtime {
                    Some(runtime) => drop(runtime.spawn(task)),
                    None => drop(tokio::spawn(task)),
                }
            }
            if answers.changed().await.is_err() {
                return Err(AppError::Unavailable);
            }
        }
    }
}

/// Marks a read under way until dropped (also should its task panic or be cancelled).
struct Reading(Arc<AtomicBool>);

impl Drop for Reading {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

/// A shared read's error for each of its callers: the database away as such, anything else
/// as the internal error it is.
fn again(e: &AppError) -> AppError {
    match e {
        AppError::Unavailable => AppError::Unavailable,
        other => AppError::Internal(other.to_string()),
    }
}

struct Feed {
    /// The highest number read.
    seen: i64,
    /// Numbers below `seen` not read yet, with when they were first missed.
    gaps: BTreeMap<i64, Instant>,
    /// When a round last succeeded (or the index was built).
    last_ok: Instant,
    /// Whether the last round failed (so that a database outage is logged once).
    failing: bool,
}

impl std::fmt::Debug for Live {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Live")
            .field("ready", &self.is_ready())
            .field("applied", &self.applied.load(Ordering::Acquire))
            .finish_non_exhaustive()
    }
}

impl From<EngineError> for AppError {
    fn from(e: EngineError) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl Live {
    /// An empty, not yet ready index, in a scratch folder ([`Engine::on_disk`]).
    pub fn new() -> Result<Arc<Live>, EngineError> {
        Ok(Arc::new(Live {
            engine: Engine::on_disk()?,
            ready: AtomicBool::new(false),
            applied: AtomicI64::new(0),
            feed: tokio::sync::Mutex::new(Feed {
                seen: 0,
                gaps: BTreeMap::new(),
                last_ok: Instant::now(),
                failing: false,
            }),
            newest: SharedRead::default(),
        }))
    }

    /// The engine itself, for a caller that measures it alone (the benchmark's "raw" search).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Whether the index is built (until then searches go to the database).
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    /// Searches the index with every change committed before the call applied; `None` while
    /// the index is being built.
    pub async fn search(self: &Arc<Self>, db: &Db, q: &engine::Query) -> AppResult<Option<Hits>> {
        if !self.is_ready() {
            return Ok(None);
        }
        // Cancelling a round midway is safe: the feed only moves once its rows are applied,
        // and applying a listing twice leaves it as applying it once.
        tokio::time::timeout(CATCH_UP_WITHIN, self.catch_up(db))
            .await
            .map_err(|_| AppError::Unavailable)??;
        // A search takes well under a few milliseconds of CPU: run here rather than pay a
        // thread hop (actix's workers are single-threaded runtimes, where block_in_place
        // cannot be used).
        Ok(Some(self.engine.search(q)?))
    }

    /// Applies every change committed before the call.
    async fn catch_up(self: &Arc<Self>, db: &Db) -> AppResult<()> {
        let conn = db.read.clone();
        let newest = self
            .newest
            .get(|| async move { newest(&conn).await })
            .await?;
        if newest > self.applied.load(Ordering::Acquire) {
            let mut feed = self.feed.lock().await;
            // Another search's round may have applied it meanwhile.
            while newest > self.applied.load(Ordering::Acquire) {
                if self.round(db, &mut feed).await? == 0 {
                    break;
                }
            }
        }
        Ok(())
    }

    /// Builds the index from the database, replacing what it held; searches keep the old
    /// index until the new one is committed. Returns how many listings were indexed.
    pub async fn build(self: &Arc<Self>, db: &Db) -> AppResult<usize> {
        let mut feed = self.feed.lock().await;
        let started = Instant::now();
        // The newest number first: a change committed after it is applied by the next round
        // whether or not the reads below already saw it.
        let newest = newest(&db.read).await?;
        let gaps = gaps_below(&db.read, newest).await?;
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Vec<Doc>, String>>(2);
        let live = Arc::clone(self);
        let building = tokio::task::spawn_blocking(move || {
            let mut chunk = Vec::new().into_iter();
            let mut count = 0;
            let docs = std::iter::from_fn(|| {
                loop {
                    if let Some(d) = chunk.next() {
                        count += 1;
                        return Some(Ok(d));
                    }
                    match rx.blocking_recv()? {
                        Ok(next) => chunk = next.into_iter(),
                        Err(e) => return Some(Err(e)),
                    }
                }
            });
            live.engine.rebuild(docs).map(|()| count)
        });
        let mut after = i64::MIN;
        loop {
            let chunk = match load(&db.read, Scope::After(after)).await {
                Ok(c) => c,
                Err(e) => {
                    // The build stops and the index stays as it was.
                    let _ = tx.send(Err(e.to_string())).await;
                    return Err(e);
                }
            };
            let Some(last) = chunk.last() else { break };
            after = last.listing_id;
            if tx.send(Ok(chunk)).await.is_err() {
                break; // the build failed: its error is below
            }
        }
        drop(tx);
        let count = building
            .await
            .map_err(|e| AppError::Internal(e.to_string()))??;
        feed.seen = newest;
        feed.gaps = gaps;
        feed.last_ok = Instant::now();
        feed.failing = false;
        self.applied.store(newest, Ordering::Release);
        self.ready.store(true, Ordering::Release);
        tracing::info!(
            listings = count,
            secs = started.elapsed().as_secs_f64(),
            "catalogue index built"
        );
        Ok(count)
    }

    /// Reads the changes past the last seen (and the gaps) and applies them in one commit.
    /// Returns how many change rows it read.
    async fn round(self: &Arc<Self>, db: &Db, feed: &mut Feed) -> AppResult<usize> {
        let conn = &db.read;
        let mut rows = changes(Expr::col(catalogue_change::Column::Seq).gt(feed.seen))
            .limit(BATCH)
            .into_model::<Change>()
            .all(conn)
            .await?;
        let read_new = rows.len();
        let gaps: Vec<i64> = feed.gaps.keys().copied().collect();
        for chunk in gaps.chunks(500) {
            rows.extend(
                changes(Expr::col(catalogue_change::Column::Seq).is_in(chunk.to_vec()))
                    .into_model::<Change>()
                    .all(conn)
                    .await?,
            );
        }
        // Where the feed will stand once these rows are applied; kept apart until they are,
        // so that a round failing below reads the same rows again next time.
        let now = Instant::now();
        let mut seen = feed.seen;
        let mut gaps = feed.gaps.clone();
        let mut listings = BTreeSet::new();
        let mut materials = BTreeSet::new();
        let mut suppliers = BTreeSet::new();
        for r in &rows {
            if r.seq > seen {
                for skipped in seen.saturating_add(1)..r.seq {
                    gaps.insert(skipped, now);
                }
                seen = r.seq;
            } else {
                gaps.remove(&r.seq);
            }
            listings.extend(r.listing_id);
            materials.extend(r.material_id);
            suppliers.extend(r.supplier_id);
        }
        gaps.retain(|_, since| now.duration_since(*since) < GAP_GRACE);
        while gaps.len() > MAX_GAPS {
            gaps.pop_first();
        }
        if !rows.is_empty() {
            let docs = load(
                conn,
                Scope::Changed {
                    listings: listings.iter().copied().collect(),
                    materials: materials.into_iter().collect(),
                    suppliers: suppliers.into_iter().collect(),
                },
            )
            .await?;
            // A listing that changed and is no longer there is forgotten.
            let found: BTreeSet<i64> = docs.iter().map(|d| d.listing_id).collect();
            let gone: Vec<i64> = listings.difference(&found).copied().collect();
            let live = Arc::clone(self);
            tokio::task::spawn_blocking(move || live.engine.apply(&docs, &gone))
                .await
                .map_err(|e| AppError::Internal(e.to_string()))??;
        }
        feed.seen = seen;
        feed.gaps = gaps;
        feed.last_ok = now;
        self.applied.store(seen, Ordering::Release);
        Ok(read_new)
    }
}

/// Builds the index (unless it was built already), then keeps it current until the server
/// stops; prunes old change rows.
pub async fn run(live: Arc<Live>, db: Db) {
    while !live.is_ready()
        && let Err(e) = live.build(&db).await
    {
        tracing::warn!(error = %e, "catalogue index: build failed, trying again in 5 s");
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
    let mut pruned = Instant::now();
    loop {
        tokio::time::sleep(POLL_EVERY).await;
        let (stale, seen) = {
            let feed = live.feed.lock().await;
            (feed.last_ok.elapsed() > REBUILD_AFTER, feed.seen)
        };
        // The newest number never falls (pruning keeps the newest row) unless the database
        // was restored from a backup: what this index holds may then be newer than it.
        let restored = newest(&db.read).await.is_ok_and(|n| n < seen);
        if stale || restored {
            // Changes may have been pruned unread, or the database went back: start again.
            tracing::info!(stale, restored, "catalogue index: rebuilding");
            if let Err(e) = live.build(&db).await {
                tracing::warn!(error = %e, "catalogue index: rebuild failed, trying again in 5 s");
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
            continue;
        }
        let mut feed = live.feed.lock().await;
        loop {
            match live.round(&db, &mut feed).await {
                Ok(n) => {
                    if feed.failing {
                        tracing::info!("catalogue index: changes read again");
                        feed.failing = false;
                    }
                    if (n as u64) < BATCH {
                        break;
                    }
                }
                Err(e) => {
                    if !feed.failing {
                        tracing::warn!(error = %e, "catalogue index: reading changes failed");
                        feed.failing = true;
                    }
                    break;
                }
            }
        }
        drop(feed);
        if pruned.elapsed() > PRUNE_EVERY {
            pruned = Instant::now();
            if let Err(e) = prune(&db).await {
                tracing::warn!(error = %e, "catalogue index: pruning changes failed");
            }
        }
    }
}

/// The newest change's number (0 when there is none).
async fn newest(conn: &impl ConnectionTrait) -> AppResult<i64> {
    let n: Option<Option<i64>> = catalogue_change::Entity::find()
        .select_only()
        .expr(Expr::col(catalogue_change::Column::Seq).max())
        .into_tuple()
        .one(conn)
        .await?;
    Ok(n.flatten().unwrap_or(0))
}

#[derive(Debug, FromQueryResult)]
struct Change {
    seq: i64,
    listing_id: Option<i64>,
    material_id: Option<i64>,
    supplier_id: Option<i64>,
}

fn changes(filter: Expr) -> sea_orm::Select<catalogue_change::Entity> {
    catalogue_change::Entity::find()
        .select_only()
        .columns([
            catalogue_change::Column::Seq,
            catalogue_change::Column::ListingId,
            catalogue_change::Column::MaterialId,
            catalogue_change::Column::SupplierId,
        ])
        .filter(filter)
        .order_by_asc(catalogue_change::Column::Seq)
}

/// The numbers below `newest` (within [`LOOKBACK`]) that no row holds: changes that may still
/// be committing at start.
async fn gaps_below(conn: &impl ConnectionTrait, newest: i64) -> AppResult<BTreeMap<i64, Instant>> {
    let present: Vec<i64> = catalogue_change::Entity::find()
        .select_only()
        .column(catalogue_change::Column::Seq)
        .filter(catalogue_change::Column::Seq.gt(newest.saturating_sub(LOOKBACK)))
        .filter(catalogue_change::Column::Seq.lte(newest))
        .order_by_asc(catalogue_change::Column::Seq)
        .into_tuple()
        .all(conn)
        .await?;
    let now = Instant::now();
    let mut gaps = BTreeMap::new();
    for pair in present.windows(2) {
        for skipped in pair[0] + 1..pair[1] {
            gaps.insert(skipped, now);
        }
    }
    Ok(gaps)
}

/// Deletes the change rows older than [`KEEP_CHANGES`] by the database's clock, but the
/// newest, so that the newest number never falls (see [`run`]).
pub async fn prune(db: &Db) -> AppResult<()> {
    let older = match db.backend() {
        DbBackend::Postgres => format!("now() - interval '{KEEP_CHANGES}'"),
        _ => format!("datetime('now', '-{KEEP_CHANGES}')"),
    };
    db.write
        .execute_unprepared(&format!(
            "DELETE FROM catalogue_changes WHERE at < {older} \
             AND seq < (SELECT MAX(seq) FROM catalogue_changes)"
        ))
        .await?;
    Ok(())
}

/// Which listings to read.
enum Scope {
    /// The next [`BUILD_CHUNK`] listings by id after this one.
    After(i64),
    /// The listings changed, and those of the materials and suppliers changed.
    Changed {
        listings: Vec<i64>,
        materials: Vec<i64>,
        suppliers: Vec<i64>,
    },
}

/// A listing as the engine indexes it, from its row, its material and its supplier.
#[derive(Debug, FromQueryResult)]
struct DocRow {
    listing_id: i64,
    material_id: i64,
    supplier_id: i64,
    category_id: i64,
    warehouse_id: i64,
    name_zh: String,
    name_en: String,
    spec: String,
    unit: String,
    supplier: String,
    price: i64,
    on_hand: i64,
    reserved: i64,
    active: bool,
    status: String,
}

impl From<DocRow> for Doc {
    fn from(r: DocRow) -> Doc {
        Doc {
            listing_id: r.listing_id,
            material_id: r.material_id,
            supplier_id: r.supplier_id,
            category_id: r.category_id,
            warehouse_id: r.warehouse_id,
            name_zh: r.name_zh,
            name_en: r.name_en,
            spec: r.spec,
            unit: r.unit,
            supplier: r.supplier,
            price: r.price,
            available: r.on_hand - r.reserved,
            // What the catalogue may show (rule 2: a removed supplier's goods are not
            // offered); the SQL search filters alike.
            orderable: r.active
                && crate::suppliers::rules::SupplierStatus::parse(&r.status)
                    .is_some_and(|s| s.may_trade()),
        }
    }
}

/// The documents of the listings in `scope`, by listing id.
async fn load(conn: &impl ConnectionTrait, scope: Scope) -> AppResult<Vec<Doc>> {
    let l = Alias::new("l");
    let m = Alias::new("m");
    let s = Alias::new("s");
    let mut q: SelectStatement = Query::select()
        .expr_as(Expr::col((l.clone(), listing::Column::Id)), "listing_id")
        .expr_as(
            Expr::col((l.clone(), listing::Column::MaterialId)),
            "material_id",
        )
        .expr_as(
            Expr::col((l.clone(), listing::Column::SupplierId)),
            "supplier_id",
        )
        .expr_as(
            Expr::col((m.clone(), material::Column::CategoryId)),
            "category_id",
        )
        .expr_as(Expr::col((m.clone(), material::Column::NameZh)), "name_zh")
        .expr_as(Expr::col((m.clone(), material::Column::NameEn)), "name_en")
        .expr_as(Expr::col((m.clone(), material::Column::Spec)), "spec")
        .expr_as(Expr::col((m.clone(), material::Column::UnitCode)), "unit")
        .expr_as(
            Expr::col((l.clone(), listing::Column::WarehouseId)),
            "warehouse_id",
        )
        .expr_as(
            Expr::col((s.clone(), supplier::Column::LegalName)),
            "supplier",
        )
        .expr_as(Expr::col((l.clone(), listing::Column::Price)), "price")
        .expr_as(Expr::col((l.clone(), listing::Column::OnHand)), "on_hand")
        .expr_as(
            Expr::col((l.clone(), listing::Column::Reserved)),
            "reserved",
        )
        .expr_as(Expr::col((l.clone(), listing::Column::Active)), "active")
        .expr_as(Expr::col((s.clone(), supplier::Column::Status)), "status")
        .from_as(listing::Entity, l.clone())
        .join_as(
            JoinType::InnerJoin,
            material::Entity,
            m.clone(),
            Expr::col((m.clone(), material::Column::Id))
                .equals((l.clone(), listing::Column::MaterialId)),
        )
        .join_as(
            JoinType::InnerJoin,
            supplier::Entity,
            s.clone(),
            Expr::col((s.clone(), supplier::Column::Id))
                .equals((l.clone(), listing::Column::SupplierId)),
        )
        .order_by((l.clone(), listing::Column::Id), sea_orm::Order::Asc)
        .to_owned();
    let mut out = Vec::new();
    match scope {
        Scope::After(after) => {
            q.and_where(Expr::col((l.clone(), listing::Column::Id)).gt(after))
                .limit(BUILD_CHUNK);
            out.extend(rows(conn, &q).await?);
        }
        Scope::Changed {
            listings,
            materials,
            suppliers,
        } => {
            // Chunks keep each statement's bound values within both databases' limits.
            for (column, ids) in [
                (listing::Column::Id, listings),
                (listing::Column::MaterialId, materials),
                (listing::Column::SupplierId, suppliers),
            ] {
                for chunk in ids.chunks(500) {
                    let mut part = q.clone();
                    part.and_where(Expr::col((l.clone(), column)).is_in(chunk.to_vec()));
                    out.extend(rows(conn, &part).await?);
                }
            }
            out.sort_by_key(|d| d.listing_id);
            out.dedup_by_key(|d| d.listing_id);
        }
    }
    Ok(out)
}

async fn rows(conn: &impl ConnectionTrait, q: &SelectStatement) -> AppResult<Vec<Doc>> {
    Ok(conn
        .query_all(q)
        .await?
        .iter()
        .map(|row| DocRow::from_query_result(row, "").map(Doc::from))
        .collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Callers arrive while "transactions" keep committing; each must get a number at least
    /// as new as the last commit before it arrived, and they share reads.
    #[tokio::test]
    async fn a_shared_read_answers_every_caller_with_what_was_committed_before_it_arrived() {
        let committed = Arc::new(AtomicI64::new(0));
        let reads = Arc::new(AtomicU64::new(0));
        let shared = Arc::new(SharedRead::default());
        let mut callers = tokio::task::JoinSet::new();
        for i in 0..200_i64 {
            if i % 7 == 0 {
                committed.fetch_add(1, Ordering::SeqCst);
            }
            let (committed, reads, shared) = (
                Arc::clone(&committed),
                Arc::clone(&reads),
                Arc::clone(&shared),
            );
            let before = committed.load(Ordering::SeqCst);
            callers.spawn(async move {
                let got = shared
                    .get(move || async move {
                        reads.fetch_add(1, Ordering::SeqCst);
                        let now = committed.load(Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(2)).await;
                        Ok(now)
                    })
                    .await
                    .unwrap_or(-1);
                (before, got)
            });
            if i % 10 == 0 {
                tokio::task::yield_now().await;
            }
        }
        while let Some(r) = callers.join_next().await {
            let (before, got) = r.unwrap_or((0, -1));
            assert!(
                got >= before,
                "committed {before} before the call, got {got}"
            );
        }
        let reads = reads.load(Ordering::SeqCst);
        assert!(reads < 100, "200 callers made {reads} reads");
    }

    /// Two single-threaded workers, as actix's: the caller that started the read is on a
    /// worker then busy for two seconds; a caller on the other worker still gets its answer
    /// at once (the read's answer does not wait for the busy worker).
    #[test]
    fn a_caller_is_answered_while_the_worker_that_started_the_read_is_busy() {
        let main = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let shared = Arc::new(main.block_on(async { SharedRead::default() }));
        let worker = || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime")
        };
        let started = Arc::new(std::sync::Barrier::new(2));
        let busy = {
            let (shared, started, rt) = (Arc::clone(&shared), Arc::clone(&started), worker());
            let probe = Arc::clone(&shared);
            std::thread::spawn(move || {
                rt.block_on(async move {
                    let first = tokio::spawn(async move {
                        shared
                            .get(|| async {
                                tokio::time::sleep(Duration::from_millis(50)).await;
                                Ok(1)
                            })
                            .await
                    });
                    // Until its read is under way.
                    while probe.started.load(Ordering::Acquire) == 0 {
                        tokio::task::yield_now().await;
                    }
                    started.wait();
                    // Busy: nothing else on this worker runs meanwhile.
                    std::thread::sleep(Duration::from_secs(2));
                    first.await.ok().and_then(Result::ok)
                })
            })
        };
        started.wait();
        let asked = Instant::now();
        let got = worker().block_on(shared.get(|| async { Ok(2) }));
        let waited = asked.elapsed();
        assert_eq!(got.ok(), Some(2));
        assert!(waited < Duration::from_secs(1), "waited {waited:?}");
        // The first caller, once its worker is free, takes its own read's answer or the
        // newer one.
        let first = busy.join().ok().flatten();
        assert!(matches!(first, Some(1 | 2)), "{first:?}");
    }

    /// A failed read is not shared: the next caller reads again.
    #[tokio::test]
    async fn a_failed_read_is_read_again_by_the_next_caller() {
        let shared = SharedRead::default();
        let failed = shared
            .get(|| async { Err::<i64, _>(AppError::Unavailable) })
            .await;
        assert!(matches!(failed, Err(AppError::Unavailable)));
        assert_eq!(shared.get(|| async { Ok(7) }).await.ok(), Some(7));
        // A caller arriving after that read reads again too.
        assert_eq!(shared.get(|| async { Ok(9) }).await.ok(), Some(9));
    }
}
