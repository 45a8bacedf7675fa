use sea_orm::entity::prelude::*;
use serde::Serialize;

/// The receiving slip (验收单) of an inspected delivery: its number, given at inspection.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "receiving_slips")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `YS-<yyyymm>-<nnnn>`.
    pub number: String,
    pub delivery_id: i64,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
