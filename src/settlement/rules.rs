//! Pure settlement rules for consignment stock: the monthly period and its cut-off (rule 11),
//! the money on a statement (tax-inclusive line amounts, net and tax to the cent), the plan of
//! which draws and carried adjustments go on which supplier's statement when a period closes,
//! and the statement workflow. No I/O: the store layer reads and writes, this decides.
//!
//! Rule 11: the books close on the cut-off day (the 25th by default, a setting). A period is
//! named by the month it ends in, and runs from the day after the previous cut-off to the
//! cut-off day itself, whole days in the company's time zone.

use entity::{ListingId, SupplierId};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::time::start_of_day;

// ---------------------------------------------------------------------------------------------
// Periods
// ---------------------------------------------------------------------------------------------

/// A settlement period, named by the month in which it ends ("2027-01"). With cut-off day 25,
/// "2027-01" runs from 2026-12-26 00:00 to 2027-01-25 24:00 in the company's time zone.
///
/// Years are 1..=9999 so that every period has a four-digit name that parses back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    // Field order matters: the derived `Ord` is calendar order.
    year: i32,
    month: u32,
}

/// A string that is not a period name ("YYYY-MM").
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not a settlement period (expected YYYY-MM): {0:?}")]
pub struct ParsePeriodError(pub String);

impl Period {
    const MIN: Period = Period { year: 1, month: 1 };
    const MAX: Period = Period {
        year: 9999,
        month: 12,
    };

    pub fn new(year: i32, month: u32) -> Option<Period> {
        ((1..=9999).contains(&year) && (1..=12).contains(&month)).then_some(Period { year, month })
    }

    /// Only the canonical form: four-digit year, two-digit month ("2027-01", not "2027-1"),
    /// so that a period has exactly one spelling in URLs, exports and the database.
    pub fn parse(s: &str) -> Option<Period> {
        let b = s.as_bytes();
        let canonical =
            b.len() == 7 && b[4] == b'-' && b[..4].iter().chain(&b[5..]).all(u8::is_ascii_digit);
        if !canonical {
            return None;
        }
        Period::new(s[..4].parse().ok()?, s[5..].parse().ok()?)
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u32 {
        self.month
    }

    /// The following period. Saturates at 9999-12, which no ledger will reach.
    pub fn next(self) -> Period {
        let (year, month) = shift_month(self.year, self.month, 1);
        Period::new(year, month).unwrap_or(Period::MAX)
    }

    /// The preceding period. Saturates at 0001-01.
    pub fn prev(self) -> Period {
        let (year, month) = shift_month(self.year, self.month, -1);
        Period::new(year, month).unwrap_or(Period::MIN)
    }

    /// The first day: the day after the previous month's cut-off date.
    pub fn first_day(self, cutoff: u32) -> NaiveDate {
        // Not `self.prev()`: that saturates, and 0001-01 still starts after a cut-off in year 0.
        let (year, month) = shift_month(self.year, self.month, -1);
        day_after(cutoff_date(year, month, cutoff))
    }

    /// The last day, which is the cut-off date of the period's month.
    pub fn last_day(self, cutoff: u32) -> NaiveDate {
        cutoff_date(self.year, self.month, cutoff)
    }

    /// The half-open interval of instants `[start, end)` the period covers in `tz`. The end is
    /// the next period's start, so consecutive periods neither overlap nor leave a gap.
    pub fn bounds(self, cutoff: u32, tz: chrono_tz::Tz) -> (DateTime<Utc>, DateTime<Utc>) {
        (
            start_of_day(self.first_day(cutoff), tz),
            start_of_day(day_after(self.last_day(cutoff)), tz),
        )
    }

    /// The period a calendar day belongs to. Days outside years 1..=9999 saturate.
    pub fn containing(date: NaiveDate, cutoff: u32) -> Period {
        let (year, month) = (date.year(), date.month());
        let (year, month) = if date <= cutoff_date(year, month, cutoff) {
            (year, month)
        } else {
            shift_month(year, month, 1)
        };
        Period::new(year, month).unwrap_or(if year < 1 { Period::MIN } else { Period::MAX })
    }

    /// The period an instant belongs to. The day is taken in `tz`, never in the server's own
    /// zone, so a movement at 23:59 on the 25th in Shanghai stays in the 25th's period.
    pub fn of_instant(at: DateTime<Utc>, cutoff: u32, tz: chrono_tz::Tz) -> Period {
        Period::containing(at.with_timezone(&tz).date_naive(), cutoff)
    }

    /// The latest period whose last day is before `as_of`: the one a close run on `as_of` may
    /// close. A period can only be closed once it has ended, so on the cut-off day itself it
    /// is still the previous one (on 2027-01-25 it is 2026-12, on 2027-01-26 it is 2027-01).
    pub fn last_closed_by(as_of: NaiveDate, cutoff: u32) -> Period {
        Period::containing(as_of, cutoff).prev()
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl FromStr for Period {
    type Err = ParsePeriodError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Period::parse(s).ok_or_else(|| ParsePeriodError(s.to_owned()))
    }
}

impl Serialize for Period {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// The cut-off date in a month. A cut-off day past the month's end means its last day
/// (cut-off 31 closes February on the 28th, or the 29th in a leap year), so every month has
/// exactly one cut-off and every period at least one day. Days outside 1..=31 are clamped;
/// the settings form is what rejects them.
fn cutoff_date(year: i32, month: u32, cutoff: u32) -> NaiveDate {
    let day = cutoff.clamp(1, 31).min(days_in_month(year, month));
    // Only reachable for years chrono cannot represent, which `Period` never produces.
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or(NaiveDate::MIN)
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        _ => 31,
    }
}

fn shift_month(year: i32, month: u32, by: i32) -> (i32, u32) {
    let index = year * 12 + month as i32 - 1 + by;
    (index.div_euclid(12), index.rem_euclid(12) as u32 + 1)
}

fn day_after(date: NaiveDate) -> NaiveDate {
    date.checked_add_days(Days::new(1)).unwrap_or(date)
}

// ---------------------------------------------------------------------------------------------
// Money
// ---------------------------------------------------------------------------------------------

pub use crate::money::{ValueError, line_amount, round_cents};

/// What a statement adds up to. Prices are tax-inclusive (含税单价), so the gross is what is
/// owed and net and tax are split out of it for the invoice.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub gross: Decimal,
    pub net: Decimal,
    pub tax: Decimal,
}

/// Totals of a statement from its line amounts. `tax_rate` is a fraction (0.13 for 13 %).
///
/// The gross is the sum of the rounded lines, never a rounding of an unrounded sum, so the
/// statement adds up line by line. Net is rounded once and tax is the remainder, so
/// `net + tax == gross` to the cent whatever the rate; rounding both would miss by a cent
/// whenever the split falls on a half cent. Credits may make any of them negative. A rate of −100 % or below means nothing; it
/// is treated as untaxed rather than dividing by zero. A gross larger than an amount can be
/// is `TooLarge`.
pub fn totals(
    line_amounts: impl IntoIterator<Item = Decimal>,
    tax_rate: Decimal,
) -> Result<Totals, ValueError> {
    let gross = crate::money::sum_cents(line_amounts)?;
    let divisor = Decimal::ONE.checked_add(tax_rate).unwrap_or(Decimal::ZERO);
    let net = if divisor > Decimal::ZERO {
        gross.checked_div(divisor).map_or(gross, round_cents)
    } else {
        gross
    };
    // |net| ≤ |gross| for any rate above −100 %, so the difference stays an amount.
    let tax = gross
        .checked_sub(net)
        .map(round_cents)
        .ok_or(ValueError::TooLarge)?;
    Ok(Totals { gross, net, tax })
}

// ---------------------------------------------------------------------------------------------
// Statement planning
// ---------------------------------------------------------------------------------------------

/// What a statement line records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    /// Goods issued to a site: ownership passed, the company owes the supplier.
    Issue,
    /// Goods a site handed back: credited against the supplier.
    SiteReturn,
    /// A correction from resolving a dispute on an earlier statement.
    Adjustment,
}

