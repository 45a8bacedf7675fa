//! Money and quantities, one rule for the whole portal (DOMAIN.md "Money and time"): amounts
//! are yuan to the cent, each line rounded once, and totals are sums of rounded lines.
//!
//! The values here carry their invariants: a [`Money`], [`UnitPrice`], [`Quantity`] or
//! [`TaxRate`] can only be built through a constructor that checks it, and their arithmetic is
//! checked, so an amount too large to hold becomes a field error (`too_large`), never a panic.
//! [`text`] is the one way pages write amounts and prices; [`capitals`] writes an amount in
//! Chinese capitals for printed statements; [`units`] names units in the page's language.

pub mod capitals;
pub mod stored;
pub mod text;
pub mod units;

use crate::error::RuleCode;
use crate::error::{AppError, FieldErrors};
use entity::Fixed;
use rust_decimal::{Decimal, RoundingStrategy};

pub use capitals::in_capitals;

/// Why a value was refused; `code()` is the field error's code (`validation-<code>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueError {
    /// Larger than an amount, price or quantity can be (or the product or sum of such).
    TooLarge,
    /// More decimal places than the value takes (a price's four, an amount's two, a unit's).
    TooManyPlaces,
    /// Zero or less where only more than zero makes sense (prices, quantities moved).
    NotPositive,
    /// Less than zero where zero is the least (a count).
    Negative,
    /// Outside the range the value allows (a tax rate).
    OutOfRange,
}

impl ValueError {
    pub fn code(self) -> RuleCode {
        match self {
            ValueError::TooLarge => RuleCode::TooLarge,
            ValueError::TooManyPlaces => RuleCode::TooManyPlaces,
            ValueError::NotPositive => RuleCode::NotPositive,
            ValueError::Negative => RuleCode::Negative,
            ValueError::OutOfRange => RuleCode::OutOfRange,
        }
    }

    /// A 422 naming `field`.
    pub fn on(self, field: &str) -> AppError {
        AppError::field(field, self.code())
    }

    /// Records the error on `field` in `errors`.
    pub fn add_to(self, errors: &mut FieldErrors, field: &str) {
        errors.add(field, self.code());
    }
}

/// Round to the cent, half away from zero (四舍五入), as the department's accounts do; banker's
/// rounding would make a printed statement disagree with a hand calculation. The result always
/// carries two decimals ("12.30", never "12.3" or "-0.00") so stored and exported amounts read
/// alike.
pub fn round_cents(d: Decimal) -> Decimal {
    let mut r = d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    r.rescale(2);
    if r.is_zero() {
        r.set_sign_positive(true);
    }
    r
}

/// Quantity times unit price, exactly; `TooLarge` when the product does not fit a decimal.
pub fn checked_product(quantity: Decimal, unit_price: Decimal) -> Result<Decimal, ValueError> {
    quantity.checked_mul(unit_price).ok_or(ValueError::TooLarge)
}

/// A line's amount: quantity times unit price, rounded once, on the product (rounding the
/// factors first would lose cents on fractional quantities). `TooLarge` when the product, or
/// the amount, is larger than an amount can be.
pub fn line_amount(quantity: Decimal, unit_price: Decimal) -> Result<Decimal, ValueError> {
    Money::round(checked_product(quantity, unit_price)?).map(Money::value)
}

/// The sum of amounts, each rounded to the cent first; `TooLarge` when it is larger than an
/// amount can be.
pub fn sum_cents(amounts: impl IntoIterator<Item = Decimal>) -> Result<Decimal, ValueError> {
    amounts
        .into_iter()
        .try_fold(Money::ZERO, |acc, a| acc.checked_add(Money::round(a)?))
        .map(Money::value)
}

/// `d` rounded to the cent for an amount column; a 422 `too_large` on `field` when it is
/// larger than the column holds.
pub fn cents_for(field: &str, d: Decimal) -> Result<Fixed<2>, AppError> {
    Money::round(d).map(Money::fixed).map_err(|e| e.on(field))
}

