//! What a requisition looks like from outside: the JSON view the API answers and the
//! printable documents embed, made from the store's row.

use super::store;
use entity::{ListingId, RequisitionId};
use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct RequisitionView {
    pub id: RequisitionId,
    /// `LL-<yyyymm>-<nnnn>`, given when first submitted.
    pub number: Option<String>,
    pub site_id: i64,
    pub site_name_zh: String,
    pub site_name_en: String,
    pub requested_by: i64,
    pub requester: String,
    pub purpose: String,
    pub need_by: chrono::NaiveDate,
    /// `submitted`, `returned`, `rejected`, `approved`, `partly_issued`, `issued`,
    /// `cancelled`.
    pub status: String,
    pub submitted_at: Option<chrono::DateTime<chrono::Utc>>,
    pub approved_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Approved more than 24 hours ago and not fully issued.
    pub issue_overdue: bool,
    pub lines: Vec<RequisitionLineView>,
    /// The sum of the line amounts, to the cent.
    #[schema(value_type = String)]
    pub total: Decimal,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RequisitionLineView {
    pub id: i64,
    pub listing_id: ListingId,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    #[schema(value_type = String)]
    pub unit_price: Decimal,
    #[schema(value_type = String)]
    pub reserved: Decimal,
    #[schema(value_type = String)]
    pub issued: Decimal,
    /// Quantity × unit price, to the cent.
    #[schema(value_type = String)]
    pub amount: Decimal,
}

pub fn row_view(row: store::RequisitionRow) -> RequisitionView {
    let r = row.r;
    RequisitionView {
        issue_overdue: row.overdue,
        id: r.id,
        number: r.number,
        site_id: r.site_id,
        site_name_zh: row.site_zh,
        site_name_en: row.site_en,
        requested_by: r.requested_by,
        requester: row.requester,
        purpose: r.purpose,
        need_by: r.need_by,
        status: r.status,
        submitted_at: r.submitted_at,
        approved_at: r.approved_at,
        total: row.total,
        lines: row
            .lines
            .into_iter()
            .zip(row.amounts)
            .map(|(l, amount)| RequisitionLineView {
                id: l.id,
                listing_id: l.listing_id,
                quantity: l.quantity.value(),
                unit_price: l.unit_price.value(),
                reserved: l.reserved.value(),
                issued: l.issued.value(),
                amount,
            })
            .collect(),
    }
}
