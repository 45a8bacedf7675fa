use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A site's requisition (领料单) against the consigned catalogue.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "requisitions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: crate::RequisitionId,
    pub site_id: i64,
    pub requested_by: i64,
    #[sea_orm(column_type = "Text")]
    pub purpose: String,
    pub need_by: Date,
    /// `draft` (its owner's cart, seen by nobody else), `submitted`, `returned` (to its
    /// requester, to edit and submit again), `rejected`, `approved`, `partly_issued`,
    /// `issued`, `cancelled`.
    pub status: String,
    pub approved_by: Option<i64>,
    pub approved_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// `LL-<yyyymm>-<nnnn>`, given when first submitted; `None` while a draft.
    pub number: Option<String>,
    /// When it was (last) submitted.
    pub submitted_at: Option<DateTimeUtc>,
    /// Its owner while it is a draft (unique: one draft per user), `None` once submitted.
    pub draft_owner: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
