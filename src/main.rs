//! The `portal` command: serve (the default), migrate, demo, user add, jobs run, audit verify,
//! backup, restore, seal-key generate/rotate.

use clap::{Parser, Subcommand};
use portal::clock::{SharedClock, SystemClock};
use portal::config::Config;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Parser)]
#[command(
    name = "portal",
    version,
    about = "Materials supermarket: supplier marketplace and consignment portal"
)]
struct Cli {
    /// Address to listen on [env: PORTAL_BIND; default 127.0.0.1:8080]
    #[arg(long, global = true)]
    bind: Option<String>,
    /// Folder for the SQLite database, outgoing mail files and uploads [env: PORTAL_DATA_DIR; default ./data]
    #[arg(long, global = true)]
    data_dir: Option<std::path::PathBuf>,
    /// The file holding the key that seals bids, when PORTAL_SEAL_KEY is unset [env: PORTAL_SEAL_KEY_FILE; default <data-dir>.seal.key]
    #[arg(long, global = true)]
    seal_key_file: Option<std::path::PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the portal (the default).
    Serve {
        /// Load the demo data first when the database is empty.
        #[arg(long)]
        demo: bool,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Load the demo data into an empty database.
    Demo,
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Run scheduled jobs by hand.
    Jobs {
        #[command(subcommand)]
        command: JobsCommand,
    },
    /// Check the audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Write one archive of the database (a consistent snapshot, taken while the portal
    /// serves), the uploads and the mail outbox. See docs/backup.md.
    Backup {
        /// The archive to write (it must not exist); default: a new file named by the time
        /// in the backup folder (PORTAL_BACKUP_DIR, else `backups` beside the data folder).
        #[arg(long)]
        to: Option<std::path::PathBuf>,
    },
    /// Restore an archive of `portal backup` into an empty data folder (and, on PostgreSQL,
    /// the empty database of DATABASE_URL).
    Restore {
        #[arg(long)]
        from: std::path::PathBuf,
    },
    /// The key that seals bids (kept outside the database; see docs/sealing.md).
    SealKey {
        #[command(subcommand)]
        command: SealKeyCommand,
    },
}

#[derive(Subcommand)]
enum SealKeyCommand {
    /// Write a new key into a new file (never over an existing one); the database is not
    /// touched. Without --file: the configured key file.
    Generate {
        #[arg(long)]
        file: Option<std::path::PathBuf>,
    },
    /// Re-seal every bid with the key in FILE in one transaction (stop every instance first),
    /// then make FILE the key every instance starts with.
    Rotate {
        #[arg(long)]
        new_key_file: std::path::PathBuf,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user. The password is read from PORTAL_NEW_PASSWORD or asked on standard input.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        supplier_id: Option<entity::SupplierId>,
        #[arg(long)]
        site_id: Option<i64>,
        #[arg(long, env = "PORTAL_NEW_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
}

#[derive(Subcommand)]
enum JobsCommand {
    /// Run job NAME for the period of the given date (once per period).
    Run {
        name: String,
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the hash chain; exits non-zero when an entry was altered or removed.
    Verify,
}

fn print_logins(url: &str) {
    println!();
    println!("  Materials supermarket portal: {url}");
    println!("  Demo logins (password: {}):", portal::demo::PASSWORD);
    for role in portal::auth::Role::ALL {
        println!("    {}@demo.test", role.as_str());
    }
    println!("    {} (the group's auditor)", portal::demo::GROUP_AUDITOR);
    println!(
        "    {} (a second procurement officer, on the demo tender's committee)",
        portal::demo::SECOND_OFFICER
    );
    println!("  API document: {url}/api/openapi.json   API docs: {url}/api/docs/");
    println!();
}

async fn run(cli: Cli) -> Result<(), String> {
    let mut config = Config::load().map_err(|e| format!("configuration: {e}"))?;
    if let Some(b) = cli.bind {
        config.bind = b;
    }
    if let Some(d) = cli.data_dir {
        config.data_dir = d;
    }
    if let Some(f) = cli.seal_key_file {
        config.seal_key_file = Some(f);
    }
    let clock: SharedClock = Arc::new(SystemClock);
    let command = cli.command.unwrap_or(Command::Serve { demo: false });
    // A restore starts from nothing: no database is opened (it would be made) before it.
    if let Command::Restore { from } = &command {
        let r = portal::backup::restore_from(&config, from)
            .await
            .map_err(|e| e.to_string())?;
        println!(
            "restored {} files of a {} backup taken {} (portal {}) into {}",
            r.manifest.members.len(),
            r.manifest.engine.name(),
            r.manifest.created_at.to_rfc3339(),
            r.manifest.portal_version,
            r.data_dir.display()
        );
        println!("next: start the portal and run `portal audit verify`");
        return Ok(());
    }
    // Generating a key needs no database: it is what a database that refuses to start without
    // one asks for.
    if let Command::SealKey {
        command: SealKeyCommand::Generate { file },
    } = &command
    {
        let path = file
            .clone()
            .unwrap_or_else(|| portal::tenders::seal_key::key_path(&config));
        let key = portal::tenders::crypto::BidKey::generate();
        portal::tenders::seal_key::write_new_file(&path, &key)
            .map_err(|e| format!("writing {}: {e}", path.display()))?;
        println!(
            "new bid-sealing key written to {} (fingerprint {}); back it up separately from \
             the database and its backups",
            path.display(),
            key.fingerprint()
        );
        return Ok(());
    }
    let needs_jobs = matches!(command, Command::Serve { .. });
    if !needs_jobs {
        config.run_jobs = false;
    }
    let state = portal::prepare(config, clock, None)
        .await
        .map_err(|e| e.to_string())?;
    match command {
        Command::Serve { demo } => {
            if demo
                && portal::demo::load(&state)
                    .await
                    .map_err(|e| e.to_string())?
            {
                tracing::info!("demo data loaded");
            }
            let app = portal::Application::build(state).map_err(|e| e.to_string())?;
            let url = format!(
                "http://{}",
                app.state().config.bind.replace("0.0.0.0", "127.0.0.1")
            );
            let url = if app.state().config.bind.ends_with(":0") {
                format!("http://127.0.0.1:{}", app.port())
            } else {
                url
            };
            tracing::info!(%url, "portal listening");
            print_logins(&url);
            app.run_until_stopped().await.map_err(|e| e.to_string())
        }
        Command::Migrate => {
            println!("database is up to date");
            Ok(())
        }
        Command::Demo => {
            if portal::demo::load(&state)
                .await
                .map_err(|e| e.to_string())?
            {
                println!("demo data loaded");
            } else {
                println!("the database already has users; demo data not loaded");
            }
            Ok(())
        }
        Command::User {
            command:
                UserCommand::Add {
                    email,
                    role,
                    name,
                    supplier_id,
                    site_id,
                    password,
                },
        } => {
            if portal::auth::Role::parse(&role).is_none() {
                let roles: Vec<&str> = portal::auth::Role::ALL.iter().map(|r| r.as_str()).collect();
                return Err(format!(
                    "unknown role {role:?}; roles: {}",
                    roles.join(", ")
                ));
            }
            let password = match password {
                Some(p) => p,
                None => {
                    eprint!("password for {email}: ");
                    let mut line = String::new();
                    std::io::stdin()
                        .read_line(&mut line)
                        .map_err(|e| e.to_string())?;
                    line.trim_end_matches(['\r', '\n']).to_string()
                }
            };
            let input = portal::users::store::NewUser {
                display_name: name
                    .unwrap_or_else(|| email.split('@').next().unwrap_or_default().to_string()),
                email,
                password,
                role,
                supplier_id,
                site_id,
                locale: None,
            };
            match portal::users::store::create_as_system(
                &state,
                &portal::audit::Actor::system("cli"),
                input,
            )
            .await
            {
                Ok(u) => {
                    println!("user {} added (id {})", u.email, u.id);
                    Ok(())
                }
                Err(portal::error::AppError::Validation(f)) => {
                    let msgs = f.messages(portal::i18n::Locale::En);
                    Err(msgs
                        .iter()
                        .map(|(k, v)| format!("{k}: {v}"))
                        .collect::<Vec<_>>()
                        .join("; "))
                }
                Err(e) => Err(e.to_string()),
            }
        }
        Command::Jobs {
            command: JobsCommand::Run { name, as_of },
        } => {
            let job = portal::jobs::Job::parse(&name).ok_or_else(|| {
                let names: Vec<_> = portal::jobs::Job::ALL.iter().map(|j| j.name()).collect();
                format!("unknown job {name}; jobs: {}", names.join(", "))
            })?;
            let as_of = as_of.unwrap_or_else(|| state.today());
            let o = portal::jobs::run(&state, job, as_of)
                .await
                .map_err(|e| e.to_string())?;
            if o.ran {
                println!("{} ran for {}: {}", o.job, o.period_key, o.detail);
            } else {
                println!(
                    "{} had already run for {}; nothing done",
                    o.job, o.period_key
                );
            }
            Ok(())
        }
        Command::Restore { .. } => Ok(()),
        Command::Backup { to } => {
            let to = match to {
                Some(to) => to,
                None => portal::backup::folder(&state.config)
                    .map_err(|e| e.to_string())?
                    .join(portal::backup::rules::archive_name(state.now())),
            };
            let made =
                portal::backup::backup_to(&state, &to, &portal::audit::Actor::system("cli:backup"))
                    .await
                    .map_err(|e| e.to_string())?;
            println!(
                "backup written: {} ({} bytes, {} files, {})",
                made.file,
                made.bytes,
                made.members,
                made.engine.name()
            );
            Ok(())
        }
        Command::SealKey {
            command: SealKeyCommand::Generate { .. },
        } => Ok(()),
        Command::SealKey {
            command: SealKeyCommand::Rotate { new_key_file },
        } => {
            let new = portal::tenders::seal_key::read_file(&new_key_file)?;
            let n = portal::tenders::seal_key::rotate(&state.db, &new, state.now())
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "{n} sealed bids re-sealed with the key in {} (fingerprint {}).\n\
                 Now make it the key of every instance before starting them: replace {} with \
                 it, or set PORTAL_SEAL_KEY to its content. An instance started with the old \
                 key refuses to start. Back the new key up, apart from the database.",
                new_key_file.display(),
                new.fingerprint(),
                portal::tenders::seal_key::key_path(&state.config).display()
            );
            Ok(())
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            let v = portal::audit::store::verify(&state.db.read)
                .await
                .map_err(|e| e.to_string())?;
            if v.ok {
                println!("audit chain intact: {} entries", v.entries);
                Ok(())
            } else {
                Err(format!(
                    "audit chain broken: {}",
                    v.problem.unwrap_or_default()
                ))
            }
        }
    }
}

/// glibc's malloc raises its mmap threshold whenever a large block is freed; blocks of that
/// size then come from the heap of whichever thread asked and stay there. Each password
/// check's 19 MiB would so stay resident once per thread that ran one (11 sign-ins kept
/// 200 MB). A fixed threshold keeps blocks of 1 MiB and more mapped on their own, so they
/// are given back when freed. And glibc gives each thread that finds the arenas busy an
/// arena of its own, up to 8 per core, each keeping what its thread freed: two arenas (one
/// per core here) keep the peak near what is in use.
fn return_large_blocks_to_the_system() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters; glibc takes its own lock for them.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    return_large_blocks_to_the_system();
    init_log();
    portal::install_crypto_provider();
    match run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The log on standard output: `PORTAL_LOG` filters it (default `info`, sqlx and sea-orm at
/// `warn`); `PORTAL_LOG_FORMAT=json` writes one JSON object a line (for journald or a log
/// shipper), anything else readable lines. Colours only when standard output is a terminal
/// and `NO_COLOR` is not set: a file or journald would keep the escape codes as they are.
fn init_log() {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_env("PORTAL_LOG")
        .unwrap_or_else(|_| "info,sqlx=warn,sea_orm=warn".into());
    let json =
        std::env::var("PORTAL_LOG_FORMAT").is_ok_and(|f| f.trim().eq_ignore_ascii_case("json"));
    let colour = std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let log = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| LogWriter(std::io::stdout()));
    if json {
        log.json().with_ansi(false).init();
    } else {
        log.with_ansi(colour).init();
    }
}

/// Standard output for the log, where a failed write is dropped: on a full disk that holds
/// the log, tracing-subscriber would otherwise report each failure with `eprintln!`, which
/// panics when standard error is on the same full disk, and every request would die with it.
struct LogWriter(std::io::Stdout);

impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let _ = self.0.write_all(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let _ = self.0.flush();
        Ok(())
    }
}
