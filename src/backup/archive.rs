//! Writing and reading the archive file: a gzip-compressed tar whose members are hashed as
//! they go in or come out, with the manifest last. An archive is written under a temporary
//! name beside its final one, synced, and only then renamed: a backup is never half-written
//! under the name an operator would restore from. Blocking I/O: call it from
//! `spawn_blocking`.

use super::rules::{self, Engine, MANIFEST, Manifest, Member, Refusal};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{self, BufWriter, Read};
use std::path::{Path, PathBuf};

/// A failed backup or restore, in words for the operator.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The archive is not one to restore from (damaged, another engine, another format).
    #[error("the archive {file} is refused: {reason}; nothing was restored")]
    Refused { file: String, reason: Refusal },
    /// The archive cannot even be read through: damaged, cut short or not a backup.
    #[error(
        "the archive {file} is damaged or not a portal backup ({detail}); nothing was restored"
    )]
    Unreadable { file: String, detail: String },
    /// Anything else, already said in full.
    #[error("{0}")]
    Failed(String),
}

impl BackupError {
    pub fn io(what: &str, path: &Path, e: io::Error) -> Self {
        BackupError::Failed(format!("{what} {}: {e}", path.display()))
    }
}

/// A backup that could not be written is the disk's or the folder's trouble, not a bug: a full
/// disk answers as one (503 `storage_full`), anything else as unavailable (503) with its words
/// kept for the log and the job's run.
impl From<BackupError> for crate::error::AppError {
    fn from(e: BackupError) -> Self {
        let text = e.to_string();
        tracing::error!(error = %text, "backup failed");
        if text.contains("No space left") || text.contains("os error 28") {
            crate::error::AppError::StorageFull
        } else {
            crate::error::AppError::Outside(text)
        }
    }
}

/// A reader that hashes and counts what passes through it.
struct Hashing<R> {
    inner: R,
    sha: Sha256,
    count: u64,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.sha.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }
}

/// What [`write`] made.
#[derive(Debug)]
pub struct Written {
    pub manifest: Manifest,
    /// The archive's size in bytes.
    pub bytes: u64,
}

