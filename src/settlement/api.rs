//! The settlement JSON API: statements, closing a period, the workflow steps, downloads.

use super::rules::Period;
use super::store::{self, StatementFilter, Step};
use crate::auth::{Capability, CurrentUser};
use crate::error::RuleCode;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::export::{Cell, Format, Sheet};
use crate::i18n::Locale;
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use entity::{StatementId, SupplierId};
use entity::{site, statement, statement_line};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct StatementView {
    pub id: StatementId,
    pub number: String,
    pub supplier_id: SupplierId,
    pub supplier: String,
    pub period: String,
    pub first_day: chrono::NaiveDate,
    pub last_day: chrono::NaiveDate,
    /// VAT as a fraction: "0.13" is 13 % (pages show the percent). Unit prices and the
    /// gross include it; `net` and `tax` split the gross.
    #[schema(value_type = String, example = "0.13")]
    pub tax_rate: Decimal,
    #[schema(value_type = String)]
    pub gross: Decimal,
    #[schema(value_type = String)]
    pub net: Decimal,
    #[schema(value_type = String)]
    pub tax: Decimal,
    pub status: String,
    pub issued_at: Option<chrono::DateTime<chrono::Utc>>,
    pub answered_at: Option<chrono::DateTime<chrono::Utc>>,
    pub resolved_at: Option<chrono::DateTime<chrono::Utc>>,
    pub invoice_number: String,
    pub invoice_date: Option<chrono::NaiveDate>,
    pub paid_on: Option<chrono::NaiveDate>,
    pub payment_reference: String,
}

