//! The funds plan, pure: the calendar month a plan is for (payments are cash, so calendar
//! months, not the settlement periods that close on the 25th), the plan's states and who moves
//! it, when it is due (the 3rd) and late, what a planned or paid amount may be, and the
//! month-end comparison of plan and payments by supplier.
//!
//! Every amount is to the cent: a supplier's planned amount is the sum of its lines, its paid
//! amount the sum of its payments of the month, its variance paid − planned; the totals are
//! sums of the rows. So paid − planned = variance holds exactly on every row and the total.

use crate::error::RuleCode;
use crate::money::{Money, ValueError};
use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;

/// The years a funds plan may be for.
pub const YEAR_MIN: i32 = 2000;
pub const YEAR_MAX: i32 = 2100;
/// The plan of a month is due by this day of the month (主管会计: "by the 3rd").
pub const DUE_DAY: u32 = 3;

/// A calendar month, 2000-01 to 2100-12; its only spelling is "YYYY-MM".
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    // Field order matters: the derived `Ord` is calendar order.
    year: i32,
    month: u32,
}

impl Month {
    pub fn new(year: i32, month: u32) -> Option<Month> {
        ((YEAR_MIN..=YEAR_MAX).contains(&year) && (1..=12).contains(&month))
            .then_some(Month { year, month })
    }

    /// "2027-03" (surrounding spaces ignored); not "2027-3", "2027-13", "abc" or "".
    pub fn parse(s: &str) -> Result<Month, RuleCode> {
        let s = s.trim();
        let b = s.as_bytes();
        let canonical =
            b.len() == 7 && b[4] == b'-' && b[..4].iter().chain(&b[5..]).all(u8::is_ascii_digit);
        if !canonical {
            return Err(RuleCode::Month);
        }
        let year = s[..4].parse().map_err(|_| RuleCode::Month)?;
        let month = s[5..].parse().map_err(|_| RuleCode::Month)?;
        Month::new(year, month).ok_or(RuleCode::Month)
    }

    /// The month a day falls in (clamped to the years a plan may be for).
    pub fn of(day: NaiveDate) -> Month {
        let year = day.year().clamp(YEAR_MIN, YEAR_MAX);
        Month {
            year,
            month: day.month(),
        }
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    pub fn last_day(self) -> NaiveDate {
        self.next_unclamped()
            .and_then(|d| d.pred_opt())
            .unwrap_or(NaiveDate::MAX)
    }

    fn next_unclamped(self) -> Option<NaiveDate> {
        let (y, m) = if self.month == 12 {
            (self.year + 1, 1)
        } else {
            (self.year, self.month + 1)
        };
        NaiveDate::from_ymd_opt(y, m, 1)
    }

    /// The day the plan is due: the 3rd.
    pub fn due_on(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, DUE_DAY).unwrap_or(NaiveDate::MIN)
    }

    /// The following month (saturates at 2100-12).
    pub fn next(self) -> Month {
        let (y, m) = if self.month == 12 {
            (self.year + 1, 1)
        } else {
            (self.year, self.month + 1)
        };
        Month::new(y, m).unwrap_or(self)
    }

    /// The preceding month (saturates at 2000-01).
    pub fn prev(self) -> Month {
        let (y, m) = if self.month == 1 {
            (self.year - 1, 12)
        } else {
            (self.year, self.month - 1)
        };
        Month::new(y, m).unwrap_or(self)
    }

    pub fn contains(self, day: NaiveDate) -> bool {
        day.year() == self.year && day.month() == self.month
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl Serialize for Month {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// When a month's plan is due and whether it is late.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Due {
    pub due_on: NaiveDate,
    /// Submitted after the 3rd, or not submitted and the 3rd has passed.
    pub late: bool,
}

/// The plan of `month` is due by the 3rd: late when its first submission (`submitted_on`, the
/// day in the company's time zone) came after the 3rd, or when it has not been submitted and
/// `today` is after the 3rd. A plan returned and submitted again keeps its first day.
pub fn due(month: Month, submitted_on: Option<NaiveDate>, today: NaiveDate) -> Due {
    let due_on = month.due_on();
    Due {
        due_on,
        late: submitted_on.unwrap_or(today) > due_on,
    }
}

/// A plan's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Draft,
    Submitted,
    Approved,
    Returned,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Draft,
        Status::Submitted,
        Status::Approved,
        Status::Returned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Submitted => "submitted",
            Status::Approved => "approved",
            Status::Returned => "returned",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Finance may add, change and remove lines, and submit: a draft, or a plan sent back.
    pub fn editable(self) -> bool {
        matches!(self, Status::Draft | Status::Returned)
    }
}

/// What moves a plan on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Submit,
    Approve,
    Return,
}

