//! The pure rules of procurement: plan months and their due dates (rule 11), lead times by
//! plan type (rule 10), routing a line by stock and value (rules 4–7), the three-quote choice
//! (rule 6), contract sign-offs and their deadlines (rule 5). No I/O; tested here.

use crate::error::RuleCode;
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use entity::SupplierId;
use rust_decimal::Decimal;

// ----- The plan's month (rule 11) -----

/// The month a plan is for, written "YYYY-MM".
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct PlanMonth {
    year: i32,
    month: u32,
}

impl PlanMonth {
    /// Reads "2027-03"; anything else (or a month that is not 1–12) is `None`.
    pub fn parse(s: &str) -> Option<PlanMonth> {
        let (y, m) = s.trim().split_once('-')?;
        if y.len() != 4 || m.len() != 2 {
            return None;
        }
        let year: i32 = y.parse().ok()?;
        let month: u32 = m.parse().ok()?;
        ((1..=12).contains(&month) && (2000..=9999).contains(&year))
            .then_some(PlanMonth { year, month })
    }

    /// The month `day` falls in.
    pub fn of(day: NaiveDate) -> PlanMonth {
        PlanMonth {
            year: day.year(),
            month: day.month(),
        }
    }

    pub fn next(self) -> PlanMonth {
        if self.month == 12 {
            PlanMonth {
                year: self.year + 1,
                month: 1,
            }
        } else {
            PlanMonth {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    fn previous(self) -> PlanMonth {
        if self.month == 1 {
            PlanMonth {
                year: self.year - 1,
                month: 12,
            }
        } else {
            PlanMonth {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    fn day(self, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, d).unwrap_or(NaiveDate::MIN)
    }

    pub fn first_day(self) -> NaiveDate {
        self.day(1)
    }

    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().unwrap_or(NaiveDate::MIN)
    }

    /// The plan is due by the cut-off day (the 25th unless the setting says otherwise) of the
    /// month before the one it is for. Cut-off days are 1–28, days every month has.
    pub fn due_on(self, cutoff_day: u32) -> NaiveDate {
        self.previous().day(cutoff_day.clamp(1, 28))
    }
}

impl std::fmt::Display for PlanMonth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

// ----- The plan's life cycle -----

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanStatus {
    Draft,
    Submitted,
    Approved,
    /// Sent back by the head with a reason; editable again like a draft.
    Returned,
}

impl PlanStatus {
    pub const ALL: [PlanStatus; 4] = [
        PlanStatus::Draft,
        PlanStatus::Submitted,
        PlanStatus::Approved,
        PlanStatus::Returned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PlanStatus::Draft => "draft",
            PlanStatus::Submitted => "submitted",
            PlanStatus::Approved => "approved",
            PlanStatus::Returned => "returned",
        }
    }

    pub fn parse(s: &str) -> Option<PlanStatus> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// Lines are added, changed and removed only while the plan is being drawn up.
    pub fn editable(self) -> bool {
        matches!(self, PlanStatus::Draft | PlanStatus::Returned)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanAction {
    Submit,
    Approve,
    Return,
}

/// Where a plan goes on `action`, or `None` when its state does not allow it.
pub fn plan_next(from: PlanStatus, action: PlanAction) -> Option<PlanStatus> {
    match (from, action) {
        (PlanStatus::Draft | PlanStatus::Returned, PlanAction::Submit) => {
            Some(PlanStatus::Submitted)
        }
        (PlanStatus::Submitted, PlanAction::Approve) => Some(PlanStatus::Approved),
        (PlanStatus::Submitted, PlanAction::Return) => Some(PlanStatus::Returned),
        _ => None,
    }
}

/// A plan not yet handed in after its due date is overdue; once submitted it no longer is.
pub fn plan_overdue(due_on: NaiveDate, status: PlanStatus, today: NaiveDate) -> bool {
    status.editable() && today > due_on
}

// ----- Lead times by plan type (rule 10) -----

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanType {
    Normal,
    /// Added to or changed in the plan after it was drawn up.
    Changed,
    Temporary,
    Emergency,
}

impl PlanType {
    pub const ALL: [PlanType; 4] = [
        PlanType::Normal,
        PlanType::Changed,
        PlanType::Temporary,
        PlanType::Emergency,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PlanType::Normal => "normal",
            PlanType::Changed => "changed",
            PlanType::Temporary => "temporary",
            PlanType::Emergency => "emergency",
        }
    }

    pub fn parse(s: &str) -> Option<PlanType> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// Days between ordering and need: 15, 7, 3, or the same day for an emergency.
    pub fn lead_days(self) -> u32 {
        match self {
            PlanType::Normal => 15,
            PlanType::Changed => 7,
            PlanType::Temporary => 3,
            PlanType::Emergency => 0,
        }
    }

    /// The earliest need-by date a line of this type may have when planned on `today`.
    pub fn earliest_need_by(self, today: NaiveDate) -> NaiveDate {
        today + Duration::days(i64::from(self.lead_days()))
    }
}

/// Rule 10: a line planned on `today` may be needed by `need_by` when at least the type's lead
/// time lies between them. Exactly 15 days ahead is fine for a normal line; 14 is too soon.
pub fn lead_time_ok(plan_type: PlanType, need_by: NaiveDate, today: NaiveDate) -> bool {
    need_by >= plan_type.earliest_need_by(today)
}

// ----- Routing (rules 4, 5, 6, 7) -----

/// The two thresholds, in yuan (settings).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Thresholds {
    /// This much or more goes to tender (rule 4).
    pub tender: Decimal,
    /// This much or more needs a written contract (rule 5).
    pub contract: Decimal,
}

/// Where an approved plan line goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// The supermarket holds the material: the site requisitions it from the catalogue
    /// (rule 7); nothing is bought.
    Requisition,
    /// Worth the tender threshold or more (rule 4).
    Tender,
    /// Worth the contract threshold or more: three quotes, then a contract (rules 5, 6).
    QuotesAndContract,
    /// Under the contract threshold: three quotes, then an order (rule 6).
    Quotes,
}

impl Route {
    pub const ALL: [Route; 4] = [
        Route::Requisition,
        Route::Tender,
        Route::QuotesAndContract,
        Route::Quotes,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Route::Requisition => "requisition",
            Route::Tender => "tender",
            Route::QuotesAndContract => "quotes_and_contract",
            Route::Quotes => "quotes",
        }
    }

    pub fn parse(s: &str) -> Option<Route> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// Whether quotes are compared for the line.
    pub fn takes_quotes(self) -> bool {
        matches!(self, Route::Quotes | Route::QuotesAndContract)
    }
}

/// Routes an approved line worth `line_value` (quantity × estimated price) when the
/// supermarket has `available_in_stock` of its material. Stock comes first: any quantity
/// the supermarket can supply means the site draws from it (its consigning suppliers keep it
/// stocked), so nothing is bought. Otherwise the value decides, each threshold inclusive.
pub fn route(line_value: Decimal, available_in_stock: Decimal, thresholds: Thresholds) -> Route {
    if available_in_stock > Decimal::ZERO {
        Route::Requisition
    } else if line_value >= thresholds.tender {
        Route::Tender
    } else if line_value >= thresholds.contract {
        Route::QuotesAndContract
    } else {
        Route::Quotes
    }
}

/// Quantity × unit price, rounded to the cent: the portal's one rounding rule (checked: an
/// amount too large is an error, not a panic).
pub use crate::money::line_amount as line_value;

// ----- Quote comparison (rule 6) -----

/// Quotes from this many different suppliers come before a choice.
pub const MIN_QUOTES: usize = 3;

/// A recorded quote, as the choice sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuoteOffer {
    pub id: i64,
    pub supplier_id: SupplierId,
    pub unit_price: Decimal,
}