/// Writes the archive `dest` of `sources` (member name, file on disk). A source that is gone
/// by the time it is read (an outbox file sent and removed) is left out; anything else
/// failing fails the whole backup and leaves no file under `dest`.
pub fn write(
    dest: &Path,
    engine: Engine,
    created_at: DateTime<Utc>,
    sources: &[(String, PathBuf)],
) -> Result<Written, BackupError> {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "backup".into());
    prepare_destination(dest)?;
    let tmp = dest.with_file_name(format!(".{name}.partial-{}", std::process::id()));
    let result = write_to(&tmp, engine, created_at, sources).and_then(|manifest| {
        std::fs::rename(&tmp, dest).map_err(|e| BackupError::io("renaming into", dest, e))?;
        if let Some(dir) = dest.parent() {
            // The rename itself is kept only once the folder is synced.
            File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(|e| BackupError::io("syncing the folder", dir, e))?;
        }
        let bytes = std::fs::metadata(dest)
            .map_err(|e| BackupError::io("reading", dest, e))?
            .len();
        Ok(Written { manifest, bytes })
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

fn write_to(
    tmp: &Path,
    engine: Engine,
    created_at: DateTime<Utc>,
    sources: &[(String, PathBuf)],
) -> Result<Manifest, BackupError> {
    let file = File::create_new(tmp).map_err(|e| BackupError::io("creating", tmp, e))?;
    let gz = flate2::write::GzEncoder::new(BufWriter::new(file), flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    let mut members = Vec::new();
    let mtime = u64::try_from(created_at.timestamp()).unwrap_or_default();
    for (member, path) in sources {
        let f = match File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(BackupError::io("reading", path, e)),
        };
        let size = f
            .metadata()
            .map_err(|e| BackupError::io("reading", path, e))?
            .len();
        let mut header = tar::Header::new_gnu();
        header.set_size(size);
        header.set_mode(0o600);
        header.set_mtime(mtime);
        let mut reader = Hashing {
            inner: f.take(size),
            sha: Sha256::new(),
            count: 0,
        };
        tar.append_data(&mut header, member, &mut reader)
            .map_err(|e| BackupError::io("archiving", path, e))?;
        if reader.count != size {
            return Err(BackupError::Failed(format!(
                "{} changed size while it was archived; run the backup again",
                path.display()
            )));
        }
        members.push(Member {
            path: member.clone(),
            size,
            sha256: hex::encode(reader.sha.finalize()),
        });
    }
    let manifest = Manifest {
        format: rules::FORMAT,
        portal_version: env!("CARGO_PKG_VERSION").to_string(),
        engine,
        created_at,
        members,
    };
    let json = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| BackupError::Failed(format!("manifest: {e}")))?;
    let mut header = tar::Header::new_gnu();
    header.set_size(json.len() as u64);
    header.set_mode(0o600);
    header.set_mtime(mtime);
    tar.append_data(&mut header, MANIFEST, json.as_slice())
        .map_err(|e| BackupError::io("writing", tmp, e))?;
    let file = tar
        .into_inner()
        .and_then(|gz| gz.finish())
        .and_then(|buf| buf.into_inner().map_err(|e| e.into_error()))
        .map_err(|e| BackupError::io("writing", tmp, e))?;
    file.sync_all()
        .map_err(|e| BackupError::io("syncing", tmp, e))?;
    Ok(manifest)
}

/// The manifest's largest plausible size: anything bigger is not one.
const MANIFEST_MAX: u64 = 64 << 20;

/// Reads `archive` into the folder `into` (which must exist), hashing every member, and
/// checks it against its manifest and the `target` engine. On any refusal `into` holds
/// partial files: the caller removes it.
pub fn extract(archive: &Path, into: &Path, target: Engine) -> Result<Manifest, BackupError> {
    let file_name = archive.display().to_string();
    let unreadable = |e: io::Error| BackupError::Unreadable {
        file: file_name.clone(),
        detail: e.to_string(),
    };
    let refused = |reason: Refusal| BackupError::Refused {
        file: file_name.clone(),
        reason,
    };
    let f = File::open(archive).map_err(|e| BackupError::io("opening", archive, e))?;
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(io::BufReader::new(f)));
    let mut found = Vec::new();
    let mut manifest: Option<Manifest> = None;
    for entry in tar.entries().map_err(unreadable)? {
        let mut entry = entry.map_err(unreadable)?;
        let path = entry
            .path()
            .map_err(unreadable)?
            .to_string_lossy()
            .into_owned();
        if !entry.header().entry_type().is_file() || !rules::member_path_ok(&path) {
            return Err(refused(Refusal::BadPath(path)));
        }
        if path == MANIFEST {
            let mut text = Vec::new();
            (&mut entry)
                .take(MANIFEST_MAX)
                .read_to_end(&mut text)
                .map_err(unreadable)?;
            let m = serde_json::from_slice(&text).map_err(|e| BackupError::Unreadable {
                file: file_name.clone(),
                detail: format!("manifest: {e}"),
            })?;
            manifest = Some(m);
            continue;
        }
        let out = into.join(&path);
        if let Some(dir) = out.parent() {
            std::fs::create_dir_all(dir).map_err(|e| BackupError::io("creating", dir, e))?;
        }
        let mut w = File::create(&out).map_err(|e| BackupError::io("creating", &out, e))?;
        let mut reader = Hashing {
            inner: &mut entry,
            sha: Sha256::new(),
            count: 0,
        };
        io::copy(&mut reader, &mut w).map_err(unreadable)?;
        w.sync_all()
            .map_err(|e| BackupError::io("syncing", &out, e))?;
        found.push(Member {
            path,
            size: reader.count,
            sha256: hex::encode(reader.sha.finalize()),
        });
    }
    // Reading to the end checks the gzip trailer (its CRC and length) too.
    let manifest = manifest.ok_or_else(|| refused(Refusal::NoManifest))?;
    manifest.check(target, &found).map_err(refused)?;
    Ok(manifest)
}

