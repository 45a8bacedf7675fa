use sea_orm::entity::prelude::*;
use serde::Serialize;

/// An issue slip (出库单): one keeper's issue against a requisition. Its lines are the issue
/// movements of the requisition's lines written at `issued_at`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "issue_slips")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `CK-<yyyymm>-<nnnn>`.
    pub number: String,
    pub requisition_id: crate::RequisitionId,
    pub issued_by: i64,
    pub issued_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
