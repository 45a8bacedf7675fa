use crate::Fixed;
use sea_orm::entity::prelude::*;
use serde::Serialize;

/// One line of a requisition.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "requisition_lines")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub requisition_id: crate::RequisitionId,
    pub listing_id: crate::ListingId,
    pub quantity: Fixed<3>,
    /// The approved listing price when the line was approved.
    pub unit_price: Fixed<4>,
    pub reserved: Fixed<3>,
    pub issued: Fixed<3>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