/// The files under `dir`, recursively, as (member name under `prefix`, path), sorted; none
/// when `dir` does not exist. Uploads still being written are left out.
pub fn files_under(dir: &Path, prefix: &str) -> Result<Vec<(String, PathBuf)>, BackupError> {
    let mut out = Vec::new();
    let mut stack = vec![(dir.to_path_buf(), prefix.to_string())];
    while let Some((d, p)) = stack.pop() {
        let entries = match std::fs::read_dir(&d) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(BackupError::io("listing", &d, e)),
        };
        for e in entries {
            let e = e.map_err(|e| BackupError::io("listing", &d, e))?;
            let name = e.file_name().to_string_lossy().into_owned();
            let kind = e
                .file_type()
                .map_err(|err| BackupError::io("listing", &e.path(), err))?;
            let member = format!("{p}/{name}");
            if kind.is_dir() {
                stack.push((e.path(), member));
            } else if kind.is_file() && rules::carried(&name) {
                out.push((member, e.path()));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Makes sure `path`'s folder exists and the archive does not: a backup never replaces a
/// file.
pub fn prepare_destination(path: &Path) -> Result<(), BackupError> {
    if path.exists() {
        return Err(BackupError::Failed(format!(
            "{} already exists; choose another name or move it away first",
            path.display()
        )));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| BackupError::io("creating", dir, e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder() -> tempfile::TempDir {
        tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"))
    }

    fn sources(dir: &Path) -> Vec<(String, PathBuf)> {
        let db = dir.join("snap.db");
        std::fs::write(&db, b"SQLite format 3\0 pretend").unwrap_or_default();
        std::fs::create_dir_all(dir.join("uploads/ab")).unwrap_or_default();
        std::fs::write(dir.join("uploads/ab/abcd"), vec![7u8; 70_000]).unwrap_or_default();
        std::fs::write(dir.join("uploads/ab/abcd.tmp-1-ff"), b"half").unwrap_or_default();
        let mut s = vec![(rules::SQLITE_MEMBER.to_string(), db)];
        s.extend(files_under(&dir.join("uploads"), "uploads").unwrap_or_default());
        s
    }

    #[test]
    fn an_archive_written_reads_back_with_every_member_and_no_half_upload() {
        let src = folder();
        let out = folder();
        let dest = out.path().join("b.tar.gz");
        let w = write(&dest, Engine::Sqlite, Utc::now(), &sources(src.path()));
        let w = w.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(w.manifest.members.len(), 2, "{:?}", w.manifest.members);
        let leftovers: Vec<_> = std::fs::read_dir(out.path())
            .map(|d| d.flatten().map(|e| e.file_name()).collect())
            .unwrap_or_default();
        assert_eq!(leftovers, vec![std::ffi::OsString::from("b.tar.gz")]);
        let into = folder();
        let m = extract(&dest, into.path(), Engine::Sqlite).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(m, w.manifest);
        assert_eq!(
            std::fs::read(into.path().join("uploads/ab/abcd")).unwrap_or_default(),
            vec![7u8; 70_000]
        );
        assert!(!into.path().join("uploads/ab/abcd.tmp-1-ff").exists());
        assert!(matches!(
            extract(&dest, folder().path(), Engine::Postgres),
            Err(BackupError::Refused {
                reason: Refusal::Engine { .. },
                ..
            })
        ));
    }

    #[test]
    fn a_damaged_or_cut_archive_is_refused() {
        let src = folder();
        let out = folder();
        let dest = out.path().join("b.tar.gz");
        write(&dest, Engine::Sqlite, Utc::now(), &sources(src.path()))
            .unwrap_or_else(|e| panic!("{e}"));
        let bytes = std::fs::read(&dest).unwrap_or_default();
        let mut flipped = bytes.clone();
        let mid = flipped.len() / 2;
        flipped[mid] ^= 0x55;
        let bad = out.path().join("flipped.tar.gz");
        std::fs::write(&bad, &flipped).unwrap_or_default();
        assert!(extract(&bad, folder().path(), Engine::Sqlite).is_err());
        let cut = out.path().join("cut.tar.gz");
        std::fs::write(&cut, &bytes[..bytes.len() - 100]).unwrap_or_default();
        assert!(extract(&cut, folder().path(), Engine::Sqlite).is_err());
        let refused = write(&dest, Engine::Sqlite, Utc::now(), &[]);
        assert!(refused.is_err(), "an existing archive is replaced");
    }
}
