use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A supplier's delivery note to a warehouse.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "deliveries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub supplier_id: crate::SupplierId,
    pub warehouse_id: i64,
    pub note_number: String,
    /// `local`, `part_load` or `full_truck`: decides the inspection deadline.
    pub arrival: String,
    pub delivered_on: Date,
    /// `pending` until inspected, then `inspected`; `refused` when the supplier was removed.
    pub status: String,
    pub created_by: i64,
    pub created_at: DateTimeUtc,
    pub inspected_by: Option<i64>,
    pub inspected_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
