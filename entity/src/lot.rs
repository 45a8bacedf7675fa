use crate::Fixed;
use sea_orm::entity::prelude::*;
use serde::Serialize;

/// Consigned stock received together; owned by the supplier until issued.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "lots")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: crate::LotId,
    pub listing_id: crate::ListingId,
    pub supplier_id: crate::SupplierId,
    pub warehouse_id: i64,
    pub delivery_line_id: Option<i64>,
    pub received_on: Date,
    pub quantity: Fixed<3>,
    /// Date of the last receipt, issue, exchange or count: the stale clock starts here.
    pub last_movement_on: Date,
    pub stale_flagged_on: Option<Date>,
    /// The supplier's answer to a stale flag: `return` or `exchange`.
    pub return_request: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