/// A number as people type it into a form, or copy it from a page: spaces and a leading ¥
/// are ignored, and commas (, or ，) are taken as thousands separators only where they group
/// three digits ("3,850.50"); "1,5" is not a number here, not fifteen.
pub fn parse_decimal(text: &str) -> Option<Decimal> {
    let cleaned: String = text
        .trim()
        .trim_start_matches(['¥', '￥'])
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| if c == '，' { ',' } else { c })
        .collect();
    let (int, frac) = match cleaned.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (cleaned.as_str(), None),
    };
    if int.contains(',') {
        let digits = int.trim_start_matches(['-', '+']);
        let mut groups = digits.split(',');
        let first = groups.next().unwrap_or_default();
        let grouped = (1..=3).contains(&first.len())
            && groups.all(|g| g.len() == 3)
            && digits.chars().all(|c| c.is_ascii_digit() || c == ',');
        if !grouped || frac.is_some_and(|f| f.contains(',')) {
            return None;
        }
    } else if frac.is_some_and(|f| f.contains(',')) {
        return None;
    }
    cleaned.replace(',', "").parse().ok()
}

/// An amount as files write it: rounded to the cent, two places, no grouping ("1234.50").
/// Pages write amounts with [`text::amount`].
pub fn cents_text(d: Decimal) -> String {
    text::plain(d, 2)
}

/// An amount of yuan to the cent, positive, zero or negative (a credit), small enough to be
/// stored (the column holds the cents as a `BIGINT`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(Decimal);

impl Money {
    pub const ZERO: Money = Money(Decimal::from_parts(0, 0, 0, false, 2));

    /// The largest magnitude an amount may have.
    pub fn max() -> Decimal {
        Fixed::<2>::max_abs()
    }

    /// `d` rounded to the cent, half away from zero.
    pub fn round(d: Decimal) -> Result<Money, ValueError> {
        if d.abs() > Self::max() {
            return Err(ValueError::TooLarge);
        }
        let r = round_cents(d);
        if r.abs() > Self::max() {
            return Err(ValueError::TooLarge);
        }
        Ok(Money(r))
    }

    /// An amount as someone entered it: refused, not rounded, with more than two places.
    pub fn exact(d: Decimal) -> Result<Money, ValueError> {
        if d.normalize().scale() > 2 {
            return Err(ValueError::TooManyPlaces);
        }
        Self::round(d)
    }

    pub fn value(self) -> Decimal {
        self.0
    }

    pub fn fixed(self) -> Fixed<2> {
        // Within `max()`, so the column takes it.
        Fixed::new(self.0).unwrap_or_default()
    }

    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }

    pub fn checked_add(self, other: Money) -> Result<Money, ValueError> {
        self.0
            .checked_add(other.0)
            .ok_or(ValueError::TooLarge)
            .and_then(Money::round)
    }

    pub fn checked_sub(self, other: Money) -> Result<Money, ValueError> {
        self.0
            .checked_sub(other.0)
            .ok_or(ValueError::TooLarge)
            .and_then(Money::round)
    }

    /// The sum of `amounts`, checked.
    pub fn sum(amounts: impl IntoIterator<Item = Money>) -> Result<Money, ValueError> {
        amounts
            .into_iter()
            .try_fold(Money::ZERO, |acc, a| acc.checked_add(a))
    }
}

impl From<Fixed<2>> for Money {
    fn from(v: Fixed<2>) -> Self {
        Money(round_cents(v.value()))
    }
}

impl std::fmt::Display for Money {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&text::amount(crate::i18n::Locale::default(), self.0))
    }
}

/// A unit price in yuan: above zero, at most four decimal places (more is refused, not
/// rounded: a price says exactly what it means), at most [`UnitPrice::max`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnitPrice(Fixed<4>);

impl UnitPrice {
    pub const PLACES: u32 = 4;

    /// The most a unit price may be: far above any material's, far below what the column
    /// holds, and small enough that any storable quantity times it is a decimal.
    pub fn max() -> Decimal {
        Decimal::from(1_000_000_000_i64)
    }

    pub fn parse(value: Decimal) -> Result<Self, ValueError> {
        if value <= Decimal::ZERO {
            return Err(ValueError::NotPositive);
        }
        if value.normalize().scale() > Self::PLACES {
            return Err(ValueError::TooManyPlaces);
        }
        if value > Self::max() {
            return Err(ValueError::TooLarge);
        }
        Fixed::<4>::new(value)
            .map(UnitPrice)
            .ok_or(ValueError::TooLarge)
    }

