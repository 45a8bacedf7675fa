use sea_orm::entity::prelude::*;
use serde::Serialize;

/// One step of a qualification review: an officer's decision or the head's.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "supplier_reviews")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub supplier_id: crate::SupplierId,
    pub reviewer_id: i64,
    /// `officer` or `head`.
    pub stage: String,
    /// The checklist as JSON: item → true/false.
    #[sea_orm(column_type = "Text")]
    pub checklist: String,
    #[sea_orm(column_type = "Text")]
    pub notes: String,
    pub decision: String,
    #[sea_orm(column_type = "Text")]
    pub reasons: String,
    pub decided_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
