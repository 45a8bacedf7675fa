//! The two monthly reports of rule 11 that go out after the books close: each site's usage
//! statement (单位用料明细表, for internal billing: what the site drew, from whom, at what
//! value) and each warehouse's receipts / issues / balance report (收付存, in quantity and
//! value). Both read the movement ledger only; neither writes anything.
//!
//! The 收付存 report shows consigned and company-owned stock apart. The supermarket itself
//! holds no company-owned stock: ownership passes from the supplier to the company at the
//! moment of issue (DOMAIN.md, "the model in one paragraph"), and the goods leave the
//! warehouse in that same moment. So every lot on hand is consigned, and the company-owned
//! part of the report is what sites drew in the period ("issued to sites"), per site and
//! material.
//!
//! The pure aggregation (signs, grouping, balances, totals) comes first and is unit-tested
//! here; then the queries; then the JSON, page and download handlers.

use entity::{ListingId, RequisitionId, SupplierId};
use std::collections::{BTreeMap, HashMap};

use actix_web::{HttpResponse, get, web};
use askama::Template;
use chrono::{DateTime, NaiveDate, Utc};
use entity::{listing, material, movement, requisition_line, site, supplier, unit, warehouse};
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::rules::{Draw, LineKind, Period, round_cents};
use crate::auth::{Capability, CurrentUser};
use crate::error::RuleCode;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::export::{Cell, Format, Sheet};
use crate::i18n::Locale;
use crate::money::text;
use crate::state::AppState;
use crate::web::page::{FormErrors, PageCtx};

mod handlers;
mod queries;
mod sheets;
pub use handlers::*;
pub use queries::*;
pub use sheets::*;

// ---------------------------------------------------------------------------------------------
// Pure rules: the usage statement
// ---------------------------------------------------------------------------------------------

/// A movement kind on a usage statement: goods drawn, or goods a site handed back.
pub fn usage_kind(kind: &str) -> Option<LineKind> {
    match LineKind::parse(kind)? {
        k @ (LineKind::Issue | LineKind::SiteReturn) => Some(k),
        LineKind::Adjustment => None,
    }
}

/// A line's quantity and amount as the site sees them, from the ledger's signed quantity.
///
/// The ledger counts from the warehouse (an issue is negative, goods handed back positive);
/// the statement counts from the site: an issue is positive and owed, a return negative and
/// credited. The amount is the same figure the supplier's statement carries for the movement
/// ([`Draw::amount`]: quantity × issue price, rounded once), so the two documents agree.
pub fn usage_figures(
    kind: LineKind,
    ledger_quantity: Decimal,
    unit_price: Decimal,
) -> Result<(Decimal, Decimal), crate::money::ValueError> {
    let draw = Draw {
        movement_id: 0,
        supplier_id: SupplierId(0),
        listing_id: ListingId(0),
        at: DateTime::<Utc>::MIN_UTC,
        kind,
        quantity: ledger_quantity.abs(),
        unit_price,
    };
    let quantity = match kind {
        LineKind::SiteReturn => -ledger_quantity.abs(),
        LineKind::Issue | LineKind::Adjustment => ledger_quantity.abs(),
    };
    Ok((quantity, draw.amount()?))
}

/// One line of a usage statement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct UsageLine {
    pub movement_id: i64,
    /// The day of the movement in the company's time zone.
    pub date: NaiveDate,
    pub kind: LineKind,
    /// The requisition (领料单) the goods were drawn against.
    pub requisition_id: Option<RequisitionId>,
    pub listing_id: ListingId,
    /// In the caller's language.
    pub material: String,
    pub spec: String,
    pub unit: String,
    /// Decimal places of the unit.
    pub unit_decimals: u32,
    pub supplier_id: SupplierId,
    pub supplier: String,
    /// Drawn: positive for an issue, negative for goods handed back.
    #[schema(value_type = String)]
    pub quantity: Decimal,
    /// Tax-inclusive, as issued.
    #[schema(value_type = String)]
    pub unit_price: Decimal,
    /// Signed, to the cent.
    #[schema(value_type = String)]
    pub amount: Decimal,
}