/// The state `action` moves a plan in `from` to; none when it may not.
pub fn next(from: Status, action: Action) -> Option<Status> {
    match (from, action) {
        (Status::Draft | Status::Returned, Action::Submit) => Some(Status::Submitted),
        (Status::Submitted, Action::Approve) => Some(Status::Approved),
        (Status::Submitted, Action::Return) => Some(Status::Returned),
        _ => None,
    }
}

/// Where a planned payment comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// An unpaid settlement statement.
    Statement,
    /// An effective contract still to pay.
    Contract,
    /// Anything else finance plans to pay.
    Other,
}

impl Source {
    pub const ALL: [Source; 3] = [Source::Statement, Source::Contract, Source::Other];

    pub fn as_str(self) -> &'static str {
        match self {
            Source::Statement => "statement",
            Source::Contract => "contract",
            Source::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }
}

/// The statement states that are still to be paid: issued and not yet paid.
pub const UNPAID_STATEMENTS: [&str; 5] =
    ["issued", "confirmed", "disputed", "resolved", "invoiced"];

/// A planned amount: zero or more yuan, at most two decimal places.
pub fn planned_amount(value: Decimal) -> Result<Money, RuleCode> {
    if value.is_sign_negative() && !value.is_zero() {
        return Err(RuleCode::Negative);
    }
    Money::exact(value).map_err(ValueError::code)
}

/// A payment: above zero, at most two decimal places.
pub fn payment_amount(value: Decimal) -> Result<Money, RuleCode> {
    if value <= Decimal::ZERO {
        return Err(RuleCode::AmountPositive);
    }
    Money::exact(value).map_err(ValueError::code)
}

/// What is still to pay on a contract of `total` after `paid`; never below zero.
pub fn remaining(total: Decimal, paid: Decimal) -> Decimal {
    let left = Money::round(total - paid)
        .map(Money::value)
        .unwrap_or_default();
    left.max(Money::ZERO.value())
}

/// A payment of `amount` on a contract of `total` already paid `paid`: refused when the
/// payments would add up to more than the total.
pub fn may_pay(total: Decimal, paid: Decimal, amount: Decimal) -> Result<(), RuleCode> {
    match paid.checked_add(amount) {
        Some(sum) if sum <= total => Ok(()),
        _ => Err(RuleCode::FundsPaymentOverTotal),
    }
}

/// A contract is due in a month when it ends on or before the month's last day, or has no end
/// and took effect before the month ended (`effective_on`: the day, company time zone).
pub fn contract_due(
    month: Month,
    ends_on: Option<NaiveDate>,
    effective_on: Option<NaiveDate>,
) -> bool {
    match ends_on {
        Some(end) => end <= month.last_day(),
        None => effective_on.is_some_and(|d| d <= month.last_day()),
    }
}

/// One supplier's row of the comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Row {
    pub supplier_id: i64,
    pub planned: Decimal,
    pub paid: Decimal,
    /// paid − planned: above zero paid more than planned.
    pub variance: Decimal,
}

/// The month's comparison: a row per supplier planned or paid (by supplier id), and totals.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Comparison {
    pub rows: Vec<Row>,
    pub planned: Decimal,
    pub paid: Decimal,
    pub variance: Decimal,
}

