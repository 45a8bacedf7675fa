//! Backups (issue 14): `portal backup` writes one archive of everything the portal keeps in
//! its data folder and database, taken while the portal serves; `portal restore` brings it
//! back into an empty data folder (and, on PostgreSQL, an empty database); the daily
//! `backup` job writes one into the backup folder and removes the oldest beyond the
//! `backup_keep` setting.
//!
//! The archive ([`archive`], [`rules`]): a gzip tar of a consistent snapshot of the database
//! (SQLite's `VACUUM INTO`, which reads one transaction's view while writers go on;
//! PostgreSQL's `pg_dump --format=custom`, likewise one snapshot), the `uploads/` and
//! `outbox/` folders, and a manifest with each member's SHA-256. Nothing else of the data
//! folder goes in, and no key kept outside it (the bids' sealing key): the operator keeps
//! that separately. Each backup leaves an audit record (`backup.create`: who, which file,
//! its size), written after the snapshot, so the chain of a restored database is whole.
//! It decides no business rule of DOMAIN.md; it keeps what they wrote: a restore brings back
//! the audit chain and rule 12's stock ledger as they were at the snapshot, which
//! `portal audit verify` and the ledger check prove.

pub mod archive;
pub mod rules;

pub use archive::BackupError;
pub use rules::Engine;

use crate::audit::{self, Actor, Change};
use crate::config::Config;
use crate::error::AppResult;
use crate::jobs::JobDetail;
use crate::state::AppState;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use std::path::{Path, PathBuf};

/// What the operator is told when `pg_dump` or `pg_restore` is not installed.
fn pg_tool_missing(tool: &str) -> BackupError {
    BackupError::Failed(format!(
        "{tool} was not found on PATH. Install the PostgreSQL client programs of the \
         server's major version or newer (Debian and Ubuntu: apt install postgresql-client) \
         and run this again, or back up the database with its own tools (pg_basebackup, \
         your provider's snapshots) and copy the uploads and outbox folders of the data \
         folder alongside; see docs/backup.md"
    ))
}

fn cwd() -> PathBuf {
    std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"))
}

/// The folder the daily job writes into: `backup_dir`, else `backups` beside the data
/// folder; absolute. Refused inside the data folder, where it would be lost with it.
pub fn folder(config: &Config) -> Result<PathBuf, BackupError> {
    let cwd = cwd();
    let data = rules::normalise(&config.data_dir, &cwd);
    let dir = if config.backup_dir.as_os_str().is_empty() {
        rules::normalise(&data.join("..").join("backups"), &cwd)
    } else {
        rules::normalise(&config.backup_dir, &cwd)
    };
    if rules::inside(&dir, &data) {
        return Err(BackupError::Failed(format!(
            "the backup folder {} is inside the data folder {}; backups must live elsewhere \
             (set PORTAL_BACKUP_DIR or backup_dir in portal.toml)",
            dir.display(),
            data.display()
        )));
    }
    Ok(dir)
}

/// What a backup wrote.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Made {
    pub file: String,
    pub bytes: u64,
    pub members: usize,
    pub engine: Engine,
    pub portal_version: String,
}

/// Writes the archive `dest` (which must not exist) of the running portal's database,
/// uploads and outbox, and records it in the audit log as `actor`'s.
pub async fn backup_to(state: &AppState, dest: &Path, actor: &Actor) -> Result<Made, BackupError> {
    let cwd = cwd();
    let dest = rules::normalise(dest, &cwd);
    let data = rules::normalise(&state.config.data_dir, &cwd);
    if rules::inside(&dest, &data) {
        return Err(BackupError::Failed(format!(
            "{} is inside the data folder {}; write the backup elsewhere",
            dest.display(),
            data.display()
        )));
    }
    archive::prepare_destination(&dest)?;
    let dir = dest.parent().map(Path::to_path_buf).unwrap_or(cwd);
    let staging = dir.join(format!(".portal-backup-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir(&staging).map_err(|e| BackupError::io("creating", &staging, e))?;
    let engine = Engine::of_url(&state.config.database_url());
    let created_at = state.now();
    let result = async {
        let snapshot = staging.join("database");
        match engine {
            Engine::Sqlite => snapshot_sqlite(state, &snapshot).await?,
            Engine::Postgres => dump_postgres(state, &snapshot).await?,
        }
        // After the snapshot: every upload a snapshot row names was written before its row.
        let mut sources = vec![(engine.member().to_string(), snapshot)];
        for f in rules::FOLDERS {
            sources.extend(archive::files_under(&data.join(f), f)?);
        }
        let to = dest.clone();
        tokio::task::spawn_blocking(move || archive::write(&to, engine, created_at, &sources))
            .await
            .map_err(|e| BackupError::Failed(format!("writing the archive: {e}")))?
    }
    .await;
    let _ = std::fs::remove_dir_all(&staging);
    let written = result?;
    let made = Made {
        file: dest.display().to_string(),
        bytes: written.bytes,
        members: written.manifest.members.len(),
        engine,
        portal_version: written.manifest.portal_version,
    };
    let file_name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let recorded = async {
        let txn = state.db.begin_write().await?;
        audit::record(
            &txn,
            actor,
            state.now(),
            Change::new("backup.create", "database", file_name).after(&made),
        )
        .await?;
        txn.commit().await?;
        AppResult::Ok(())
    }
    .await;
    recorded.map_err(|e| {
        BackupError::Failed(format!(
            "the backup {} was written, but its audit record was not: {e}",
            made.file
        ))
    })?;
    Ok(made)
}

/// SQLite: `VACUUM INTO` a new file, on a reading connection; one read transaction's view,
/// while the writer goes on.
async fn snapshot_sqlite(state: &AppState, to: &Path) -> Result<(), BackupError> {
    state
        .db
        .read
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "VACUUM INTO ?",
            [to.display().to_string().into()],
        ))
        .await
        .map_err(|e| BackupError::Failed(format!("the SQLite snapshot failed: {e}")))?;
    Ok(())
}

