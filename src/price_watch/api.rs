//! The price-watch JSON API: the price ledger (surveys, the latest per material, surveys due,
//! a material's history, downloads) and price-failure candidates. Procurement reads it; the
//! procurement officer records surveys and decides candidates.

use super::rules::{due_from, excess_percent, percent, survey_due};
use super::store::{self, Candidate, DecisionInput, DueMaterial, LedgerQuery, SurveyInput};
use crate::auth::{Capability, CurrentUser};
use crate::error::RuleCode;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::export::{Cell, Format, Sheet};
use crate::i18n::Locale;
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{ListingId, SupplierId};
use entity::{material, price_candidate, price_survey, supplier, unit};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};

/// How many decisions the candidates page and API show.
pub const DECISIONS_SHOWN: u64 = 50;

/// A material as the price watch names it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MaterialRef {
    pub id: i64,
    pub code: String,
    /// The name in the caller's language.
    pub name: String,
    pub spec: String,
    /// The unit's name in the caller's language.
    pub unit: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SurveyView {
    pub id: i64,
    pub material: MaterialRef,
    pub surveyed_on: NaiveDate,
    /// `price_service`, `vendor_quote`, `tender_result` or `other`.
    pub source_kind: String,
    pub source: String,
    /// Yuan per unit.
    #[schema(value_type = String, example = "3850.00")]
    pub unit_price: Decimal,
    pub note: String,
    /// The survey this one corrects.
    pub corrects_id: Option<i64>,
    /// A later survey that corrects this one.
    pub corrected_by: Option<i64>,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

/// Names of materials, units and users, looked up once for a list.
struct Names {
    materials: HashMap<i64, material::Model>,
    units: HashMap<String, unit::Model>,
    users: HashMap<i64, String>,
    locale: Locale,
}

impl Names {
    async fn load(
        conn: &impl ConnectionTrait,
        material_ids: impl IntoIterator<Item = i64>,
        user_ids: impl IntoIterator<Item = i64>,
        locale: Locale,
    ) -> AppResult<Self> {
        let materials: HashMap<i64, material::Model> = material::Entity::find()
            .filter(material::Column::Id.is_in(material_ids.into_iter().collect::<Vec<_>>()))
            .all(conn)
            .await?
            .into_iter()
            .map(|m| (m.id, m))
            .collect();
        let units = unit::Entity::find()
            .all(conn)
            .await?
            .into_iter()
            .map(|u| (u.code.clone(), u))
            .collect();
        let users = crate::users::store::display_names(conn, user_ids).await?;
        Ok(Names {
            materials,
            units,
            users,
            locale,
        })
    }

    fn material_ref(&self, m: &material::Model) -> MaterialRef {
        MaterialRef {
            id: m.id,
            code: m.code.clone(),
            name: self.locale.pick(&m.name_zh, &m.name_en).to_string(),
            spec: m.spec.clone(),
            unit: self
                .units
                .get(&m.unit_code)
                .map(|u| self.locale.pick(&u.name_zh, &u.name_en).to_string())
                .unwrap_or_else(|| m.unit_code.clone()),
        }
    }

    fn material(&self, id: i64) -> MaterialRef {
        match self.materials.get(&id) {
            Some(m) => self.material_ref(m),
            None => MaterialRef {
                id,
                code: String::new(),
                name: String::new(),
                spec: String::new(),
                unit: String::new(),
            },
        }
    }
}

/// Views of `surveys`, named in `locale`.
pub async fn survey_views(
    conn: &impl ConnectionTrait,
    surveys: Vec<price_survey::Model>,
    locale: Locale,
) -> AppResult<Vec<SurveyView>> {
    let names = Names::load(
        conn,
        surveys.iter().map(|s| s.material_id),
        surveys.iter().map(|s| s.recorded_by),
        locale,
    )
    .await?;
    let ids: Vec<i64> = surveys.iter().map(|s| s.id).collect();
    let corrected = store::corrections(conn, &ids).await?;
    Ok(surveys
        .into_iter()
        .map(|s| SurveyView {
            id: s.id,
            material: names.material(s.material_id),
            surveyed_on: s.surveyed_on,
            source_kind: s.source_kind,
            source: s.source,
            unit_price: s.unit_price.value(),
            note: s.note,
            corrects_id: s.corrects_id,
            corrected_by: corrected.get(&s.id).copied(),
            recorded_by: names.users.get(&s.recorded_by).cloned().unwrap_or_default(),
            recorded_at: s.recorded_at,
        })
        .collect())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerPage {
    pub surveys: Vec<SurveyView>,
    /// Surveys matching the filter in all.
    pub total: u64,
    pub page: u64,
    pub page_size: u64,
}

/// The latest survey of a material, and whether a new one is due.
#[derive(Debug, Serialize, ToSchema)]
pub struct LatestView {
    pub survey: SurveyView,
    /// Days since the survey.
    pub days_old: i64,
    /// The material has an active listing in the supermarket.
    pub listed: bool,
    /// Listed, and surveyed more than two weeks ago.
    pub due: bool,
}

/// A listed material due for a survey (rule 13: every two weeks).
#[derive(Debug, Serialize, ToSchema)]
pub struct DueView {
    pub material: MaterialRef,
    pub last_survey_id: Option<i64>,
    pub last_surveyed_on: Option<NaiveDate>,
    #[schema(value_type = Option<String>)]
    pub last_unit_price: Option<Decimal>,
    /// Days since the last survey; none when never surveyed.
    pub days_old: Option<i64>,
    /// When the procurement officers were emailed about it in this cycle.
    pub reminded_on: Option<NaiveDate>,
}

pub async fn due_views(
    conn: &impl ConnectionTrait,
    due: Vec<DueMaterial>,
    today: NaiveDate,
    locale: Locale,
) -> AppResult<Vec<DueView>> {
    let names = Names::load(conn, [], [], locale).await?;
    Ok(due
        .into_iter()
        .map(|d| DueView {
            material: names.material_ref(&d.material),
            last_survey_id: d.last.as_ref().map(|s| s.id),
            last_surveyed_on: d.last.as_ref().map(|s| s.surveyed_on),
            last_unit_price: d.last.as_ref().map(|s| s.unit_price.value()),
            days_old: d
                .last
                .as_ref()
                .map(|s| super::rules::days_since(s.surveyed_on, today)),
            reminded_on: d.reminded_on,
        })
        .collect())
}

pub async fn latest_views(
    conn: &impl ConnectionTrait,
    q: &LedgerQuery,
    today: NaiveDate,
    locale: Locale,
) -> AppResult<Vec<LatestView>> {
    let latest = store::latest(conn, q).await?;
    let listed: std::collections::HashSet<i64> = store::listed(conn)
        .await?
        .into_iter()
        .map(|m| m.id)
        .collect();
    let mut views = survey_views(conn, latest, locale).await?;
    views.sort_by(|a, b| a.material.code.cmp(&b.material.code));
    Ok(views
        .into_iter()
        .map(|s| {
            let is_listed = listed.contains(&s.material.id);
            LatestView {
                days_old: super::rules::days_since(s.surveyed_on, today),
                listed: is_listed,
                due: is_listed && survey_due(Some(s.surveyed_on), today),
                survey: s,
            }
        })
        .collect())
}

/// A listing's price beside the market.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListingPriceView {
    pub listing_id: ListingId,
    pub supplier_id: SupplierId,
    pub supplier: String,
    #[schema(value_type = String)]
    pub listing_price: Decimal,
    /// Per cent above the latest survey (negative below it).
    #[schema(value_type = Option<String>)]
    pub excess_percent: Option<Decimal>,
    /// Above the margin: a price-failure candidate (unless decided already).
    pub above_margin: bool,
}

/// A material's price history: every survey, the latest, and its listings' prices.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryView {
    pub material: MaterialRef,
    pub listed: bool,
    pub due: bool,
    /// The first day a new survey is due (after the latest).
    pub due_from: Option<NaiveDate>,
    /// The margin in per cent.
    #[schema(value_type = String)]
    pub margin_percent: String,
    pub surveys: Vec<SurveyView>,
    pub listings: Vec<ListingPriceView>,
}

