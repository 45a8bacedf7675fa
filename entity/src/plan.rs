use sea_orm::entity::prelude::*;
use serde::Serialize;

/// The procurement plan of one month (rule 10, 11): drawn up by the sites and the
/// procurement office, approved as a whole by the procurement head.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "procurement_plans")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The month the plan is for, "YYYY-MM".
    #[sea_orm(unique)]
    pub month: String,
    /// `draft`, `submitted`, `approved` or `returned`.
    pub status: String,
    /// The plan is due by the cut-off day of the month before.
    pub due_on: Date,
    pub created_by: i64,
    pub created_at: DateTimeUtc,
    pub submitted_by: Option<i64>,
    pub submitted_at: Option<DateTimeUtc>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTimeUtc>,
    /// The head's reason when the plan was sent back.
    #[sea_orm(column_type = "Text")]
    pub return_reason: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
