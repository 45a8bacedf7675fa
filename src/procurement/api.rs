//! The procurement JSON API: plans and their lines, the decision with routes, quotes and the
//! choice, the contract ledger with sign-offs, adopting a contract price, the ledger download.
//! Each view is read by one store function (`store::views`); handlers render it.

use super::rules::PlanMonth;
use super::store::{
    self, ChoiceDecision, ChoiceInput, ContractDates, ContractFilter, LineInput, NewPlan,
    PlanDecision, QuoteInput, SignoffInput,
};
use super::store::{
    ContractDetail, ContractView, LineView, PlanDetail, PlanView, QuoteComparison, comparison,
    contract_detail, contract_views, ledger, line_views, plan_detail,
};
use crate::auth::{Capability, CurrentUser};
use crate::error::RuleCode;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::export::{Cell, Format, Sheet};
use crate::i18n::Locale;
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, put, web};
use chrono::NaiveDate;
use entity::plan_line;
use entity::{ListingId, SupplierId};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

// ----- Plans -----

/// Monthly procurement plans (procurement, audit; a site manager for its own site's lines).
#[utoipa::path(get, path = "/api/plans", tag = "procurement", security(("bearer" = ["read_plans"])),
    responses((status = 200, body = [PlanView]), (status = 403, body = ErrorBody)))]
#[get("/api/plans")]
pub async fn list_plans(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> AppResult<web::Json<Vec<PlanView>>> {
    user.require(Capability::ReadPlans)?;
    let today = state.today();
    Ok(web::Json(
        store::list_plans(&state.db.read, &user)
            .await?
            .into_iter()
            .map(|p| PlanView::new(p, today))
            .collect(),
    ))
}

/// Plan lines across plans, by status and route; `open=true`: the lines routed to quotes
/// that still wait for quotes and a choice.
#[utoipa::path(get, path = "/api/plan-lines", tag = "procurement", security(("bearer" = ["read_plans"])), params(store::LineFilter),
    responses((status = 200, body = [LineView]), (status = 403, body = ErrorBody)))]
#[get("/api/plan-lines")]
pub async fn list_lines(
    state: web::Data<AppState>,
    user: CurrentUser,
    req: HttpRequest,
    f: crate::web::Query<store::LineFilter>,
) -> AppResult<web::Json<Vec<LineView>>> {
    user.require(Capability::ReadPlans)?;
    let lines = store::list_lines(&state.db.read, &user, &f).await?;
    Ok(web::Json(
        line_views(&state.db.read, lines, Locale::of(&req)).await?,
    ))
}

