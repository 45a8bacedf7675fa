use sea_orm::entity::prelude::*;
use serde::Serialize;

/// An audit department's sign-off of a contract in one round of submission (rule 5).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "contract_signoffs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub contract_id: i64,
    pub round: i32,
    /// `company` or `group`.
    pub level: String,
    /// `approve` or `reject`.
    pub decision: String,
    #[sea_orm(column_type = "Text")]
    pub note: String,
    pub signed_by: i64,
    pub signed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
