use crate::Fixed;
use sea_orm::entity::prelude::*;
use serde::Serialize;

/// One item of a contract: material, quantity, unit price and the amount to the cent.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "contract_items")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub contract_id: i64,
    pub material_id: i64,
    pub quantity: Fixed<3>,
    pub unit_price: Fixed<4>,
    pub amount: Fixed<2>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
