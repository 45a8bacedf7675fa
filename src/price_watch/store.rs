//! Price-watch persistence: recording surveys in the ledger, the latest survey of each
//! material, the daily survey reminder, and procurement's decisions on price-failure
//! candidates.
//!
//! Surveys are only ever inserted. The reminder is exactly-once per material and due cycle by a
//! unique key (the material and the survey it was last surveyed by), and a candidate is decided
//! once per (listing, survey, listing price) by another, so neither a re-run, a second instance
//! nor a double-submitted form does anything twice.

use super::rules::{
    Decision, SourceKind, UnitPrice, above_margin, excess_percent, percent, survey_due,
};
use crate::audit::{self, Actor, Change};
use crate::auth::{Act, CurrentUser, Role};
use crate::error::RuleCode;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::i18n::Locale;
use crate::mail;
use crate::state::AppState;
use crate::suppliers::rules::{FailureKind, FailureSource, SupplierStatus};
use crate::suppliers::store::FailureInput;
use crate::users::store as users;
use chrono::NaiveDate;
use entity::{
    Fixed, listing, material, price_candidate, price_survey, price_survey_reminder, supplier,
};
use entity::{ListingId, SupplierId};
use rust_decimal::Decimal;
use sea_orm::sea_query::{
    Alias, Condition, Expr, Func, IntoIden, LikeExpr, OnConflict, Query, SelectStatement,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, ExprTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::{HashMap, HashSet};
use std::str::FromStr;
use utoipa::{IntoParams, ToSchema};

/// Surveys on one page of the ledger.
pub const LEDGER_PAGE: u64 = 100;
/// The most surveys one download holds.
pub const EXPORT_LIMIT: u64 = 50_000;

/// An empty query parameter (as a form's blank field sends it) is no filter.
fn blank_as_none<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: std::fmt::Display,
{
    let s: Option<String> = Option::deserialize(d)?;
    match s.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => v.parse::<T>().map(Some).map_err(serde::de::Error::custom),
    }
}

/// Which surveys of the ledger to show.
#[derive(Debug, Clone, Default, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LedgerQuery {
    /// Part of a material's code, name (Chinese or English) or specification.
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default, deserialize_with = "blank_as_none")]
    pub material_id: Option<i64>,
    #[serde(default, deserialize_with = "blank_as_none")]
    pub category_id: Option<i64>,
    /// Surveyed on or after this day.
    #[serde(default, deserialize_with = "blank_as_none")]
    pub from: Option<NaiveDate>,
    /// Surveyed on or before this day.
    #[serde(default, deserialize_with = "blank_as_none")]
    pub to: Option<NaiveDate>,
    /// 1-based page of the ledger (100 surveys a page).
    #[serde(default, deserialize_with = "blank_as_none")]
    pub page: Option<u64>,
}

impl LedgerQuery {
    fn text(&self) -> Option<&str> {
        self.q.as_deref().map(str::trim).filter(|s| !s.is_empty())
    }
}

/// The ids of materials that match the query's material text and category, if it has either.
fn matching_materials(q: &LedgerQuery) -> Option<SelectStatement> {
    if q.text().is_none() && q.category_id.is_none() {
        return None;
    }
    let mut s = Query::select()
        .column(material::Column::Id)
        .from(material::Entity)
        .to_owned();
    if let Some(text) = q.text() {
        let like = |c: material::Column| {
            Func::lower(Expr::col(c))
                .like(LikeExpr::new(crate::search::like_pattern(text)).escape('\\'))
        };
        s.cond_where(
            Condition::any()
                .add(like(material::Column::Code))
                .add(like(material::Column::NameZh))
                .add(like(material::Column::NameEn))
                .add(like(material::Column::Spec)),
        );
    }
    if let Some(c) = q.category_id {
        s.and_where(material::Column::CategoryId.eq(c));
    }
    Some(s)
}

