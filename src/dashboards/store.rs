//! The dashboards' figures, read from the ledger: the movements (receipts, issues, returns),
//! the lots on hand and the supplier directory. Sums are taken in the database as scaled
//! integers (as the stock report does) and made decimals here; [`super::rules`] arranges them
//! per month, day, age and stage.

use super::rules::{self, DAYS, MONTHS};
use crate::charts::{Chart, Series};
use crate::error::AppResult;
use crate::i18n::Locale;
use crate::settlement::rules::LineKind;
use chrono::NaiveDate;
use entity::{SupplierId, listing, lot, movement, site, supplier};
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

/// A dashboard: its area's charts as of a day.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Dashboard {
    /// `procurement`, `warehouse` or `supplier`.
    pub area: String,
    /// The day the figures run to.
    pub as_of: NaiveDate,
    pub charts: Vec<Chart>,
}

impl Dashboard {
    /// The chart `id`, if the dashboard has it.
    pub fn chart(&self, id: &str) -> Option<&Chart> {
        self.charts.iter().find(|c| c.id == id)
    }
}

/// The issue and site-return rows of the months shown (site, day, signed amount), of one
/// supplier's goods or everyone's.
async fn draw_rows(
    conn: &impl ConnectionTrait,
    today: NaiveDate,
    supplier: Option<SupplierId>,
) -> AppResult<Vec<(Option<i64>, NaiveDate, Decimal)>> {
    let mut q = movement::Entity::find()
        .select_only()
        .column(movement::Column::SiteId)
        .column(movement::Column::OnDate)
        .column_as(Expr::cust("CAST(SUM(amount) AS BIGINT)"), "a")
        .filter(
            movement::Column::Kind.is_in([LineKind::Issue.as_str(), LineKind::SiteReturn.as_str()]),
        )
        .filter(movement::Column::OnDate.gte(rules::first_day(today, MONTHS)))
        .filter(movement::Column::OnDate.lte(today));
    if let Some(s) = supplier {
        q = q.filter(movement::Column::SupplierId.eq(s));
    }
    let rows: Vec<(Option<i64>, NaiveDate, i64)> = q
        .group_by(movement::Column::SiteId)
        .group_by(movement::Column::OnDate)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(s, d, a)| (s, d, Decimal::new(a, 2)))
        .collect())
}

/// What each site drew per month (a series per site).
async fn draws_by_site(
    conn: &impl ConnectionTrait,
    locale: Locale,
    today: NaiveDate,
) -> AppResult<Chart> {
    let months = rules::last_months(today, MONTHS);
    let by_site = rules::draws_by_month(&months, &draw_rows(conn, today, None).await?);
    let sites: HashMap<i64, String> = site::Entity::find()
        .filter(site::Column::Id.is_in(by_site.keys().copied()))
        .all(conn)
        .await?
        .into_iter()
        .map(|s| (s.id, locale.pick(&s.name_zh, &s.name_en).to_string()))
        .collect();
    Ok(Chart {
        id: "draws-by-site".into(),
        title: locale.t("dash-draws-title"),
        desc: locale.ta("dash-draws-desc", &[("months", MONTHS.to_string())]),
        categories: months,
        series: by_site
            .into_iter()
            .map(|(id, values)| Series {
                name: sites.get(&id).cloned().unwrap_or_else(|| id.to_string()),
                values,
            })
            .collect(),
        money: true,
    })
}

/// The procurement office's dashboard: what each site drew per month, and the suppliers by
/// stage (rule 2's removals among them).
pub async fn procurement(
    conn: &impl ConnectionTrait,
    locale: Locale,
    today: NaiveDate,
) -> AppResult<Dashboard> {
    let draws = draws_by_site(conn, locale, today).await?;
    let statuses: Vec<(String, i64)> = supplier::Entity::find()
        .select_only()
        .column(supplier::Column::Status)
        .column_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), "n")
        .group_by(supplier::Column::Status)
        .into_tuple()
        .all(conn)
        .await?;
    let counts = rules::stage_counts(&statuses);
    let suppliers = Chart {
        id: "suppliers-by-stage".into(),
        title: locale.t("dash-suppliers-title"),
        desc: locale.t("dash-suppliers-desc"),
        categories: counts
            .iter()
            .map(|(stage, _)| locale.t(&format!("dash-stage-{stage}")))
            .collect(),
        series: vec![Series {
            name: locale.t("dash-suppliers-series"),
            values: counts.iter().map(|(_, n)| Decimal::from(*n)).collect(),
        }],
        money: false,
    };
    Ok(Dashboard {
        area: "procurement".into(),
        as_of: today,
        charts: vec![draws, suppliers],
    })
}

