//! What a backup archive is, without touching a disk: its manifest (format, portal version,
//! database engine, time, each member's size and SHA-256), which member paths it may hold,
//! the names the daily job gives archives, which of them retention removes, and where the
//! backups may live (never inside the data folder they save).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::path::{Component, Path};

/// The archive format this portal writes and reads.
pub const FORMAT: u32 = 1;

/// The manifest's name inside the archive; it is the last member, written once every other
/// member's checksum is known.
pub const MANIFEST: &str = "manifest.json";

/// The SQLite snapshot's name inside the archive.
pub const SQLITE_MEMBER: &str = "database/portal.db";

/// The PostgreSQL dump's name inside the archive (`pg_dump --format=custom`).
pub const PG_MEMBER: &str = "database/portal.pgdump";

/// The folders of the data folder that a backup carries, besides the database.
pub const FOLDERS: [&str; 2] = ["uploads", "outbox"];

/// How many archives the daily job keeps when no setting says otherwise, and the range allowed.
pub const DEFAULT_KEEP: i64 = 7;
pub const KEEP_RANGE: std::ops::RangeInclusive<i64> = 1..=365;

/// The database an archive was taken from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    /// The engine of a database URL.
    pub fn of_url(url: &str) -> Engine {
        if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Engine::Postgres
        } else {
            Engine::Sqlite
        }
    }

    /// Where the database lies inside the archive.
    pub fn member(self) -> &'static str {
        match self {
            Engine::Sqlite => SQLITE_MEMBER,
            Engine::Postgres => PG_MEMBER,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Engine::Sqlite => "SQLite",
            Engine::Postgres => "PostgreSQL",
        }
    }
}

/// One file in the archive.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

/// What the archive holds, written as its last member.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub portal_version: String,
    pub engine: Engine,
    pub created_at: DateTime<Utc>,
    pub members: Vec<Member>,
}

/// Why an archive is not restored.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the archive has no manifest: it is not a portal backup, or it was cut short")]
    NoManifest,
    #[error("the archive is format {0}; this portal reads format {FORMAT}")]
    Format(u32),
    #[error("the archive holds a {archive} database but the portal is set up for {target}")]
    Engine {
        archive: &'static str,
        target: &'static str,
    },
    #[error("the archive has no database ({0})")]
    NoDatabase(&'static str),
    #[error("member {0} is damaged: its checksum or size differs from the manifest")]
    Damaged(String),
    #[error("member {0} is listed in the manifest but missing from the archive")]
    Missing(String),
    #[error("member {0} is in the archive but not in its manifest")]
    Unlisted(String),
    #[error("member {0} has a name a backup never writes")]
    BadPath(String),
}

impl Manifest {
    /// Checks what was read from an archive against this manifest: the format, the engine
    /// the portal is set up for, and every member's size and checksum, none missing, none
    /// more.
    pub fn check(&self, target: Engine, found: &[Member]) -> Result<(), Refusal> {
        if self.format != FORMAT {
            return Err(Refusal::Format(self.format));
        }
        if self.engine != target {
            return Err(Refusal::Engine {
                archive: self.engine.name(),
                target: target.name(),
            });
        }
        if !self.members.iter().any(|m| m.path == self.engine.member()) {
            return Err(Refusal::NoDatabase(self.engine.member()));
        }
        for m in &self.members {
            if !member_path_ok(&m.path) {
                return Err(Refusal::BadPath(m.path.clone()));
            }
            match found.iter().find(|f| f.path == m.path) {
                None => return Err(Refusal::Missing(m.path.clone())),
                Some(f) if f != m => return Err(Refusal::Damaged(m.path.clone())),
                Some(_) => {}
            }
        }
        if let Some(extra) = found
            .iter()
            .find(|f| !self.members.iter().any(|m| m.path == f.path))
        {
            return Err(Refusal::Unlisted(extra.path.clone()));
        }
        Ok(())
    }
}

/// Whether `path` is a name a backup writes: the manifest, one of the two database members,
/// or a file below `uploads/` or `outbox/`, relative, with no `..`, nothing absolute.
pub fn member_path_ok(path: &str) -> bool {
    if path == MANIFEST || path == SQLITE_MEMBER || path == PG_MEMBER {
        return true;
    }
    let p = Path::new(path);
    let mut parts = p.components();
    let first_ok =
        matches!(parts.next(), Some(Component::Normal(f)) if FOLDERS.iter().any(|d| f == *d));
    let rest: Vec<Component> = parts.collect();
    first_ok && !rest.is_empty() && rest.iter().all(|c| matches!(c, Component::Normal(_)))
}