/// Materials listed in the supermarket: those with an active listing.
fn listed_materials() -> SelectStatement {
    Query::select()
        .distinct()
        .column(listing::Column::MaterialId)
        .from(listing::Entity)
        .and_where(listing::Column::Active.eq(true))
        .to_owned()
}

/// True for the survey `outer` when no survey of its material is later: a later day, or the
/// same day recorded after it.
fn no_later_survey<T: IntoIden + Clone>(outer: T) -> Expr {
    let later = Alias::new("later");
    let col = |c: price_survey::Column| Expr::col((later.clone(), c));
    Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from_as(price_survey::Entity, later.clone())
            .and_where(
                col(price_survey::Column::MaterialId)
                    .equals((outer.clone(), price_survey::Column::MaterialId)),
            )
            .cond_where(
                Condition::any()
                    .add(
                        col(price_survey::Column::SurveyedOn)
                            .gt(Expr::col((outer.clone(), price_survey::Column::SurveyedOn))),
                    )
                    .add(
                        Condition::all()
                            .add(
                                col(price_survey::Column::SurveyedOn)
                                    .equals((outer.clone(), price_survey::Column::SurveyedOn)),
                            )
                            .add(
                                col(price_survey::Column::Id)
                                    .gt(Expr::col((outer, price_survey::Column::Id))),
                            ),
                    ),
            )
            .to_owned(),
    )
    .not()
}

fn ledger_select(q: &LedgerQuery) -> sea_orm::Select<price_survey::Entity> {
    let mut sel = price_survey::Entity::find();
    if let Some(m) = q.material_id {
        sel = sel.filter(price_survey::Column::MaterialId.eq(m));
    }
    if let Some(s) = matching_materials(q) {
        sel = sel.filter(price_survey::Column::MaterialId.in_subquery(s));
    }
    if let Some(from) = q.from {
        sel = sel.filter(price_survey::Column::SurveyedOn.gte(from));
    }
    if let Some(to) = q.to {
        sel = sel.filter(price_survey::Column::SurveyedOn.lte(to));
    }
    sel.order_by_desc(price_survey::Column::SurveyedOn)
        .order_by_desc(price_survey::Column::Id)
}

/// One page of the ledger, newest first, and how many surveys match in all.
pub async fn ledger(
    conn: &impl ConnectionTrait,
    q: &LedgerQuery,
    page: u64,
) -> AppResult<(Vec<price_survey::Model>, u64)> {
    let pages = ledger_select(q).paginate(conn, LEDGER_PAGE);
    let total = pages.num_items().await?;
    Ok((
        pages.fetch_page(crate::paging::page_index(page)).await?,
        total,
    ))
}

/// Every matching survey (up to [`EXPORT_LIMIT`]), newest first, for a download.
pub async fn ledger_all(
    conn: &impl ConnectionTrait,
    q: &LedgerQuery,
) -> AppResult<Vec<price_survey::Model>> {
    Ok(ledger_select(q).limit(EXPORT_LIMIT).all(conn).await?)
}

/// The latest survey of each material matching the query's material, text and category (not
/// its dates), by material code.
pub async fn latest(
    conn: &impl ConnectionTrait,
    q: &LedgerQuery,
) -> AppResult<Vec<price_survey::Model>> {
    let mut sel = price_survey::Entity::find().filter(no_later_survey(price_survey::Entity));
    if let Some(m) = q.material_id {
        sel = sel.filter(price_survey::Column::MaterialId.eq(m));
    }
    if let Some(s) = matching_materials(q) {
        sel = sel.filter(price_survey::Column::MaterialId.in_subquery(s));
    }
    Ok(sel
        .order_by_asc(price_survey::Column::MaterialId)
        .all(conn)
        .await?)
}

/// The latest survey of each of the materials `materials` selects, by material.
async fn latest_where(
    conn: &impl ConnectionTrait,
    materials: SelectStatement,
) -> AppResult<HashMap<i64, price_survey::Model>> {
    Ok(price_survey::Entity::find()
        .filter(no_later_survey(price_survey::Entity))
        .filter(price_survey::Column::MaterialId.in_subquery(materials))
        .all(conn)
        .await?
        .into_iter()
        .map(|s| (s.material_id, s))
        .collect())
}

