//! Plan prices and the price-difference table (材料差价汇总表), pure: what a plan price and
//! its year may be, and the month's table from its issues.
//!
//! Every amount is to the cent: a line's actual amount is the sum of its issues' ledger
//! amounts (each the issued price × quantity, rounded once), its plan amount the sum of each
//! issue's plan price × quantity (rounded once), its difference actual − plan; subtotals and
//! the total are sums of the lines. So actual − plan = difference holds exactly on every
//! line, every subtotal and the total. An issue without a plan price is never given one: it
//! is listed apart.

use crate::error::RuleCode;
use crate::money::{Money, UnitPrice, ValueError, line_amount};
use rust_decimal::Decimal;
use serde::Serialize;

/// The years a plan price may be set for.
pub const YEAR_MIN: i64 = 2000;
pub const YEAR_MAX: i64 = 2100;

/// A plan price's year, 2000–2100.
pub fn plan_year(year: i64) -> Result<i32, RuleCode> {
    if (YEAR_MIN..=YEAR_MAX).contains(&year) {
        i32::try_from(year).map_err(|_| RuleCode::PlanPriceYear)
    } else {
        Err(RuleCode::PlanPriceYear)
    }
}

/// A plan price: a unit price the ledger can hold (above zero, four places at most).
pub fn plan_unit_price(value: Decimal) -> Result<UnitPrice, RuleCode> {
    UnitPrice::parse(value).map_err(|e| match e {
        ValueError::NotPositive => RuleCode::PricePositive,
        ValueError::TooManyPlaces => RuleCode::PwPricePlaces,
        other => other.code(),
    })
}

/// One issue of the month: what left the warehouse for a site.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issue {
    pub category_id: i64,
    pub material_id: i64,
    /// Issued, above zero.
    pub quantity: Decimal,
    /// The ledger amount (issued price × quantity, to the cent), above zero.
    pub actual: Decimal,
    /// The plan price stamped on the issue, if one was in force.
    pub plan_unit_price: Option<Decimal>,
}

/// Actual, plan and their difference, in yuan to the cent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Sums {
    pub actual: Decimal,
    pub plan: Decimal,
    pub difference: Decimal,
}

impl Default for Sums {
    /// Zero, written "0.00".
    fn default() -> Self {
        let zero = Money::ZERO.value();
        Sums {
            actual: zero,
            plan: zero,
            difference: zero,
        }
    }
}

impl Sums {
    fn add(self, other: Sums) -> Result<Sums, ValueError> {
        Ok(Sums {
            actual: add(self.actual, other.actual)?,
            plan: add(self.plan, other.plan)?,
            difference: add(self.difference, other.difference)?,
        })
    }
}

fn add(a: Decimal, b: Decimal) -> Result<Decimal, ValueError> {
    Money::exact(a)?
        .checked_add(Money::exact(b)?)
        .map(Money::value)
}

/// A material's line: its issues with a plan price.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub category_id: i64,
    pub material_id: i64,
    pub quantity: Decimal,
    pub sums: Sums,
    /// How many issues (ledger movements) make the line.
    pub issues: usize,
}

/// A material's issues without a plan price: quantity and actual amount only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unplanned {
    pub category_id: i64,
    pub material_id: i64,
    pub quantity: Decimal,
    pub actual: Decimal,
    pub issues: usize,
}

/// A category's lines and their subtotal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    pub category_id: i64,
    pub lines: Vec<Line>,
    pub subtotal: Sums,
}

/// The month's price-difference table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    pub groups: Vec<Group>,
    pub total: Sums,
    pub unplanned: Vec<Unplanned>,
    /// Issues without a plan price, and their actual amount.
    pub unplanned_issues: usize,
    pub unplanned_actual: Decimal,
}

