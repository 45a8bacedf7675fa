//! Procurement pages: the monthly plans (lines added by sites and the office, submitted by the
//! officer, approved or sent back by the head, with each line's route), the quotes of a line
//! (recorded, compared cheapest first, chosen with a reason), and the contract ledger with a
//! page per contract (items, sign-offs and their forms) and CSV/XLSX downloads.

use super::api::{ledger_sheet, may_edit_line, month_choices};
use super::rules::{ContractStatus, PlanStatus, PlanType};
use super::store::{
    self, ChoiceDecision, ChoiceInput, ContractDates, ContractFilter, LineInput, NewPlan,
    PlanDecision, QuoteInput, SignoffInput,
};
use super::store::{
    ContractDetail, ContractView, LineView, PlanDetail, PlanView, QuoteComparison, comparison,
    contract_detail, ledger, plan_detail,
};
use crate::auth::{Capability, CurrentUser};
use crate::error::RuleCode;
use crate::error::{AppError, AppResult};
use crate::export::Format;
use crate::money::text;
use crate::state::AppState;
use crate::web::page::{CsrfForm, FormErrors, PageCtx, form_outcome, redirect_with_flash};
use crate::web::page::{Form, choice_field, date_field as date, decimal_field as decimal, field};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use chrono::NaiveDate;
use entity::{SupplierId, site, supplier};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

fn optional_date(f: &Form, k: &str) -> AppResult<Option<NaiveDate>> {
    if field(f, k).is_empty() {
        Ok(None)
    } else {
        date(f, k).map(Some)
    }
}

fn id<T: std::str::FromStr>(f: &Form, k: &str) -> AppResult<T> {
    field(f, k)
        .parse()
        .map_err(|_| AppError::field(k, RuleCode::Required))
}

// ----- Plans -----

#[derive(Template)]
#[template(path = "procurement/plans.html")]
struct PlansPage {
    ctx: PageCtx,
    plans: Vec<PlanView>,
    may_open: bool,
    this_month: String,
    next_month: String,
    errors: FormErrors,
}

async fn plans_page(
    state: &AppState,
    ctx: PageCtx,
    user: &CurrentUser,
    errors: FormErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    plans_page_in(state, ctx, user, errors, status, None).await
}

async fn plans_page_in(
    state: &AppState,
    ctx: PageCtx,
    user: &CurrentUser,
    errors: FormErrors,
    status: StatusCode,
    only: Option<&str>,
) -> AppResult<HttpResponse> {
    let today = state.today();
    let plans = store::list_plans_in(&state.db.read, user, only)
        .await?
        .into_iter()
        .map(|p| PlanView::new(p, today))
        .collect();
    let (this_month, next_month) = month_choices(today);
    Ok(crate::web::html_status(
        status,
        &PlansPage {
            ctx,
            plans,
            may_open: user.role.can(Capability::PlanNeeds),
            this_month,
            next_month,
            errors,
        },
    ))
}

/// The plans, newest month first; `status=submitted` lists only those waiting for the head.
#[get("/plans")]
pub async fn plan_list(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    q: crate::web::Query<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadPlans)?;
    let only = q.get("status").map(String::as_str);
    plans_page_in(
        &state,
        ctx,
        &user,
        FormErrors::default(),
        StatusCode::OK,
        only,
    )
    .await
}

