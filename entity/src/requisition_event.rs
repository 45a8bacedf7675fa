use sea_orm::entity::prelude::*;
use serde::Serialize;

/// One step in a requisition's history: `submitted`, `returned`, `resubmitted`, `rejected`,
/// `approved`, `issued`, `cancelled`, with the reason given (returns and rejections).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "requisition_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub requisition_id: crate::RequisitionId,
    pub action: String,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    pub by_user: i64,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
