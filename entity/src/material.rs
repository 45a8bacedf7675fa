use crate::Fixed;
use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A material of the materials master: name, specification/model and unit.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "materials")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub code: String,
    pub category_id: i64,
    pub name_zh: String,
    pub name_en: String,
    pub spec: String,
    pub unit_code: String,
    /// Reference unit price in yuan, four places.
    pub indicative_price: Fixed<4>,
    pub active: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::category::Entity",
        from = "Column::CategoryId",
        to = "super::category::Column::Id"
    )]
    Category,
    #[sea_orm(
        belongs_to = "super::unit::Entity",
        from = "Column::UnitCode",
        to = "super::unit::Column::Code"
    )]
    Unit,
}

impl Related<super::category::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Category.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