/// Why a choice is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChoiceError {
    /// Fewer than three different suppliers quoted.
    TooFewQuotes,
    /// The chosen quote is not one of the line's.
    NotAQuote,
    /// Not the cheapest, and no written reason.
    ReasonNeeded,
}

impl ChoiceError {
    pub fn code(self) -> RuleCode {
        match self {
            ChoiceError::TooFewQuotes => RuleCode::ThreeQuotesNeeded,
            ChoiceError::NotAQuote => RuleCode::NotAQuoteOfLine,
            ChoiceError::ReasonNeeded => RuleCode::ReasonForNotCheapest,
        }
    }
}

/// The lowest unit price among `quotes`.
pub fn cheapest(quotes: &[QuoteOffer]) -> Option<Decimal> {
    quotes.iter().map(|q| q.unit_price).min()
}

/// Rule 6: a quote may be chosen once three different suppliers have quoted; a quote dearer
/// than the cheapest needs a written reason (one tied with the cheapest does not).
pub fn check_choice(quotes: &[QuoteOffer], chosen: i64, reason: &str) -> Result<(), ChoiceError> {
    let suppliers: std::collections::BTreeSet<SupplierId> =
        quotes.iter().map(|q| q.supplier_id).collect();
    if suppliers.len() < MIN_QUOTES {
        return Err(ChoiceError::TooFewQuotes);
    }
    let q = quotes
        .iter()
        .find(|q| q.id == chosen)
        .ok_or(ChoiceError::NotAQuote)?;
    if Some(q.unit_price) > cheapest(quotes) && reason.trim().is_empty() {
        return Err(ChoiceError::ReasonNeeded);
    }
    Ok(())
}

