//! How pages write amounts, prices and quantities: the one formatter every page and template
//! uses. zh-CN and en both group thousands with a comma and use a point for decimals
//! ("1,234,567.89"); the money sign (¥) and units stay with the templates, as before.
//! Files (CSV, spreadsheets) keep plain numbers: see [`super::cents_text`].

use crate::i18n::Locale;
use rust_decimal::{Decimal, RoundingStrategy};

/// The thousands separator and the decimal point of `locale`.
fn separators(locale: Locale) -> (char, char) {
    match locale {
        Locale::ZhCn | Locale::En => (',', '.'),
    }
}

/// `d` rounded half away from zero to `places`: its sign (never "-0") and its digits with
/// exactly `places` decimals. Built by hand: rust_decimal's `{:.N}` runs out of room on the
/// largest values (found by the proptest below).
fn rounded_parts(d: Decimal, places: u32) -> (bool, String, String) {
    let r = d.round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero);
    let negative = r.is_sign_negative() && !r.is_zero();
    let digits = r.abs().to_string();
    let (int, frac) = digits.split_once('.').unwrap_or((digits.as_str(), ""));
    let mut frac = frac.to_string();
    while frac.len() < places as usize {
        frac.push('0');
    }
    (negative, int.to_string(), frac)
}

/// `d` with exactly `places` decimals, rounded half away from zero, no grouping ("1234.50").
pub fn plain(d: Decimal, places: u32) -> String {
    let (negative, int, frac) = rounded_parts(d, places);
    let sign = if negative { "-" } else { "" };
    if frac.is_empty() {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    }
}

/// `d` with exactly `places` decimals, rounded half away from zero, thousands grouped; never
/// "-0.00".
fn grouped(locale: Locale, d: Decimal, places: u32) -> String {
    let (negative, int, frac) = rounded_parts(d, places);
    let (thousands, point) = separators(locale);
    let mut out = String::with_capacity(int.len() + int.len() / 3 + frac.len() + 2);
    if negative {
        out.push('-');
    }
    let digits = int.len();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (digits - i) % 3 == 0 {
            out.push(thousands);
        }
        out.push(c);
    }
    if !frac.is_empty() {
        out.push(point);
        out.push_str(&frac);
    }
    out
}

/// An amount in yuan: to the cent, grouped ("1,234,567.89").
pub fn amount(locale: Locale, d: Decimal) -> String {
    grouped(locale, d, 2)
}

/// An amount with the yuan sign before it: "¥1,234,567.89"; a credit "-¥12.00", never "-¥0.00".
pub fn yuan(locale: Locale, d: Decimal) -> String {
    let (negative, _, _) = rounded_parts(d, 2);
    let text = amount(locale, d.abs());
    if negative {
        format!("-¥{text}")
    } else {
        format!("¥{text}")
    }
}

/// A unit price as people write it: at least two places, the places it has beyond (up to
/// four), grouped ("3,850.1234", "3,850.00").
pub fn unit_price(locale: Locale, d: Decimal) -> String {
    grouped(locale, d, price_places(d))
}

/// The decimal places a unit price is shown with: at least two, the places it has beyond
/// (up to four).
pub fn price_places(d: Decimal) -> u32 {
    d.normalize().scale().clamp(2, 4)
}

/// A unit price as a form field's value: like [`unit_price`] but without grouping, so the
/// form reads it back as it was ("3850.00").
pub fn price_input(d: Decimal) -> String {
    plain(d, price_places(d))
}

/// A tax rate kept as a fraction, written as the percent people use ("13" for 0.13).
pub fn tax_percent(fraction: Decimal) -> String {
    match super::TaxRate::from_fraction(fraction) {
        Ok(r) => r.to_string(),
        // Outside the range a rate is entered in: still shown, as it is.
        Err(_) => fraction
            .checked_mul(Decimal::ONE_HUNDRED)
            .unwrap_or(fraction)
            .normalize()
            .to_string(),
    }
}

