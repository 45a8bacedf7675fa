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

/// The value on hand per listing by age ([`AGES`]), for the `n` listings with the most (the
/// rest summed into `others`), from (listing name, last moved, value) rows: (names, a series
/// per age, in [`AGES`] order).
pub fn listings_by_age(
    today: NaiveDate,
    rows: &[(String, NaiveDate, Decimal)],
    n: usize,
    others: &str,
) -> (Vec<String>, Vec<Vec<Decimal>>) {
    let totals: Vec<(String, Decimal)> = rows.iter().map(|(l, _, v)| (l.clone(), *v)).collect();
    let ranked = top(&totals, n, others);
    let names: Vec<String> = ranked.into_iter().map(|(name, _)| name).collect();
    // The named listings; the rest are counted under `others` (the last name, when there is
    // a rest).
    let kept: std::collections::BTreeSet<&str> = names.iter().take(n).map(String::as_str).collect();
    let series = AGES
        .iter()
        .map(|age| {
            names
                .iter()
                .map(|name| {
                    rows.iter()
                        .filter(|(l, moved, _)| {
                            let here = if kept.contains(l.as_str()) {
                                l == name
                            } else {
                                name == others
                            };
                            here && age_of(*moved, today) == *age
                        })
                        .map(|(_, _, v)| *v)
                        .sum()
                })
                .collect()
        })
        .collect();
    (names, series)
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

/// The figure of each of `keys`, in order (zero where no row has it), summed from (key,
/// figure) rows; rows of other keys are left out.
pub fn by_key(keys: &[&str], rows: &[(String, Decimal)]) -> Vec<Decimal> {
    keys.iter()
        .map(|k| rows.iter().filter(|(r, _)| r == k).map(|(_, v)| *v).sum())
        .collect()
}

/// The `n` largest figures by name, largest first (ties by name), and the rest summed into one
/// last entry named `others` (only when there is a rest): a chart of suppliers stays readable
/// on a phone however many there are. Names are summed first, so a name appears once.
pub fn top(rows: &[(String, Decimal)], n: usize, others: &str) -> Vec<(String, Decimal)> {
    let mut sums: BTreeMap<&str, Decimal> = BTreeMap::new();
    for (name, v) in rows {
        *sums.entry(name).or_default() += *v;
    }
    let mut sorted: Vec<(String, Decimal)> =
        sums.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    if sorted.len() > n {
        let rest: Decimal = sorted[n..].iter().map(|(_, v)| *v).sum();
        sorted.truncate(n);
        sorted.push((others.to_string(), rest));
    }
    sorted
}

/// What each month of `months` sums to, from (day, figure) rows; other days left out.
pub fn by_month(months: &[String], rows: &[(NaiveDate, Decimal)]) -> Vec<Decimal> {
    let mut out = vec![Decimal::ZERO; months.len()];
    for (day, v) in rows {
        if let Some(i) = months.iter().position(|m| *m == month_key(*day)) {
            out[i] += *v;
        }
    }
    out
}

/// How many names a chart by supplier or category shows before the rest are summed together.
pub const TOP: usize = 8;

/// The days the lead-time charts look back over.
pub const LEAD_DAYS: u64 = 30;

/// Two series by name (`a` and `b`), summed per name, the names with the largest `a + b`
/// first (ties by name), the rest summed into `others`: (name, a, b).
pub fn top_pairs(
    a: &[(String, Decimal)],
    b: &[(String, Decimal)],
    n: usize,
    others: &str,
) -> Vec<(String, Decimal, Decimal)> {
    let mut sums: BTreeMap<&str, (Decimal, Decimal)> = BTreeMap::new();
    for (name, v) in a {
        sums.entry(name).or_default().0 += *v;
    }
    for (name, v) in b {
        sums.entry(name).or_default().1 += *v;
    }
    let mut sorted: Vec<(String, Decimal, Decimal)> = sums
        .into_iter()
        .map(|(k, (x, y))| (k.to_string(), x, y))
        .collect();
    sorted.sort_by(|p, q| (q.1 + q.2).cmp(&(p.1 + p.2)).then_with(|| p.0.cmp(&q.0)));
    if sorted.len() > n {
        let (x, y) = sorted[n..]
            .iter()
            .fold((Decimal::ZERO, Decimal::ZERO), |(x, y), r| {
                (x + r.1, y + r.2)
            });
        sorted.truncate(n);
        sorted.push((others.to_string(), x, y));
    }
    sorted
}

/// The consigned share of each month, in whole percent: what the sites drew of consigned
/// stock over that plus what the company bought outright; none in a month with neither.
pub fn consigned_share(consigned: &[Decimal], bought: &[Decimal]) -> Vec<Option<Decimal>> {
    consigned
        .iter()
        .zip(bought)
        .map(|(c, b)| {
            let all = *c + *b;
            (!all.is_zero()).then(|| (*c * Decimal::ONE_HUNDRED / all).round())
        })
        .collect()
}

/// An amount rounded to the cent, halves away from zero (as every amount in the portal).
pub fn cents(v: Decimal) -> Decimal {
    v.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
}

/// The stages of a statement, in the order it goes through them.
pub const STATEMENT_STAGES: [&str; 7] = [
    "draft",
    "issued",
    "confirmed",
    "disputed",
    "resolved",
    "invoiced",
    "paid",
];

/// What finance will pay and when, from the unpaid statements' (status, gross) and what the
/// sites drew that no statement holds yet: this month what is agreed (confirmed, resolved,
/// invoiced); next month what is still being agreed (drafted, issued, disputed) and what was
/// drawn since the last statement. Returned as [agreed, being agreed, not yet stated].
pub fn to_pay(unpaid: &[(String, Decimal)], not_stated: Decimal) -> [Decimal; 3] {
    let sum = |keys: &[&str]| -> Decimal {
        unpaid
            .iter()
            .filter(|(s, _)| keys.contains(&s.as_str()))
            .map(|(_, v)| *v)
            .sum()
    };
    [
        sum(&["confirmed", "resolved", "invoiced"]),
        sum(&["draft", "issued", "disputed"]),
        not_stated,
    ]
}

/// A supplier's failures as its scorecard counts them (rule 2).
pub const FAILURE_COUNTS: [&str; 4] = ["quality", "price", "open", "dismissed"];

/// The stages of a tender, in the order it goes through them.
pub const TENDER_STAGES: [&str; 6] = [
    "draft",
    "published",
    "opened",
    "evaluated",
    "awarded",
    "failed",
];

/// How long a contract has waited for its sign-offs: within the company's 3 days, within the
/// group's 7 (rule 5), and longer (overdue at any level).
pub const WAITS: [&str; 3] = ["within_3_days", "4_to_7_days", "over_7_days"];

/// The wait of a contract submitted on `submitted_on`, on `today` ([`WAITS`]).
pub fn wait_of(submitted_on: NaiveDate, today: NaiveDate) -> &'static str {
    match (today - submitted_on).num_days() {
        ..=3 => WAITS[0],
        4..=7 => WAITS[1],
        _ => WAITS[2],
    }
}

