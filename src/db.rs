//! Opening the database and migrating it, once, however many instances start together.

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, Statement,
    TransactionTrait,
};
use std::time::Duration;

/// The connections of one process.
///
/// On SQLite all writes go through one connection (a single writer is faster than several
/// fighting over the file lock) and reads through a pool; on PostgreSQL both are one pool.
#[derive(Clone, Debug)]
pub struct Db {
    pub write: DatabaseConnection,
    pub read: DatabaseConnection,
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
}

/// Connects to `url`. `schema` selects a PostgreSQL schema (the tests use one each).
pub async fn connect(url: &str, pool: u32, schema: Option<&str>) -> Result<Db, DbErr> {
    if url.starts_with("sqlite:") {
        let write = Database::connect(sqlite_options(url, 1)).await?;
        let read = Database::connect(sqlite_options(url, pool.max(1))).await?;
        Ok(Db { write, read })
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
        let conn = Database::connect(opts).await?;
        Ok(Db {
            write: conn.clone(),
            read: conn,
        })
    }
}

fn sqlite_options(url: &str, pool: u32) -> ConnectOptions {
    let mut opts = ConnectOptions::new(url.to_string());
    opts.max_connections(pool)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                .create_if_missing(true)
        });
    opts
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
            crate::search::backfill(&txn).await?;
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
            let txn = db.write.begin().await?;
            txn.execute_unprepared(
                "INSERT OR REPLACE INTO migration_lock (id, at) VALUES (1, CURRENT_TIMESTAMP)",
            )
            .await?;
            Migrator::up(&txn, None).await?;
            crate::search::backfill(&txn).await?;
            txn.commit().await
        }
    }
}

/// True when the database answers; `/readyz` uses it.
pub async fn ping(db: &Db) -> bool {
    db.read.ping().await.is_ok()
}
