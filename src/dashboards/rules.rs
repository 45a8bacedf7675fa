//! The dashboards' figures as pure functions: which months a chart shows, and how ledger rows
//! become a chart's series (every month and every status present, zero where nothing
//! happened, so that an empty month is a bar of height zero and not a missing one).

use crate::suppliers::rules::SupplierStatus;
use chrono::{Datelike, Months, NaiveDate};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// The months a month-by-month chart shows.
pub const MONTHS: u32 = 6;

/// `YYYY-MM` of `d`.
pub fn month_key(d: NaiveDate) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

/// The first day of the oldest of the `n` calendar months that end with `today`'s month.
pub fn first_day(today: NaiveDate, n: u32) -> NaiveDate {
    let this_month = today.with_day(1).unwrap_or(today);
    this_month
        .checked_sub_months(Months::new(n.saturating_sub(1)))
        .unwrap_or(this_month)
}

/// The `n` calendar months ending with `today`'s month, oldest first, as `YYYY-MM`.
pub fn last_months(today: NaiveDate, n: u32) -> Vec<String> {
    let first = first_day(today, n);
    (0..n)
        .filter_map(|i| first.checked_add_months(Months::new(i)))
        .map(month_key)
        .collect()
}

/// What each site drew in each of `months`, from the ledger's issue and site-return rows
/// (`site`, day, signed amount: an issue is negative, out of stock; a return positive). Drawn
/// is the negated sum, so a return lowers the month's figure. Rows outside `months` or
/// without a site are left out; a site shows a figure for every month.
pub fn draws_by_month(
    months: &[String],
    rows: &[(Option<i64>, NaiveDate, Decimal)],
) -> BTreeMap<i64, Vec<Decimal>> {
    let mut out: BTreeMap<i64, Vec<Decimal>> = BTreeMap::new();
    for (site, day, amount) in rows {
        let Some(site) = site else { continue };
        let Some(i) = months.iter().position(|m| *m == month_key(*day)) else {
            continue;
        };
        let values = out
            .entry(*site)
            .or_insert_with(|| vec![Decimal::ZERO; months.len()]);
        values[i] -= *amount;
    }
    out
}

/// The stages a supplier is in, as the dashboard groups the statuses: still applying (draft,
/// submitted, asked for more, recommended), admitted, suspended, removed (rule 2), rejected.
pub const STAGES: [&str; 5] = ["applying", "admitted", "suspended", "removed", "rejected"];

/// The stage of a supplier status.
pub fn stage_of(s: SupplierStatus) -> &'static str {
    match s {
        SupplierStatus::Draft
        | SupplierStatus::Submitted
        | SupplierStatus::InfoRequested
        | SupplierStatus::Recommended => "applying",
        SupplierStatus::Admitted => "admitted",
        SupplierStatus::Suspended => "suspended",
        SupplierStatus::Removed => "removed",
        SupplierStatus::Rejected => "rejected",
    }
}

/// How many suppliers are at each stage ([`STAGES`], in order, zero where none), from the
/// count per status; an unknown status is left out.
pub fn stage_counts(rows: &[(String, i64)]) -> Vec<(&'static str, i64)> {
    STAGES
        .into_iter()
        .map(|stage| {
            let n = rows
                .iter()
                .filter(|(status, _)| {
                    SupplierStatus::parse(status).is_some_and(|s| stage_of(s) == stage)
                })
                .map(|(_, n)| *n)
                .sum();
            (stage, n)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap_or_default()
    }

    #[test]
    fn six_months_end_with_this_one_across_the_new_year() {
        assert_eq!(
            last_months(day(2027, 2, 28), 6),
            [
                "2026-09", "2026-10", "2026-11", "2026-12", "2027-01", "2027-02"
            ]
        );
        assert_eq!(first_day(day(2027, 2, 28), 6), day(2026, 9, 1));
        assert_eq!(last_months(day(2026, 12, 31), 1), ["2026-12"]);
    }

    #[test]
    fn draws_are_summed_per_site_and_month_returns_taken_off_empty_months_zero() {
        let months = last_months(day(2026, 12, 6), 3);
        let rows = [
            (Some(1), day(2026, 10, 3), dec("-100.50")),
            (Some(1), day(2026, 10, 30), dec("-0.50")),
            (Some(1), day(2026, 12, 1), dec("-40")),
            (Some(1), day(2026, 12, 2), dec("15")), // a site return
            (Some(2), day(2026, 12, 6), dec("-7.25")),
            (Some(2), day(2026, 9, 30), dec("-999")), // before the window
            (None, day(2026, 12, 6), dec("-5")),      // no site
        ];
        let d = draws_by_month(&months, &rows);
        assert_eq!(d[&1], [dec("101.00"), Decimal::ZERO, dec("25")]);
        assert_eq!(d[&2], [Decimal::ZERO, Decimal::ZERO, dec("7.25")]);
        assert_eq!(d.len(), 2);
    }

    #[test]
    fn every_stage_is_counted_even_when_none_and_applying_gathers_four_statuses() {
        let c = stage_counts(&[
            ("draft".into(), 1),
            ("submitted".into(), 2),
            ("info_requested".into(), 1),
            ("recommended".into(), 1),
            ("admitted".into(), 3),
            ("removed".into(), 1),
            ("nonsense".into(), 9),
        ]);
        assert_eq!(
            c,
            [
                ("applying", 5),
                ("admitted", 3),
                ("suspended", 0),
                ("removed", 1),
                ("rejected", 0)
            ]
        );
        for s in SupplierStatus::ALL {
            assert!(STAGES.contains(&stage_of(s)), "{s:?}");
        }
    }
}