#[derive(Template)]
#[template(path = "procurement/plan_lines.html")]
struct LinesPage {
    ctx: PageCtx,
    lines: Vec<LineView>,
    filter: store::LineFilter,
    statuses: [&'static str; 5],
    routes: Vec<&'static str>,
}

impl LinesPage {
    fn chosen_status(&self, s: &str) -> bool {
        self.filter.status.as_deref() == Some(s)
    }
    fn chosen_route(&self, r: &str) -> bool {
        self.filter.route.as_deref() == Some(r)
    }
    fn route_key(&self, l: &LineView) -> String {
        l.route
            .as_deref()
            .map(|r| format!("proc-route-{r}"))
            .unwrap_or_else(|| "proc-route-none".into())
    }
}

/// Plan lines across the plans, by status and route; `open=true` lists the lines routed to
/// quotes that still wait for quotes and a choice (the officer's home page counts them).
#[get("/plan-lines")]
pub async fn line_list(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    q: crate::web::Query<store::LineFilter>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadPlans)?;
    let filter = q.into_inner();
    let lines = store::list_lines(&state.db.read, &user, &filter).await?;
    let lines = store::line_views(&state.db.read, lines, ctx.locale).await?;
    Ok(crate::web::html(&LinesPage {
        ctx,
        lines,
        filter,
        statuses: [
            "planned",
            "routed",
            store::CHOICE_PENDING,
            "ordered",
            "contracted",
        ],
        routes: super::rules::Route::ALL
            .into_iter()
            .map(super::rules::Route::as_str)
            .collect(),
    }))
}

#[post("/plans")]
pub async fn open_plan(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::PlanNeeds)?;
    let month = field(&form.0, "month");
    match store::open_plan_now(&state, &user, NewPlan { month }).await {
        Ok(p) => Ok(redirect_with_flash(
            &format!("/plans/{}", p.id),
            "success",
            "proc-flash-plan-opened",
        )),
        Err(e) => {
            let locale = ctx.locale;
            form_outcome(Err(e), locale, "/plans", "flash-saved", |errors, status| {
                plans_page(&state, ctx, &user, errors, status)
            })
            .await
        }
    }
}

/// A material as the line form offers it.
struct MaterialOption {
    id: i64,
    label: String,
}

