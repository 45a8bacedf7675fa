//! An amount in Chinese capitals (大写金额), as cheques, receipts and printed statements write
//! it so that no figure can be altered: 6,251.84 is 陆仟贰佰伍拾壹元捌角肆分.
//!
//! The accounting conventions: a whole amount ends in 整 (壹佰元整); a run of zeros inside the
//! figure is one 零 (1,005.06 is 壹仟零伍元零陆分), zeros at the end of a group are not read
//! (10,000.00 is 壹万元整), and an empty group between two others is one 零 (100,010,000.00 is
//! 壹亿零壹万元整); less than a yuan has no 元 (0.50 is 伍角); a negative amount starts 负.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

const DIGITS: [char; 10] = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];
const PLACES: [&str; 4] = ["", "拾", "佰", "仟"];
const WAN: u128 = 10_000;
const YI: u128 = 100_000_000;

fn digit(n: u128) -> char {
    DIGITS[(n % 10) as usize]
}

/// 1 to 9,999: inner zero runs read as one 零, trailing zeros not at all.
fn group(n: u128, out: &mut String) {
    let mut zero = false;
    for place in (0..4).rev() {
        let d = (n / 10u128.pow(place)) % 10;
        if d == 0 {
            zero = !out.is_empty() && n >= 10u128.pow(place);
            continue;
        }
        if zero {
            out.push('零');
            zero = false;
        }
        out.push(digit(d));
        out.push_str(PLACES[place as usize]);
    }
}

/// A whole number above zero: 亿 groups of 万 groups of four digits.
fn whole(n: u128) -> String {
    let mut out = String::new();
    let (unit, base) = if n >= YI {
        ("亿", YI)
    } else if n >= WAN {
        ("万", WAN)
    } else {
        group(n, &mut out);
        return out;
    };
    let (high, low) = (n / base, n % base);
    out.push_str(&whole(high));
    out.push_str(unit);
    if low > 0 {
        // The lower part does not fill its highest place: the gap reads as one 零.
        if low < base / 10 {
            out.push('零');
        }
        out.push_str(&whole(low));
    }
    out
}

/// `amount` in capitals, rounded to the fen half away from zero first.
pub fn in_capitals(amount: Decimal) -> String {
    let r = super::round_cents(amount);
    let negative = r.is_sign_negative() && !r.is_zero();
    let abs = r.abs();
    let yuan = abs.trunc().to_u128().unwrap_or(0);
    let cents = (abs.fract() * Decimal::ONE_HUNDRED).to_u128().unwrap_or(0);
    let (jiao, fen) = (cents / 10, cents % 10);
    let mut out = String::new();
    if negative {
        out.push('负');
    }
    if yuan > 0 {
        out.push_str(&whole(yuan));
        out.push('元');
    }
    match (jiao, fen) {
        (0, 0) if yuan == 0 => out.push_str("零元整"),
        (0, 0) => out.push('整'),
        (j, 0) => {
            out.push(digit(j));
            out.push('角');
        }
        (0, f) => {
            if yuan > 0 {
                out.push('零');
            }
            out.push(digit(f));
            out.push('分');
        }
        (j, f) => {
            out.push(digit(j));
            out.push('角');
            out.push(digit(f));
            out.push('分');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn caps(s: &str) -> String {
        in_capitals(Decimal::from_str(s).unwrap_or_else(|_| panic!("bad decimal {s}")))
    }

    #[test]
    fn the_examples_of_the_accounts_office() {
        assert_eq!(caps("6251.84"), "陆仟贰佰伍拾壹元捌角肆分");
        assert_eq!(caps("100.00"), "壹佰元整");
        assert_eq!(caps("1005.06"), "壹仟零伍元零陆分");
        assert_eq!(caps("10000.00"), "壹万元整");
        assert_eq!(caps("100010000.00"), "壹亿零壹万元整");
        assert_eq!(caps("0.50"), "伍角");
        assert_eq!(caps("-6251.84"), "负陆仟贰佰伍拾壹元捌角肆分");
    }

    #[test]
    fn zero_and_amounts_below_a_yuan() {
        assert_eq!(caps("0"), "零元整");
        assert_eq!(caps("-0.001"), "零元整");
        assert_eq!(caps("0.05"), "伍分");
        assert_eq!(caps("0.55"), "伍角伍分");
        assert_eq!(caps("0.005"), "壹分");
        assert_eq!(caps("-0.50"), "负伍角");
    }

    #[test]
    fn ones_tens_and_every_place_of_a_group() {
        assert_eq!(caps("1"), "壹元整");
        assert_eq!(caps("10"), "壹拾元整");
        assert_eq!(caps("15"), "壹拾伍元整");
        assert_eq!(caps("110"), "壹佰壹拾元整");
        assert_eq!(caps("101"), "壹佰零壹元整");
        assert_eq!(caps("1001"), "壹仟零壹元整");
        assert_eq!(caps("1010"), "壹仟零壹拾元整");
        assert_eq!(caps("1100"), "壹仟壹佰元整");
        assert_eq!(caps("9999.99"), "玖仟玖佰玖拾玖元玖角玖分");
    }

    #[test]
    fn zeros_across_wan_and_yi() {
        assert_eq!(caps("10005"), "壹万零伍元整");
        assert_eq!(caps("10050"), "壹万零伍拾元整");
        assert_eq!(caps("11000"), "壹万壹仟元整");
        assert_eq!(caps("100000"), "壹拾万元整");
        assert_eq!(caps("1000010"), "壹佰万零壹拾元整");
        assert_eq!(caps("1010000"), "壹佰零壹万元整");
        assert_eq!(caps("20000000"), "贰仟万元整");
        assert_eq!(caps("100000000"), "壹亿元整");
        assert_eq!(caps("100000001"), "壹亿零壹元整");
        assert_eq!(caps("110000000"), "壹亿壹仟万元整");
        assert_eq!(caps("1000000000000"), "壹万亿元整");
        assert_eq!(caps("1000100000000"), "壹万零壹亿元整");
        assert_eq!(
            caps("123456789.12"),
            "壹亿贰仟叁佰肆拾伍万陆仟柒佰捌拾玖元壹角贰分"
        );
    }

    #[test]
    fn cents_after_whole_yuan_and_rounding() {
        assert_eq!(caps("100.06"), "壹佰元零陆分");
        assert_eq!(caps("100.60"), "壹佰元陆角");
        assert_eq!(caps("10.005"), "壹拾元零壹分");
        assert_eq!(caps("0.995"), "壹元整");
    }

    /// The cases of issue 13. Ten yuan is 壹拾元整, not 拾元整: the People's Bank's rules for
    /// filling in bills (《正确填写票据和结算凭证的基本规定》) write the 壹 of a leading ten so
    /// that nothing can be put before 拾, and 16.81 is 壹拾陆元捌角壹分 on every cheque.
    #[test]
    fn the_amounts_the_issue_names() {
        assert_eq!(caps("0.05"), "伍分");
        assert_eq!(caps("10.00"), "壹拾元整");
        assert_eq!(caps("10001.00"), "壹万零壹元整");
        assert_eq!(caps("100000000.01"), "壹亿元零壹分");
        assert_eq!(caps("16.81"), "壹拾陆元捌角壹分");
        assert_eq!(caps("-10.00"), "负壹拾元整");
    }

    #[test]
    fn the_largest_decimals_read_without_panicking() {
        assert!(in_capitals(Decimal::MAX).ends_with("元整"));
        assert!(in_capitals(Decimal::MIN).starts_with('负'));
    }
}
