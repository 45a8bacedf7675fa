//! Tender persistence: drafting and publishing, invitations, the committee, sealed bids, the
//! four-eyes opening, scoring and evaluation, the head's award, re-issue, and the disqualification of a
//! removed supplier's bids. Every change is one transaction with its audit entry and emails.
//!
//! Sealing: a bid's lines live only in `bids.sealed` (AES-256-GCM, see [`super::crypto`]).
//! They are decrypted for the bidder's own bid view, and for the procurement office only
//! through [`opened_bids`], which refuses until the deadline has passed and the tender has been
//! opened. Audit entries of bids never carry their lines.

use super::crypto::{self, BidKey, Sealed};
use super::rules::{self, Candidate, Ranked, Step, TenderKind, TenderStatus, Weights};
use crate::audit::{self, Actor, Change};
use crate::auth::{Act, Capability, CurrentUser, Role};
use crate::error::RuleCode;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::money::{Quantity, UnitPlaces};
use crate::state::AppState;
use chrono::{DateTime, NaiveDate, Utc};
use entity::{BidId, SupplierId, TenderId};
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

mod bids;
mod committee;
mod drafting;
mod evaluation;
mod views;
pub use bids::*;
pub use committee::*;
pub use drafting::*;
pub use evaluation::*;
pub use views::*;

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
    pub invitees: Vec<SupplierId>,
    /// The committee's members (user ids of active procurement officers and heads), named
    /// whole; left out, the committee stays as it is. It is also named on its own at
    /// `PUT /api/tenders/{id}/committee`, until the tender is opened.
    #[serde(default)]
    pub committee: Option<Vec<i64>>,
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
    pub bid_id: BidId,
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
    bid_id: BidId,
    tender_id: TenderId,
    supplier_id: SupplierId,
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

pub async fn load(conn: &impl ConnectionTrait, id: TenderId) -> AppResult<tender::Model> {
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

/// Who is looking: one supplier, or the procurement office (and the auditor and admin, who
/// read it). Which roles read tenders at all is the handlers' `ReadTenders`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Viewer {
    Office,
    Supplier(SupplierId),
}

/// What `user` sees of the tenders: a supplier those it may bid on, anyone else (whom a
/// handler let through) all of them.
pub fn viewer(user: &CurrentUser) -> AppResult<Viewer> {
    match (user.role, user.supplier_id) {
        (Role::Supplier, Some(id)) => Ok(Viewer::Supplier(id)),
        (Role::Supplier, None) => Err(AppError::Forbidden),
        _ => Ok(Viewer::Office),
    }
}

/// The category ids of the supplier's consignment agreement.
pub async fn agreement_categories(
    conn: &impl ConnectionTrait,
    supplier_id: SupplierId,
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

async fn invited(
    conn: &impl ConnectionTrait,
    tender_id: TenderId,
    supplier_id: SupplierId,
) -> AppResult<bool> {
    Ok(tender_invitation::Entity::find()
        .filter(tender_invitation::Column::TenderId.eq(tender_id))
        .filter(tender_invitation::Column::SupplierId.eq(supplier_id))
        .one(conn)
        .await?
        .is_some())
}

async fn bid_of(
    conn: &impl ConnectionTrait,
    tender_id: TenderId,
    supplier_id: SupplierId,
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
    supplier_id: SupplierId,
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
    id: TenderId,
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
    /// `true`: only tenders whose bid deadline has passed (with `status=published`: those
    /// waiting to be opened); `false`: only those still taking bids.
    pub bids_closed: Option<bool>,
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
    let invited: Vec<TenderId> = tender_invitation::Entity::find()
        .filter(tender_invitation::Column::SupplierId.eq(sid))
        .all(conn)
        .await?
        .into_iter()
        .map(|i| i.tender_id)
        .collect();
    let bid_on: Vec<TenderId> = bid::Entity::find()
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
    tender_id: TenderId,
) -> AppResult<Vec<tender_item::Model>> {
    Ok(tender_item::Entity::find()
        .filter(tender_item::Column::TenderId.eq(tender_id))
        .order_by_asc(tender_item::Column::LineNo)
        .all(conn)
        .await?)
}

pub async fn documents(
    conn: &impl ConnectionTrait,
    tender_id: TenderId,
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

pub async fn invitee_ids(
    conn: &impl ConnectionTrait,
    tender_id: TenderId,
) -> AppResult<Vec<SupplierId>> {
    Ok(tender_invitation::Entity::find()
        .filter(tender_invitation::Column::TenderId.eq(tender_id))
        .order_by_asc(tender_invitation::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|i| i.supplier_id)
        .collect())
}

pub async fn bids(conn: &impl ConnectionTrait, tender_id: TenderId) -> AppResult<Vec<bid::Model>> {
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
    tender_id: TenderId,
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
    supplier_id: SupplierId,
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
    ids: &[SupplierId],
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