/// Opens the plan of a month (this month or later; one per month).
#[utoipa::path(post, path = "/api/plans", tag = "procurement", security(("bearer" = ["plan_needs"])), request_body = NewPlan,
    responses((status = 201, body = PlanView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/plans")]
pub async fn open_plan(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<NewPlan>,
) -> AppResult<HttpResponse> {
    user.require(Capability::PlanNeeds)?;
    let p = store::open_plan_now(&state, &user, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(PlanView::new(p, state.today())))
}

#[utoipa::path(get, path = "/api/plans/{id}", tag = "procurement", security(("bearer" = ["read_plans"])),
    params(("id" = i64, Path)),
    responses((status = 200, body = PlanDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/api/plans/{id}")]
pub async fn get_plan(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    req: HttpRequest,
) -> AppResult<web::Json<PlanDetail>> {
    user.require(Capability::ReadPlans)?;
    Ok(web::Json(
        plan_detail(&state, &user, *id, Locale::of(&req)).await?,
    ))
}

async fn one_line(state: &AppState, l: plan_line::Model, locale: Locale) -> AppResult<LineView> {
    line_views(&state.db.read, vec![l], locale)
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

/// Adds a line to a plan being drawn up. A need-by date closer than the plan type's lead time
/// (normal 15 days, changed 7, temporary 3, emergency 0) is refused on `need_by`.
#[utoipa::path(post, path = "/api/plans/{id}/lines", tag = "procurement", security(("bearer" = ["plan_needs"])),
    params(("id" = i64, Path)), request_body = LineInput,
    responses((status = 201, body = LineView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/plans/{id}/lines")]
pub async fn add_line(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: web::Json<LineInput>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    user.require(Capability::PlanNeeds)?;
    let l = store::add_line_now(&state, &user, *id, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(one_line(&state, l, Locale::of(&req)).await?))
}

#[utoipa::path(put, path = "/api/plan-lines/{id}", tag = "procurement", security(("bearer" = ["plan_needs"])),
    params(("id" = i64, Path)), request_body = LineInput,
    responses((status = 200, body = LineView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[put("/api/plan-lines/{id}")]
pub async fn update_line(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: web::Json<LineInput>,
    req: HttpRequest,
) -> AppResult<web::Json<LineView>> {
    user.require(Capability::PlanNeeds)?;
    let l = store::update_line_now(&state, &user, *id, body.into_inner()).await?;
    Ok(web::Json(one_line(&state, l, Locale::of(&req)).await?))
}

#[utoipa::path(delete, path = "/api/plan-lines/{id}", tag = "procurement", security(("bearer" = ["plan_needs"])),
    params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[delete("/api/plan-lines/{id}")]
pub async fn remove_line(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    user.require(Capability::PlanNeeds)?;
    store::remove_line_now(&state, &user, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The procurement officer submits the plan to the head.
#[utoipa::path(post, path = "/api/plans/{id}/submit", tag = "procurement", security(("bearer" = ["manage_procurement"])),
    params(("id" = i64, Path)),
    responses((status = 200, body = PlanView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/plans/{id}/submit")]
pub async fn submit_plan(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<web::Json<PlanView>> {
    user.require(Capability::ManageProcurement)?;
    let p = store::submit_plan_now(&state, &user, *id).await?;
    Ok(web::Json(PlanView::new(p, state.today())))
}

/// The procurement head approves the plan as a whole (each line is routed and the route
/// stored) or sends it back with a reason.
#[utoipa::path(post, path = "/api/plans/{id}/decision", tag = "procurement", security(("bearer" = ["approve_procurement"])),
    params(("id" = i64, Path)), request_body = PlanDecision,
    responses((status = 200, body = PlanDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/plans/{id}/decision")]
pub async fn decide_plan(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: web::Json<PlanDecision>,
    req: HttpRequest,
) -> AppResult<web::Json<PlanDetail>> {
    user.require(Capability::ApproveProcurement)?;
    store::decide_plan_now(&state, &user, *id, body.into_inner()).await?;
    Ok(web::Json(
        plan_detail(&state, &user, *id, Locale::of(&req)).await?,
    ))
}

// ----- Quotes -----

/// A line's quotes, cheapest first, the cheapest marked.
#[utoipa::path(get, path = "/api/plan-lines/{id}/quotes", tag = "procurement", security(("bearer" = ["read_procurement"])),
    params(("id" = i64, Path)),
    responses((status = 200, body = QuoteComparison), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/api/plan-lines/{id}/quotes")]
pub async fn line_quotes(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    req: HttpRequest,
) -> AppResult<web::Json<QuoteComparison>> {
    user.require(Capability::ReadProcurement)?;
    Ok(web::Json(comparison(&state, *id, Locale::of(&req)).await?))
}

/// Records an admitted supplier's quote for a line routed to quotes (one per supplier).
#[utoipa::path(post, path = "/api/plan-lines/{id}/quotes", tag = "procurement", security(("bearer" = ["manage_procurement"])),
    params(("id" = i64, Path)), request_body = QuoteInput,
    responses((status = 201, body = QuoteComparison), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/plan-lines/{id}/quotes")]
pub async fn record_quote(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: web::Json<QuoteInput>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageProcurement)?;
    store::record_quote_now(&state, &user, *id, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(comparison(&state, *id, Locale::of(&req)).await?))
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChoiceResult {
    pub line: LineView,
    /// The draft contract, when the approved purchase is worth the contract threshold or more.
    pub contract: Option<ContractView>,
}

async fn choice_result(
    state: &AppState,
    l: plan_line::Model,
    c: Option<entity::contract::Model>,
    locale: Locale,
) -> AppResult<ChoiceResult> {
    let contract = match c {
        Some(c) => contract_views(&state.db.read, vec![c], state.now())
            .await?
            .pop(),
        None => None,
    };
    Ok(ChoiceResult {
        line: one_line(state, l, locale).await?,
        contract,
    })
}

/// Chooses a quote: three suppliers' quotes first; not the cheapest needs a reason. The choice
/// then waits for the procurement head (`status: choice_pending`, rule 14).
#[utoipa::path(post, path = "/api/plan-lines/{id}/choice", tag = "procurement", security(("bearer" = ["manage_procurement"])),
    params(("id" = i64, Path)), request_body = ChoiceInput,
    responses((status = 200, body = ChoiceResult), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/plan-lines/{id}/choice")]
pub async fn choose(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: web::Json<ChoiceInput>,
    req: HttpRequest,
) -> AppResult<web::Json<ChoiceResult>> {
    user.require(Capability::ManageProcurement)?;
    let l = store::choose_now(&state, &user, *id, body.into_inner()).await?;
    Ok(web::Json(
        choice_result(&state, l, None, Locale::of(&req)).await?,
    ))
}

/// The procurement head approves an officer's quote choice (a purchase worth the contract
/// threshold or more becomes a draft contract, a smaller one is ordered) or sends it back with
/// a reason; never a choice of their own (rule 14).
#[utoipa::path(post, path = "/api/plan-lines/{id}/choice/decision", tag = "procurement", security(("bearer" = ["approve_procurement"])),
    params(("id" = i64, Path)), request_body = ChoiceDecision,
    responses((status = 200, body = ChoiceResult), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/plan-lines/{id}/choice/decision")]
pub async fn decide_choice(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: web::Json<ChoiceDecision>,
    req: HttpRequest,
) -> AppResult<web::Json<ChoiceResult>> {
    user.require(Capability::ApproveProcurement)?;
    let (l, c) = store::decide_choice_now(&state, &user, *id, body.into_inner()).await?;
    Ok(web::Json(
        choice_result(&state, l, c, Locale::of(&req)).await?,
    ))
}

// ----- Contracts -----

/// The contract ledger, newest first; `overdue=true` lists those with a late sign-off.
#[utoipa::path(get, path = "/api/contracts", tag = "procurement", security(("bearer" = ["read_procurement"])), params(ContractFilter),
    responses((status = 200, body = [ContractView]), (status = 403, body = ErrorBody)))]
#[get("/api/contracts")]
pub async fn list_contracts(
    state: web::Data<AppState>,
    user: CurrentUser,
    f: crate::web::Query<ContractFilter>,
) -> AppResult<web::Json<Vec<ContractView>>> {
    user.require(Capability::ReadProcurement)?;
    Ok(web::Json(ledger(&state, &f).await?))
}

#[utoipa::path(get, path = "/api/contracts/{id}", tag = "procurement", security(("bearer" = ["read_procurement"])),
    params(("id" = i64, Path)),
    responses((status = 200, body = ContractDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/api/contracts/{id}")]
pub async fn get_contract(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    req: HttpRequest,
) -> AppResult<web::Json<ContractDetail>> {
    user.require(Capability::ReadProcurement)?;
    Ok(web::Json(
        contract_detail(&state, *id, Locale::of(&req)).await?,
    ))
}

/// Sets a draft's (or rejected contract's) dates.
#[utoipa::path(put, path = "/api/contracts/{id}", tag = "procurement", security(("bearer" = ["manage_procurement"])),
    params(("id" = i64, Path)), request_body = ContractDates,
    responses((status = 200, body = ContractView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[put("/api/contracts/{id}")]
pub async fn update_contract(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: web::Json<ContractDates>,
) -> AppResult<web::Json<ContractView>> {
    user.require(Capability::ManageProcurement)?;
    let c = store::update_contract_now(&state, &user, *id, body.into_inner()).await?;
    let mut v = contract_views(&state.db.read, vec![c], state.now()).await?;
    Ok(web::Json(v.pop().ok_or(AppError::NotFound)?))
}

/// Submits the contract for sign-off; the auditors are emailed.
#[utoipa::path(post, path = "/api/contracts/{id}/submit", tag = "procurement", security(("bearer" = ["manage_procurement"])),
    params(("id" = i64, Path)),
    responses((status = 200, body = ContractView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/contracts/{id}/submit")]
pub async fn submit_contract(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<web::Json<ContractView>> {
    user.require(Capability::ManageProcurement)?;
    let c = store::submit_contract_now(&state, &user, *id).await?;
    let mut v = contract_views(&state.db.read, vec![c], state.now()).await?;
    Ok(web::Json(v.pop().ok_or(AppError::NotFound)?))
}

/// An auditor records the company's or the group's sign-off (approve, or reject with a note).
#[utoipa::path(post, path = "/api/contracts/{id}/signoffs", tag = "procurement", security(("bearer" = ["sign_contracts"])),
    params(("id" = i64, Path)), request_body = SignoffInput,
    responses((status = 200, body = ContractDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/contracts/{id}/signoffs")]
pub async fn sign_off(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: web::Json<SignoffInput>,
    req: HttpRequest,
) -> AppResult<web::Json<ContractDetail>> {
    user.require(Capability::SignContracts)?;
    store::sign_off_now(&state, &user, *id, body.into_inner()).await?;
    Ok(web::Json(
        contract_detail(&state, *id, Locale::of(&req)).await?,
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AdoptedPrice {
    pub id: i64,
    pub listing_id: ListingId,
    #[schema(value_type = String)]
    pub old_price: Decimal,
    #[schema(value_type = String)]
    pub new_price: Decimal,
    pub effective_on: NaiveDate,
    /// `pending` until procurement approves it on the price-change list.
    pub status: String,
}

/// Requests the contract item's unit price as the supplier's listing price of the material
/// (an effective contract; the supplier must list the material). Procurement approves it
/// like any price change.
#[utoipa::path(post, path = "/api/contract-items/{id}/adopt-price", tag = "procurement", security(("bearer" = ["manage_procurement"])),
    params(("id" = i64, Path)),
    responses((status = 201, body = [AdoptedPrice]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/contract-items/{id}/adopt-price")]
pub async fn adopt_price(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageProcurement)?;
    let made = store::adopt_price_now(&state, &user, *id).await?;
    let body: Vec<AdoptedPrice> = made
        .into_iter()
        .map(|c| AdoptedPrice {
            id: c.id,
            listing_id: c.listing_id,
            old_price: c.old_price.value(),
            new_price: c.new_price.value(),
            effective_on: c.effective_on,
            status: c.status,
        })
        .collect();
    Ok(HttpResponse::Created().json(body))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LedgerExport {
    /// `csv` or `xlsx`.
    pub format: String,
    pub status: Option<String>,
    #[param(value_type = Option<i64>)]
    pub supplier_id: Option<SupplierId>,
    pub overdue: Option<bool>,
}

/// The contract ledger as a spreadsheet, headers in `locale`.
pub fn ledger_sheet(list: &[ContractView], locale: Locale, tz: chrono_tz::Tz) -> Sheet {
    let t = |k: &str| locale.t(k);
    let mut sheet = Sheet::new(t("proc-ledger-title")).with_headers(
        [
            "proc-contract-number",
            "field-supplier",
            "proc-contract-source",
            "proc-contract-total",
            "field-status",
            "proc-contract-signed-on",
            "proc-contract-starts-on",
            "proc-contract-ends-on",
            "proc-signoff-company",
            "proc-signoff-group",
            "proc-overdue",
        ]
        .iter()
        .map(|k| t(k)),
    );
    let signoff = |c: &ContractView, level: &str| -> Cell {
        match c.signoffs.iter().find(|s| s.level == level) {
            None => Cell::text(t("proc-signoff-not-needed")),
            Some(s) => Cell::text(match (&s.decision, s.due_at) {
                (Some(d), _) => locale.t(&format!("proc-decision-{d}")),
                (None, Some(due)) => format!(
                    "{} {}",
                    t("proc-signoff-due"),
                    crate::time::display(due, tz)
                ),
                (None, None) => String::new(),
            }),
        }
    };
    let date = |d: Option<NaiveDate>| d.map(Cell::date).unwrap_or(Cell::Empty);
    // Stored amounts, each at most `Money::max()`; saturating, so no list can panic the sheet.
    let mut total = Decimal::ZERO;
    for c in list {
        total = total.saturating_add(c.total);
        sheet.push_row(vec![
            Cell::text(c.number.clone()),
            Cell::text(c.supplier.clone()),
            Cell::text(locale.t(&format!("proc-source-{}", c.source))),
            Cell::money(c.total),
            Cell::text(locale.t(&format!("proc-contract-status-{}", c.status))),
            date(c.signed_on),
            date(c.starts_on),
            date(c.ends_on),
            signoff(c, "company"),
            signoff(c, "group"),
            Cell::text(if c.overdue {
                t("common-yes")
            } else {
                String::new()
            }),
        ]);
    }
    let mut footer = vec![Cell::Empty; 11];
    footer[2] = Cell::text(t("proc-total"));
    footer[3] = Cell::money(total);
    sheet.push_footer(footer);
    sheet
}

#[utoipa::path(get, path = "/api/contracts/export", tag = "procurement", security(("bearer" = ["read_procurement"])),
    params(LedgerExport),
    responses((status = 200, description = "CSV or XLSX file"), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[get("/api/contracts/export")]
pub async fn export(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: crate::web::Query<LedgerExport>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadProcurement)?;
    let format =
        Format::parse(&q.format).ok_or_else(|| AppError::field("format", RuleCode::Format))?;
    let q = q.into_inner();
    let f = ContractFilter {
        status: q.status,
        supplier_id: q.supplier_id,
        overdue: q.overdue,
    };
    let list = ledger(&state, &f).await?;
    let locale = Locale::of(&req);
    let sheet = ledger_sheet(&list, locale, state.tz());
    Ok(crate::export::download(
        format,
        &format!("{}-{}", locale.t("proc-ledger-title"), state.today()),
        &sheet,
    )?)
}

/// The current month and the next, for choosing a plan month.
pub fn month_choices(today: NaiveDate) -> (String, String) {
    let this = PlanMonth::of(today);
    (this.to_string(), this.next().to_string())
}

/// Whether `user` may act on a plan line of `site_id` in a plan being drawn up.
pub fn may_edit_line(user: &CurrentUser, site_id: i64) -> bool {
    user.role.can(Capability::PlanNeeds)
        && (user.role.can(Capability::ReadProcurement) || user.site_id == Some(site_id))
}
