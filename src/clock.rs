//! The injected clock. Nothing that depends on the date reads the system time directly.

use chrono::{DateTime, NaiveDate, Utc};
use std::sync::{Arc, RwLock};

pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> DateTime<Utc>;
}

#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still until told to move; tests and `--as-of` runs use it.
#[derive(Debug)]
pub struct ManualClock(RwLock<DateTime<Utc>>);

impl ManualClock {
    pub fn new(at: DateTime<Utc>) -> Self {
        Self(RwLock::new(at))
    }

    pub fn set(&self, at: DateTime<Utc>) {
        if let Ok(mut g) = self.0.write() {
            *g = at;
        }
    }

    pub fn advance(&self, by: chrono::Duration) {
        if let Ok(mut g) = self.0.write() {
            *g += by;
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
            .read()
            .map(|g| *g)
            .unwrap_or_else(|p| *p.into_inner())
    }
}

pub type SharedClock = Arc<dyn Clock>;

/// Today's date in the company's time zone.
pub fn today(clock: &dyn Clock, tz: chrono_tz::Tz) -> NaiveDate {
    clock.now().with_timezone(&tz).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn today_is_counted_in_the_company_time_zone() {
        // 2026-12-25 16:30 UTC is already the 26th in Shanghai.
        let at = Utc
            .with_ymd_and_hms(2026, 12, 25, 16, 30, 0)
            .single()
            .unwrap_or_default();
        let clock = ManualClock::new(at);
        assert_eq!(
            today(&clock, chrono_tz::Asia::Shanghai),
            NaiveDate::from_ymd_opt(2026, 12, 26).unwrap_or_default()
        );
        assert_eq!(
            today(&clock, chrono_tz::UTC),
            NaiveDate::from_ymd_opt(2026, 12, 25).unwrap_or_default()
        );
    }
}
