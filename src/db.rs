//! Opening the database and migrating it, once, however many instances start together.

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, Statement,
    TransactionTrait,
};
use std::time::Duration;

mod batch;
mod lane;
pub use batch::Batch;

/// The connections of one process.
///
/// On SQLite all writes go through one connection (a single writer is faster than several
/// fighting over the file lock) and reads through a pool; on PostgreSQL both are one pool.
#[derive(Clone, Debug)]
pub struct Db {
    pub write: DatabaseConnection,
    pub read: DatabaseConnection,
    pub storage: StorageWatch,
    /// SQLite's write transactions' own thread (see [`Db::in_writer_lane`]); none on PostgreSQL.
    lane: Option<std::sync::Arc<lane::Lane>>,
}

impl Db {
    pub fn backend(&self) -> DbBackend {
        self.write.get_database_backend()
    }

    /// Starts a write transaction. On SQLite it takes the file's write lock at once
    /// (`BEGIN IMMEDIATE`): a transaction that reads before it writes would otherwise fail at
    /// once when another process (a second instance, `portal jobs run`) wrote in between;
    /// this way it waits its turn within the busy timeout instead.
    pub async fn begin_write(&self) -> Result<sea_orm::DatabaseTransaction, DbErr> {
        match self.backend() {
            DbBackend::Sqlite => {
                self.write
                    .begin_with_options(sea_orm::TransactionOptions {
                        sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
                        ..Default::default()
                    })
                    .await
            }
            _ => self.write.begin().await,
        }
    }

    /// Runs `work`, a write transaction from its `begin_write` to its commit, on SQLite on
    /// the writer's own thread ([`lane`]); on PostgreSQL, where writers do not take turns,
    /// in place.
    pub async fn in_writer_lane<T, F>(&self, work: F) -> T
    where
        F: std::future::Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        match &self.lane {
            Some(lane) => lane.run(work).await,
            _ => work.await,
        }
    }
}

/// Connects to `url`. `schema` selects a PostgreSQL schema (the tests use one each).
pub async fn connect(url: &str, pool: u32, schema: Option<&str>) -> Result<Db, DbErr> {
    connect_with(url, pool, schema, None).await
}

/// [`connect`], with the SQLite file capped at `sqlite_max_mb` megabytes (the setting of the
/// same name): a write that would grow it further fails as a full disk would.
pub async fn connect_with(
    url: &str,
    pool: u32,
    schema: Option<&str>,
    sqlite_max_mb: Option<u64>,
) -> Result<Db, DbErr> {
    if url.starts_with("sqlite:") {
        let write = connect_sqlite(sqlite_options(url, 1, sqlite_max_mb)).await?;
        let read = connect_sqlite(sqlite_options(url, pool.max(1), sqlite_max_mb)).await?;
        Ok(Db {
            write,
            read,
            storage: StorageWatch::default(),
            lane: Some(lane::Lane::start().map_err(|e| DbErr::Custom(e.to_string()))?),
        })
    } else {
        let mut opts = ConnectOptions::new(url.to_string());
        opts.max_connections(pool.max(2))
            .min_connections(1)
            .connect_timeout(Duration::from_secs(5))
            .acquire_timeout(Duration::from_secs(5))
            .sqlx_logging(false);
        if let Some(schema) = schema {
            opts.set_schema_search_path(schema);
        }
        opts.map_sqlx_postgres_pool_opts(|p| {
            p.after_release(|conn, _| discard_if_in_transaction(conn))
        });
        let conn = Database::connect(opts)
            .await
            .map_err(|e| unreachable_server(url, e))?;
        Ok(Db {
            write: conn.clone(),
            read: conn,
            storage: StorageWatch::default(),
            lane: None,
        })
    }
}

/// Where a database URL points, for messages: `host:port/database`, never the user or the
/// password (`postgres://user:secret@db.example:5433/portal` gives `db.example:5433/portal`).
pub fn server_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    let (authority, database) = rest.split_once('/').unwrap_or((rest, ""));
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let has_port = if host_port.starts_with('[') {
        host_port.contains("]:")
    } else {
        host_port
            .rsplit_once(':')
            .is_some_and(|(_, p)| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
    };
    let host_port = match (host_port.is_empty(), has_port) {
        (true, _) => "localhost:5432".to_string(),
        (false, true) => host_port.to_string(),
        (false, false) => format!("{host_port}:5432"),
    };
    if database.is_empty() {
        host_port
    } else {
        format!("{host_port}/{database}")
    }
}

/// A failed first connection, named with the server it tried: sqlx alone says only "pool
/// timed out while waiting for an open connection".
fn unreachable_server(url: &str, e: DbErr) -> DbErr {
    DbErr::Custom(format!(
        "cannot connect to PostgreSQL at {}: {e}",
        server_of(url)
    ))
}

/// Opens a SQLite pool, trying again for a few seconds while the file is locked: two
/// instances opening a new file at once race to switch it to WAL, and SQLite answers that
/// switch "database is locked" at once instead of waiting out the busy timeout.
async fn connect_sqlite(opts: ConnectOptions) -> Result<DatabaseConnection, DbErr> {
    let mut tries = 0;
    loop {
        match Database::connect(opts.clone()).await {
            Err(e) if tries < 50 && e.to_string().contains("database is locked") => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            other => return other,
        }
    }
}

/// SQLite's default page size; `sqlite_max_mb` is turned into pages with it.
const SQLITE_PAGE_BYTES: u64 = 4096;

