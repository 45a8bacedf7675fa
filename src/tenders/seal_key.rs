//! Where the key that seals bids comes from, and how it changes (rule 14: before the opening
//! nobody learns a price, not even whoever holds a copy of the database). See docs/sealing.md.
//!
//! The key is never in the database nor in the data folder that backups copy: it is the
//! environment's `PORTAL_SEAL_KEY` (base64 of 32 bytes) or, when that is unset, the key file
//! (`seal_key_file`, by default `<data_dir>.seal.key`, beside the data folder). The database
//! holds its fingerprint ([`crypto::FINGERPRINT_SETTING`]), so a process started with another
//! key refuses to start instead of failing at the opening, and instances sharing one
//! PostgreSQL must share the key.
//!
//! At start-up ([`establish`]): a key whose fingerprint matches is registered; a database
//! without a fingerprint adopts the key (re-sealing once any bid sealed with the older key
//! derived from the database's own secret); without any key, a database that has never sealed
//! a bid gets a new key file, and one that has refuses to start. [`rotate`] re-seals every bid
//! with a new key in one transaction.

use super::crypto::{self, BidKey, FINGERPRINT_SETTING, Sealed};
use crate::audit::{self, Actor, Change};
use crate::config::Config;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use chrono::{DateTime, Utc};
use entity::{bid, setting};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter,
};
use std::path::{Path, PathBuf};

/// The environment variable that holds the key (base64 of 32 bytes); it wins over the file.
pub const ENV: &str = "PORTAL_SEAL_KEY";

/// The key file when none is configured: beside the data folder, not in it, so that a copy of
/// the data folder (or a backup of it) does not carry the key. `data` → `data.seal.key`.
pub fn default_path(data_dir: &Path) -> PathBuf {
    match data_dir.file_name() {
        Some(name) => {
            let mut file = name.to_os_string();
            file.push(".seal.key");
            data_dir.with_file_name(file)
        }
        None => data_dir.join("..").join("portal.seal.key"),
    }
}

/// The key file this configuration names.
pub fn key_path(config: &Config) -> PathBuf {
    config
        .seal_key_file
        .clone()
        .unwrap_or_else(|| default_path(&config.data_dir))
}

/// Where a key was found, for messages.
#[derive(Debug, Clone)]
pub enum Source {
    Env,
    File(PathBuf),
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Env => write!(f, "{ENV}"),
            Source::File(p) => write!(f, "the key file {}", p.display()),
        }
    }
}

/// Reads a key file.
pub fn read_file(path: &Path) -> Result<BidKey, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("reading the seal key file {}: {e}", path.display()))?;
    BidKey::from_base64(&text)
        .map_err(|e| format!("the seal key file {} is not a key ({e})", path.display()))
}

/// Writes `key` into a new file (never over an existing one), readable by its owner only.
pub fn write_new_file(path: &Path, key: &BidKey) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path)?;
    f.write_all(format!("{}\n", key.to_base64()).as_bytes())?;
    f.sync_all()
}

/// The key `env` (the value of [`ENV`]) or the key file gives, if either does.
pub fn find(config: &Config, env: Option<&str>) -> Result<Option<(BidKey, Source)>, String> {
    if let Some(text) = env.filter(|t| !t.trim().is_empty()) {
        let key = BidKey::from_base64(text).map_err(|e| format!("{ENV} is not a key ({e})"))?;
        return Ok(Some((key, Source::Env)));
    }
    let path = key_path(config);
    if path.exists() {
        return Ok(Some((read_file(&path)?, Source::File(path))));
    }
    Ok(None)
}

async fn fingerprint_of(conn: &impl ConnectionTrait) -> AppResult<Option<String>> {
    Ok(setting::Entity::find_by_id(FINGERPRINT_SETTING.to_string())
        .one(conn)
        .await?
        .map(|r| r.value))
}

/// How many bids hold a sealed content (withdrawn bids hold none).
pub async fn sealed_bids(conn: &impl ConnectionTrait) -> AppResult<u64> {
    Ok(bid::Entity::find()
        .filter(bid::Column::Sealed.ne(""))
        .count(conn)
        .await?)
}

fn mismatch(source: &Source, key: &BidKey, expected: &str) -> String {
    format!(
        "the bid-sealing key from {source} (fingerprint {}) is not the one this database's bids \
         are sealed with (fingerprint {expected}); start with the right key (every instance \
         sharing the database needs the same one), see docs/sealing.md",
        key.fingerprint()
    )
}

