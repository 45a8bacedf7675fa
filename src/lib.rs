//! The materials supermarket portal: a supplier marketplace and consignment portal.
//!
//! Folders are capabilities: `auth` (accounts, roles, sign-in), `users`, `org` (sites and
//! warehouses), `materials`, `audit`, `mail`, `jobs`, `home`, …; `routes` assembles their
//! routes; `web` is the page kit below them; `demo` loads the demo data. See
//! docs/architecture.md ("Layers") for the map.

pub mod audit;
pub mod auth;
pub mod backup;
pub mod catalogue;
pub mod charts;
pub mod clock;
pub mod config;
pub mod dashboards;
pub mod db;
pub mod demo;
pub mod error;
pub mod export;
pub mod files;
pub mod funds_plan;
pub mod home;
pub mod i18n;
pub mod jobs;
pub mod mail;
pub mod materials;
pub mod money;
pub mod monthly_pack;
pub mod notices;
pub mod org;
pub mod paging;
pub mod plan_prices;
pub mod price_watch;
pub mod procurement;
pub mod receiving;
pub mod requisitions;
mod routes;
pub mod search;
pub mod settings;
pub mod settlement;
pub mod state;
pub mod stock;
pub mod suppliers;
pub mod tenders;
pub mod time;
pub mod users;
pub mod web;

use crate::clock::SharedClock;
use crate::config::Config;
use crate::db::Db;
use crate::state::AppState;
use actix_web::dev::Server;
use actix_web::{App, HttpServer, middleware};
use rand::RngCore;
use sea_orm::{ActiveValue::Set, EntityTrait};
use std::net::TcpListener;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("database: {0}")]
    Db(#[from] sea_orm::DbErr),
    #[error("{0}")]
    App(#[from] crate::error::AppError),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    #[error("mail: {0}")]
    Mail(String),
    #[error("{0}")]
    SealKey(String),
}

/// The secret that signs tokens and CSRF cookies, shared by every instance through the
/// database: the first instance to start creates it.
async fn shared_secret(
    db: &Db,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<u8>, StartupError> {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    entity::setting::Entity::insert(entity::setting::ActiveModel {
        key: Set("secret".into()),
        value: Set(hex::encode(bytes)),
        updated_at: Set(now),
    })
    .on_conflict_do_nothing_on([entity::setting::Column::Key])
    .exec(&db.write)
    .await?;
    let row = entity::setting::Entity::find_by_id("secret".to_string())
        .one(&db.write)
        .await?
        .ok_or_else(|| StartupError::Mail("secret missing".into()))?;
    hex::decode(row.value).map_err(|e| StartupError::Mail(format!("secret: {e}")))
}

/// Opens and migrates the database, checks the key that seals bids (refusing to start with a
/// wrong one or none; see `tenders::seal_key`) and builds the shared state.
pub async fn prepare(
    config: Config,
    clock: SharedClock,
    schema: Option<&str>,
) -> Result<AppState, StartupError> {
    if config.database_url.is_empty() {
        std::fs::create_dir_all(&config.data_dir)?;
    }
    let db = db::connect_with(
        &config.database_url(),
        config.db_pool,
        schema,
        config.sqlite_max_mb,
    )
    .await?;
    db::migrate(&db).await?;
    let secret = shared_secret(&db, clock.now()).await?;
    let env_key = std::env::var(tenders::seal_key::ENV).ok();
    tenders::seal_key::establish(&db, &config, env_key.as_deref(), clock.now())
        .await
        .map_err(StartupError::SealKey)?;
    let csrf_key = {
        use sha2::Digest;
        sha2::Sha256::digest([secret.as_slice(), b"csrf"].concat()).to_vec()
    };
    let keys = auth::token::TokenKeys::new(
        &secret,
        chrono::Duration::minutes(config.token_minutes.max(1)),
    );
    let mut id = [0u8; 4];
    rand::thread_rng().fill_bytes(&mut id);
    Ok(AppState {
        db,
        keys,
        csrf_key: Arc::new(csrf_key),
        config: Arc::new(config),
        clock,
        mail_wake: Arc::new(tokio::sync::Notify::new()),
        instance: format!("{}-{}", std::process::id(), hex::encode(id)),
        catalogue: catalogue::live::Live::new()
            .map_err(|e| StartupError::App(crate::error::AppError::Internal(e.to_string())))?,
    })
}

/// A bound, not yet running server, with its background tasks.
pub struct Application {
    port: u16,
    server: Server,
    state: AppState,
}

impl Application {
    /// Binds `state.config.bind` (port 0 picks a free port, as the tests do).
    pub fn build(state: AppState) -> Result<Self, StartupError> {
        let listener = TcpListener::bind(&state.config.bind)?;
        let port = listener.local_addr()?.port();
        let data = actix_web::web::Data::new(state.clone());
        let server = HttpServer::new(move || {
            routes::assemble(App::new().app_data(data.clone()))
                // Inside the session middleware (wrapped later = runs first), which resolves
                // the user it counts for.
                .wrap(middleware::from_fn(notices::topbar::count_unread))
                // NUL characters and dates outside 1–9999, refused at the edge (issue 14).
                .wrap(middleware::from_fn(web::input_guard::guard))
                .wrap(middleware::from_fn(web::session::session))
                .wrap(middleware::Compress::default())
                .wrap(middleware::from_fn(web::headers::harden))
                .wrap(tracing_actix_web::TracingLogger::default())
        })
        .listen(listener)?
        .run();
        Ok(Self {
            port,
            server,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until stopped, with the mail sender, the catalogue's index (built, then kept
    /// current) and (when configured) the job scheduler.
    pub async fn run_until_stopped(self) -> Result<(), StartupError> {
        let transport =
            mail::sender::Transport::from_config(&self.state.config).map_err(StartupError::Mail)?;
        let mailer = tokio::spawn(mail::sender::run(self.state.clone(), transport));
        let index = tokio::spawn(catalogue::live::run(
            self.state.catalogue.clone(),
            self.state.db.clone(),
        ));
        let scheduler = self
            .state
            .config
            .run_jobs
            .then(|| tokio::spawn(jobs::scheduler(self.state.clone())));
        let result = self.server.await;
        mailer.abort();
        index.abort();
        if let Some(s) = scheduler {
            s.abort();
        }
        Ok(result?)
    }
}

/// Installs the process-wide TLS crypto provider (several crates pull in rustls).
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
