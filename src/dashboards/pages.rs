//! The dashboard pages: each chart as an inline SVG with its table beneath (folded) and its
//! downloads.

use super::store::{self, ProcurementDashboard};
use crate::auth::{Capability, CurrentUser};
use crate::charts::Chart;
use crate::error::{AppError, AppResult};
use crate::export::Format;
use crate::state::AppState;
use crate::web::page::PageCtx;
use actix_web::{HttpResponse, get, web};
use askama::Template;
use rust_decimal::Decimal;

#[derive(Template)]
#[template(path = "dashboards/procurement.html")]
struct ProcurementPage {
    ctx: PageCtx,
    d: ProcurementDashboard,
}

impl ProcurementPage {
    fn charts(&self) -> [&Chart; 2] {
        [&self.d.draws, &self.d.suppliers]
    }
    fn svg(&self, c: &Chart) -> String {
        c.svg(480.0, 320.0)
    }
    /// The table's rows: each category with its figures, one per series, as shown.
    fn rows(&self, c: &Chart) -> Vec<(String, Vec<String>)> {
        c.categories
            .iter()
            .enumerate()
            .map(|(i, cat)| {
                let figures = (0..c.series.len())
                    .map(|s| self.figure(c, c.value(s, i)))
                    .collect();
                (cat.clone(), figures)
            })
            .collect()
    }
    fn figure(&self, c: &Chart, v: Decimal) -> String {
        if c.money {
            crate::money::text::amount(self.ctx.locale, v)
        } else {
            v.normalize().to_string()
        }
    }
    fn series_name(&self, c: &Chart, s: &usize) -> String {
        c.series.get(*s).map(|s| s.name.clone()).unwrap_or_default()
    }
    fn category_header(&self, c: &Chart) -> String {
        category_header(&self.ctx, c)
    }
}

fn category_header(ctx: &PageCtx, c: &Chart) -> String {
    if c.money {
        ctx.t("dash-month")
    } else {
        ctx.t("dash-stage")
    }
}

#[get("/dashboards/procurement")]
pub async fn procurement(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadProcurement)?;
    let d = store::procurement(&state.db.read, ctx.locale, state.today()).await?;
    Ok(crate::web::html(&ProcurementPage { ctx, d }))
}

/// One chart's table as a file: `/dashboards/procurement/{chart}/{csv|xlsx}`.
#[get("/dashboards/procurement/{chart}/{format}")]
pub async fn procurement_download(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadProcurement)?;
    let (chart, format) = path.into_inner();
    let format = Format::parse(&format).ok_or(AppError::NotFound)?;
    let d = store::procurement(&state.db.read, ctx.locale, state.today()).await?;
    let c = [&d.draws, &d.suppliers]
        .into_iter()
        .find(|c| c.id == chart)
        .ok_or(AppError::NotFound)?;
    Ok(crate::export::download(
        format,
        &format!("{}-{}", c.title, d.as_of),
        &c.sheet(&category_header(&ctx, c)),
    )?)
}
