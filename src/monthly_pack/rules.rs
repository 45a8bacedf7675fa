//! The monthly pack's pure parts: which period a run assembles, its sections in order, which
//! confirmed failure removed a supplier (rule 2), which tenders belong in a period's pack.

use crate::auth::Capability;
use crate::settlement::rules::Period;
use crate::suppliers::rules::FAILURES_TO_REMOVE;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use utoipa::ToSchema;

/// The period a run on `as_of` assembles: the last one that has ended (on the cut-off day
/// itself still the one before, as the close counts).
pub fn pack_period(as_of: NaiveDate, cutoff: u32) -> Period {
    Period::last_closed_by(as_of, cutoff)
}

/// The pack's sections, in the workbook's order.
pub const SECTIONS: [&str; 10] = [
    "statements",
    "usage",
    "stock",
    "no_movement",
    "failures",
    "tenders",
    "contracts",
    "price_differences",
    "funds_plan",
    "charts",
];

/// What a reader needs to open a section's page (the workbook holds every section for whoever
/// may read the pack; the link is shown only to those who may follow it).
pub fn capability(key: &str) -> Capability {
    match key {
        "statements" => Capability::ReadStatements,
        "usage" => Capability::ReadUsageStatements,
        "stock" | "no_movement" => Capability::ReadStock,
        "failures" => Capability::ReadSuppliers,
        "tenders" => Capability::ReadTenders,
        "contracts" => Capability::ReadProcurement,
        "price_differences" => Capability::ReadPlanPrices,
        "funds_plan" => Capability::ReadFundsPlan,
        _ => Capability::ReadSettlement,
    }
}

/// One section of a pack as its page lists it: how many sheets and rows it holds, its total
/// where it has one, and the live page it comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Section {
    /// One of [`SECTIONS`].
    pub key: String,
    pub sheets: usize,
    pub rows: usize,
    /// Yuan, to the cent, where the section adds up to one amount.
    #[schema(value_type = Option<String>)]
    pub total: Option<Decimal>,
    /// The portal page the figures come from.
    pub link: String,
}

/// The confirmed failures that removed their supplier (rule 2: the [`FAILURES_TO_REMOVE`]th
/// confirmed one, by the moment of confirmation), from (supplier, failure, decided at) of
/// every confirmed failure.
pub fn removals(confirmed: &[(i64, i64, DateTime<Utc>)]) -> BTreeSet<i64> {
    let mut by_supplier: BTreeMap<i64, Vec<(DateTime<Utc>, i64)>> = BTreeMap::new();
    for (supplier, failure, at) in confirmed {
        by_supplier
            .entry(*supplier)
            .or_default()
            .push((*at, *failure));
    }
    let nth = usize::try_from(FAILURES_TO_REMOVE.max(1) - 1).unwrap_or_default();
    by_supplier
        .into_values()
        .filter_map(|mut v| {
            v.sort();
            v.get(nth).map(|(_, id)| *id)
        })
        .collect()
}

/// A tender belongs in the pack of the period `[start, end)` when it existed by the end and was
/// still under way, or moved in the period.
pub fn tender_in_pack(
    status: &str,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> bool {
    let finished = matches!(status, "awarded" | "failed");
    created_at < end && (!finished || (updated_at >= start && updated_at < end))
}

/// An instant falls in `[start, end)`.
pub fn within(at: DateTime<Utc>, start: DateTime<Utc>, end: DateTime<Utc>) -> bool {
    at >= start && at < end
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, d, h, 0, 0).unwrap()
    }

    #[test]
    fn the_pack_is_of_the_last_period_that_has_ended() {
        let d = |m, day| NaiveDate::from_ymd_opt(2027, m, day).unwrap_or_default();
        assert_eq!(pack_period(d(1, 25), 25).to_string(), "2026-12");
        assert_eq!(pack_period(d(1, 26), 25).to_string(), "2027-01");
        assert_eq!(pack_period(d(2, 3), 25).to_string(), "2027-01");
    }

    #[test]
    fn the_second_confirmed_failure_is_the_removal_whatever_the_order_given() {
        let r = removals(&[
            (1, 10, at(5, 9)),
            (1, 11, at(3, 9)),
            (1, 12, at(7, 9)),
            (2, 20, at(4, 9)),
        ]);
        assert_eq!(
            r,
            BTreeSet::from([10]),
            "supplier 1's second; supplier 2 has one"
        );
        assert!(removals(&[]).is_empty());
    }

    #[test]
    fn tenders_under_way_or_moved_in_the_period() {
        let (start, end) = (at(1, 0), at(26, 0));
        assert!(tender_in_pack("published", at(2, 0), at(2, 0), start, end));
        assert!(
            tender_in_pack(
                "opened",
                at(1, 0) - chrono::Duration::days(40),
                at(1, 0) - chrono::Duration::days(30),
                start,
                end
            ),
            "still under way"
        );
        assert!(tender_in_pack("awarded", at(2, 0), at(20, 0), start, end));
        assert!(
            !tender_in_pack(
                "awarded",
                at(2, 0) - chrono::Duration::days(60),
                at(2, 0) - chrono::Duration::days(40),
                start,
                end
            ),
            "finished before"
        );
        assert!(
            !tender_in_pack("draft", at(27, 0), at(27, 0), start, end),
            "made after"
        );
        assert!(within(start, start, end) && !within(end, start, end));
    }
}
