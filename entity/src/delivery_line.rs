use crate::Fixed;
use sea_orm::entity::prelude::*;
use serde::Serialize;

/// One line of a delivery note and its inspection result.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "delivery_lines")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub delivery_id: i64,
    pub listing_id: crate::ListingId,
    pub quantity: Fixed<3>,
    pub batch_no: String,
    pub certificate_file_id: Option<i64>,
    pub accepted: Fixed<3>,
    pub rejected: Fixed<3>,
    #[sea_orm(column_type = "Text")]
    pub reject_reason: String,
    /// The inspection checks as JSON (name, spec, model, quantity, certificate).
    #[sea_orm(column_type = "Text")]
    pub checks: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