/// The latest survey of one material.
pub async fn latest_of(
    conn: &impl ConnectionTrait,
    material_id: i64,
) -> AppResult<Option<price_survey::Model>> {
    Ok(price_survey::Entity::find()
        .filter(price_survey::Column::MaterialId.eq(material_id))
        .order_by_desc(price_survey::Column::SurveyedOn)
        .order_by_desc(price_survey::Column::Id)
        .one(conn)
        .await?)
}

/// A material's surveys, newest first.
pub async fn history(
    conn: &impl ConnectionTrait,
    material_id: i64,
) -> AppResult<(material::Model, Vec<price_survey::Model>)> {
    let m = material::Entity::find_by_id(material_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let surveys = price_survey::Entity::find()
        .filter(price_survey::Column::MaterialId.eq(material_id))
        .order_by_desc(price_survey::Column::SurveyedOn)
        .order_by_desc(price_survey::Column::Id)
        .all(conn)
        .await?;
    Ok((m, surveys))
}

/// Whether a material has an active listing.
pub async fn is_listed(conn: &impl ConnectionTrait, material_id: i64) -> AppResult<bool> {
    Ok(listing::Entity::find()
        .filter(listing::Column::MaterialId.eq(material_id))
        .filter(listing::Column::Active.eq(true))
        .one(conn)
        .await?
        .is_some())
}

/// The active listings of a material.
pub async fn listings_of(
    conn: &impl ConnectionTrait,
    material_id: i64,
) -> AppResult<Vec<listing::Model>> {
    Ok(listing::Entity::find()
        .filter(listing::Column::MaterialId.eq(material_id))
        .filter(listing::Column::Active.eq(true))
        .order_by_desc(listing::Column::Price)
        .all(conn)
        .await?)
}

/// Materials listed in the supermarket (by code), for the survey form's choices.
pub async fn listed(conn: &impl ConnectionTrait) -> AppResult<Vec<material::Model>> {
    Ok(material::Entity::find()
        .filter(material::Column::Id.in_subquery(listed_materials()))
        .order_by_asc(material::Column::Code)
        .all(conn)
        .await?)
}

/// The later surveys that correct each of `ids`.
pub async fn corrections(conn: &impl ConnectionTrait, ids: &[i64]) -> AppResult<HashMap<i64, i64>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(price_survey::Entity::find()
        .filter(price_survey::Column::CorrectsId.is_in(ids.to_vec()))
        .order_by_asc(price_survey::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|s| s.corrects_id.map(|c| (c, s.id)))
        .collect())
}

// ----- Recording a survey -----

/// A market price survey to record.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct SurveyInput {
    pub material_id: Option<i64>,
    /// The day the price was asked or read.
    pub surveyed_on: Option<NaiveDate>,
    /// `price_service`, `vendor_quote`, `tender_result` or `other`.
    #[serde(default)]
    pub source_kind: String,
    /// Who gave the price: "西本新干线", "我的钢铁网 Mysteel", a vendor and its contact, a tender.
    #[serde(default)]
    pub source: String,
    /// Yuan per unit of the material, above zero, at most four decimal places.
    #[schema(value_type = Option<String>, example = "3850.00")]
    pub unit_price: Option<Decimal>,
    #[serde(default)]
    pub note: String,
    /// The survey this one corrects (surveys are never changed); the note then says why.
    pub corrects_id: Option<i64>,
}

fn text_field(errors: &mut FieldErrors, field: &str, v: &str, required: bool, max: usize) {
    let n = v.trim().chars().count();
    if n == 0 && required {
        errors.add(field, RuleCode::Required);
    } else if n > max {
        errors.add_with(field, RuleCode::TooLong, &[("max", max.to_string())]);
    }
}