/// A supplier's lines on a usage statement and their subtotal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct UsageGroup {
    pub supplier_id: SupplierId,
    pub supplier: String,
    pub lines: Vec<UsageLine>,
    #[schema(value_type = String)]
    pub subtotal: Decimal,
}

/// Groups lines by supplier (by name, then id), lines in time order within each, and adds
/// up: subtotals are sums of rounded lines, the total the sum of the subtotals, so the
/// printed statement adds up to the cent line by line.
pub fn group_usage(mut lines: Vec<UsageLine>) -> (Vec<UsageGroup>, Decimal) {
    lines.sort_by(|a, b| {
        (&a.supplier, a.supplier_id, a.date, a.movement_id).cmp(&(
            &b.supplier,
            b.supplier_id,
            b.date,
            b.movement_id,
        ))
    });
    let mut groups: Vec<UsageGroup> = Vec::new();
    for line in lines {
        match groups.last_mut() {
            Some(g) if g.supplier_id == line.supplier_id => g.lines.push(line),
            _ => groups.push(UsageGroup {
                supplier_id: line.supplier_id,
                supplier: line.supplier.clone(),
                lines: vec![line],
                subtotal: Decimal::ZERO,
            }),
        }
    }
    for g in &mut groups {
        g.subtotal = round_cents(g.lines.iter().map(|l| round_cents(l.amount)).sum());
    }
    let total = round_cents(groups.iter().map(|g| g.subtotal).sum());
    (groups, total)
}

// ---------------------------------------------------------------------------------------------
// Pure rules: receipts / issues / balance
// ---------------------------------------------------------------------------------------------

/// A quantity and its value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct QtyValue {
    #[schema(value_type = String)]
    pub quantity: Decimal,
    #[schema(value_type = String)]
    pub value: Decimal,
}

impl QtyValue {
    pub fn new(quantity: Decimal, value: Decimal) -> Self {
        QtyValue { quantity, value }
    }

    fn is_zero(&self) -> bool {
        self.quantity.is_zero() && self.value.is_zero()
    }
}

impl std::ops::Add for QtyValue {
    type Output = QtyValue;
    fn add(self, o: QtyValue) -> QtyValue {
        QtyValue::new(self.quantity + o.quantity, self.value + o.value)
    }
}

impl std::ops::Sub for QtyValue {
    type Output = QtyValue;
    fn sub(self, o: QtyValue) -> QtyValue {
        QtyValue::new(self.quantity - o.quantity, self.value - o.value)
    }
}

impl std::ops::Neg for QtyValue {
    type Output = QtyValue;
    fn neg(self) -> QtyValue {
        QtyValue::new(-self.quantity, -self.value)
    }
}

/// The column of the 收付存 report a movement falls in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// 本期收入: receipts, exchanged goods in, count gains, goods sites handed back.
    In,
    /// 本期发出 to sites.
    Issue,
    /// Returns to suppliers, exchanged goods out, count losses.
    OtherOut,
}

impl Flow {
    /// The column of a movement kind. A kind this report does not know goes by its sign, so
    /// that the balance still adds up whatever kinds the ledger grows.
    pub fn of(kind: &str, signed_quantity: Decimal) -> Flow {
        match kind {
            "receipt" | "exchange_in" | "count_gain" | "site_return" => Flow::In,
            "issue" => Flow::Issue,
            "return_to_supplier" | "exchange_out" | "count_loss" => Flow::OtherOut,
            _ if signed_quantity.is_sign_negative() => Flow::OtherOut,
            _ => Flow::In,
        }
    }
}

/// One listing's line of the 收付存 report. Outflows are shown positive.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Balance {
    pub opening: QtyValue,
    pub receipts: QtyValue,
    pub issues: QtyValue,
    pub other_outs: QtyValue,
    pub closing: QtyValue,
}