impl StatementView {
    pub fn new(s: statement::Model, supplier: String) -> Self {
        StatementView {
            id: s.id,
            number: s.number,
            supplier_id: s.supplier_id,
            supplier,
            period: s.period,
            first_day: s.first_day,
            last_day: s.last_day,
            tax_rate: s.tax_rate.value(),
            gross: s.gross.value(),
            net: s.net.value(),
            tax: s.tax.value(),
            status: s.status,
            issued_at: s.issued_at,
            answered_at: s.answered_at,
            resolved_at: s.resolved_at,
            invoice_number: s.invoice_number,
            invoice_date: s.invoice_date,
            paid_on: s.paid_on,
            payment_reference: s.payment_reference,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatementLineView {
    pub id: i64,
    /// `issue`, `site_return` or `adjustment`.
    pub kind: String,
    pub movement_id: Option<i64>,
    pub adjustment_id: Option<i64>,
    pub at: Option<chrono::DateTime<chrono::Utc>>,
    pub site: String,
    /// The material's Chinese name as it was when the statement was made; for an English
    /// reader (`Accept-Language: en`) the materials master's English name where it has one.
    pub material: String,
    pub spec: String,
    /// The unit's code (`/api/units` names it in both languages).
    pub unit: String,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    /// Including VAT, as the consignment agreement's prices are.
    #[schema(value_type = String)]
    pub unit_price: Decimal,
    #[schema(value_type = String)]
    pub amount: Decimal,
    pub note: String,
    pub dispute_reason: Option<String>,
    pub resolution: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatementDetail {
    pub statement: StatementView,
    pub lines: Vec<StatementLineView>,
}

pub async fn views(
    conn: &impl ConnectionTrait,
    statements: Vec<statement::Model>,
) -> AppResult<Vec<StatementView>> {
    let names =
        crate::suppliers::store::names(conn, statements.iter().map(|s| s.supplier_id)).await?;
    Ok(statements
        .into_iter()
        .map(|s| {
            let n = names.get(&s.supplier_id).cloned().unwrap_or_default();
            StatementView::new(s, n)
        })
        .collect())
}

/// A statement with its lines, named in `locale`.
pub async fn detail(
    conn: &impl ConnectionTrait,
    user: &CurrentUser,
    id: StatementId,
    locale: Locale,
) -> AppResult<StatementDetail> {
    let (s, lines) = store::get(conn, user, id).await?;
    let sites: HashMap<i64, site::Model> = site::Entity::find()
        .filter(site::Column::Id.is_in(lines.iter().filter_map(|l| l.site_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    // A line keeps the material's Chinese name as it was when the statement was made; an
    // English reader gets the master's English name where it has one.
    let english: HashMap<entity::ListingId, String> = if locale == Locale::En {
        let listings = entity::listing::Entity::find()
            .filter(entity::listing::Column::Id.is_in(lines.iter().filter_map(|l| l.listing_id)))
            .all(conn)
            .await?;
        let materials: HashMap<i64, String> = entity::material::Entity::find()
            .filter(entity::material::Column::Id.is_in(listings.iter().map(|l| l.material_id)))
            .all(conn)
            .await?
            .into_iter()
            .filter(|m| !m.name_en.trim().is_empty())
            .map(|m| (m.id, m.name_en))
            .collect();
        listings
            .into_iter()
            .filter_map(|l| Some((l.id, materials.get(&l.material_id)?.clone())))
            .collect()
    } else {
        HashMap::new()
    };
    let mut v = views(conn, vec![s]).await?;
    let statement = v.pop().ok_or(AppError::NotFound)?;
    let lines = lines
        .into_iter()
        .map(|l: statement_line::Model| StatementLineView {
            id: l.id,
            kind: l.kind,
            movement_id: l.movement_id,
            adjustment_id: l.adjustment_id,
            at: l.at,
            site: l
                .site_id
                .and_then(|id| sites.get(&id))
                .map(|s| locale.pick(&s.name_zh, &s.name_en).to_string())
                .unwrap_or_default(),
            material: l
                .listing_id
                .and_then(|id| english.get(&id).cloned())
                .unwrap_or(l.material),
            spec: l.spec,
            unit: l.unit,
            quantity: l.quantity.value(),
            unit_price: l.unit_price.value(),
            amount: l.amount.value(),
            note: l.note,
            dispute_reason: l.dispute_reason,
            resolution: l.resolution,
        })
        .collect();
    Ok(StatementDetail { statement, lines })
}

/// Settlement statements: a supplier's own (issued ones), or all for finance and audit.
#[utoipa::path(get, path = "/api/statements", tag = "settlement", security(("bearer" = ["read_statements"])), params(StatementFilter),
    responses((status = 200, body = [StatementView]), (status = 403, body = ErrorBody)))]
#[get("/api/statements")]
pub async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    f: crate::web::Query<StatementFilter>,
) -> AppResult<web::Json<Vec<StatementView>>> {
    user.require(Capability::ReadStatements)?;
    let list = store::list(&state.db.read, &user, &f).await?;
    Ok(web::Json(views(&state.db.read, list).await?))
}

#[utoipa::path(get, path = "/api/statements/{id}", tag = "settlement", security(("bearer" = ["read_statements"])),
    params(("id" = i64, Path)),
    responses((status = 200, body = StatementDetail), (status = 404, body = ErrorBody)))]
#[get("/api/statements/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<StatementId>,
    req: HttpRequest,
) -> AppResult<web::Json<StatementDetail>> {
    user.require(Capability::ReadStatements)?;
    Ok(web::Json(
        detail(&state.db.read, &user, *id, Locale::of(&req)).await?,
    ))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct CloseInput {
    /// The period to close ("2027-01"); by default every period that has ended.
    pub period: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CloseResult {
    /// The statements made; empty when everything was closed already.
    pub created: Vec<StatementView>,
}

/// Parses a period name, as a field error when it is not one.
pub fn parse_period(field: &str, s: Option<&str>) -> AppResult<Option<Period>> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(p) => Period::parse(p)
            .map(Some)
            .ok_or_else(|| AppError::field(field, RuleCode::Period)),
    }
}

/// Closes settlement periods as of today (finance). Idempotent: closing again makes nothing.
#[utoipa::path(post, path = "/api/statements/close", tag = "settlement", security(("bearer" = ["manage_settlement"])),
    request_body = CloseInput,
    responses((status = 200, body = CloseResult), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/statements/close")]
pub async fn close(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<CloseInput>,
) -> AppResult<web::Json<CloseResult>> {
    user.require(Capability::ManageSettlement)?;
    let only = parse_period("period", body.period.as_deref())?;
    let made = store::close(&state, &user.actor(), state.today(), only).await?;
    Ok(web::Json(CloseResult {
        created: views(&state.db.read, made).await?,
    }))
}

/// What a close today would put on statements, by supplier: ended periods whose draws (or
/// carried adjustments) are on no statement yet (finance; its home page counts them).
#[utoipa::path(get, path = "/api/statements/to-close", tag = "settlement", security(("bearer" = ["manage_settlement"])),
    responses((status = 200, body = [store::ToClose]), (status = 403, body = ErrorBody)))]