#[derive(Template)]
#[template(path = "procurement/plan.html")]
struct PlanPage {
    ctx: PageCtx,
    d: PlanDetail,
    may_add: bool,
    may_submit: bool,
    may_decide: bool,
    /// The lines this user may change or remove (plan being drawn up).
    editable_lines: Vec<i64>,
    materials: Vec<MaterialOption>,
    /// Sites the user may plan for; a site manager has its own only.
    sites: Vec<(i64, String)>,
    plan_types: Vec<(&'static str, u32)>,
    material_query: String,
    /// The add form's values when it is shown again with errors.
    form: Form,
    errors: FormErrors,
}

impl PlanPage {
    fn money(&self, d: &Decimal) -> String {
        text::amount(self.ctx.locale, *d)
    }
    fn price(&self, d: &Decimal) -> String {
        text::unit_price(self.ctx.locale, *d)
    }
    fn v(&self, k: &str) -> String {
        field(&self.form, k)
    }
    fn chosen(&self, k: &str, v: &str) -> bool {
        self.form.get(k).map(String::as_str) == Some(v)
    }
    fn chosen_id(&self, k: &str, v: &i64) -> bool {
        field(&self.form, k) == v.to_string()
    }
    fn may_edit(&self, line_id: &i64) -> bool {
        self.editable_lines.contains(line_id)
    }
    fn route_key(&self, l: &LineView) -> String {
        l.route
            .as_deref()
            .map(|r| format!("proc-route-{r}"))
            .unwrap_or_else(|| "proc-route-none".into())
    }
    fn when(&self, at: &Option<chrono::DateTime<chrono::Utc>>) -> String {
        at.map(|a| self.ctx.when(&a)).unwrap_or_default()
    }
    fn qty(&self, d: &Option<Decimal>) -> String {
        d.map(|d| d.normalize().to_string()).unwrap_or_default()
    }
}

async fn line_form_choices(
    state: &AppState,
    user: &CurrentUser,
    material_query: &str,
    ctx: &PageCtx,
) -> AppResult<(Vec<MaterialOption>, Vec<(i64, String)>)> {
    let (found, _) = crate::materials::search(
        &state.db.read,
        &crate::materials::MaterialQuery {
            q: Some(material_query.to_string()).filter(|q| !q.is_empty()),
            category_id: None,
            page: None,
        },
        1,
    )
    .await?;
    let materials = found
        .into_iter()
        .map(|m| MaterialOption {
            id: m.id,
            label: format!(
                "{} {} {} ({})",
                m.code,
                ctx.pick(&m.name_zh, &m.name_en),
                m.spec,
                m.unit_code
            ),
        })
        .collect();
    let mut q = site::Entity::find().filter(site::Column::Active.eq(true));
    if !user.role.can(Capability::ReadProcurement) {
        q = q.filter(site::Column::Id.eq(user.site_id.unwrap_or(0)));
    }
    let sites = q
        .order_by_asc(site::Column::Code)
        .all(&state.db.read)
        .await?
        .into_iter()
        .map(|s| (s.id, ctx.pick(&s.name_zh, &s.name_en)))
        .collect();
    Ok((materials, sites))
}

#[allow(clippy::too_many_arguments)]
async fn plan_page(
    state: &AppState,
    ctx: PageCtx,
    user: &CurrentUser,
    id: i64,
    material_query: String,
    form: Form,
    errors: FormErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let d = plan_detail(state, user, id, ctx.locale).await?;
    let plan_status = PlanStatus::parse(&d.plan.status);
    let editable = plan_status.is_some_and(PlanStatus::editable);
    let editable_lines = if editable {
        d.lines
            .iter()
            .filter(|l| may_edit_line(user, l.site_id))
            .map(|l| l.id)
            .collect()
    } else {
        Vec::new()
    };
    let may_add = editable && user.role.can(Capability::PlanNeeds);
    let (materials, sites) = if may_add {
        line_form_choices(state, user, &material_query, &ctx).await?
    } else {
        (Vec::new(), Vec::new())
    };
    Ok(crate::web::html_status(
        status,
        &PlanPage {
            may_submit: editable
                && !d.lines.is_empty()
                && user.role.can(Capability::ManageProcurement),
            may_decide: plan_status == Some(PlanStatus::Submitted)
                && user.role.can(Capability::ApproveProcurement),
            ctx,
            d,
            may_add,
            editable_lines,
            materials,
            sites,
            plan_types: PlanType::ALL
                .iter()
                .map(|t| (t.as_str(), t.lead_days()))
                .collect(),
            material_query,
            form,
            errors,
        },
    ))
}

#[derive(serde::Deserialize)]
pub struct PlanQuery {
    /// Narrows the materials the add form offers.
    m: Option<String>,
}

#[get("/plans/{id}")]
pub async fn plan_view(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<i64>,
    q: crate::web::Query<PlanQuery>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadPlans)?;
    let m = q.into_inner().m.unwrap_or_default().trim().to_string();
    plan_page(
        &state,
        ctx,
        &user,
        *id,
        m,
        Form::new(),
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

fn line_input(f: &Form) -> AppResult<LineInput> {
    Ok(LineInput {
        material_id: id(f, "material_id")
            .map_err(|_| AppError::field("material_id", RuleCode::Required))?,
        site_id: field(f, "site_id").parse().ok(),
        quantity: decimal(f, "quantity")?,
        est_price: decimal(f, "est_price")?,
        need_by: date(f, "need_by")?,
        plan_type: field(f, "plan_type"),
        note: field(f, "note"),
    })
}

#[post("/plans/{id}/lines")]
pub async fn add_line(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<i64>,
    form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::PlanNeeds)?;
    let id = *id;
    let f = form.0;
    let result = async {
        store::add_line_now(&state, &user, id, line_input(&f)?).await?;
        Ok(())
    }
    .await;
    let locale = ctx.locale;
    let to = format!("/plans/{id}");
    form_outcome(
        result,
        locale,
        &to,
        "proc-flash-line-added",
        |errors, status| {
            plan_page(
                &state,
                ctx,
                &user,
                id,
                String::new(),
                f.clone(),
                errors,
                status,
            )
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "procurement/line_edit.html")]
struct LineEditPage {
    ctx: PageCtx,
    line: LineView,
    materials: Vec<MaterialOption>,
    sites: Vec<(i64, String)>,
    plan_types: Vec<(&'static str, u32)>,
    form: Form,
    errors: FormErrors,
}

impl LineEditPage {
    fn v(&self, k: &str) -> String {
        field(&self.form, k)
    }
    fn chosen(&self, k: &str, v: &str) -> bool {
        self.form.get(k).map(String::as_str) == Some(v)
    }
    fn chosen_id(&self, k: &str, v: &i64) -> bool {
        field(&self.form, k) == v.to_string()
    }
}

async fn line_edit_page(
    state: &AppState,
    ctx: PageCtx,
    user: &CurrentUser,
    line_id: i64,
    form: Option<Form>,
    errors: FormErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let scope = store::plan_scope(user)?;
    let l = entity::plan_line::Entity::find_by_id(line_id)
        .one(&state.db.read)
        .await?
        .filter(|l| scope.is_none_or(|s| s == l.site_id))
        .ok_or(AppError::NotFound)?;
    let line = super::store::line_views(&state.db.read, vec![l], ctx.locale)
        .await?
        .pop()
        .ok_or(AppError::NotFound)?;
    let (mut materials, sites) = line_form_choices(state, user, "", &ctx).await?;
    if !materials.iter().any(|m| m.id == line.material_id) {
        materials.insert(
            0,
            MaterialOption {
                id: line.material_id,
                label: format!(
                    "{} {} {} ({})",
                    line.material_code, line.material, line.spec, line.unit
                ),
            },
        );
    }
    let form = form.unwrap_or_else(|| {
        Form::from([
            ("material_id".to_string(), line.material_id.to_string()),
            ("site_id".to_string(), line.site_id.to_string()),
            ("quantity".to_string(), line.quantity.to_string()),
            ("est_price".to_string(), text::price_input(line.est_price)),
            ("need_by".to_string(), line.need_by.to_string()),
            ("plan_type".to_string(), line.plan_type.clone()),
            ("note".to_string(), line.note.clone()),
        ])
    });
    Ok(crate::web::html_status(
        status,
        &LineEditPage {
            ctx,
            line,
            materials,
            sites,
            plan_types: PlanType::ALL
                .iter()
                .map(|t| (t.as_str(), t.lead_days()))
                .collect(),
            form,
            errors,
        },
    ))
}

#[get("/plan-lines/{id}/edit")]
pub async fn line_edit(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    user.require(Capability::PlanNeeds)?;
    line_edit_page(
        &state,
        ctx,
        &user,
        *id,
        None,
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

#[post("/plan-lines/{id}")]
pub async fn line_save(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<i64>,
    form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::PlanNeeds)?;
    let id = *id;
    let f = form.0;
    let result = async {
        let l = store::update_line_now(&state, &user, id, line_input(&f)?).await?;
        Ok(l.plan_id)
    }
    .await;
    match result {
        Ok(plan_id) => Ok(redirect_with_flash(
            &format!("/plans/{plan_id}"),
            "success",
            "flash-saved",
        )),
        Err(e) => {
            let locale = ctx.locale;
            form_outcome(Err(e), locale, "/plans", "flash-saved", |errors, status| {
                line_edit_page(&state, ctx, &user, id, Some(f.clone()), errors, status)
            })
            .await
        }
    }
}

#[post("/plan-lines/{id}/delete")]
pub async fn line_remove(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<i64>,
    _form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::PlanNeeds)?;
    let id = *id;
    let plan_id = entity::plan_line::Entity::find_by_id(id)
        .one(&state.db.read)
        .await?
        .map(|l| l.plan_id)
        .ok_or(AppError::NotFound)?;
    let result = store::remove_line_now(&state, &user, id).await;
    let to = format!("/plans/{plan_id}");
    let locale = ctx.locale;
    form_outcome(
        result,
        locale,
        &to,
        "proc-flash-line-removed",
        |errors, status| {
            plan_page(
                &state,
                ctx,
                &user,
                plan_id,
                String::new(),
                Form::new(),
                errors,
                status,
            )
        },
    )
    .await
}

#[post("/plans/{id}/submit")]
pub async fn submit_plan(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<i64>,
    _form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageProcurement)?;
    let id = *id;
    let result = store::submit_plan_now(&state, &user, id).await.map(|_| ());
    let to = format!("/plans/{id}");
    let locale = ctx.locale;
    form_outcome(
        result,
        locale,
        &to,
        "proc-flash-plan-submitted",
        |errors, status| {
            plan_page(
                &state,
                ctx,
                &user,
                id,
                String::new(),
                Form::new(),
                errors,
                status,
            )
        },
    )
    .await
}

#[post("/plans/{id}/decision")]
pub async fn decide_plan(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<i64>,
    form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ApproveProcurement)?;
    let id = *id;
    let f = form.0;
    let approve = field(&f, "action") == "approve";
    let result = store::decide_plan_now(
        &state,
        &user,
        id,
        PlanDecision {
            approve,
            reason: field(&f, "reason"),
        },
    )
    .await
    .map(|_| ());
    let to = format!("/plans/{id}");
    let flash = if approve {
        "proc-flash-plan-approved"
    } else {
        "proc-flash-plan-returned"
    };
    let locale = ctx.locale;
    form_outcome(result, locale, &to, flash, |errors, status| {
        plan_page(
            &state,
            ctx,
            &user,
            id,
            String::new(),
            f.clone(),
            errors,
            status,
        )
    })
    .await
}

// ----- Quotes -----

#[derive(Template)]
#[template(path = "procurement/quotes.html")]
struct QuotesPage {
    ctx: PageCtx,
    c: QuoteComparison,
    may_manage: bool,
    /// The viewer is a head who may approve the pending choice (not their own: rule 14).
    may_decide: bool,
    /// Admitted suppliers, for the record form.
    suppliers: Vec<(SupplierId, String)>,
    contract_threshold: Decimal,
    form: Form,
    errors: FormErrors,
}

impl QuotesPage {
    fn money(&self, d: &Decimal) -> String {
        text::amount(self.ctx.locale, *d)
    }
    fn price(&self, d: &Decimal) -> String {
        text::unit_price(self.ctx.locale, *d)
    }
    fn v(&self, k: &str) -> String {
        field(&self.form, k)
    }
    /// A quote's or a supplier's id.
    fn chosen_id(&self, k: &str, v: &impl std::fmt::Display) -> bool {
        field(&self.form, k) == v.to_string()
    }
    fn enough(&self) -> bool {
        let s: std::collections::BTreeSet<SupplierId> =
            self.c.quotes.iter().map(|q| q.supplier_id).collect();
        s.len() >= self.c.min_quotes
    }
    fn route_key(&self) -> String {
        self.c
            .line
            .route
            .as_deref()
            .map(|r| format!("proc-route-{r}"))
            .unwrap_or_else(|| "proc-route-none".into())
    }
}

async fn quotes_page(
    state: &AppState,
    ctx: PageCtx,
    user: &CurrentUser,
    line_id: i64,
    form: Form,
    errors: FormErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let c = comparison(state, line_id, ctx.locale).await?;
    let may_manage = c.open && user.role.can(Capability::ManageProcurement);
    let may_decide = c.pending
        && user.role.can(Capability::ApproveProcurement)
        && c.line
            .chosen_by
            .is_some_and(|by| crate::auth::four_eyes::not_own(by, user.id).is_ok());
    let suppliers = if may_manage {
        supplier::Entity::find()
            .filter(supplier::Column::Status.eq("admitted"))
            .order_by_asc(supplier::Column::LegalName)
            .all(&state.db.read)
            .await?
            .into_iter()
            .map(|s| (s.id, s.legal_name))
            .collect()
    } else {
        Vec::new()
    };
    Ok(crate::web::html_status(
        status,
        &QuotesPage {
            ctx,
            c,
            may_manage,
            may_decide,
            suppliers,
            contract_threshold: crate::settings::contract_threshold(&state.db.read).await?,
            form,
            errors,
        },
    ))
}

#[get("/plan-lines/{id}/quotes")]
pub async fn line_quotes(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadProcurement)?;
    quotes_page(
        &state,
        ctx,
        &user,
        *id,
        Form::new(),
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

#[post("/plan-lines/{id}/quotes")]
pub async fn record_quote(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<i64>,
    form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageProcurement)?;
    let id = *id;
    let f = form.0;
    let result = async {
        let input = QuoteInput {
            supplier_id: self::id(&f, "supplier_id")?,
            unit_price: decimal(&f, "unit_price")?,
            quality_notes: field(&f, "quality_notes"),
            delivery_days: field(&f, "delivery_days")
                .parse()
                .map_err(|_| AppError::field("delivery_days", RuleCode::NotANumber))?,
        };
        store::record_quote_now(&state, &user, id, input).await?;
        Ok(())
    }
    .await;
    let to = format!("/plan-lines/{id}/quotes");
    let locale = ctx.locale;
    form_outcome(
        result,
        locale,
        &to,
        "proc-flash-quote-recorded",
        |errors, status| quotes_page(&state, ctx, &user, id, f.clone(), errors, status),
    )
    .await
}

#[post("/plan-lines/{id}/choice")]
pub async fn choose(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<i64>,
    form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageProcurement)?;
    let id = *id;
    let f = form.0;
    let result = async {
        let input = ChoiceInput {
            quote_id: self::id(&f, "quote_id")?,
            reason: field(&f, "reason"),
        };
        store::choose_now(&state, &user, id, input)
            .await
            .map(|_| ())
    }
    .await;
    let to = format!("/plan-lines/{id}/quotes");
    let locale = ctx.locale;
    form_outcome(
        result,
        locale,
        &to,
        "proc-flash-choice-pending",
        |errors, status| quotes_page(&state, ctx, &user, id, f.clone(), errors, status),
    )
    .await
}