    pub fn fixed(self) -> Fixed<4> {
        self.0
    }

    pub fn value(self) -> Decimal {
        self.0.value()
    }

    /// The amount of `quantity` at this price, rounded once to the cent.
    pub fn times(self, quantity: Quantity) -> Result<Money, ValueError> {
        Money::round(checked_product(quantity.value(), self.value())?)
    }
}

impl std::fmt::Display for UnitPrice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&text::unit_price(
            crate::i18n::Locale::default(),
            self.value(),
        ))
    }
}

/// The decimal places a unit's quantities take (`units.decimals`): 0 for pieces, up to 3
/// (what the quantity columns keep).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnitPlaces(u32);

impl UnitPlaces {
    pub const MAX: u32 = 3;

    /// From the unit's row; a value outside 0–3 is held to the nearest end.
    pub fn of(decimals: i32) -> Self {
        UnitPlaces(decimals.clamp(0, Self::MAX as i32) as u32)
    }

    /// From places already counted; more than 3 is held to 3.
    pub fn new(places: u32) -> Self {
        UnitPlaces(places.min(Self::MAX))
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

impl Default for UnitPlaces {
    /// A unit not found: the finest the columns keep.
    fn default() -> Self {
        UnitPlaces(Self::MAX)
    }
}

/// An exact quantity in a material's unit, with no more places than the unit takes: 2.5 of
/// a unit counted in pieces is refused, as is 0.0004 t, never rounded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quantity {
    value: Fixed<3>,
    places: UnitPlaces,
}

impl Quantity {
    /// A quantity moved, planned or bought: above zero.
    pub fn parse(value: Decimal, places: UnitPlaces) -> Result<Self, ValueError> {
        if value <= Decimal::ZERO {
            return Err(ValueError::NotPositive);
        }
        Self::counted(value, places)
    }

    /// A quantity found by counting: zero or more.
    pub fn counted(value: Decimal, places: UnitPlaces) -> Result<Self, ValueError> {
        if value < Decimal::ZERO {
            return Err(ValueError::Negative);
        }
        if value.normalize().scale() > places.get() {
            return Err(ValueError::TooManyPlaces);
        }
        let value = Fixed::<3>::new(value).ok_or(ValueError::TooLarge)?;
        Ok(Quantity { value, places })
    }

    pub fn value(self) -> Decimal {
        self.value.value()
    }

    pub fn fixed(self) -> Fixed<3> {
        self.value
    }

    pub fn places(self) -> UnitPlaces {
        self.places
    }

    /// The field error of a refused quantity, with the unit's places for its message.
    pub fn add_error(errors: &mut FieldErrors, field: &str, e: ValueError, places: UnitPlaces) {
        match e {
            ValueError::TooLarge => {
                errors.add(field, RuleCode::TooLarge);
            }
            _ => {
                errors.add_with(
                    field,
                    RuleCode::Quantity,
                    &[("decimals", places.get().to_string())],
                );
            }
        }
    }
}

impl std::fmt::Display for Quantity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&text::quantity(
            crate::i18n::Locale::default(),
            self.value(),
            self.places.get(),
        ))
    }
}

/// VAT on a statement. Entered and shown as a percent ("13" is 13 %), kept as a fraction
/// (0.1300) in the agreement's column, 0 to 17 % with at most two places of percent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaxRate(Fixed<4>);

impl TaxRate {
    /// The highest VAT rate there is (17 %, before the 2018 cuts).
    pub fn max_percent() -> Decimal {
        Decimal::from(17)
    }

    /// From a percent as people write it: "13", "9", "6.5".
    pub fn from_percent(percent: Decimal) -> Result<Self, ValueError> {
        if percent < Decimal::ZERO || percent > Self::max_percent() {
            return Err(ValueError::OutOfRange);
        }
        if percent.normalize().scale() > 2 {
            return Err(ValueError::TooManyPlaces);
        }
        let fraction = percent / Decimal::ONE_HUNDRED;
        Fixed::<4>::new(fraction)
            .map(TaxRate)
            .ok_or(ValueError::OutOfRange)
    }

