//! Price-watch pages: the price ledger (`/prices`: surveys due, the latest survey of each
//! material, every survey, downloads), the survey form, a material's price history, and the
//! price-failure candidates that procurement confirms or dismisses.

use super::api::{
    CandidateList, CandidateView, DECISIONS_SHOWN, DecisionView, DueView, HistoryView, LatestView,
    SurveyView, candidate_views, decision_views, due_views, history_view, latest_views,
    ledger_download, survey_views,
};
use super::rules::{SourceKind, percent};
use super::store::{self, DecisionInput, LEDGER_PAGE, LedgerQuery, SurveyInput};
use crate::auth::{Capability, CurrentUser};
use crate::error::RuleCode;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::export::Format;
use crate::materials::CategoryView;
use crate::money::text;
use crate::state::AppState;
use crate::web::page::{CsrfForm, FormErrors, PageCtx, form_outcome};
use crate::web::page::{Form, field};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use entity::{ListingId, material};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

/// The query string of the ledger's filters (no page), for links that keep them.
fn filter_query(q: &LedgerQuery) -> String {
    let mut parts: Vec<(&str, String)> = Vec::new();
    if let Some(t) = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        parts.push(("q", t.to_string()));
    }
    if let Some(m) = q.material_id {
        parts.push(("material_id", m.to_string()));
    }
    if let Some(c) = q.category_id {
        parts.push(("category_id", c.to_string()));
    }
    if let Some(d) = q.from {
        parts.push(("from", d.to_string()));
    }
    if let Some(d) = q.to {
        parts.push(("to", d.to_string()));
    }
    serde_urlencoded::to_string(&parts).unwrap_or_default()
}

#[derive(Template)]
#[template(path = "price_watch/ledger.html")]
struct LedgerView {
    ctx: PageCtx,
    q: LedgerQuery,
    categories: Vec<CategoryView>,
    due: Vec<DueView>,
    latest: Vec<LatestView>,
    surveys: Vec<SurveyView>,
    total: u64,
    page: u64,
    pages: u64,
    candidates: usize,
    may_record: bool,
    filters: String,
}

impl LedgerView {
    fn price(&self, d: &Decimal) -> String {
        text::unit_price(self.ctx.locale, *d)
    }
    fn text_value(&self) -> String {
        self.q.q.clone().unwrap_or_default()
    }
    fn date_from(&self) -> String {
        self.q.from.map(|d| d.to_string()).unwrap_or_default()
    }
    fn date_to(&self) -> String {
        self.q.to.map(|d| d.to_string()).unwrap_or_default()
    }
    fn chosen_category(&self, id: &i64) -> bool {
        self.q.category_id == Some(*id)
    }
    fn category_name(&self, c: &CategoryView) -> String {
        self.ctx.pick(&c.name_zh, &c.name_en)
    }
    fn page_link(&self, page: u64) -> String {
        if self.filters.is_empty() {
            format!("/prices?page={page}")
        } else {
            format!("/prices?{}&page={page}", self.filters)
        }
    }
    fn download_link(&self, format: &str) -> String {
        if self.filters.is_empty() {
            format!("/prices/download/{format}")
        } else {
            format!("/prices/download/{format}?{}", self.filters)
        }
    }
    fn has_prev(&self) -> bool {
        self.page > 1
    }
    fn has_next(&self) -> bool {
        self.page < self.pages
    }
    fn prev(&self) -> u64 {
        self.page.saturating_sub(1)
    }
    fn next(&self) -> u64 {
        self.page + 1
    }
}

/// The price ledger (物资询价台帐).
#[get("/prices")]
pub async fn ledger_page(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    q: crate::web::Query<LedgerQuery>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadProcurement)?;
    let q = q.into_inner();
    let conn = &state.db.read;
    let today = state.today();
    let locale = ctx.locale;
    let page = crate::web::page_number(q.page);
    let (rows, total) = store::ledger(conn, &q, page).await?;
    let due = store::due(conn, today).await?;
    let margin = crate::settings::price_margin(conn).await?;
    let candidates = store::candidates(conn, margin).await?.len();
    let view = LedgerView {
        categories: crate::materials::categories(conn).await?,
        due: due_views(conn, due, today, locale).await?,
        latest: latest_views(conn, &q, today, locale).await?,
        surveys: survey_views(conn, rows, locale).await?,
        total,
        page,
        pages: total.div_ceil(LEDGER_PAGE).max(1),
        candidates,
        may_record: user.role.can(Capability::ManageProcurement),
        filters: filter_query(&q),
        q,
        ctx,
    };
    Ok(crate::web::html(&view))
}