/// The head approves the chosen quote (a contract's draft, or the order) or sends it back.
#[post("/plan-lines/{id}/choice/decision")]
pub async fn decide_choice(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<i64>,
    form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ApproveProcurement)?;
    let id = *id;
    let f = form.0;
    let approve = field(&f, "action") == "approve";
    let result = store::decide_choice_now(
        &state,
        &user,
        id,
        ChoiceDecision {
            approve,
            reason: field(&f, "reason"),
        },
    )
    .await;
    match result {
        Ok((_, Some(c))) => Ok(redirect_with_flash(
            &format!("/contracts/{}", c.id),
            "success",
            "proc-flash-contract-created",
        )),
        Ok((_, None)) => Ok(redirect_with_flash(
            &format!("/plan-lines/{id}/quotes"),
            "success",
            if approve {
                "proc-flash-ordered"
            } else {
                "proc-flash-choice-returned"
            },
        )),
        Err(e) => {
            let locale = ctx.locale;
            let to = format!("/plan-lines/{id}/quotes");
            form_outcome(Err(e), locale, &to, "flash-saved", |errors, status| {
                quotes_page(&state, ctx, &user, id, f.clone(), errors, status)
            })
            .await
        }
    }
}

// ----- The contract ledger -----

#[derive(Template)]
#[template(path = "procurement/contracts.html")]
struct LedgerPage {
    ctx: PageCtx,
    contracts: Vec<ContractView>,
    filter: ContractFilter,
    statuses: Vec<&'static str>,
    suppliers: Vec<(SupplierId, String)>,
    /// The filter as a query string, for the downloads.
    query: String,
}

