//! PostgreSQL for the system tests: the shared test database of `TEST_DATABASE_URL` (a fresh
//! schema per test), and a private throwaway server in a temporary folder that a test may
//! stop and start at will (the shared server on 5432 is never touched).

use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::time::Duration;
use tempfile::TempDir;

/// Whether CI requires every test to run (`CI=true`): a missing tool is then a failure.
fn in_ci() -> bool {
    std::env::var("CI").as_deref() == Ok("true")
}

/// `TEST_DATABASE_URL`, or `None` when the test should be skipped: it prints why. In CI
/// (`CI=true`) a missing URL is a failure, except on the SQLite pass of `.ci/run`, which
/// says so with `TEST_BACKEND=sqlite` (its PostgreSQL pass runs these tests).
pub fn shared_url(test: &str) -> Option<String> {
    if let Some(url) = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|s| !s.is_empty())
    {
        return Some(url);
    }
    if std::env::var("TEST_BACKEND").as_deref() == Ok("sqlite") {
        eprintln!("{test} skipped: this is the SQLite pass (TEST_BACKEND=sqlite)");
        return None;
    }
    if in_ci() {
        panic!("{test} needs PostgreSQL in CI, but TEST_DATABASE_URL is not set");
    }
    eprintln!("{test} skipped: TEST_DATABASE_URL is not set (it needs PostgreSQL)");
    None
}

/// Creates a fresh schema in the database at `url` and answers its name.
pub async fn fresh_schema(url: &str) -> String {
    use sea_orm::{ConnectionTrait, Database};
    let name = format!("sys_{}", uuid::Uuid::new_v4().simple());
    let db = Database::connect(url)
        .await
        .unwrap_or_else(|e| panic!("connecting to {url}: {e}"));
    db.execute_unprepared(&format!("CREATE SCHEMA {name}"))
        .await
        .unwrap_or_else(|e| panic!("create schema {name}: {e}"));
    let _ = db.close().await;
    name
}

/// `url` with every connection's `search_path` set to `schema` (sqlx reads `options` as
/// libpq does), so that a `portal` process, which takes no schema of its own, works in it.
pub fn with_schema(url: &str, schema: &str) -> String {
    let join = if url.contains('?') { '&' } else { '?' };
    format!("{url}{join}options=-c%20search_path%3D{schema}")
}

/// The folder of `initdb` and `pg_ctl`: `PG_BIN`, else the newest
/// `/usr/lib/postgresql/<version>/bin` (Debian's layout), else `PATH`.
fn bin_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("PG_BIN").map(PathBuf::from)
        && dir.join("pg_ctl").is_file()
    {
        return Some(dir);
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("pg_ctl").is_file().then_some((v, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Some(bin);
    }
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .find(|d| d.join("pg_ctl").is_file() && d.join("initdb").is_file())
}

/// A PostgreSQL server of the test's own, on a free port, in a temporary folder, with trust
/// authentication and fsync off. Stopped (immediately) when dropped.
pub struct PrivateServer {
    dir: TempDir,
    bin: PathBuf,
    pub port: u16,
    /// `initdb` refuses to run as root: then every server command runs as this user.
    run_as: Option<&'static str>,
}

impl PrivateServer {
    /// Initialises and starts the server; `None` (with the reason printed) when PostgreSQL's
    /// server programs are not installed, except in CI, where that fails the test.
    pub async fn start(test: &str) -> Option<Self> {
        let Some(bin) = bin_dir() else {
            if in_ci() {
                panic!("{test} needs PostgreSQL's initdb and pg_ctl in CI, but they are missing");
            }
            eprintln!("{test} skipped: PostgreSQL's initdb and pg_ctl are not installed");
            return None;
        };
        let dir = tempfile::Builder::new()
            .prefix("portal-pg-")
            .tempdir()
            .expect("a temporary folder");
        let root = std::fs::metadata(dir.path())
            .map(|m| m.uid() == 0)
            .unwrap_or(false);
        let run_as = root.then_some("postgres");
        if let Some(user) = run_as {
            let ok = tokio::process::Command::new("chown")
                .arg(format!("{user}:"))
                .arg(dir.path())
                .status()
                .await
                .map(|s| s.success())
                .unwrap_or(false);
            assert!(
                ok,
                "chown {user} {}: running as root, the private PostgreSQL server runs as {user}",
                dir.path().display()
            );
        }
        let server = Self {
            port: crate::process::free_port(),
            dir,
            bin,
            run_as,
        };
        let data = server.data().display().to_string();
        server
            .pg(
                "initdb",
                &[
                    "-D",
                    &data,
                    "-U",
                    "postgres",
                    "-A",
                    "trust",
                    "-E",
                    "UTF8",
                    "--no-sync",
                ],
            )
            .await;
        server.start_again().await;
        Some(server)
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The database URL of the server's `postgres` database.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Runs one of the server's programs (as `run_as` when set) and panics unless it succeeds.
    async fn pg(&self, program: &str, args: &[&str]) {
        let path = self.bin.join(program);
        let mut c = match self.run_as {
            Some(user) => {
                let mut c = tokio::process::Command::new("runuser");
                c.args(["-u", user, "--"]).arg(&path);
                c
            }
            None => tokio::process::Command::new(&path),
        };
        let out = c
            .args(args)
            .current_dir(self.dir.path())
            .stdin(std::process::Stdio::null())
            .output()
            .await
            .unwrap_or_else(|e| panic!("starting {}: {e}", path.display()));
        assert!(
            out.status.success(),
            "{program} {}: {}\n{}{}\n{}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            self.log_tail()
        );
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("server.log")
    }

    pub fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.log_path()).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// Starts the (stopped) server and waits until it accepts connections.
    pub async fn start_again(&self) {
        let data = self.data().display().to_string();
        let log = self.log_path().display().to_string();
        let options = format!(
            "-F -p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.dir.path().display()
        );
        self.pg(
            "pg_ctl",
            &[
                "-D", &data, "-l", &log, "-o", &options, "-w", "-t", "60", "start",
            ],
        )
        .await;
    }

    /// Stops the server the way an operator's restart does (`-m fast`: sessions are ended,
    /// open transactions rolled back) and waits until it is down.
    pub async fn stop(&self) {
        let data = self.data().display().to_string();
        self.pg(
            "pg_ctl",
            &["-D", &data, "-m", "fast", "-w", "-t", "60", "stop"],
        )
        .await;
    }
}

impl Drop for PrivateServer {
    fn drop(&mut self) {
        let path = self.bin.join("pg_ctl");
        let data = self.data();
        let mut c = match self.run_as {
            Some(user) => {
                let mut c = std::process::Command::new("runuser");
                c.args(["-u", user, "--"]).arg(&path);
                c
            }
            None => std::process::Command::new(&path),
        };
        let _ = c
            .arg("-D")
            .arg(&data)
            .args(["-m", "immediate", "-w", "stop"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
        // Give the postmaster a moment to remove its socket before the folder goes.
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The database a test that runs on either backend uses: a fresh schema of
/// `TEST_DATABASE_URL` when it is set, else the SQLite file of the data folder (empty).
pub async fn either_backend() -> String {
    match std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|s| !s.is_empty())
    {
        Some(url) => {
            let schema = fresh_schema(&url).await;
            with_schema(&url, &schema)
        }
        None => String::new(),
    }
}
