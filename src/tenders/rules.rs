//! The pure rules of tenders (rule 4): kinds and the status life cycle, evaluation weights,
//! the bid window, what a bid line may hold, and the evaluation — the price score, the
//! weighted total, the ranking and the recommendation; and rule 14's committee: who may sit
//! on it, how many, who is still to score, and who may decide on the award. No I/O here.

use crate::auth::{Capability, Role, four_eyes};
use crate::error::{AppError, RuleCode};
use chrono::{DateTime, Utc};
use entity::BidId;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// An invitational tender invites at least this many suppliers (rule 4).
pub const MIN_INVITEES: usize = 3;
/// Fewer valid bids than this at opening and the tender fails.
pub const MIN_VALID_BIDS: usize = 3;
/// A unit price keeps at most this many decimal places.
pub const PRICE_PLACES: u32 = crate::money::UnitPrice::PLACES;
/// A tender's committee has at least this many members, whatever the setting says (rule 14).
pub const MIN_COMMITTEE: usize = 3;
/// The longest delivery time a bid may promise, in days.
pub const MAX_DELIVERY_DAYS: i32 = 365;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TenderKind {
    /// 社会招标: any admitted supplier of the category may bid.
    Public,
    /// 邀请招标: only the invited suppliers (at least three) may bid.
    Invitational,
}

impl TenderKind {
    pub const ALL: [TenderKind; 2] = [TenderKind::Invitational, TenderKind::Public];

