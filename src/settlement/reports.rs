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
        supplier_id: 0,
        listing_id: 0,
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
    pub requisition_id: Option<i64>,
    pub listing_id: i64,
    /// In the caller's language.
    pub material: String,
    pub spec: String,
    pub unit: String,
    /// Decimal places of the unit.
    pub unit_decimals: u32,
    pub supplier_id: i64,
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
    pub supplier_id: i64,
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
    before: &[(i64, QtyValue)],
    during: &[(i64, String, QtyValue)],
) -> BTreeMap<i64, Balance> {
    let mut opening: BTreeMap<i64, QtyValue> = BTreeMap::new();
    for (listing_id, signed) in before {
        let o = opening.entry(*listing_id).or_default();
        *o = *o + *signed;
    }
    let mut flows: BTreeMap<i64, Vec<(&str, QtyValue)>> = BTreeMap::new();
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

// ---------------------------------------------------------------------------------------------
// The period and who may read what
// ---------------------------------------------------------------------------------------------

/// A report's period with its days and instants in the company's time zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct PeriodInfo {
    #[schema(value_type = String, example = "2027-01")]
    pub period: Period,
    pub cutoff_day: u32,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    /// The period's first instant (inclusive).
    pub start: DateTime<Utc>,
    /// The next period's first instant (exclusive).
    pub end: DateTime<Utc>,
}

impl PeriodInfo {
    pub fn new(period: Period, cutoff_day: u32, tz: chrono_tz::Tz) -> Self {
        let (start, end) = period.bounds(cutoff_day, tz);
        PeriodInfo {
            period,
            cutoff_day,
            first_day: period.first_day(cutoff_day),
            last_day: period.last_day(cutoff_day),
            start,
            end,
        }
    }
}

/// The asked period, or the last closed one when none is asked; a malformed one is a field
/// error on `period`.
async fn period_info(state: &AppState, asked: Option<&str>) -> AppResult<PeriodInfo> {
    let cutoff = crate::settings::cutoff_day(&state.db.read).await?;
    let period = match asked.map(str::trim).filter(|s| !s.is_empty()) {
        None => Period::last_closed_by(state.today(), cutoff),
        Some(s) => {
            Period::parse(s).ok_or_else(|| AppError::field("period", RuleCode::ReportPeriod))?
        }
    };
    Ok(PeriodInfo::new(period, cutoff, state.tz()))
}

