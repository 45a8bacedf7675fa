//! Pure stock rules: issuing oldest lots first (rule 9) and the two-month stale clock (rule 3).
//! Inspection deadlines (rule 8) are receiving's: `crate::receiving::rules`.
//! A movement's amount is `crate::money::line_amount`.

use chrono::{Months, NaiveDate};
use entity::LotId;
use rust_decimal::Decimal;

/// Rule 3: a lot is stale when its last movement is more than `months` calendar months
/// before `as_of`. Exactly `months` months is not stale; a day more is. Month ends follow
/// the calendar (a receipt on 31 December is two months old on the last day of February).
pub fn is_stale(last_movement_on: NaiveDate, as_of: NaiveDate, months: u32) -> bool {
    match last_movement_on.checked_add_months(Months::new(months)) {
        Some(limit) => as_of > limit,
        None => false,
    }
}

/// Months without movement after which a lot is stale when its supplier has no agreement
/// saying otherwise (rule 3's two months).
pub const DEFAULT_STALE_MONTHS: u32 = 2;

/// The months an agreement's `stale_months` stands for: kept to 1–12 (what the agreement
/// form accepts), so a bad row cannot make every lot stale or none.
pub fn agreement_stale_months(stale_months: i32) -> u32 {
    stale_months.clamp(1, 12) as u32
}

/// The latest last-movement date that is stale on `as_of` after `months`: a lot is stale
/// exactly when `last_movement_on <= stale_cutoff(as_of, months)`, which lets the database
/// select stale lots by an indexed comparison. `None` when no date is (the calendar's start).
pub fn stale_cutoff(as_of: NaiveDate, months: u32) -> Option<NaiveDate> {
    // Adding months is monotone, so the answer is next to `as_of` less `months` (clamped to
    // the month's end); step to the exact boundary from there, a day or two at most.
    let mut day = as_of.checked_sub_months(Months::new(months))?;
    while !is_stale(day, as_of, months) {
        day = day.pred_opt()?;
    }
    while let Some(next) = day.succ_opt().filter(|n| is_stale(*n, as_of, months)) {
        day = next;
    }
    Some(day)
}

/// Rule 9: issue the oldest lots first. `lots` are (lot id, received on, quantity); answers
/// how much to take from each, or `None` when they do not hold `wanted`.
pub fn allocate_oldest_first(
    lots: &[(LotId, NaiveDate, Decimal)],
    wanted: Decimal,
) -> Option<Vec<(LotId, Decimal)>> {
    let mut sorted: Vec<_> = lots.iter().filter(|(_, _, q)| *q > Decimal::ZERO).collect();
    sorted.sort_by_key(|(id, received, _)| (*received, *id));
    let mut left = wanted;
    let mut out = Vec::new();
    for (id, _, q) in sorted {
        if left <= Decimal::ZERO {
            break;
        }
        let take = (*q).min(left);
        out.push((*id, take));
        left -= take;
    }
    (left <= Decimal::ZERO).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap_or_default()
    }

    #[test]
    fn exactly_two_months_is_not_stale_and_a_day_more_is() {
        assert!(!is_stale(d(2027, 1, 15), d(2027, 3, 15), 2));
        assert!(is_stale(d(2027, 1, 15), d(2027, 3, 16), 2));
    }

    #[test]
    fn month_ends_follow_the_calendar() {
        // 31 December + two months is 28 February 2027 (not a leap year) …
        assert!(!is_stale(d(2026, 12, 31), d(2027, 2, 28), 2));
        assert!(is_stale(d(2026, 12, 31), d(2027, 3, 1), 2));
        // … and 29 February 2028 in a leap year.
        assert!(!is_stale(d(2027, 12, 31), d(2028, 2, 29), 2));
        assert!(is_stale(d(2027, 12, 31), d(2028, 3, 1), 2));
    }

    #[test]
    fn the_cutoff_is_exactly_the_staleness_boundary() {
        // Every day of four years (a leap year among them), every agreement length, and the
        // days around the cut-off: stale exactly when on or before it.
        let mut as_of = d(2026, 1, 1);
        while as_of <= d(2029, 12, 31) {
            for months in 1..=12 {
                let cutoff = stale_cutoff(as_of, months).unwrap_or_default();
                for offset in -70..=70 {
                    let last = cutoff + chrono::Duration::days(offset);
                    assert_eq!(
                        is_stale(last, as_of, months),
                        last <= cutoff,
                        "as of {as_of}, {months} months, last movement {last}"
                    );
                }
            }
            as_of = as_of.succ_opt().unwrap_or(as_of);
        }
        assert_eq!(stale_cutoff(d(2027, 3, 1), 2), Some(d(2026, 12, 31)));
        assert_eq!(stale_cutoff(d(2027, 3, 16), 2), Some(d(2027, 1, 15)));
    }

    #[test]
    fn agreement_months_are_kept_to_a_year() {
        assert_eq!(agreement_stale_months(0), 1);
        assert_eq!(agreement_stale_months(2), 2);
        assert_eq!(agreement_stale_months(40), 12);
    }

    #[test]
    fn the_oldest_lots_are_issued_first() {
        let lots = [
            (LotId(3), d(2027, 2, 1), dec("5")),
            (LotId(1), d(2027, 1, 1), dec("2")),
            (LotId(2), d(2027, 1, 1), dec("4")),
        ];
        assert_eq!(
            allocate_oldest_first(&lots, dec("7")),
            Some(vec![
                (LotId(1), dec("2")),
                (LotId(2), dec("4")),
                (LotId(3), dec("1"))
            ])
        );
        assert_eq!(
            allocate_oldest_first(&lots, dec("11")),
            Some(vec![
                (LotId(1), dec("2")),
                (LotId(2), dec("4")),
                (LotId(3), dec("5"))
            ])
        );
        assert_eq!(allocate_oldest_first(&lots, dec("11.001")), None);
    }
}