impl LineKind {
    pub const ALL: [LineKind; 3] = [LineKind::Issue, LineKind::SiteReturn, LineKind::Adjustment];

    pub fn as_str(self) -> &'static str {
        match self {
            LineKind::Issue => "issue",
            LineKind::SiteReturn => "site_return",
            LineKind::Adjustment => "adjustment",
        }
    }

    pub fn parse(s: &str) -> Option<LineKind> {
        LineKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A stock movement that changes what is owed to a supplier: an issue or a site return.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Draw {
    pub movement_id: i64,
    pub supplier_id: SupplierId,
    pub listing_id: ListingId,
    pub at: DateTime<Utc>,
    /// `Issue` or `SiteReturn`.
    pub kind: LineKind,
    /// Positive; the kind gives the sign.
    pub quantity: Decimal,
    /// Tax-inclusive.
    pub unit_price: Decimal,
}

impl Draw {
    /// The signed amount on the statement: owed for an issue, credited for a site return.
    /// Rounding is symmetric, so negating the rounded amount equals rounding the negative.
    pub fn amount(&self) -> Result<Decimal, ValueError> {
        let amount = line_amount(self.quantity, self.unit_price)?;
        Ok(match self.kind {
            LineKind::SiteReturn => round_cents(-amount),
            LineKind::Issue | LineKind::Adjustment => amount,
        })
    }
}

/// An adjustment from resolving a dispute on an earlier statement, carried into the
/// supplier's next statement: a statement already agreed is never rewritten.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Carried {
    pub adjustment_id: i64,
    pub supplier_id: SupplierId,
    /// Signed, in cents.
    pub amount: Decimal,
    pub note: String,
}

/// One line of a statement about to be written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlannedLine {
    pub kind: LineKind,
    pub movement_id: Option<i64>,
    pub adjustment_id: Option<i64>,
    pub listing_id: Option<ListingId>,
    pub at: Option<DateTime<Utc>>,
    pub quantity: Decimal,
    pub unit_price: Decimal,
    /// Signed, rounded to the cent.
    pub amount: Decimal,
    pub note: String,
}

/// A supplier's statement for a period, about to be written as a draft.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlannedStatement {
    pub supplier_id: SupplierId,
    pub period: Period,
    pub lines: Vec<PlannedLine>,
    pub totals: Totals,
}