/// The site whose statement `user` asks for. A user who belongs to a site (a site manager)
/// reads only that site's; another site is as unknown to them as a site that does not exist.
async fn usage_site(
    conn: &impl ConnectionTrait,
    user: &CurrentUser,
    asked: Option<i64>,
) -> AppResult<site::Model> {
    user.require(Capability::ReadUsageStatements)?;
    let id = if user.role.needs_site() {
        let own = user.site_id.ok_or(AppError::NotFound)?;
        if asked.is_some_and(|a| a != own) {
            return Err(AppError::NotFound);
        }
        own
    } else {
        asked.ok_or_else(|| AppError::field("site_id", RuleCode::Required))?
    };
    site::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

/// The asked warehouse, or the only one when there is just one.
async fn report_warehouse(
    conn: &impl ConnectionTrait,
    asked: Option<i64>,
) -> AppResult<warehouse::Model> {
    if let Some(id) = asked {
        return warehouse::Entity::find_by_id(id)
            .one(conn)
            .await?
            .ok_or(AppError::NotFound);
    }
    let mut some = warehouse::Entity::find()
        .order_by_asc(warehouse::Column::Id)
        .limit(2)
        .all(conn)
        .await?;
    match (some.pop(), some.is_empty()) {
        (Some(only), true) => Ok(only),
        _ => Err(AppError::field("warehouse_id", RuleCode::Required)),
    }
}

/// The company's name in `locale` (settings), falling back to the other language.
async fn company_name(conn: &impl ConnectionTrait, locale: Locale) -> AppResult<String> {
    let zh = crate::settings::get(conn, "company_name_zh").await?;
    let en = crate::settings::get(conn, "company_name_en").await?;
    let (first, second) = match locale {
        Locale::ZhCn => (zh, en),
        Locale::En => (en, zh),
    };
    Ok(first
        .filter(|s| !s.trim().is_empty())
        .or(second)
        .unwrap_or_else(|| locale.t("app-name")))
}

// ---------------------------------------------------------------------------------------------
// Queries
// ---------------------------------------------------------------------------------------------

/// What a listing is called on a report.
#[derive(Clone, Debug)]
struct ListingLabel {
    material_id: i64,
    material: String,
    spec: String,
    unit: String,
    unit_decimals: u32,
    supplier_id: i64,
    supplier: String,
}

async fn listing_labels(
    conn: &impl ConnectionTrait,
    locale: Locale,
    listing_ids: Vec<i64>,
) -> AppResult<HashMap<i64, ListingLabel>> {
    if listing_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let listings = listing::Entity::find()
        .filter(listing::Column::Id.is_in(listing_ids))
        .all(conn)
        .await?;
    let materials: HashMap<i64, material::Model> = material::Entity::find()
        .filter(material::Column::Id.is_in(listings.iter().map(|l| l.material_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    let suppliers: HashMap<i64, String> = supplier::Entity::find()
        .filter(supplier::Column::Id.is_in(listings.iter().map(|l| l.supplier_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|s| (s.id, s.legal_name))
        .collect();
    let units: HashMap<String, unit::Model> = unit::Entity::find()
        .filter(unit::Column::Code.is_in(materials.values().map(|m| m.unit_code.clone())))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| (u.code.clone(), u))
        .collect();
    Ok(listings
        .into_iter()
        .map(|l| {
            let m = materials.get(&l.material_id);
            let u = m.and_then(|m| units.get(&m.unit_code));
            let label = ListingLabel {
                material_id: l.material_id,
                material: m
                    .map(|m| locale.pick(&m.name_zh, &m.name_en).to_string())
                    .unwrap_or_else(|| format!("#{}", l.material_id)),
                spec: m.map(|m| m.spec.clone()).unwrap_or_default(),
                unit: match (u, m) {
                    (Some(u), _) => locale.pick(&u.name_zh, &u.name_en).to_string(),
                    (None, Some(m)) => m.unit_code.clone(),
                    (None, None) => String::new(),
                },
                unit_decimals: u
                    .and_then(|u| u32::try_from(u.decimals).ok())
                    .unwrap_or(3)
                    .min(3),
                supplier_id: l.supplier_id,
                supplier: suppliers.get(&l.supplier_id).cloned().unwrap_or_default(),
            };
            (l.id, label)
        })
        .collect())
}

/// A site's usage statement for a period.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct UsageStatement {
    pub company: String,
    pub site_id: i64,
    pub site_code: String,
    pub site: String,
    #[serde(flatten)]
    pub period: PeriodInfo,
    pub groups: Vec<UsageGroup>,
    /// The sum of the subtotals, to the cent.
    #[schema(value_type = String)]
    pub total: Decimal,
}

pub async fn usage_statement(
    conn: &impl ConnectionTrait,
    locale: Locale,
    tz: chrono_tz::Tz,
    site: &site::Model,
    period: PeriodInfo,
) -> AppResult<UsageStatement> {
    let moves = movement::Entity::find()
        .filter(movement::Column::SiteId.eq(site.id))
        .filter(
            movement::Column::Kind.is_in([LineKind::Issue.as_str(), LineKind::SiteReturn.as_str()]),
        )
        .filter(movement::Column::At.gte(period.start))
        .filter(movement::Column::At.lt(period.end))
        .order_by_asc(movement::Column::At)
        .order_by_asc(movement::Column::Id)
        .all(conn)
        .await?;
    let mut listing_ids: Vec<i64> = moves.iter().map(|m| m.listing_id).collect();
    listing_ids.sort_unstable();
    listing_ids.dedup();
    let labels = listing_labels(conn, locale, listing_ids).await?;
    let line_ids: Vec<i64> = moves.iter().filter_map(|m| m.requisition_line_id).collect();
    let requisitions: HashMap<i64, i64> = if line_ids.is_empty() {
        HashMap::new()
    } else {
        requisition_line::Entity::find()
            .filter(requisition_line::Column::Id.is_in(line_ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|l| (l.id, l.requisition_id))
            .collect()
    };
    let mut lines = Vec::with_capacity(moves.len());
    for m in moves {
        let Some(kind) = usage_kind(&m.kind) else {
            continue;
        };
        let label = labels.get(&m.listing_id);
        let (quantity, amount) = usage_figures(kind, m.quantity.value(), m.unit_price.value())
            .map_err(|e| e.on("amount"))?;
        lines.push(UsageLine {
            movement_id: m.id,
            date: m.at.with_timezone(&tz).date_naive(),
            kind,
            requisition_id: m
                .requisition_line_id
                .and_then(|l| requisitions.get(&l).copied()),
            listing_id: m.listing_id,
            material: label.map(|l| l.material.clone()).unwrap_or_default(),
            spec: label.map(|l| l.spec.clone()).unwrap_or_default(),
            unit: label.map(|l| l.unit.clone()).unwrap_or_default(),
            unit_decimals: label.map_or(3, |l| l.unit_decimals),
            supplier_id: m.supplier_id,
            supplier: label.map(|l| l.supplier.clone()).unwrap_or_default(),
            quantity,
            unit_price: m.unit_price.value(),
            amount,
        });
    }
    let (groups, total) = group_usage(lines);
    Ok(UsageStatement {
        company: company_name(conn, locale).await?,
        site_id: site.id,
        site_code: site.code.clone(),
        site: locale.pick(&site.name_zh, &site.name_en).to_string(),
        period,
        groups,
        total,
    })
}

/// One listing's line of the 收付存 report.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct StockLine {
    pub listing_id: i64,
    pub material_id: i64,
    pub material: String,
    pub spec: String,
    pub unit: String,
    pub unit_decimals: u32,
    pub supplier_id: i64,
    pub supplier: String,
    #[serde(flatten)]
    pub balance: Balance,
}

/// The consigned part: the supplier-owned stock in lots, every kind of movement.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ConsignedSection {
    pub lines: Vec<StockLine>,
    pub totals: ValueTotals,
}

/// The company-owned part: what sites drew (ownership passed at issue).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct IssuedSection {
    pub sites: Vec<SiteDraws>,
    #[schema(value_type = String)]
    pub total: Decimal,
}

/// A warehouse's receipts / issues / balance report for a period.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct StockReport {
    pub company: String,
    pub warehouse_id: i64,
    pub warehouse_code: String,
    pub warehouse: String,
    #[serde(flatten)]
    pub period: PeriodInfo,
    pub consigned: ConsignedSection,
    pub issued_to_sites: IssuedSection,
}

/// Fixed<S> columns are scaled integers: sums are summed in the database as integers (cast,
/// since PostgreSQL's SUM of a BIGINT is a NUMERIC) and scaled back here.
const SUM_QTY: &str = "CAST(SUM(quantity) AS BIGINT)";
const SUM_AMOUNT: &str = "CAST(SUM(amount) AS BIGINT)";

fn scaled(quantity: i64, amount: i64) -> QtyValue {
    QtyValue::new(Decimal::new(quantity, 3), Decimal::new(amount, 2))
}

pub async fn stock_report(
    conn: &impl ConnectionTrait,
    locale: Locale,
    warehouse: &warehouse::Model,
    period: PeriodInfo,
) -> AppResult<StockReport> {
    let before: Vec<(i64, i64, i64)> = movement::Entity::find()
        .select_only()
        .column(movement::Column::ListingId)
        .column_as(Expr::cust(SUM_QTY), "q")
        .column_as(Expr::cust(SUM_AMOUNT), "a")
        .filter(movement::Column::WarehouseId.eq(warehouse.id))
        .filter(movement::Column::At.lt(period.start))
        .group_by(movement::Column::ListingId)
        .into_tuple()
        .all(conn)
        .await?;
    let during: Vec<(i64, String, i64, i64)> = movement::Entity::find()
        .select_only()
        .column(movement::Column::ListingId)
        .column(movement::Column::Kind)
        .column_as(Expr::cust(SUM_QTY), "q")
        .column_as(Expr::cust(SUM_AMOUNT), "a")
        .filter(movement::Column::WarehouseId.eq(warehouse.id))
        .filter(movement::Column::At.gte(period.start))
        .filter(movement::Column::At.lt(period.end))
        .group_by(movement::Column::ListingId)
        .group_by(movement::Column::Kind)
        .into_tuple()
        .all(conn)
        .await?;
    let drawn: Vec<(Option<i64>, i64, i64, i64)> = movement::Entity::find()
        .select_only()
        .column(movement::Column::SiteId)
        .column(movement::Column::ListingId)
        .column_as(Expr::cust(SUM_QTY), "q")
        .column_as(Expr::cust(SUM_AMOUNT), "a")
        .filter(movement::Column::WarehouseId.eq(warehouse.id))
        .filter(
            movement::Column::Kind.is_in([LineKind::Issue.as_str(), LineKind::SiteReturn.as_str()]),
        )
        .filter(movement::Column::At.gte(period.start))
        .filter(movement::Column::At.lt(period.end))
        .group_by(movement::Column::SiteId)
        .group_by(movement::Column::ListingId)
        .into_tuple()
        .all(conn)
        .await?;

    let before: Vec<(i64, QtyValue)> = before
        .into_iter()
        .map(|(l, q, a)| (l, scaled(q, a)))
        .collect();
    let during: Vec<(i64, String, QtyValue)> = during
        .into_iter()
        .map(|(l, k, q, a)| (l, k, scaled(q, a)))
        .collect();
    let balances = balances(&before, &during);

    let mut listing_ids: Vec<i64> = balances.keys().copied().collect();
    listing_ids.extend(drawn.iter().map(|(_, l, _, _)| *l));
    listing_ids.sort_unstable();
    listing_ids.dedup();
    let labels = listing_labels(conn, locale, listing_ids).await?;

    let mut lines: Vec<StockLine> = balances
        .iter()
        .map(|(id, b)| {
            let label = labels.get(id);
            StockLine {
                listing_id: *id,
                material_id: label.map_or(0, |l| l.material_id),
                material: label.map(|l| l.material.clone()).unwrap_or_default(),
                spec: label.map(|l| l.spec.clone()).unwrap_or_default(),
                unit: label.map(|l| l.unit.clone()).unwrap_or_default(),
                unit_decimals: label.map_or(3, |l| l.unit_decimals),
                supplier_id: label.map_or(0, |l| l.supplier_id),
                supplier: label.map(|l| l.supplier.clone()).unwrap_or_default(),
                balance: *b,
            }
        })
        .collect();
    lines.sort_by(|a, b| {
        (&a.material, &a.spec, &a.supplier, a.listing_id).cmp(&(
            &b.material,
            &b.spec,
            &b.supplier,
            b.listing_id,
        ))
    });
    let totals = ValueTotals::of(balances.values());

    // Per site and material: listings of one material from different suppliers add up.
    let mut by_material: Vec<(Option<i64>, i64, QtyValue)> = Vec::new();
    let mut materials: HashMap<i64, SiteDraw> = HashMap::new();
    for (site_id, listing_id, q, a) in drawn {
        let label = labels.get(&listing_id);
        let material_id = label.map_or(0, |l| l.material_id);
        if let Some(l) = label {
            materials.entry(material_id).or_insert_with(|| SiteDraw {
                material_id,
                material: l.material.clone(),
                spec: l.spec.clone(),
                unit: l.unit.clone(),
                unit_decimals: l.unit_decimals,
                quantity: Decimal::ZERO,
                value: Decimal::ZERO,
            });
        }
        by_material.push((site_id, material_id, scaled(q, a)));
    }
    let site_ids: Vec<i64> = by_material.iter().filter_map(|(s, _, _)| *s).collect();
    let sites: HashMap<i64, site::Model> = if site_ids.is_empty() {
        HashMap::new()
    } else {
        site::Entity::find()
            .filter(site::Column::Id.is_in(site_ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|s| (s.id, s))
            .collect()
    };
    let (site_groups, issued_total) = group_site_draws(
        &by_material,
        |id| {
            id.and_then(|id| sites.get(&id))
                .map(|s| locale.pick(&s.name_zh, &s.name_en).to_string())
                .unwrap_or_else(|| "—".to_string())
        },
        |id| materials.get(&id).cloned(),
    );

    Ok(StockReport {
        company: company_name(conn, locale).await?,
        warehouse_id: warehouse.id,
        warehouse_code: warehouse.code.clone(),
        warehouse: locale
            .pick(&warehouse.name_zh, &warehouse.name_en)
            .to_string(),
        period,
        consigned: ConsignedSection { lines, totals },
        issued_to_sites: IssuedSection {
            sites: site_groups,
            total: issued_total,
        },
    })
}

// ---------------------------------------------------------------------------------------------
// Spreadsheets
// ---------------------------------------------------------------------------------------------

fn period_dates(p: &PeriodInfo) -> String {
    format!("{} – {}", p.first_day, p.last_day)
}

fn usage_headers(locale: Locale) -> Vec<String> {
    [
        "report-date",
        "report-requisition",
        "report-material",
        "report-spec",
        "report-unit",
        "report-supplier",
        "report-quantity",
        "report-unit-price",
        "report-amount",
    ]
    .iter()
    .map(|k| locale.t(k))
    .collect()
}

pub fn usage_sheet(s: &UsageStatement, locale: Locale) -> Sheet {
    let title = format!("{} {}", locale.t("report-usage-title"), s.period.period);
    let mut sheet = Sheet::new(title)
        .with_preamble(locale.t("report-company"), s.company.clone())
        .with_preamble(locale.t("report-site"), s.site.clone())
        .with_preamble(locale.t("report-period"), s.period.period.to_string())
        .with_preamble(locale.t("report-period-dates"), period_dates(&s.period))
        .with_headers(usage_headers(locale));
    for g in &s.groups {
        for l in &g.lines {
            sheet.push_row([
                Cell::date(l.date),
                l.requisition_id.map_or(Cell::Empty, Cell::int),
                Cell::text(l.material.clone()),
                Cell::text(l.spec.clone()),
                Cell::text(l.unit.clone()),
                Cell::text(l.supplier.clone()),
                Cell::qty(l.quantity, l.unit_decimals),
                Cell::qty(l.unit_price, text::price_places(l.unit_price)),
                Cell::money(l.amount),
            ]);
        }
        sheet.push_row([
            Cell::text(locale.t("report-subtotal")),
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::text(g.supplier.clone()),
            Cell::Empty,
            Cell::Empty,
            Cell::money(g.subtotal),
        ]);
    }
    sheet.push_footer([
        Cell::text(locale.t("report-total")),
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::money(s.total),
    ]);
    sheet
}

fn stock_headers(locale: Locale) -> Vec<String> {
    let mut h: Vec<String> = [
        "report-supplier",
        "report-material",
        "report-spec",
        "report-unit",
    ]
    .iter()
    .map(|k| locale.t(k))
    .collect();
    for col in [
        "report-opening",
        "report-receipts",
        "report-issues",
        "report-other-outs",
        "report-closing",
    ] {
        let col = locale.t(col);
        h.push(format!("{col} · {}", locale.t("report-quantity")));
        h.push(format!("{col} · {}", locale.t("report-amount")));
    }
    h
}

pub fn stock_sheet(r: &StockReport, locale: Locale) -> Sheet {
    let title = format!("{} {}", locale.t("report-stock-title"), r.period.period);
    let mut sheet = Sheet::new(title)
        .with_preamble(locale.t("report-company"), r.company.clone())
        .with_preamble(locale.t("report-warehouse"), r.warehouse.clone())
        .with_preamble(locale.t("report-period"), r.period.period.to_string())
        .with_preamble(locale.t("report-period-dates"), period_dates(&r.period))
        .with_headers(stock_headers(locale));
    sheet.push_row([Cell::text(locale.t("report-consigned"))]);
    for l in &r.consigned.lines {
        let b = &l.balance;
        let mut row = vec![
            Cell::text(l.supplier.clone()),
            Cell::text(l.material.clone()),
            Cell::text(l.spec.clone()),
            Cell::text(l.unit.clone()),
        ];
        for qv in [b.opening, b.receipts, b.issues, b.other_outs, b.closing] {
            row.push(Cell::qty(qv.quantity, l.unit_decimals));
            row.push(Cell::money(qv.value));
        }
        sheet.push_row(row);
    }
    let t = &r.consigned.totals;
    let mut total = vec![
        Cell::text(locale.t("report-consigned-total")),
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
    ];
    for v in [t.opening, t.receipts, t.issues, t.other_outs, t.closing] {
        total.push(Cell::Empty);
        total.push(Cell::money(v));
    }
    sheet.push_row(total);

    // The company-owned section under its own heading and columns.
    sheet.push_row([]);
    sheet.push_row([Cell::text(locale.t("report-issued-to-sites"))]);
    sheet.push_row(
        [
            "report-site",
            "report-material",
            "report-spec",
            "report-unit",
            "report-quantity",
            "report-amount",
        ]
        .iter()
        .map(|k| Cell::text(locale.t(k))),
    );
    for g in &r.issued_to_sites.sites {
        for l in &g.lines {
            sheet.push_row([
                Cell::text(g.site.clone()),
                Cell::text(l.material.clone()),
                Cell::text(l.spec.clone()),
                Cell::text(l.unit.clone()),
                Cell::qty(l.quantity, l.unit_decimals),
                Cell::money(l.value),
            ]);
        }
        sheet.push_row([
            Cell::text(locale.t("report-subtotal")),
            Cell::text(g.site.clone()),
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::money(g.subtotal),
        ]);
    }
    sheet.push_footer([
        Cell::text(locale.t("report-issued-total")),
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::money(r.issued_to_sites.total),
    ]);
    sheet
}

fn file_stem(title_key: &str, name: &str, period: Period, locale: Locale) -> String {
    format!("{}-{}-{}", locale.t(title_key), name, period)
}

// ---------------------------------------------------------------------------------------------
// JSON API
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UsageQuery {
    /// Required except for a site manager, who reads their own site.
    pub site_id: Option<i64>,
    /// `YYYY-MM`, named by the month the period ends in; the last closed period when absent.
    pub period: Option<String>,
}

/// A site's usage statement (单位用料明细表) for a period: the site's issues (and goods it
/// handed back, credited) at their issue prices, by supplier, with subtotals and a total.
#[utoipa::path(get, path = "/api/reports/usage", tag = "settlement", security(("bearer" = [])), params(UsageQuery),
    responses((status = 200, body = UsageStatement), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[get("/api/reports/usage")]
pub async fn api_usage(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    q: web::Query<UsageQuery>,
) -> AppResult<web::Json<UsageStatement>> {
    let site = usage_site(&state.db.read, &user, q.site_id).await?;
    let period = period_info(&state, q.period.as_deref()).await?;
    Ok(web::Json(
        usage_statement(&state.db.read, ctx.locale, state.tz(), &site, period).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StockQuery {
    /// Required when there is more than one warehouse.
    pub warehouse_id: Option<i64>,
    /// `YYYY-MM`, named by the month the period ends in; the last closed period when absent.
    pub period: Option<String>,
}

/// A warehouse's receipts / issues / balance report (收付存) for a period, in quantity and
/// value: consigned stock per listing, and what was issued to sites (company-owned).
#[utoipa::path(get, path = "/api/reports/stock", tag = "settlement", security(("bearer" = [])), params(StockQuery),
    responses((status = 200, body = StockReport), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[get("/api/reports/stock")]
pub async fn api_stock(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    q: web::Query<StockQuery>,
) -> AppResult<web::Json<StockReport>> {
    user.require(Capability::ReadStock)?;
    let warehouse = report_warehouse(&state.db.read, q.warehouse_id).await?;
    let period = period_info(&state, q.period.as_deref()).await?;
    Ok(web::Json(
        stock_report(&state.db.read, ctx.locale, &warehouse, period).await?,
    ))
}

// ---------------------------------------------------------------------------------------------
// Pages and downloads
// ---------------------------------------------------------------------------------------------

/// The pages' form: strings, so that an empty choice is "none" rather than a bad request.
#[derive(Debug, Default, Deserialize)]
pub struct ReportForm {
    site_id: Option<String>,
    warehouse_id: Option<String>,
    period: Option<String>,
}

/// An id from the form; one that is not a number names nothing.
fn form_id(v: &Option<String>) -> AppResult<Option<i64>> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|_| AppError::NotFound),
    }
}

fn report_query(key: &str, id: i64, period: Period) -> String {
    format!("?{key}={id}&period={period}")
}

#[derive(Template)]
#[template(path = "settlement/usage.html")]
struct UsageView {
    ctx: PageCtx,
    sites: Vec<site::Model>,
    site_id: Option<i64>,
    period: String,
    errors: FormErrors,
    report: Option<UsageStatement>,
    query: String,
}

impl UsageView {
    fn is_site(&self, id: &i64) -> bool {
        self.site_id == Some(*id)
    }
    fn money(&self, d: &Decimal) -> String {
        text::amount(self.ctx.locale, *d)
    }
    fn qty(&self, d: &Decimal, places: &u32) -> String {
        text::quantity(self.ctx.locale, *d, *places)
    }
    fn price(&self, d: &Decimal) -> String {
        text::unit_price(self.ctx.locale, *d)
    }
    fn requisition(&self, id: &Option<i64>) -> String {
        id.map(|i| format!("#{i}")).unwrap_or_default()
    }
}

#[get("/reports/usage")]
pub async fn usage_page(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    q: web::Query<ReportForm>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadUsageStatements)?;
    let conn = &state.db.read;
    let asked = form_id(&q.site_id)?;
    let sites = if user.role.needs_site() {
        let own = user.site_id.ok_or(AppError::NotFound)?;
        site::Entity::find_by_id(own).all(conn).await?
    } else {
        site::Entity::find()
            .order_by_asc(site::Column::Code)
            .all(conn)
            .await?
    };
    let chosen = asked.or(if user.role.needs_site() {
        user.site_id
    } else {
        None
    });
    let mut view = UsageView {
        ctx,
        sites,
        site_id: chosen,
        period: q.period.clone().unwrap_or_default(),
        errors: FormErrors::default(),
        report: None,
        query: String::new(),
    };
    let period = match period_info(&state, q.period.as_deref()).await {
        Ok(p) => p,
        Err(e @ AppError::Validation(_)) => {
            view.errors = FormErrors::from_error(&e, view.ctx.locale);
            return Ok(crate::web::html_status(e.status(), &view));
        }
        Err(e) => return Err(e),
    };
    view.period = period.period.to_string();
    if chosen.is_some() {
        let site = usage_site(conn, &user, chosen).await?;
        view.query = report_query("site_id", site.id, period.period);
        view.report =
            Some(usage_statement(conn, view.ctx.locale, state.tz(), &site, period).await?);
    }
    Ok(crate::web::html(&view))
}

/// The usage statement as `/reports/usage.csv` or `/reports/usage.xlsx`.
#[get("/reports/usage.{format}")]
pub async fn usage_download(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    format: web::Path<String>,
    q: web::Query<ReportForm>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadUsageStatements)?;
    let format = Format::parse(&format).ok_or(AppError::NotFound)?;
    let site = usage_site(&state.db.read, &user, form_id(&q.site_id)?).await?;
    let period = period_info(&state, q.period.as_deref()).await?;
    let s = usage_statement(&state.db.read, ctx.locale, state.tz(), &site, period).await?;
    let stem = file_stem("report-usage-title", &s.site, period.period, ctx.locale);
    Ok(crate::export::download(
        format,
        &stem,
        &usage_sheet(&s, ctx.locale),
    )?)
}

#[derive(Template)]
#[template(path = "settlement/stock_report.html")]
struct StockView {
    ctx: PageCtx,
    warehouses: Vec<warehouse::Model>,
    warehouse_id: Option<i64>,
    period: String,
    errors: FormErrors,
    report: Option<StockReport>,
    query: String,
}

impl StockView {
    fn is_warehouse(&self, id: &i64) -> bool {
        self.warehouse_id == Some(*id)
    }
    fn money(&self, d: &Decimal) -> String {
        text::amount(self.ctx.locale, *d)
    }
    fn qty(&self, d: &Decimal, places: &u32) -> String {
        text::quantity(self.ctx.locale, *d, *places)
    }
}

#[get("/reports/stock")]
pub async fn stock_page(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    q: web::Query<ReportForm>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadStock)?;
    let conn = &state.db.read;
    let warehouses = warehouse::Entity::find()
        .order_by_asc(warehouse::Column::Code)
        .all(conn)
        .await?;
    let chosen = form_id(&q.warehouse_id)?.or(match warehouses.as_slice() {
        [only] => Some(only.id),
        _ => None,
    });
    let mut view = StockView {
        ctx,
        warehouses,
        warehouse_id: chosen,
        period: q.period.clone().unwrap_or_default(),
        errors: FormErrors::default(),
        report: None,
        query: String::new(),
    };
    let period = match period_info(&state, q.period.as_deref()).await {
        Ok(p) => p,
        Err(e @ AppError::Validation(_)) => {
            view.errors = FormErrors::from_error(&e, view.ctx.locale);
            return Ok(crate::web::html_status(e.status(), &view));
        }
        Err(e) => return Err(e),
    };
    view.period = period.period.to_string();
    if chosen.is_some() {
        let warehouse = report_warehouse(conn, chosen).await?;
        view.query = report_query("warehouse_id", warehouse.id, period.period);
        view.report = Some(stock_report(conn, view.ctx.locale, &warehouse, period).await?);
    }
    Ok(crate::web::html(&view))
}

/// The 收付存 report as `/reports/stock.csv` or `/reports/stock.xlsx`.
#[get("/reports/stock.{format}")]
pub async fn stock_download(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    format: web::Path<String>,
    q: web::Query<ReportForm>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadStock)?;
    let format = Format::parse(&format).ok_or(AppError::NotFound)?;
    let warehouse = report_warehouse(&state.db.read, form_id(&q.warehouse_id)?).await?;
    let period = period_info(&state, q.period.as_deref()).await?;
    let r = stock_report(&state.db.read, ctx.locale, &warehouse, period).await?;
    let stem = file_stem(
        "report-stock-title",
        &r.warehouse,
        period.period,
        ctx.locale,
    );
    Ok(crate::export::download(
        format,
        &stem,
        &stock_sheet(&r, ctx.locale),
    )?)
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
        supplier_id: i64,
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
            requisition_id: Some(7),
            listing_id: 1,
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
            line(3, 2, "B 建材", 5, LineKind::Issue, "-1", "0.005"),
            line(1, 1, "A 钢铁", 9, LineKind::Issue, "-1.5", "3850.1234"),
            line(2, 1, "A 钢铁", 3, LineKind::Issue, "-2", "100"),
            line(4, 2, "B 建材", 6, LineKind::Issue, "-1", "0.005"),
            line(5, 1, "A 钢铁", 10, LineKind::SiteReturn, "0.5", "100"),
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

    #[test]
    fn balances_take_the_opening_from_before_and_drop_empty_lines() {
        let before = vec![
            (1, qv("3", "30.00")),
            (1, qv("-1", "-10.00")),
            (2, qv("0", "0")),
        ];
        let during = vec![
            (1, "issue".to_string(), qv("-2", "-20.00")),
            (3, "receipt".to_string(), qv("4", "8.00")),
        ];
        let b = balances(&before, &during);
        assert_eq!(b.keys().copied().collect::<Vec<_>>(), [1, 3]);
        assert_eq!(b[&1].opening, qv("2", "20.00"));
        assert_eq!(b[&1].closing, qv("0", "0.00"));
        assert_eq!(b[&3].opening, QtyValue::default());
        assert_eq!(b[&3].closing, qv("4", "8.00"));
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
            line(1, 1, "甲钢铁", 3, LineKind::Issue, "-2", "100"),
            line(2, 2, "乙建材", 4, LineKind::Issue, "-1", "5"),
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
            let signed: Vec<(i64, String, QtyValue, u8)> = moves
                .iter()
                .map(|(l, k, q, when)| (*l, KINDS[*k].to_string(), QtyValue::new(Decimal::new(*q, 3), Decimal::new(*q * 37, 2)), *when))
                .collect();
            // when: 0 before the period, 1 in it, 2 after it.
            let before: Vec<(i64, QtyValue)> = signed.iter().filter(|m| m.3 == 0).map(|m| (m.0, m.2)).collect();
            let during: Vec<(i64, String, QtyValue)> = signed.iter().filter(|m| m.3 == 1).map(|m| (m.0, m.1.clone(), m.2)).collect();
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
