use sea_orm::entity::prelude::*;

/// A material category a supplier supplies.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "supplier_categories")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub supplier_id: crate::SupplierId,
    #[sea_orm(primary_key, auto_increment = false)]
    pub category_id: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