/// Plan the statements of a close of `period`.
///
/// `ends(supplier_id)` is that supplier's period end instant and tax rate, or `None` when its
/// period has not ended or is not being closed now (each agreement may have its own cut-off
/// day, so one close can end at different instants for different suppliers).
///
/// Every draw of a closing supplier before its end is taken, whatever period its instant lies
/// in: the caller passes only movements not yet on any statement, so a movement recorded after
/// its period closed lands on the next statement instead of on none. Draws at or after the end,
/// and everything of suppliers not closing, are left for a later close. Every carried adjustment
/// of a closing supplier is taken.
///
/// One statement per supplier with at least one line, sorted by supplier; lines in time order
/// (then by movement id), adjustments last by id. Deterministic: the input order does not
/// matter. `TooLarge` when a line's amount or a statement's total is larger than an amount
/// can be.
pub fn plan(
    period: Period,
    ends: impl Fn(SupplierId) -> Option<(DateTime<Utc>, Decimal)>,
    draws: &[Draw],
    carried: &[Carried],
) -> Result<Vec<PlannedStatement>, ValueError> {
    // `ends` may be a lookup with real cost; ask once per supplier.
    let mut closing: BTreeMap<SupplierId, Option<(DateTime<Utc>, Decimal)>> = BTreeMap::new();
    let mut taken: BTreeMap<SupplierId, Vec<&Draw>> = BTreeMap::new();
    for draw in draws {
        let end = *closing
            .entry(draw.supplier_id)
            .or_insert_with(|| ends(draw.supplier_id));
        if let Some((end, _)) = end
            && draw.at < end
        {
            taken.entry(draw.supplier_id).or_default().push(draw);
        }
    }
    let mut adjustments: BTreeMap<SupplierId, Vec<&Carried>> = BTreeMap::new();
    for adjustment in carried {
        let end = *closing
            .entry(adjustment.supplier_id)
            .or_insert_with(|| ends(adjustment.supplier_id));
        if end.is_some() {
            adjustments
                .entry(adjustment.supplier_id)
                .or_default()
                .push(adjustment);
        }
    }

    let suppliers: BTreeSet<SupplierId> = taken.keys().chain(adjustments.keys()).copied().collect();
    let mut statements = Vec::with_capacity(suppliers.len());
    for supplier_id in suppliers {
        let Some(Some((_, tax_rate))) = closing.get(&supplier_id).copied() else {
            continue;
        };
        let mut draws = taken.remove(&supplier_id).unwrap_or_default();
        draws.sort_by_key(|d| (d.at, d.movement_id));
        let mut carried = adjustments.remove(&supplier_id).unwrap_or_default();
        carried.sort_by_key(|c| c.adjustment_id);

        let lines: Vec<PlannedLine> = draws
            .into_iter()
            .map(|d| {
                Ok(PlannedLine {
                    kind: d.kind,
                    movement_id: Some(d.movement_id),
                    adjustment_id: None,
                    listing_id: Some(d.listing_id),
                    at: Some(d.at),
                    quantity: d.quantity,
                    unit_price: d.unit_price,
                    amount: d.amount()?,
                    note: String::new(),
                })
            })
            .chain(carried.into_iter().map(|c| {
                let amount = round_cents(c.amount);
                // One unit at the amount, so quantity × unit price reads true on the printout.
                Ok(PlannedLine {
                    kind: LineKind::Adjustment,
                    movement_id: None,
                    adjustment_id: Some(c.adjustment_id),
                    listing_id: None,
                    at: None,
                    quantity: Decimal::ONE,
                    unit_price: amount,
                    amount,
                    note: c.note.clone(),
                })
            }))
            .collect::<Result<_, ValueError>>()?;
        let totals = totals(lines.iter().map(|l| l.amount), tax_rate)?;
        statements.push(PlannedStatement {
            supplier_id,
            period,
            lines,
            totals,
        });
    }
    Ok(statements)
}

// ---------------------------------------------------------------------------------------------
// Workflow
// ---------------------------------------------------------------------------------------------

/// Where a statement is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Draft,
    Issued,
    Confirmed,
    Disputed,
    Resolved,
    Invoiced,
    Paid,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::Draft,
        Status::Issued,
        Status::Confirmed,
        Status::Disputed,
        Status::Resolved,
        Status::Invoiced,
        Status::Paid,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Issued => "issued",
            Status::Confirmed => "confirmed",
            Status::Disputed => "disputed",
            Status::Resolved => "resolved",
            Status::Invoiced => "invoiced",
            Status::Paid => "paid",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// Something done to a statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Issue,
    Confirm,
    Dispute,
    Resolve,
    Invoice,
    Pay,
}

impl Action {
    pub const ALL: [Action; 6] = [
        Action::Issue,
        Action::Confirm,
        Action::Dispute,
        Action::Resolve,
        Action::Invoice,
        Action::Pay,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Issue => "issue",
            Action::Confirm => "confirm",
            Action::Dispute => "dispute",
            Action::Resolve => "resolve",
            Action::Invoice => "invoice",
            Action::Pay => "pay",
        }
    }

    pub fn parse(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// Who may take an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    Finance,
    Supplier,
}

/// Which side of the workflow a role is on: the supplier answers its statements, finance does
/// the rest; nobody else takes a step.
pub fn actor_of(role: crate::auth::Role) -> Option<Actor> {
    use crate::auth::Role;
    match role {
        Role::Supplier => Some(Actor::Supplier),
        Role::Finance => Some(Actor::Finance),
        _ => None,
    }
}

/// The status a statement moves to, or `None` when the action is not allowed from `status`.
/// A dispute is resolved by an adjustment carried into a later statement, so a resolved
/// statement is invoiced as it stands, like a confirmed one.
pub fn next(status: Status, action: Action) -> Option<Status> {
    use Action as A;
    use Status as S;
    match (status, action) {
        (S::Draft, A::Issue) => Some(S::Issued),
        (S::Issued, A::Confirm) => Some(S::Confirmed),
        (S::Issued, A::Dispute) => Some(S::Disputed),
        (S::Disputed, A::Resolve) => Some(S::Resolved),
        (S::Confirmed | S::Resolved, A::Invoice) => Some(S::Invoiced),
        (S::Invoiced, A::Pay) => Some(S::Paid),
        _ => None,
    }
}

