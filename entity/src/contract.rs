use crate::Fixed;
use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A purchase contract in the contract ledger (合同台帐, rule 5).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "contracts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// "HT2027-0001".
    #[sea_orm(unique)]
    pub number: String,
    pub supplier_id: crate::SupplierId,
    /// `quote` or `tender`.
    pub source: String,
    #[sea_orm(unique)]
    pub plan_line_id: Option<i64>,
    pub tender_id: Option<crate::TenderId>,
    /// The sum of the items' amounts, in yuan.
    pub total: Fixed<2>,
    /// Worth the tender threshold or more: group audit signs off too.
    pub needs_group: bool,
    /// `draft`, `in_signoff`, `effective` or `rejected`.
    pub status: String,
    pub signed_on: Option<Date>,
    pub starts_on: Option<Date>,
    pub ends_on: Option<Date>,
    /// How many times it was submitted for sign-off; sign-offs belong to a round.
    pub round: i32,
    pub submitted_at: Option<DateTimeUtc>,
    pub effective_at: Option<DateTimeUtc>,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
