//! The plan-price JSON API: a year's plan prices with their history, setting one, and the
//! monthly price-difference table (with its download). Procurement sets; procurement, finance
//! and the auditor read.

use super::store::{self, PlanPriceEntry, PlanPriceInput, PlanPriceYear, PriceDifferences};
use crate::auth::{Capability, CurrentUser};
use crate::error::RuleCode;
use crate::error::{AppError, AppResult, ErrorBody, FieldErrors};
use crate::export::{Cell, Format, Sheet};
use crate::i18n::Locale;
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::Datelike;
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearQuery {
    /// The year; the current one when absent.
    pub year: Option<i64>,
}

/// The plan prices (计划价) of a year, by material code: each material's price in force and
/// its earlier settings.
#[utoipa::path(get, path = "/api/plan-prices", tag = "plan prices", security(("bearer" = ["read_plan_prices"])), params(YearQuery),
    responses((status = 200, body = PlanPriceYear), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[get("/api/plan-prices")]
pub async fn list_plan_prices(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: crate::web::Query<YearQuery>,
    req: HttpRequest,
) -> AppResult<web::Json<PlanPriceYear>> {
    user.require(Capability::ReadPlanPrices)?;
    let year = match q.year {
        None => state.today().year(),
        Some(y) => super::rules::plan_year(y).map_err(|c| AppError::field("year", c))?,
    };
    Ok(web::Json(
        store::year_view(&state.db.read, year, Locale::of(&req)).await?,
    ))
}

/// Sets the plan price of a material for a year (procurement). The earlier price stays in the
/// history; the new one governs issues from now on.
#[utoipa::path(post, path = "/api/plan-prices", tag = "plan prices", security(("bearer" = ["set_plan_prices"])), request_body = PlanPriceInput,
    responses((status = 201, body = PlanPriceEntry), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/plan-prices")]
pub async fn set_plan_price(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<PlanPriceInput>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    user.require(Capability::SetPlanPrices)?;
    let p = store::set_now(&state, &user, body.into_inner(), FieldErrors::new()).await?;
    Ok(HttpResponse::Created().json(store::entry_view(&state.db.read, p, Locale::of(&req)).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MonthQuery {
    /// `YYYY-MM`: the accounting month, named by the month it ends in (the books close on
    /// the cut-off day); the current one when absent or empty.
    pub month: Option<String>,
}

/// The monthly price-difference table (材料差价汇总表): the month's issues by category and
/// material, quantity, actual amount, plan amount and difference, with category subtotals
/// and a total; issues without a plan price are listed apart and counted.
#[utoipa::path(get, path = "/api/price-differences", tag = "plan prices", security(("bearer" = ["read_plan_prices"])), params(MonthQuery),
    responses((status = 200, body = PriceDifferences), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[get("/api/price-differences")]
pub async fn price_differences(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: crate::web::Query<MonthQuery>,
    req: HttpRequest,
) -> AppResult<web::Json<PriceDifferences>> {
    user.require(Capability::ReadPlanPrices)?;
    let month = store::month_info(&state, q.month.as_deref()).await?;
    Ok(web::Json(
        store::price_differences(&state.db.read, month, Locale::of(&req)).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportFormat {
    /// `csv` or `xlsx`.
    pub format: String,
}

/// The price-difference table as CSV or XLSX, headers in the caller's language.
#[utoipa::path(get, path = "/api/price-differences/export", tag = "plan prices", security(("bearer" = ["read_plan_prices"])),
    params(ExportFormat, MonthQuery),
    responses((status = 200, description = "CSV or XLSX file"), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[get("/api/price-differences/export")]
pub async fn export_price_differences(
    state: web::Data<AppState>,
    user: CurrentUser,
    f: crate::web::Query<ExportFormat>,
    q: crate::web::Query<MonthQuery>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadPlanPrices)?;
    let format =
        Format::parse(&f.format).ok_or_else(|| AppError::field("format", RuleCode::Format))?;
    download(&state, q.month.as_deref(), format, Locale::of(&req)).await
}

/// The table of the asked month as a file.
pub async fn download(
    state: &AppState,
    month: Option<&str>,
    format: Format,
    locale: Locale,
) -> AppResult<HttpResponse> {
    let month = store::month_info(state, month).await?;
    let t = store::price_differences(&state.db.read, month, locale).await?;
    Ok(crate::export::download(
        format,
        &format!("price-differences-{}", t.month.month),
        &sheet(&t, locale),
    )?)
}

/// The table as a sheet: the lines with a subtotal row after each category, the issues
/// without a plan price after them, the total as the footer.
pub fn sheet(t: &PriceDifferences, locale: Locale) -> Sheet {
    let places = |code: &str| crate::money::units::decimals(code).unwrap_or(3);
    let mut sheet = Sheet::new(format!("{} {}", locale.t("pp-diff-title"), t.month.month))
        .with_preamble(locale.t("pp-month"), t.month.month.to_string())
        .with_preamble(
            locale.t("pp-month-days"),
            format!("{} – {}", t.month.first_day, t.month.last_day),
        )
        .with_preamble(
            locale.t("pp-unplanned-count"),
            t.unplanned_issues.to_string(),
        )
        .with_headers(
            [
                "pp-category",
                "pp-material-code",
                "pp-material",
                "pp-spec",
                "pp-unit",
                "pp-quantity",
                "pp-actual-amount",
                "pp-plan-amount",
                "pp-difference",
            ]
            .iter()
            .map(|k| locale.t(k)),
        );
    for g in &t.categories {
        for l in &g.lines {
            sheet.push_row([
                Cell::text(format!("{} {}", g.category.code, g.category.name)),
                Cell::text(l.material.code.clone()),
                Cell::text(l.material.name.clone()),
                Cell::text(l.material.spec.clone()),
                Cell::text(l.material.unit.clone()),
                Cell::qty(l.quantity, places(&l.material.unit_code)),
                Cell::money(l.sums.actual_amount),
                Cell::money(l.sums.plan_amount),
                Cell::money(l.sums.difference),
            ]);
        }
        sheet.push_row([
            Cell::text(locale.t("pp-subtotal")),
            Cell::text(g.category.code.clone()),
            Cell::text(g.category.name.clone()),
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::money(g.subtotal.actual_amount),
            Cell::money(g.subtotal.plan_amount),
            Cell::money(g.subtotal.difference),
        ]);
    }
    if !t.unplanned.is_empty() {
        sheet.push_row([Cell::text(locale.t("pp-unplanned-title"))]);
        for u in &t.unplanned {
            sheet.push_row([
                Cell::text(format!("{} {}", u.category.code, u.category.name)),
                Cell::text(u.material.code.clone()),
                Cell::text(u.material.name.clone()),
                Cell::text(u.material.spec.clone()),
                Cell::text(u.material.unit.clone()),
                Cell::qty(u.quantity, places(&u.material.unit_code)),
                Cell::money(u.actual_amount),
                Cell::text(locale.t("pp-no-plan-price")),
                Cell::Empty,
            ]);
        }
    }
    sheet.push_footer([
        Cell::text(locale.t("pp-total")),
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::money(t.total.actual_amount),
        Cell::money(t.total.plan_amount),
        Cell::money(t.total.difference),
    ]);
    sheet
}
