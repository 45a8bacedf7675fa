use crate::Fixed;
use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A supplier's consigned offer of a material at a warehouse, at its approved price.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "listings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: crate::ListingId,
    pub supplier_id: crate::SupplierId,
    pub material_id: i64,
    pub warehouse_id: i64,
    /// The approved consignment price in yuan (what sites pay).
    pub price: Fixed<4>,
    pub min_stock: Fixed<3>,
    pub max_stock: Fixed<3>,
    pub lead_time_days: i32,
    /// Sum of the lots' quantities: always equal to the sum of the movements.
    pub on_hand: Fixed<3>,
    /// Quantity promised to approved requisitions, not yet issued.
    pub reserved: Fixed<3>,
    pub active: bool,
    /// Material name, English name, spec and supplier name, lower-cased, for search.
    #[sea_orm(column_type = "Text")]
    pub search_text: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
