//! Funds-plan pages: the months' plans with the form that starts one (`/funds-plans`), and a
//! month's plan (`/funds-plans/{month}`): its lines and their forms, submitting, the head's
//! approval or return, payments on contracts, and the month-end comparison with downloads.

use super::rules::{Month, Status};
use super::store::{
    self, Comparison, ContractPaymentInput, FundsDecision, FundsLineInput, FundsPlanView,
    OpenContract, PlanFilter, PlanSummary,
};
use crate::auth::{Capability, CurrentUser};
use crate::error::{AppError, AppResult, FieldErrors, RuleCode};
use crate::export::Format;
use crate::state::AppState;
use crate::web::page::{CsrfForm, Form, FormErrors, PageCtx, field, form_outcome};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use rust_decimal::Decimal;
use sea_orm::EntityTrait;

#[derive(Template)]
#[template(path = "funds_plan/list.html")]
struct ListView {
    ctx: PageCtx,
    plans: Vec<PlanSummary>,
    /// What the list is narrowed to (the filter form and the home page's links).
    filter: PlanFilter,
    /// The month the start form proposes (the current one, or what was typed).
    month: String,
    /// The current month, its due day and whether its plan is late.
    current: Month,
    current_due: super::rules::Due,
    current_started: bool,
    may_start: bool,
    errors: FormErrors,
}

impl ListView {
    fn money(&self, d: &Decimal) -> String {
        self.ctx.money(d)
    }
    fn filtered(&self) -> bool {
        self.filter.status.is_some() || self.filter.mine.is_some() || self.filter.due.is_some()
    }
    fn status_is(&self, s: &str) -> bool {
        self.filter.status.as_deref() == Some(s)
    }
}

#[allow(clippy::too_many_arguments)]
async fn list(
    state: &AppState,
    ctx: PageCtx,
    user: &CurrentUser,
    filter: PlanFilter,
    month: String,
    errors: FormErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let today = state.today();
    let current = Month::of(today);
    let conn = &state.db.read;
    let plans = store::list(conn, user, &filter, today, state.tz()).await?;
    let started = match store::plan_of(conn, current).await? {
        Some(p) => Some(store::view(conn, p, today, state.tz()).await?),
        None => None,
    };
    let current_due = super::rules::due(current, None, today);
    let is_started = started.is_some();
    let view = ListView {
        filter,
        may_start: ctx.can(Capability::ManageFundsPlan),
        current_started: is_started,
        current_due: started
            .map(|p| super::rules::Due {
                due_on: p.due_on,
                late: p.late,
            })
            .unwrap_or(current_due),
        current,
        // This month's plan once started, the start form proposes the next month's.
        month: match (month.is_empty(), is_started) {
            (false, _) => month,
            (true, false) => current.to_string(),
            (true, true) => current.next().to_string(),
        },
        plans,
        ctx,
        errors,
    };
    Ok(crate::web::html_status(status, &view))
}