pub async fn history_view(
    state: &AppState,
    material_id: i64,
    locale: Locale,
) -> AppResult<HistoryView> {
    let conn = &state.db.read;
    let today = state.today();
    let (m, surveys) = store::history(conn, material_id).await?;
    let latest = surveys.first().cloned();
    let listed = store::is_listed(conn, material_id).await?;
    let margin = crate::settings::price_margin(conn).await?;
    let listings = store::listings_of(conn, material_id).await?;
    let suppliers: HashMap<SupplierId, String> = supplier::Entity::find()
        .filter(supplier::Column::Id.is_in(listings.iter().map(|l| l.supplier_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|s| (s.id, s.legal_name))
        .collect();
    let names = Names::load(conn, [material_id], [], locale).await?;
    Ok(HistoryView {
        material: names.material_ref(&m),
        listed,
        due: listed && survey_due(latest.as_ref().map(|s| s.surveyed_on), today),
        due_from: latest.as_ref().map(|s| due_from(s.surveyed_on)),
        margin_percent: percent(margin),
        listings: listings
            .into_iter()
            .map(|l| {
                let market = latest.as_ref().map(|s| s.unit_price.value());
                ListingPriceView {
                    listing_id: l.id,
                    supplier_id: l.supplier_id,
                    supplier: suppliers.get(&l.supplier_id).cloned().unwrap_or_default(),
                    listing_price: l.price.value(),
                    excess_percent: market.and_then(|p| excess_percent(l.price.value(), p)),
                    above_margin: market
                        .is_some_and(|p| super::rules::above_margin(l.price.value(), p, margin)),
                }
            })
            .collect(),
        surveys: survey_views(conn, surveys, locale).await?,
    })
}

/// A price-failure candidate.
#[derive(Debug, Serialize, ToSchema)]
pub struct CandidateView {
    pub listing_id: ListingId,
    pub supplier_id: SupplierId,
    pub supplier: String,
    pub material: MaterialRef,
    /// The listing's approved price, yuan per unit.
    #[schema(value_type = String)]
    pub listing_price: Decimal,
    /// The latest survey of the material; send its id with the decision.
    pub survey_id: i64,
    #[schema(value_type = String)]
    pub survey_price: Decimal,
    pub surveyed_on: NaiveDate,
    pub survey_source: String,
    /// Per cent above the survey, two places.
    #[schema(value_type = String)]
    pub excess_percent: Decimal,
}

pub async fn candidate_views(
    conn: &impl ConnectionTrait,
    list: Vec<Candidate>,
    locale: Locale,
) -> AppResult<Vec<CandidateView>> {
    let names = Names::load(conn, [], [], locale).await?;
    Ok(list
        .into_iter()
        .map(|c| CandidateView {
            listing_id: c.listing.id,
            supplier_id: c.supplier.id,
            supplier: c.supplier.legal_name,
            material: names.material_ref(&c.material),
            listing_price: c.listing.price.value(),
            survey_id: c.survey.id,
            survey_price: c.survey.unit_price.value(),
            surveyed_on: c.survey.surveyed_on,
            survey_source: c.survey.source,
            excess_percent: c.excess_percent,
        })
        .collect())
}

/// A decided candidate.
#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionView {
    pub id: i64,
    pub listing_id: ListingId,
    pub supplier_id: SupplierId,
    pub supplier: String,
    pub material: MaterialRef,
    #[schema(value_type = String)]
    pub listing_price: Decimal,
    pub survey_id: i64,
    #[schema(value_type = String)]
    pub survey_price: Decimal,
    #[schema(value_type = String)]
    pub excess_percent: Decimal,
    /// The margin in force, in per cent.
    pub margin_percent: String,
    /// `confirmed` or `dismissed`.
    pub decision: String,
    pub reason: String,
    /// The price failure recorded against the supplier, when confirmed.
    pub failure_id: Option<i64>,
    pub decided_by: String,
    pub decided_at: DateTime<Utc>,
}

pub async fn decision_views(
    conn: &impl ConnectionTrait,
    rows: Vec<price_candidate::Model>,
    locale: Locale,
) -> AppResult<Vec<DecisionView>> {
    let names = Names::load(
        conn,
        rows.iter().map(|r| r.material_id),
        rows.iter().map(|r| r.decided_by),
        locale,
    )
    .await?;
    let suppliers: HashMap<SupplierId, String> = supplier::Entity::find()
        .filter(supplier::Column::Id.is_in(rows.iter().map(|r| r.supplier_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|s| (s.id, s.legal_name))
        .collect();
    Ok(rows
        .into_iter()
        .map(|r| DecisionView {
            id: r.id,
            listing_id: r.listing_id,
            supplier_id: r.supplier_id,
            supplier: suppliers.get(&r.supplier_id).cloned().unwrap_or_default(),
            material: names.material(r.material_id),
            listing_price: r.listing_price.value(),
            survey_id: r.survey_id,
            survey_price: r.survey_price.value(),
            excess_percent: excess_percent(r.listing_price.value(), r.survey_price.value())
                .unwrap_or_default(),
            margin_percent: percent(r.margin.value()),
            decision: r.decision,
            reason: r.reason,
            failure_id: r.failure_id,
            decided_by: names.users.get(&r.decided_by).cloned().unwrap_or_default(),
            decided_at: r.decided_at,
        })
        .collect())
}

// ----- Downloads -----

/// The ledger as a spreadsheet, headers in `locale`.
pub fn ledger_sheet(surveys: &[SurveyView], q: &LedgerQuery, locale: Locale) -> Sheet {
    let t = |k: &str| locale.t(k);
    let mut sheet = Sheet::new(t("pw-ledger-title"));
    if let Some(from) = q.from {
        sheet = sheet.with_preamble(t("common-from"), from.to_string());
    }
    if let Some(to) = q.to {
        sheet = sheet.with_preamble(t("common-to"), to.to_string());
    }
    let mut sheet = sheet.with_headers(
        [
            "pw-surveyed-on",
            "field-code",
            "field-name",
            "field-spec",
            "field-unit",
            "pw-source-kind",
            "pw-source",
            "pw-unit-price",
            "pw-note",
            "pw-corrects",
            "pw-recorded-by",
        ]
        .iter()
        .map(|k| t(k)),
    );
    for s in surveys {
        sheet.push_row(vec![
            Cell::date(s.surveyed_on),
            Cell::text(s.material.code.clone()),
            Cell::text(s.material.name.clone()),
            Cell::text(s.material.spec.clone()),
            Cell::text(s.material.unit.clone()),
            Cell::text(locale.t(&format!("pw-source-kind-{}", s.source_kind))),
            Cell::text(s.source.clone()),
            Cell::qty(s.unit_price, 4),
            Cell::text(s.note.clone()),
            s.corrects_id.map_or(Cell::Empty, Cell::int),
            Cell::text(s.recorded_by.clone()),
        ]);
    }
    sheet
}

/// The file name of a ledger download.
pub fn ledger_file_name(today: NaiveDate) -> String {
    format!("price-ledger-{today}")
}

/// The ledger download for `q` in `format`.
pub async fn ledger_download(
    state: &AppState,
    q: &LedgerQuery,
    format: Format,
    locale: Locale,
) -> AppResult<HttpResponse> {
    let rows = store::ledger_all(&state.db.read, q).await?;
    let views = survey_views(&state.db.read, rows, locale).await?;
    let sheet = ledger_sheet(&views, q, locale);
    Ok(crate::export::download(
        format,
        &ledger_file_name(state.today()),
        &sheet,
    )?)
}

// ----- Handlers -----

/// The price ledger (物资询价台帐): surveys newest first, filtered by material, category and
/// dates, 100 a page.
#[utoipa::path(get, path = "/api/price-surveys", tag = "price watch", security(("bearer" = ["read_procurement"])), params(LedgerQuery),
    responses((status = 200, body = LedgerPage), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
#[get("/api/price-surveys")]
pub async fn list_surveys(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: crate::web::Query<LedgerQuery>,
    req: HttpRequest,
) -> AppResult<web::Json<LedgerPage>> {
    user.require(Capability::ReadProcurement)?;
    let page = crate::web::page_number(q.page);
    let (rows, total) = store::ledger(&state.db.read, &q, page).await?;
    Ok(web::Json(LedgerPage {
        surveys: survey_views(&state.db.read, rows, Locale::of(&req)).await?,
        total,
        page,
        page_size: store::LEDGER_PAGE,
    }))
}

/// Records a market price survey (the procurement officer). Surveys are never changed: a wrong
/// one is corrected by a new survey with `corrects_id` and a note.
#[utoipa::path(post, path = "/api/price-surveys", tag = "price watch", security(("bearer" = ["manage_procurement"])), request_body = SurveyInput,
    responses((status = 201, body = SurveyView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/price-surveys")]
pub async fn create_survey(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<SurveyInput>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageProcurement)?;
    let s = store::record_survey_now(&state, &user, body.into_inner()).await?;
    let mut v = survey_views(&state.db.read, vec![s], Locale::of(&req)).await?;
    Ok(HttpResponse::Created().json(v.pop().ok_or(AppError::NotFound)?))
}

/// The latest survey of each material (matching the material filters; dates are ignored).
#[utoipa::path(get, path = "/api/price-surveys/latest", tag = "price watch", security(("bearer" = ["read_procurement"])), params(LedgerQuery),
    responses((status = 200, body = [LatestView]), (status = 403, body = ErrorBody)))]
#[get("/api/price-surveys/latest")]
pub async fn latest_surveys(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: crate::web::Query<LedgerQuery>,
    req: HttpRequest,
) -> AppResult<web::Json<Vec<LatestView>>> {
    user.require(Capability::ReadProcurement)?;
    Ok(web::Json(
        latest_views(&state.db.read, &q, state.today(), Locale::of(&req)).await?,
    ))
}

/// Listed materials due for a survey today: never surveyed, or last surveyed more than two
/// weeks ago.
#[utoipa::path(get, path = "/api/price-surveys/due", tag = "price watch", security(("bearer" = ["read_procurement"])),
    responses((status = 200, body = [DueView]), (status = 403, body = ErrorBody)))]
#[get("/api/price-surveys/due")]
pub async fn due_surveys(
    state: web::Data<AppState>,
    user: CurrentUser,
    req: HttpRequest,
) -> AppResult<web::Json<Vec<DueView>>> {
    user.require(Capability::ReadProcurement)?;
    let today = state.today();
    let due = store::due(&state.db.read, today).await?;
    Ok(web::Json(
        due_views(&state.db.read, due, today, Locale::of(&req)).await?,
    ))
}

/// A material's price history: its surveys, and its listings' prices beside the latest.
#[utoipa::path(get, path = "/api/price-surveys/materials/{id}", tag = "price watch", security(("bearer" = ["read_procurement"])),
    params(("id" = i64, Path)),
    responses((status = 200, body = HistoryView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/api/price-surveys/materials/{id}")]
pub async fn material_history(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    req: HttpRequest,
) -> AppResult<web::Json<HistoryView>> {
    user.require(Capability::ReadProcurement)?;
    Ok(web::Json(
        history_view(&state, *id, Locale::of(&req)).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportFormat {
    /// `csv` or `xlsx`.
    pub format: String,
}

/// The ledger (the same filters) as CSV or XLSX, headers in the caller's language.
#[utoipa::path(get, path = "/api/price-surveys/export", tag = "price watch", security(("bearer" = ["read_procurement"])),
    params(ExportFormat, LedgerQuery),
    responses((status = 200, description = "CSV or XLSX file"), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[get("/api/price-surveys/export")]
pub async fn export_surveys(
    state: web::Data<AppState>,
    user: CurrentUser,
    f: crate::web::Query<ExportFormat>,
    q: crate::web::Query<LedgerQuery>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadProcurement)?;
    let format =
        Format::parse(&f.format).ok_or_else(|| AppError::field("format", RuleCode::Format))?;
    ledger_download(&state, &q, format, Locale::of(&req)).await
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CandidateList {
    /// The margin in per cent: listings priced more than this above the latest survey.
    pub margin_percent: String,
    pub candidates: Vec<CandidateView>,
}

/// Price-failure candidates: listings priced more than the margin above the latest survey of
/// their material, not yet confirmed or dismissed at this price and survey.
#[utoipa::path(get, path = "/api/price-candidates", tag = "price watch", security(("bearer" = ["read_procurement"])),
    responses((status = 200, body = CandidateList), (status = 403, body = ErrorBody)))]
#[get("/api/price-candidates")]
pub async fn list_candidates(
    state: web::Data<AppState>,
    user: CurrentUser,
    req: HttpRequest,
) -> AppResult<web::Json<CandidateList>> {
    user.require(Capability::ReadProcurement)?;
    let margin = crate::settings::price_margin(&state.db.read).await?;
    let list = store::candidates(&state.db.read, margin).await?;
    Ok(web::Json(CandidateList {
        margin_percent: percent(margin),
        candidates: candidate_views(&state.db.read, list, Locale::of(&req)).await?,
    }))
}

/// The latest decisions on candidates (50).
#[utoipa::path(get, path = "/api/price-candidates/decisions", tag = "price watch", security(("bearer" = ["read_procurement"])),
    responses((status = 200, body = [DecisionView]), (status = 403, body = ErrorBody)))]
#[get("/api/price-candidates/decisions")]
pub async fn list_decisions(
    state: web::Data<AppState>,
    user: CurrentUser,
    req: HttpRequest,
) -> AppResult<web::Json<Vec<DecisionView>>> {
    user.require(Capability::ReadProcurement)?;
    let rows = store::decisions(&state.db.read, DECISIONS_SHOWN).await?;
    Ok(web::Json(
        decision_views(&state.db.read, rows, Locale::of(&req)).await?,
    ))
}

/// Confirms a candidate (a price failure is recorded against the supplier; the head confirms
/// it as usual) or dismisses it with a reason (the procurement officer).
#[utoipa::path(post, path = "/api/price-candidates/{listing_id}/decision", tag = "price watch", security(("bearer" = ["manage_procurement"])),
    params(("listing_id" = i64, Path)), request_body = DecisionInput,
    responses((status = 200, body = DecisionView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/price-candidates/{listing_id}/decision")]
pub async fn decide_candidate(
    state: web::Data<AppState>,
    user: CurrentUser,
    listing_id: web::Path<ListingId>,
    body: web::Json<DecisionInput>,
    req: HttpRequest,
) -> AppResult<web::Json<DecisionView>> {
    user.require(Capability::ManageProcurement)?;
    let locale = Locale::of(&req);
    let row = store::decide(&state, &user, *listing_id, body.into_inner(), locale).await?;
    let mut v = decision_views(&state.db.read, vec![row], locale).await?;
    Ok(web::Json(v.pop().ok_or(AppError::NotFound)?))
}
