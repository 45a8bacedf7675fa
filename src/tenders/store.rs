//! Tender persistence: drafting and publishing, invitations, sealed bids, the four-eyes
//! opening, scoring and evaluation, the head's award, re-issue, and the disqualification of a
//! removed supplier's bids. Every change is one transaction with its audit entry and emails.
//!
//! Sealing: a bid's lines live only in `bids.sealed` (AES-256-GCM, see [`super::crypto`]).
//! They are decrypted for the bidder's own bid view, and for the procurement office only
//! through [`opened_bids`], which refuses until the deadline has passed and the tender has been
//! opened. Audit entries of bids never carry their lines.

use super::crypto::{self, BidKey, Sealed};
use super::rules::{self, Candidate, Ranked, Step, TenderKind, TenderStatus, Weights};
use crate::audit::{self, Actor, Change};
use crate::auth::{Capability, CurrentUser, Role};
use crate::error::RuleCode;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::money::{Quantity, UnitPlaces};
use crate::state::AppState;
use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    Fixed, bid, bid_score, category, material, supplier, tender, tender_document,
    tender_invitation, tender_item, unit,
};
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use utoipa::ToSchema;

const MAX_ITEMS: usize = 100;
const MAX_TEXT: usize = 4000;
const MAX_INVITEES: usize = 200;

// ----- Inputs -----

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct TenderItemInput {
    pub material_id: i64,
    /// In the material's unit.
    #[schema(value_type = String)]
    pub quantity: Decimal,
    /// What the bid must meet (standard, grade, packing…).
    #[serde(default)]
    pub specification: String,
}

/// A tender as the procurement officer drafts it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct TenderInput {
    pub title: String,
    pub kind: TenderKind,
    pub category_id: i64,
    #[serde(default)]
    pub description: String,
    /// The instant bids close (shown in the company's time zone).
    pub bid_deadline: DateTime<Utc>,
    pub weights: Weights,
    pub items: Vec<TenderItemInput>,
    /// Invited suppliers (invitational tenders; ignored for public ones).
    #[serde(default)]
    pub invitees: Vec<i64>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct BidLineInput {
    pub item_id: i64,
    /// Yuan per unit, at most four decimal places.
    #[schema(value_type = String)]
    pub unit_price: Decimal,
    pub delivery_days: i32,
}

/// A bid: a price and a delivery time for every item, and a technical note.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct BidInput {
    pub lines: Vec<BidLineInput>,
    #[serde(default)]
    pub technical_note: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct BidScoreInput {
    pub bid_id: i64,
    /// Quality/technical score, 0–100.
    pub quality: i32,
    /// Delivery score, 0–100.
    pub delivery: i32,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct BidScoresInput {
    pub scores: Vec<BidScoreInput>,
}

/// The head's decision on the committee's recommendation.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct AwardDecisionInput {
    pub approve: bool,
    /// Required when declining.
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct TenderReissueInput {
    pub bid_deadline: DateTime<Utc>,
}

// ----- What a sealed bid holds -----

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedLine {
    pub item_id: i64,
    pub unit_price: Decimal,
    pub delivery_days: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedBid {
    pub lines: Vec<SealedLine>,
    pub technical_note: String,
}

/// A bid with its lines unsealed and its total.
#[derive(Debug, Clone)]
pub struct OpenBid {
    pub bid: bid::Model,
    pub content: SealedBid,
    pub total: Decimal,
}

/// What an audit entry says about a bid: never its lines.
#[derive(Serialize)]
struct BidFacts {
    bid_id: i64,
    tender_id: i64,
    supplier_id: i64,
    status: String,
    revision: i32,
}

impl From<&bid::Model> for BidFacts {
    fn from(b: &bid::Model) -> Self {
        Self {
            bid_id: b.id,
            tender_id: b.tender_id,
            supplier_id: b.supplier_id,
            status: b.status.clone(),
            revision: b.revision,
        }
    }
}

// ----- Loading and access -----

pub async fn load(conn: &impl ConnectionTrait, id: i64) -> AppResult<tender::Model> {
    tender::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

pub fn status_of(t: &tender::Model) -> AppResult<TenderStatus> {
    TenderStatus::parse(&t.status)
        .ok_or_else(|| AppError::Internal(format!("tender {} status {}", t.id, t.status)))
}

pub fn kind_of(t: &tender::Model) -> AppResult<TenderKind> {
    TenderKind::parse(&t.kind)
        .ok_or_else(|| AppError::Internal(format!("tender {} kind {}", t.id, t.kind)))
}

pub fn weights_of(t: &tender::Model) -> Weights {
    Weights {
        price: t.weight_price,
        quality: t.weight_quality,
        delivery: t.weight_delivery,
    }
}

/// Who is looking: the procurement office (and the auditor and admin, who read it), or one
/// supplier. Nobody else reads tenders.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Viewer {
    Office,
    Supplier(i64),
}

pub fn viewer(user: &CurrentUser) -> AppResult<Viewer> {
    if user.role.can(Capability::ReadProcurement) {
        return Ok(Viewer::Office);
    }
    match (user.role, user.supplier_id) {
        (Role::Supplier, Some(id)) => Ok(Viewer::Supplier(id)),
        _ => Err(AppError::Forbidden),
    }
}

fn own_supplier(user: &CurrentUser) -> AppResult<i64> {
    user.require(Capability::ManageOwnSupplier)?;
    user.supplier_id.ok_or(AppError::Forbidden)
}

/// The category ids of the supplier's consignment agreement.
pub async fn agreement_categories(
    conn: &impl ConnectionTrait,
    supplier_id: i64,
) -> AppResult<Vec<i64>> {
    Ok(crate::suppliers::store::agreement(conn, supplier_id)
        .await?
        .map(|a| {
            a.categories
                .split(',')
                .filter_map(|c| c.trim().parse().ok())
                .collect()
        })
        .unwrap_or_default())
}

async fn invited(conn: &impl ConnectionTrait, tender_id: i64, supplier_id: i64) -> AppResult<bool> {
    Ok(tender_invitation::Entity::find()
        .filter(tender_invitation::Column::TenderId.eq(tender_id))
        .filter(tender_invitation::Column::SupplierId.eq(supplier_id))
        .one(conn)
        .await?
        .is_some())
}

async fn bid_of(
    conn: &impl ConnectionTrait,
    tender_id: i64,
    supplier_id: i64,
) -> AppResult<Option<bid::Model>> {
    Ok(bid::Entity::find()
        .filter(bid::Column::TenderId.eq(tender_id))
        .filter(bid::Column::SupplierId.eq(supplier_id))
        .one(conn)
        .await?)
}

/// May this supplier see the tender? A published (or later) invitational tender it is invited
/// to, a public one of a category its agreement covers, or any it has bid on.
pub async fn supplier_may_see(
    conn: &impl ConnectionTrait,
    t: &tender::Model,
    supplier_id: i64,
) -> AppResult<bool> {
    if status_of(t)? == TenderStatus::Draft {
        return Ok(false);
    }
    let may = match kind_of(t)? {
        TenderKind::Invitational => invited(conn, t.id, supplier_id).await?,
        TenderKind::Public => agreement_categories(conn, supplier_id)
            .await?
            .contains(&t.category_id),
    };
    Ok(may || bid_of(conn, t.id, supplier_id).await?.is_some())
}

/// The tender, when `user` may see it: 404 for a supplier that may not (it does not learn
/// that the tender exists), 403 for roles that read no tenders.
pub async fn visible(
    conn: &impl ConnectionTrait,
    user: &CurrentUser,
    id: i64,
) -> AppResult<(tender::Model, Viewer)> {
    let v = viewer(user)?;
    let t = load(conn, id).await?;
    if let Viewer::Supplier(sid) = v
        && !supplier_may_see(conn, &t, sid).await?
    {
        return Err(AppError::NotFound);
    }
    Ok((t, v))
}

#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TenderFilter {
    /// `draft`, `published`, `opened`, `evaluated`, `awarded` or `failed`.
    pub status: Option<String>,
}

/// The tenders `user` may see, newest first.
pub async fn list(
    conn: &impl ConnectionTrait,
    user: &CurrentUser,
    f: &TenderFilter,
) -> AppResult<Vec<tender::Model>> {
    let v = viewer(user)?;
    let mut q = tender::Entity::find().order_by_desc(tender::Column::Id);
    if let Some(s) = f.status.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(tender::Column::Status.eq(s));
    }
    let all = q.all(conn).await?;
    let Viewer::Supplier(sid) = v else {
        return Ok(all);
    };
    let invited: Vec<i64> = tender_invitation::Entity::find()
        .filter(tender_invitation::Column::SupplierId.eq(sid))
        .all(conn)
        .await?
        .into_iter()
        .map(|i| i.tender_id)
        .collect();
    let bid_on: Vec<i64> = bid::Entity::find()
        .filter(bid::Column::SupplierId.eq(sid))
        .all(conn)
        .await?
        .into_iter()
        .map(|b| b.tender_id)
        .collect();
    let cats = agreement_categories(conn, sid).await?;
    Ok(all
        .into_iter()
        .filter(|t| t.status != TenderStatus::Draft.as_str())
        .filter(|t| {
            bid_on.contains(&t.id)
                || if t.kind == TenderKind::Invitational.as_str() {
                    invited.contains(&t.id)
                } else {
                    cats.contains(&t.category_id)
                }
        })
        .collect())
}

