//! The printable documents of a requisition: the requisition itself (领料单) with its history,
//! and the issue slips (出库单) of its issues: the lots each issue drew, at the approved price.
//! Each is read as the JSON the API answers and the data its print page shows; whoever may
//! read the requisition may read them (a site's people only their site's).

use super::store::{self, RequisitionRow};
use super::views::{RequisitionView, row_view};
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use entity::{
    ListingId, LotId, RequisitionId, issue_slip, listing, lot, material, movement, supplier, user,
};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

/// What a document line names: the material in both languages, its specification and unit
/// (code), and the supplier whose listing it is.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct ListingInfo {
    pub name_zh: String,
    pub name_en: String,
    pub spec: String,
    pub unit: String,
    pub supplier: String,
}

/// The names of `ids`' listings, three queries whatever their number.
pub async fn listing_info(
    conn: &impl ConnectionTrait,
    ids: &[ListingId],
) -> AppResult<HashMap<ListingId, ListingInfo>> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(500) {
        let listings = listing::Entity::find()
            .filter(listing::Column::Id.is_in(chunk.to_vec()))
            .all(conn)
            .await?;
        let materials: HashMap<i64, material::Model> = material::Entity::find()
            .filter(material::Column::Id.is_in(listings.iter().map(|l| l.material_id)))
            .all(conn)
            .await?
            .into_iter()
            .map(|m| (m.id, m))
            .collect();
        let suppliers: HashMap<entity::SupplierId, String> = supplier::Entity::find()
            .filter(supplier::Column::Id.is_in(listings.iter().map(|l| l.supplier_id)))
            .all(conn)
            .await?
            .into_iter()
            .map(|s| (s.id, s.legal_name))
            .collect();
        for l in listings {
            let m = materials.get(&l.material_id);
            out.insert(
                l.id,
                ListingInfo {
                    name_zh: m.map(|m| m.name_zh.clone()).unwrap_or_default(),
                    name_en: m.map(|m| m.name_en.clone()).unwrap_or_default(),
                    spec: m.map(|m| m.spec.clone()).unwrap_or_default(),
                    unit: m.map(|m| m.unit_code.clone()).unwrap_or_default(),
                    supplier: suppliers.get(&l.supplier_id).cloned().unwrap_or_default(),
                },
            );
        }
    }
    Ok(out)
}

/// One step of a requisition's history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RequisitionEventView {
    /// `submitted`, `returned`, `resubmitted`, `rejected`, `approved`, `issued`, `cancelled`.
    pub action: String,
    /// The reason of a return or a rejection; the issue slip's number of an issue.
    pub reason: String,
    pub by: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

/// An issue slip as a requisition lists it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IssueSlipRef {
    pub id: i64,
    pub number: String,
    pub issued_at: chrono::DateTime<chrono::Utc>,
}

/// The requisition (领料单) as printed: the requisition, each line's material, the total in
/// capitals, its history and its issue slips.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequisitionDocument {
    pub requisition: RequisitionView,
    /// By line id.
    pub materials: HashMap<String, ListingInfo>,
    /// The total in Chinese capitals (大写金额).
    pub total_in_capitals: String,
    pub approved_by: Option<String>,
    pub history: Vec<RequisitionEventView>,
    pub issue_slips: Vec<IssueSlipRef>,
}

/// A requisition's document data for `user` (not found for a site's people when it is
/// another site's; drafts are nobody's here).
pub struct RequisitionDoc {
    pub row: RequisitionRow,
    pub info: HashMap<ListingId, ListingInfo>,
    pub approved_by: Option<String>,
    pub history: Vec<RequisitionEventView>,
    pub slips: Vec<IssueSlipRef>,
}

impl RequisitionDoc {
    pub fn json(self) -> RequisitionDocument {
        let materials = self
            .row
            .lines
            .iter()
            .map(|l| {
                (
                    l.id.to_string(),
                    self.info.get(&l.listing_id).cloned().unwrap_or_default(),
                )
            })
            .collect();
        let total_in_capitals = crate::money::in_capitals(self.row.total);
        RequisitionDocument {
            requisition: row_view(self.row),
            materials,
            total_in_capitals,
            approved_by: self.approved_by,
            history: self.history,
            issue_slips: self.slips,
        }
    }
}

async fn name_of(conn: &impl ConnectionTrait, id: Option<i64>) -> AppResult<Option<String>> {
    let Some(id) = id else { return Ok(None) };
    Ok(user::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(|u| u.display_name))
}

