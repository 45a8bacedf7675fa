//! Settings for one process, from defaults, an optional TOML file, then the environment.
//!
//! Environment variables are `PORTAL_*` (for example `PORTAL_BIND`), plus the customary
//! unprefixed `DATABASE_URL` and `SMTP_URL`. The file is `portal.toml` in the working
//! directory, or the path in `PORTAL_CONFIG`.

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Address the web server listens on.
    pub bind: String,
    /// Folder for the SQLite file, the mail outbox files and uploads.
    pub data_dir: PathBuf,
    /// Where the daily backup job writes its archives; empty means `backups` beside
    /// `data_dir` (never inside it: a backup must not be lost with the folder it saves).
    pub backup_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; empty means `data_dir/portal.db`.
    pub database_url: String,
    /// `smtp://user:pass@host:port` (or `smtps://`); empty writes `.eml` files instead.
    pub smtp_url: String,
    /// The sender of every email.
    pub mail_from: String,
    /// Public address of the portal, used in links inside emails.
    pub base_url: String,
    /// How long a sign-in token lives, in minutes.
    pub token_minutes: i64,
    /// Mark cookies `Secure` and send HSTS although `base_url` is not https (a TLS proxy in
    /// front of a portal that does not know its public address). An https `base_url` does it
    /// by itself.
    pub secure_cookies: bool,
    /// Company time zone: period ends and "two months" are counted in it.
    pub timezone: String,
    /// Run the scheduled jobs in this process (they are still claimed once per period).
    pub run_jobs: bool,
    /// Seconds between two passes of the mail sender.
    pub mail_interval_secs: u64,
    /// Connections in the database pool (readers, on SQLite).
    pub db_pool: u32,
    /// Caps the SQLite file at this many megabytes, so that it cannot fill a disk it shares
    /// with other programs; past it, writes are refused as on a full disk. Unset: no cap.
    pub sqlite_max_mb: Option<u64>,
    /// Failed sign-ins allowed per account or address within `login_window_minutes`.
    pub login_max_failures: u64,
    pub login_window_minutes: i64,
    /// The file holding the key that seals bids (when `PORTAL_SEAL_KEY` is unset); unset:
    /// `<data_dir>.seal.key`, beside the data folder. Keep it out of the data folder and its
    /// backups; see docs/sealing.md.
    pub seal_key_file: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("data"),
            backup_dir: PathBuf::new(),
            database_url: String::new(),
            smtp_url: String::new(),
            mail_from: "Materials Supermarket <noreply@portal.local>".into(),
            base_url: String::new(),
            token_minutes: 30,
            secure_cookies: false,
            timezone: "Asia/Shanghai".into(),
            run_jobs: true,
            mail_interval_secs: 5,
            db_pool: 8,
            sqlite_max_mb: None,
            login_max_failures: 5,
            login_window_minutes: 15,
            seal_key_file: None,
        }
    }
}

impl Config {
    /// Reads defaults, the optional file and the environment, in that order.
    pub fn load() -> Result<Self, Box<figment::Error>> {
        let file = std::env::var("PORTAL_CONFIG").unwrap_or_else(|_| "portal.toml".into());
        Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::file(file))
            .merge(Env::raw().only(&["DATABASE_URL", "SMTP_URL"]))
            .merge(Env::prefixed("PORTAL_"))
            .extract()
            .map_err(Box::new)
    }

    /// The database to open: `database_url`, or the SQLite file in `data_dir`.
    pub fn database_url(&self) -> String {
        if self.database_url.is_empty() {
            format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("portal.db").display()
            )
        } else {
            self.database_url.clone()
        }
    }

    pub fn outbox_dir(&self) -> PathBuf {
        self.data_dir.join("outbox")
    }

    pub fn base_url(&self) -> String {
        if self.base_url.is_empty() {
            format!("http://{}", self.bind)
        } else {
            self.base_url.trim_end_matches('/').to_string()
        }
    }

    /// Served over https: the base URL says so, or the operator set `secure_cookies` (a TLS
    /// proxy in front of a portal whose base URL is not set). Cookies are then `Secure` and
    /// responses carry HSTS (`web::headers`).
    pub fn https(&self) -> bool {
        self.secure_cookies
            || self
                .base_url
                .trim()
                .to_ascii_lowercase()
                .starts_with("https://")
    }

    pub fn tz(&self) -> chrono_tz::Tz {
        self.timezone.parse().unwrap_or(chrono_tz::Asia::Shanghai)
    }
}
