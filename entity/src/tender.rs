use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A tender (招标), public or invitational, with its evaluation weights and the steps of its
/// life: published, opened by two committee members, evaluated, awarded or failed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "tenders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: crate::TenderId,
    #[sea_orm(unique)]
    pub number: String,
    pub title: String,
    /// `public` or `invitational`.
    pub kind: String,
    pub category_id: i64,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    /// `draft`, `published`, `opened`, `evaluated`, `awarded`, `failed`.
    pub status: String,
    pub bid_deadline: DateTimeUtc,
    pub weight_price: i32,
    pub weight_quality: i32,
    pub weight_delivery: i32,
    /// The failed tender this one re-issues.
    pub reissue_of: Option<crate::TenderId>,
    pub created_by: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub published_by: Option<i64>,
    pub published_at: Option<DateTimeUtc>,
    /// The first committee member who confirmed the opening (four eyes).
    pub open_first_by: Option<i64>,
    pub open_first_at: Option<DateTimeUtc>,
    /// The second, different member, whose confirmation opened it.
    pub opened_by: Option<i64>,
    pub opened_at: Option<DateTimeUtc>,
    pub evaluated_by: Option<i64>,
    pub evaluated_at: Option<DateTimeUtc>,
    pub recommended_bid_id: Option<crate::BidId>,
    pub awarded_bid_id: Option<crate::BidId>,
    /// The procurement head's decision on the recommendation.
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text")]
    pub decision_note: String,
    /// Why it failed: `too_few_bids` or `award_declined`; empty otherwise.
    pub failed_reason: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