/// The procurement officer records a survey in the ledger ([`record_survey_with`], nothing
/// found wrong beforehand), in a write transaction of its own, committed when it succeeds.
pub async fn record_survey_now(
    state: &AppState,
    user: &CurrentUser,
    input: SurveyInput,
) -> AppResult<price_survey::Model> {
    record_survey_with_now(state, user, input, FieldErrors::new()).await
}

/// The procurement officer (`act.actor`) records a survey in the ledger; `errors` holds what
/// the caller already found wrong (a form's unreadable fields), so that every problem is shown
/// at once. Joins the caller's transaction: it reads and writes through `txn` and commits
/// nothing.
pub async fn record_survey_with(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    input: SurveyInput,
    mut errors: FieldErrors,
) -> AppResult<price_survey::Model> {
    let user = act.actor;
    let today = act.today;
    match input.material_id {
        None => {
            errors.add("material_id", RuleCode::Required);
        }
        Some(id) => {
            if material::Entity::find_by_id(id).one(txn).await?.is_none() {
                errors.add("material_id", RuleCode::NotFound);
            }
        }
    }
    match input.surveyed_on {
        None => {
            errors.add("surveyed_on", RuleCode::Date);
        }
        Some(d) if d > today => {
            errors.add("surveyed_on", RuleCode::InFuture);
        }
        Some(_) => {}
    }
    let kind = SourceKind::parse(&input.source_kind);
    if kind.is_none() {
        errors.add("source_kind", RuleCode::Invalid);
    }
    text_field(&mut errors, "source", &input.source, true, 100);
    let price = match input.unit_price.map(UnitPrice::parse) {
        None => {
            errors.add("unit_price", RuleCode::PricePositive);
            None
        }
        Some(Err(e)) => {
            errors.add("unit_price", super::rules::price_code(e));
            None
        }
        Some(Ok(p)) => Some(p),
    };
    text_field(
        &mut errors,
        "note",
        &input.note,
        input.corrects_id.is_some(),
        2000,
    );
    if let Some(cid) = input.corrects_id {
        match price_survey::Entity::find_by_id(cid).one(txn).await? {
            None => {
                errors.add("corrects_id", RuleCode::NotFound);
            }
            Some(c) if Some(c.material_id) != input.material_id => {
                errors.add("corrects_id", RuleCode::PwCorrectionMaterial);
            }
            Some(_) => {}
        }
    }
    errors.into_result()?;
    let (Some(material_id), Some(surveyed_on), Some(kind), Some(price)) =
        (input.material_id, input.surveyed_on, kind, price)
    else {
        return Err(AppError::field("material_id", RuleCode::Required));
    };
    let now = act.now;
    let s = price_survey::ActiveModel {
        material_id: Set(material_id),
        surveyed_on: Set(surveyed_on),
        source_kind: Set(kind.as_str().into()),
        source: Set(input.source.trim().into()),
        unit_price: Set(price.fixed()),
        note: Set(input.note.trim().into()),
        corrects_id: Set(input.corrects_id),
        recorded_by: Set(user.id),
        recorded_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    audit::record(
        txn,
        &user.actor(),
        now,
        Change::new("price_survey.create", "price_survey", s.id).after(&s),
    )
    .await?;
    Ok(s)
}

/// [`record_survey_with`] on its own: in a write transaction of its own, committed when it
/// succeeds.
pub async fn record_survey_with_now(
    state: &AppState,
    user: &CurrentUser,
    input: SurveyInput,
    errors: FieldErrors,
) -> AppResult<price_survey::Model> {
    let txn = state.db.begin_write().await?;
    let s = record_survey_with(&txn, &Act::of(state, user), input, errors).await?;
    txn.commit().await?;
    Ok(s)
}

// ----- Surveys due (rule 13: every two weeks) -----

/// A listed material due for a survey.
#[derive(Debug, Clone)]
pub struct DueMaterial {
    pub material: material::Model,
    pub last: Option<price_survey::Model>,
    /// When procurement was reminded in this due cycle, if it was.
    pub reminded_on: Option<NaiveDate>,
}

impl DueMaterial {
    /// The survey the material is due after, as the reminder's key (0: never surveyed).
    pub fn cycle(&self) -> i64 {
        self.last.as_ref().map_or(0, |s| s.id)
    }
}

/// The listed materials due for a survey on `today`: never surveyed first, then the oldest.
pub async fn due(conn: &impl ConnectionTrait, today: NaiveDate) -> AppResult<Vec<DueMaterial>> {
    let materials = material::Entity::find()
        .filter(material::Column::Id.in_subquery(listed_materials()))
        .order_by_asc(material::Column::Code)
        .all(conn)
        .await?;
    let mut latest = latest_where(conn, listed_materials()).await?;
    let reminded: HashMap<(i64, i64), NaiveDate> = price_survey_reminder::Entity::find()
        .filter(price_survey_reminder::Column::MaterialId.in_subquery(listed_materials()))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| ((r.material_id, r.after_survey_id), r.reminded_on))
        .collect();
    let mut out: Vec<DueMaterial> = materials
        .into_iter()
        .filter_map(|m| {
            let last = latest.remove(&m.id);
            survey_due(last.as_ref().map(|s| s.surveyed_on), today).then(|| {
                let mut d = DueMaterial {
                    material: m,
                    last,
                    reminded_on: None,
                };
                d.reminded_on = reminded.get(&(d.material.id, d.cycle())).copied();
                d
            })
        })
        .collect();
    out.sort_by_key(|d| d.last.as_ref().map(|s| s.surveyed_on));
    Ok(out)
}

