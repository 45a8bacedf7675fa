//! `portal-bench`: issue 7's load benchmark, one command, loopback only, bounded in time.
//!
//! ```sh
//! cargo run --release -p portal-bench -- [--db sqlite|postgres|both] [--duration-secs N] [--scale full|small]
//! ```
//!
//! For each database it makes a fresh dataset (`dataset.rs`: 200 suppliers, 100,000 listings,
//! 200,000 lots, 1,000,000 movements), measures the database's own rates with the portal's SQL
//! written as plain SQL (`raw.rs`), starts the real `portal` binary on it (`server.rs`) and
//! drives it with keep-alive HTTP connections (`load.rs`, `workload.rs`): the catalogue page
//! and API at 64 connections, draw cycles from 32 clients, each area's dashboard page one
//! request at a time. Then it times the period close and
//! the stale scan (the portal's own functions, in this process) against one raw SQL statement
//! each, reads the server's peak RSS, and prints the table with each figure's ratio to its
//! ceiling and PASS/MISS per target (`report.rs`). The HTTP ceiling is a trivial actix-web
//! handler measured with the same load generator.
//!
//! SQLite runs in a temporary folder; PostgreSQL in a fresh schema `bench` of the database
//! `portal_bench` (created when missing) at `--pg-url`. Nothing is left behind but that schema.

mod catalogue;
mod dataset;
mod load;
mod raw;
mod report;
mod server;
mod workload;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use portal::clock::{SharedClock, SystemClock};
use portal::config::Config;
use rand::SeedableRng;
use sea_orm::{ConnectionTrait, Database};

use crate::catalogue::EngineSearchClient;
use crate::dataset::{Dataset, Scale};
use crate::load::TrivialServer;
use crate::raw::Raw;
use crate::report::DbResults;
use crate::server::Portal;
use crate::workload::{CatalogueClient, Door, DrawClient, RawReserveClient};

/// What went wrong, in words.
#[derive(Debug)]
pub struct BenchError(String);

impl BenchError {
    pub fn new(msg: impl Into<String>) -> Self {
        Self(msg.into())
    }
}

impl std::fmt::Display for BenchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BenchError {}

macro_rules! from_error {
    ($($t:ty),*) => {$(
        impl From<$t> for BenchError {
            fn from(e: $t) -> Self {
                Self(e.to_string())
            }
        }
    )*};
}

from_error!(
    std::io::Error,
    sea_orm::DbErr,
    sea_orm::sqlx::Error,
    serde_json::Error,
    portal::error::AppError,
    portal::StartupError
);

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum DbChoice {
    Sqlite,
    Postgres,
    Both,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum ScaleChoice {
    /// 100,000 listings, 200,000 lots, 1,000,000 movements.
    Full,
    /// A tenth of that, for a quick check.
    Small,
}

#[derive(Parser, Debug)]
#[command(
    name = "portal-bench",
    about = "Load benchmark of the portal against this machine's ceilings (issue 7)"
)]
struct Cli {
    /// Which databases to measure.
    #[arg(long, value_enum, default_value = "both")]
    db: DbChoice,
    /// Seconds each load runs (after 2 s of warm-up that are not counted).
    #[arg(long, default_value_t = 30)]
    duration_secs: u64,
    #[arg(long, value_enum, default_value = "full")]
    scale: ScaleChoice,
    /// The PostgreSQL database to use (created when missing); the run uses a fresh schema in it.
    #[arg(
        long,
        default_value = "postgres://postgres@127.0.0.1:5432/portal_bench"
    )]
    pg_url: String,
    /// The `portal` binary to serve with (default: the one beside this binary, built first
    /// when run through `cargo run`).
    #[arg(long)]
    portal_bin: Option<PathBuf>,
    /// The materials to derive the dataset from.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../demo/materials.csv"))]
    materials: PathBuf,
    /// The period close and the stale scan are stopped after this many seconds (the figure
    /// is then a lower bound).
    #[arg(long, default_value_t = 180)]
    job_timeout_secs: u64,
    /// Database connections of the portal (`PORTAL_DB_POOL`) and of the raw measurements.
    #[arg(long, default_value_t = 8)]
    pool: u32,
    /// Keep the SQLite data folder after the run (its path is printed), to look into the
    /// dataset's queries afterwards; PostgreSQL's schema is always left in place.
    #[arg(long)]
    keep: bool,
}