impl Balance {
    /// The line from the signed ledger sum before the period and the signed sums of each
    /// kind in it. Values are the movements' own amounts (what came in at its receipt price,
    /// what went out at its issue price), so a value can remain on a line whose quantity is
    /// back to zero when the price changed between receipt and issue.
    pub fn from_ledger<'a>(
        opening: QtyValue,
        in_period: impl IntoIterator<Item = (&'a str, QtyValue)>,
    ) -> Balance {
        let mut b = Balance {
            opening,
            ..Balance::default()
        };
        for (kind, signed) in in_period {
            match Flow::of(kind, signed.quantity) {
                Flow::In => b.receipts = b.receipts + signed,
                Flow::Issue => b.issues = b.issues - signed,
                Flow::OtherOut => b.other_outs = b.other_outs - signed,
            }
        }
        b.closing = b.opening + b.receipts - b.issues - b.other_outs;
        b
    }

    /// The check sum of the report: closing = opening + receipts − issues − other outs.
    pub fn adds_up(&self) -> bool {
        self.closing == self.opening + self.receipts - self.issues - self.other_outs
    }

    fn is_empty(&self) -> bool {
        [
            self.opening,
            self.receipts,
            self.issues,
            self.other_outs,
            self.closing,
        ]
        .iter()
        .all(QtyValue::is_zero)
    }
}

/// Column totals of the report's values (quantities of different units do not add).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct ValueTotals {
    #[schema(value_type = String)]
    pub opening: Decimal,
    #[schema(value_type = String)]
    pub receipts: Decimal,
    #[schema(value_type = String)]
    pub issues: Decimal,
    #[schema(value_type = String)]
    pub other_outs: Decimal,
    #[schema(value_type = String)]
    pub closing: Decimal,
}

impl ValueTotals {
    pub fn of<'a>(balances: impl IntoIterator<Item = &'a Balance>) -> ValueTotals {
        let mut t = ValueTotals::default();
        for b in balances {
            t.opening += b.opening.value;
            t.receipts += b.receipts.value;
            t.issues += b.issues.value;
            t.other_outs += b.other_outs.value;
            t.closing += b.closing.value;
        }
        ValueTotals {
            opening: round_cents(t.opening),
            receipts: round_cents(t.receipts),
            issues: round_cents(t.issues),
            other_outs: round_cents(t.other_outs),
            closing: round_cents(t.closing),
        }
    }
}

/// The balances of every listing from the ledger's signed sums: `before` the period
/// (listing, signed) and `during` it (listing, kind, signed). Listings where everything is
/// zero are left out.
pub fn balances(
    before: &[(ListingId, QtyValue)],
    during: &[(ListingId, String, QtyValue)],
) -> BTreeMap<ListingId, Balance> {
    let mut opening: BTreeMap<ListingId, QtyValue> = BTreeMap::new();
    for (listing_id, signed) in before {
        let o = opening.entry(*listing_id).or_default();
        *o = *o + *signed;
    }
    let mut flows: BTreeMap<ListingId, Vec<(&str, QtyValue)>> = BTreeMap::new();
    for (listing_id, kind, signed) in during {
        flows
            .entry(*listing_id)
            .or_default()
            .push((kind.as_str(), *signed));
        opening.entry(*listing_id).or_default();
    }
    opening
        .into_iter()
        .map(|(id, o)| {
            let b = Balance::from_ledger(o, flows.remove(&id).unwrap_or_default());
            (id, b)
        })
        .filter(|(_, b)| !b.is_empty())
        .collect()
}

/// What one site drew of one material in the period, net of what it handed back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct SiteDraw {
    pub material_id: i64,
    pub material: String,
    pub spec: String,
    pub unit: String,
    pub unit_decimals: u32,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    #[schema(value_type = String)]
    pub value: Decimal,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct SiteDraws {
    pub site_id: i64,
    pub site: String,
    pub lines: Vec<SiteDraw>,
    #[schema(value_type = String)]
    pub subtotal: Decimal,
}