/// The ledger (same filters) as CSV or XLSX, headers in the page's language.
#[get("/prices/download/{format}")]
pub async fn ledger_download_page(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    format: web::Path<String>,
    q: crate::web::Query<LedgerQuery>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadProcurement)?;
    let format = Format::parse(&format).ok_or(AppError::NotFound)?;
    ledger_download(&state, &q, format, ctx.locale).await
}

#[derive(Template)]
#[template(path = "price_watch/survey_form.html")]
struct SurveyFormView {
    ctx: PageCtx,
    /// Listed materials: code and label.
    materials: Vec<(String, String)>,
    values: Form,
    corrects: Option<SurveyView>,
    sources: Vec<&'static str>,
    errors: FormErrors,
}

impl SurveyFormView {
    fn value(&self, k: &str) -> String {
        self.values.get(k).cloned().unwrap_or_default()
    }
    fn chosen_source(&self, s: &str) -> bool {
        self.values.get("source_kind").map(String::as_str) == Some(s)
    }
    fn price(&self, d: &Decimal) -> String {
        text::unit_price(self.ctx.locale, *d)
    }
}

async fn survey_form(
    state: &AppState,
    ctx: PageCtx,
    values: Form,
    errors: FormErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let conn = &state.db.read;
    let materials = store::listed(conn)
        .await?
        .into_iter()
        .map(|m| {
            let label = format!("{} {}", ctx.pick(&m.name_zh, &m.name_en), m.spec);
            (m.code, label)
        })
        .collect();
    let corrects = match values
        .get("corrects_id")
        .and_then(|v| v.trim().parse::<i64>().ok())
    {
        Some(id) => {
            let s = entity::price_survey::Entity::find_by_id(id)
                .one(conn)
                .await?;
            survey_views(conn, s.into_iter().collect(), ctx.locale)
                .await?
                .pop()
        }
        None => None,
    };
    Ok(crate::web::html_status(
        status,
        &SurveyFormView {
            ctx,
            materials,
            values,
            corrects,
            sources: SourceKind::ALL.iter().map(|k| k.as_str()).collect(),
            errors,
        },
    ))
}

/// The survey form; `?material_id=` chooses the material, `?corrects=` the survey to correct.
#[get("/prices/new")]
pub async fn survey_form_page(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    q: crate::web::Query<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageProcurement)?;
    let mut values = Form::new();
    values.insert("surveyed_on".into(), state.today().to_string());
    values.insert(
        "source_kind".into(),
        SourceKind::PriceService.as_str().into(),
    );
    let conn = &state.db.read;
    let mut material_id = field(&q, "material_id").parse::<i64>().ok();
    if let Some(cid) = field(&q, "corrects").parse::<i64>().ok()
        && let Some(c) = entity::price_survey::Entity::find_by_id(cid)
            .one(conn)
            .await?
    {
        material_id = Some(c.material_id);
        values.insert("corrects_id".into(), c.id.to_string());
        values.insert("source_kind".into(), c.source_kind);
        values.insert("source".into(), c.source);
        values.insert("surveyed_on".into(), c.surveyed_on.to_string());
    }
    if let Some(id) = material_id
        && let Some(m) = material::Entity::find_by_id(id).one(conn).await?
    {
        values.insert("material_code".into(), m.code);
    }
    survey_form(&state, ctx, values, FormErrors::default(), StatusCode::OK).await
}

/// Reads the survey form; what cannot be read is a field error beside the field.
async fn survey_from_form(state: &AppState, f: &Form) -> AppResult<(SurveyInput, FieldErrors)> {
    let mut errors = FieldErrors::new();
    let code = field(f, "material_code");
    let material_id = if code.is_empty() {
        errors.add("material_code", RuleCode::Required);
        None
    } else {
        let m = material::Entity::find()
            .filter(material::Column::Code.eq(code.as_str()))
            .one(&state.db.read)
            .await?;
        if m.is_none() {
            errors.add("material_code", RuleCode::NotFound);
        }
        m.map(|m| m.id)
    };
    let surveyed_on = chrono::NaiveDate::parse_from_str(&field(f, "surveyed_on"), "%Y-%m-%d").ok();
    if surveyed_on.is_none() {
        errors.add("surveyed_on", RuleCode::Date);
    }
    let raw_price = field(f, "unit_price");
    let unit_price = if raw_price.trim().is_empty() {
        errors.add("unit_price", RuleCode::Required);
        None
    } else {
        let p = crate::money::parse_decimal(&raw_price);
        if p.is_none() {
            errors.add("unit_price", RuleCode::NotANumber);
        }
        p
    };
    let corrects_id = match field(f, "corrects_id") {
        s if s.is_empty() => None,
        s => s.parse::<i64>().ok(),
    };
    Ok((
        SurveyInput {
            material_id,
            surveyed_on,
            source_kind: field(f, "source_kind"),
            source: field(f, "source"),
            unit_price,
            note: field(f, "note"),
            corrects_id,
        },
        errors,
    ))
}

