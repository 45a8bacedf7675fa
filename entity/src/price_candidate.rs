use crate::Fixed;
use sea_orm::entity::prelude::*;
use serde::Serialize;

/// Procurement's decision on a price-failure candidate: a listing priced above the margin over
/// the latest survey of its material. One per (listing, survey, listing price), so a decided
/// candidate comes back only when the price or the latest survey changes.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "price_candidates")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub listing_id: crate::ListingId,
    pub supplier_id: crate::SupplierId,
    pub material_id: i64,
    pub survey_id: i64,
    pub listing_price: Fixed<4>,
    pub survey_price: Fixed<4>,
    /// The margin in force when decided, as a fraction.
    pub margin: Fixed<4>,
    /// `confirmed` (a price failure was recorded) or `dismissed`.
    pub decision: String,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    pub failure_id: Option<i64>,
    pub decided_by: i64,
    pub decided_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
