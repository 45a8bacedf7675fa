//! Dates in the company's time zone.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};

/// The instant a calendar day starts in `tz`.
pub fn start_of_day(date: NaiveDate, tz: chrono_tz::Tz) -> DateTime<Utc> {
    let naive = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    // Midnight can be skipped by a DST change; take the earliest valid instant after it.
    match tz.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => {
            t.with_timezone(&Utc)
        }
        chrono::LocalResult::None => tz
            .from_local_datetime(&(naive + chrono::Duration::hours(1)))
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|| naive.and_utc()),
    }
}

/// A timestamp shown to users, in `tz`.
pub fn display(at: DateTime<Utc>, tz: chrono_tz::Tz) -> String {
    at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shanghai_day_starts_at_sixteen_hundred_utc_the_day_before() {
        let d = NaiveDate::from_ymd_opt(2027, 1, 26).unwrap_or_default();
        assert_eq!(
            start_of_day(d, chrono_tz::Asia::Shanghai).to_rfc3339(),
            "2027-01-25T16:00:00+00:00"
        );
    }
}