/// Finds, checks and registers the key at start-up (see the module's doc); answers it, or
/// why the portal must not start. `env` is the value of [`ENV`].
pub async fn establish(
    db: &Db,
    config: &Config,
    env: Option<&str>,
    now: DateTime<Utc>,
) -> Result<BidKey, String> {
    // The database first, the key file second: an instance sharing this folder writes its new
    // key file before it records the key's fingerprint, so whoever reads a fingerprint then
    // finds that file. (The other order let two instances starting at once refuse to start:
    // one looked for the file before the other wrote it, and read the fingerprint after.)
    let expected = fingerprint_of(&db.write).await.map_err(|e| e.to_string())?;
    let found = find(config, env)?;
    let (key, source, generated) = match (found, &expected) {
        (Some((key, source)), _) => (key, source, None),
        (None, Some(fp)) => {
            return Err(format!(
                "this database's bids are sealed with a key (fingerprint {fp}) that is not here: \
                 set {ENV} or put the key file at {} (--seal-key-file); the key is kept apart \
                 from the database and its backups, see docs/sealing.md",
                key_path(config).display()
            ));
        }
        (None, None) => {
            let n = sealed_bids(&db.write).await.map_err(|e| e.to_string())?;
            let path = key_path(config);
            if n > 0 {
                return Err(format!(
                    "this database holds {n} sealed bids and no bid-sealing key is configured: \
                     create one with `portal seal-key generate` (it writes {}) or set {ENV}, \
                     then start again to re-seal them with it; see docs/sealing.md",
                    path.display()
                ));
            }
            let key = BidKey::generate();
            match write_new_file(&path, &key) {
                Ok(()) => {
                    tracing::warn!(path = %path.display(), fingerprint = %key.fingerprint(),
                        "generated a new bid-sealing key; back it up separately from the database");
                    eprintln!(
                        "\n  Generated a new bid-sealing key at {}.\n  Back it up separately \
                         from the database and its backups: without it no sealed bid can be \
                         opened. See docs/sealing.md.\n",
                        path.display()
                    );
                    (key, Source::File(path.clone()), Some(path))
                }
                // Another process sharing this folder wrote it first: take that one.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    (read_file(&path)?, Source::File(path), None)
                }
                Err(e) => return Err(format!("writing the seal key file {}: {e}", path.display())),
            }
        }
    };
    match expected {
        Some(fp) if fp == key.fingerprint() => {}
        Some(fp) => return Err(mismatch(&source, &key, &fp)),
        None => {
            if let Err(e) = adopt(db, &key, &source, now).await {
                // A key this process generated but could not adopt is no one's key.
                if let Some(path) = generated {
                    let _ = std::fs::remove_file(path);
                }
                return Err(e);
            }
        }
    }
    key.register();
    Ok(key)
}

/// Records `key` as this database's key; bids sealed by older versions with the key derived
/// from the database's secret are re-sealed with it in the same transaction. When another
/// instance recorded a different key first, says so.
async fn adopt(db: &Db, key: &BidKey, source: &Source, now: DateTime<Utc>) -> Result<(), String> {
    let run = async {
        let txn = db.begin_write().await?;
        let inserted = setting::Entity::insert(setting::ActiveModel {
            key: Set(FINGERPRINT_SETTING.into()),
            value: Set(key.fingerprint()),
            updated_at: Set(now),
        })
        .on_conflict_do_nothing_on([setting::Column::Key])
        .exec_without_returning(&txn)
        .await?;
        let fp = fingerprint_of(&txn).await?.unwrap_or_default();
        if fp != key.fingerprint() {
            return Ok::<_, AppError>(Err(fp));
        }
        if matches!(inserted, sea_orm::TryInsertResult::Inserted(1)) {
            let legacy = BidKey::legacy_of(&txn).await?;
            reseal_all(&txn, &legacy, key).await?;
            audit::record(
                &txn,
                &Actor::system("seal_key"),
                now,
                Change::new("seal_key.adopt", "settings", FINGERPRINT_SETTING)
                    .after(serde_json::json!({ "fingerprint": key.fingerprint() })),
            )
            .await?;
        }
        txn.commit().await?;
        Ok(Ok(()))
    };
    match run.await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(fp)) => Err(mismatch(source, key, &fp)),
        Err(e) => Err(format!("adopting the bid-sealing key: {e}")),
    }
}