// ----- Contracts and their sign-offs (rule 5) -----

/// Who signs a contract off.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// The company's audit department: every contract, within 3 days.
    Company,
    /// Group audit: contracts worth the tender threshold or more, within 7 days.
    Group,
}

impl Level {
    pub const ALL: [Level; 2] = [Level::Company, Level::Group];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Company => "company",
            Level::Group => "group",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// How long the sign-off may take from submission.
    pub fn allowed(self) -> Duration {
        match self {
            Level::Company => Duration::days(3),
            Level::Group => Duration::days(7),
        }
    }
}

/// The sign-offs a contract worth `total` needs: the company's always, the group's too from
/// `group_threshold` (the tender threshold, 50,000 yuan) up.
pub fn required_levels(total: Decimal, group_threshold: Decimal) -> Vec<Level> {
    if total >= group_threshold {
        vec![Level::Company, Level::Group]
    } else {
        vec![Level::Company]
    }
}

/// When a sign-off submitted at `submitted_at` is due.
pub fn signoff_due_at(level: Level, submitted_at: DateTime<Utc>) -> DateTime<Utc> {
    submitted_at + level.allowed()
}

/// A sign-off not given by its due instant is overdue; one given never is.
pub fn signoff_overdue(due_at: DateTime<Utc>, decided: bool, now: DateTime<Utc>) -> bool {
    !decided && now > due_at
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContractStatus {
    Draft,
    InSignoff,
    /// Every required sign-off approved it.
    Effective,
    /// A sign-off rejected it; procurement may revise the dates and submit it again.
    Rejected,
}

impl ContractStatus {
    pub const ALL: [ContractStatus; 4] = [
        ContractStatus::Draft,
        ContractStatus::InSignoff,
        ContractStatus::Effective,
        ContractStatus::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ContractStatus::Draft => "draft",
            ContractStatus::InSignoff => "in_signoff",
            ContractStatus::Effective => "effective",
            ContractStatus::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<ContractStatus> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// Dates may be changed, and the contract submitted, before and after a rejection.
    pub fn editable(self) -> bool {
        matches!(self, ContractStatus::Draft | ContractStatus::Rejected)
    }
}

/// The status after this round's sign-offs: any rejection rejects it; approval by every
/// required level makes it effective; otherwise it waits.
pub fn after_signoffs(required: &[Level], given: &[(Level, bool)]) -> ContractStatus {
    if given.iter().any(|(_, approved)| !approved) {
        return ContractStatus::Rejected;
    }
    if required
        .iter()
        .all(|l| given.iter().any(|(g, approved)| g == l && *approved))
    {
        ContractStatus::Effective
    } else {
        ContractStatus::InSignoff
    }
}

/// The ledger number of the `seq`-th contract of `year`: "HT2027-0001".
pub fn contract_number(year: i32, seq: u32) -> String {
    format!("HT{year:04}-{seq:04}")
}

/// The sequence part of a number of `year`, if it is one.
pub fn contract_seq(number: &str, year: i32) -> Option<u32> {
    number
        .strip_prefix(&format!("HT{year:04}-"))
        .and_then(|s| s.parse().ok())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn day(y: i32, m: u32, dd: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, dd).unwrap()
    }

    fn thresholds() -> Thresholds {
        Thresholds {
            tender: d("50000"),
            contract: d("10000"),
        }
    }

    #[test]
    fn a_plan_month_reads_and_writes_as_year_dash_month() {
        let m = PlanMonth::parse("2027-03").unwrap();
        assert_eq!(m.to_string(), "2027-03");
        assert_eq!(m.first_day(), day(2027, 3, 1));
        assert_eq!(m.last_day(), day(2027, 3, 31));
        assert_eq!(
            PlanMonth::parse("2028-02").unwrap().last_day(),
            day(2028, 2, 29)
        );
        for bad in ["2027-3", "2027-13", "27-03", "2027/03", "", "2027-00"] {
            assert_eq!(PlanMonth::parse(bad), None, "{bad}");
        }
        assert_eq!(
            PlanMonth::of(day(2027, 12, 9)).next().to_string(),
            "2028-01"
        );
    }

    #[test]
    fn a_plan_is_due_by_the_cut_off_day_of_the_month_before() {
        let jan = PlanMonth::parse("2027-01").unwrap();
        assert_eq!(jan.due_on(25), day(2026, 12, 25));
        assert_eq!(
            PlanMonth::parse("2027-03").unwrap().due_on(25),
            day(2027, 2, 25)
        );
        assert_eq!(
            PlanMonth::parse("2027-03").unwrap().due_on(31),
            day(2027, 2, 28)
        );
    }

    #[test]
    fn a_plan_not_handed_in_after_its_due_day_is_overdue_until_submitted() {
        let due = day(2027, 2, 25);
        assert!(!plan_overdue(due, PlanStatus::Draft, due));
        assert!(plan_overdue(due, PlanStatus::Draft, day(2027, 2, 26)));
        assert!(plan_overdue(due, PlanStatus::Returned, day(2027, 2, 26)));
        assert!(!plan_overdue(due, PlanStatus::Submitted, day(2027, 2, 26)));
        assert!(!plan_overdue(due, PlanStatus::Approved, day(2027, 3, 26)));
    }

    #[test]
    fn the_plan_is_submitted_then_approved_or_sent_back_and_resubmitted() {
        use PlanAction::*;
        use PlanStatus::*;
        assert_eq!(plan_next(Draft, Submit), Some(Submitted));
        assert_eq!(plan_next(Submitted, Approve), Some(Approved));
        assert_eq!(plan_next(Submitted, Return), Some(Returned));
        assert_eq!(plan_next(Returned, Submit), Some(Submitted));
        assert_eq!(plan_next(Draft, Approve), None);
        assert_eq!(plan_next(Approved, Return), None);
        assert_eq!(plan_next(Approved, Submit), None);
        assert!(Draft.editable() && Returned.editable());
        assert!(!Submitted.editable() && !Approved.editable());
    }

    #[test]
    fn a_normal_line_needs_fifteen_days_so_fourteen_is_refused() {
        let today = day(2027, 3, 1);
        assert!(lead_time_ok(PlanType::Normal, day(2027, 3, 16), today));
        assert!(!lead_time_ok(PlanType::Normal, day(2027, 3, 15), today));
    }

    #[test]
    fn an_added_or_changed_line_needs_seven_days_and_a_temporary_one_three() {
        let today = day(2027, 3, 1);
        assert!(lead_time_ok(PlanType::Changed, day(2027, 3, 8), today));
        assert!(!lead_time_ok(PlanType::Changed, day(2027, 3, 7), today));
        assert!(lead_time_ok(PlanType::Temporary, day(2027, 3, 4), today));
        assert!(!lead_time_ok(PlanType::Temporary, day(2027, 3, 3), today));
    }

    #[test]
    fn an_emergency_line_may_be_needed_the_same_day_but_not_yesterday() {
        let today = day(2027, 3, 1);
        assert!(lead_time_ok(PlanType::Emergency, today, today));
        assert!(!lead_time_ok(PlanType::Emergency, day(2027, 2, 28), today));
        assert_eq!(
            PlanType::ALL.map(PlanType::lead_days),
            [15, 7, 3, 0],
            "normal, changed, temporary, emergency"
        );
    }

    #[test]
    fn a_line_of_49999_99_goes_to_quotes_and_a_contract_and_50000_00_to_tender() {
        let t = thresholds();
        assert_eq!(
            route(d("49999.99"), Decimal::ZERO, t),
            Route::QuotesAndContract
        );
        assert_eq!(route(d("50000.00"), Decimal::ZERO, t), Route::Tender);
        assert_eq!(route(d("50000.01"), Decimal::ZERO, t), Route::Tender);
    }

    #[test]
    fn a_line_of_9999_99_goes_to_quotes_and_10000_00_needs_a_contract() {
        let t = thresholds();
        assert_eq!(route(d("9999.99"), Decimal::ZERO, t), Route::Quotes);
        assert_eq!(
            route(d("10000.00"), Decimal::ZERO, t),
            Route::QuotesAndContract
        );
        assert_eq!(route(d("0.01"), Decimal::ZERO, t), Route::Quotes);
    }

    #[test]
    fn a_material_the_supermarket_holds_is_requisitioned_whatever_its_value() {
        let t = thresholds();
        for v in ["1.00", "9999.99", "10000.00", "50000.00", "900000.00"] {
            assert_eq!(route(d(v), d("0.001"), t), Route::Requisition, "{v}");
        }
        assert_eq!(route(d("100"), Decimal::ZERO, t), Route::Quotes);
    }

    #[test]
    fn the_thresholds_are_settings_not_constants() {
        let t = Thresholds {
            tender: d("80000"),
            contract: d("20000"),
        };
        assert_eq!(
            route(d("50000"), Decimal::ZERO, t),
            Route::QuotesAndContract
        );
        assert_eq!(route(d("19999.99"), Decimal::ZERO, t), Route::Quotes);
    }

    #[test]
    fn a_line_value_is_quantity_times_price_to_the_cent() {
        assert_eq!(line_value(d("2.345"), d("3850")), Ok(d("9028.25")));
        assert_eq!(line_value(d("1"), d("0.005")), Ok(d("0.01")));
        assert_eq!(
            line_value(d("3"), d("3333.333")).map(|v| v.to_string()),
            Ok("10000.00".to_string())
        );
        assert_eq!(
            line_value(d("1"), d("50000")).map(|v| v.to_string()),
            Ok("50000.00".to_string())
        );
    }

    fn offers() -> Vec<QuoteOffer> {
        vec![
            QuoteOffer {
                id: 1,
                supplier_id: SupplierId(10),
                unit_price: d("420"),
            },
            QuoteOffer {
                id: 2,
                supplier_id: SupplierId(11),
                unit_price: d("405.5"),
            },
            QuoteOffer {
                id: 3,
                supplier_id: SupplierId(12),
                unit_price: d("430"),
            },
        ]
    }

    #[test]
    fn fewer_than_three_suppliers_block_the_choice() {
        let two = &offers()[..2];
        assert_eq!(check_choice(two, 2, ""), Err(ChoiceError::TooFewQuotes));
        let mut same = offers();
        same[2].supplier_id = SupplierId(10);
        assert_eq!(check_choice(&same, 2, ""), Err(ChoiceError::TooFewQuotes));
    }

    #[test]
    fn the_cheapest_needs_no_reason_and_any_other_does() {
        let q = offers();
        assert_eq!(cheapest(&q), Some(d("405.5")));
        assert_eq!(check_choice(&q, 2, ""), Ok(()));
        assert_eq!(check_choice(&q, 1, "  "), Err(ChoiceError::ReasonNeeded));
        assert_eq!(check_choice(&q, 1, "better quality record"), Ok(()));
        assert_eq!(check_choice(&q, 9, "x"), Err(ChoiceError::NotAQuote));
        let mut tie = q.clone();
        tie[0].unit_price = d("405.50");
        assert_eq!(check_choice(&tie, 1, ""), Ok(()), "tied with the cheapest");
    }

    #[test]
    fn every_contract_needs_company_sign_off_and_from_50000_group_too() {
        let g = d("50000");
        assert_eq!(required_levels(d("10000"), g), vec![Level::Company]);
        assert_eq!(required_levels(d("49999.99"), g), vec![Level::Company]);
        assert_eq!(
            required_levels(d("50000.00"), g),
            vec![Level::Company, Level::Group]
        );
    }

    #[test]
    fn a_company_sign_off_is_overdue_after_three_days_and_a_group_one_after_seven() {
        let at = DateTime::parse_from_rfc3339("2027-03-01T10:00:00+08:00")
            .unwrap()
            .with_timezone(&Utc);
        let company = signoff_due_at(Level::Company, at);
        let group = signoff_due_at(Level::Group, at);
        assert!(!signoff_overdue(company, false, at + Duration::days(3)));
        assert!(signoff_overdue(
            company,
            false,
            at + Duration::days(3) + Duration::seconds(1)
        ));
        assert!(!signoff_overdue(group, false, at + Duration::days(7)));
        assert!(signoff_overdue(
            group,
            false,
            at + Duration::days(7) + Duration::seconds(1)
        ));
        assert!(
            !signoff_overdue(company, true, at + Duration::days(30)),
            "given"
        );
    }

    #[test]
    fn a_contract_is_effective_when_every_required_level_approves_and_rejected_by_any() {
        use ContractStatus::*;
        let both = [Level::Company, Level::Group];
        assert_eq!(after_signoffs(&both, &[]), InSignoff);
        assert_eq!(after_signoffs(&both, &[(Level::Company, true)]), InSignoff);
        assert_eq!(
            after_signoffs(&both, &[(Level::Company, true), (Level::Group, true)]),
            Effective
        );
        assert_eq!(
            after_signoffs(&[Level::Company], &[(Level::Company, true)]),
            Effective
        );
        assert_eq!(after_signoffs(&both, &[(Level::Group, false)]), Rejected);
        assert!(Draft.editable() && Rejected.editable() && !InSignoff.editable());
    }

    #[test]
    fn contract_numbers_count_up_within_the_year() {
        assert_eq!(contract_number(2027, 1), "HT2027-0001");
        assert_eq!(contract_seq("HT2027-0042", 2027), Some(42));
        assert_eq!(contract_seq("HT2026-0042", 2027), None);
        assert_eq!(contract_number(2027, 12345), "HT2027-12345");
    }
}
