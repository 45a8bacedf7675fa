//! The server under test: the real `portal` binary (release build) in its own process, so that
//! its peak memory is its own, started with `serve` as an operator would, the scheduler off.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::BenchError;
use crate::load::{Conn, get};

/// Finds the `portal` binary beside this one (both are built into `target/release`), building
/// it first when this was started by `cargo run` (a no-op when it is up to date).
pub fn portal_binary(explicit: Option<PathBuf>) -> Result<PathBuf, BenchError> {
    if let Some(p) = explicit {
        return Ok(p);
    }
    let me = std::env::current_exe()?;
    let bin = me.with_file_name("portal");
    if let Ok(cargo) = std::env::var("CARGO") {
        let release = me
            .parent()
            .and_then(Path::file_name)
            .is_some_and(|d| d == "release");
        let mut cmd = Command::new(cargo);
        // `cargo run` gives this process the bench package's variables (CARGO_PKG_NAME,
        // CARGO_MANIFEST_DIR …). Build scripts such as ring's ask to rerun when those change,
        // so passing them on would rebuild half the dependencies each time.
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy();
            if [
                "CARGO_PKG_",
                "CARGO_MANIFEST_",
                "CARGO_CRATE_",
                "CARGO_BIN_",
                "CARGO_PRIMARY_",
            ]
            .iter()
            .any(|p| key.starts_with(p))
                || key == "OUT_DIR"
            {
                cmd.env_remove(key.as_ref());
            }
        }
        cmd.args([
            "build",
            "-p",
            "portal",
            "-p",
            "portal-bench",
            "--bin",
            "portal",
        ]);
        if release {
            cmd.arg("--release");
        }
        let status = cmd.status()?;
        if !status.success() {
            return Err(BenchError::new("building the portal binary failed"));
        }
    }
    if bin.exists() {
        Ok(bin)
    } else {
        Err(BenchError::new(format!(
            "{} not found: build it with `cargo build --release`, or pass --portal-bin",
            bin.display()
        )))
    }
}

/// A running portal.
pub struct Portal {
    child: Child,
    pub addr: SocketAddr,
    pub log: PathBuf,
}

impl Portal {
    /// Starts `bin serve` on a free loopback port with `data_dir` and, for PostgreSQL,
    /// `database_url`; waits until `/readyz` answers.
    pub async fn start(
        bin: &Path,
        data_dir: &Path,
        database_url: Option<&str>,
        pool: u32,
    ) -> Result<Portal, BenchError> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let log = data_dir.join("portal.log");
        let out = std::fs::File::create(&log)?;
        let mut cmd = Command::new(bin);
        // Only this run's settings: none from the caller's environment or a portal.toml.
        for (k, _) in std::env::vars() {
            if k.starts_with("PORTAL_") || k == "DATABASE_URL" || k == "SMTP_URL" {
                cmd.env_remove(k);
            }
        }
        cmd.arg("serve")
            .env("PORTAL_CONFIG", data_dir.join("none.toml"))
            .env("PORTAL_BIND", addr.to_string())
            .env("PORTAL_DATA_DIR", data_dir)
            .env("PORTAL_RUN_JOBS", "false")
            .env("PORTAL_DB_POOL", pool.to_string())
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out);
        if let Some(url) = database_url {
            cmd.env("DATABASE_URL", url);
        }
        let child = cmd.spawn()?;
        let mut portal = Portal { child, addr, log };
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Some(status) = portal.child.try_wait()? {
                return Err(BenchError::new(format!(
                    "the portal exited ({status}); see {}",
                    portal.log.display()
                )));
            }
            let mut c = Conn::new(addr);
            if let Ok((s, _)) = c.send(get("/readyz", &[])?).await
                && s.is_success()
            {
                return Ok(portal);
            }
            if Instant::now() > deadline {
                portal.stop();
                return Err(BenchError::new("the portal did not become ready in 120 s"));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Waits until the server answers with its catalogue index built (`/readyz` says so).
    pub async fn index_ready(&self) -> Result<(), BenchError> {
        let deadline = Instant::now() + Duration::from_secs(300);
        loop {
            let mut c = Conn::new(self.addr);
            if let Ok((s, body)) = c.send(get("/readyz", &[])?).await
                && s.is_success()
                && serde_json::from_slice::<serde_json::Value>(&body)
                    .is_ok_and(|v| v["catalogue_index"] == "ready")
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(BenchError::new(
                    "the catalogue index was not built in 300 s",
                ));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Peak resident memory so far (`VmHWM`), in bytes.
    pub fn peak_rss(&self) -> Result<u64, BenchError> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map(|kb| kb * 1024)
            .ok_or_else(|| BenchError::new("no VmHWM in /proc/<pid>/status"))
    }

    /// Stops the server (this process started it, by its id).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Portal {
    fn drop(&mut self) {
        self.stop();
    }
}
