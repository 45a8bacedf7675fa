//! The real `portal` binary as separate processes: servers started with `portal serve` and
//! waited for on `/readyz`, and one-shot commands (`portal demo`, `jobs run`, `audit verify`).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

const BINARY: &str = env!("CARGO_BIN_EXE_portal");

/// How long a server may take to print its address and answer `/readyz` (a debug build
/// migrating a fresh PostgreSQL schema on a busy 2-core machine).
const START: Duration = Duration::from_secs(60);

/// The key that seals bids, given as an operator gives it (`PORTAL_SEAL_KEY`, see
/// docs/sealing.md): one for every process of a test, so that instances sharing a database
/// share it, as they must.
pub const SEAL_KEY: &str = "BwWXRQL1Ui4Ehfulbr5B3VjMAFkn4EFUbGEtjtXcOV0=";

/// How every process of one test runs: its data folder, its database, its mail.
#[derive(Clone, Debug)]
pub struct Setup {
    pub data_dir: PathBuf,
    /// Empty: the SQLite file in `data_dir`.
    pub database_url: String,
    /// Empty: `.eml` files in `data_dir/outbox`.
    pub smtp_url: String,
    /// Run the scheduler in `serve` (both instances then race for today's jobs).
    pub run_jobs: bool,
    /// `PORTAL_SQLITE_MAX_MB`: caps the SQLite file, so a test can fill it.
    pub sqlite_max_mb: Option<u64>,
    /// `PORTAL_BACKUP_DIR`; unset: `backups` beside the data folder.
    pub backup_dir: Option<PathBuf>,
}

/// What a one-shot command did.
#[derive(Debug)]
pub struct Ran {
    pub args: String,
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

impl Setup {
    pub fn new(data_dir: &Path, database_url: &str) -> Self {
        Self {
            data_dir: data_dir.to_path_buf(),
            database_url: database_url.to_string(),
            smtp_url: String::new(),
            run_jobs: false,
            sqlite_max_mb: None,
            backup_dir: None,
        }
    }

    /// The command line of `args`, with this setup's settings and nothing inherited that
    /// could change them (a `portal.toml` in the working folder, `PORTAL_*` of the caller).
    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BINARY);
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("PORTAL_") {
                c.env_remove(key);
            }
        }
        c.arg("--data-dir")
            .arg(&self.data_dir)
            .args(args)
            .current_dir(&self.data_dir)
            .env("PORTAL_CONFIG", self.data_dir.join("no-such-portal.toml"))
            .env("DATABASE_URL", &self.database_url)
            .env("SMTP_URL", &self.smtp_url)
            .env(
                "PORTAL_RUN_JOBS",
                if self.run_jobs { "true" } else { "false" },
            )
            .env("PORTAL_MAIL_INTERVAL_SECS", "1")
            .env("PORTAL_SEAL_KEY", SEAL_KEY)
            .env("PORTAL_DB_POOL", "4")
            .envs(
                self.sqlite_max_mb
                    .map(|mb| ("PORTAL_SQLITE_MAX_MB", mb.to_string())),
            )
            .envs(self.backup_dir.as_ref().map(|d| ("PORTAL_BACKUP_DIR", d)))
            .env("PORTAL_LOG", "info,sqlx=warn,sea_orm=warn")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .kill_on_drop(true);
        c
    }

    /// Runs `portal <args>` to its end.
    pub async fn run(&self, args: &[&str]) -> Ran {
        let out = self
            .command(args)
            .output()
            .await
            .unwrap_or_else(|e| panic!("starting {BINARY}: {e}"));
        Ran {
            args: args.join(" "),
            success: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Runs `portal <args>` and panics unless it succeeds; answers its standard output.
    pub async fn must_run(&self, args: &[&str]) -> String {
        let ran = self.run(args).await;
        assert!(
            ran.success,
            "portal {} failed:\n{}{}",
            ran.args, ran.stdout, ran.stderr
        );
        ran.stdout
    }

    /// Starts `portal serve` on a free port and waits until it is ready. `name` tells the
    /// instances of a test apart in their log file names.
    pub async fn serve(&self, name: &str) -> Portal {
        let log = self.data_dir.join(format!("{name}-{}.log", unique()));
        let file = std::fs::File::create(&log)
            .unwrap_or_else(|e| panic!("creating {}: {e}", log.display()));
        let err = file.try_clone().expect("log file");
        let child = self
            .command(&["serve", "--bind", "127.0.0.1:0"])
            .stdout(Stdio::from(file))
            .stderr(Stdio::from(err))
            .spawn()
            .unwrap_or_else(|e| panic!("starting {BINARY}: {e}"));
        let mut portal = Portal {
            child,
            url: String::new(),
            log,
            name: name.to_string(),
        };
        portal.url = portal.wait_for_address().await;
        portal.wait_ready().await;
        portal
    }
}

fn unique() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default()
}

/// One running `portal serve`; killed when dropped (its log is printed when a test fails).
pub struct Portal {
    child: Child,
    /// `http://127.0.0.1:<port>`
    pub url: String,
    log: PathBuf,
    name: String,
}

impl Portal {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The last lines of the server's log, for failure messages.
    pub fn log_tail(&self) -> String {
        let log = self.log();
        let lines: Vec<&str> = log.lines().collect();
        let from = lines.len().saturating_sub(40);
        format!(
            "--- last lines of {} ({}) ---\n{}",
            self.name,
            self.log.display(),
            lines[from..].join("\n")
        )
    }

    async fn wait_for_address(&mut self) -> String {
        const MARKER: &str = "Materials supermarket portal: ";
        let deadline = Instant::now() + START;
        loop {
            if let Some(url) = self.log().lines().find_map(|l| {
                l.split_once(MARKER)
                    .map(|(_, rest)| rest.trim().to_string())
            }) {
                return url;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("{} exited with {status}\n{}", self.name, self.log_tail());
            }
            assert!(
                Instant::now() < deadline,
                "{} printed no address within {START:?}\n{}",
                self.name,
                self.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until `/readyz` answers 200 (the database answers).
    pub async fn wait_ready(&mut self) {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .expect("client");
        let deadline = Instant::now() + START;
        loop {
            if let Ok(r) = client.get(self.url("/readyz")).send().await
                && r.status().is_success()
            {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("{} exited with {status}\n{}", self.name, self.log_tail());
            }
            assert!(
                Instant::now() < deadline,
                "{} not ready within {START:?}\n{}",
                self.name,
                self.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// SIGKILL: no shutdown, no flush, no rollback but the database's own.
    pub async fn kill(&mut self) {
        self.child
            .kill()
            .await
            .unwrap_or_else(|e| panic!("killing {}: {e}", self.name));
    }

    /// The server's log lines that report an internal error (a 500).
    pub fn internal_errors(&self) -> Vec<String> {
        self.log()
            .lines()
            .filter(|l| l.contains("internal error"))
            .map(str::to_string)
            .collect()
    }
}

impl Drop for Portal {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("{}", self.log_tail());
        }
        let _ = self.child.start_kill();
    }
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Polls `check` every 200 ms until it answers true or `limit` has passed.
pub async fn wait_until<F, Fut>(limit: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + limit;
    loop {
        if check().await {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
