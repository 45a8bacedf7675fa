use crate::Fixed;
use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A supplier's quote for a plan line (rule 6): one per supplier and line.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "quotes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub plan_line_id: i64,
    pub supplier_id: crate::SupplierId,
    pub unit_price: Fixed<4>,
    #[sea_orm(column_type = "Text")]
    pub quality_notes: String,
    pub delivery_days: i32,
    pub recorded_by: i64,
    pub recorded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