/// Whether a file found under an uploads or outbox folder belongs in a backup: not an
/// upload still being written (`<checksum>.tmp-<instance>`, renamed when complete).
pub fn carried(file_name: &str) -> bool {
    !file_name.contains(".tmp-")
}

const PREFIX: &str = "portal-backup-";
const SUFFIX: &str = ".tar.gz";
/// Milliseconds, so that two runs within a second (by hand, then the job) differ.
const STAMP: &str = "%Y%m%dT%H%M%S%.3fZ";

/// The name the daily job gives an archive taken at `at`: sorting the names sorts the times.
pub fn archive_name(at: DateTime<Utc>) -> String {
    format!("{PREFIX}{}{SUFFIX}", at.format(STAMP))
}

/// Whether `name` is an archive the job wrote (retention touches nothing else).
fn is_job_archive(name: &str) -> bool {
    name.strip_prefix(PREFIX)
        .and_then(|r| r.strip_suffix(SUFFIX))
        .is_some_and(|stamp| chrono::NaiveDateTime::parse_from_str(stamp, STAMP).is_ok())
}

/// Of the file names in the backup folder, the job's archives beyond the newest `keep`,
/// oldest first: those retention removes. Other files are never chosen.
pub fn to_prune(names: &[String], keep: usize) -> Vec<String> {
    let mut archives: Vec<&String> = names.iter().filter(|n| is_job_archive(n)).collect();
    archives.sort();
    let surplus = archives.len().saturating_sub(keep.max(1));
    archives.into_iter().take(surplus).cloned().collect()
}

/// Whether `backups` lies inside `data` (or is it): both absolute and normalised. A backup
/// kept in the folder it saves is lost with it and would be carried into the next one.
pub fn inside(backups: &Path, data: &Path) -> bool {
    backups.starts_with(data)
}

/// `path` made absolute against `cwd`, with `.` and `..` resolved by name (no disk access,
/// so it works for a folder not yet made).
pub fn normalise(path: &Path, cwd: &Path) -> std::path::PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        cwd.join(path)
    };
    let mut out = std::path::PathBuf::new();
    for c in joined.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// A PostgreSQL URL without its password, and the password (percent-decoded), so that
