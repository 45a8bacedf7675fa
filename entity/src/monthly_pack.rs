use sea_orm::entity::prelude::*;

/// The monthly pack of one settlement period (issue 15), assembled once at the cut-off for the
/// procurement head and finance: every section's figures as a workbook, kept as assembled.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "monthly_packs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The period, "YYYY-MM" of the month it ends in.
    #[sea_orm(unique)]
    pub period: String,
    pub assembled_at: DateTimeUtc,
    /// The instance whose job assembled it.
    pub instance: String,
    /// Each section's rows and total, as JSON.
    #[sea_orm(column_type = "Text")]
    pub summary: String,
    #[sea_orm(column_type = "Blob")]
    pub workbook_zh: Vec<u8>,
    #[sea_orm(column_type = "Blob")]
    pub workbook_en: Vec<u8>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