impl LedgerPage {
    fn money(&self, d: &Decimal) -> String {
        text::amount(self.ctx.locale, *d)
    }
    fn chosen_status(&self, s: &str) -> bool {
        self.filter.status.as_deref() == Some(s)
    }
    fn chosen_supplier(&self, id: &SupplierId) -> bool {
        self.filter.supplier_id == Some(*id)
    }
    fn overdue_only(&self) -> bool {
        self.filter.overdue == Some(true)
    }
    fn when(&self, at: &Option<chrono::DateTime<chrono::Utc>>) -> String {
        at.map(|a| self.ctx.when(&a)).unwrap_or_default()
    }
    fn date(&self, d: &Option<NaiveDate>) -> String {
        d.map(|d| d.to_string()).unwrap_or_default()
    }
}

/// The ledger filter from a page's query: blanks are no filter, "on" is overdue only.
#[derive(Debug, Default, serde::Deserialize)]
pub struct LedgerQuery {
    status: Option<String>,
    supplier_id: Option<String>,
    overdue: Option<String>,
}

impl LedgerQuery {
    fn filter(&self) -> ContractFilter {
        ContractFilter {
            status: self.status.clone().filter(|s| !s.is_empty()),
            supplier_id: self.supplier_id.as_deref().and_then(|s| s.parse().ok()),
            overdue: self
                .overdue
                .as_deref()
                .filter(|s| matches!(*s, "on" | "true" | "1"))
                .map(|_| true),
        }
    }
}