const SCHEMA: &str = "bench";
const WARMUP: Duration = Duration::from_secs(2);

/// Prints progress with the time since the start.
fn say(start: Instant, msg: &str) {
    eprintln!("[{:>6.1} s] {msg}", start.elapsed().as_secs_f64());
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    portal::install_crypto_provider();
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("portal-bench: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), BenchError> {
    let start = Instant::now();
    let duration = Duration::from_secs(cli.duration_secs.max(1));
    let scale = match cli.scale {
        ScaleChoice::Full => Scale::FULL,
        ScaleChoice::Small => Scale::SMALL,
    };
    let bin = server::portal_binary(cli.portal_bin.clone())?;
    say(start, &format!("server under test: {}", bin.display()));

    say(start, "HTTP ceiling: trivial actix handler, 64 connections");
    let trivial_server = TrivialServer::start()?;
    let clients = (0..64)
        .map(|_| load::Trivial(load::Conn::new(trivial_server.addr)))
        .collect();
    let trivial = load::run(clients, WARMUP, duration).await;
    trivial_server.stop().await;
    say(start, &format!("  {:.0} req/s", trivial.rate()));

    let mut results = Vec::new();
    if matches!(cli.db, DbChoice::Sqlite | DbChoice::Both) {
        let mut dir = tempfile::Builder::new().prefix("portal-bench-").tempdir()?;
        if cli.keep {
            dir.disable_cleanup(true);
            say(
                start,
                &format!("SQLite data kept in {}", dir.path().display()),
            );
        }
        let r = bench_one(&cli, start, scale, duration, &bin, dir.path(), None).await?;
        results.push(r);
    }
    if matches!(cli.db, DbChoice::Postgres | DbChoice::Both) {
        let dir = tempfile::Builder::new().prefix("portal-bench-").tempdir()?;
        fresh_schema(&cli.pg_url).await?;
        let r = bench_one(
            &cli,
            start,
            scale,
            duration,
            &bin,
            dir.path(),
            Some(cli.pg_url.as_str()),
        )
        .await?;
        results.push(r);
    }

    println!();
    println!(
        "portal-bench: scale {:?}, {} s per load, {} cores, pool {}",
        cli.scale,
        duration.as_secs(),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        cli.pool
    );
    for r in &results {
        let c = r.counts;
        println!(
            "{}: {} suppliers, {} sites, {} materials, {} listings, {} lots, {} movements, {} closed statements with {} lines; made in {:.0} s",
            r.name,
            c.suppliers,
            c.sites,
            c.materials,
            c.listings,
            c.lots,
            c.movements,
            c.statements,
            c.settled_lines,
            r.dataset_secs
        );
        let slowest: Vec<String> = r
            .search_alone_ms
            .iter()
            .take(6)
            .map(|(q, ms)| format!("{q} {ms:.1} ms"))
            .collect();
        let median = r
            .search_alone_ms
            .get(r.search_alone_ms.len() / 2)
            .map_or(0.0, |x| x.1);
        println!(
            "{}: raw searches (the engine alone) one at a time: median {median:.2} ms; slowest: {}",
            r.name,
            slowest.join(", ")
        );
        println!(
            "{}: catalogue index of {} listings built in {:.1} s in this process; the server answered with its index {:.1} s after it was started",
            r.name, r.index_listings, r.index_build_secs, r.server_index_secs
        );
        let rss: Vec<String> = r
            .rss_after
            .iter()
            .map(|(phase, b)| format!("{phase} {} MB", b / 1024 / 1024))
            .collect();
        println!("{}: server peak RSS after: {}", r.name, rss.join(", "));
        for m in &r.search_mismatches {
            println!("{}: search answers differ: {m}", r.name);
        }
        for (what, s) in [
            ("raw search", &r.raw_search),
            ("API", &r.api),
            ("page", &r.page),
            ("raw reserve", &r.raw_reserve),
            ("draw", &r.draw),
        ] {
            if let Some(e) = &s.first_error {
                println!("{}: {what}: {} errors, the first: {e}", r.name, s.errors);
            }
        }
    }
    println!();
    println!("{}", report::table(&trivial, &results));
    println!();
    for v in report::verdicts(&trivial, &results) {
        println!("{v}");
    }
    println!();
    println!("total wall time {:.0} s", start.elapsed().as_secs_f64());
    Ok(())
}

/// Creates the database when missing and the schema afresh.
async fn fresh_schema(url: &str) -> Result<(), BenchError> {
    let (base, db) = url
        .rsplit_once('/')
        .ok_or_else(|| BenchError::new(format!("no database name in {url}")))?;
    let db = db.split('?').next().unwrap_or(db);
    let admin = Database::connect(format!("{base}/postgres")).await?;
    let exists = admin
        .query_one_raw(sea_orm::Statement::from_sql_and_values(
            sea_orm::DbBackend::Postgres,
            "SELECT 1 FROM pg_database WHERE datname = $1",
            [db.into()],
        ))
        .await?
        .is_some();
    if !exists {
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{db}\""))
            .await?;
    }
    admin.close().await?;
    let conn = Database::connect(url).await?;
    conn.execute_unprepared(&format!(
        "DROP SCHEMA IF EXISTS {SCHEMA} CASCADE; CREATE SCHEMA {SCHEMA}"
    ))
    .await?;
    conn.close().await?;
    Ok(())
}

