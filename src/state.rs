//! What every handler shares.

use crate::auth::token::TokenKeys;
use crate::clock::SharedClock;
use crate::config::Config;
use crate::db::Db;
use std::sync::Arc;

#[derive(Clone, Debug)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub clock: SharedClock,
    pub keys: TokenKeys,
    /// Key for CSRF tokens, derived from the shared secret.
    pub csrf_key: Arc<Vec<u8>>,
    /// Wakes the mail sender when something was queued.
    pub mail_wake: Arc<tokio::sync::Notify>,
    /// Names this process in job claims and mail claims.
    pub instance: String,
    /// The catalogue's search index of this instance, kept current from the database.
    pub catalogue: Arc<crate::catalogue::live::Live>,
}

impl AppState {
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    pub fn tz(&self) -> chrono_tz::Tz {
        self.config.tz()
    }

    pub fn today(&self) -> chrono::NaiveDate {
        crate::clock::today(self.clock.as_ref(), self.tz())
    }
}
