use crate::Fixed;
use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A correction finance makes when it resolves a disputed line: credited (or charged) on the
/// supplier's next statement, since an issued statement is never edited.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "statement_adjustments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub supplier_id: crate::SupplierId,
    pub from_statement_id: crate::StatementId,
    pub from_line_id: Option<i64>,
    /// Signed, in cents: positive is owed to the supplier.
    pub amount: Fixed<2>,
    #[sea_orm(column_type = "Text")]
    pub note: String,
    pub created_by: i64,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