#[get("/api/statements/to-close")]
pub async fn to_close(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> AppResult<web::Json<Vec<store::ToClose>>> {
    user.require(Capability::ManageSettlement)?;
    Ok(web::Json(store::to_close(&state, state.today()).await?))
}

/// One workflow step: `issue`, `confirm`, `dispute` (lines with reasons), `resolve` (an
/// adjustment per disputed line), `invoice`, `pay`.
#[utoipa::path(post, path = "/api/statements/{id}/steps", tag = "settlement", security(("bearer" = ["step_statements"])),
    params(("id" = i64, Path)), request_body = Step,
    responses((status = 200, body = StatementView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/statements/{id}/steps")]
pub async fn step(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<StatementId>,
    body: web::Json<Step>,
) -> AppResult<web::Json<StatementView>> {
    user.require(Capability::StepStatements)?;
    let s = store::step_now(&state, &user, *id, body.into_inner()).await?;
    let mut v = views(&state.db.read, vec![s]).await?;
    Ok(web::Json(v.pop().ok_or(AppError::NotFound)?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `csv` or `xlsx`.
    pub format: String,
}

/// The statement as a spreadsheet: company, supplier, period, lines and totals.
pub async fn sheet(state: &AppState, d: &StatementDetail, locale: Locale) -> AppResult<Sheet> {
    let company = crate::settings::get(
        &state.db.read,
        if locale == Locale::ZhCn {
            "company_name_zh"
        } else {
            "company_name_en"
        },
    )
    .await?
    .unwrap_or_default();
    let s = &d.statement;
    let t = |k: &str| locale.t(k);
    let mut sheet = Sheet::new(format!("{} {}", t("statement-title"), s.number))
        .with_preamble(t("statement-company"), company)
        .with_preamble(t("field-supplier"), s.supplier.clone())
        .with_preamble(t("statement-number"), s.number.clone())
        .with_preamble(
            t("statement-period"),
            format!("{} ({} – {})", s.period, s.first_day, s.last_day),
        )
        .with_preamble(
            t("field-status"),
            locale.t(&format!("statement-status-{}", s.status)),
        )
        .with_headers(
            [
                "statement-date",
                "statement-kind",
                "statement-site",
                "field-name",
                "field-spec",
                "field-unit",
                "statement-quantity",
                "statement-unit-price",
                "statement-amount",
                "statement-note",
            ]
            .iter()
            .map(|k| t(k)),
        );
    for l in &d.lines {
        sheet.push_row(vec![
            l.at.map(|a| Cell::date(a.with_timezone(&state.tz()).date_naive()))
                .unwrap_or(Cell::Empty),
            Cell::text(locale.t(&format!("statement-kind-{}", l.kind))),
            Cell::text(l.site.clone()),
            Cell::text(l.material.clone()),
            Cell::text(l.spec.clone()),
            Cell::text(l.unit.clone()),
            Cell::qty(l.quantity, 3),
            Cell::qty(l.unit_price, 4),
            Cell::money(l.amount),
            Cell::text(l.note.clone()),
        ]);
    }
    let total = |label: String, v: Decimal| {
        let mut row = vec![Cell::Empty; 10];
        row[7] = Cell::text(label);
        row[8] = Cell::money(v);
        row
    };
    sheet.push_footer(total(t("statement-net"), s.net));
    sheet.push_footer(total(
        format!(
            "{} {}%",
            t("statement-tax"),
            crate::money::text::tax_percent(s.tax_rate)
        ),
        s.tax,
    ));
    sheet.push_footer(total(t("statement-gross"), s.gross));
    Ok(sheet)
}

#[utoipa::path(get, path = "/api/statements/{id}/export", tag = "settlement", security(("bearer" = ["read_statements"])),
    params(("id" = i64, Path), ExportQuery),
    responses((status = 200, description = "CSV or XLSX file"), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[get("/api/statements/{id}/export")]
pub async fn export(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<StatementId>,
    q: crate::web::Query<ExportQuery>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadStatements)?;
    let format =
        Format::parse(&q.format).ok_or_else(|| AppError::field("format", RuleCode::Format))?;
    let locale = Locale::of(&req);
    let d = detail(&state.db.read, &user, *id, locale).await?;
    let sheet = sheet(&state, &d, locale).await?;
    Ok(crate::export::download(
        format,
        &d.statement.number,
        &sheet,
    )?)
}