/// The table of `issues`, given in the order the table lists them (by category, then
/// material): one line per material, one group per category, in the order first met.
/// `TooLarge` when an amount or a sum is beyond what an amount can be.
pub fn price_differences(issues: &[Issue]) -> Result<Table, ValueError> {
    let mut t = Table {
        groups: Vec::new(),
        total: Sums::default(),
        unplanned: Vec::new(),
        unplanned_issues: 0,
        unplanned_actual: Money::ZERO.value(),
    };
    for i in issues {
        let Some(plan_price) = i.plan_unit_price else {
            t.unplanned_issues += 1;
            t.unplanned_actual = add(t.unplanned_actual, i.actual)?;
            match t
                .unplanned
                .iter_mut()
                .find(|u| u.material_id == i.material_id)
            {
                Some(u) => {
                    u.quantity = u
                        .quantity
                        .checked_add(i.quantity)
                        .ok_or(ValueError::TooLarge)?;
                    u.actual = add(u.actual, i.actual)?;
                    u.issues += 1;
                }
                None => t.unplanned.push(Unplanned {
                    category_id: i.category_id,
                    material_id: i.material_id,
                    quantity: i.quantity,
                    actual: Money::exact(i.actual)?.value(),
                    issues: 1,
                }),
            }
            continue;
        };
        let actual = Money::exact(i.actual)?.value();
        let plan = line_amount(i.quantity, plan_price)?;
        let sums = Sums {
            actual,
            plan,
            difference: Money::exact(actual)?
                .checked_sub(Money::exact(plan)?)?
                .value(),
        };
        let group = match t
            .groups
            .iter_mut()
            .position(|g| g.category_id == i.category_id)
        {
            Some(at) => &mut t.groups[at],
            None => {
                t.groups.push(Group {
                    category_id: i.category_id,
                    lines: Vec::new(),
                    subtotal: Sums::default(),
                });
                let last = t.groups.len() - 1;
                &mut t.groups[last]
            }
        };
        match group
            .lines
            .iter_mut()
            .find(|l| l.material_id == i.material_id)
        {
            Some(l) => {
                l.quantity = l
                    .quantity
                    .checked_add(i.quantity)
                    .ok_or(ValueError::TooLarge)?;
                l.sums = l.sums.add(sums)?;
                l.issues += 1;
            }
            None => group.lines.push(Line {
                category_id: i.category_id,
                material_id: i.material_id,
                quantity: i.quantity,
                sums,
                issues: 1,
            }),
        }
        group.subtotal = group.subtotal.add(sums)?;
        t.total = t.total.add(sums)?;
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn issue(category: i64, material: i64, qty: &str, actual: &str, plan: Option<&str>) -> Issue {
        Issue {
            category_id: category,
            material_id: material,
            quantity: d(qty),
            actual: d(actual),
            plan_unit_price: plan.map(d),
        }
    }

    fn adds_up(t: &Table) {
        let mut total = Sums::default();
        for g in &t.groups {
            let mut sub = Sums::default();
            for l in &g.lines {
                assert_eq!(l.sums.actual - l.sums.plan, l.sums.difference, "{l:?}");
                assert_eq!(l.sums.difference.scale(), 2);
                sub = sub.add(l.sums).unwrap();
            }
            assert_eq!(sub, g.subtotal);
            assert_eq!(g.subtotal.actual - g.subtotal.plan, g.subtotal.difference);
            total = total.add(sub).unwrap();
        }
        assert_eq!(total, t.total);
        assert_eq!(t.total.actual - t.total.plan, t.total.difference);
    }

    #[test]
    fn an_empty_month_is_an_empty_table_with_zero_totals() {
        let t = price_differences(&[]).unwrap();
        assert!(t.groups.is_empty());
        assert!(t.unplanned.is_empty());
        assert_eq!(t.total, Sums::default());
        assert_eq!(t.unplanned_issues, 0);
        assert_eq!(t.unplanned_actual, Decimal::ZERO);
    }

    #[test]
    fn each_issue_is_priced_at_its_plan_price_rounded_once_to_the_cent() {
        // 2.345 t at 3850.1234 = 9028.5393... → 9028.54 (ledger); plan 3800 → 8911.00.
        // 1.005 t at plan 0.0050 = 0.005025 → 0.01.
        let t = price_differences(&[
            issue(1, 10, "2.345", "9028.54", Some("3800")),
            issue(1, 10, "1.005", "3.87", Some("0.0050")),
        ])
        .unwrap();
        let l = &t.groups[0].lines[0];
        assert_eq!(l.quantity, d("3.350"));
        assert_eq!(l.sums.actual, d("9032.41"));
        assert_eq!(l.sums.plan, d("8911.01"));
        assert_eq!(l.sums.difference, d("121.40"));
        assert_eq!(l.issues, 2);
        adds_up(&t);
    }

    #[test]
    fn lines_group_by_category_in_the_order_given_with_subtotals_and_a_total() {
        let t = price_differences(&[
            issue(1, 10, "1", "100.00", Some("90")),
            issue(1, 11, "3", "30.00", Some("12.3333")),
            issue(2, 20, "0.5", "7.77", Some("20")),
            issue(1, 10, "2", "200.00", Some("95")),
        ])
        .unwrap();
        assert_eq!(t.groups.len(), 2);
        assert_eq!(t.groups[0].category_id, 1);
        assert_eq!(
            t.groups[0]
                .lines
                .iter()
                .map(|l| l.material_id)
                .collect::<Vec<_>>(),
            vec![10, 11]
        );
        // 10: 300.00 − (90 + 190) = 20.00; 11: 30.00 − 37.00 = −7.00; 20: 7.77 − 10.00.
        assert_eq!(t.groups[0].lines[0].sums.difference, d("20.00"));
        assert_eq!(t.groups[0].lines[1].sums.difference, d("-7.00"));
        assert_eq!(t.groups[0].subtotal.difference, d("13.00"));
        assert_eq!(t.groups[1].subtotal.difference, d("-2.23"));
        assert_eq!(t.total.actual, d("337.77"));
        assert_eq!(t.total.plan, d("327.00"));
        assert_eq!(t.total.difference, d("10.77"));
        adds_up(&t);
    }

    #[test]
    fn issues_without_a_plan_price_are_listed_apart_and_counted() {
        let t = price_differences(&[
            issue(1, 10, "1", "100.00", None),
            issue(1, 10, "2", "200.00", None),
            issue(1, 10, "1", "100.00", Some("99")),
            issue(2, 20, "4", "40.00", None),
        ])
        .unwrap();
        assert_eq!(t.unplanned_issues, 3);
        assert_eq!(t.unplanned_actual, d("340.00"));
        assert_eq!(t.unplanned.len(), 2);
        assert_eq!(t.unplanned[0].quantity, d("3"));
        assert_eq!(t.unplanned[0].issues, 2);
        // Only the issue with a plan price is in the table.
        assert_eq!(t.total.actual, d("100.00"));
        assert_eq!(t.total.plan, d("99.00"));
        adds_up(&t);
    }

    #[test]
    fn many_fractional_issues_still_add_up_to_the_cent() {
        let mut issues = Vec::new();
        for k in 1..200_i64 {
            let qty = Decimal::new(k * 7 + 3, 3);
            let price = Decimal::new(k * 12_347 + 1, 4);
            let actual = line_amount(qty, price).unwrap();
            let plan = Decimal::new(k * 11_113 + 7, 4);
            issues.push(issue(
                k % 3,
                k % 17,
                &qty.to_string(),
                &actual.to_string(),
                Some(&plan.to_string()),
            ));
        }
        adds_up(&price_differences(&issues).unwrap());
    }

    #[test]
    fn a_plan_price_is_a_positive_price_of_four_places_at_most() {
        assert!(plan_unit_price(d("3850.1234")).is_ok());
        assert_eq!(plan_unit_price(d("0")), Err(RuleCode::PricePositive));
        assert_eq!(plan_unit_price(d("-1")), Err(RuleCode::PricePositive));
        assert_eq!(plan_unit_price(d("1.00001")), Err(RuleCode::PwPricePlaces));
        assert_eq!(plan_unit_price(d("1000000001")), Err(RuleCode::TooLarge));
    }

    #[test]
    fn a_plan_year_is_between_2000_and_2100() {
        assert_eq!(plan_year(2000), Ok(2000));
        assert_eq!(plan_year(2100), Ok(2100));
        assert_eq!(plan_year(1999), Err(RuleCode::PlanPriceYear));
        assert_eq!(plan_year(2101), Err(RuleCode::PlanPriceYear));
        assert_eq!(plan_year(i64::MAX), Err(RuleCode::PlanPriceYear));
    }
}