fn filter_query(f: &ContractFilter) -> String {
    let mut parts = Vec::new();
    if let Some(s) = &f.status {
        parts.push(format!("status={}", urlencoding::encode(s)));
    }
    if let Some(s) = f.supplier_id {
        parts.push(format!("supplier_id={s}"));
    }
    if f.overdue == Some(true) {
        parts.push("overdue=on".into());
    }
    parts.join("&")
}

#[get("/contracts")]
pub async fn ledger_page(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    q: crate::web::Query<LedgerQuery>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadProcurement)?;
    let filter = q.filter();
    let list = ledger(&state, &filter).await?;
    let suppliers = supplier::Entity::find()
        .filter(
            supplier::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(entity::contract::Column::SupplierId)
                    .from(entity::contract::Entity)
                    .to_owned(),
            ),
        )
        .order_by_asc(supplier::Column::LegalName)
        .all(&state.db.read)
        .await?
        .into_iter()
        .map(|s| (s.id, s.legal_name))
        .collect();
    Ok(crate::web::html(&LedgerPage {
        ctx,
        contracts: list,
        query: filter_query(&filter),
        filter,
        statuses: ContractStatus::ALL.iter().map(|s| s.as_str()).collect(),
        suppliers,
    }))
}

#[get("/contracts/download/{format}")]
pub async fn download(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    format: web::Path<String>,
    q: crate::web::Query<LedgerQuery>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadProcurement)?;
    let format = Format::parse(&format).ok_or(AppError::NotFound)?;
    let list = ledger(&state, &q.filter()).await?;
    let sheet = ledger_sheet(&list, ctx.locale, state.tz());
    Ok(crate::export::download(
        format,
        &format!("{}-{}", ctx.t("proc-ledger-title"), state.today()),
        &sheet,
    )?)
}