/// Opens every sealed bid with `old` and seals it again with `new`, each with a fresh nonce
/// and its own tender and supplier as associated data. Fails (and so rolls the caller's
/// transaction back) if any bid does not open with `old`: no bid is left behind.
async fn reseal_all(txn: &DatabaseTransaction, old: &BidKey, new: &BidKey) -> AppResult<u64> {
    let mut n = 0;
    for b in bid::Entity::find()
        .filter(bid::Column::Sealed.ne(""))
        .all(txn)
        .await?
    {
        let aad = crypto::bid_aad(b.tender_id, b.supplier_id);
        let plain = crypto::open(
            old,
            &aad,
            &Sealed {
                ciphertext: b.sealed.clone(),
                nonce: b.nonce.clone(),
            },
        )
        .map_err(|_| AppError::Internal(format!("bid {} does not open with the old key", b.id)))?;
        let sealed = crypto::seal(new, &aad, &plain)?;
        let r = bid::Entity::update_many()
            .col_expr(bid::Column::Sealed, Expr::value(sealed.ciphertext))
            .col_expr(bid::Column::Nonce, Expr::value(sealed.nonce))
            .filter(bid::Column::Id.eq(b.id))
            .filter(bid::Column::Sealed.eq(b.sealed.clone()))
            .exec(txn)
            .await?;
        if r.rows_affected != 1 {
            return Err(AppError::Conflict(crate::error::RuleCode::TryAgain));
        }
        n += 1;
    }
    Ok(n)
}

/// Re-seals every sealed bid with `new` in one transaction with its audit entry, and records
/// `new`'s fingerprint: from then on only `new` opens them (and a process holding the old key
/// refuses to start). Answers how many bids were re-sealed. The old key is the one this
/// database names, which this process must hold (see [`establish`]).
pub async fn rotate(db: &Db, new: &BidKey, now: DateTime<Utc>) -> AppResult<u64> {
    let txn = db.begin_write().await?;
    let old = BidKey::load(&txn).await?;
    let old_fp = old.fingerprint();
    if old_fp == new.fingerprint() {
        return Err(AppError::Internal(
            "the new key is the key in use; nothing to rotate".into(),
        ));
    }
    let n = reseal_all(&txn, &old, new).await?;
    let r = setting::Entity::update_many()
        .col_expr(setting::Column::Value, Expr::value(new.fingerprint()))
        .col_expr(setting::Column::UpdatedAt, Expr::value(now))
        .filter(setting::Column::Key.eq(FINGERPRINT_SETTING))
        .filter(setting::Column::Value.eq(old_fp.clone()))
        .exec(&txn)
        .await?;
    if r.rows_affected != 1 {
        return Err(AppError::Conflict(crate::error::RuleCode::TryAgain));
    }
    // Fingerprints only: how many bids were re-sealed would tell the auditor how many bids
    // unopened tenders hold.
    audit::record(
        &txn,
        &Actor::system("seal_key"),
        now,
        Change::new("seal_key.rotate", "settings", FINGERPRINT_SETTING)
            .before(serde_json::json!({ "fingerprint": old_fp }))
            .after(serde_json::json!({ "fingerprint": new.fingerprint() })),
    )
    .await?;
    txn.commit().await?;
    new.register();
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_key_file_is_beside_the_data_folder_not_in_it() {
        assert_eq!(
            default_path(Path::new("data")),
            PathBuf::from("data.seal.key")
        );
        assert_eq!(
            default_path(Path::new("/var/lib/portal/data")),
            PathBuf::from("/var/lib/portal/data.seal.key")
        );
        assert!(!default_path(Path::new("/srv/portal")).starts_with("/srv/portal"));
    }

    #[test]
    fn the_environment_wins_over_the_file_and_a_bad_key_is_refused() {
        let dir = std::env::temp_dir().join(format!("seal-key-test-{}", std::process::id()));
        let config = Config {
            data_dir: dir.join("data"),
            ..Config::default()
        };
        let k = BidKey::generate();
        let found = find(&config, Some(&k.to_base64())).ok().flatten();
        assert!(matches!(found, Some((ref f, Source::Env)) if f.fingerprint() == k.fingerprint()));
        assert!(find(&config, Some("short")).is_err());
        assert!(matches!(find(&config, None), Ok(None)));
        let _ = std::fs::create_dir_all(&dir);
        let path = key_path(&config);
        assert!(write_new_file(&path, &k).is_ok());
        assert!(
            write_new_file(&path, &BidKey::generate()).is_err(),
            "never overwritten"
        );
        let found = find(&config, None).ok().flatten();
        assert!(
            matches!(found, Some((ref f, Source::File(_))) if f.fingerprint() == k.fingerprint())
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