/// The daily `price-survey-due` job: reminds the procurement officers by email of each listed
/// material whose survey is due, once per material and due cycle (until a new survey).
pub async fn survey_reminders(
    state: &AppState,
    as_of: NaiveDate,
) -> AppResult<crate::jobs::JobDetail> {
    let actor = Actor::system("job:price-survey-due");
    let due = due(&state.db.read, as_of).await?;
    let mut reminded = 0;
    for d in due.into_iter().filter(|d| d.reminded_on.is_none()) {
        let txn = state.db.begin_write().await?;
        let claimed = price_survey_reminder::Entity::insert(price_survey_reminder::ActiveModel {
            material_id: Set(d.material.id),
            after_survey_id: Set(d.cycle()),
            reminded_on: Set(as_of),
            created_at: Set(state.now()),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::columns([
                price_survey_reminder::Column::MaterialId,
                price_survey_reminder::Column::AfterSurveyId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
        // Another instance reminded of it a moment ago.
        if claimed != 1 {
            txn.rollback().await?;
            continue;
        }
        let m = &d.material;
        let args = [
            ("id", m.id.to_string()),
            ("code", m.code.clone()),
            ("material", format!("{} {}", m.name_zh, m.spec)),
            (
                "last",
                d.last
                    .as_ref()
                    .map_or("none".to_string(), |s| s.surveyed_on.to_string()),
            ),
        ];
        let office = users::active_with_roles(&txn, &[Role::ProcurementOfficer]).await?;
        mail::enqueue_to_users_linked(
            &txn,
            &state.config.base_url(),
            state.now(),
            &office,
            "price_survey_due",
            &format!("/prices/materials/{}", m.id),
            &args,
        )
        .await?;
        audit::record(
            &txn,
            &actor,
            state.now(),
            Change::new("price_survey.reminded", "material", m.id).after(serde_json::json!({
                "after_survey_id": d.cycle(),
                "last_surveyed_on": d.last.as_ref().map(|s| s.surveyed_on),
                "reminded_on": as_of,
            })),
        )
        .await?;
        txn.commit().await?;
        reminded += 1;
    }
    state.mail_wake.notify_one();
    Ok(crate::jobs::JobDetail::new("job-detail-price-survey-due").arg("count", reminded))
}

// ----- Price-failure candidates -----

/// A listing priced more than the margin above the latest survey of its material, not yet
/// decided for this price and survey.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub listing: listing::Model,
    pub supplier: supplier::Model,
    pub material: material::Model,
    pub survey: price_survey::Model,
    /// Per cent above the survey, two places.
    pub excess_percent: Decimal,
}

/// Suppliers a failure can be recorded against (`record_failure`'s own condition).
fn failure_recordable(s: &supplier::Model) -> bool {
    matches!(
        SupplierStatus::parse(&s.status),
        Some(SupplierStatus::Admitted | SupplierStatus::Suspended)
    )
}

/// The open candidates at `margin` (a fraction), the largest excess first.
pub async fn candidates(conn: &impl ConnectionTrait, margin: Decimal) -> AppResult<Vec<Candidate>> {
    let latest = latest_where(conn, listed_materials()).await?;
    // Only listings above their material's latest survey can be above it by the margin; both
    // prices are scaled alike, so the database compares them exactly.
    let s = Alias::new("s");
    let above_latest = Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from_as(price_survey::Entity, s.clone())
            .and_where(
                Expr::col((s.clone(), price_survey::Column::MaterialId))
                    .equals((listing::Entity, listing::Column::MaterialId)),
            )
            .and_where(
                Expr::col((s.clone(), price_survey::Column::UnitPrice))
                    .lt(Expr::col((listing::Entity, listing::Column::Price))),
            )
            .and_where(no_later_survey(s))
            .to_owned(),
    );
    let listings: Vec<listing::Model> = listing::Entity::find()
        .filter(listing::Column::Active.eq(true))
        .filter(above_latest)
        .all(conn)
        .await?
        .into_iter()
        .filter(|l| {
            latest
                .get(&l.material_id)
                .is_some_and(|s| above_margin(l.price.value(), s.unit_price.value(), margin))
        })
        .collect();
    if listings.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<ListingId> = listings.iter().map(|l| l.id).collect();
    let decided: HashSet<(ListingId, i64, Fixed<4>)> = price_candidate::Entity::find()
        .filter(price_candidate::Column::ListingId.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| (c.listing_id, c.survey_id, c.listing_price))
        .collect();
    let suppliers: HashMap<SupplierId, supplier::Model> = supplier::Entity::find()
        .filter(supplier::Column::Id.is_in(listings.iter().map(|l| l.supplier_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let materials: HashMap<i64, material::Model> = material::Entity::find()
        .filter(material::Column::Id.is_in(listings.iter().map(|l| l.material_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    let mut out: Vec<Candidate> = listings
        .into_iter()
        .filter_map(|l| {
            let survey = latest.get(&l.material_id)?.clone();
            if decided.contains(&(l.id, survey.id, l.price)) {
                return None;
            }
            let supplier = suppliers.get(&l.supplier_id)?.clone();
            if !failure_recordable(&supplier) {
                return None;
            }
            let material = materials.get(&l.material_id)?.clone();
            let excess_percent =
                excess_percent(l.price.value(), survey.unit_price.value()).unwrap_or_default();
            Some(Candidate {
                listing: l,
                supplier,
                material,
                survey,
                excess_percent,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.excess_percent
            .cmp(&a.excess_percent)
            .then(a.listing.id.cmp(&b.listing.id))
    });
    Ok(out)
}

/// The decisions on candidates, newest first.
pub async fn decisions(
    conn: &impl ConnectionTrait,
    limit: u64,
) -> AppResult<Vec<price_candidate::Model>> {
    Ok(price_candidate::Entity::find()
        .order_by_desc(price_candidate::Column::DecidedAt)
        .order_by_desc(price_candidate::Column::Id)
        .limit(limit)
        .all(conn)
        .await?)
}

/// Procurement's answer to a candidate.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct DecisionInput {
    /// `confirm` records a price failure against the supplier; `dismiss` needs a reason.
    #[serde(default)]
    pub decision: String,
    /// The survey the candidate was shown against (its material's latest).
    pub survey_id: Option<i64>,
    /// Why it is dismissed (required), or a note added to the failure (optional).
    #[serde(default)]
    pub reason: String,
}

/// The candidate of `listing_id` as it stands now, checked against the survey the officer saw.
async fn current_candidate(
    conn: &impl ConnectionTrait,
    listing_id: ListingId,
    survey_id: i64,
    margin: Decimal,
) -> AppResult<Candidate> {
    let l = listing::Entity::find_by_id(listing_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    if !l.active {
        return Err(AppError::Rule(RuleCode::PwNotACandidate));
    }
    let survey = latest_of(conn, l.material_id)
        .await?
        .ok_or(AppError::Rule(RuleCode::PwNotACandidate))?;
    if survey.id != survey_id {
        return Err(AppError::Conflict(RuleCode::PwCandidateChanged));
    }
    if !above_margin(l.price.value(), survey.unit_price.value(), margin) {
        return Err(AppError::Rule(RuleCode::PwNotACandidate));
    }
    let decided = price_candidate::Entity::find()
        .filter(price_candidate::Column::ListingId.eq(l.id))
        .filter(price_candidate::Column::SurveyId.eq(survey.id))
        .filter(price_candidate::Column::ListingPrice.eq(l.price))
        .one(conn)
        .await?;
    if decided.is_some() {
        return Err(AppError::Conflict(RuleCode::PwCandidateDecided));
    }
    let supplier = crate::suppliers::store::load(conn, l.supplier_id).await?;
    if !failure_recordable(&supplier) {
        return Err(AppError::Rule(RuleCode::SupplierNotAdmitted));
    }
    let material = material::Entity::find_by_id(l.material_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let excess_percent =
        excess_percent(l.price.value(), survey.unit_price.value()).unwrap_or_default();
    Ok(Candidate {
        listing: l,
        supplier,
        material,
        survey,
        excess_percent,
    })
}

/// A second decision on the same candidate meets the unique key.
fn decided_already(e: sea_orm::DbErr) -> AppError {
    match AppError::from(e) {
        AppError::Conflict(RuleCode::Duplicate) => AppError::Conflict(RuleCode::PwCandidateDecided),
        other => other,
    }
}

/// Confirms or dismisses a candidate (the procurement officer). Confirming records a price
/// failure against the supplier through the suppliers' own flow (the supplier is told and the
/// head confirms it, rule 2); dismissing needs a reason. Either way the candidate stays away
/// until the listing's price or its material's latest survey changes.
///
/// Not one transaction, so it opens its own (and joins none): the decision is claimed and
/// committed first; the failure is then recorded and linked to it in a second transaction; if
/// that fails, a third gives the candidate back (audited as `price_candidate.confirm_undone`)
/// before the error is returned. One [`Act`] covers all three.
pub async fn decide(
    state: &AppState,
    user: &CurrentUser,
    listing_id: ListingId,
    input: DecisionInput,
    locale: Locale,
) -> AppResult<price_candidate::Model> {
    let mut errors = FieldErrors::new();
    let decision = Decision::parse(&input.decision);
    if decision.is_none() {
        errors.add("decision", RuleCode::Invalid);
    }
    if input.survey_id.is_none() {
        errors.add("survey_id", RuleCode::Required);
    }
    text_field(
        &mut errors,
        "reason",
        &input.reason,
        decision == Some(Decision::Dismiss),
        2000,
    );
    errors.into_result()?;
    let (Some(decision), Some(survey_id)) = (decision, input.survey_id) else {
        return Err(AppError::field("decision", RuleCode::Invalid));
    };
    let margin = crate::settings::price_margin(&state.db.read).await?;
    let c = current_candidate(&state.db.read, listing_id, survey_id, margin).await?;
    let reason = input.reason.trim().to_string();
    let act = Act::of(state, user);
    let now = act.now;

    // The decision is claimed first, in its own transaction: its unique key lets only one of
    // two racing officers through, so a candidate never becomes two failures.
    let txn = state.db.begin_write().await?;
    let row = price_candidate::ActiveModel {
        listing_id: Set(c.listing.id),
        supplier_id: Set(c.supplier.id),
        material_id: Set(c.material.id),
        survey_id: Set(c.survey.id),
        listing_price: Set(c.listing.price),
        survey_price: Set(c.survey.unit_price),
        margin: Set(Fixed::<4>::new(margin).unwrap_or_default()),
        decision: Set(decision.stored().into()),
        reason: Set(reason.clone()),
        failure_id: Set(None),
        decided_by: Set(user.id),
        decided_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(decided_already)?;
    let action = match decision {
        Decision::Confirm => "price_candidate.confirm",
        Decision::Dismiss => "price_candidate.dismiss",
    };
    audit::record(
        &txn,
        &user.actor(),
        now,
        Change::new(action, "price_candidate", row.id).after(&row),
    )
    .await?;
    txn.commit().await?;
    if decision == Decision::Dismiss {
        return Ok(row);
    }

    let args = [
        (
            "material",
            format!("{} {}", c.material.name_zh, c.material.spec),
        ),
        ("code", c.material.code.clone()),
        (
            "listing_price",
            c.listing.price.value().normalize().to_string(),
        ),
        (
            "survey_price",
            c.survey.unit_price.value().normalize().to_string(),
        ),
        ("date", c.survey.surveyed_on.to_string()),
        ("source", c.survey.source.clone()),
        ("excess", c.excess_percent.to_string()),
        ("margin", percent(margin)),
    ];
    let mut description = locale.ta("pw-failure-description", &args);
    if !reason.is_empty() {
        description = format!("{description}\n{reason}");
    }
    let recorded: AppResult<price_candidate::Model> = async {
        let txn = state.db.begin_write().await?;
        let after = record_price_failure(&txn, &act, &c, row.clone(), description, &args).await?;
        txn.commit().await?;
        Ok(after)
    }
    .await;
    match recorded {
        Ok(after) => {
            state.mail_wake.notify_one();
            Ok(after)
        }
        Err(e) => {
            // No failure was recorded: give the candidate back, so it can be decided again.
            let txn = state.db.begin_write().await?;
            price_candidate::Entity::delete_by_id(row.id)
                .exec(&txn)
                .await?;
            audit::record(
                &txn,
                &user.actor(),
                act.now,
                Change::new("price_candidate.confirm_undone", "price_candidate", row.id)
                    .before(&row),
            )
            .await?;
            txn.commit().await?;
            Err(e)
        }
    }
}

/// A confirmed candidate's second part: a price failure recorded against its supplier through
/// the suppliers' own flow (which tells the supplier), linked to the candidate `row`, and the
/// procurement heads told. Joins the caller's transaction: it reads and writes through `txn`
/// and commits nothing.
async fn record_price_failure(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    c: &Candidate,
    row: price_candidate::Model,
    description: String,
    args: &[(&str, String)],
) -> AppResult<price_candidate::Model> {
    let failure = crate::suppliers::store::record_failure(
        txn,
        act,
        c.supplier.id,
        FailureInput {
            kind: FailureKind::Price,
            source: FailureSource::PriceSurvey,
            description,
            evidence_file_id: None,
        },
    )
    .await?;
    let before = row.clone();
    let mut am: price_candidate::ActiveModel = row.into();
    am.failure_id = Set(Some(failure.id));
    let after = am.update(txn).await?;
    audit::record(
        txn,
        &act.actor.actor(),
        act.now,
        Change::new(
            "price_candidate.failure_recorded",
            "price_candidate",
            after.id,
        )
        .before(&before)
        .after(&after),
    )
    .await?;
    let mut mail_args = args.to_vec();
    mail_args.extend([
        ("company", c.supplier.legal_name.clone()),
        ("id", c.supplier.id.to_string()),
        ("officer", act.actor.display_name.clone()),
    ]);
    let heads = users::active_with_roles(txn, &[Role::ProcurementHead]).await?;
    mail::enqueue_to_users_linked(
        txn,
        &act.base_url,
        act.now,
        &heads,
        "price_failure_recorded",
        &format!("/suppliers/{}", c.supplier.id),
        &mail_args,
    )
    .await?;
    Ok(after)
}