/// A quantity with exactly its unit's `places`, grouped ("1,250.500").
pub fn quantity(locale: Locale, d: Decimal, places: u32) -> String {
    grouped(locale, d, places.min(28))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap_or_else(|_| panic!("bad decimal {s}"))
    }

    #[test]
    fn amounts_are_grouped_by_thousands_in_both_languages() {
        for l in Locale::ALL {
            assert_eq!(amount(l, d("1234567.89")), "1,234,567.89");
            assert_eq!(amount(l, d("1234567.885")), "1,234,567.89");
            assert_eq!(amount(l, d("-1234.5")), "-1,234.50");
            assert_eq!(amount(l, d("999.999")), "1,000.00");
            assert_eq!(amount(l, d("100")), "100.00");
            assert_eq!(amount(l, d("0")), "0.00");
            assert_eq!(amount(l, d("-0.001")), "0.00");
            assert_eq!(amount(l, d("123456")), "123,456.00");
        }
    }

    #[test]
    fn amounts_with_the_yuan_sign_put_a_credits_minus_first() {
        for l in Locale::ALL {
            assert_eq!(yuan(l, d("758295")), "¥758,295.00");
            assert_eq!(yuan(l, d("-1234.5")), "-¥1,234.50");
            assert_eq!(yuan(l, d("0")), "¥0.00");
            assert_eq!(yuan(l, d("-0.004")), "¥0.00");
            assert_eq!(yuan(l, d("0.05")), "¥0.05");
        }
    }

    #[test]
    fn four_place_prices_are_grouped_and_keep_their_places() {
        for l in Locale::ALL {
            assert_eq!(unit_price(l, d("1234567.1234")), "1,234,567.1234");
            assert_eq!(unit_price(l, d("-3850.5")), "-3,850.50");
            assert_eq!(unit_price(l, d("0")), "0.00");
            assert_eq!(unit_price(l, d("0.0005")), "0.0005");
            assert_eq!(quantity(l, d("1234.5"), 1), "1,234.5");
            assert_eq!(quantity(l, d("-1234.5"), 3), "-1,234.500");
            assert_eq!(quantity(l, d("0"), 2), "0.00");
        }
    }

    #[test]
    fn prices_show_two_places_or_the_places_they_have() {
        let l = Locale::ZhCn;
        assert_eq!(unit_price(l, d("3850")), "3,850.00");
        assert_eq!(unit_price(l, d("3850.1234")), "3,850.1234");
        assert_eq!(unit_price(l, d("3850.1000")), "3,850.10");
        assert_eq!(unit_price(l, d("0.125")), "0.125");
        assert_eq!(price_places(d("0.125")), 3);
        assert_eq!(price_input(d("3850")), "3850.00");
        assert_eq!(price_input(d("3850.12345")), "3850.1235");
    }

    #[test]
    fn tax_rates_show_as_percents() {
        assert_eq!(tax_percent(d("0.13")), "13");
        assert_eq!(tax_percent(d("0.1300")), "13");
        assert_eq!(tax_percent(d("0.065")), "6.5");
        assert_eq!(tax_percent(d("0")), "0");
        assert_eq!(tax_percent(d("0.5")), "50");
        assert_eq!(tax_percent(Decimal::MAX), Decimal::MAX.to_string());
    }

    #[test]
    fn quantities_show_their_units_places() {
        assert_eq!(quantity(Locale::En, d("1250.5"), 3), "1,250.500");
        assert_eq!(quantity(Locale::En, d("12"), 0), "12");
        assert_eq!(quantity(Locale::En, d("0.0004"), 3), "0.000");
    }

    #[test]
    fn plain_numbers_have_their_places_and_no_grouping() {
        assert_eq!(plain(d("1234.5"), 2), "1234.50");
        assert_eq!(plain(d("-0.004"), 2), "0.00");
        assert_eq!(plain(d("-2.675"), 2), "-2.68");
        assert_eq!(plain(d("7"), 0), "7");
        assert_eq!(plain(Decimal::MAX, 3), "79228162514264337593543950335.000");
    }

    #[test]
    fn extremes_format_without_panicking() {
        assert_eq!(
            quantity(Locale::En, Decimal::MAX, 3),
            "79,228,162,514,264,337,593,543,950,335.000"
        );
        assert_eq!(
            amount(Locale::En, Decimal::MAX),
            "79,228,162,514,264,337,593,543,950,335.00"
        );
        assert!(amount(Locale::En, Decimal::MIN).starts_with("-79,228"));
    }
}