    pub fn as_str(self) -> &'static str {
        match self {
            TenderKind::Public => "public",
            TenderKind::Invitational => "invitational",
        }
    }

    pub fn parse(s: &str) -> Option<TenderKind> {
        TenderKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TenderStatus {
    Draft,
    /// Invitations sent; bids are taken until the deadline.
    Published,
    /// Two committee members confirmed after the deadline; the bids are unsealed.
    Opened,
    /// Scored and ranked, with a recommendation for the head.
    Evaluated,
    /// The head approved the award.
    Awarded,
    /// Too few valid bids, or the head declined the recommendation; may be re-issued.
    Failed,
}

impl TenderStatus {
    pub const ALL: [TenderStatus; 6] = [
        TenderStatus::Draft,
        TenderStatus::Published,
        TenderStatus::Opened,
        TenderStatus::Evaluated,
        TenderStatus::Awarded,
        TenderStatus::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TenderStatus::Draft => "draft",
            TenderStatus::Published => "published",
            TenderStatus::Opened => "opened",
            TenderStatus::Evaluated => "evaluated",
            TenderStatus::Awarded => "awarded",
            TenderStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<TenderStatus> {
        TenderStatus::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A step of the life cycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Edit,
    Publish,
    Bid,
    Open,
    Score,
    Evaluate,
    Decide,
    Reissue,
    /// Naming or removing committee members.
    Committee,
}

/// The status a step needs; `Err` names why the step is not allowed now.
pub fn allowed(status: TenderStatus, step: Step) -> Result<(), RuleCode> {
    use TenderStatus::*;
    let ok = match step {
        Step::Edit | Step::Publish => status == Draft,
        Step::Bid | Step::Open => status == Published,
        Step::Score | Step::Evaluate => status == Opened,
        Step::Decide => status == Evaluated,
        Step::Reissue => status == Failed,
        Step::Committee => matches!(status, Draft | Published),
    };
    if ok {
        Ok(())
    } else if step == Step::Committee {
        Err(RuleCode::TenderCommitteeFixed)
    } else {
        Err(RuleCode::TenderState)
    }
}

/// Who may sit on a tender's committee (rule 14): an active user of a role that opens and
/// scores tenders (procurement officers and heads). Never a supplier, an auditor (who changes
/// nothing) or an admin.
pub fn may_sit_on_committee(role: Role, active: bool) -> bool {
    active && role.can(Capability::TenderCommittee)
}

/// Whether `members` are enough: at least `min` (the setting), and never fewer than three.
pub fn enough_members(members: usize, min: usize) -> bool {
    members >= min.max(MIN_COMMITTEE)
}

/// The members who have not yet scored every one of `bids` (`scored`: which member scored
/// which bid), in the members' order. Empty: everyone has scored everything.
pub fn missing_scorers(members: &[i64], bids: &[BidId], scored: &[(BidId, i64)]) -> Vec<i64> {
    members
        .iter()
        .copied()
        .filter(|m| {
            !bids
                .iter()
                .all(|b| scored.iter().any(|(sb, sm)| sb == b && sm == m))
        })
        .collect()
}

/// The head's decision on the committee's recommendation (rule 14): never by whoever ran the
/// evaluation (they would approve what they raised), and never by the tender's only scorer.
pub fn may_decide_award(
    evaluated_by: Option<i64>,
    scorers: &[i64],
    head: i64,
) -> Result<(), AppError> {
    if let Some(raised_by) = evaluated_by {
        four_eyes::not_own(raised_by, head)
            .map_err(|_| AppError::Rule(RuleCode::TenderOwnEvaluation))?;
    }
    four_eyes::not_sole(scorers, head)
}

/// Bids are taken strictly before the deadline, by the server's clock.
pub fn bids_open(now: DateTime<Utc>, deadline: DateTime<Utc>) -> Result<(), RuleCode> {
    if now < deadline {
        Ok(())
    } else {
        Err(RuleCode::TenderDeadlinePassed)
    }
}

/// The bids may be opened once the deadline has passed.
pub fn may_open(now: DateTime<Utc>, deadline: DateTime<Utc>) -> Result<(), RuleCode> {
    if now >= deadline {
        Ok(())
    } else {
        Err(RuleCode::TenderDeadlineNotReached)
    }
}

/// The sealing rule: a bid's prices are shown only once the deadline has passed and the
/// tender has been opened, and then only to the procurement office (never to suppliers).
pub fn prices_unsealed(
    now: DateTime<Utc>,
    deadline: DateTime<Utc>,
    opened_at: Option<DateTime<Utc>>,
) -> bool {
    opened_at.is_some() && now >= deadline
}

/// What the four-eyes opening does with one member's confirmation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Confirmation {
    /// Nobody confirmed yet: this one is recorded and waits for a second member.
    First,
    /// A different member confirmed before: this one opens the tender.
    Opens,
}

/// Four eyes: who has confirmed so far, and who confirms now.
pub fn confirmation(first: Option<i64>, member: i64) -> Result<Confirmation, RuleCode> {
    match first {
        None => Ok(Confirmation::First),
        Some(f) if f == member => Err(RuleCode::TenderOpenNeedsSecondMember),
        Some(_) => Ok(Confirmation::Opens),
    }
}

/// The evaluation weights, in percent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = TenderWeights)]
pub struct Weights {
    pub price: i32,
    pub quality: i32,
    pub delivery: i32,
}

impl Weights {
    /// Each from 0 to 100, adding up to 100.
    pub fn check(self) -> Result<Self, WeightsError> {
        let all = [self.price, self.quality, self.delivery];
        if all.iter().any(|w| !(0..=100).contains(w)) || all.iter().sum::<i32>() != 100 {
            return Err(WeightsError::Sum);
        }
        Ok(self)
    }
}

/// Why weights were refused (message `validation-<code>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WeightsError {
    Sum,
}

impl WeightsError {
    pub fn code(self) -> RuleCode {
        match self {
            WeightsError::Sum => RuleCode::TenderWeightsSum,
        }
    }
}

/// Why a bid line was refused (message `validation-<code>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineError {
    Price,
    DeliveryDays,
}

impl LineError {
    pub fn code(self) -> RuleCode {
        match self {
            LineError::Price => RuleCode::TenderPricePlaces,
            LineError::DeliveryDays => RuleCode::TenderDeliveryDays,
        }
    }
}

/// A unit price: the portal's one [`crate::money::UnitPrice`] rule (above zero, at most four
/// decimal places, refused rather than rounded: a bid says exactly what it means), written
/// without trailing zeros as the bid keeps it.
pub fn check_price(price: Decimal) -> Result<Decimal, LineError> {
    crate::money::UnitPrice::parse(price)
        .map(|p| p.value().normalize())
        .map_err(|_| LineError::Price)
}

