//! Money rounding, one rule for the whole portal (DOMAIN.md "Money and time"): amounts are
//! yuan to the cent, each line rounded once, and totals are sums of rounded lines.

use rust_decimal::{Decimal, RoundingStrategy};

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

/// A line's amount: quantity times unit price, rounded once, on the product (rounding the
/// factors first would lose cents on fractional quantities).
pub fn line_amount(quantity: Decimal, unit_price: Decimal) -> Decimal {
    round_cents(quantity * unit_price)
}

/// An amount as pages and files write it: rounded to the cent, two places ("1234.50").
pub fn cents_text(d: Decimal) -> String {
    format!("{:.2}", round_cents(d))
}
