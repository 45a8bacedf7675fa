//! Who acts, and when: what a writing store function is given besides the transaction it
//! joins. The handler (or a job, or the demo) opens the transaction, builds one `Act` for the
//! whole operation and commits; so several writes compose in one transaction, and every row
//! and audit entry of an operation carries the same instant.

use super::CurrentUser;
use crate::state::AppState;
use chrono::{DateTime, NaiveDate, Utc};

#[derive(Debug, Clone)]
pub struct Act<'a> {
    pub actor: &'a CurrentUser,
    /// The instant of the operation.
    pub now: DateTime<Utc>,
    /// Its calendar day in the company's time zone.
    pub today: NaiveDate,
    /// Where the links in the mail it queues point.
    pub base_url: String,
}

impl<'a> Act<'a> {
    /// `actor` acting now, by the state's clock and settings.
    pub fn of(state: &AppState, actor: &'a CurrentUser) -> Self {
        Act {
            actor,
            now: state.now(),
            today: state.today(),
            base_url: state.config.base_url(),
        }
    }
}
