//! The funds-plan JSON API: the plans, starting one for a month (pre-filled), its lines,
//! submitting and deciding it, the month-end comparison (with its download) and payments on
//! contracts. Finance prepares, the procurement head decides, finance, the head and the auditor
//! read.

use super::store::{
    self, Comparison, ContractPaymentInput, ContractPaymentView, FundsDecision, FundsLineInput,
    FundsPlanView, OpenContract, PlanSummary,
};
use crate::auth::{Capability, CurrentUser};
use crate::error::{AppError, AppResult, ErrorBody, FieldErrors, RuleCode};
use crate::export::{Cell, Format, Sheet};
use crate::i18n::Locale;
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

/// Every month's funds plan (资金计划), newest first, each with its state, due day and total;
/// narrowed by state, by who raised it, or to the current month's plan still owed by the 3rd.
#[utoipa::path(get, path = "/api/funds-plans", tag = "funds plan", security(("bearer" = ["read_funds_plan"])),
    params(store::PlanFilter),
    responses((status = 200, body = Vec<PlanSummary>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[get("/api/funds-plans")]
pub async fn list_plans(
    state: web::Data<AppState>,
    user: CurrentUser,
    filter: crate::web::Query<store::PlanFilter>,
) -> AppResult<web::Json<Vec<PlanSummary>>> {
    user.require(Capability::ReadFundsPlan)?;
    Ok(web::Json(
        store::list(&state.db.read, &user, &filter, state.today(), state.tz()).await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct StartInput {
    /// The calendar month, `YYYY-MM`.
    #[serde(default)]
    pub month: String,
}

/// Finance starts the plan of a month, pre-filled: one line per unpaid statement (its gross)
/// and one per effective contract due by the month's end (what is left to pay on it).
#[utoipa::path(post, path = "/api/funds-plans", tag = "funds plan", security(("bearer" = ["manage_funds_plan"])),
    request_body = StartInput,
    responses((status = 201, body = FundsPlanView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/funds-plans")]
pub async fn start_plan(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<StartInput>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageFundsPlan)?;
    let month = store::month_field(&body.month)?;
    store::start_now(&state, &user, month).await?;
    Ok(HttpResponse::Created().json(store::view_of(&state, month).await?))
}

/// The plan of a month with its lines; `late` when it was not submitted by the 3rd.
#[utoipa::path(get, path = "/api/funds-plans/{month}", tag = "funds plan", security(("bearer" = ["read_funds_plan"])),
    params(("month" = String, Path, description = "YYYY-MM")),
    responses((status = 200, body = FundsPlanView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[get("/api/funds-plans/{month}")]
pub async fn get_plan(
    state: web::Data<AppState>,
    user: CurrentUser,
    month: web::Path<String>,
) -> AppResult<web::Json<FundsPlanView>> {
    user.require(Capability::ReadFundsPlan)?;
    let month = store::month_field(&month)?;
    Ok(web::Json(store::view_of(&state, month).await?))
}

/// Finance adds a line (no `id`) or changes one, while the plan is a draft or returned.
#[utoipa::path(post, path = "/api/funds-plans/{month}/lines", tag = "funds plan", security(("bearer" = ["manage_funds_plan"])),
    params(("month" = String, Path, description = "YYYY-MM")), request_body = FundsLineInput,
    responses((status = 200, body = FundsPlanView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/funds-plans/{month}/lines")]
pub async fn set_line(
    state: web::Data<AppState>,
    user: CurrentUser,
    month: web::Path<String>,
    body: web::Json<FundsLineInput>,
) -> AppResult<web::Json<FundsPlanView>> {
    user.require(Capability::ManageFundsPlan)?;
    let month = store::month_field(&month)?;
    store::set_line_now(&state, &user, month, body.into_inner(), FieldErrors::new()).await?;
    Ok(web::Json(store::view_of(&state, month).await?))
}

/// Finance removes a line while the plan is a draft or returned.
#[utoipa::path(delete, path = "/api/funds-plans/{month}/lines/{id}", tag = "funds plan", security(("bearer" = ["manage_funds_plan"])),
    params(("month" = String, Path, description = "YYYY-MM"), ("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[delete("/api/funds-plans/{month}/lines/{id}")]
pub async fn remove_line(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, i64)>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageFundsPlan)?;
    let (month, id) = path.into_inner();
    let month = store::month_field(&month)?;
    store::remove_line_now(&state, &user, month, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Finance submits the plan; the procurement head is asked to approve it.
#[utoipa::path(post, path = "/api/funds-plans/{month}/submit", tag = "funds plan", security(("bearer" = ["manage_funds_plan"])),
    params(("month" = String, Path, description = "YYYY-MM")),
    responses((status = 200, body = FundsPlanView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/funds-plans/{month}/submit")]
pub async fn submit_plan(
    state: web::Data<AppState>,
    user: CurrentUser,
    month: web::Path<String>,
) -> AppResult<web::Json<FundsPlanView>> {
    user.require(Capability::ManageFundsPlan)?;
    let month = store::month_field(&month)?;
    store::submit_now(&state, &user, month).await?;
    Ok(web::Json(store::view_of(&state, month).await?))
}

/// The procurement head approves the submitted plan or returns it with a reason; never a plan
/// they prepared or submitted (rule 14). Decided once.
#[utoipa::path(post, path = "/api/funds-plans/{month}/decision", tag = "funds plan", security(("bearer" = ["approve_funds_plan"])),
    params(("month" = String, Path, description = "YYYY-MM")), request_body = FundsDecision,
    responses((status = 200, body = FundsPlanView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/funds-plans/{month}/decision")]
pub async fn decide_plan(
    state: web::Data<AppState>,
    user: CurrentUser,
    month: web::Path<String>,
    body: web::Json<FundsDecision>,
) -> AppResult<web::Json<FundsPlanView>> {
    user.require(Capability::ApproveFundsPlan)?;
    let month = store::month_field(&month)?;
    store::decide_now(&state, &user, month, body.into_inner()).await?;
    Ok(web::Json(store::view_of(&state, month).await?))
}

/// The month-end comparison: per supplier, planned, paid (statements paid in the month and
/// payments on contracts dated in it) and variance = paid − planned, with totals. A month
/// without a plan compares nothing planned with what was paid.
#[utoipa::path(get, path = "/api/funds-plans/{month}/comparison", tag = "funds plan", security(("bearer" = ["read_funds_plan"])),
    params(("month" = String, Path, description = "YYYY-MM")),
    responses((status = 200, body = Comparison), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[get("/api/funds-plans/{month}/comparison")]
pub async fn comparison(
    state: web::Data<AppState>,
    user: CurrentUser,
    month: web::Path<String>,
) -> AppResult<web::Json<Comparison>> {
    user.require(Capability::ReadFundsPlan)?;
    let month = store::month_field(&month)?;
    Ok(web::Json(store::comparison(&state.db.read, month).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportFormat {
    /// `csv` or `xlsx`.
    pub format: String,
}

/// The comparison as CSV or XLSX, headers in the caller's language.
#[utoipa::path(get, path = "/api/funds-plans/{month}/comparison/export", tag = "funds plan", security(("bearer" = ["read_funds_plan"])),
    params(("month" = String, Path, description = "YYYY-MM"), ExportFormat),
    responses((status = 200, description = "CSV or XLSX file"), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[get("/api/funds-plans/{month}/comparison/export")]
pub async fn export_comparison(
    state: web::Data<AppState>,
    user: CurrentUser,
    month: web::Path<String>,
    f: crate::web::Query<ExportFormat>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadFundsPlan)?;
    let format =
        Format::parse(&f.format).ok_or_else(|| AppError::field("format", RuleCode::Format))?;
    let month = store::month_field(&month)?;
    download(&state, month, format, Locale::of(&req)).await
}

/// The comparison of `month` as a file.
pub async fn download(
    state: &AppState,
    month: super::rules::Month,
    format: Format,
    locale: Locale,
) -> AppResult<HttpResponse> {
    let c = store::comparison(&state.db.read, month).await?;
    Ok(crate::export::download(
        format,
        &format!("funds-plan-comparison-{month}"),
        &sheet(&c, locale),
    )?)
}

/// The comparison as a sheet: a row per supplier, the totals as the footer.
pub fn sheet(c: &Comparison, locale: Locale) -> Sheet {
    let mut sheet = Sheet::new(format!("{} {}", locale.t("fp-comparison-title"), c.month))
        .with_preamble(locale.t("fp-month"), c.month.to_string())
        .with_preamble(
            locale.t("fp-days"),
            format!("{} – {}", c.first_day, c.last_day),
        )
        .with_preamble(
            locale.t("fp-status"),
            match &c.plan_status {
                Some(s) => locale.t(&format!("fp-status-{s}")),
                None => locale.t("fp-no-plan"),
            },
        )
        .with_headers(
            ["fp-supplier", "fp-planned", "fp-paid", "fp-variance"]
                .iter()
                .map(|k| locale.t(k)),
        );
    for r in &c.rows {
        sheet.push_row([
            Cell::text(r.supplier.name.clone()),
            Cell::money(r.planned),
            Cell::money(r.paid),
            Cell::money(r.variance),
        ]);
    }
    sheet.push_footer([
        Cell::text(locale.t("fp-total")),
        Cell::money(c.total.planned),
        Cell::money(c.total.paid),
        Cell::money(c.total.variance),
    ]);
    sheet
}

/// Effective contracts still to pay, with what was paid on each and what is left.
#[utoipa::path(get, path = "/api/contract-payments/open", tag = "funds plan", security(("bearer" = ["read_funds_plan"])),
    responses((status = 200, body = Vec<OpenContract>), (status = 403, body = ErrorBody)))]
#[get("/api/contract-payments/open")]
pub async fn open_contracts(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> AppResult<web::Json<Vec<OpenContract>>> {
    user.require(Capability::ReadFundsPlan)?;
    Ok(web::Json(store::open_contracts(&state.db.read).await?))
}

/// Finance records a payment on an effective contract: above zero, and the contract's
/// payments never add up to more than its total.
#[utoipa::path(post, path = "/api/contract-payments", tag = "funds plan", security(("bearer" = ["manage_funds_plan"])),
    request_body = ContractPaymentInput,
    responses((status = 201, body = ContractPaymentView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/contract-payments")]
pub async fn record_payment(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<ContractPaymentInput>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageFundsPlan)?;
    let p = store::record_payment_now(&state, &user, body.into_inner(), FieldErrors::new()).await?;
    Ok(HttpResponse::Created().json(store::payment_view(&state.db.read, p).await?))
}
