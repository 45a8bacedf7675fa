//! The index's folder: files in a fresh temporary folder, read through memory maps, never
//! synced to disk. The index is rebuilt from the database at every start, so nothing in it
//! needs to survive a crash, and a commit of the change feed should not wait for the disk.
//!
//! On disk rather than in RAM for the peak memory (issue 16): the build's last step merges
//! its segments into one, and with the index in RAM the old segments and the new one were
//! all in the process's memory at once; here the new one is written to the file system and
//! the old ones are mapped pages the kernel may drop. The folder is removed when the engine
//! is dropped; one left behind by a killed process is removed by the next start
//! ([`remove_abandoned`]).

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tantivy::directory::error::{
    DeleteError, LockError, OpenDirectoryError, OpenReadError, OpenWriteError,
};
use tantivy::directory::{
    AntiCallToken, Directory, DirectoryLock, FileHandle, INDEX_WRITER_LOCK, Lock, MmapDirectory,
    TerminatingWrite, WatchCallback, WatchHandle, WritePtr,
};

/// What the folders' names start with, in the system's temporary folder.
const PREFIX: &str = "portal-catalogue-";

/// A folder younger than this is never taken for abandoned (its engine may be starting).
const ABANDONED_AFTER: Duration = Duration::from_secs(600);

/// A scratch index folder (see the module's documentation).
#[derive(Clone, Debug)]
pub struct ScratchDirectory {
    mmap: MmapDirectory,
    root: PathBuf,
    /// Removes the folder when the last clone is dropped.
    _dir: Arc<tempfile::TempDir>,
}

impl ScratchDirectory {
    /// A new, empty folder in the system's temporary folder.
    pub fn create() -> Result<ScratchDirectory, OpenDirectoryError> {
        let dir = tempfile::Builder::new()
            .prefix(PREFIX)
            .tempdir()
            .map_err(|e| OpenDirectoryError::FailedToCreateTempDir(Arc::new(e)))?;
        let root = dir.path().to_path_buf();
        // Random access: a search reads a few postings here and there, and the kernel's
        // read-ahead would map the pages around each into the process as well (resident
        // memory that no search asked for).
        #[cfg(unix)]
        let mmap = MmapDirectory::open_with_madvice(&root, tantivy::directory::Advice::Random)?;
        #[cfg(not(unix))]
        let mmap = MmapDirectory::open(&root)?;
        Ok(ScratchDirectory {
            mmap,
            root,
            _dir: Arc::new(dir),
        })
    }
}

/// Removes the scratch folders of engines that are gone (a process killed before it could
/// remove its own): those at least [`ABANDONED_AFTER`] old whose index writer's lock nobody
/// holds (a live engine holds it as long as it lives). Answers how many were removed.
pub fn remove_abandoned() -> usize {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return 0;
    };
    let now = SystemTime::now();
    let mut removed = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        let ours = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with(PREFIX));
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| now.duration_since(t).ok())
            .is_some_and(|age| age >= ABANDONED_AFTER);
        if !ours || !old || !path.is_dir() {
            continue;
        }
        let free = MmapDirectory::open(&path)
            .ok()
            .and_then(|d| d.acquire_lock(&INDEX_WRITER_LOCK).ok())
            .is_some();
        if free && std::fs::remove_dir_all(&path).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// A file written without being synced when it is finished.
struct Unsynced(File);

impl Write for Unsynced {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

impl TerminatingWrite for Unsynced {
    fn terminate_ref(&mut self, _: AntiCallToken) -> io::Result<()> {
        self.0.flush()
    }
}

impl Directory for ScratchDirectory {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        self.mmap.get_file_handle(path)
    }

    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        self.mmap.delete(path)
    }

    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        self.mmap.exists(path)
    }

    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(self.root.join(path))
            .map_err(|e| {
                if e.kind() == io::ErrorKind::AlreadyExists {
                    OpenWriteError::FileAlreadyExists(path.to_path_buf())
                } else {
                    OpenWriteError::wrap_io_error(e, path.to_path_buf())
                }
            })?;
        Ok(BufWriter::new(Box::new(Unsynced(file))))
    }

    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        self.mmap.atomic_read(path)
    }

    /// Written beside and renamed over, so a reader never sees half of it; not synced.
    fn atomic_write(&self, path: &Path, data: &[u8]) -> io::Result<()> {
        let target = self.root.join(path);
        let mut tmp = tempfile::NamedTempFile::new_in(&self.root)?;
        tmp.write_all(data)?;
        tmp.flush()?;
        tmp.persist(target).map_err(|e| e.error)?;
        Ok(())
    }

    fn sync_directory(&self) -> io::Result<()> {
        Ok(())
    }

    fn acquire_lock(&self, lock: &Lock) -> Result<DirectoryLock, LockError> {
        self.mmap.acquire_lock(lock)
    }

    fn watch(&self, watch_callback: WatchCallback) -> tantivy::Result<WatchHandle> {
        self.mmap.watch(watch_callback)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_goes_with_its_engine_and_a_held_one_is_never_taken_for_abandoned() {
        let dir = ScratchDirectory::create().expect("folder");
        let root = dir.root.clone();
        assert!(root.is_dir());
        // Held (as a live engine's writer holds it): never removed, however old.
        let held = dir.acquire_lock(&INDEX_WRITER_LOCK).expect("lock");
        remove_abandoned();
        assert!(root.is_dir());
        drop(held);
        drop(dir);
        assert!(!root.exists(), "removed with its engine");
    }

    #[test]
    fn a_written_file_reads_back_and_an_atomic_write_replaces_the_whole() {
        let dir = ScratchDirectory::create().expect("folder");
        let mut w = dir.open_write(Path::new("a.bin")).expect("write");
        w.write_all(b"segment").expect("bytes");
        w.flush().expect("flush");
        drop(w);
        assert!(matches!(
            dir.open_write(Path::new("a.bin")),
            Err(OpenWriteError::FileAlreadyExists(_))
        ));
        let read = dir.open_read(Path::new("a.bin")).expect("read");
        assert_eq!(read.read_bytes().expect("bytes").as_slice(), b"segment");
        dir.atomic_write(Path::new("meta.json"), b"{\"a\":1}")
            .expect("write");
        dir.atomic_write(Path::new("meta.json"), b"{}")
            .expect("write");
        assert_eq!(
            dir.atomic_read(Path::new("meta.json")).expect("read"),
            b"{}"
        );
    }
}