pub fn check_delivery_days(days: i32) -> Result<i32, LineError> {
    if (0..=MAX_DELIVERY_DAYS).contains(&days) {
        Ok(days)
    } else {
        Err(LineError::DeliveryDays)
    }
}

/// A committee score, 0 to 100.
pub fn valid_score(score: i32) -> bool {
    (0..=100).contains(&score)
}

pub use crate::money::{ValueError, line_amount, round_cents};

/// A bid's total: the sum of its rounded line amounts; `TooLarge` when a line or the total
/// is larger than an amount can be.
pub fn bid_total(
    lines: impl IntoIterator<Item = (Decimal, Decimal)>,
) -> Result<Decimal, ValueError> {
    let amounts = lines
        .into_iter()
        .map(|(q, p)| line_amount(q, p))
        .collect::<Result<Vec<_>, _>>()?;
    crate::money::sum_cents(amounts)
}

/// The mean of the members' scores, to two places (none: no score yet).
pub fn mean_score(scores: &[i32]) -> Option<Decimal> {
    if scores.is_empty() {
        return None;
    }
    let sum: i64 = scores.iter().map(|s| i64::from(*s)).sum();
    Some(round_cents(
        Decimal::from(sum) / Decimal::from(scores.len() as i64),
    ))
}

/// The price score: the lowest valid total gets 100, every other lowest / this × 100, to two
/// places.
pub fn price_score(lowest: Decimal, total: Decimal) -> Decimal {
    if total <= Decimal::ZERO {
        return Decimal::ZERO;
    }
    // `lowest` is the least total, so the share is at most 1; checked all the same, as both
    // are sums a caller computed.
    lowest
        .min(total)
        .checked_div(total)
        .and_then(|share| share.checked_mul(Decimal::ONE_HUNDRED))
        .map_or(Decimal::ZERO, round_cents)
}

/// Σ weight × score / 100, to two places.
pub fn weighted_total(w: Weights, price: Decimal, quality: Decimal, delivery: Decimal) -> Decimal {
    round_cents(
        (Decimal::from(w.price) * price
            + Decimal::from(w.quality) * quality
            + Decimal::from(w.delivery) * delivery)
            / Decimal::from(100),
    )
}

/// A valid bid as the evaluation sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub bid_id: BidId,
    pub total: Decimal,
    /// The members' mean quality/technical score.
    pub quality: Decimal,
    /// The members' mean delivery score.
    pub delivery: Decimal,
}

/// A bid's place in the evaluation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = RankedBid)]
pub struct Ranked {
    pub bid_id: BidId,
    #[schema(value_type = String)]
    pub total: Decimal,
    #[schema(value_type = String)]
    pub price_score: Decimal,
    #[schema(value_type = String)]
    pub quality: Decimal,
    #[schema(value_type = String)]
    pub delivery: Decimal,
    #[schema(value_type = String)]
    pub weighted: Decimal,
    /// 1 is the best.
    pub rank: usize,
}

