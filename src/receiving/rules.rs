//! Pure receiving rules: how a delivery arrived decides its inspection deadline (rule 8,
//! 保管员 1-2), and a pending delivery past that day is overdue.

use chrono::NaiveDate;

/// How a delivery arrived: it decides the inspection deadline (保管员 1-2).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Arrival {
    /// A local delivery: inspected the same day.
    Local,
    /// A part load from elsewhere: within 3 days.
    PartLoad,
    /// A full truckload: within 7 days.
    FullTruck,
}

impl Arrival {
    pub fn as_str(self) -> &'static str {
        match self {
            Arrival::Local => "local",
            Arrival::PartLoad => "part_load",
            Arrival::FullTruck => "full_truck",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Arrival::Local, Arrival::PartLoad, Arrival::FullTruck]
            .into_iter()
            .find(|a| a.as_str() == s)
    }

    /// The last day the delivery may be inspected on.
    pub fn inspection_due(self, delivered_on: NaiveDate) -> NaiveDate {
        let days = match self {
            Arrival::Local => 0,
            Arrival::PartLoad => 3,
            Arrival::FullTruck => 7,
        };
        // The calendar's last days have no day after; a delivery dated there is due then.
        delivered_on
            .checked_add_days(chrono::Days::new(days))
            .unwrap_or(NaiveDate::MAX)
    }
}

/// Rule 8's deadline of one delivery as the pages and the API show it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InspectionDeadline {
    /// The last day the delivery may be inspected on (the delivery day when the arrival is
    /// unknown).
    pub due: NaiveDate,
    /// Still waiting for inspection after that day.
    pub overdue: bool,
}

/// The deadline of a delivery that arrived as `arrival` on `delivered_on`, as of `today`:
/// only a pending delivery can be overdue.
pub fn inspection_deadline(
    arrival: &str,
    delivered_on: NaiveDate,
    pending: bool,
    today: NaiveDate,
) -> InspectionDeadline {
    let due = Arrival::parse(arrival)
        .map(|a| a.inspection_due(delivered_on))
        .unwrap_or(delivered_on);
    InspectionDeadline {
        due,
        overdue: pending && today > due,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn inspection_is_due_the_same_day_within_three_or_seven_days() {
        let day = d(2027, 1, 10);
        assert_eq!(Arrival::Local.inspection_due(day), day);
        assert_eq!(Arrival::PartLoad.inspection_due(day), d(2027, 1, 13));
        assert_eq!(Arrival::FullTruck.inspection_due(day), d(2027, 1, 17));
    }

    #[test]
    fn a_pending_delivery_is_overdue_the_day_after_its_deadline_and_an_inspected_one_never() {
        let day = d(2027, 1, 10);
        let part = |today, pending| inspection_deadline("part_load", day, pending, today);
        assert_eq!(part(d(2027, 1, 13), true).due, d(2027, 1, 13));
        assert!(!part(d(2027, 1, 13), true).overdue);
        assert!(part(d(2027, 1, 14), true).overdue);
        assert!(!part(d(2027, 1, 14), false).overdue);
        // An arrival the rules do not know is due the day it came.
        let unknown = inspection_deadline("by_air", day, true, d(2027, 1, 11));
        assert_eq!(unknown.due, day);
        assert!(unknown.overdue);
    }
}
