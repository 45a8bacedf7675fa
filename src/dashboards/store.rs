//! The dashboards' figures, read from the ledger: the movements (what sites drew) and the
//! supplier directory. Sums are taken in the database as scaled integers (as the stock report
//! does) and made decimals here; [`super::rules`] arranges them per month and status.

use super::rules::{self, MONTHS};
use crate::charts::{Chart, Series};
use crate::error::AppResult;
use crate::i18n::Locale;
use crate::settlement::rules::LineKind;
use chrono::NaiveDate;
use entity::{movement, site, supplier};
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

/// The procurement office's dashboard: what each site drew per month, and the suppliers by
/// status (rule 2's removals among them).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProcurementDashboard {
    /// The day the figures run to.
    pub as_of: NaiveDate,
    /// Drawn value (yuan, to the cent) per site, one figure per month (`categories`).
    pub draws: Chart,
    /// How many suppliers are at each stage (applying, admitted, suspended, removed, rejected).
    pub suppliers: Chart,
}

/// The dashboard as of `today`, named in `locale`.
pub async fn procurement(
    conn: &impl ConnectionTrait,
    locale: Locale,
    today: NaiveDate,
) -> AppResult<ProcurementDashboard> {
    let months = rules::last_months(today, MONTHS);
    let rows: Vec<(Option<i64>, NaiveDate, i64)> = movement::Entity::find()
        .select_only()
        .column(movement::Column::SiteId)
        .column(movement::Column::OnDate)
        .column_as(Expr::cust("CAST(SUM(amount) AS BIGINT)"), "a")
        .filter(
            movement::Column::Kind.is_in([LineKind::Issue.as_str(), LineKind::SiteReturn.as_str()]),
        )
        .filter(movement::Column::OnDate.gte(rules::first_day(today, MONTHS)))
        .filter(movement::Column::OnDate.lte(today))
        .group_by(movement::Column::SiteId)
        .group_by(movement::Column::OnDate)
        .into_tuple()
        .all(conn)
        .await?;
    let rows: Vec<(Option<i64>, NaiveDate, Decimal)> = rows
        .into_iter()
        .map(|(s, d, a)| (s, d, Decimal::new(a, 2)))
        .collect();
    let by_site = rules::draws_by_month(&months, &rows);
    let sites: HashMap<i64, String> = site::Entity::find()
        .filter(site::Column::Id.is_in(by_site.keys().copied()))
        .all(conn)
        .await?
        .into_iter()
        .map(|s| (s.id, locale.pick(&s.name_zh, &s.name_en).to_string()))
        .collect();
    let draws = Chart {
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
    };

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
        id: "suppliers-by-status".into(),
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
    Ok(ProcurementDashboard {
        as_of: today,
        draws,
        suppliers,
    })
}
