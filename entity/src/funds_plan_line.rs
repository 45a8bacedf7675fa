use crate::Fixed;
use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A planned payment of a funds plan: to one supplier, for a statement, a contract or
/// something else.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "funds_plan_lines")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub plan_id: i64,
    pub supplier_id: crate::SupplierId,
    /// Yuan to the cent, zero or more.
    pub amount: Fixed<2>,
    /// `statement`, `contract` or `other`.
    pub source: String,
    /// The statement's or contract's id; none for `other`.
    pub source_id: Option<i64>,
    #[sea_orm(column_type = "Text")]
    pub note: String,
    pub created_by: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