/// How many of the waits fall in each bucket of [`WAITS`], in order.
pub fn waits(submitted: &[NaiveDate], today: NaiveDate) -> Vec<Decimal> {
    WAITS
        .iter()
        .map(|w| {
            Decimal::from(
                submitted
                    .iter()
                    .filter(|d| wait_of(**d, today) == *w)
                    .count(),
            )
        })
        .collect()
}

/// The ways a delivery arrives, each with its inspection deadline (rule 8).
pub const ARRIVALS: [&str; 3] = ["local", "part_load", "full_truck"];

/// Rule 8 met or not: a delivery that arrived as `arrival` on `delivered_on` and was inspected
/// on `inspected_on` was inspected in time (`receiving::rules::inspection_deadline`).
pub fn inspected_in_time(arrival: &str, delivered_on: NaiveDate, inspected_on: NaiveDate) -> bool {
    let deadline =
        crate::receiving::rules::inspection_deadline(arrival, delivered_on, false, inspected_on);
    inspected_on <= deadline.due
}

/// Per arrival ([`ARRIVALS`]): how many deliveries were inspected in time and how many late,
/// from (arrival, delivered on, inspected on) rows.
pub fn inspections(rows: &[(String, NaiveDate, NaiveDate)]) -> (Vec<Decimal>, Vec<Decimal>) {
    let count = |in_time: bool| -> Vec<Decimal> {
        ARRIVALS
            .iter()
            .map(|a| {
                Decimal::from(
                    rows.iter()
                        .filter(|(arr, d, i)| arr == a && inspected_in_time(arr, *d, *i) == in_time)
                        .count(),
                )
            })
            .collect()
    };
    (count(true), count(false))
}

