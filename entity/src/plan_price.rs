use crate::Fixed;
use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A plan price (计划价) of a material for a year, set by procurement. Never changed: setting
/// the price again adds a row, and the newest row of a material and year governs.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "plan_prices")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub material_id: i64,
    pub year: i32,
    /// Yuan per unit of the material incl. VAT, four places.
    pub unit_price: Fixed<4>,
    #[sea_orm(column_type = "Text")]
    pub note: String,
    pub set_by: i64,
    pub set_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