/// The supplier answers for its statement (confirm or dispute); finance does the rest.
pub fn who(action: Action) -> Actor {
    match action {
        Action::Confirm | Action::Dispute => Actor::Supplier,
        Action::Issue | Action::Resolve | Action::Invoice | Action::Pay => Actor::Finance,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::Duration;

    // The checked functions, for inputs that are known to fit.
    fn line_amount(q: Decimal, p: Decimal) -> Decimal {
        super::line_amount(q, p).unwrap_or_else(|e| panic!("{e:?}"))
    }

    fn totals(lines: impl IntoIterator<Item = Decimal>, rate: Decimal) -> Totals {
        super::totals(lines, rate).unwrap_or_else(|e| panic!("{e:?}"))
    }

    fn plan(
        period: Period,
        ends: impl Fn(SupplierId) -> Option<(DateTime<Utc>, Decimal)>,
        draws: &[Draw],
        carried: &[Carried],
    ) -> Vec<PlannedStatement> {
        super::plan(period, ends, draws, carried).unwrap_or_else(|e| panic!("{e:?}"))
    }

    #[test]
    fn a_statement_too_large_to_hold_is_refused_not_a_panic() {
        let huge = Draw {
            movement_id: 1,
            supplier_id: SupplierId(1),
            listing_id: ListingId(1),
            at: DateTime::<Utc>::MIN_UTC,
            kind: LineKind::Issue,
            quantity: Decimal::from(9_000_000_000_000_000_i64),
            unit_price: Decimal::from(900_000_000_000_000_i64),
        };
        assert_eq!(huge.amount(), Err(ValueError::TooLarge));
        let period = Period::parse("2025-01").unwrap_or_else(|| panic!("period"));
        let end = DateTime::<Utc>::MAX_UTC;
        assert_eq!(
            super::plan(period, |_| Some((end, Decimal::ZERO)), &[huge], &[]),
            Err(ValueError::TooLarge)
        );
        let max = crate::money::Money::max();
        assert_eq!(
            super::totals([max, max], Decimal::ZERO),
            Err(ValueError::TooLarge)
        );
        assert!(super::totals([Decimal::MAX], Decimal::MAX).is_err());
        assert!(super::totals([max], Decimal::MIN).is_ok());
    }
    use chrono_tz::Asia::Shanghai;
    use proptest::prelude::*;
    use std::collections::HashMap;

    fn p(s: &str) -> Period {
        Period::parse(s).unwrap()
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    // ---- periods ------------------------------------------------------------------------

    #[test]
    fn with_cutoff_25_period_2027_01_runs_from_26_december_to_25_january() {
        let period = p("2027-01");
        assert_eq!(period.first_day(25), day(2026, 12, 26));
        assert_eq!(period.last_day(25), day(2027, 1, 25));
        assert_eq!(
            period.bounds(25, Shanghai),
            (utc("2026-12-25T16:00:00Z"), utc("2027-01-25T16:00:00Z"))
        );
    }

    #[test]
    fn the_25th_at_235959_and_the_26th_at_midnight_fall_in_different_periods() {
        // 2027-01-25T23:59:59+08:00 and 2027-01-26T00:00:00+08:00, written in UTC so that the
        // machine's own zone plays no part.
        assert_eq!(
            Period::of_instant(utc("2027-01-25T15:59:59Z"), 25, Shanghai),
            p("2027-01")
        );
        assert_eq!(
            Period::of_instant(utc("2027-01-25T16:00:00Z"), 25, Shanghai),
            p("2027-02")
        );
    }

    #[test]
    fn late_december_belongs_to_january_of_the_next_year() {
        assert_eq!(Period::containing(day(2026, 12, 25), 25), p("2026-12"));
        assert_eq!(Period::containing(day(2026, 12, 26), 25), p("2027-01"));
        assert_eq!(Period::containing(day(2026, 12, 31), 25), p("2027-01"));
        assert_eq!(p("2026-12").next(), p("2027-01"));
        assert_eq!(p("2027-01").prev(), p("2026-12"));
        assert!(p("2026-12") < p("2027-01"));
    }

    #[test]
    fn cutoff_31_closes_february_on_the_28th_in_2027_and_the_29th_in_2028() {
        assert_eq!(p("2027-02").first_day(31), day(2027, 2, 1));
        assert_eq!(p("2027-02").last_day(31), day(2027, 2, 28));
        assert_eq!(p("2027-03").first_day(31), day(2027, 3, 1));
        assert_eq!(p("2028-02").last_day(31), day(2028, 2, 29));
        assert_eq!(Period::containing(day(2028, 2, 29), 31), p("2028-02"));
        assert_eq!(Period::containing(day(2028, 3, 1), 31), p("2028-03"));
        // Cut-off 29: the 29th in a leap year, the 28th otherwise.
        assert_eq!(p("2028-03").first_day(29), day(2028, 3, 1));
        assert_eq!(p("2027-03").first_day(29), day(2027, 3, 1));
        assert_eq!(p("2027-03").last_day(29), day(2027, 3, 29));
    }

    #[test]
    fn cutoffs_30_and_31_follow_months_of_30_days() {
        // Cut-off 31: whole calendar months.
        assert_eq!(p("2027-04").first_day(31), day(2027, 4, 1));
        assert_eq!(p("2027-04").last_day(31), day(2027, 4, 30));
        assert_eq!(p("2027-05").first_day(31), day(2027, 5, 1));
        assert_eq!(p("2027-05").last_day(31), day(2027, 5, 31));
        // Cut-off 30: 31 May belongs to June's period; 1 May follows a 30 April cut-off.
        assert_eq!(p("2027-05").first_day(30), day(2027, 5, 1));
        assert_eq!(p("2027-05").last_day(30), day(2027, 5, 30));
        assert_eq!(p("2027-06").first_day(30), day(2027, 5, 31));
        assert_eq!(p("2027-06").last_day(30), day(2027, 6, 30));
        assert_eq!(p("2027-07").first_day(30), day(2027, 7, 1));
        assert_eq!(Period::containing(day(2027, 5, 31), 30), p("2027-06"));
        assert_eq!(Period::containing(day(2027, 5, 31), 31), p("2027-05"));
        // Cut-off 30 across February.
        assert_eq!(p("2027-02").first_day(30), day(2027, 1, 31));
        assert_eq!(p("2027-02").last_day(30), day(2027, 2, 28));
        assert_eq!(p("2027-03").first_day(30), day(2027, 3, 1));
    }

    #[test]
    fn consecutive_periods_cover_every_day_once_for_every_cutoff() {
        for cutoff in 1..=31 {
            let mut period = p("2026-11");
            while period < p("2029-03") {
                let next = period.next();
                assert!(period.first_day(cutoff) <= period.last_day(cutoff));
                assert_eq!(next.first_day(cutoff), day_after(period.last_day(cutoff)));
                assert_eq!(
                    period.bounds(cutoff, Shanghai).1,
                    next.bounds(cutoff, Shanghai).0
                );
                assert_eq!(Period::containing(period.first_day(cutoff), cutoff), period);
                assert_eq!(Period::containing(period.last_day(cutoff), cutoff), period);
                period = next;
            }
        }
    }

    #[test]
    fn only_the_canonical_period_name_parses() {
        for bad in [
            "2027-1",
            "2027-13",
            "2027-00",
            "27-01",
            "2027/01",
            "2027-01-01",
            "",
            "abcd-ef",
            " 2027-01",
            "2027-01 ",
            "+027-01",
            "0000-01",
            "2027-+1",
            "２０２７-01",
        ] {
            assert_eq!(Period::parse(bad), None, "{bad:?}");
            assert!(bad.parse::<Period>().is_err(), "{bad:?}");
        }
        assert_eq!(Period::new(2027, 1), Some(p("2027-01")));
        assert_eq!(Period::new(2027, 0), None);
        assert_eq!(Period::new(2027, 13), None);
        assert_eq!(p("2027-01").to_string(), "2027-01");
        assert_eq!((p("2027-12").year(), p("2027-12").month()), (2027, 12));
        assert_eq!("0987-09".parse::<Period>().unwrap().to_string(), "0987-09");
    }

    #[test]
    fn a_period_travels_as_its_name_in_json() {
        assert_eq!(serde_json::to_string(&p("2027-01")).unwrap(), "\"2027-01\"");
        assert_eq!(
            serde_json::from_str::<Period>("\"2027-01\"").unwrap(),
            p("2027-01")
        );
        assert!(serde_json::from_str::<Period>("\"2027-1\"").is_err());
    }

    #[test]
    fn on_the_25th_the_last_closable_period_is_the_previous_month_and_on_the_26th_this_one() {
        assert_eq!(Period::last_closed_by(day(2027, 1, 25), 25), p("2026-12"));
        assert_eq!(Period::last_closed_by(day(2027, 1, 26), 25), p("2027-01"));
        assert_eq!(Period::last_closed_by(day(2027, 1, 1), 25), p("2026-12"));
        assert_eq!(Period::last_closed_by(day(2027, 3, 1), 31), p("2027-02"));
        assert_eq!(Period::last_closed_by(day(2027, 2, 28), 31), p("2027-01"));
    }

    // ---- money --------------------------------------------------------------------------

    #[test]
    fn cents_round_half_away_from_zero() {
        assert_eq!(round_cents(dec("0.005")), dec("0.01"));
        assert_eq!(round_cents(dec("-0.005")), dec("-0.01"));
        assert_eq!(round_cents(dec("0.0049")), dec("0.00"));
        // Banker's rounding would give 0.02 and -0.02 here.
        assert_eq!(round_cents(dec("0.025")), dec("0.03"));
        assert_eq!(round_cents(dec("-0.025")), dec("-0.03"));
        assert_eq!(round_cents(dec("2.675")), dec("2.68"));
    }

    #[test]
    fn amounts_always_show_two_decimals_and_never_minus_zero() {
        assert_eq!(round_cents(dec("12.3")).to_string(), "12.30");
        assert_eq!(round_cents(dec("7")).to_string(), "7.00");
        assert_eq!(round_cents(dec("-0.004")).to_string(), "0.00");
    }

    #[test]
    fn a_line_rounds_the_product_not_the_factors() {
        // Rounding the price first would give 9029.56 and 1.02.
        assert_eq!(line_amount(dec("2.345"), dec("3850.5555")), dec("9029.55"));
        assert_eq!(line_amount(dec("3"), dec("0.335")), dec("1.01"));
    }

    #[test]
    fn gross_1130_at_13_percent_is_net_1000_and_tax_130() {
        let t = totals([dec("1000.00"), dec("130.00")], dec("0.13"));
        assert_eq!(t.gross, dec("1130.00"));
        assert_eq!(t.net, dec("1000.00"));
        assert_eq!(t.tax, dec("130.00"));
    }

    #[test]
    fn credits_alone_give_negative_totals() {
        let t = totals([dec("-113.00")], dec("0.13"));
        assert_eq!(
            (t.gross, t.net, t.tax),
            (dec("-113"), dec("-100"), dec("-13"))
        );
    }

    #[test]
    fn net_and_tax_are_split_so_they_add_back_to_the_gross() {
        // 100.00 / 1.13 = 88.4955… → 88.50; the tax is what remains, 11.50.
        let t = totals([dec("100.00")], dec("0.13"));
        assert_eq!((t.net, t.tax), (dec("88.50"), dec("11.50")));
        // An empty statement and a zero rate.
        assert_eq!(totals([], dec("0.13")).gross.to_string(), "0.00");
        let t = totals([dec("10.01")], Decimal::ZERO);
        assert_eq!((t.net, t.tax), (dec("10.01"), dec("0.00")));
        // 3.13 / 1.0016 = 3.125 exactly: net and tax both rounded up would make 3.14.
        let t = totals([dec("3.13")], dec("0.0016"));
        assert_eq!((t.net, t.tax), (dec("3.13"), dec("0.00")));
    }

    proptest! {
        #[test]
        fn net_plus_tax_equals_gross_to_the_cent_for_any_rate_and_lines(
            cents in proptest::collection::vec(-100_000_000i64..=100_000_000, 0..40),
            rate_basis_points in 0i64..=3000,
        ) {
            let lines: Vec<Decimal> = cents.iter().map(|c| Decimal::new(*c, 2)).collect();
            let t = totals(lines.iter().copied(), Decimal::new(rate_basis_points, 4));
            prop_assert_eq!(t.gross, lines.iter().copied().sum::<Decimal>());
            prop_assert_eq!(t.net + t.tax, t.gross);
            prop_assert_eq!(round_cents(t.net), t.net);
            prop_assert_eq!(round_cents(t.tax), t.tax);
            prop_assert!(t.tax.abs() <= t.gross.abs());
        }
    }

    // ---- planning -----------------------------------------------------------------------

    fn draw(
        movement_id: i64,
        supplier_id: SupplierId,
        at: &str,
        kind: LineKind,
        q: &str,
        price: &str,
    ) -> Draw {
        Draw {
            movement_id,
            supplier_id,
            listing_id: ListingId(100 + supplier_id.get()),
            at: utc(at),
            kind,
            quantity: dec(q),
            unit_price: dec(price),
        }
    }

    fn adjustment(adjustment_id: i64, supplier_id: SupplierId, amount: &str) -> Carried {
        Carried {
            adjustment_id,
            supplier_id,
            amount: dec(amount),
            note: format!("resolution of dispute {adjustment_id}"),
        }
    }

    fn end_of(period: Period, cutoff: u32) -> DateTime<Utc> {
        period.bounds(cutoff, Shanghai).1
    }

    fn movements(st: &PlannedStatement) -> Vec<Option<i64>> {
        st.lines.iter().map(|l| l.movement_id).collect()
    }

    #[test]
    fn a_site_return_is_credited_against_the_issue() {
        let period = p("2027-01");
        let draws = [
            draw(
                1,
                SupplierId(7),
                "2027-01-10T02:00:00Z",
                LineKind::Issue,
                "10",
                "12.3456",
            ),
            draw(
                2,
                SupplierId(7),
                "2027-01-11T02:00:00Z",
                LineKind::SiteReturn,
                "2",
                "12.3456",
            ),
        ];
        let out = plan(
            period,
            |_| Some((end_of(period, 25), dec("0.13"))),
            &draws,
            &[],
        );
        assert_eq!(out.len(), 1);
        let amounts: Vec<Decimal> = out[0].lines.iter().map(|l| l.amount).collect();
        assert_eq!(amounts, [dec("123.46"), dec("-24.69")]);
        assert_eq!(out[0].totals.gross, dec("98.77"));
        assert_eq!(out[0].lines[1].kind, LineKind::SiteReturn);
        assert_eq!(out[0].lines[1].quantity, dec("2"));
    }

    #[test]
    fn carried_adjustments_go_last_on_the_suppliers_next_statement() {
        let period = p("2027-01");
        let draws = [draw(
            1,
            SupplierId(7),
            "2027-01-10T02:00:00Z",
            LineKind::Issue,
            "1",
            "1130",
        )];
        let carried = [
            adjustment(9, SupplierId(7), "-56.50"),
            adjustment(4, SupplierId(7), "0.10"),
        ];
        let out = plan(
            period,
            |_| Some((end_of(period, 25), dec("0.13"))),
            &draws,
            &carried,
        );
        assert_eq!(out.len(), 1);
        let st = &out[0];
        assert_eq!((st.supplier_id, st.period), (SupplierId(7), period));
        let kinds: Vec<LineKind> = st.lines.iter().map(|l| l.kind).collect();
        assert_eq!(
            kinds,
            [LineKind::Issue, LineKind::Adjustment, LineKind::Adjustment]
        );
        let adjusted: Vec<Option<i64>> = st.lines.iter().map(|l| l.adjustment_id).collect();
        assert_eq!(adjusted, [None, Some(4), Some(9)]);
        let last = &st.lines[2];
        assert_eq!(
            (last.amount, last.quantity, last.unit_price),
            (dec("-56.50"), dec("1"), dec("-56.50"))
        );
        assert_eq!(last.note, "resolution of dispute 9");
        assert_eq!(
            (last.movement_id, last.listing_id, last.at),
            (None, None, None)
        );
        assert_eq!(st.totals.gross, dec("1073.60"));
        assert_eq!(st.totals.net + st.totals.tax, st.totals.gross);
    }

    #[test]
    fn a_supplier_with_only_a_carried_adjustment_still_gets_a_statement() {
        let period = p("2027-01");
        let out = plan(
            period,
            |_| Some((end_of(period, 25), dec("0.13"))),
            &[],
            &[adjustment(1, SupplierId(3), "11.30")],
        );
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].supplier_id, SupplierId(3));
        assert_eq!(
            (out[0].totals.net, out[0].totals.tax),
            (dec("10.00"), dec("1.30"))
        );
        assert!(
            plan(
                period,
                |_| Some((end_of(period, 25), dec("0.13"))),
                &[],
                &[]
            )
            .is_empty()
        );
    }

    #[test]
    fn a_supplier_whose_period_has_not_ended_is_left_out() {
        let period = p("2027-01");
        let draws = [
            draw(
                1,
                SupplierId(1),
                "2027-01-10T02:00:00Z",
                LineKind::Issue,
                "1",
                "10",
            ),
            draw(
                2,
                SupplierId(2),
                "2027-01-10T02:00:00Z",
                LineKind::Issue,
                "1",
                "10",
            ),
        ];
        let carried = [adjustment(1, SupplierId(2), "5.00")];
        let ends = |s: SupplierId| (s == SupplierId(1)).then(|| (end_of(period, 25), dec("0.13")));
        let out = plan(period, ends, &draws, &carried);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].supplier_id, SupplierId(1));
        assert_eq!(movements(&out[0]), [Some(1)]);
    }

    #[test]
    fn a_draw_exactly_at_the_end_goes_to_the_next_period() {
        let period = p("2027-01");
        let end = end_of(period, 25);
        let draws = [
            Draw {
                at: end - Duration::seconds(1),
                ..draw(
                    1,
                    SupplierId(1),
                    "2027-01-01T00:00:00Z",
                    LineKind::Issue,
                    "1",
                    "10",
                )
            },
            Draw {
                at: end,
                ..draw(
                    2,
                    SupplierId(1),
                    "2027-01-01T00:00:00Z",
                    LineKind::Issue,
                    "1",
                    "20",
                )
            },
        ];
        let first = plan(period, |_| Some((end, dec("0.13"))), &draws, &[]);
        assert_eq!(movements(&first[0]), [Some(1)]);
        assert_eq!(Period::of_instant(end, 25, Shanghai), period.next());

        let rest = [draws[1].clone()];
        let second = plan(
            period.next(),
            |_| Some((end_of(period.next(), 25), dec("0.13"))),
            &rest,
            &[],
        );
        assert_eq!(movements(&second[0]), [Some(2)]);
        assert_eq!(second[0].period, p("2027-02"));
    }

    #[test]
    fn a_draw_recorded_after_its_period_closed_goes_on_the_next_statement() {
        // Issued on 20 December but entered after December was closed: it is not lost, and
        // it is not put on the closed statement either.
        let late = [draw(
            5,
            SupplierId(1),
            "2026-12-20T02:00:00Z",
            LineKind::Issue,
            "1",
            "10",
        )];
        let period = p("2027-01");
        let out = plan(
            period,
            |_| Some((end_of(period, 25), dec("0.13"))),
            &late,
            &[],
        );
        assert_eq!((out[0].period, movements(&out[0])), (period, vec![Some(5)]));
    }

    #[test]
    fn statements_are_sorted_by_supplier_with_lines_by_time_then_movement_whatever_the_input_order()
    {
        let period = p("2027-01");
        let mut draws = vec![
            draw(
                30,
                SupplierId(2),
                "2027-01-05T00:00:00Z",
                LineKind::Issue,
                "1",
                "1",
            ),
            draw(
                12,
                SupplierId(1),
                "2027-01-09T00:00:00Z",
                LineKind::Issue,
                "1",
                "1",
            ),
            draw(
                11,
                SupplierId(1),
                "2027-01-09T00:00:00Z",
                LineKind::SiteReturn,
                "1",
                "1",
            ),
            draw(
                40,
                SupplierId(1),
                "2027-01-02T00:00:00Z",
                LineKind::Issue,
                "1",
                "1",
            ),
        ];
        let carried = vec![
            adjustment(2, SupplierId(1), "1.00"),
            adjustment(1, SupplierId(2), "1.00"),
        ];
        let ends = |_| Some((end_of(period, 25), dec("0.13")));
        let out = plan(period, ends, &draws, &carried);
        assert_eq!(
            out.iter().map(|s| s.supplier_id).collect::<Vec<_>>(),
            [SupplierId(1), SupplierId(2)]
        );
        assert_eq!(movements(&out[0]), [Some(40), Some(11), Some(12), None]);
        assert_eq!(movements(&out[1]), [Some(30), None]);
        draws.reverse();
        assert_eq!(plan(period, ends, &draws, &carried), out);
    }

    // A close run period after period, as the store will run it: each close sees only the
    // draws and adjustments not yet on a statement, and suppliers whose cut-off falls after
    // the early close day wait for a second close after month end.
    const SPAN_DAYS: i64 = 3 * 365;

    fn draws_strategy() -> impl Strategy<Value = Vec<(i64, i64, i64, i64, bool)>> {
        let instant = prop_oneof![
            3 => 0i64..SPAN_DAYS * 86_400,
            // Local midnights and the second before them, where periods meet.
            1 => (0i64..SPAN_DAYS).prop_map(|d| d * 86_400),
            1 => (1i64..SPAN_DAYS).prop_map(|d| d * 86_400 - 1),
        ];
        proptest::collection::vec(
            (
                1i64..=5,
                instant,
                1i64..=100_000,
                0i64..=10_000_000,
                any::<bool>(),
            ),
            0..150,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]
        #[test]
        fn every_draw_is_settled_once_in_the_period_of_its_instant_and_the_totals_add_up(
            raw in draws_strategy(),
            raw_carried in proptest::collection::vec((1i64..=5, -100_000i64..=100_000), 0..8),
            cutoffs in proptest::array::uniform5(1u32..=31),
            rates in proptest::array::uniform5(prop::sample::select(vec![0i64, 300, 600, 900, 1300])),
            early_close_day in 1u32..=28,
        ) {
            // 2026-01-01 00:00 in Shanghai.
            let start = utc("2025-12-31T16:00:00Z");
            let draws: Vec<Draw> = raw
                .iter()
                .enumerate()
                .map(|(i, (supplier_id, secs, milli, price, returned))| Draw {
                    movement_id: i as i64 + 1,
                    supplier_id: SupplierId(*supplier_id),
                    listing_id: ListingId(supplier_id * 10),
                    at: start + Duration::seconds(*secs),
                    kind: if *returned { LineKind::SiteReturn } else { LineKind::Issue },
                    quantity: Decimal::new(*milli, 3),
                    unit_price: Decimal::new(*price, 4),
                })
                .collect();
            let carried: Vec<Carried> = raw_carried
                .iter()
                .enumerate()
                .map(|(i, (supplier_id, cents))| Carried {
                    adjustment_id: i as i64 + 1,
                    supplier_id: SupplierId(*supplier_id),
                    amount: Decimal::new(*cents, 2),
                    note: String::new(),
                })
                .collect();
            let cutoff = |s: SupplierId| cutoffs[(s.get() - 1) as usize];
            let rate = |s: SupplierId| Decimal::new(rates[(s.get() - 1) as usize], 4);

            let mut pending = draws.clone();
            let mut pending_carried = carried.clone();
            let mut statements: Vec<PlannedStatement> = Vec::new();
            let mut period = p("2025-12");
            while period <= p("2029-02") {
                let early = day(period.year(), period.month(), early_close_day);
                let after_month_end = period.last_day(31) + Days::new(1);
                let mut closed: BTreeSet<SupplierId> = BTreeSet::new();
                for as_of in [early, after_month_end] {
                    let due: BTreeSet<SupplierId> = (1..=5)
                        .map(SupplierId)
                        .filter(|s| !closed.contains(s) && period.last_day(cutoff(*s)) < as_of)
                        .collect();
                    let ends = |s: SupplierId| {
                        due.contains(&s).then(|| (period.bounds(cutoff(s), Shanghai).1, rate(s)))
                    };
                    let out = plan(period, ends, &pending, &pending_carried);
                    let planned: BTreeSet<i64> =
                        out.iter().flat_map(|s| &s.lines).filter_map(|l| l.movement_id).collect();
                    let adjusted: BTreeSet<i64> =
                        out.iter().flat_map(|s| &s.lines).filter_map(|l| l.adjustment_id).collect();
                    pending.retain(|d| !planned.contains(&d.movement_id));
                    pending_carried.retain(|c| !adjusted.contains(&c.adjustment_id));
                    for st in &out {
                        prop_assert!(due.contains(&st.supplier_id));
                    }
                    statements.extend(out);
                    closed.extend(due);
                }
                prop_assert_eq!(closed.len(), 5);
                period = period.next();
            }
            prop_assert!(pending.is_empty());
            prop_assert!(pending_carried.is_empty());

            // Worked out here rather than by `Draw::amount`, so that a wrong sign there shows.
            let signed = |d: &Draw| match d.kind {
                LineKind::SiteReturn => -line_amount(d.quantity, d.unit_price),
                _ => line_amount(d.quantity, d.unit_price),
            };
            let mut settled: HashMap<i64, (SupplierId, Period, LineKind, Decimal)> = HashMap::new();
            let mut seen: BTreeSet<(SupplierId, Period)> = BTreeSet::new();
            for st in &statements {
                prop_assert!(seen.insert((st.supplier_id, st.period)), "two statements for one period");
                prop_assert!(!st.lines.is_empty());
                prop_assert_eq!(st.totals.gross, st.lines.iter().map(|l| l.amount).sum::<Decimal>());
                prop_assert_eq!(st.totals.net + st.totals.tax, st.totals.gross);
                for line in &st.lines {
                    if let Some(id) = line.movement_id {
                        let earlier = settled.insert(id, (st.supplier_id, st.period, line.kind, line.amount));
                        prop_assert!(earlier.is_none(), "movement {} settled twice", id);
                    }
                }
            }
            prop_assert_eq!(settled.len(), draws.len());
            for d in &draws {
                let expected = (
                    d.supplier_id,
                    Period::of_instant(d.at, cutoff(d.supplier_id), Shanghai),
                    d.kind,
                    signed(d),
                );
                prop_assert_eq!(settled.get(&d.movement_id), Some(&expected));
            }
            let gross: Decimal = statements.iter().map(|s| s.totals.gross).sum();
            let owed: Decimal = draws.iter().map(signed).sum::<Decimal>()
                + carried.iter().map(|c| c.amount).sum::<Decimal>();
            prop_assert_eq!(gross, owed);
        }
    }

    // ---- workflow -----------------------------------------------------------------------

    const ALLOWED: [(Status, Action, Status); 7] = [
        (Status::Draft, Action::Issue, Status::Issued),
        (Status::Issued, Action::Confirm, Status::Confirmed),
        (Status::Issued, Action::Dispute, Status::Disputed),
        (Status::Disputed, Action::Resolve, Status::Resolved),
        (Status::Confirmed, Action::Invoice, Status::Invoiced),
        (Status::Resolved, Action::Invoice, Status::Invoiced),
        (Status::Invoiced, Action::Pay, Status::Paid),
    ];

    #[test]
    fn every_allowed_transition_leads_where_the_workflow_says() {
        for (from, action, to) in ALLOWED {
            assert_eq!(next(from, action), Some(to), "{from:?} {action:?}");
        }
    }

    #[test]
    fn no_other_transition_is_allowed() {
        for from in Status::ALL {
            for action in Action::ALL {
                let listed = ALLOWED
                    .iter()
                    .find(|(f, a, _)| (*f, *a) == (from, action))
                    .map(|(_, _, to)| *to);
                assert_eq!(next(from, action), listed, "{from:?} {action:?}");
            }
        }
    }

    #[test]
    fn a_paid_statement_cannot_be_disputed_nor_a_draft_confirmed_nor_a_dispute_invoiced() {
        assert_eq!(next(Status::Paid, Action::Dispute), None);
        assert_eq!(next(Status::Draft, Action::Confirm), None);
        assert_eq!(next(Status::Disputed, Action::Invoice), None);
        assert_eq!(next(Status::Confirmed, Action::Dispute), None);
        assert_eq!(next(Status::Issued, Action::Pay), None);
        assert_eq!(next(Status::Invoiced, Action::Invoice), None);
    }

    #[test]
    fn the_supplier_confirms_or_disputes_and_finance_does_the_rest() {
        assert_eq!(who(Action::Confirm), Actor::Supplier);
        assert_eq!(who(Action::Dispute), Actor::Supplier);
        for action in [Action::Issue, Action::Resolve, Action::Invoice, Action::Pay] {
            assert_eq!(who(action), Actor::Finance, "{action:?}");
        }
    }

    #[test]
    fn statuses_actions_and_line_kinds_parse_back_from_their_names() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
        }
        for a in Action::ALL {
            assert_eq!(Action::parse(a.as_str()), Some(a));
        }
        for k in LineKind::ALL {
            assert_eq!(LineKind::parse(k.as_str()), Some(k));
            assert_eq!(
                serde_json::to_string(&k).unwrap(),
                format!("\"{}\"", k.as_str())
            );
        }
        assert_eq!(LineKind::SiteReturn.as_str(), "site_return");
        assert_eq!(Status::parse("Paid"), None);
        assert_eq!(LineKind::parse("return"), None);
    }
}