/// The months' funds plans, newest first, and the form that starts one.
#[get("/funds-plans")]
pub async fn list_page(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    filter: crate::web::Query<PlanFilter>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadFundsPlan)?;
    list(
        &state,
        ctx,
        &user,
        filter.into_inner(),
        String::new(),
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

/// Starts the plan of the month typed, pre-filled, and goes to it.
#[post("/funds-plans")]
pub async fn start_submit(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageFundsPlan)?;
    let typed = field(&form.0, "month");
    let result = async {
        let month = store::month_field(&typed)?;
        store::start_now(&state, &user, month).await?;
        Ok(month)
    }
    .await;
    let to = match &result {
        Ok(m) => format!("/funds-plans/{m}"),
        Err(_) => "/funds-plans".into(),
    };
    let locale = ctx.locale;
    form_outcome(
        result.map(|_| ()),
        locale,
        &to,
        "fp-flash-started",
        |errors, status| {
            list(
                &state,
                ctx,
                &user,
                PlanFilter::default(),
                typed.clone(),
                errors,
                status,
            )
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "funds_plan/plan.html")]
struct PlanPage {
    ctx: PageCtx,
    month: Month,
    plan: Option<FundsPlanView>,
    comparison: Comparison,
    /// Finance, and the plan a draft or returned.
    may_edit: bool,
    may_start: bool,
    may_submit: bool,
    /// A head, the plan submitted, and not one they raised.
    may_decide: bool,
    /// A head looking at a submitted plan they raised (rule 14).
    own: bool,
    may_pay: bool,
    contracts: Vec<OpenContract>,
    suppliers: Vec<(i64, String)>,
    /// Today in the company's time zone: the payment form's default day.
    today: chrono::NaiveDate,
    errors: FormErrors,
}

impl PlanPage {
    fn money(&self, d: &Decimal) -> String {
        self.ctx.money(d)
    }
    fn status_text(&self, s: &str) -> String {
        self.ctx.t(&format!("fp-status-{s}"))
    }
    fn source_text(&self, s: &str) -> String {
        self.ctx.t(&format!("fp-source-{s}"))
    }
    fn source_link(&self, source: &str, id: &Option<i64>) -> String {
        match (source, id) {
            ("statement", Some(id)) => format!("/statements/{id}"),
            ("contract", Some(id)) => format!("/contracts/{id}"),
            _ => String::new(),
        }
    }
    fn when(&self, at: &Option<chrono::DateTime<chrono::Utc>>) -> String {
        at.map(|a| self.ctx.when(&a)).unwrap_or_default()
    }
    fn kept_amount(&self, errors: &FormErrors, d: &Decimal) -> String {
        self.ctx
            .kept_in(errors, "planned_amount", crate::money::cents_text(*d))
    }
    fn paid_on(&self, errors: &FormErrors) -> String {
        self.ctx.kept_in(errors, "paid_on", self.today)
    }
}

async fn plan_view(
    state: &AppState,
    ctx: PageCtx,
    user: &CurrentUser,
    month: Month,
    errors: FormErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let conn = &state.db.read;
    let plan = match store::plan_of(conn, month).await? {
        Some(p) => Some(store::view(conn, p, state.today(), state.tz()).await?),
        None => None,
    };
    let comparison = store::comparison(conn, month).await?;
    let st = plan.as_ref().and_then(|p| Status::parse(&p.status));
    let finance = user.role.can(Capability::ManageFundsPlan);
    let head = user.role.can(Capability::ApproveFundsPlan);
    let may_edit = finance && st.is_some_and(Status::editable);
    let own = plan
        .as_ref()
        .is_some_and(|p| p.raised_by.contains(&user.id));
    let submitted = st == Some(Status::Submitted);
    let page = PlanPage {
        may_edit,
        may_start: finance && plan.is_none(),
        may_submit: may_edit && plan.as_ref().is_some_and(|p| !p.lines.is_empty()),
        may_decide: head && submitted && !own,
        own: head && submitted && own,
        may_pay: finance,
        contracts: if finance {
            store::open_contracts(conn).await?
        } else {
            Vec::new()
        },
        suppliers: if may_edit {
            store::supplier_choices(conn).await?
        } else {
            Vec::new()
        },
        today: state.today(),
        month,
        plan,
        comparison,
        ctx,
        errors,
    };
    Ok(crate::web::html_status(status, &page))
}

/// The month in a page's path; a malformed one is the list page with the month's error.
async fn month_or_page(
    state: &AppState,
    ctx: &PageCtx,
    user: &CurrentUser,
    raw: &str,
) -> Result<Month, AppResult<HttpResponse>> {
    match store::month_field(raw) {
        Ok(m) => Ok(m),
        Err(e) => {
            let errors = FormErrors::from_error(&e, ctx.locale);
            Err(list(
                state,
                ctx.clone(),
                user,
                PlanFilter::default(),
                raw.to_string(),
                errors,
                e.status(),
            )
            .await)
        }
    }
}

/// A month's plan (or the form that starts it), and its comparison with what was paid.
#[get("/funds-plans/{month}")]
pub async fn plan_page(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    month: web::Path<String>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadFundsPlan)?;
    let month = match month_or_page(&state, &ctx, &user, &month).await {
        Ok(m) => m,
        Err(page) => return page,
    };
    plan_view(
        &state,
        ctx,
        &user,
        month,
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

/// The amount typed in the form's field `name`, or its error under the store's name `amount`
/// (so that the store's "required" does not hide it; [`outcome`] renames it back).
fn amount_of(f: &Form, name: &str, errors: &mut FieldErrors) -> Option<Decimal> {
    let raw = field(f, name);
    if raw.is_empty() {
        return None;
    }
    let d = crate::money::parse_decimal(&raw);
    if d.is_none() {
        errors.add("amount", RuleCode::NotANumber);
    }
    d
}

/// Answers a page form of the plan: to the plan with a flash, or the plan again with the
/// errors (the API's field names as the form names them).
async fn outcome(
    state: &AppState,
    ctx: PageCtx,
    user: &CurrentUser,
    month: Month,
    result: AppResult<()>,
    flash: &str,
    renames: &[(&str, &str)],
) -> AppResult<HttpResponse> {
    let result = result.map_err(|e| {
        e.with_fields(|f| {
            for (from, to) in renames {
                f.rename(from, to);
            }
        })
    });
    let locale = ctx.locale;
    let to = format!("/funds-plans/{month}");
    form_outcome(result, locale, &to, flash, |errors, status| {
        plan_view(state, ctx, user, month, errors, status)
    })
    .await
}

/// Finance adds a line for a supplier (source `other`).
#[post("/funds-plans/{month}/lines")]
pub async fn add_line(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    month: web::Path<String>,
    form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageFundsPlan)?;
    let month = match month_or_page(&state, &ctx, &user, &month).await {
        Ok(m) => m,
        Err(page) => return page,
    };
    let f = form.0;
    let mut errors = FieldErrors::new();
    let amount = amount_of(&f, "planned_amount", &mut errors);
    let supplier_id = field(&f, "supplier_id").parse().ok();
    let input = FundsLineInput {
        id: None,
        supplier_id,
        amount,
        source: "other".into(),
        source_id: None,
        note: field(&f, "note"),
    };
    let result = store::set_line_now(&state, &user, month, input, errors)
        .await
        .map(|_| ());
    outcome(
        &state,
        ctx,
        &user,
        month,
        result,
        "fp-flash-line-added",
        &[("amount", "planned_amount")],
    )
    .await
}

/// Finance changes a line's amount and note.
#[post("/funds-plans/{month}/lines/{id}")]
pub async fn edit_line(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    path: web::Path<(String, i64)>,
    form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageFundsPlan)?;
    let (raw, id) = path.into_inner();
    let month = match month_or_page(&state, &ctx, &user, &raw).await {
        Ok(m) => m,
        Err(page) => return page,
    };
    let f = form.0;
    let result = async {
        let l = entity::funds_plan_line::Entity::find_by_id(id)
            .one(&state.db.read)
            .await?
            .ok_or(AppError::NotFound)?;
        let mut errors = FieldErrors::new();
        let amount = amount_of(&f, "planned_amount", &mut errors);
        let input = FundsLineInput {
            id: Some(l.id),
            supplier_id: Some(l.supplier_id.0),
            amount,
            source: l.source,
            source_id: l.source_id,
            note: field(&f, "note"),
        };
        store::set_line_now(&state, &user, month, input, errors)
            .await
            .map(|_| ())
    }
    .await;
    outcome(
        &state,
        ctx,
        &user,
        month,
        result,
        "fp-flash-line-saved",
        &[("amount", "planned_amount")],
    )
    .await
}

