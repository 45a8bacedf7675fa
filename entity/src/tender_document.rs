use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A document of a tender (an uploaded file), readable by the suppliers who may bid.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "tender_documents")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub tender_id: crate::TenderId,
    pub file_id: i64,
    pub added_by: i64,
    pub added_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