/// Groups the period's issues and site returns (signed ledger sums per site and material,
/// `None` for a movement without a site) into what each site drew, sites and materials in
/// the order of their names. Signs are turned to the site's view: drawn is positive.
pub fn group_site_draws(
    sums: &[(Option<i64>, i64, QtyValue)],
    site_name: impl Fn(Option<i64>) -> String,
    material: impl Fn(i64) -> Option<SiteDraw>,
) -> (Vec<SiteDraws>, Decimal) {
    let mut by_site: BTreeMap<Option<i64>, BTreeMap<i64, QtyValue>> = BTreeMap::new();
    for (site_id, material_id, signed) in sums {
        let m = by_site
            .entry(*site_id)
            .or_default()
            .entry(*material_id)
            .or_default();
        *m = *m - *signed;
    }
    let mut groups: Vec<SiteDraws> = by_site
        .into_iter()
        .map(|(site_id, materials)| {
            let mut lines: Vec<SiteDraw> = materials
                .into_iter()
                .filter(|(_, drawn)| !drawn.is_zero())
                .map(|(material_id, drawn)| {
                    let mut line = material(material_id).unwrap_or(SiteDraw {
                        material_id,
                        material: format!("#{material_id}"),
                        spec: String::new(),
                        unit: String::new(),
                        unit_decimals: 3,
                        quantity: Decimal::ZERO,
                        value: Decimal::ZERO,
                    });
                    line.quantity = drawn.quantity;
                    line.value = round_cents(drawn.value);
                    line
                })
                .collect();
            lines.sort_by(|a, b| {
                (&a.material, &a.spec, a.material_id).cmp(&(&b.material, &b.spec, b.material_id))
            });
            let subtotal = round_cents(lines.iter().map(|l| l.value).sum());
            SiteDraws {
                site_id: site_id.unwrap_or_default(),
                site: site_name(site_id),
                lines,
                subtotal,
            }
        })
        .filter(|g| !g.lines.is_empty())
        .collect();
    groups.sort_by(|a, b| (&a.site, a.site_id).cmp(&(&b.site, b.site_id)));
    let total = round_cents(groups.iter().map(|g| g.subtotal).sum());
    (groups, total)
}

/// One supplier's consigned lines, as the report page shows them (the downloads and the API
/// keep one list): its listings in the report's order and their column totals.
#[derive(Clone, Debug)]
pub struct SupplierStock {
    pub supplier_id: SupplierId,
    pub supplier: String,
    pub lines: Vec<StockLine>,
    pub subtotals: ValueTotals,
}

/// Groups the report's consigned lines by supplier, suppliers in the order of their names.
/// Lines are whole cents, so the groups' subtotals add up to the report's totals exactly.
pub fn group_by_supplier(lines: &[StockLine]) -> Vec<SupplierStock> {
    let mut groups: BTreeMap<(&str, SupplierId), Vec<StockLine>> = BTreeMap::new();
    for l in lines {
        groups
            .entry((l.supplier.as_str(), l.supplier_id))
            .or_default()
            .push(l.clone());
    }
    groups
        .into_iter()
        .map(|((supplier, supplier_id), lines)| SupplierStock {
            supplier_id,
            supplier: supplier.to_string(),
            subtotals: ValueTotals::of(lines.iter().map(|l| &l.balance)),
            lines,
        })
        .collect()
}

