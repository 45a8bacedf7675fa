//! Pure price-watch rules (rule 13): when a material is due for a market survey, when a listing
//! is priced above the market, and what a survey's unit price and source may be.

use crate::error::RuleCode;
use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};

/// Rule 13: market prices are surveyed every two weeks. A survey this many days old is still
/// current; one a day older is due.
pub const SURVEY_INTERVAL_DAYS: i64 = 14;

/// Days from the survey on `last` to `today` (negative for a survey dated later).
pub fn days_since(last: NaiveDate, today: NaiveDate) -> i64 {
    (today - last).num_days()
}

/// True when a listed material last surveyed on `last` (never, for `None`) is due for a new
/// survey on `today`: never surveyed, or more than two weeks ago.
pub fn survey_due(last: Option<NaiveDate>, today: NaiveDate) -> bool {
    match last {
        None => true,
        Some(d) => days_since(d, today) > SURVEY_INTERVAL_DAYS,
    }
}

/// The first day on which a material surveyed on `last` is due again.
pub fn due_from(last: NaiveDate) -> NaiveDate {
    last.checked_add_days(chrono::Days::new(SURVEY_INTERVAL_DAYS as u64 + 1))
        .unwrap_or(last)
}

/// True when `listing_price` is more than `margin` (a fraction: 0.10 is 10 %) above the
/// surveyed `market_price`. Exactly at the margin is not above it. Without a positive market
/// price there is nothing to compare with.
pub fn above_margin(listing_price: Decimal, market_price: Decimal, margin: Decimal) -> bool {
    if market_price <= Decimal::ZERO {
        return false;
    }
    match Decimal::ONE
        .checked_add(margin)
        .and_then(|m| market_price.checked_mul(m))
    {
        Some(limit) => listing_price > limit,
        None => false,
    }
}

/// How far `listing_price` is above `market_price`, in per cent to two places (half away from
/// zero); `None` without a positive market price.
pub fn excess_percent(listing_price: Decimal, market_price: Decimal) -> Option<Decimal> {
    if market_price <= Decimal::ZERO {
        return None;
    }
    let ratio = listing_price.checked_div(market_price)?;
    let pct = ratio
        .checked_sub(Decimal::ONE)?
        .checked_mul(Decimal::ONE_HUNDRED)?;
    Some(pct.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero))
}

/// A fraction as a percentage for people: 0.1 → "10".
pub fn percent(fraction: Decimal) -> String {
    fraction
        .checked_mul(Decimal::ONE_HUNDRED)
        .unwrap_or(fraction)
        .normalize()
        .to_string()
}

/// Where a surveyed price came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceKind {
    /// A price information service: 西本新干线, 我的钢铁网 Mysteel.
    PriceService,
    /// A quote from a named vendor (by phone, in writing).
    VendorQuote,
    /// The result of one of the company's tenders.
    TenderResult,
    Other,
}

impl SourceKind {
    pub const ALL: [SourceKind; 4] = [
        SourceKind::PriceService,
        SourceKind::VendorQuote,
        SourceKind::TenderResult,
        SourceKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::PriceService => "price_service",
            SourceKind::VendorQuote => "vendor_quote",
            SourceKind::TenderResult => "tender_result",
            SourceKind::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }
}

/// A surveyed unit price is the portal's one [`UnitPrice`]: yuan above zero with at most four
/// decimal places, kept exactly.
pub use crate::money::{UnitPrice, ValueError as UnitPriceError};

/// The message code of a refused surveyed price (`validation-<code>`).
pub fn price_code(e: UnitPriceError) -> RuleCode {
    match e {
        UnitPriceError::NotPositive => RuleCode::PricePositive,
        UnitPriceError::TooManyPlaces => RuleCode::PwPricePlaces,
        _ => RuleCode::OutOfRange,
    }
}

/// What procurement does with a price-failure candidate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// A price failure is recorded against the supplier (rule 2 then counts it once the head
    /// confirms it).
    Confirm,
    /// Not a failure, for a stated reason.
    Dismiss,
}