/// The URL that puts a PostgreSQL connection in the benchmark's schema.
fn pg_schema_url(url: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}options=-c%20search_path%3D{SCHEMA}")
}

async fn bench_one(
    cli: &Cli,
    start: Instant,
    scale: Scale,
    duration: Duration,
    bin: &std::path::Path,
    dir: &std::path::Path,
    pg: Option<&str>,
) -> Result<DbResults, BenchError> {
    let name = if pg.is_some() { "PostgreSQL" } else { "SQLite" };
    let mut r = DbResults {
        name,
        ..DbResults::default()
    };
    say(start, &format!("{name}: dataset ({scale:?})"));
    let config = Config {
        bind: "127.0.0.1:0".into(),
        data_dir: dir.to_path_buf(),
        database_url: pg.map(str::to_string).unwrap_or_default(),
        run_jobs: false,
        db_pool: cli.pool,
        ..Config::default()
    };
    let clock: SharedClock = Arc::new(SystemClock);
    let tz = config.tz();
    let state = portal::prepare(config, clock.clone(), pg.map(|_| SCHEMA)).await?;
    let today = state.today();
    let t = Instant::now();
    let data: Dataset = dataset::generate(&state, scale, &cli.materials, today, &|m| {
        say(start, &format!("  {m}"))
    })
    .await?;
    r.dataset_secs = t.elapsed().as_secs_f64();
    r.counts = data.counts;
    say(
        start,
        &format!("{name}: dataset made in {:.0} s", r.dataset_secs),
    );

    let raw_url = match pg {
        Some(url) => pg_schema_url(url),
        None => format!("sqlite://{}", dir.join("portal.db").display()),
    };
    let raw = Arc::new(Raw::connect(&raw_url, cli.pool).await?);
    let searches = Arc::new(workload::searches(&data.categories));

    say(
        start,
        &format!("{name}: catalogue index, built as a server builds it"),
    );
    let t = Instant::now();
    r.index_listings = state.catalogue.build(&state.db).await?;
    r.index_build_secs = t.elapsed().as_secs_f64();
    say(
        start,
        &format!(
            "  {} listings in {:.1} s",
            r.index_listings, r.index_build_secs
        ),
    );
    let engine = state.catalogue.engine();

    say(
        start,
        &format!("{name}: raw catalogue searches (the engine alone) one at a time"),
    );
    for s in searches.iter() {
        let mut times = Vec::new();
        for _ in 0..3 {
            let t = Instant::now();
            catalogue::search(engine, s)?;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        r.search_alone_ms.push((s.query_string(), times[1]));
    }
    r.search_alone_ms.sort_by(|a, b| b.1.total_cmp(&a.1));

    say(
        start,
        &format!("{name}: raw catalogue search (the engine alone), 64 tasks"),
    );
    let clients = (0..64)
        .map(|c| EngineSearchClient {
            live: state.catalogue.clone(),
            searches: searches.clone(),
            offset: c,
        })
        .collect();
    r.raw_search = load::run(clients, WARMUP, duration).await;
    say(start, &format!("  {:.0} searches/s", r.raw_search.rate()));

    say(start, &format!("{name}: raw reserve transaction, 32 tasks"));
    let drawable = Arc::new(data.drawable.clone());
    let clients = (0..32)
        .map(|c| RawReserveClient {
            raw: raw.clone(),
            listings: drawable.clone(),
            rng: rand::rngs::StdRng::seed_from_u64(c),
            today,
        })
        .collect();
    r.raw_reserve = load::run(clients, WARMUP, duration).await;
    raw.undo_reserves().await?;
    say(start, &format!("  {:.0} tx/s", r.raw_reserve.rate()));

    say(start, &format!("{name}: starting the portal"));
    let t = Instant::now();
    let portal = Portal::start(bin, dir, pg.map(pg_schema_url).as_deref(), cli.pool).await?;
    portal.index_ready().await?;
    r.server_index_secs = t.elapsed().as_secs_f64();
    let (site_user, _) = data
        .site_users
        .first()
        .cloned()
        .ok_or_else(|| BenchError::new("no site users"))?;
    r.rss_after.push(("start".into(), portal.peak_rss()?));
    let token = workload::login(portal.addr, &site_user, dataset::PASSWORD).await?;
    let csrf = workload::csrf_cookie(portal.addr, &token).await?;
    say(
        start,
        &format!("{name}: each search through the API, the engine and a plain scan"),
    );
    let rows = catalogue::rows(&state.db.read).await?;
    r.search_mismatches = compare_searches(engine, &rows, portal.addr, &token, &searches).await?;
    drop(rows);

    for door in [Door::Api, Door::Page] {
        say(
            start,
            &format!("{name}: catalogue {door:?}, 64 connections"),
        );
        let clients = (0..64)
            .map(|c| CatalogueClient::new(portal.addr, door, &token, &csrf, &searches, c))
            .collect();
        let s = load::run(clients, WARMUP, duration).await;
        say(
            start,
            &format!(
                "  {:.0} req/s, p99 {:.1} ms",
                s.rate(),
                s.percentile_ms(99.0)
            ),
        );
        r.rss_after
            .push((format!("catalogue {door:?}"), portal.peak_rss()?));
        match door {
            Door::Api => r.api = s,
            Door::Page => r.page = s,
        }
    }

    say(start, &format!("{name}: draw cycles, 32 clients"));
    let tokens = workload::draw_tokens(portal.addr, &data).await?;
    r.rss_after.push((
        format!("{} more sign-ins", tokens.len() * 2 + 1),
        portal.peak_rss()?,
    ));
    let clients = (0..32)
        .map(|c| {
            DrawClient::new(
                portal.addr,
                tokens[c % tokens.len()].clone(),
                drawable.clone(),
                c,
                today,
            )
        })
        .collect();
    r.draw = load::run(clients, WARMUP, duration).await;
    say(
        start,
        &format!(
            "  {:.1} cycles/s, p99 {:.1} ms",
            r.draw.rate(),
            r.draw.percentile_ms(99.0)
        ),
    );
    say(start, &format!("{name}: dashboard pages, one at a time"));
    let supplier = "supplier1@bench.test".to_string();
    for (area, email) in [
        ("procurement", "head@bench.test"),
        ("warehouse", data.keeper.as_str()),
        ("finance", "finance@bench.test"),
        ("site", site_user.as_str()),
        ("supplier", supplier.as_str()),
    ] {
        let token = workload::login(portal.addr, email, dataset::PASSWORD).await?;
        let times =
            workload::page_times(portal.addr, &token, &format!("/dashboards/{area}"), 5).await?;
        say(
            start,
            &format!(
                "  {area}: median {:.0} ms, slowest {:.0} ms",
                times.0, times.1
            ),
        );
        r.dashboard_ms.push((area.to_string(), times.0, times.1));
    }
    r.peak_rss_bytes = portal.peak_rss()?;
    r.rss_after.push(("dashboards".into(), r.peak_rss_bytes));
    drop(portal);

    say(start, &format!("{name}: period close"));
    let job_timeout = Duration::from_secs(cli.job_timeout_secs.max(1));
    let period = portal::settlement::rules::Period::last_closed_by(today, dataset::CUTOFF_DAY);
    let (_, end) = period.bounds(dataset::CUTOFF_DAY, tz);
    let t = Instant::now();
    (r.close_raw_suppliers, r.close_raw_draws) = raw.close_aggregate(end).await?;
    r.close_raw_secs = t.elapsed().as_secs_f64();
    let actor = portal::audit::Actor::system("bench");
    let t = Instant::now();
    let closed = tokio::time::timeout(
        job_timeout,
        portal::settlement::store::close(&state, &actor, today, None),
    )
    .await;
    r.close_secs = t.elapsed().as_secs_f64();
    match closed {
        Ok(made) => r.close_statements = made?.len(),
        Err(_) => {
            // Each supplier's statement is its own transaction: the one cut short rolled back.
            r.close_stopped = true;
            r.close_statements =
                usize::try_from(raw.statements_of(&period.to_string()).await?).unwrap_or(0);
        }
    }
    say(
        start,
        &format!(
            "  raw {:.2} s ({} suppliers, {} draws), portal {:.2} s ({} statements{})",
            r.close_raw_secs,
            r.close_raw_suppliers,
            r.close_raw_draws,
            r.close_secs,
            r.close_statements,
            if r.close_stopped { ", stopped" } else { "" }
        ),
    );

    say(start, &format!("{name}: stale scan"));
    let t = Instant::now();
    r.stale_raw_lots = raw.stale_update(today).await?;
    r.stale_raw_secs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let scanned =
        tokio::time::timeout(job_timeout, portal::stock::store::stale_scan(&state, today)).await;
    r.stale_secs = t.elapsed().as_secs_f64();
    match scanned {
        Ok(detail) => r.stale_detail = detail?.text(portal::i18n::Locale::En),
        Err(_) => {
            r.stale_stopped = true;
            r.stale_detail = "stopped".into();
        }
    }
    say(
        start,
        &format!(
            "  raw {:.2} s ({} lots), portal {:.2} s ({})",
            r.stale_raw_secs, r.stale_raw_lots, r.stale_secs, r.stale_detail
        ),
    );

    raw.close().await;
    state.db.read.clone().close().await?;
    if pg.is_none() {
        state.db.write.clone().close().await?;
    }
    Ok(r)
}

/// Runs each search through the API once: its answer must be the engine's, and the engine's
/// whole set of matches what a plain scan of the same rows finds.
async fn compare_searches(
    engine: &portal::catalogue::engine::Engine,
    rows: &[catalogue::Row],
    addr: std::net::SocketAddr,
    token: &str,
    searches: &[raw::Search],
) -> Result<Vec<String>, BenchError> {
    let mut out = Vec::new();
    let mut conn = load::Conn::new(addr);
    let auth = format!("Bearer {token}");
    for s in searches {
        let path = format!("/api/catalogue?{}", s.query_string());
        let (status, body) = conn
            .send(load::get(&path, &[("authorization", &auth)])?)
            .await?;
        load::expect_ok(&path, status, &body)?;
        let v: serde_json::Value = serde_json::from_slice(&body)?;
        let api = raw::Found {
            total: v["total"].as_i64().unwrap_or(-1),
            more: v["more"].as_bool().unwrap_or(false),
            ids: v["items"]
                .as_array()
                .map(|a| a.iter().filter_map(|i| i["listing_id"].as_i64()).collect())
                .unwrap_or_default(),
        };
        let mine = catalogue::search(engine, s)?;
        if mine != api {
            out.push(format!(
                "{path}: engine total {} ({} items), API total {} ({} items)",
                mine.total,
                mine.ids.len(),
                api.total,
                api.ids.len()
            ));
        }
        let found = catalogue::everything(engine, s)?;
        let scanned = catalogue::scan(rows, s);
        if found != scanned {
            out.push(format!(
                "{path}: the engine finds {} listings, a plain scan {} ({} in one only)",
                found.len(),
                scanned.len(),
                found.symmetric_difference(&scanned).count()
            ));
        }
    }
    Ok(out)
}