pub async fn items(
    conn: &impl ConnectionTrait,
    tender_id: i64,
) -> AppResult<Vec<tender_item::Model>> {
    Ok(tender_item::Entity::find()
        .filter(tender_item::Column::TenderId.eq(tender_id))
        .order_by_asc(tender_item::Column::LineNo)
        .all(conn)
        .await?)
}

pub async fn documents(
    conn: &impl ConnectionTrait,
    tender_id: i64,
) -> AppResult<Vec<entity::file::Model>> {
    let ids: Vec<i64> = tender_document::Entity::find()
        .filter(tender_document::Column::TenderId.eq(tender_id))
        .order_by_asc(tender_document::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|d| d.file_id)
        .collect();
    Ok(entity::file::Entity::find()
        .filter(entity::file::Column::Id.is_in(ids))
        .order_by_asc(entity::file::Column::Id)
        .all(conn)
        .await?)
}

pub async fn invitee_ids(conn: &impl ConnectionTrait, tender_id: i64) -> AppResult<Vec<i64>> {
    Ok(tender_invitation::Entity::find()
        .filter(tender_invitation::Column::TenderId.eq(tender_id))
        .order_by_asc(tender_invitation::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|i| i.supplier_id)
        .collect())
}

pub async fn bids(conn: &impl ConnectionTrait, tender_id: i64) -> AppResult<Vec<bid::Model>> {
    Ok(bid::Entity::find()
        .filter(bid::Column::TenderId.eq(tender_id))
        .order_by_asc(bid::Column::Id)
        .all(conn)
        .await?)
}