/// The comparison of `planned` (each plan line: supplier, amount) with `paid` (each payment of
/// the month: supplier, amount). A supplier paid but not planned has planned 0, one planned but
/// not paid has paid 0. `TooLarge` when a sum is beyond what an amount can be.
pub fn compare(
    planned: &[(i64, Decimal)],
    paid: &[(i64, Decimal)],
) -> Result<Comparison, ValueError> {
    let zero = Money::ZERO;
    let mut by: BTreeMap<i64, (Money, Money)> = BTreeMap::new();
    for (s, a) in planned {
        let e = by.entry(*s).or_insert((zero, zero));
        e.0 = e.0.checked_add(Money::exact(*a)?)?;
    }
    for (s, a) in paid {
        let e = by.entry(*s).or_insert((zero, zero));
        e.1 = e.1.checked_add(Money::exact(*a)?)?;
    }
    let (mut tp, mut tq, mut tv) = (zero, zero, zero);
    let mut rows = Vec::with_capacity(by.len());
    for (supplier_id, (p, q)) in by {
        let v = q.checked_sub(p)?;
        tp = tp.checked_add(p)?;
        tq = tq.checked_add(q)?;
        tv = tv.checked_add(v)?;
        rows.push(Row {
            supplier_id,
            planned: p.value(),
            paid: q.value(),
            variance: v.value(),
        });
    }
    Ok(Comparison {
        rows,
        planned: tp.value(),
        paid: tq.value(),
        variance: tv.value(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_month_is_written_yyyy_mm_and_nothing_else() {
        let m = Month::parse("2027-03").unwrap();
        assert_eq!(m.to_string(), "2027-03");
        assert_eq!(Month::parse(" 2027-12 ").unwrap().to_string(), "2027-12");
        for bad in [
            "",
            "abc",
            "2026-13",
            "2026-00",
            "2026-1",
            "26-01",
            "2026/01",
            "2026-011",
            "1999-12",
            "2101-01",
            "２０２６-01",
        ] {
            assert_eq!(Month::parse(bad), Err(RuleCode::Month), "{bad:?}");
        }
    }

    #[test]
    fn a_month_is_a_calendar_month_with_its_days() {
        let feb = Month::parse("2028-02").unwrap();
        assert_eq!(feb.first_day(), day("2028-02-01"));
        assert_eq!(feb.last_day(), day("2028-02-29"));
        assert_eq!(feb.due_on(), day("2028-02-03"));
        let dec = Month::parse("2027-12").unwrap();
        assert_eq!(dec.last_day(), day("2027-12-31"));
        assert_eq!(dec.next().to_string(), "2028-01");
        assert_eq!(dec.next().prev(), dec);
        assert_eq!(
            Month::parse("2100-12").unwrap().next().to_string(),
            "2100-12"
        );
        assert_eq!(Month::of(day("2027-01-26")).to_string(), "2027-01");
        assert!(dec.contains(day("2027-12-31")) && !dec.contains(day("2028-01-01")));
    }

    #[test]
    fn a_plan_is_due_by_the_3rd_and_late_after_it() {
        let m = Month::parse("2027-03").unwrap();
        let due_on = day("2027-03-03");
        // Not submitted: on time until the 3rd ends, late from the 4th.
        assert_eq!(
            due(m, None, day("2027-02-20")),
            Due {
                due_on,
                late: false
            }
        );
        assert!(!due(m, None, day("2027-03-03")).late);
        assert!(due(m, None, day("2027-03-04")).late);
        // Submitted: its day counts, whatever today is.
        assert!(!due(m, Some(day("2027-03-03")), day("2027-04-10")).late);
        assert!(!due(m, Some(day("2027-02-27")), day("2027-04-10")).late);
        assert!(due(m, Some(day("2027-03-04")), day("2027-03-04")).late);
    }

    #[test]
    fn finance_edits_a_draft_or_returned_plan_and_the_head_decides_a_submitted_one() {
        use Action::*;
        use Status::*;
        assert_eq!(next(Draft, Submit), Some(Submitted));
        assert_eq!(next(Returned, Submit), Some(Submitted));
        assert_eq!(next(Submitted, Approve), Some(Approved));
        assert_eq!(next(Submitted, Return), Some(Returned));
        for (from, a) in [
            (Draft, Approve),
            (Draft, Return),
            (Submitted, Submit),
            (Approved, Submit),
            (Approved, Approve),
            (Approved, Return),
            (Returned, Approve),
        ] {
            assert_eq!(next(from, a), None, "{from:?} {a:?}");
        }
        assert!(Draft.editable() && Returned.editable());
        assert!(!Submitted.editable() && !Approved.editable());
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        for s in Source::ALL {
            assert_eq!(Source::parse(s.as_str()), Some(s));
        }
        assert_eq!(Source::parse("cash"), None);
    }

    #[test]
    fn a_planned_amount_is_zero_or_more_to_the_cent_and_a_payment_above_zero() {
        assert_eq!(planned_amount(d("0")).unwrap().value(), d("0.00"));
        assert_eq!(planned_amount(d("12.5")).unwrap().value(), d("12.50"));
        assert_eq!(planned_amount(d("-0.01")), Err(RuleCode::Negative));
        assert_eq!(planned_amount(d("1.001")), Err(RuleCode::TooManyPlaces));
        assert_eq!(planned_amount(d("1e20")), Err(RuleCode::TooLarge));
        assert_eq!(payment_amount(d("0")), Err(RuleCode::AmountPositive));
        assert_eq!(payment_amount(d("-3")), Err(RuleCode::AmountPositive));
        assert_eq!(payment_amount(d("0.01")).unwrap().value(), d("0.01"));
    }

    #[test]
    fn payments_never_add_up_to_more_than_the_contract() {
        assert!(may_pay(d("100.00"), d("60.00"), d("40.00")).is_ok());
        assert_eq!(
            may_pay(d("100.00"), d("60.00"), d("40.01")),
            Err(RuleCode::FundsPaymentOverTotal)
        );
        assert_eq!(remaining(d("100.00"), d("60.00")), d("40.00"));
        assert_eq!(remaining(d("100.00"), d("100.00")), d("0.00"));
    }

    #[test]
    fn a_contract_is_due_when_it_ends_by_the_month_end_or_has_no_end_and_took_effect() {
        let m = Month::parse("2027-03").unwrap();
        assert!(contract_due(m, Some(day("2027-03-31")), None));
        assert!(contract_due(m, Some(day("2027-01-15")), None));
        assert!(!contract_due(
            m,
            Some(day("2027-04-01")),
            Some(day("2027-01-01"))
        ));
        assert!(contract_due(m, None, Some(day("2027-03-31"))));
        assert!(!contract_due(m, None, Some(day("2027-04-01"))));
        assert!(!contract_due(m, None, None));
    }

    #[test]
    fn the_comparison_adds_up_per_supplier_and_in_total() {
        let c = compare(
            &[
                (1, d("100.00")),
                (1, d("50.50")),
                (2, d("30.00")),
                (4, d("0")),
            ],
            &[(1, d("120.25")), (3, d("9.99")), (2, d("30.00"))],
        )
        .unwrap();
        let rows: Vec<(i64, Decimal, Decimal, Decimal)> = c
            .rows
            .iter()
            .map(|r| (r.supplier_id, r.planned, r.paid, r.variance))
            .collect();
        assert_eq!(
            rows,
            vec![
                (1, d("150.50"), d("120.25"), d("-30.25")),
                (2, d("30.00"), d("30.00"), d("0.00")),
                // Paid but not planned.
                (3, d("0.00"), d("9.99"), d("9.99")),
                (4, d("0.00"), d("0.00"), d("0.00")),
            ]
        );
        assert_eq!(
            (c.planned, c.paid, c.variance),
            (d("180.50"), d("160.24"), d("-20.26"))
        );
        let empty = compare(&[], &[]).unwrap();
        assert!(empty.rows.is_empty());
        assert_eq!(
            (empty.planned, empty.paid, empty.variance),
            (d("0.00"), d("0.00"), d("0.00"))
        );
    }

    #[test]
    fn many_amounts_still_add_up_to_the_cent() {
        let planned: Vec<(i64, Decimal)> = (1..300_i64)
            .map(|k| (k % 13, Decimal::new(k * 12_347 + 1, 2)))
            .collect();
        let paid: Vec<(i64, Decimal)> = (1..250_i64)
            .map(|k| (k % 17, Decimal::new(k * 9_973 + 7, 2)))
            .collect();
        let c = compare(&planned, &paid).unwrap();
        let sum = |f: fn(&Row) -> Decimal| c.rows.iter().map(f).sum::<Decimal>();
        assert_eq!(sum(|r| r.planned), c.planned);
        assert_eq!(sum(|r| r.paid), c.paid);
        assert_eq!(sum(|r| r.variance), c.variance);
        assert_eq!(c.paid - c.planned, c.variance);
        assert_eq!(c.planned, planned.iter().map(|(_, a)| *a).sum::<Decimal>());
        for r in &c.rows {
            assert_eq!(r.paid - r.planned, r.variance);
        }
    }
}
