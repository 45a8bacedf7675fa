use crate::Fixed;
use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A requested price change of a listing, applied once procurement approves it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "price_changes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub listing_id: crate::ListingId,
    pub old_price: Fixed<4>,
    pub new_price: Fixed<4>,
    pub effective_on: Date,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    pub requested_by: i64,
    pub requested_at: DateTimeUtc,
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