/// Where an approved requisition stands against rule 9's 24 hours: issued within them, issued
/// later, still waiting within them, waiting past them.
pub const ISSUE_TIMES: [&str; 4] = ["issued_in_time", "issued_late", "waiting", "overdue"];

/// The standing of a requisition approved at `approved`, first issued at `issued` (if yet), at
/// `now` ([`ISSUE_TIMES`]), as `requisitions::rules::issue_overdue` counts.
pub fn issue_time(
    approved: chrono::DateTime<chrono::Utc>,
    issued: Option<chrono::DateTime<chrono::Utc>>,
    now: chrono::DateTime<chrono::Utc>,
) -> &'static str {
    use crate::requisitions::rules::issue_overdue;
    match issued {
        Some(at) if issue_overdue(approved, at) => ISSUE_TIMES[1],
        Some(_) => ISSUE_TIMES[0],
        None if issue_overdue(approved, now) => ISSUE_TIMES[3],
        None => ISSUE_TIMES[2],
    }
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
    #[test]
    fn figures_by_key_and_the_largest_few_with_the_rest_summed() {
        let rows = [
            ("b".to_string(), dec("2")),
            ("a".to_string(), dec("5")),
            ("c".to_string(), dec("1")),
            ("b".to_string(), dec("4")),
            ("d".to_string(), dec("0.5")),
        ];
        assert_eq!(
            by_key(&["a", "b", "z"], &rows),
            [dec("5"), dec("6"), Decimal::ZERO]
        );
        assert_eq!(
            top(&rows, 2, "others"),
            [
                ("b".to_string(), dec("6")),
                ("a".to_string(), dec("5")),
                ("others".to_string(), dec("1.5"))
            ]
        );
        assert_eq!(top(&rows, 4, "others").len(), 4, "no rest, no others");
        assert!(top(&[], 3, "others").is_empty());
        let months = last_months(day(2026, 12, 6), 2);
        assert_eq!(
            by_month(
                &months,
                &[
                    (day(2026, 11, 30), dec("1")),
                    (day(2026, 12, 1), dec("2")),
                    (day(2026, 10, 31), dec("9"))
                ]
            ),
            [dec("1"), dec("2")]
        );
    }

    #[test]
    fn what_is_to_pay_this_month_and_next() {
        let unpaid = [
            ("confirmed".to_string(), dec("100")),
            ("invoiced".to_string(), dec("20.50")),
            ("resolved".to_string(), dec("1")),
            ("issued".to_string(), dec("7")),
            ("disputed".to_string(), dec("3")),
            ("draft".to_string(), dec("2")),
            ("paid".to_string(), dec("999")),
        ];
        assert_eq!(
            to_pay(&unpaid, dec("40")),
            [dec("121.50"), dec("12"), dec("40")]
        );
    }

    #[test]
    fn sign_off_waits_at_their_edges() {
        let today = day(2026, 12, 10);
        assert_eq!(wait_of(day(2026, 12, 7), today), "within_3_days");
        assert_eq!(wait_of(day(2026, 12, 6), today), "4_to_7_days");
        assert_eq!(wait_of(day(2026, 12, 3), today), "4_to_7_days");
        assert_eq!(wait_of(day(2026, 12, 2), today), "over_7_days");
        assert_eq!(
            waits(
                &[day(2026, 12, 10), day(2026, 12, 1), day(2026, 11, 1)],
                today
            ),
            [dec("1"), Decimal::ZERO, dec("2")]
        );
    }

    #[test]
    fn inspections_in_time_by_arrival_as_rule_8_counts() {
        let d = day(2026, 12, 1);
        assert!(inspected_in_time("local", d, d));
        assert!(!inspected_in_time("local", d, day(2026, 12, 2)));
        assert!(inspected_in_time("part_load", d, day(2026, 12, 4)));
        assert!(!inspected_in_time("part_load", d, day(2026, 12, 5)));
        assert!(inspected_in_time("full_truck", d, day(2026, 12, 8)));
        assert!(!inspected_in_time("full_truck", d, day(2026, 12, 9)));
        let (ok, late) = inspections(&[
            ("local".into(), d, d),
            ("local".into(), d, day(2026, 12, 3)),
            ("full_truck".into(), d, day(2026, 12, 8)),
        ]);
        assert_eq!(ok, [dec("1"), Decimal::ZERO, dec("1")]);
        assert_eq!(late, [dec("1"), Decimal::ZERO, Decimal::ZERO]);
    }

    #[test]
    fn issue_times_against_the_24_hours_of_rule_9() {
        use chrono::{Duration, TimeZone, Utc};
        let approved = Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap();
        let h = Duration::hours;
        assert_eq!(
            issue_time(approved, Some(approved + h(24)), approved + h(99)),
            "issued_in_time"
        );
        assert_eq!(
            issue_time(approved, Some(approved + h(25)), approved + h(99)),
            "issued_late"
        );
        assert_eq!(issue_time(approved, None, approved + h(24)), "waiting");
        assert_eq!(issue_time(approved, None, approved + h(25)), "overdue");
    }
    #[test]
    fn pairs_ranked_by_their_sum_and_the_consigned_share() {
        let a = [("x".to_string(), dec("1")), ("y".to_string(), dec("5"))];
        let b = [("x".to_string(), dec("9")), ("z".to_string(), dec("2"))];
        assert_eq!(
            top_pairs(&a, &b, 1, "others"),
            [
                ("x".to_string(), dec("1"), dec("9")),
                ("others".to_string(), dec("5"), dec("2"))
            ]
        );
        assert_eq!(
            consigned_share(
                &[dec("75"), Decimal::ZERO, dec("1")],
                &[dec("25"), Decimal::ZERO, dec("2")]
            ),
            [Some(dec("75")), None, Some(dec("33"))]
        );
        assert_eq!(cents(dec("0.005")), dec("0.01"));
        assert_eq!(cents(dec("-0.005")), dec("-0.01"));
        assert_eq!(cents(dec("1.2345678")), dec("1.23"));
    }
    #[test]
    fn listings_by_age_with_the_rest_together() {
        let today = day(2026, 12, 6);
        let rows = [
            ("a".to_string(), day(2026, 12, 1), dec("10")),
            ("a".to_string(), day(2026, 9, 1), dec("5")),
            ("b".to_string(), day(2026, 11, 1), dec("7")),
            ("c".to_string(), day(2026, 8, 1), dec("1")),
            ("d".to_string(), day(2026, 12, 1), dec("2")),
        ];
        let (names, series) = listings_by_age(today, &rows, 2, "others");
        assert_eq!(names, ["a", "b", "others"]);
        assert_eq!(series[0], [dec("10"), Decimal::ZERO, dec("2")]);
        assert_eq!(series[1], [Decimal::ZERO, dec("7"), Decimal::ZERO]);
        assert_eq!(series[2], [dec("5"), Decimal::ZERO, dec("1")]);
        let all: Decimal = series.iter().flatten().sum();
        assert_eq!(all, dec("25"));
    }
}
