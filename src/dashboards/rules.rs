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

/// The days a day-by-day chart shows.
pub const DAYS: u32 = 14;

/// The `n` days ending with `today`, oldest first.
pub fn last_days(today: NaiveDate, n: u32) -> Vec<NaiveDate> {
    (0..n)
        .rev()
        .filter_map(|back| today.checked_sub_days(chrono::Days::new(u64::from(back))))
        .collect()
}

/// `MM-DD` of `d`: a day's label on a chart of a fortnight.
pub fn day_key(d: NaiveDate) -> String {
    format!("{:02}-{:02}", d.month(), d.day())
}

/// What the warehouse received and issued on each of `days`, in value, from the ledger's
/// receipt and issue rows (kind, day, signed amount: a receipt positive, an issue negative).
/// Other kinds and days outside `days` are left out; a day with nothing is a zero.
pub fn receipts_and_issues(
    days: &[NaiveDate],
    rows: &[(String, NaiveDate, Decimal)],
) -> (Vec<Decimal>, Vec<Decimal>) {
    let mut receipts = vec![Decimal::ZERO; days.len()];
    let mut issues = vec![Decimal::ZERO; days.len()];
    for (kind, day, amount) in rows {
        let Some(i) = days.iter().position(|d| d == day) else {
            continue;
        };
        match kind.as_str() {
            "receipt" => receipts[i] += *amount,
            "issue" => issues[i] -= *amount,
            _ => {}
        }
    }
    (receipts, issues)
}

/// The ages of consigned stock, by its last movement: under a month, one to two months, and
/// over two months (rule 3: flagged for return or exchange).
pub const AGES: [&str; 3] = ["under_1_month", "1_to_2_months", "over_2_months"];

/// The age of stock last moved on `last_moved`, on `today` ([`AGES`]), counted as rule 3
/// counts (`stock::rules::is_stale`: more than the months since the last movement).
pub fn age_of(last_moved: NaiveDate, today: NaiveDate) -> &'static str {
    use crate::stock::rules::is_stale;
    if is_stale(last_moved, today, 2) {
        AGES[2]
    } else if is_stale(last_moved, today, 1) {
        AGES[1]
    } else {
        AGES[0]
    }
}

/// The value of stock at each age ([`AGES`], in order), from (last moved, value) rows.
pub fn stock_by_age(today: NaiveDate, rows: &[(NaiveDate, Decimal)]) -> Vec<Decimal> {
    AGES.iter()
        .map(|age| {
            rows.iter()
                .filter(|(moved, _)| age_of(*moved, today) == *age)
                .map(|(_, v)| *v)
                .sum()
        })
        .collect()
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
    fn a_fortnight_of_receipts_and_issues_with_quiet_days_at_zero() {
        let days = last_days(day(2026, 12, 6), 14);
        assert_eq!(days.len(), 14);
        assert_eq!(days[0], day(2026, 11, 23));
        assert_eq!(day_key(days[13]), "12-06");
        let rows = [
            ("receipt".to_string(), day(2026, 12, 6), dec("1000.00")),
            ("receipt".to_string(), day(2026, 12, 6), dec("0.50")),
            ("issue".to_string(), day(2026, 12, 6), dec("-300")),
            ("issue".to_string(), day(2026, 11, 23), dec("-1.25")),
            ("site_return".to_string(), day(2026, 12, 6), dec("50")),
            ("receipt".to_string(), day(2026, 11, 22), dec("9999")), // before the window
        ];
        let (r, i) = receipts_and_issues(&days, &rows);
        assert_eq!(r[13], dec("1000.50"));
        assert_eq!(i[13], dec("300"));
        assert_eq!(i[0], dec("1.25"));
        assert!(r[..13].iter().all(|v| v.is_zero()));
    }

    #[test]
    fn stock_ages_at_their_edges() {
        let today = day(2026, 12, 6);
        assert_eq!(age_of(day(2026, 11, 6), today), "under_1_month");
        assert_eq!(age_of(day(2026, 11, 5), today), "1_to_2_months");
        assert_eq!(age_of(day(2026, 10, 6), today), "1_to_2_months");
        assert_eq!(
            age_of(day(2026, 10, 5), today),
            "over_2_months",
            "stale by rule 3"
        );
        let v = stock_by_age(
            today,
            &[
                (day(2026, 12, 1), dec("10")),
                (day(2026, 11, 1), dec("20")),
                (day(2026, 9, 1), dec("30.5")),
                (day(2026, 8, 1), dec("1")),
            ],
        );
        assert_eq!(v, [dec("10"), dec("20"), dec("31.5")]);
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