/// Scores and ranks the valid bids: the best weighted total first; equal totals go to the
/// lower price (then the earlier bid, so the order is always the same).
pub fn rank(w: Weights, candidates: &[Candidate]) -> Vec<Ranked> {
    let Some(lowest) = candidates.iter().map(|c| c.total).min() else {
        return Vec::new();
    };
    let mut out: Vec<Ranked> = candidates
        .iter()
        .map(|c| {
            let price = price_score(lowest, c.total);
            Ranked {
                bid_id: c.bid_id,
                total: c.total,
                price_score: price,
                quality: c.quality,
                delivery: c.delivery,
                weighted: weighted_total(w, price, c.quality, c.delivery),
                rank: 0,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.weighted
            .cmp(&a.weighted)
            .then(a.total.cmp(&b.total))
            .then(a.bid_id.cmp(&b.bid_id))
    });
    for (i, r) in out.iter_mut().enumerate() {
        r.rank = i + 1;
    }
    out
}

/// The recommended bid: the first of the ranking.
pub fn recommendation(ranked: &[Ranked]) -> Option<BidId> {
    ranked.first().map(|r| r.bid_id)
}

/// Whether enough bids are valid at opening for the tender to go on.
pub fn enough_bids(valid: usize) -> bool {
    valid >= MIN_VALID_BIDS
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap_or_default()
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    #[test]
    fn weights_are_whole_percentages_adding_up_to_one_hundred() {
        let w = |price, quality, delivery| Weights {
            price,
            quality,
            delivery,
        };
        assert!(w(60, 30, 10).check().is_ok());
        assert!(w(100, 0, 0).check().is_ok());
        assert_eq!(w(60, 30, 9).check(), Err(WeightsError::Sum));
        assert_eq!(w(60, 30, 11).check(), Err(WeightsError::Sum));
        assert_eq!(w(120, -10, -10).check(), Err(WeightsError::Sum));
    }

    #[test]
    fn a_bid_is_taken_until_the_deadline_and_not_one_second_after() {
        let deadline = at("2027-03-01T09:00:00+08:00");
        let second = chrono::Duration::seconds(1);
        assert_eq!(bids_open(deadline - second, deadline), Ok(()));
        assert_eq!(
            bids_open(deadline, deadline),
            Err(RuleCode::TenderDeadlinePassed)
        );
        assert_eq!(
            bids_open(deadline + second, deadline),
            Err(RuleCode::TenderDeadlinePassed)
        );
        assert_eq!(
            may_open(deadline - second, deadline),
            Err(RuleCode::TenderDeadlineNotReached)
        );
        assert_eq!(may_open(deadline, deadline), Ok(()));
    }

    #[test]
    fn prices_stay_sealed_until_the_deadline_has_passed_and_the_tender_is_opened() {
        let deadline = at("2027-03-01T09:00:00+08:00");
        let later = deadline + chrono::Duration::hours(1);
        assert!(!prices_unsealed(later, deadline, None));
        assert!(!prices_unsealed(
            deadline - chrono::Duration::seconds(1),
            deadline,
            Some(later)
        ));
        assert!(prices_unsealed(later, deadline, Some(later)));
    }

    #[test]
    fn opening_needs_two_different_members() {
        assert_eq!(confirmation(None, 7), Ok(Confirmation::First));
        assert_eq!(
            confirmation(Some(7), 7),
            Err(RuleCode::TenderOpenNeedsSecondMember)
        );
        assert_eq!(confirmation(Some(7), 8), Ok(Confirmation::Opens));
    }

    #[test]
    fn each_step_needs_its_status() {
        assert_eq!(allowed(TenderStatus::Draft, Step::Publish), Ok(()));
        assert_eq!(
            allowed(TenderStatus::Published, Step::Publish),
            Err(RuleCode::TenderState)
        );
        assert_eq!(allowed(TenderStatus::Published, Step::Bid), Ok(()));
        assert_eq!(
            allowed(TenderStatus::Opened, Step::Bid),
            Err(RuleCode::TenderState)
        );
        assert_eq!(allowed(TenderStatus::Opened, Step::Score), Ok(()));
        assert_eq!(allowed(TenderStatus::Evaluated, Step::Decide), Ok(()));
        assert_eq!(allowed(TenderStatus::Failed, Step::Reissue), Ok(()));
        assert_eq!(
            allowed(TenderStatus::Awarded, Step::Reissue),
            Err(RuleCode::TenderState)
        );
        for s in TenderStatus::ALL {
            assert_eq!(TenderStatus::parse(s.as_str()), Some(s));
        }
        for k in TenderKind::ALL {
            assert_eq!(TenderKind::parse(k.as_str()), Some(k));
        }
    }

    #[test]
    fn the_committee_is_named_until_opening_and_fixed_after() {
        assert_eq!(allowed(TenderStatus::Draft, Step::Committee), Ok(()));
        assert_eq!(allowed(TenderStatus::Published, Step::Committee), Ok(()));
        for s in [
            TenderStatus::Opened,
            TenderStatus::Evaluated,
            TenderStatus::Awarded,
            TenderStatus::Failed,
        ] {
            assert_eq!(
                allowed(s, Step::Committee),
                Err(RuleCode::TenderCommitteeFixed)
            );
        }
    }

    #[test]
    fn only_active_officers_and_heads_sit_on_a_committee() {
        assert!(may_sit_on_committee(Role::ProcurementOfficer, true));
        assert!(may_sit_on_committee(Role::ProcurementHead, true));
        assert!(!may_sit_on_committee(Role::ProcurementHead, false));
        for r in [
            Role::Supplier,
            Role::Auditor,
            Role::Admin,
            Role::SiteManager,
            Role::WarehouseKeeper,
            Role::Finance,
        ] {
            assert!(!may_sit_on_committee(r, true), "{r:?}");
        }
    }

    #[test]
    fn a_committee_has_at_least_three_members_or_the_settings_more() {
        assert!(!enough_members(2, 3));
        assert!(enough_members(3, 3));
        assert!(!enough_members(2, 1), "never fewer than three");
        assert!(!enough_members(4, 5));
        assert!(enough_members(5, 5));
    }

    #[test]
    fn the_evaluation_waits_for_every_member_on_every_bid() {
        let (a, b) = (BidId(1), BidId(2));
        let members = [10, 11, 12];
        let two_of_three = [(a, 10), (b, 10), (a, 11), (b, 11), (a, 12)];
        assert_eq!(missing_scorers(&members, &[a, b], &two_of_three), vec![12]);
        let all = [(a, 10), (b, 10), (a, 11), (b, 11), (a, 12), (b, 12)];
        assert!(missing_scorers(&members, &[a, b], &all).is_empty());
        assert_eq!(missing_scorers(&members, &[a], &[]), vec![10, 11, 12]);
        // A score by someone not on the committee counts for nobody.
        assert_eq!(missing_scorers(&[10], &[a], &[(a, 99)]), vec![10]);
    }

    #[test]
    fn the_head_decides_an_award_neither_evaluated_nor_scored_alone_by_them() {
        let head = 7;
        assert!(may_decide_award(Some(8), &[7, 8, 9], head).is_ok());
        assert!(may_decide_award(None, &[8], head).is_ok());
        assert!(matches!(
            may_decide_award(Some(7), &[7, 8, 9], head),
            Err(AppError::Rule(RuleCode::TenderOwnEvaluation))
        ));
        assert!(matches!(
            may_decide_award(Some(8), &[7], head),
            Err(AppError::Rule(RuleCode::SoleDecider))
        ));
    }

    #[test]
    fn unit_prices_keep_at_most_four_places_and_are_above_zero() {
        assert_eq!(check_price(d("3850.1234")), Ok(d("3850.1234")));
        assert_eq!(check_price(d("3850.12340")), Ok(d("3850.1234")));
        assert_eq!(check_price(d("3850.12345")), Err(LineError::Price));
        assert_eq!(check_price(d("0")), Err(LineError::Price));
        assert_eq!(check_price(d("-1")), Err(LineError::Price));
        assert_eq!(check_delivery_days(0), Ok(0));
        assert_eq!(check_delivery_days(366), Err(LineError::DeliveryDays));
        assert!(valid_score(0) && valid_score(100) && !valid_score(101) && !valid_score(-1));
    }

    #[test]
    fn a_total_is_the_sum_of_the_rounded_lines() {
        // 2.345 t × 3850.1234 = 9028.539373 → 9028.54; 10 × 0.005 = 0.05
        assert_eq!(
            bid_total([(d("2.345"), d("3850.1234")), (d("10"), d("0.005"))]),
            Ok(d("9028.59"))
        );
        // Too large for an amount: refused, not a panic.
        assert_eq!(
            bid_total([(d("9000000000000000"), d("1000000000"))]),
            Err(ValueError::TooLarge)
        );
        assert_eq!(price_score(Decimal::MAX, d("0.0001")), d("100"));
        assert_eq!(mean_score(&[80, 85]), Some(d("82.5")));
        assert_eq!(mean_score(&[90, 91, 91]), Some(d("90.67")));
        assert_eq!(mean_score(&[]), None);
    }

    /// The worked example (weights price 60, quality 30, delivery 10):
    ///
    /// | bid | total       | price score            | quality | delivery | weighted                               |
    /// |-----|-------------|------------------------|---------|----------|----------------------------------------|
    /// | A   | 100,000.00  | lowest → 100.00        | 80      | 90       | (60×100 + 30×80 + 10×90)/100 = 93.00   |
    /// | B   | 125,000.00  | 100000/125000×100=80.00 | 95     | 100      | (60×80 + 30×95 + 10×100)/100 = 86.50   |
    /// | C   | 200,000.00  | 100000/200000×100=50.00 | 100    | 100      | (60×50 + 30×100 + 10×100)/100 = 70.00  |
    /// | D   | 160,000.00  | 100000/160000×100=62.50 | 90     | 85       | (60×62.5 + 30×90 + 10×85)/100 = 73.00  |
    ///
    /// Ranking: A (93.00), B (86.50), D (73.00), C (70.00); A is recommended.
    #[test]
    fn the_worked_example_scores_prices_in_proportion_and_ranks_by_weighted_total() {
        let w = Weights {
            price: 60,
            quality: 30,
            delivery: 10,
        };
        let c = |bid_id, total: &str, quality: &str, delivery: &str| Candidate {
            bid_id,
            total: d(total),
            quality: d(quality),
            delivery: d(delivery),
        };
        let ranked = rank(
            w,
            &[
                c(BidId(1), "100000.00", "80", "90"),
                c(BidId(2), "125000.00", "95", "100"),
                c(BidId(3), "200000.00", "100", "100"),
                c(BidId(4), "160000.00", "90", "85"),
            ],
        );
        let summary: Vec<(BidId, String, String, usize)> = ranked
            .iter()
            .map(|r| {
                (
                    r.bid_id,
                    r.price_score.normalize().to_string(),
                    r.weighted.normalize().to_string(),
                    r.rank,
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                (BidId(1), "100".into(), "93".into(), 1),
                (BidId(2), "80".into(), "86.5".into(), 2),
                (BidId(4), "62.5".into(), "73".into(), 3),
                (BidId(3), "50".into(), "70".into(), 4),
            ]
        );
        assert_eq!(recommendation(&ranked), Some(BidId(1)));
    }

    /// A tie on the weighted total goes to the lower price. Weights price 50, quality 50:
    /// X 100.00 → price 100, quality 60 → (50×100 + 50×60)/100 = 80.00;
    /// Y 125.00 → price 80, quality 80 → (50×80 + 50×80)/100 = 80.00. X wins on price.
    #[test]
    fn a_tie_goes_to_the_lower_price() {
        let w = Weights {
            price: 50,
            quality: 50,
            delivery: 0,
        };
        let ranked = rank(
            w,
            &[
                Candidate {
                    bid_id: BidId(9),
                    total: d("125.00"),
                    quality: d("80"),
                    delivery: d("0"),
                },
                Candidate {
                    bid_id: BidId(10),
                    total: d("100.00"),
                    quality: d("60"),
                    delivery: d("0"),
                },
            ],
        );
        assert_eq!(ranked[0].weighted, ranked[1].weighted);
        assert_eq!(recommendation(&ranked), Some(BidId(10)));
        assert_eq!(ranked[0].rank, 1);
        assert!(rank(w, &[]).is_empty());
    }

    #[test]
    fn a_price_score_is_rounded_to_two_places() {
        // 100000 / 110000 × 100 = 90.909… → 90.91
        assert_eq!(price_score(d("100000"), d("110000")), d("90.91"));
        assert_eq!(price_score(d("100000"), d("100000")), d("100"));
        assert!(enough_bids(3) && !enough_bids(2));
    }
}