#[derive(Template)]
#[template(path = "procurement/contract.html")]
struct ContractPage {
    ctx: PageCtx,
    d: ContractDetail,
    may_edit: bool,
    may_sign: bool,
    may_adopt: bool,
    /// Levels still to sign in this round.
    open_levels: Vec<String>,
    form: Form,
    errors: FormErrors,
}

impl ContractPage {
    fn money(&self, d: &Decimal) -> String {
        text::amount(self.ctx.locale, *d)
    }
    fn price(&self, d: &Decimal) -> String {
        text::unit_price(self.ctx.locale, *d)
    }
    fn when(&self, at: &Option<chrono::DateTime<chrono::Utc>>) -> String {
        at.map(|a| self.ctx.when(&a)).unwrap_or_default()
    }
    fn date(&self, d: &Option<NaiveDate>) -> String {
        d.map(|d| d.to_string()).unwrap_or_default()
    }
    fn v(&self, k: &str, current: &Option<NaiveDate>) -> String {
        self.form
            .get(k)
            .cloned()
            .unwrap_or_else(|| self.date(current))
    }
}

async fn contract_page(
    state: &AppState,
    ctx: PageCtx,
    user: &CurrentUser,
    id: i64,
    form: Form,
    errors: FormErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let d = contract_detail(state, id, ctx.locale).await?;
    let st = ContractStatus::parse(&d.contract.status);
    let open_levels = if st == Some(ContractStatus::InSignoff) {
        d.contract
            .signoffs
            .iter()
            .filter(|s| s.decision.is_none())
            .map(|s| s.level.clone())
            .collect()
    } else {
        Vec::new()
    };
    Ok(crate::web::html_status(
        status,
        &ContractPage {
            may_edit: st.is_some_and(ContractStatus::editable)
                && user.role.can(Capability::ManageProcurement),
            may_sign: !open_levels.is_empty() && user.role.can(Capability::SignContracts),
            may_adopt: st == Some(ContractStatus::Effective)
                && user.role.can(Capability::ManageProcurement),
            ctx,
            d,
            open_levels,
            form,
            errors,
        },
    ))
}

