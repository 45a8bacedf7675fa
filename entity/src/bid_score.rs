use sea_orm::entity::prelude::*;
use serde::Serialize;

/// One committee member's quality and delivery scores (0–100) of one bid.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "bid_scores")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub bid_id: crate::BidId,
    pub member_id: i64,
    pub quality: i32,
    pub delivery: i32,
    pub scored_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