#[post("/prices/new")]
pub async fn survey_submit(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageProcurement)?;
    let f = form.0;
    let result = async {
        let (input, errors) = survey_from_form(&state, &f).await?;
        // The form names the material by code; the store's message belongs beside that field.
        match store::record_survey_with_now(&state, &user, input, errors).await {
            Err(AppError::Validation(mut e)) => {
                if let Some(m) = e.0.remove("material_id") {
                    e.0.entry("material_code".into()).or_insert(m);
                }
                Err(AppError::Validation(e))
            }
            other => other,
        }
    }
    .await;
    let to = match &result {
        Ok(s) => format!("/prices/materials/{}", s.material_id),
        Err(_) => "/prices".to_string(),
    };
    let locale = ctx.locale;
    form_outcome(
        result.map(|_| ()),
        locale,
        &to,
        "pw-flash-recorded",
        |errors, status| survey_form(&state, ctx, f.clone(), errors, status),
    )
    .await
}

#[derive(Template)]
#[template(path = "price_watch/history.html")]
struct HistoryPage {
    ctx: PageCtx,
    h: HistoryView,
    may_record: bool,
}

impl HistoryPage {
    fn price(&self, d: &Decimal) -> String {
        text::unit_price(self.ctx.locale, *d)
    }
    fn excess(&self, d: &Option<Decimal>) -> String {
        d.map(|v| format!("{v:+.2}%")).unwrap_or_default()
    }
}

/// A material's price history.
#[get("/prices/materials/{id}")]
pub async fn history_page(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadProcurement)?;
    let h = history_view(&state, *id, ctx.locale).await?;
    Ok(crate::web::html(&HistoryPage {
        ctx,
        h,
        may_record: user.role.can(Capability::ManageProcurement),
    }))
}

#[derive(Template)]
#[template(path = "price_watch/candidates.html")]
struct CandidatesPage {
    ctx: PageCtx,
    list: CandidateList,
    decisions: Vec<DecisionView>,
    may_decide: bool,
    errors: FormErrors,
    /// The listing whose form was sent back with errors, and what was typed.
    failed: Option<(ListingId, String)>,
}

impl CandidatesPage {
    fn price(&self, d: &Decimal) -> String {
        text::unit_price(self.ctx.locale, *d)
    }
    fn typed(&self, c: &CandidateView) -> String {
        match &self.failed {
            Some((id, reason)) if *id == c.listing_id => reason.clone(),
            _ => String::new(),
        }
    }
}

async fn candidates_page_with(
    state: &AppState,
    ctx: PageCtx,
    user: &CurrentUser,
    errors: FormErrors,
    failed: Option<(ListingId, String)>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let conn = &state.db.read;
    let margin = crate::settings::price_margin(conn).await?;
    let list = store::candidates(conn, margin).await?;
    let rows = store::decisions(conn, DECISIONS_SHOWN).await?;
    Ok(crate::web::html_status(
        status,
        &CandidatesPage {
            list: CandidateList {
                margin_percent: percent(margin),
                candidates: candidate_views(conn, list, ctx.locale).await?,
            },
            decisions: decision_views(conn, rows, ctx.locale).await?,
            may_decide: user.role.can(Capability::ManageProcurement),
            errors,
            failed,
            ctx,
        },
    ))
}

/// Price-failure candidates, and the latest decisions.
#[get("/prices/candidates")]
pub async fn candidates_page(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadProcurement)?;
    candidates_page_with(
        &state,
        ctx,
        &user,
        FormErrors::default(),
        None,
        StatusCode::OK,
    )
    .await
}

#[post("/prices/candidates/{listing_id}")]
pub async fn candidate_decide(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    listing_id: web::Path<ListingId>,
    form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageProcurement)?;
    let listing_id = *listing_id;
    let f = form.0;
    let decision = field(&f, "decision");
    let input = DecisionInput {
        decision: decision.clone(),
        survey_id: field(&f, "survey_id").parse().ok(),
        reason: field(&f, "reason"),
    };
    let reason = input.reason.clone();
    let result = store::decide(&state, &user, listing_id, input, ctx.locale)
        .await
        .map(|_| ());
    let flash = if decision == "dismiss" {
        "pw-flash-dismissed"
    } else {
        "pw-flash-confirmed"
    };
    let locale = ctx.locale;
    form_outcome(
        result,
        locale,
        "/prices/candidates",
        flash,
        |errors, status| {
            candidates_page_with(
                &state,
                ctx,
                &user,
                errors,
                Some((listing_id, reason)),
                status,
            )
        },
    )
    .await
}
