use crate::Fixed;
use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A stock count of one listing (rule 12, 盘点): what the keeper counted against the book.
/// A difference waits for procurement; once approved it becomes a `count_gain` or
/// `count_loss` movement. A count that matches the book is confirmed at once.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "stock_counts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub listing_id: crate::ListingId,
    /// What is physically there.
    pub counted: Fixed<3>,
    /// The listing's on-hand when the count was entered.
    pub book: Fixed<3>,
    /// counted − book: positive a gain, negative a loss. Applied as such on approval.
    pub difference: Fixed<3>,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    /// The listing while the count is pending, NULL once decided: its unique index keeps
    /// one pending count per listing (NULLs never collide, on SQLite and PostgreSQL alike).
    pub pending_listing_id: Option<crate::ListingId>,
    pub counted_by: i64,
    pub counted_at: DateTimeUtc,
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text")]
    pub decision_note: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
