use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A recorded quality or price failure (质次价高) and its decision.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "supplier_failures")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub supplier_id: crate::SupplierId,
    /// `quality` or `price`.
    pub kind: String,
    /// `receiving_inspection`, `site_complaint`, `price_survey` or `tender`.
    pub source: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    pub evidence_file_id: Option<i64>,
    pub recorded_by: i64,
    pub recorded_at: DateTimeUtc,
    #[sea_orm(column_type = "Text")]
    pub supplier_response: String,
    pub responded_at: Option<DateTimeUtc>,
    /// `open`, `confirmed` or `dismissed`.
    pub status: String,
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text")]
    pub decision_note: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