fn sqlite_options(url: &str, pool: u32, max_mb: Option<u64>) -> ConnectOptions {
    let mut opts = ConnectOptions::new(url.to_string());
    opts.max_connections(pool)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(move |o| {
            let o = o
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                .create_if_missing(true);
            match max_mb {
                Some(mb) => o.pragma(
                    "max_page_count",
                    (mb.saturating_mul(1 << 20) / SQLITE_PAGE_BYTES)
                        .max(1)
                        .to_string(),
                ),
                None => o,
            }
        })
        .map_sqlx_sqlite_pool_opts(|p| p.after_release(|conn, _| discard_if_in_transaction(conn)));
    opts
}

/// Run on every connection handed back to a pool: a connection still inside a transaction
/// is closed instead of being reused.
///
/// This is what keeps an acknowledged write from being lost. When a statement or the
/// `COMMIT` fails (SQLite's "database or disk is full" is the one seen), SQLite may already
/// have rolled the transaction back itself, so the `ROLLBACK` sent when the transaction is
/// dropped fails too, and sqlx still counts the connection as inside a transaction. Reused,
/// every later `begin` on it would become a `SAVEPOINT` nested in that dead transaction:
/// its "commit" only releases the savepoint, the request answers 201, and nothing ever
/// reaches the file. The ping first lets the connection finish the rollback it was sent, so
/// a transaction that rolled back normally does not cost a reconnection.
fn discard_if_in_transaction<C>(
    conn: &mut C,
) -> futures_util::future::BoxFuture<'_, Result<bool, sea_orm::sqlx::Error>>
where
    C: sea_orm::sqlx::Connection,
{
    Box::pin(async move {
        conn.ping().await?;
        if conn.is_in_transaction() {
            tracing::warn!("a connection came back inside a failed transaction; it is closed");
            return Ok(false);
        }
        Ok(true)
    })
}

/// Whether the last write failed for want of storage; `/readyz` reports it.
///
/// Set when a request's write fails with a full disk (or the SQLite file at its cap), and
/// cleared by the next write that succeeds: that is the first moment anyone can know the
/// space is back.
#[derive(Clone, Debug, Default)]
pub struct StorageWatch(std::sync::Arc<std::sync::atomic::AtomicBool>);

impl StorageWatch {
    pub fn full(&self) {
        self.0.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    pub fn written(&self) {
        self.0.store(false, std::sync::atomic::Ordering::Relaxed);
    }

    pub fn is_full(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// True when `e` says the disk (or the SQLite file's cap) is full: SQLite's `SQLITE_FULL`
/// (13), PostgreSQL's `disk_full` (53100).
pub fn is_storage_full(e: &DbErr) -> bool {
    let runtime = match e {
        DbErr::Conn(r) | DbErr::Exec(r) | DbErr::Query(r) => r,
        _ => return false,
    };
    if let sea_orm::RuntimeErr::SqlxError(inner) = runtime
        && let sea_orm::sqlx::Error::Database(db) = inner.as_ref()
        && let Some(code) = db.code()
        && matches!(code.as_ref(), "13" | "53100")
    {
        return true;
    }
    let text = runtime.to_string();
    text.contains("database or disk is full") || text.contains("No space left on device")
}

/// Applies pending migrations. On PostgreSQL an advisory lock held by the migrating
/// transaction makes a second instance wait and then find nothing left to do.
pub async fn migrate(db: &Db) -> Result<(), DbErr> {
    match db.backend() {
        DbBackend::Postgres => {
            let txn = db.write.begin().await?;
            txn.execute_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT pg_advisory_xact_lock(hashtext('portal-migrate:' || current_schema()))",
            ))
            .await?;
            Migrator::up(&txn, None).await?;
            txn.commit().await
        }
        _ => {
            // SQLite: the first write of a transaction takes the file's write lock, so a second
            // process migrating the same file waits (busy timeout) and then finds nothing to do.
            db.write
                .execute_unprepared(
                    "CREATE TABLE IF NOT EXISTS migration_lock (id INTEGER PRIMARY KEY, at TEXT)",
                )
                .await?;
            // BEGIN IMMEDIATE: the write lock is taken (waiting out the busy timeout) before
            // anything is read, so the second instance's migration cannot start from a snapshot
            // that the first one's commit makes stale ("database is locked" without waiting).
            let txn = db.begin_write().await?;
            txn.execute_unprepared(
                "INSERT OR REPLACE INTO migration_lock (id, at) VALUES (1, CURRENT_TIMESTAMP)",
            )
            .await?;
            Migrator::up(&txn, None).await?;
            txn.commit().await
        }
    }
}

/// True when the database answers; `/readyz` uses it.
pub async fn ping(db: &Db) -> bool {
    db.read.ping().await.is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_is_named_by_host_port_and_database_never_by_its_password() {
        assert_eq!(
            server_of("postgres://portal:s3cret@db.example:5433/portal?sslmode=require"),
            "db.example:5433/portal"
        );
        assert_eq!(
            server_of("postgres://postgres@127.0.0.1/portal_test"),
            "127.0.0.1:5432/portal_test"
        );
        assert_eq!(server_of("postgresql://db"), "db:5432");
        assert_eq!(server_of("postgres://u:p@[::1]:6000/x"), "[::1]:6000/x");
        assert_eq!(server_of("postgres://u@[::1]/x"), "[::1]:5432/x");
        assert!(!server_of("postgres://u:hunter2@h/d").contains("hunter2"));
    }
}