    /// From the fraction the column (and the JSON API) keeps: "0.13".
    pub fn from_fraction(fraction: Decimal) -> Result<Self, ValueError> {
        let percent = fraction
            .checked_mul(Decimal::ONE_HUNDRED)
            .ok_or(ValueError::OutOfRange)?;
        Self::from_percent(percent)
    }

    pub fn fraction(self) -> Decimal {
        self.0.value()
    }

    pub fn fixed(self) -> Fixed<4> {
        self.0
    }

    /// The percent, without trailing zeros ("13", "6.5").
    pub fn percent(self) -> Decimal {
        (self.0.value() * Decimal::ONE_HUNDRED).normalize()
    }
}

impl std::fmt::Display for TaxRate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.percent())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap_or_else(|_| panic!("bad decimal {s}"))
    }

    #[test]
    fn cents_round_half_away_from_zero_and_never_show_minus_zero() {
        assert_eq!(round_cents(d("0.005")), d("0.01"));
        assert_eq!(round_cents(d("-0.005")), d("-0.01"));
        assert_eq!(round_cents(d("2.675")), d("2.68"));
        assert_eq!(round_cents(d("-0.004")).to_string(), "0.00");
        assert_eq!(round_cents(d("7")).to_string(), "7.00");
    }

    #[test]
    fn a_line_amount_rounds_the_product_once() {
        assert_eq!(line_amount(d("2.345"), d("3850")), Ok(d("9028.25")));
        assert_eq!(line_amount(d("0.001"), d("5")), Ok(d("0.01")));
        assert_eq!(line_amount(d("-0.001"), d("5")), Ok(d("-0.01")));
        assert_eq!(line_amount(d("3"), d("0.335")), Ok(d("1.01")));
    }

    #[test]
    fn a_product_too_large_is_refused_not_a_panic() {
        let q = d("9000000000000000");
        let p = d("900000000000000");
        assert_eq!(checked_product(q, p), Err(ValueError::TooLarge));
        assert_eq!(line_amount(q, p), Err(ValueError::TooLarge));
        // It fits a decimal but not the amount column.
        assert_eq!(
            line_amount(d("9000000000000000"), d("1000")),
            Err(ValueError::TooLarge)
        );
        assert_eq!(
            line_amount(Decimal::MAX, Decimal::MAX),
            Err(ValueError::TooLarge)
        );
    }

    #[test]
    fn sums_are_checked() {
        assert_eq!(sum_cents([d("1.005"), d("2.004")]), Ok(d("3.01")));
        assert_eq!(sum_cents([]), Ok(d("0.00")));
        let big = Money::max();
        assert_eq!(sum_cents([big, big]), Err(ValueError::TooLarge));
        assert_eq!(
            sum_cents([Decimal::MAX, Decimal::MAX]),
            Err(ValueError::TooLarge)
        );
        let m = Money::round(big).unwrap_or_default();
        assert_eq!(m.checked_add(m), Err(ValueError::TooLarge));
        assert_eq!(m.checked_sub(m), Ok(Money::ZERO));
        assert_eq!(
            Money::sum(
                [Money::round(d("1.10")), Money::round(d("2.25"))]
                    .into_iter()
                    .flatten()
            ),
            Ok(Money::round(d("3.35")).unwrap_or_default())
        );
    }

    #[test]
    fn numbers_are_read_as_people_type_them() {
        assert_eq!(parse_decimal("3850.5"), Some(d("3850.5")));
        assert_eq!(parse_decimal(" 3,850.50 "), Some(d("3850.50")));
        assert_eq!(parse_decimal("¥1,234,567.89"), Some(d("1234567.89")));
        assert_eq!(parse_decimal("1，234"), Some(d("1234")));
        assert_eq!(parse_decimal("-1,000"), Some(d("-1000")));
        assert_eq!(parse_decimal("12 500"), Some(d("12500")));
        assert_eq!(parse_decimal("1,5"), None);
        assert_eq!(parse_decimal("1,50.5"), None);
        assert_eq!(parse_decimal("1234,567"), None);
        assert_eq!(parse_decimal("1.234,5"), None);
        assert_eq!(parse_decimal(",100"), None);
        assert_eq!(parse_decimal(""), None);
        assert_eq!(parse_decimal("abc"), None);
        assert_eq!(parse_decimal("9".repeat(40).as_str()), None);
    }

    #[test]
    fn money_is_rounded_or_taken_exactly() {
        assert_eq!(Money::round(d("12.345")).map(Money::value), Ok(d("12.35")));
        assert_eq!(Money::exact(d("12.345")), Err(ValueError::TooManyPlaces));
        assert_eq!(Money::exact(d("12.3400")).map(Money::value), Ok(d("12.34")));
        assert_eq!(Money::round(Decimal::MAX), Err(ValueError::TooLarge));
        assert_eq!(Money::ZERO.value().to_string(), "0.00");
        assert_eq!(Money::from(Fixed::<2>::zero()), Money::ZERO);
    }

    #[test]
    fn a_unit_price_is_positive_with_at_most_four_places() {
        assert_eq!(
            UnitPrice::parse(d("3850.1234")).map(UnitPrice::value),
            Ok(d("3850.1234"))
        );
        assert_eq!(
            UnitPrice::parse(d("3850.12340")).map(UnitPrice::value),
            Ok(d("3850.1234"))
        );
        assert_eq!(UnitPrice::parse(d("0")), Err(ValueError::NotPositive));
        assert_eq!(UnitPrice::parse(d("-1")), Err(ValueError::NotPositive));
        assert_eq!(
            UnitPrice::parse(d("1.23456")),
            Err(ValueError::TooManyPlaces)
        );
        assert_eq!(
            UnitPrice::parse(d("1000000000.0001")),
            Err(ValueError::TooLarge)
        );
        assert!(UnitPrice::parse(d("1000000000")).is_ok());
    }

    /// Moved from `stock::rules` (its `valid_quantity` is this constructor now).
    #[test]
    fn quantities_respect_their_units_decimals() {
        let valid = |q: &str, places: u32| Quantity::parse(d(q), UnitPlaces::new(places)).is_ok();
        assert!(valid("2.345", 3));
        assert!(!valid("2.3451", 3));
        assert!(valid("12.50", 1), "trailing zeros do not count");
        assert!(!valid("1.5", 0));
        assert!(!valid("0", 3));
        assert!(!valid("-1", 3));
    }

    #[test]
    fn a_quantity_takes_its_units_places_and_no_more() {
        let pieces = UnitPlaces::of(0);
        let tonnes = UnitPlaces::of(3);
        assert_eq!(
            Quantity::parse(d("2.5"), pieces),
            Err(ValueError::TooManyPlaces)
        );
        assert_eq!(
            Quantity::parse(d("2.0"), pieces).map(Quantity::value),
            Ok(d("2"))
        );
        assert_eq!(
            Quantity::parse(d("0.0004"), tonnes),
            Err(ValueError::TooManyPlaces)
        );
        assert_eq!(
            Quantity::parse(d("0.004"), tonnes).map(Quantity::value),
            Ok(d("0.004"))
        );
        assert_eq!(
            Quantity::parse(d("0"), tonnes),
            Err(ValueError::NotPositive)
        );
        assert_eq!(
            Quantity::counted(d("0"), tonnes).map(Quantity::value),
            Ok(d("0"))
        );
        assert_eq!(
            Quantity::counted(d("-1"), tonnes),
            Err(ValueError::Negative)
        );
        assert_eq!(
            Quantity::parse(d("10000000000000000"), tonnes),
            Err(ValueError::TooLarge)
        );
        assert_eq!(UnitPlaces::of(7).get(), 3);
        assert_eq!(UnitPlaces::of(-1).get(), 0);
    }

    #[test]
    fn a_price_times_a_quantity_is_a_checked_amount() {
        let p = UnitPrice::parse(d("3850.1234")).unwrap_or_else(|_| panic!("price"));
        let q = Quantity::parse(d("1.5"), UnitPlaces::of(3)).unwrap_or_else(|_| panic!("qty"));
        assert_eq!(p.times(q).map(Money::value), Ok(d("5775.19")));
        let huge = Quantity::parse(d("9000000000000000"), UnitPlaces::of(0))
            .unwrap_or_else(|_| panic!("qty"));
        let max = UnitPrice::parse(UnitPrice::max()).unwrap_or_else(|_| panic!("price"));
        assert_eq!(max.times(huge), Err(ValueError::TooLarge));
    }

    #[test]
    fn a_tax_rate_is_entered_as_a_percent_and_kept_as_a_fraction() {
        let r = TaxRate::from_percent(d("13")).unwrap_or_else(|_| panic!("rate"));
        assert_eq!(r.fraction(), d("0.13"));
        assert_eq!(r.to_string(), "13");
        assert_eq!(TaxRate::from_fraction(d("0.13")), Ok(r));
        assert_eq!(
            TaxRate::from_percent(d("6.5")).map(|r| r.to_string()),
            Ok("6.5".to_string())
        );
        assert_eq!(
            TaxRate::from_percent(d("0")).map(TaxRate::fraction),
            Ok(d("0"))
        );
        assert_eq!(TaxRate::from_percent(d("18")), Err(ValueError::OutOfRange));
        assert_eq!(TaxRate::from_percent(d("-1")), Err(ValueError::OutOfRange));
        assert_eq!(
            TaxRate::from_percent(d("13.005")),
            Err(ValueError::TooManyPlaces)
        );
        assert_eq!(
            TaxRate::from_fraction(Decimal::MAX),
            Err(ValueError::OutOfRange)
        );
    }

    /// Decimals across the whole range: up to 28 digits, up to 28 places, either sign.
    fn extreme() -> impl Strategy<Value = Decimal> {
        prop_oneof![
            (any::<i128>(), 0u32..=28).prop_map(|(m, s)| {
                let m = m % 79_228_162_514_264_337_593_543_950_335_i128;
                Decimal::try_from_i128_with_scale(m, s).unwrap_or_default()
            }),
            (any::<i64>(), 0u32..=6).prop_map(|(m, s)| Decimal::new(m, s)),
            Just(Decimal::MAX),
            Just(Decimal::MIN),
            Just(Decimal::ZERO),
        ]
    }

    proptest! {
        #[test]
        fn no_value_or_its_arithmetic_panics(a in extreme(), b in extreme(), places in -2i32..6) {
            let places = UnitPlaces::of(places);
            let _ = round_cents(a);
            let _ = checked_product(a, b);
            let _ = line_amount(a, b);
            let _ = sum_cents([a, b, a]);
            let _ = cents_text(a);
            let _ = text::amount(crate::i18n::Locale::En, a);
            let _ = text::unit_price(crate::i18n::Locale::ZhCn, a);
            let _ = text::quantity(crate::i18n::Locale::ZhCn, a, places.get());
            let _ = in_capitals(a);
            if let (Ok(x), Ok(y)) = (Money::round(a), Money::round(b)) {
                let _ = x.checked_add(y);
                let _ = x.checked_sub(y);
                let _ = Money::sum([x, y, x]);
                prop_assert!(x.value().abs() <= Money::max());
                prop_assert_eq!(x.value().scale(), 2);
            }
            let _ = Money::exact(a);
            // What a page shows, typed back into a form, is the amount shown.
            if a.abs() <= Money::max() {
                for l in crate::i18n::Locale::ALL {
                    prop_assert_eq!(parse_decimal(&text::amount(l, a)), Some(round_cents(a)));
                    prop_assert_eq!(parse_decimal(&text::unit_price(l, a)).is_some(), true);
                }
            }
            if let (Ok(p), Ok(q)) = (UnitPrice::parse(a), Quantity::parse(b, places)) {
                prop_assert!(p.value() > Decimal::ZERO && p.value() <= UnitPrice::max());
                prop_assert!(q.value().normalize().scale() <= places.get());
                if let Ok(m) = p.times(q) {
                    prop_assert!(m.value().abs() <= Money::max());
                }
            }
            let _ = Quantity::counted(a, places);
            if let Ok(r) = TaxRate::from_percent(a) {
                prop_assert!(r.fraction() >= Decimal::ZERO && r.percent() <= TaxRate::max_percent());
            }
            let _ = TaxRate::from_fraction(a);
        }
    }
}
