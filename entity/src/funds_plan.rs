use sea_orm::entity::prelude::*;
use serde::Serialize;

/// The funds plan (资金计划) of one calendar month: the payments finance plans by supplier,
/// approved by the procurement head (rule 14).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "funds_plans")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The calendar month, "YYYY-MM".
    #[sea_orm(unique)]
    pub month: String,
    /// `draft`, `submitted`, `approved` or `returned`.
    pub status: String,
    pub created_by: i64,
    pub created_at: DateTimeUtc,
    /// Who submitted it last, and when.
    pub submitted_by: Option<i64>,
    pub submitted_at: Option<DateTimeUtc>,
    /// The first submission: the plan is due by the 3rd.
    pub first_submitted_at: Option<DateTimeUtc>,
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