/// How many of the first groups the page shows open: groups are opened while fewer than
/// `rows` lines are open before them (at least the first), so a phone shows about a page of
/// lines and the rest as one summary line per group.
pub fn groups_open(sizes: impl IntoIterator<Item = usize>, rows: usize) -> usize {
    let mut shown = 0;
    let mut open = 0;
    for size in sizes {
        if open > 0 && shown >= rows {
            break;
        }
        shown += size;
        open += 1;
    }
    open
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn qv(q: &str, v: &str) -> QtyValue {
        QtyValue::new(d(q), d(v))
    }

    fn line(
        movement_id: i64,
        supplier_id: SupplierId,
        supplier: &str,
        day: u32,
        kind: LineKind,
        ledger: &str,
        price: &str,
    ) -> UsageLine {
        let (quantity, amount) = usage_figures(kind, d(ledger), d(price)).unwrap_or_default();
        UsageLine {
            movement_id,
            date: NaiveDate::from_ymd_opt(2027, 1, day).unwrap(),
            kind,
            requisition_id: Some(RequisitionId(7)),
            listing_id: ListingId(1),
            material: "钢筋".into(),
            spec: "HRB400 Φ12".into(),
            unit: "吨".into(),
            unit_decimals: 3,
            supplier_id,
            supplier: supplier.into(),
            quantity,
            unit_price: d(price),
            amount,
        }
    }

    #[test]
    fn an_issue_is_drawn_positive_and_a_site_return_credited_negative() {
        assert_eq!(
            usage_figures(LineKind::Issue, d("-2.345"), d("3850.1234")),
            Ok((d("2.345"), d("9028.54")))
        );
        assert_eq!(
            usage_figures(LineKind::SiteReturn, d("0.5"), d("3850")),
            Ok((d("-0.5"), d("-1925.00")))
        );
        // Half a cent rounds away from zero both ways, so a return cancels its issue exactly.
        let (_, owed) = usage_figures(LineKind::Issue, d("-0.001"), d("5")).unwrap_or_default();
        let (_, credited) =
            usage_figures(LineKind::SiteReturn, d("0.001"), d("5")).unwrap_or_default();
        assert_eq!((owed, credited), (d("0.01"), d("-0.01")));
        assert_eq!(usage_kind("issue"), Some(LineKind::Issue));
        assert_eq!(usage_kind("site_return"), Some(LineKind::SiteReturn));
        assert_eq!(usage_kind("adjustment"), None);
        assert_eq!(usage_kind("receipt"), None);
    }

    #[test]
    fn usage_lines_group_by_supplier_in_time_order_and_add_up_to_the_cent() {
        let lines = vec![
            line(
                3,
                SupplierId(2),
                "B 建材",
                5,
                LineKind::Issue,
                "-1",
                "0.005",
            ),
            line(
                1,
                SupplierId(1),
                "A 钢铁",
                9,
                LineKind::Issue,
                "-1.5",
                "3850.1234",
            ),
            line(2, SupplierId(1), "A 钢铁", 3, LineKind::Issue, "-2", "100"),
            line(
                4,
                SupplierId(2),
                "B 建材",
                6,
                LineKind::Issue,
                "-1",
                "0.005",
            ),
            line(
                5,
                SupplierId(1),
                "A 钢铁",
                10,
                LineKind::SiteReturn,
                "0.5",
                "100",
            ),
        ];
        let (groups, total) = group_usage(lines);
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].supplier, "A 钢铁");
        let ids: Vec<i64> = groups[0].lines.iter().map(|l| l.movement_id).collect();
        assert_eq!(ids, [2, 1, 5]);
        // 200.00 + 5775.19 (5775.1851) − 50.00
        assert_eq!(groups[0].subtotal, d("5925.19"));
        // Each line rounds on its own: 0.01 + 0.01, not a rounding of 0.010.
        assert_eq!(groups[1].subtotal, d("0.02"));
        assert_eq!(total, d("5925.21"));
        assert_eq!(total.to_string(), "5925.21");
        let (none, zero) = group_usage(Vec::new());
        assert!(none.is_empty());
        assert_eq!(zero.to_string(), "0.00");
    }

    #[test]
    fn each_kind_falls_in_its_column_and_unknown_kinds_go_by_their_sign() {
        for k in ["receipt", "exchange_in", "count_gain", "site_return"] {
            assert_eq!(Flow::of(k, d("1")), Flow::In, "{k}");
        }
        assert_eq!(Flow::of("issue", d("-1")), Flow::Issue);
        for k in ["return_to_supplier", "exchange_out", "count_loss"] {
            assert_eq!(Flow::of(k, d("-1")), Flow::OtherOut, "{k}");
        }
        assert_eq!(Flow::of("something_new", d("-1")), Flow::OtherOut);
        assert_eq!(Flow::of("something_new", d("1")), Flow::In);
    }

    #[test]
    fn a_balance_shows_outflows_positive_and_closes_on_opening_plus_in_minus_out() {
        let b = Balance::from_ledger(
            qv("10", "38500.00"),
            [
                ("receipt", qv("5", "19250.00")),
                ("issue", qv("-4", "-15400.00")),
                ("site_return", qv("1", "3850.00")),
                ("count_loss", qv("-0.5", "-1925.00")),
                ("return_to_supplier", qv("-2", "-7700.00")),
            ],
        );
        assert_eq!(b.receipts, qv("6", "23100.00"));
        assert_eq!(b.issues, qv("4", "15400.00"));
        assert_eq!(b.other_outs, qv("2.5", "9625.00"));
        assert_eq!(b.closing, qv("9.5", "36575.00"));
        assert!(b.adds_up());
    }

    fn stock_line(id: i64, supplier_id: i64, supplier: &str, closing: &str) -> StockLine {
        StockLine {
            listing_id: ListingId(id),
            material_id: id,
            material: format!("m{id}"),
            spec: String::new(),
            unit: "t".into(),
            unit_decimals: 3,
            supplier_id: SupplierId(supplier_id),
            supplier: supplier.into(),
            balance: Balance::from_ledger(qv("1", closing), []),
        }
    }

    #[test]
    fn the_pages_supplier_groups_add_up_to_the_reports_totals() {
        let lines = vec![
            stock_line(1, 2, "乙建材", "10.01"),
            stock_line(2, 1, "甲钢铁", "0.99"),
            stock_line(3, 2, "乙建材", "5.00"),
            stock_line(4, 3, "丙水泥", "-1.50"),
        ];
        let groups = group_by_supplier(&lines);
        let names: Vec<&str> = groups.iter().map(|g| g.supplier.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted, "suppliers in the order of their names");
        let yi = groups.iter().find(|g| g.supplier == "乙建材").unwrap();
        assert_eq!(
            yi.lines.iter().map(|l| l.listing_id.0).collect::<Vec<_>>(),
            [1, 3],
            "the report's order within a group"
        );
        assert_eq!(yi.subtotals.closing, d("15.01"));
        let total = ValueTotals::of(lines.iter().map(|l| &l.balance));
        let sum: Decimal = groups.iter().map(|g| g.subtotals.closing).sum();
        assert_eq!(sum, total.closing);
        assert_eq!(groups.iter().map(|g| g.lines.len()).sum::<usize>(), 4);
    }

    #[test]
    fn about_twenty_lines_are_open_and_always_the_first_group() {
        assert_eq!(groups_open([], 20), 0);
        assert_eq!(groups_open([50, 3], 20), 1);
        assert_eq!(groups_open([5, 5, 5, 5, 5, 5], 20), 4);
        assert_eq!(groups_open([19, 1, 1], 20), 2);
        assert_eq!(groups_open([3, 3], 20), 2);
    }

    #[test]
    fn balances_take_the_opening_from_before_and_drop_empty_lines() {
        let before = vec![
            (ListingId(1), qv("3", "30.00")),
            (ListingId(1), qv("-1", "-10.00")),
            (ListingId(2), qv("0", "0")),
        ];
        let during = vec![
            (ListingId(1), "issue".to_string(), qv("-2", "-20.00")),
            (ListingId(3), "receipt".to_string(), qv("4", "8.00")),
        ];
        let b = balances(&before, &during);
        assert_eq!(
            b.keys().copied().collect::<Vec<_>>(),
            [ListingId(1), ListingId(3)]
        );
        assert_eq!(b[&ListingId(1)].opening, qv("2", "20.00"));
        assert_eq!(b[&ListingId(1)].closing, qv("0", "0.00"));
        assert_eq!(b[&ListingId(3)].opening, QtyValue::default());
        assert_eq!(b[&ListingId(3)].closing, qv("4", "8.00"));
        let t = ValueTotals::of(b.values());
        assert_eq!(t.opening.to_string(), "20.00");
        assert_eq!(t.closing, t.opening + t.receipts - t.issues - t.other_outs);
    }

    #[test]
    fn site_draws_net_returns_and_add_up_per_site() {
        let sums = vec![
            (Some(1), 10, qv("-4", "-400.00")),
            (Some(1), 10, qv("1", "100.00")),
            (Some(1), 11, qv("-1", "-0.50")),
            (Some(2), 10, qv("-2", "-200.00")),
            (Some(2), 11, qv("1", "0.50")),
            (Some(2), 11, qv("-1", "-0.50")),
        ];
        let (groups, total) = group_site_draws(
            &sums,
            |s| format!("site {}", s.unwrap_or_default()),
            |m| {
                Some(SiteDraw {
                    material_id: m,
                    material: format!("m{m}"),
                    spec: String::new(),
                    unit: "t".into(),
                    unit_decimals: 3,
                    quantity: Decimal::ZERO,
                    value: Decimal::ZERO,
                })
            },
        );
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].lines.len(), 2);
        assert_eq!(groups[0].lines[0].quantity, d("3"));
        assert_eq!(groups[0].subtotal, d("300.50"));
        // Site 2's material 11 nets to nothing and is left out.
        assert_eq!(groups[1].lines.len(), 1);
        assert_eq!(groups[1].subtotal, d("200.00"));
        assert_eq!(total, d("500.50"));
    }

    #[test]
    fn the_usage_sheet_has_translated_headers_subtotals_and_the_total_last() {
        let (groups, total) = group_usage(vec![
            line(1, SupplierId(1), "甲钢铁", 3, LineKind::Issue, "-2", "100"),
            line(2, SupplierId(2), "乙建材", 4, LineKind::Issue, "-1", "5"),
        ]);
        let s = UsageStatement {
            company: "宏建".into(),
            site_id: 1,
            site_code: "S1".into(),
            site: "一号项目部".into(),
            period: PeriodInfo::new(
                Period::parse("2027-01").unwrap(),
                25,
                chrono_tz::Asia::Shanghai,
            ),
            groups,
            total,
        };
        let sheet = usage_sheet(&s, Locale::En);
        assert_eq!(sheet.headers, usage_headers(Locale::En));
        assert_eq!(sheet.headers[8], Locale::En.t("report-amount"));
        assert!(
            sheet
                .preamble
                .iter()
                .any(|(_, v)| v == "2026-12-26 – 2027-01-25")
        );
        assert_eq!(sheet.rows.len(), 4, "two lines and two subtotals");
        assert_eq!(
            sheet.footer,
            vec![{
                let mut r = vec![Cell::text(Locale::En.t("report-total"))];
                r.extend(std::iter::repeat_n(Cell::Empty, 7));
                r.push(Cell::money(d("205.00")));
                r
            }]
        );
    }

    proptest! {
        /// Whatever the movements, each line closes on opening + in − out, and the closing of
        /// one period is the opening of the next (the ledger is split, never lost).
        #[test]
        fn every_line_adds_up_and_closes_on_the_ledger(
            moves in proptest::collection::vec((0i64..3, 0usize..8, -5000i64..5000, 0u8..3), 0..60)
        ) {
            const KINDS: [&str; 8] = ["receipt", "issue", "return_to_supplier", "exchange_out", "exchange_in", "count_gain", "count_loss", "site_return"];
            let signed: Vec<(ListingId, String, QtyValue, u8)> = moves
                .iter()
                .map(|(l, k, q, when)| (ListingId(*l), KINDS[*k].to_string(), QtyValue::new(Decimal::new(*q, 3), Decimal::new(*q * 37, 2)), *when))
                .collect();
            // when: 0 before the period, 1 in it, 2 after it.
            let before: Vec<(ListingId, QtyValue)> = signed.iter().filter(|m| m.3 == 0).map(|m| (m.0, m.2)).collect();
            let during: Vec<(ListingId, String, QtyValue)> = signed.iter().filter(|m| m.3 == 1).map(|m| (m.0, m.1.clone(), m.2)).collect();
            let report = balances(&before, &during);
            for (listing, b) in &report {
                prop_assert!(b.adds_up());
                let ledger = signed.iter().filter(|m| m.0 == *listing && m.3 < 2).fold(QtyValue::default(), |a, m| a + m.2);
                prop_assert_eq!(b.closing, ledger);
            }
            let t = ValueTotals::of(report.values());
            prop_assert_eq!(t.closing, t.opening + t.receipts - t.issues - t.other_outs);
        }
    }
}