/// Finance removes a line.
#[post("/funds-plans/{month}/lines/{id}/delete")]
pub async fn remove_line(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    path: web::Path<(String, i64)>,
    _form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageFundsPlan)?;
    let (raw, id) = path.into_inner();
    let month = match month_or_page(&state, &ctx, &user, &raw).await {
        Ok(m) => m,
        Err(page) => return page,
    };
    let result = store::remove_line_now(&state, &user, month, id).await;
    outcome(
        &state,
        ctx,
        &user,
        month,
        result,
        "fp-flash-line-removed",
        &[],
    )
    .await
}

/// Finance submits the plan to the head.
#[post("/funds-plans/{month}/submit")]
pub async fn submit(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    month: web::Path<String>,
    _form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageFundsPlan)?;
    let month = match month_or_page(&state, &ctx, &user, &month).await {
        Ok(m) => m,
        Err(page) => return page,
    };
    let result = store::submit_now(&state, &user, month).await.map(|_| ());
    outcome(&state, ctx, &user, month, result, "fp-flash-submitted", &[]).await
}

/// The head approves or returns the plan (`decision`: `approve` or `return`).
#[post("/funds-plans/{month}/decision")]
pub async fn decide(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    month: web::Path<String>,
    form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ApproveFundsPlan)?;
    let month = match month_or_page(&state, &ctx, &user, &month).await {
        Ok(m) => m,
        Err(page) => return page,
    };
    let f = form.0;
    let result = async {
        let d = crate::web::page::choice_field(&f, "decision", &["approve", "return"])?;
        store::decide_now(
            &state,
            &user,
            month,
            FundsDecision {
                approve: d == "approve",
                reason: field(&f, "return_reason"),
            },
        )
        .await
        .map(|_| d)
    }
    .await;
    let flash = if matches!(result, Ok("return")) {
        "fp-flash-returned"
    } else {
        "fp-flash-approved"
    };
    outcome(
        &state,
        ctx,
        &user,
        month,
        result.map(|_| ()),
        flash,
        &[("reason", "return_reason")],
    )
    .await
}

/// Finance records a payment on an effective contract.
#[post("/funds-plans/{month}/payments")]
pub async fn payment(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    month: web::Path<String>,
    form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageFundsPlan)?;
    let month = match month_or_page(&state, &ctx, &user, &month).await {
        Ok(m) => m,
        Err(page) => return page,
    };
    let f = form.0;
    let mut errors = FieldErrors::new();
    let amount = amount_of(&f, "payment_amount", &mut errors);
    let raw_day = field(&f, "paid_on");
    let paid_on = if raw_day.is_empty() {
        None
    } else {
        let d = chrono::NaiveDate::parse_from_str(&raw_day, "%Y-%m-%d").ok();
        if d.is_none() {
            errors.add("paid_on", RuleCode::Date);
        }
        d
    };
    let input = ContractPaymentInput {
        contract_id: field(&f, "contract_id").parse().ok(),
        amount,
        paid_on,
        reference: field(&f, "reference"),
    };
    let result = store::record_payment_now(&state, &user, input, errors)
        .await
        .map(|_| ());
    outcome(
        &state,
        ctx,
        &user,
        month,
        result,
        "fp-flash-paid",
        &[("amount", "payment_amount")],
    )
    .await
}

/// The comparison as CSV or XLSX, headers in the page's language.
#[get("/funds-plans/{month}/download/{format}")]
pub async fn download(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadFundsPlan)?;
    let (month, format) = path.into_inner();
    let format = Format::parse(&format).ok_or(AppError::NotFound)?;
    let month = store::month_field(&month)?;
    super::api::download(&state, month, format, ctx.locale).await
}