/// `pg_dump` gets it through `PGPASSWORD` and not on a command line others can read.
pub fn split_password(url: &str) -> (String, Option<String>) {
    let Some((scheme, rest)) = url.split_once("://") else {
        return (url.to_string(), None);
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return (url.to_string(), None);
    };
    let Some((user, password)) = userinfo.split_once(':') else {
        return (url.to_string(), None);
    };
    let password = urlencoding::decode(password)
        .map(|p| p.into_owned())
        .unwrap_or_else(|_| password.to_string());
    (format!("{scheme}://{user}@{host}{tail}"), Some(password))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(path: &str, sha: &str) -> Member {
        Member {
            path: path.into(),
            size: 3,
            sha256: sha.into(),
        }
    }

    fn manifest(engine: Engine, members: Vec<Member>) -> Manifest {
        Manifest {
            format: FORMAT,
            portal_version: "0.1.0".into(),
            engine,
            created_at: DateTime::<Utc>::default(),
            members,
        }
    }

    #[test]
    fn an_archive_whose_members_match_its_manifest_is_accepted() {
        let members = vec![member(SQLITE_MEMBER, "aa"), member("uploads/ab/abcd", "bb")];
        let m = manifest(Engine::Sqlite, members.clone());
        assert_eq!(m.check(Engine::Sqlite, &members), Ok(()));
    }

    #[test]
    fn a_changed_missing_or_extra_member_is_refused_by_name() {
        let members = vec![member(SQLITE_MEMBER, "aa"), member("outbox/1.eml", "bb")];
        let m = manifest(Engine::Sqlite, members.clone());
        let mut changed = members.clone();
        changed[1].sha256 = "bc".into();
        assert_eq!(
            m.check(Engine::Sqlite, &changed),
            Err(Refusal::Damaged("outbox/1.eml".into()))
        );
        let mut shorter = members.clone();
        shorter[1].size = 2;
        assert_eq!(
            m.check(Engine::Sqlite, &shorter),
            Err(Refusal::Damaged("outbox/1.eml".into()))
        );
        assert_eq!(
            m.check(Engine::Sqlite, &members[..1]),
            Err(Refusal::Missing("outbox/1.eml".into()))
        );
        let mut more = members.clone();
        more.push(member("uploads/x", "cc"));
        assert_eq!(
            m.check(Engine::Sqlite, &more),
            Err(Refusal::Unlisted("uploads/x".into()))
        );
    }

    #[test]
    fn an_archive_of_another_engine_or_format_or_without_a_database_is_refused() {
        let members = vec![member(PG_MEMBER, "aa")];
        let m = manifest(Engine::Postgres, members.clone());
        assert!(matches!(
            m.check(Engine::Sqlite, &members),
            Err(Refusal::Engine { .. })
        ));
        assert_eq!(m.check(Engine::Postgres, &members), Ok(()));
        let newer = Manifest {
            format: FORMAT + 1,
            ..m.clone()
        };
        assert_eq!(
            newer.check(Engine::Postgres, &members),
            Err(Refusal::Format(FORMAT + 1))
        );
        let empty = manifest(Engine::Postgres, vec![member("uploads/a", "aa")]);
        assert_eq!(
            empty.check(Engine::Postgres, &[member("uploads/a", "aa")]),
            Err(Refusal::NoDatabase(PG_MEMBER))
        );
    }

    #[test]
    fn only_the_names_a_backup_writes_are_accepted_as_members() {
        for ok in [
            MANIFEST,
            SQLITE_MEMBER,
            PG_MEMBER,
            "uploads/ab/abcdef",
            "outbox/x.eml",
        ] {
            assert!(member_path_ok(ok), "{ok}");
        }
        for bad in [
            "/etc/passwd",
            "uploads/../portal.db",
            "../x",
            "uploads",
            "uploads/",
            "seal.key",
            "database/other.db",
        ] {
            assert!(!member_path_ok(bad), "{bad}");
        }
    }

    #[test]
    fn retention_removes_the_oldest_archives_beyond_the_count_and_nothing_else() {
        let at = |s: &str| {
            archive_name(
                chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S")
                    .unwrap_or_default()
                    .and_utc(),
            )
        };
        let names = vec![
            at("2026-12-03 02:00:00"),
            "notes.txt".to_string(),
            at("2026-12-01 02:00:00"),
            at("2026-12-02 02:00:00"),
            "portal-backup-by-hand.tar.gz".to_string(),
            at("2026-12-04 02:00:00"),
        ];
        assert_eq!(
            to_prune(&names, 2),
            vec![at("2026-12-01 02:00:00"), at("2026-12-02 02:00:00")]
        );
        assert!(to_prune(&names, 4).is_empty());
        assert!(to_prune(&names, 7).is_empty());
        // Zero would remove the archive just written: at least one is always kept.
        assert_eq!(to_prune(&names, 0).len(), 3);
        assert_eq!(
            at("2026-12-01 02:00:00"),
            "portal-backup-20261201T020000.000Z.tar.gz"
        );
    }

    #[test]
    fn a_backup_folder_inside_the_data_folder_is_recognised() {
        let cwd = Path::new("/srv/portal");
        let data = normalise(Path::new("data"), cwd);
        assert!(inside(&normalise(Path::new("data/backups"), cwd), &data));
        assert!(inside(&normalise(Path::new("./data/"), cwd), &data));
        assert!(inside(
            &normalise(Path::new("/srv/portal/x/../data/b"), cwd),
            &data
        ));
        assert!(!inside(
            &normalise(Path::new("data/../backups"), cwd),
            &data
        ));
        assert!(!inside(&normalise(Path::new("data-backups"), cwd), &data));
    }

    #[test]
    fn an_upload_still_being_written_is_not_carried() {
        assert!(carried("ab12cd"));
        assert!(carried("1733450000-abc.eml"));
        assert!(!carried("ab12cd.tmp-1234-beef"));
    }

    #[test]
    fn the_password_leaves_the_url_for_the_environment() {
        assert_eq!(
            split_password("postgres://portal:s%40cret@db:5432/portal?sslmode=require"),
            (
                "postgres://portal@db:5432/portal?sslmode=require".to_string(),
                Some("s@cret".to_string())
            )
        );
        assert_eq!(
            split_password("postgres://postgres@127.0.0.1/x"),
            ("postgres://postgres@127.0.0.1/x".to_string(), None)
        );
        assert_eq!(
            split_password("postgres://db/x?options=-c%20a%3Db@c"),
            ("postgres://db/x?options=-c%20a%3Db@c".to_string(), None)
        );
    }
}