impl Decision {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "confirm" => Some(Decision::Confirm),
            "dismiss" => Some(Decision::Dismiss),
            _ => None,
        }
    }

    /// As stored on the decided candidate.
    pub fn stored(self) -> &'static str {
        match self {
            Decision::Confirm => "confirmed",
            Decision::Dismiss => "dismissed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap_or_default()
    }

    fn day(m: u32, dd: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, m, dd).unwrap_or_default()
    }

    #[test]
    fn a_material_never_surveyed_is_due() {
        assert!(survey_due(None, day(1, 1)));
    }

    #[test]
    fn a_survey_exactly_fourteen_days_old_is_not_due_and_fifteen_is() {
        let surveyed = day(1, 1);
        assert!(!survey_due(Some(surveyed), day(1, 14)));
        assert!(!survey_due(Some(surveyed), day(1, 15)), "14 days old");
        assert!(survey_due(Some(surveyed), day(1, 16)), "15 days old");
        assert_eq!(due_from(surveyed), day(1, 16));
    }

    #[test]
    fn a_survey_dated_after_today_is_not_due() {
        assert!(!survey_due(Some(day(2, 1)), day(1, 1)));
    }

    #[test]
    fn two_weeks_count_across_a_month_end() {
        assert!(!survey_due(Some(day(1, 25)), day(2, 8)));
        assert!(survey_due(Some(day(1, 25)), day(2, 9)));
    }

    #[test]
    fn exactly_ten_percent_above_is_not_a_candidate_and_a_hundredth_more_is() {
        let margin = d("0.10");
        assert!(!above_margin(d("110"), d("100"), margin));
        assert!(!above_margin(d("110.0000"), d("100.00"), margin));
        assert!(above_margin(d("110.01"), d("100"), margin));
        assert!(above_margin(d("110.0001"), d("100"), margin));
    }

    #[test]
    fn the_margin_boundary_holds_for_prices_with_four_places() {
        // 3500.1234 × 1.1 = 3850.13574: exactly at the margin only at that price.
        let margin = d("0.1");
        assert!(!above_margin(d("3850.13574"), d("3500.1234"), margin));
        assert!(!above_margin(d("3850.1357"), d("3500.1234"), margin));
        assert!(above_margin(d("3850.1358"), d("3500.1234"), margin));
    }

    #[test]
    fn a_price_at_or_below_the_market_is_never_a_candidate() {
        assert!(!above_margin(d("100"), d("100"), d("0.10")));
        assert!(!above_margin(d("90"), d("100"), d("0.10")));
        assert!(!above_margin(d("100"), d("0"), d("0.10")));
    }

    #[test]
    fn the_margin_is_the_setting() {
        assert!(above_margin(d("106"), d("100"), d("0.05")));
        assert!(!above_margin(d("106"), d("100"), d("0.06")));
    }

    #[test]
    fn the_excess_is_shown_in_percent_to_two_places() {
        assert_eq!(excess_percent(d("110.01"), d("100")), Some(d("10.01")));
        assert_eq!(excess_percent(d("110"), d("100")), Some(d("10.00")));
        assert_eq!(excess_percent(d("4000"), d("3000")), Some(d("33.33")));
        assert_eq!(excess_percent(d("1"), d("0")), None);
        assert_eq!(percent(d("0.10")), "10");
        assert_eq!(percent(d("0.125")), "12.5");
    }

    #[test]
    fn a_unit_price_is_positive_with_at_most_four_places() {
        assert_eq!(
            UnitPrice::parse(d("3850.1234")).map(UnitPrice::value),
            Ok(d("3850.1234"))
        );
        assert_eq!(
            UnitPrice::parse(d("3850.12340")).map(UnitPrice::value),
            Ok(d("3850.1234")),
            "trailing zeros are not places"
        );
        assert_eq!(UnitPrice::parse(d("0")), Err(UnitPriceError::NotPositive));
        assert_eq!(UnitPrice::parse(d("-1")), Err(UnitPriceError::NotPositive));
        assert_eq!(
            UnitPrice::parse(d("1.23456")),
            Err(UnitPriceError::TooManyPlaces)
        );
        assert_eq!(
            UnitPrice::parse(d("10000000000")),
            Err(UnitPriceError::TooLarge)
        );
    }

    #[test]
    fn sources_and_decisions_are_read_from_their_names() {
        for k in SourceKind::ALL {
            assert_eq!(SourceKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(SourceKind::parse("newspaper"), None);
        assert_eq!(Decision::parse("confirm"), Some(Decision::Confirm));
        assert_eq!(Decision::parse("dismiss"), Some(Decision::Dismiss));
        assert_eq!(Decision::parse("maybe"), None);
    }
}
