use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A member of a tender's evaluation committee (评委, rule 14), named while drafting.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "tender_committee")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub tender_id: crate::TenderId,
    pub user_id: i64,
    pub added_by: i64,
    pub added_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