pub async fn requisition_doc(
    conn: &impl ConnectionTrait,
    user: &CurrentUser,
    id: RequisitionId,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<RequisitionDoc> {
    let row = store::requisition_for(conn, user, id, now).await?;
    let ids: Vec<ListingId> = row.lines.iter().map(|l| l.listing_id).collect();
    let info = listing_info(conn, &ids).await?;
    let approved_by = name_of(conn, row.r.approved_by).await?;
    let history = store::history(conn, id)
        .await?
        .into_iter()
        .map(|(e, by)| RequisitionEventView {
            action: e.action,
            reason: e.reason,
            by,
            at: e.at,
        })
        .collect();
    let slips = issue_slip::Entity::find()
        .filter(issue_slip::Column::RequisitionId.eq(id))
        .order_by_asc(issue_slip::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|s| IssueSlipRef {
            id: s.id,
            number: s.number,
            issued_at: s.issued_at,
        })
        .collect();
    Ok(RequisitionDoc {
        row,
        info,
        approved_by,
        history,
        slips,
    })
}

/// One lot drawn by an issue.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IssueSlipLine {
    pub listing_id: ListingId,
    pub material: ListingInfo,
    pub lot_id: LotId,
    pub lot_received_on: Option<chrono::NaiveDate>,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    #[schema(value_type = String)]
    pub unit_price: Decimal,
    #[schema(value_type = String)]
    pub amount: Decimal,
}

/// An issue slip (出库单): one issue of a requisition, lot by lot, at the approved price.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IssueSlipDocument {
    pub id: i64,
    pub number: String,
    pub requisition_id: RequisitionId,
    pub requisition_number: String,
    pub site_zh: String,
    pub site_en: String,
    pub purpose: String,
    pub requester: String,
    pub approved_by: Option<String>,
    pub issued_by: String,
    pub issued_at: chrono::DateTime<chrono::Utc>,
    pub lines: Vec<IssueSlipLine>,
    #[schema(value_type = String)]
    pub total: Decimal,
    pub total_in_capitals: String,
}

/// Issue slip `id` for `user`: whoever may read its requisition may read it.
pub async fn issue_slip_doc(
    conn: &impl ConnectionTrait,
    user: &CurrentUser,
    id: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<IssueSlipDocument> {
    let slip = issue_slip::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let row = store::requisition_for(conn, user, slip.requisition_id, now).await?;
    let line_ids: Vec<i64> = row.lines.iter().map(|l| l.id).collect();
    let moves = movement::Entity::find()
        .filter(movement::Column::Kind.eq("issue"))
        .filter(movement::Column::RequisitionLineId.is_in(line_ids))
        .filter(movement::Column::At.eq(slip.issued_at))
        .order_by_asc(movement::Column::Id)
        .all(conn)
        .await?;
    let lots: HashMap<LotId, chrono::NaiveDate> = lot::Entity::find()
        .filter(lot::Column::Id.is_in(moves.iter().map(|m| m.lot_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|l| (l.id, l.received_on))
        .collect();
    let ids: Vec<ListingId> = moves.iter().map(|m| m.listing_id).collect();
    let info = listing_info(conn, &ids).await?;
    let lines: Vec<IssueSlipLine> = moves
        .iter()
        .map(|m| IssueSlipLine {
            listing_id: m.listing_id,
            material: info.get(&m.listing_id).cloned().unwrap_or_default(),
            lot_id: m.lot_id,
            lot_received_on: lots.get(&m.lot_id).copied(),
            quantity: m.quantity.value().abs(),
            unit_price: m.unit_price.value(),
            amount: m.amount.value().abs(),
        })
        .collect();
    let total =
        crate::money::sum_cents(lines.iter().map(|l| l.amount)).map_err(|e| e.on("lines"))?;
    Ok(IssueSlipDocument {
        id: slip.id,
        number: slip.number,
        requisition_id: row.r.id,
        requisition_number: row.r.number.clone().unwrap_or_default(),
        site_zh: row.site_zh.clone(),
        site_en: row.site_en.clone(),
        purpose: row.r.purpose.clone(),
        requester: row.requester.clone(),
        approved_by: name_of(conn, row.r.approved_by).await?,
        issued_by: name_of(conn, Some(slip.issued_by))
            .await?
            .unwrap_or_default(),
        issued_at: slip.issued_at,
        total_in_capitals: crate::money::in_capitals(total),
        total,
        lines,
    })
}