#[get("/contracts/{id}")]
pub async fn contract_view(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadProcurement)?;
    contract_page(
        &state,
        ctx,
        &user,
        *id,
        Form::new(),
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

#[post("/contracts/{id}")]
pub async fn contract_save(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<i64>,
    form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageProcurement)?;
    let id = *id;
    let f = form.0;
    let result = async {
        let input = ContractDates {
            signed_on: optional_date(&f, "signed_on")?,
            starts_on: optional_date(&f, "starts_on")?,
            ends_on: optional_date(&f, "ends_on")?,
        };
        store::update_contract_now(&state, &user, id, input).await?;
        Ok(())
    }
    .await;
    let to = format!("/contracts/{id}");
    let locale = ctx.locale;
    form_outcome(result, locale, &to, "flash-saved", |errors, status| {
        contract_page(&state, ctx, &user, id, f.clone(), errors, status)
    })
    .await
}

#[post("/contracts/{id}/submit")]
pub async fn contract_submit(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<i64>,
    _form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageProcurement)?;
    let id = *id;
    let result = store::submit_contract_now(&state, &user, id)
        .await
        .map(|_| ());
    let to = format!("/contracts/{id}");
    let locale = ctx.locale;
    form_outcome(
        result,
        locale,
        &to,
        "proc-flash-contract-submitted",
        |errors, status| contract_page(&state, ctx, &user, id, Form::new(), errors, status),
    )
    .await
}

#[post("/contracts/{id}/signoffs")]
pub async fn sign_off(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<i64>,
    form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::SignContracts)?;
    let id = *id;
    let f = form.0;
    // Approve and reject are two buttons; a form posted without either decides nothing.
    let result = match choice_field(&f, "decision", &["approve", "reject"]) {
        Ok(d) => {
            let input = SignoffInput {
                level: field(&f, "level"),
                approve: d == "approve",
                note: field(&f, "note"),
            };
            store::sign_off_now(&state, &user, id, input)
                .await
                .map(|_| ())
        }
        Err(e) => Err(e),
    };
    let to = format!("/contracts/{id}");
    let locale = ctx.locale;
    form_outcome(
        result,
        locale,
        &to,
        "proc-flash-signed",
        |errors, status| contract_page(&state, ctx, &user, id, f.clone(), errors, status),
    )
    .await
}

#[post("/contract-items/{id}/adopt-price")]
pub async fn adopt_price(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<i64>,
    _form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageProcurement)?;
    let id = *id;
    let contract_id = entity::contract_item::Entity::find_by_id(id)
        .one(&state.db.read)
        .await?
        .map(|i| i.contract_id)
        .ok_or(AppError::NotFound)?;
    let result = store::adopt_price_now(&state, &user, id).await.map(|_| ());
    let to = format!("/contracts/{contract_id}");
    let locale = ctx.locale;
    form_outcome(
        result,
        locale,
        &to,
        "proc-flash-price-adopted",
        |errors, status| {
            contract_page(&state, ctx, &user, contract_id, Form::new(), errors, status)
        },
    )
    .await
}
