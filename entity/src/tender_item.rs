use crate::Fixed;
use sea_orm::entity::prelude::*;
use serde::Serialize;

/// One item of a tender: a material, the quantity wanted and the specification asked for.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "tender_items")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub tender_id: crate::TenderId,
    pub line_no: i32,
    pub material_id: i64,
    /// In the material's unit, three places.
    pub quantity: Fixed<3>,
    #[sea_orm(column_type = "Text")]
    pub specification: String,
    pub unit_code: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
