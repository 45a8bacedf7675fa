use crate::Fixed;
use sea_orm::entity::prelude::*;
use serde::Serialize;

/// One line of a statement: an issue, a site return, or an adjustment carried from an
/// earlier statement. A movement and an adjustment each appear on one line only.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "statement_lines")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub statement_id: crate::StatementId,
    /// `issue`, `site_return` or `adjustment`.
    pub kind: String,
    #[sea_orm(unique)]
    pub movement_id: Option<i64>,
    #[sea_orm(unique)]
    pub adjustment_id: Option<i64>,
    pub listing_id: Option<crate::ListingId>,
    pub site_id: Option<i64>,
    pub at: Option<DateTimeUtc>,
    /// The material as it was named when the statement was made.
    pub material: String,
    pub spec: String,
    pub unit: String,
    pub quantity: Fixed<3>,
    pub unit_price: Fixed<4>,
    /// Signed, rounded to the cent: issues owed, returns credited.
    pub amount: Fixed<2>,
    #[sea_orm(column_type = "Text")]
    pub note: String,
    /// The supplier's reason when it disputes this line.
    #[sea_orm(column_type = "Text", nullable)]
    pub dispute_reason: Option<String>,
    /// Finance's answer to the dispute.
    #[sea_orm(column_type = "Text", nullable)]
    pub resolution: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
