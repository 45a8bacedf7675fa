//! The no-movement list (rule 3) and its CSV export, for the warehouse and the office.

use super::store;
use crate::auth::{Capability, CurrentUser};
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::page::PageCtx;
use actix_web::{HttpResponse, get, web};
use askama::Template;
use entity::warehouse;
use rust_decimal::Decimal;
use sea_orm::EntityTrait;

// ----- The no-movement list and its export -----

#[derive(Template)]
#[template(path = "stock/no_movement.html")]
struct NoMovementView {
    ctx: PageCtx,
    lines: Vec<store::NoMovementLine>,
    warehouses: Vec<warehouse::Model>,
    warehouse_id: Option<i64>,
    as_of: String,
    csv_link: String,
}

impl NoMovementView {
    fn is_warehouse(&self, id: &i64) -> bool {
        self.warehouse_id == Some(*id)
    }
    fn money(&self, d: &Decimal) -> String {
        crate::money::text::amount(self.ctx.locale, *d)
    }
}

#[derive(serde::Deserialize)]
pub struct NoMovementForm {
    warehouse_id: Option<String>,
    as_of: Option<String>,
}

fn no_movement_params(state: &AppState, q: &NoMovementForm) -> (Option<i64>, chrono::NaiveDate) {
    let warehouse_id = q.warehouse_id.as_deref().and_then(|w| w.parse().ok());
    let as_of = q
        .as_of
        .as_deref()
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .unwrap_or_else(|| state.today());
    (warehouse_id, as_of)
}

#[get("/stock/no-movement")]
pub async fn no_movement_page(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    q: crate::web::Query<NoMovementForm>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadStock)?;
    let (warehouse_id, as_of) = no_movement_params(&state, &q);
    let lines = store::no_movement(
        &state.db.read,
        warehouse_id,
        as_of,
        ctx.locale == crate::i18n::Locale::ZhCn,
    )
    .await?;
    let warehouses = warehouse::Entity::find().all(&state.db.read).await?;
    let csv_link = format!(
        "/stock/no-movement.csv?as_of={as_of}{}",
        warehouse_id
            .map(|w| format!("&warehouse_id={w}"))
            .unwrap_or_default()
    );
    Ok(crate::web::html(&NoMovementView {
        ctx,
        lines,
        warehouses,
        warehouse_id,
        as_of: as_of.to_string(),
        csv_link,
    }))
}

/// The list as CSV for Excel: UTF-8 with a byte-order mark, headers in the user's language.
#[get("/stock/no-movement.csv")]
pub async fn no_movement_csv(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    q: crate::web::Query<NoMovementForm>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadStock)?;
    let (warehouse_id, as_of) = no_movement_params(&state, &q);
    let lines = store::no_movement(
        &state.db.read,
        warehouse_id,
        as_of,
        ctx.locale == crate::i18n::Locale::ZhCn,
    )
    .await?;
    // The one export path (`crate::export`): formula-safe text, the byte-order mark, CRLF.
    let sheet = no_movement_sheet(&lines, ctx.locale);
    Ok(crate::export::download(
        crate::export::Format::Csv,
        &format!("no-movement-{as_of}"),
        &sheet,
    )?)
}

/// The no-movement list (rule 3) as a sheet in `locale`: a line per lot with the reason it is
/// listed; the download and the monthly pack use it.
pub fn no_movement_sheet(
    lines: &[store::NoMovementLine],
    locale: crate::i18n::Locale,
) -> crate::export::Sheet {
    use crate::export::{Cell, Sheet};
    let mut sheet = Sheet::new(locale.t("nomove-title")).with_headers(
        [
            "field-supplier",
            "field-name",
            "field-spec",
            "field-unit",
            "catalogue-quantity",
            "nomove-value",
            "nomove-received",
            "nomove-last-movement",
            "nomove-days",
            "field-reasons",
        ]
        .iter()
        .map(|k| locale.t(k)),
    );
    for l in lines {
        let quantity = l.quantity.normalize();
        sheet.push_row([
            Cell::text(l.supplier.clone()),
            Cell::text(l.material.clone()),
            Cell::text(l.spec.clone()),
            Cell::text(l.unit.clone()),
            Cell::qty(quantity, quantity.scale()),
            Cell::money(l.value),
            Cell::date(l.received_on),
            Cell::date(l.last_movement_on),
            Cell::int(l.days_without_movement),
            Cell::text(locale.t(&format!("nomove-reason-{}", l.reason.as_str()))),
        ]);
    }
    sheet
}