/// The warehouse's dashboard: what it received and issued each day of the last fortnight.
pub async fn warehouse(
    conn: &impl ConnectionTrait,
    locale: Locale,
    today: NaiveDate,
) -> AppResult<Dashboard> {
    let days = rules::last_days(today, DAYS);
    let rows: Vec<(String, NaiveDate, i64)> = movement::Entity::find()
        .select_only()
        .column(movement::Column::Kind)
        .column(movement::Column::OnDate)
        .column_as(Expr::cust("CAST(SUM(amount) AS BIGINT)"), "a")
        .filter(movement::Column::Kind.is_in(["receipt", LineKind::Issue.as_str()]))
        .filter(movement::Column::OnDate.gte(days.first().copied().unwrap_or(today)))
        .filter(movement::Column::OnDate.lte(today))
        .group_by(movement::Column::Kind)
        .group_by(movement::Column::OnDate)
        .into_tuple()
        .all(conn)
        .await?;
    let rows: Vec<(String, NaiveDate, Decimal)> = rows
        .into_iter()
        .map(|(k, d, a)| (k, d, Decimal::new(a, 2)))
        .collect();
    let (receipts, issues) = rules::receipts_and_issues(&days, &rows);
    let flow = Chart {
        id: "receipts-and-issues".into(),
        title: locale.t("dash-flow-title"),
        desc: locale.ta("dash-flow-desc", &[("days", DAYS.to_string())]),
        categories: days.iter().map(|d| rules::day_key(*d)).collect(),
        series: vec![
            Series {
                name: locale.t("dash-receipts"),
                values: receipts,
            },
            Series {
                name: locale.t("dash-issues"),
                values: issues,
            },
        ],
        money: true,
    };
    Ok(Dashboard {
        area: "warehouse".into(),
        as_of: today,
        charts: vec![flow],
    })
}

/// A supplier's dashboard, of its own goods only: the value of its stock on site by age (rule
/// 3: over two months is flagged for return or exchange) and what the sites drew of it per
/// month.
pub async fn supplier(
    conn: &impl ConnectionTrait,
    locale: Locale,
    today: NaiveDate,
    supplier_id: SupplierId,
) -> AppResult<Dashboard> {
    let lots = lot::Entity::find()
        .filter(lot::Column::SupplierId.eq(supplier_id))
        .filter(lot::Column::Quantity.gt(entity::Fixed::<3>::zero()))
        .all(conn)
        .await?;
    let prices: HashMap<entity::ListingId, Decimal> = listing::Entity::find()
        .filter(listing::Column::Id.is_in(lots.iter().map(|l| l.listing_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|l| (l.id, l.price.value()))
        .collect();
    let mut valued: Vec<(NaiveDate, Decimal)> = Vec::with_capacity(lots.len());
    for l in &lots {
        let price = prices.get(&l.listing_id).copied().unwrap_or_default();
        let value =
            crate::money::line_amount(l.quantity.value(), price).map_err(|e| e.on("value"))?;
        valued.push((l.last_movement_on, value));
    }
    let ages = Chart {
        id: "stock-by-age".into(),
        title: locale.t("dash-ages-title"),
        desc: locale.t("dash-ages-desc"),
        categories: rules::AGES
            .iter()
            .map(|a| locale.t(&format!("dash-age-{a}")))
            .collect(),
        series: vec![Series {
            name: locale.t("dash-stock-value"),
            values: rules::stock_by_age(today, &valued),
        }],
        money: true,
    };
    let months = rules::last_months(today, MONTHS);
    let drawn: Vec<Decimal> = {
        let by_site =
            rules::draws_by_month(&months, &draw_rows(conn, today, Some(supplier_id)).await?);
        (0..months.len())
            .map(|i| by_site.values().map(|v| v[i]).sum())
            .collect()
    };
    let draws = Chart {
        id: "own-draws".into(),
        title: locale.t("dash-own-draws-title"),
        desc: locale.ta("dash-own-draws-desc", &[("months", MONTHS.to_string())]),
        categories: months,
        series: vec![Series {
            name: locale.t("dash-drawn"),
            values: drawn,
        }],
        money: true,
    };
    Ok(Dashboard {
        area: "supplier".into(),
        as_of: today,
        charts: vec![ages, draws],
    })
}
