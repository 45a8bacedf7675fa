//! Reading the reports: the period and who may read what, then the queries behind the usage
//! statement and the receipts/issues/balance report.

use super::*;
use entity::{ListingId, RequisitionId, SupplierId};

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
pub(super) async fn period_info(state: &AppState, asked: Option<&str>) -> AppResult<PeriodInfo> {
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
pub(super) async fn usage_site(
    conn: &impl ConnectionTrait,
    user: &CurrentUser,
    asked: Option<i64>,
) -> AppResult<site::Model> {
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
pub(super) async fn report_warehouse(
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
pub(super) async fn company_name(conn: &impl ConnectionTrait, locale: Locale) -> AppResult<String> {
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
pub(super) struct ListingLabel {
    material_id: i64,
    material: String,
    spec: String,
    unit: String,
    unit_decimals: u32,
    supplier_id: SupplierId,
    supplier: String,
}

pub(super) async fn listing_labels(
    conn: &impl ConnectionTrait,
    locale: Locale,
    listing_ids: Vec<ListingId>,
) -> AppResult<HashMap<ListingId, ListingLabel>> {
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
    let suppliers: HashMap<SupplierId, String> = supplier::Entity::find()
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
    let mut listing_ids: Vec<ListingId> = moves.iter().map(|m| m.listing_id).collect();
    listing_ids.sort_unstable();
    listing_ids.dedup();
    let labels = listing_labels(conn, locale, listing_ids).await?;
    let line_ids: Vec<i64> = moves.iter().filter_map(|m| m.requisition_line_id).collect();
    let requisitions: HashMap<i64, RequisitionId> = if line_ids.is_empty() {
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
    pub listing_id: ListingId,
    pub material_id: i64,
    pub material: String,
    pub spec: String,
    pub unit: String,
    pub unit_decimals: u32,
    pub supplier_id: SupplierId,
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
pub(super) const SUM_QTY: &str = "CAST(SUM(quantity) AS BIGINT)";
pub(super) const SUM_AMOUNT: &str = "CAST(SUM(amount) AS BIGINT)";

pub(super) fn scaled(quantity: i64, amount: i64) -> QtyValue {
    QtyValue::new(Decimal::new(quantity, 3), Decimal::new(amount, 2))
}

pub async fn stock_report(
    conn: &impl ConnectionTrait,
    locale: Locale,
    warehouse: &warehouse::Model,
    period: PeriodInfo,
) -> AppResult<StockReport> {
    let before: Vec<(ListingId, i64, i64)> = movement::Entity::find()
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
    let during: Vec<(ListingId, String, i64, i64)> = movement::Entity::find()
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
    let drawn: Vec<(Option<i64>, ListingId, i64, i64)> = movement::Entity::find()
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

    let before: Vec<(ListingId, QtyValue)> = before
        .into_iter()
        .map(|(l, q, a)| (l, scaled(q, a)))
        .collect();
    let during: Vec<(ListingId, String, QtyValue)> = during
        .into_iter()
        .map(|(l, k, q, a)| (l, k, scaled(q, a)))
        .collect();
    let balances = balances(&before, &during);

    let mut listing_ids: Vec<ListingId> = balances.keys().copied().collect();
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
                supplier_id: label.map_or(SupplierId(0), |l| l.supplier_id),
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