/// PostgreSQL: `pg_dump --format=custom` of the portal's schema (the whole database when
/// that is `public`).
async fn dump_postgres(state: &AppState, to: &Path) -> Result<(), BackupError> {
    let schema = state
        .db
        .read
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT current_schema()::text AS s",
        ))
        .await
        .ok()
        .flatten()
        .and_then(|r| r.try_get::<String>("", "s").ok())
        .unwrap_or_else(|| "public".into());
    let (url, password) = rules::split_password(&state.config.database_url);
    let mut cmd = tokio::process::Command::new("pg_dump");
    cmd.arg("--format=custom")
        .arg("--file")
        .arg(to)
        .arg("--dbname")
        .arg(&url);
    if schema != "public" {
        cmd.arg("--schema").arg(&schema);
    }
    run_pg_tool("pg_dump", cmd, password).await
}

async fn run_pg_tool(
    tool: &str,
    mut cmd: tokio::process::Command,
    password: Option<String>,
) -> Result<(), BackupError> {
    if let Some(p) = password {
        cmd.env("PGPASSWORD", p);
    }
    cmd.stdin(std::process::Stdio::null());
    match cmd.output().await {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(pg_tool_missing(tool)),
        Err(e) => Err(BackupError::Failed(format!("{tool} could not start: {e}"))),
        Ok(out) if !out.status.success() => Err(BackupError::Failed(format!(
            "{tool} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))),
        Ok(_) => Ok(()),
    }
}

/// The daily job: an archive named by its time in the backup folder, then the oldest
/// beyond `backup_keep` removed.
pub async fn daily(state: &AppState) -> AppResult<JobDetail> {
    let dir = folder(&state.config)?;
    std::fs::create_dir_all(&dir).map_err(|e| BackupError::io("creating", &dir, e))?;
    let dest = dir.join(rules::archive_name(state.now()));
    let made = backup_to(state, &dest, &Actor::system("job:backup")).await?;
    let keep = crate::settings::backup_keep(&state.db.read).await?;
    let names: Vec<String> = std::fs::read_dir(&dir)
        .map_err(|e| BackupError::io("listing", &dir, e))?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let mut pruned = 0_usize;
    for name in rules::to_prune(&names, usize::try_from(keep).unwrap_or(1)) {
        match std::fs::remove_file(dir.join(&name)) {
            Ok(()) => pruned += 1,
            Err(e) => tracing::warn!(file = name, error = %e, "an old backup was not removed"),
        }
    }
    Ok(JobDetail::new("job-detail-backup")
        .arg("bytes", made.bytes)
        .arg("pruned", pruned))
}

/// What a restore brought back.
#[derive(Debug)]
pub struct Restored {
    pub manifest: rules::Manifest,
    pub data_dir: PathBuf,
}

/// Restores `archive` into the configured data folder, which must be empty or absent, and
/// on PostgreSQL into the empty database of `DATABASE_URL`. Checks every member against the
/// manifest before anything is put in place; on failure leaves the folder as empty as it
/// found it.
pub async fn restore_from(config: &Config, archive: &Path) -> Result<Restored, BackupError> {
    let data = rules::normalise(&config.data_dir, &cwd());
    let url = config.database_url();
    let engine = Engine::of_url(&url);
    if engine == Engine::Sqlite && !config.database_url.is_empty() {
        return Err(BackupError::Failed(
            "DATABASE_URL names a SQLite file of its own; restore with DATABASE_URL unset (the \
             database then comes back as portal.db in the data folder) and move that file where \
             DATABASE_URL points; nothing was restored"
                .into(),
        ));
    }
    if let Ok(mut entries) = std::fs::read_dir(&data)
        && entries.next().is_some()
    {
        return Err(BackupError::Failed(format!(
            "the data folder {} is not empty; restore only into an empty or new folder \
             (move the old one away first); nothing was restored",
            data.display()
        )));
    }
    if !archive.is_file() {
        return Err(BackupError::Failed(format!(
            "{} is not a file; nothing was restored",
            archive.display()
        )));
    }
    if engine == Engine::Postgres {
        postgres_is_empty(&url).await?;
    }
    std::fs::create_dir_all(&data).map_err(|e| BackupError::io("creating", &data, e))?;
    let staging = data.join(".restoring");
    std::fs::create_dir(&staging).map_err(|e| BackupError::io("creating", &staging, e))?;
    let result = async {
        let (from, into) = (archive.to_path_buf(), staging.clone());
        let manifest = tokio::task::spawn_blocking(move || archive::extract(&from, &into, engine))
            .await
            .map_err(|e| BackupError::Failed(format!("reading the archive: {e}")))??;
        let db = staging.join(engine.member());
        match engine {
            Engine::Sqlite => {
                let to = data.join("portal.db");
                std::fs::rename(&db, &to).map_err(|e| BackupError::io("placing", &to, e))?;
            }
            Engine::Postgres => restore_postgres(&url, &db).await?,
        }
        for f in rules::FOLDERS {
            let from = staging.join(f);
            if from.is_dir() {
                let to = data.join(f);
                std::fs::rename(&from, &to).map_err(|e| BackupError::io("placing", &to, e))?;
            }
        }
        std::fs::File::open(&data)
            .and_then(|d| d.sync_all())
            .map_err(|e| BackupError::io("syncing", &data, e))?;
        Ok(manifest)
    }
    .await;
    let _ = std::fs::remove_dir_all(&staging);
    match result {
        Ok(manifest) => Ok(Restored {
            manifest,
            data_dir: data,
        }),
        Err(e) => {
            // The folder was empty: take back what was put in it.
            let _ = std::fs::remove_file(data.join("portal.db"));
            for f in rules::FOLDERS {
                let _ = std::fs::remove_dir_all(data.join(f));
            }
            Err(e)
        }
    }
}

/// Refuses a PostgreSQL database that already holds tables: a restore never mixes.
async fn postgres_is_empty(url: &str) -> Result<(), BackupError> {
    let server = crate::db::server_of(url);
    let mut opts = sea_orm::ConnectOptions::new(url.to_string());
    opts.max_connections(1).sqlx_logging(false);
    let db = sea_orm::Database::connect(opts).await.map_err(|e| {
        BackupError::Failed(format!("cannot connect to PostgreSQL at {server}: {e}"))
    })?;
    let n = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT count(*)::bigint AS n FROM information_schema.tables \
             WHERE table_schema NOT IN ('pg_catalog', 'information_schema')",
        ))
        .await
        .map_err(|e| BackupError::Failed(format!("reading {server}: {e}")))?
        .and_then(|r| r.try_get::<i64>("", "n").ok())
        .unwrap_or_default();
    let _ = db.close().await;
    if n > 0 {
        return Err(BackupError::Failed(format!(
            "the database {server} already holds {n} tables; restore only into an empty \
             database (create one, e.g. createdb portal_restored, and point DATABASE_URL at \
             it); nothing was restored"
        )));
    }
    Ok(())
}

/// `pg_restore` of the dump into the (empty) database, in one transaction.
async fn restore_postgres(url: &str, dump: &Path) -> Result<(), BackupError> {
    let (url, password) = rules::split_password(url);
    let mut cmd = tokio::process::Command::new("pg_restore");
    cmd.arg("--no-owner")
        .arg("--no-privileges")
        .arg("--exit-on-error")
        .arg("--single-transaction")
        .arg("--dbname")
        .arg(&url)
        .arg(dump);
    run_pg_tool("pg_restore", cmd, password).await.map_err(|e| {
        BackupError::Failed(format!(
            "{e}; to restore the database by hand: tar xzf the archive, then \
             pg_restore --no-owner --dbname <DATABASE_URL> database/portal.pgdump"
        ))
    })
}