/// A tender's document, for the office or a supplier who may see the tender (invited
/// suppliers download the documents through this, not through `/files`).
pub async fn document(
    conn: &impl ConnectionTrait,
    user: &CurrentUser,
    tender_id: i64,
    file_id: i64,
) -> AppResult<entity::file::Model> {
    visible(conn, user, tender_id).await?;
    tender_document::Entity::find()
        .filter(tender_document::Column::TenderId.eq(tender_id))
        .filter(tender_document::Column::FileId.eq(file_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    entity::file::Entity::find_by_id(file_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

// ----- Eligibility -----

/// Why a supplier may not bid on (or be invited to) a tender of `category_id` today, if it
/// may not: it must be admitted with a valid business licence (rule 1), every kind of its
/// documents must be valid, and its agreement must cover the category.
pub async fn ineligibility(
    conn: &impl ConnectionTrait,
    supplier_id: i64,
    category_id: i64,
    today: NaiveDate,
) -> AppResult<Option<RuleCode>> {
    match crate::suppliers::store::ensure_may_trade(conn, supplier_id, today).await {
        Ok(()) => {}
        Err(AppError::Rule(code)) => return Ok(Some(code)),
        Err(AppError::NotFound) => return Ok(Some(RuleCode::SupplierNotAdmitted)),
        Err(e) => return Err(e),
    }
    let mut latest: BTreeMap<String, NaiveDate> = BTreeMap::new();
    for d in crate::suppliers::store::documents(conn, supplier_id).await? {
        let e = latest.entry(d.kind).or_insert(d.expires_on);
        *e = (*e).max(d.expires_on);
    }
    if latest
        .values()
        .any(|d| !crate::suppliers::rules::document_valid(*d, today))
    {
        return Ok(Some(RuleCode::TenderDocumentsExpired));
    }
    if !agreement_categories(conn, supplier_id)
        .await?
        .contains(&category_id)
    {
        return Ok(Some(RuleCode::TenderCategoryNotCovered));
    }
    Ok(None)
}

/// The field code for an invitee that may not be invited.
fn invitee_code(reason: RuleCode) -> RuleCode {
    match reason {
        RuleCode::TenderCategoryNotCovered => RuleCode::TenderInviteeCategory,
        RuleCode::TenderDocumentsExpired | RuleCode::BusinessLicenceExpired => {
            RuleCode::TenderInviteeDocumentsExpired
        }
        _ => RuleCode::TenderInviteeNotAdmitted,
    }
}

/// The suppliers that may bid on a tender of `category_id` today (for the officer's choice
/// of invitees, and the announcement of a public tender).
pub async fn eligible_suppliers(
    conn: &impl ConnectionTrait,
    category_id: Option<i64>,
    today: NaiveDate,
) -> AppResult<Vec<(supplier::Model, Vec<i64>)>> {
    let admitted = supplier::Entity::find()
        .filter(supplier::Column::Status.eq("admitted"))
        .order_by_asc(supplier::Column::LegalName)
        .all(conn)
        .await?;
    let mut out = Vec::new();
    for s in admitted {
        let cats = agreement_categories(conn, s.id).await?;
        let ok = match category_id {
            Some(c) => ineligibility(conn, s.id, c, today).await?.is_none(),
            None => crate::suppliers::store::ensure_may_trade(conn, s.id, today)
                .await
                .is_ok(),
        };
        if ok {
            out.push((s, cats));
        }
    }
    Ok(out)
}

/// Checks the invitees of an invitational tender: at least three, each eligible today.
async fn check_invitees(
    conn: &impl ConnectionTrait,
    ids: &[i64],
    category_id: i64,
    today: NaiveDate,
    errors: &mut FieldErrors,
) -> AppResult<()> {
    if ids.len() > MAX_INVITEES {
        errors.add_with(
            "invitees",
            RuleCode::TenderTooManyInvitees,
            &[("max", MAX_INVITEES.to_string())],
        );
        return Ok(());
    }
    if ids.len() < rules::MIN_INVITEES {
        errors.add_with(
            "invitees",
            RuleCode::TenderInviteesMin,
            &[("min", rules::MIN_INVITEES.to_string())],
        );
        return Ok(());
    }
    for id in ids {
        if let Some(reason) = ineligibility(conn, *id, category_id, today).await? {
            let name = supplier::Entity::find_by_id(*id)
                .one(conn)
                .await?
                .map(|s| s.legal_name)
                .unwrap_or_else(|| id.to_string());
            errors.add_with("invitees", invitee_code(reason), &[("supplier", name)]);
            return Ok(());
        }
    }
    Ok(())
}

// ----- Drafting -----

struct CheckedItem {
    material_id: i64,
    quantity: Fixed<3>,
    specification: String,
    unit_code: String,
}

fn text_field(errors: &mut FieldErrors, field: &str, v: &str, max: usize, required: bool) {
    if required && v.trim().is_empty() {
        errors.add(field, RuleCode::Required);
    } else if v.contains('\0') {
        // PostgreSQL text cannot hold NUL.
        errors.add(field, RuleCode::Invalid);
    } else if v.chars().count() > max {
        errors.add_with(field, RuleCode::TooLong, &[("max", max.to_string())]);
    }
}

fn dedup(ids: &[i64]) -> Vec<i64> {
    let mut out: Vec<i64> = Vec::new();
    for id in ids {
        if !out.contains(id) {
            out.push(*id);
        }
    }
    out
}

/// Checks a draft: every problem is a field error, named as the API's fields are.
async fn check_input(
    conn: &impl ConnectionTrait,
    input: &TenderInput,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> AppResult<(Vec<CheckedItem>, Vec<i64>)> {
    let mut errors = FieldErrors::new();
    text_field(&mut errors, "title", &input.title, 200, true);
    text_field(
        &mut errors,
        "description",
        &input.description,
        MAX_TEXT,
        false,
    );
    let cat = category::Entity::find_by_id(input.category_id)
        .one(conn)
        .await?;
    if cat.is_none() {
        errors.add("category_id", RuleCode::NotFound);
    }
    if input.bid_deadline <= now {
        errors.add("bid_deadline", RuleCode::TenderDeadlinePast);
    }
    if let Err(e) = input.weights.check() {
        errors.add("weights", e.code());
    }
    if input.items.is_empty() {
        errors.add("items", RuleCode::TenderItemsRequired);
    } else if input.items.len() > MAX_ITEMS {
        errors.add_with(
            "items",
            RuleCode::TenderTooManyItems,
            &[("max", MAX_ITEMS.to_string())],
        );
    }
    let units: HashMap<String, u32> = unit::Entity::find()
        .all(conn)
        .await?
        .into_iter()
        .map(|u| (u.code, u.decimals.clamp(0, 3) as u32))
        .collect();
    let mut items = Vec::new();
    for (i, it) in input.items.iter().enumerate().take(MAX_ITEMS) {
        let m = material::Entity::find_by_id(it.material_id)
            .one(conn)
            .await?
            .filter(|m| m.active);
        let Some(m) = m else {
            errors.add(&format!("items.{i}.material_id"), RuleCode::NotFound);
            continue;
        };
        if cat.is_some() && m.category_id != input.category_id {
            errors.add(
                &format!("items.{i}.material_id"),
                RuleCode::TenderMaterialCategory,
            );
        }
        let places = units
            .get(&m.unit_code)
            .copied()
            .map(UnitPlaces::new)
            .unwrap_or_default();
        match Quantity::parse(it.quantity, places) {
            Ok(q) => items.push(CheckedItem {
                material_id: m.id,
                quantity: q.fixed(),
                specification: it.specification.trim().to_string(),
                unit_code: m.unit_code.clone(),
            }),
            Err(e) => Quantity::add_error(&mut errors, &format!("items.{i}.quantity"), e, places),
        }
        text_field(
            &mut errors,
            &format!("items.{i}.specification"),
            &it.specification,
            1000,
            false,
        );
    }
    let invitees = if input.kind == TenderKind::Invitational {
        let ids = dedup(&input.invitees[..input.invitees.len().min(MAX_INVITEES + 1)]);
        if cat.is_some() {
            check_invitees(conn, &ids, input.category_id, today, &mut errors).await?;
        }
        ids
    } else {
        Vec::new()
    };
    errors.into_result()?;
    Ok((items, invitees))
}

async fn write_items(
    txn: &DatabaseTransaction,
    tender_id: i64,
    items: &[CheckedItem],
) -> AppResult<()> {
    for (i, it) in items.iter().enumerate() {
        tender_item::ActiveModel {
            tender_id: Set(tender_id),
            line_no: Set(i as i32 + 1),
            material_id: Set(it.material_id),
            quantity: Set(it.quantity),
            specification: Set(it.specification.clone()),
            unit_code: Set(it.unit_code.clone()),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}

async fn write_invitations(
    txn: &DatabaseTransaction,
    tender_id: i64,
    ids: &[i64],
    by: i64,
    now: DateTime<Utc>,
) -> AppResult<()> {
    for id in ids {
        tender_invitation::ActiveModel {
            tender_id: Set(tender_id),
            supplier_id: Set(*id),
            invited_by: Set(by),
            invited_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}

/// Inserts a draft and gives it its number, `ZB-<year>-<id>`.
async fn insert_draft(
    txn: &DatabaseTransaction,
    state: &AppState,
    mut draft: tender::ActiveModel,
) -> AppResult<tender::Model> {
    let mut placeholder = [0u8; 8];
    rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut placeholder);
    draft.number = Set(format!("new-{}", hex::encode(placeholder)));
    let t = draft.insert(txn).await?;
    let year = state.today().format("%Y");
    let number = format!("ZB-{year}-{:04}", t.id);
    tender::Entity::update_many()
        .col_expr(tender::Column::Number, Expr::value(number))
        .filter(tender::Column::Id.eq(t.id))
        .exec(txn)
        .await?;
    load(txn, t.id).await
}

/// The procurement officer drafts a tender.
pub async fn create(
    state: &AppState,
    user: &CurrentUser,
    input: TenderInput,
) -> AppResult<tender::Model> {
    user.require(Capability::ManageProcurement)?;
    let now = state.now();
    let (items, invitees) = check_input(&state.db.read, &input, now, state.today()).await?;
    let txn = state.db.begin_write().await?;
    let t = insert_draft(
        &txn,
        state,
        tender::ActiveModel {
            title: Set(input.title.trim().to_string()),
            kind: Set(input.kind.as_str().into()),
            category_id: Set(input.category_id),
            description: Set(input.description.trim().to_string()),
            status: Set(TenderStatus::Draft.as_str().into()),
            bid_deadline: Set(input.bid_deadline),
            weight_price: Set(input.weights.price),
            weight_quality: Set(input.weights.quality),
            weight_delivery: Set(input.weights.delivery),
            reissue_of: Set(None),
            created_by: Set(user.id),
            created_at: Set(now),
            updated_at: Set(now),
            decision_note: Set(String::new()),
            failed_reason: Set(String::new()),
            ..Default::default()
        },
    )
    .await?;
    write_items(&txn, t.id, &items).await?;
    write_invitations(&txn, t.id, &invitees, user.id, now).await?;
    audit::record(
        &txn,
        &user.actor(),
        now,
        Change::new("tender.create", "tender", t.id).after(serde_json::json!({
            "tender": &t, "items": items.len(), "invitees": &invitees,
        })),
    )
    .await?;
    txn.commit().await?;
    Ok(t)
}

/// Changes a draft: its fields, and its items and invitees replaced whole.
pub async fn update(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    input: TenderInput,
) -> AppResult<tender::Model> {
    user.require(Capability::ManageProcurement)?;
    let before = load(&state.db.read, id).await?;
    rules::allowed(status_of(&before)?, Step::Edit).map_err(AppError::Rule)?;
    let now = state.now();
    let (items, invitees) = check_input(&state.db.read, &input, now, state.today()).await?;
    let txn = state.db.begin_write().await?;
    let r = tender::Entity::update_many()
        .col_expr(tender::Column::Title, Expr::value(input.title.trim()))
        .col_expr(tender::Column::Kind, Expr::value(input.kind.as_str()))
        .col_expr(tender::Column::CategoryId, Expr::value(input.category_id))
        .col_expr(
            tender::Column::Description,
            Expr::value(input.description.trim()),
        )
        .col_expr(tender::Column::BidDeadline, Expr::value(input.bid_deadline))
        .col_expr(
            tender::Column::WeightPrice,
            Expr::value(input.weights.price),
        )
        .col_expr(
            tender::Column::WeightQuality,
            Expr::value(input.weights.quality),
        )
        .col_expr(
            tender::Column::WeightDelivery,
            Expr::value(input.weights.delivery),
        )
        .col_expr(tender::Column::UpdatedAt, Expr::value(now))
        .filter(tender::Column::Id.eq(id))
        .filter(tender::Column::Status.eq(TenderStatus::Draft.as_str()))
        .exec(&txn)
        .await?;
    if r.rows_affected != 1 {
        return Err(AppError::Conflict(RuleCode::TenderChanged));
    }
    tender_item::Entity::delete_many()
        .filter(tender_item::Column::TenderId.eq(id))
        .exec(&txn)
        .await?;
    tender_invitation::Entity::delete_many()
        .filter(tender_invitation::Column::TenderId.eq(id))
        .exec(&txn)
        .await?;
    write_items(&txn, id, &items).await?;
    write_invitations(&txn, id, &invitees, user.id, now).await?;
    let after = load(&txn, id).await?;
    audit::record(
        &txn,
        &user.actor(),
        now,
        Change::new("tender.update", "tender", id)
            .before(&before)
            .after(serde_json::json!({
                "tender": &after, "items": items.len(), "invitees": &invitees,
            })),
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// Adds a document (PDF, JPEG or PNG) to a draft.
pub async fn add_document(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    upload: &crate::files::Upload,
) -> AppResult<entity::file::Model> {
    user.require(Capability::ManageProcurement)?;
    let t = load(&state.db.read, id).await?;
    rules::allowed(status_of(&t)?, Step::Edit).map_err(AppError::Rule)?;
    let now = state.now();
    let txn = state.db.begin_write().await?;
    let t = load(&txn, id).await?;
    rules::allowed(status_of(&t)?, Step::Edit).map_err(AppError::Rule)?;
    let f = crate::files::store(&txn, state, "file", upload, None, "tender", Some(user.id)).await?;
    let d = tender_document::ActiveModel {
        tender_id: Set(id),
        file_id: Set(f.id),
        added_by: Set(user.id),
        added_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        &user.actor(),
        now,
        Change::new("tender.add_document", "tender_document", d.id).after(serde_json::json!({
            "tender_id": id, "file_id": f.id, "file_name": &f.file_name, "sha256": &f.sha256,
        })),
    )
    .await?;
    txn.commit().await?;
    Ok(f)
}

// ----- Publishing -----

async fn mail_supplier_users(
    txn: &DatabaseTransaction,
    state: &AppState,
    supplier_id: i64,
    kind: &str,
    args: &[(&str, String)],
) -> AppResult<()> {
    let users = crate::users::store::active_of_supplier(txn, supplier_id).await?;
    crate::mail::enqueue_to_users(txn, state, &users, kind, args).await
}

fn mail_args(state: &AppState, t: &tender::Model) -> Vec<(&'static str, String)> {
    vec![
        ("number", t.number.clone()),
        ("title", t.title.clone()),
        ("deadline", crate::time::display(t.bid_deadline, state.tz())),
        ("id", t.id.to_string()),
    ]
}

/// Publishes a draft: an invitational tender needs at least three eligible invitees, each of
/// whom is emailed; a public one is announced to every supplier that may bid.
pub async fn publish(state: &AppState, user: &CurrentUser, id: i64) -> AppResult<tender::Model> {
    user.require(Capability::ManageProcurement)?;
    let now = state.now();
    let today = state.today();
    let txn = state.db.begin_write().await?;
    let t = load(&txn, id).await?;
    rules::allowed(status_of(&t)?, Step::Publish).map_err(AppError::Rule)?;
    if t.bid_deadline <= now {
        return Err(AppError::field(
            "bid_deadline",
            RuleCode::TenderDeadlinePast,
        ));
    }
    if items(&txn, id).await?.is_empty() {
        return Err(AppError::field("items", RuleCode::TenderItemsRequired));
    }
    let kind = kind_of(&t)?;
    let recipients: Vec<i64> = match kind {
        TenderKind::Invitational => {
            let ids = invitee_ids(&txn, id).await?;
            let mut errors = FieldErrors::new();
            check_invitees(&txn, &ids, t.category_id, today, &mut errors).await?;
            errors.into_result()?;
            ids
        }
        TenderKind::Public => eligible_suppliers(&txn, Some(t.category_id), today)
            .await?
            .into_iter()
            .map(|(s, _)| s.id)
            .collect(),
    };
    let r = tender::Entity::update_many()
        .col_expr(
            tender::Column::Status,
            Expr::value(TenderStatus::Published.as_str()),
        )
        .col_expr(tender::Column::PublishedBy, Expr::value(Some(user.id)))
        .col_expr(tender::Column::PublishedAt, Expr::value(Some(now)))
        .col_expr(tender::Column::UpdatedAt, Expr::value(now))
        .filter(tender::Column::Id.eq(id))
        .filter(tender::Column::Status.eq(TenderStatus::Draft.as_str()))
        .exec(&txn)
        .await?;
    if r.rows_affected != 1 {
        return Err(AppError::Conflict(RuleCode::TenderChanged));
    }
    let kind_mail = match kind {
        TenderKind::Invitational => "tender_invited",
        TenderKind::Public => "tender_announced",
    };
    let args = mail_args(state, &t);
    for sid in &recipients {
        mail_supplier_users(&txn, state, *sid, kind_mail, &args).await?;
    }
    audit::record(
        &txn,
        &user.actor(),
        now,
        Change::new("tender.publish", "tender", id)
            .before(&t.status)
            .after(serde_json::json!({"status": "published", "notified": &recipients})),
    )
    .await?;
    let after = load(&txn, id).await?;
    txn.commit().await?;
    state.mail_wake.notify_one();
    Ok(after)
}

// ----- Bids -----

fn unseal(key: &BidKey, b: &bid::Model) -> AppResult<SealedBid> {
    let plain = crypto::open(
        key,
        &crypto::bid_aad(b.tender_id, b.supplier_id),
        &Sealed {
            ciphertext: b.sealed.clone(),
            nonce: b.nonce.clone(),
        },
    )?;
    serde_json::from_slice(&plain).map_err(|e| AppError::Internal(format!("bid {}: {e}", b.id)))
}

/// A bid's total; `too_large` on `lines` when it is larger than an amount can be (checked when
/// the bid is submitted, so a sealed bid always has one).
fn total_of(content: &SealedBid, items: &[tender_item::Model]) -> AppResult<Decimal> {
    let qty: HashMap<i64, Decimal> = items.iter().map(|i| (i.id, i.quantity.value())).collect();
    rules::bid_total(content.lines.iter().map(|l| {
        (
            qty.get(&l.item_id).copied().unwrap_or_default(),
            l.unit_price,
        )
    }))
    .map_err(|e| e.on("lines"))
}

/// Checks a bid against the tender's items: every item priced once, prices with at most four
/// places, delivery days in range.
fn check_bid(input: &BidInput, items: &[tender_item::Model]) -> AppResult<SealedBid> {
    let mut errors = FieldErrors::new();
    let mut seen = Vec::new();
    let mut lines = Vec::new();
    for (i, l) in input.lines.iter().enumerate() {
        if !items.iter().any(|it| it.id == l.item_id) || seen.contains(&l.item_id) {
            errors.add("lines", RuleCode::TenderBidLines);
            continue;
        }
        seen.push(l.item_id);
        match (
            rules::check_price(l.unit_price),
            rules::check_delivery_days(l.delivery_days),
        ) {
            (Ok(unit_price), Ok(delivery_days)) => lines.push(SealedLine {
                item_id: l.item_id,
                unit_price,
                delivery_days,
            }),
            (price, days) => {
                if let Err(e) = price {
                    errors.add(&format!("lines.{i}.unit_price"), e.code());
                }
                if let Err(e) = days {
                    errors.add(&format!("lines.{i}.delivery_days"), e.code());
                }
            }
        }
    }
    if seen.len() != items.len() {
        errors.add("lines", RuleCode::TenderBidLines);
    }
    text_field(
        &mut errors,
        "technical_note",
        &input.technical_note,
        MAX_TEXT,
        false,
    );
    errors.into_result()?;
    lines.sort_by_key(|l| items.iter().position(|it| it.id == l.item_id));
    let bid = SealedBid {
        lines,
        technical_note: input.technical_note.trim().to_string(),
    };
    // Each price and quantity may be in range while their amounts are not.
    total_of(&bid, items)?;
    Ok(bid)
}

/// A supplier submits or revises its bid, sealed, strictly before the deadline by the
/// server's clock.
pub async fn submit_bid(
    state: &AppState,
    user: &CurrentUser,
    tender_id: i64,
    input: BidInput,
) -> AppResult<bid::Model> {
    let sid = own_supplier(user)?;
    let (t, _) = visible(&state.db.read, user, tender_id).await?;
    if kind_of(&t)? == TenderKind::Invitational && !invited(&state.db.read, t.id, sid).await? {
        return Err(AppError::NotFound);
    }
    let now = state.now();
    rules::allowed(status_of(&t)?, Step::Bid).map_err(AppError::Rule)?;
    rules::bids_open(now, t.bid_deadline).map_err(AppError::Rule)?;
    if let Some(reason) = ineligibility(&state.db.read, sid, t.category_id, state.today()).await? {
        return Err(AppError::Rule(reason));
    }
    let its = items(&state.db.read, t.id).await?;
    let content = check_bid(&input, &its)?;
    let key = BidKey::load(&state.db.read).await?;
    let plain = serde_json::to_vec(&content).map_err(|e| AppError::Internal(e.to_string()))?;
    let sealed = crypto::seal(&key, &crypto::bid_aad(t.id, sid), &plain)?;

    let txn = state.db.begin_write().await?;
    // Again inside the transaction: the tender may have moved on meanwhile.
    let t = load(&txn, tender_id).await?;
    rules::allowed(status_of(&t)?, Step::Bid).map_err(AppError::Rule)?;
    rules::bids_open(state.now(), t.bid_deadline).map_err(AppError::Rule)?;
    let (b, action) = match bid_of(&txn, tender_id, sid).await? {
        Some(old) => {
            if old.status == "disqualified" {
                return Err(AppError::Rule(RuleCode::TenderBidDisqualified));
            }
            let r = bid::Entity::update_many()
                .col_expr(bid::Column::Sealed, Expr::value(sealed.ciphertext.clone()))
                .col_expr(bid::Column::Nonce, Expr::value(sealed.nonce.clone()))
                .col_expr(bid::Column::Status, Expr::value("submitted"))
                .col_expr(bid::Column::Revision, Expr::value(old.revision + 1))
                .col_expr(bid::Column::SubmittedBy, Expr::value(user.id))
                .col_expr(bid::Column::UpdatedAt, Expr::value(now))
                .filter(bid::Column::Id.eq(old.id))
                .filter(bid::Column::Revision.eq(old.revision))
                .filter(bid::Column::Status.ne("disqualified"))
                .exec(&txn)
                .await?;
            if r.rows_affected != 1 {
                return Err(AppError::Conflict(RuleCode::TryAgain));
            }
            let action = if old.status == "withdrawn" {
                "bid.resubmit"
            } else {
                "bid.revise"
            };
            (
                bid::Entity::find_by_id(old.id)
                    .one(&txn)
                    .await?
                    .ok_or(AppError::NotFound)?,
                action,
            )
        }
        None => (
            bid::ActiveModel {
                tender_id: Set(tender_id),
                supplier_id: Set(sid),
                status: Set("submitted".into()),
                sealed: Set(sealed.ciphertext),
                nonce: Set(sealed.nonce),
                revision: Set(1),
                submitted_by: Set(user.id),
                submitted_at: Set(now),
                updated_at: Set(now),
                disqualified_at: Set(None),
                disqualified_reason: Set(String::new()),
                ..Default::default()
            }
            .insert(&txn)
            .await?,
            "bid.submit",
        ),
    };
    audit::record(
        &txn,
        &user.actor(),
        now,
        Change::new(action, "bid", b.id).after(BidFacts::from(&b)),
    )
    .await?;
    txn.commit().await?;
    Ok(b)
}

/// A supplier withdraws its bid before the deadline; its sealed lines are erased.
pub async fn withdraw_bid(
    state: &AppState,
    user: &CurrentUser,
    tender_id: i64,
) -> AppResult<bid::Model> {
    let sid = own_supplier(user)?;
    visible(&state.db.read, user, tender_id).await?;
    let now = state.now();
    let txn = state.db.begin_write().await?;
    let t = load(&txn, tender_id).await?;
    rules::allowed(status_of(&t)?, Step::Bid).map_err(AppError::Rule)?;
    rules::bids_open(now, t.bid_deadline).map_err(AppError::Rule)?;
    let b = bid_of(&txn, tender_id, sid)
        .await?
        .filter(|b| b.status == "submitted")
        .ok_or(AppError::NotFound)?;
    let r = bid::Entity::update_many()
        .col_expr(bid::Column::Status, Expr::value("withdrawn"))
        .col_expr(bid::Column::Sealed, Expr::value(""))
        .col_expr(bid::Column::Nonce, Expr::value(""))
        .col_expr(bid::Column::UpdatedAt, Expr::value(now))
        .filter(bid::Column::Id.eq(b.id))
        .filter(bid::Column::Status.eq("submitted"))
        .exec(&txn)
        .await?;
    if r.rows_affected != 1 {
        return Err(AppError::Conflict(RuleCode::TryAgain));
    }
    let after = bid::Entity::find_by_id(b.id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    audit::record(
        &txn,
        &user.actor(),
        now,
        Change::new("bid.withdraw", "bid", b.id)
            .before(BidFacts::from(&b))
            .after(BidFacts::from(&after)),
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// The supplier's own bid with its lines: the only place a bid's prices are shown before
/// opening, and only to the bidder.
pub async fn own_bid(
    state: &AppState,
    user: &CurrentUser,
    tender_id: i64,
) -> AppResult<(tender::Model, Option<(bid::Model, Option<SealedBid>)>)> {
    let sid = own_supplier(user)?;
    let (t, _) = visible(&state.db.read, user, tender_id).await?;
    let Some(b) = bid_of(&state.db.read, tender_id, sid).await? else {
        return Ok((t, None));
    };
    let content = if b.sealed.is_empty() {
        None
    } else {
        let key = BidKey::load(&state.db.read).await?;
        Some(unseal(&key, &b)?)
    };
    Ok((t, Some((b, content))))
}

/// The bids of an opened tender, unsealed, for the procurement office. Refuses (403) before
/// the deadline has passed and the tender has been opened, and always to suppliers.
pub async fn opened_bids(
    conn: &impl ConnectionTrait,
    user: &CurrentUser,
    t: &tender::Model,
    now: DateTime<Utc>,
) -> AppResult<Vec<OpenBid>> {
    user.require(Capability::ReadProcurement)?;
    if !rules::prices_unsealed(now, t.bid_deadline, t.opened_at) {
        return Err(AppError::Forbidden);
    }
    unseal_all(conn, t).await
}

async fn unseal_all(conn: &impl ConnectionTrait, t: &tender::Model) -> AppResult<Vec<OpenBid>> {
    let key = BidKey::load(conn).await?;
    let its = items(conn, t.id).await?;
    let mut out = Vec::new();
    for b in bids(conn, t.id).await? {
        if b.sealed.is_empty() {
            continue;
        }
        let content = unseal(&key, &b)?;
        let total = total_of(&content, &its)?;
        out.push(OpenBid {
            bid: b,
            content,
            total,
        });
    }
    Ok(out)
}

// ----- Opening (four eyes) -----

/// What a confirmation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = TenderOpenOutcome)]
#[serde(rename_all = "snake_case")]
pub enum OpenOutcome {
    /// Recorded; a second, different committee member must confirm.
    FirstConfirmation,
    /// Opened with at least three valid bids.
    Opened,
    /// Opened with fewer than three valid bids: the tender failed.
    Failed,
}

/// A committee member confirms the opening after the deadline. The first confirmation is
/// recorded; the second, by a different member, opens the tender, unseals the bids, and fails
/// it when fewer than three are valid. Both steps are conditional updates, so two
/// confirmations at once neither open it twice nor let one member open it alone.
pub async fn open(state: &AppState, user: &CurrentUser, id: i64) -> AppResult<OpenOutcome> {
    user.require(Capability::TenderCommittee)?;
    let now = state.now();
    let txn = state.db.begin_write().await?;
    let t = load(&txn, id).await?;
    rules::allowed(status_of(&t)?, Step::Open).map_err(AppError::Rule)?;
    rules::may_open(now, t.bid_deadline).map_err(AppError::Rule)?;
    rules::confirmation(t.open_first_by, user.id).map_err(AppError::Rule)?;

    let first = tender::Entity::update_many()
        .col_expr(tender::Column::OpenFirstBy, Expr::value(Some(user.id)))
        .col_expr(tender::Column::OpenFirstAt, Expr::value(Some(now)))
        .col_expr(tender::Column::UpdatedAt, Expr::value(now))
        .filter(tender::Column::Id.eq(id))
        .filter(tender::Column::Status.eq(TenderStatus::Published.as_str()))
        .filter(tender::Column::OpenFirstBy.is_null())
        .exec(&txn)
        .await?;
    if first.rows_affected == 1 {
        audit::record(
            &txn,
            &user.actor(),
            now,
            Change::new("tender.open.confirm", "tender", id)
                .after(serde_json::json!({"open_first_by": user.id})),
        )
        .await?;
        txn.commit().await?;
        return Ok(OpenOutcome::FirstConfirmation);
    }
    let second = tender::Entity::update_many()
        .col_expr(
            tender::Column::Status,
            Expr::value(TenderStatus::Opened.as_str()),
        )
        .col_expr(tender::Column::OpenedBy, Expr::value(Some(user.id)))
        .col_expr(tender::Column::OpenedAt, Expr::value(Some(now)))
        .col_expr(tender::Column::UpdatedAt, Expr::value(now))
        .filter(tender::Column::Id.eq(id))
        .filter(tender::Column::Status.eq(TenderStatus::Published.as_str()))
        .filter(tender::Column::OpenFirstBy.is_not_null())
        .filter(tender::Column::OpenFirstBy.ne(user.id))
        .exec(&txn)
        .await?;
    if second.rows_affected != 1 {
        let now_t = load(&txn, id).await?;
        if now_t.status == TenderStatus::Published.as_str() && now_t.open_first_by == Some(user.id)
        {
            return Err(AppError::Rule(RuleCode::TenderOpenNeedsSecondMember));
        }
        return Err(AppError::Conflict(RuleCode::TenderChanged));
    }
    let opened = load(&txn, id).await?;
    let all = unseal_all(&txn, &opened).await?;
    let valid: Vec<&OpenBid> = all.iter().filter(|b| b.bid.status == "submitted").collect();
    let enough = rules::enough_bids(valid.len());
    if !enough {
        tender::Entity::update_many()
            .col_expr(
                tender::Column::Status,
                Expr::value(TenderStatus::Failed.as_str()),
            )
            .col_expr(tender::Column::FailedReason, Expr::value("too_few_bids"))
            .filter(tender::Column::Id.eq(id))
            .filter(tender::Column::Status.eq(TenderStatus::Opened.as_str()))
            .exec(&txn)
            .await?;
        let args = mail_args(state, &opened);
        for b in bids(&txn, id).await? {
            if b.status != "withdrawn" {
                mail_supplier_users(&txn, state, b.supplier_id, "tender_failed", &args).await?;
            }
        }
    }
    audit::record(
        &txn,
        &user.actor(),
        now,
        Change::new("tender.open", "tender", id).after(serde_json::json!({
            "open_first_by": opened.open_first_by,
            "opened_by": user.id,
            "valid_bids": valid.len(),
            "status": if enough { "opened" } else { "failed" },
        })),
    )
    .await?;
    txn.commit().await?;
    state.mail_wake.notify_one();
    Ok(if enough {
        OpenOutcome::Opened
    } else {
        OpenOutcome::Failed
    })
}

// ----- Evaluation -----

/// A committee member's scores, per bid (a later score replaces the member's earlier one).
pub async fn score(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    input: BidScoresInput,
) -> AppResult<()> {
    user.require(Capability::TenderCommittee)?;
    let now = state.now();
    let txn = state.db.begin_write().await?;
    let t = load(&txn, id).await?;
    rules::allowed(status_of(&t)?, Step::Score).map_err(AppError::Rule)?;
    let valid: Vec<i64> = bids(&txn, id)
        .await?
        .into_iter()
        .filter(|b| b.status == "submitted")
        .map(|b| b.id)
        .collect();
    let mut errors = FieldErrors::new();
    if input.scores.is_empty() {
        errors.add("scores", RuleCode::Required);
    }
    let mut once: Vec<i64> = input.scores.iter().map(|s| s.bid_id).collect();
    once.sort_unstable();
    once.dedup();
    if once.len() != input.scores.len() {
        errors.add("scores", RuleCode::TenderScoreOnce);
    }
    for (i, s) in input.scores.iter().enumerate() {
        if !valid.contains(&s.bid_id) {
            errors.add(&format!("scores.{i}.bid_id"), RuleCode::NotFound);
        }
        if !rules::valid_score(s.quality) {
            errors.add(&format!("scores.{i}.quality"), RuleCode::TenderScoreRange);
        }
        if !rules::valid_score(s.delivery) {
            errors.add(&format!("scores.{i}.delivery"), RuleCode::TenderScoreRange);
        }
    }
    errors.into_result()?;
    for s in &input.scores {
        bid_score::Entity::delete_many()
            .filter(bid_score::Column::BidId.eq(s.bid_id))
            .filter(bid_score::Column::MemberId.eq(user.id))
            .exec(&txn)
            .await?;
        bid_score::ActiveModel {
            bid_id: Set(s.bid_id),
            member_id: Set(user.id),
            quality: Set(s.quality),
            delivery: Set(s.delivery),
            scored_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    audit::record(
        &txn,
        &user.actor(),
        now,
        Change::new("tender.score", "tender", id).after(
            input
                .scores
                .iter()
                .map(|s| serde_json::json!({"bid_id": s.bid_id, "quality": s.quality, "delivery": s.delivery}))
                .collect::<Vec<_>>(),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The scores of a tender's bids, by bid: (member, quality, delivery).
pub async fn scores(
    conn: &impl ConnectionTrait,
    bid_ids: &[i64],
) -> AppResult<HashMap<i64, Vec<bid_score::Model>>> {
    let mut out: HashMap<i64, Vec<bid_score::Model>> = HashMap::new();
    for s in bid_score::Entity::find()
        .filter(bid_score::Column::BidId.is_in(bid_ids.to_vec()))
        .order_by_asc(bid_score::Column::Id)
        .all(conn)
        .await?
    {
        out.entry(s.bid_id).or_default().push(s);
    }
    Ok(out)
}

/// The evaluation of the valid bids so far: each with its total and the members' mean scores
/// (`None` until scored), and the ranking once every valid bid is scored.
pub struct Evaluation {
    pub rows: Vec<(OpenBid, Option<Decimal>, Option<Decimal>, usize)>,
    pub ranked: Vec<Ranked>,
}

pub fn evaluation(
    t: &tender::Model,
    opened: Vec<OpenBid>,
    scored: &HashMap<i64, Vec<bid_score::Model>>,
) -> Evaluation {
    let mut rows = Vec::new();
    let mut candidates = Vec::new();
    let mut complete = true;
    for b in opened.into_iter().filter(|b| b.bid.status == "submitted") {
        let list = scored.get(&b.bid.id).cloned().unwrap_or_default();
        let q: Vec<i32> = list.iter().map(|s| s.quality).collect();
        let d: Vec<i32> = list.iter().map(|s| s.delivery).collect();
        let (quality, delivery) = (rules::mean_score(&q), rules::mean_score(&d));
        match (quality, delivery) {
            (Some(quality), Some(delivery)) => candidates.push(Candidate {
                bid_id: b.bid.id,
                total: b.total,
                quality,
                delivery,
            }),
            _ => complete = false,
        }
        rows.push((b, quality, delivery, list.len()));
    }
    let ranked = if complete && !candidates.is_empty() {
        rules::rank(weights_of(t), &candidates)
    } else {
        Vec::new()
    };
    Evaluation { rows, ranked }
}

/// A committee member closes the evaluation: every valid bid must be scored; the ranking's
/// first becomes the recommendation, and the head is asked to decide.
pub async fn evaluate(state: &AppState, user: &CurrentUser, id: i64) -> AppResult<Vec<Ranked>> {
    user.require(Capability::TenderCommittee)?;
    let now = state.now();
    let txn = state.db.begin_write().await?;
    let t = load(&txn, id).await?;
    rules::allowed(status_of(&t)?, Step::Evaluate).map_err(AppError::Rule)?;
    let opened = unseal_all(&txn, &t).await?;
    let ids: Vec<i64> = opened.iter().map(|b| b.bid.id).collect();
    let scored = scores(&txn, &ids).await?;
    let ev = evaluation(&t, opened, &scored);
    if ev.rows.is_empty() {
        return Err(AppError::Rule(RuleCode::TenderNoValidBids));
    }
    if ev.ranked.is_empty() {
        return Err(AppError::Rule(RuleCode::TenderUnscoredBids));
    }
    let recommended = rules::recommendation(&ev.ranked);
    let r = tender::Entity::update_many()
        .col_expr(
            tender::Column::Status,
            Expr::value(TenderStatus::Evaluated.as_str()),
        )
        .col_expr(tender::Column::RecommendedBidId, Expr::value(recommended))
        .col_expr(tender::Column::EvaluatedBy, Expr::value(Some(user.id)))
        .col_expr(tender::Column::EvaluatedAt, Expr::value(Some(now)))
        .col_expr(tender::Column::UpdatedAt, Expr::value(now))
        .filter(tender::Column::Id.eq(id))
        .filter(tender::Column::Status.eq(TenderStatus::Opened.as_str()))
        .exec(&txn)
        .await?;
    if r.rows_affected != 1 {
        return Err(AppError::Conflict(RuleCode::TenderChanged));
    }
    audit::record(
        &txn,
        &user.actor(),
        now,
        Change::new("tender.evaluate", "tender", id).after(serde_json::json!({
            "recommended_bid_id": recommended, "ranking": &ev.ranked,
        })),
    )
    .await?;
    let heads = crate::users::store::active_with_roles(&txn, &[Role::ProcurementHead]).await?;
    crate::mail::enqueue_to_users(
        &txn,
        state,
        &heads,
        "tender_to_approve",
        &mail_args(state, &t),
    )
    .await?;
    txn.commit().await?;
    state.mail_wake.notify_one();
    Ok(ev.ranked)
}

/// The head approves the recommendation (the tender is awarded; the winner and every other
/// bidder are told, never with anyone's prices but the winner's own), or declines it with a
/// note (the tender fails and may be re-issued).
pub async fn decide(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    input: AwardDecisionInput,
) -> AppResult<tender::Model> {
    user.require(Capability::ApproveProcurement)?;
    if !input.approve && input.note.trim().is_empty() {
        return Err(AppError::field("note", RuleCode::Required));
    }
    if input.note.contains('\0') {
        return Err(AppError::field("note", RuleCode::Invalid));
    }
    if input.note.chars().count() > MAX_TEXT {
        let mut errors = FieldErrors::new();
        errors.add_with("note", RuleCode::TooLong, &[("max", MAX_TEXT.to_string())]);
        return Err(AppError::Validation(errors));
    }
    let now = state.now();
    let txn = state.db.begin_write().await?;
    let t = load(&txn, id).await?;
    rules::allowed(status_of(&t)?, Step::Decide).map_err(AppError::Rule)?;
    let winner = match t.recommended_bid_id {
        Some(bid_id) => bid::Entity::find_by_id(bid_id)
            .one(&txn)
            .await?
            .filter(|b| b.status == "submitted"),
        None => None,
    };
    let (status, failed_reason) = if input.approve {
        if winner.is_none() {
            return Err(AppError::Rule(RuleCode::TenderState));
        }
        (TenderStatus::Awarded, "")
    } else {
        (TenderStatus::Failed, "award_declined")
    };
    let awarded = if input.approve {
        winner.as_ref().map(|b| b.id)
    } else {
        None
    };
    let r = tender::Entity::update_many()
        .col_expr(tender::Column::Status, Expr::value(status.as_str()))
        .col_expr(tender::Column::AwardedBidId, Expr::value(awarded))
        .col_expr(tender::Column::DecidedBy, Expr::value(Some(user.id)))
        .col_expr(tender::Column::DecidedAt, Expr::value(Some(now)))
        .col_expr(tender::Column::DecisionNote, Expr::value(input.note.trim()))
        .col_expr(tender::Column::FailedReason, Expr::value(failed_reason))
        .col_expr(tender::Column::UpdatedAt, Expr::value(now))
        .filter(tender::Column::Id.eq(id))
        .filter(tender::Column::Status.eq(TenderStatus::Evaluated.as_str()))
        .exec(&txn)
        .await?;
    if r.rows_affected != 1 {
        return Err(AppError::Conflict(RuleCode::TenderChanged));
    }
    let args = mail_args(state, &t);
    let mut amount = None;
    if let Some(w) = &winner
        && input.approve
    {
        let opened = unseal_all(&txn, &t).await?;
        amount = opened.iter().find(|b| b.bid.id == w.id).map(|b| b.total);
    }
    for b in bids(&txn, id).await? {
        if b.status == "withdrawn" {
            continue;
        }
        let (kind, mut extra) = match (&winner, input.approve) {
            (Some(w), true) if w.id == b.id => ("tender_awarded", args.clone()),
            (_, true) => ("tender_not_awarded", args.clone()),
            (_, false) => ("tender_failed", args.clone()),
        };
        if kind == "tender_awarded" {
            extra.push(("amount", format!("{:.2}", amount.unwrap_or_default())));
        }
        mail_supplier_users(&txn, state, b.supplier_id, kind, &extra).await?;
    }
    audit::record(
        &txn,
        &user.actor(),
        now,
        Change::new(
            if input.approve {
                "tender.award"
            } else {
                "tender.decline"
            },
            "tender",
            id,
        )
        .before(&t.status)
        .after(serde_json::json!({
            "status": status.as_str(),
            "awarded_bid_id": awarded,
            "supplier_id": winner.as_ref().filter(|_| input.approve).map(|b| b.supplier_id),
            "amount": amount,
            "note": input.note.trim(),
        })),
    )
    .await?;
    // The award becomes a contract in the contract ledger (rule 4, then rule 5's sign-offs), in
    // the same transaction: an awarded tender never lacks its contract.
    if input.approve
        && let Some(award) = award_of(&txn, id).await?
    {
        use crate::procurement::store::{ContractItem, ContractSource, NewContract};
        crate::procurement::store::create_contract(
            &txn,
            state,
            &user.actor(),
            NewContract {
                supplier_id: award.supplier_id,
                items: award
                    .items
                    .iter()
                    .map(|(material_id, quantity, unit_price)| ContractItem {
                        material_id: *material_id,
                        quantity: *quantity,
                        unit_price: *unit_price,
                    })
                    .collect(),
                source: ContractSource::Tender { tender_id: id },
                signed_on: None,
            },
        )
        .await?;
    }
    let after = load(&txn, id).await?;
    txn.commit().await?;
    state.mail_wake.notify_one();
    Ok(after)
}

/// Re-issues a failed tender: a new draft with the same items, weights, documents and
/// invitees, referring to the old one, with a new deadline. Once per failed tender.
pub async fn reissue(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    input: TenderReissueInput,
) -> AppResult<tender::Model> {
    user.require(Capability::ManageProcurement)?;
    let now = state.now();
    if input.bid_deadline <= now {
        return Err(AppError::field(
            "bid_deadline",
            RuleCode::TenderDeadlinePast,
        ));
    }
    let txn = state.db.begin_write().await?;
    let old = load(&txn, id).await?;
    rules::allowed(status_of(&old)?, Step::Reissue).map_err(AppError::Rule)?;
    if tender::Entity::find()
        .filter(tender::Column::ReissueOf.eq(id))
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(AppError::Rule(RuleCode::TenderAlreadyReissued));
    }
    let t = insert_draft(
        &txn,
        state,
        tender::ActiveModel {
            title: Set(old.title.clone()),
            kind: Set(old.kind.clone()),
            category_id: Set(old.category_id),
            description: Set(old.description.clone()),
            status: Set(TenderStatus::Draft.as_str().into()),
            bid_deadline: Set(input.bid_deadline),
            weight_price: Set(old.weight_price),
            weight_quality: Set(old.weight_quality),
            weight_delivery: Set(old.weight_delivery),
            reissue_of: Set(Some(old.id)),
            created_by: Set(user.id),
            created_at: Set(now),
            updated_at: Set(now),
            decision_note: Set(String::new()),
            failed_reason: Set(String::new()),
            ..Default::default()
        },
    )
    .await?;
    for it in items(&txn, id).await? {
        tender_item::ActiveModel {
            tender_id: Set(t.id),
            line_no: Set(it.line_no),
            material_id: Set(it.material_id),
            quantity: Set(it.quantity),
            specification: Set(it.specification),
            unit_code: Set(it.unit_code),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    for d in tender_document::Entity::find()
        .filter(tender_document::Column::TenderId.eq(id))
        .all(&txn)
        .await?
    {
        tender_document::ActiveModel {
            tender_id: Set(t.id),
            file_id: Set(d.file_id),
            added_by: Set(user.id),
            added_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    let invitees = invitee_ids(&txn, id).await?;
    write_invitations(&txn, t.id, &invitees, user.id, now).await?;
    audit::record(
        &txn,
        &user.actor(),
        now,
        Change::new("tender.reissue", "tender", t.id)
            .after(serde_json::json!({"tender": &t, "reissue_of": id})),
    )
    .await?;
    txn.commit().await?;
    Ok(t)
}

// ----- Removal (rule 2) -----

/// Disqualifies the open bids of a removed supplier at once (called in the removal's own
/// transaction). A tender already evaluated with such a bid goes back to evaluation, since
/// the lowest price and so every price score may change. Answers how many bids it took out.
pub async fn disqualify_bids_of(
    txn: &DatabaseTransaction,
    supplier_id: i64,
    now: DateTime<Utc>,
) -> AppResult<u64> {
    let live = [
        TenderStatus::Published.as_str(),
        TenderStatus::Opened.as_str(),
        TenderStatus::Evaluated.as_str(),
    ];
    let mut n = 0;
    for b in bid::Entity::find()
        .filter(bid::Column::SupplierId.eq(supplier_id))
        .filter(bid::Column::Status.eq("submitted"))
        .all(txn)
        .await?
    {
        let t = load(txn, b.tender_id).await?;
        if !live.contains(&t.status.as_str()) {
            continue;
        }
        let r = bid::Entity::update_many()
            .col_expr(bid::Column::Status, Expr::value("disqualified"))
            .col_expr(bid::Column::DisqualifiedAt, Expr::value(Some(now)))
            .col_expr(
                bid::Column::DisqualifiedReason,
                Expr::value("supplier_removed"),
            )
            .col_expr(bid::Column::UpdatedAt, Expr::value(now))
            .filter(bid::Column::Id.eq(b.id))
            .filter(bid::Column::Status.eq("submitted"))
            .exec(txn)
            .await?;
        if r.rows_affected != 1 {
            continue;
        }
        n += 1;
        tender::Entity::update_many()
            .col_expr(
                tender::Column::Status,
                Expr::value(TenderStatus::Opened.as_str()),
            )
            .col_expr(
                tender::Column::RecommendedBidId,
                Expr::value(Option::<i64>::None),
            )
            .col_expr(
                tender::Column::EvaluatedBy,
                Expr::value(Option::<i64>::None),
            )
            .col_expr(
                tender::Column::EvaluatedAt,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(tender::Column::UpdatedAt, Expr::value(now))
            .filter(tender::Column::Id.eq(t.id))
            .filter(tender::Column::Status.eq(TenderStatus::Evaluated.as_str()))
            .exec(txn)
            .await?;
        let mut after = BidFacts::from(&b);
        after.status = "disqualified".into();
        audit::record(
            txn,
            &Actor::system("supplier_removal"),
            now,
            Change::new("bid.disqualify", "bid", b.id)
                .before(BidFacts::from(&b))
                .after(after),
        )
        .await?;
    }
    Ok(n)
}

// ----- The award, for contracts -----

/// An approved award: what the contract is made from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = TenderAward)]
pub struct Award {
    pub tender_id: i64,
    pub supplier_id: i64,
    /// (material id, quantity, unit price) per tender item, in item order.
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<(i64, Decimal, Decimal)>,
    /// Σ quantity × unit price, each line rounded to the cent.
    #[schema(value_type = String)]
    pub amount: Decimal,
}

/// The award of an awarded tender; `None` while it is not awarded.
pub async fn award_of(conn: &impl ConnectionTrait, tender_id: i64) -> AppResult<Option<Award>> {
    let t = load(conn, tender_id).await?;
    let (Some(bid_id), TenderStatus::Awarded) = (t.awarded_bid_id, status_of(&t)?) else {
        return Ok(None);
    };
    let b = bid::Entity::find_by_id(bid_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let key = BidKey::load(conn).await?;
    let content = unseal(&key, &b)?;
    let its = items(conn, tender_id).await?;
    let prices: HashMap<i64, Decimal> = content
        .lines
        .iter()
        .map(|l| (l.item_id, l.unit_price))
        .collect();
    let lines: Vec<(i64, Decimal, Decimal)> = its
        .iter()
        .map(|it| {
            (
                it.material_id,
                it.quantity.value(),
                prices.get(&it.id).copied().unwrap_or_default(),
            )
        })
        .collect();
    let amount =
        rules::bid_total(lines.iter().map(|(_, q, p)| (*q, *p))).map_err(|e| e.on("lines"))?;
    Ok(Some(Award {
        tender_id,
        supplier_id: b.supplier_id,
        items: lines,
        amount,
    }))
}
