//! The dashboard pages: each chart as an inline SVG with its table beneath (folded) and its
//! downloads.

use super::api::dashboard;
use super::store::Dashboard;
use crate::auth::CurrentUser;
use crate::charts::Chart;
use crate::error::{AppError, AppResult};
use crate::export::Format;
use crate::state::AppState;
use crate::web::page::PageCtx;
use actix_web::{HttpResponse, get, web};
use askama::Template;
use rust_decimal::Decimal;

#[derive(Template)]
#[template(path = "dashboards/page.html")]
struct DashboardPage {
    ctx: PageCtx,
    d: Dashboard,
}

impl DashboardPage {
    fn title(&self) -> String {
        self.ctx.t(&format!("dash-{}-title", self.d.area))
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

/// What a chart's categories are, heading the first column of its table.
fn category_header(ctx: &PageCtx, c: &Chart) -> String {
    ctx.t(&format!("dash-axis-{}", c.id))
}

#[get("/dashboards/{area}")]
pub async fn page(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    area: web::Path<String>,
) -> AppResult<HttpResponse> {
    let d = dashboard(&state, &user, &area, ctx.locale).await?;
    Ok(crate::web::html(&DashboardPage { ctx, d }))
}

/// One chart's table as a file: `/dashboards/{area}/{chart}/{csv|xlsx}`.
#[get("/dashboards/{area}/{chart}/{format}")]
pub async fn download(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    path: web::Path<(String, String, String)>,
) -> AppResult<HttpResponse> {
    let (area, chart, format) = path.into_inner();
    let format = Format::parse(&format).ok_or(AppError::NotFound)?;
    let d = dashboard(&state, &user, &area, ctx.locale).await?;
    let c = d.chart(&chart).ok_or(AppError::NotFound)?;
    Ok(crate::export::download(
        format,
        &format!("{}-{}", c.title, d.as_of),
        &c.sheet(&category_header(&ctx, c)),
    )?)
}
