use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A supplier invited to an invitational tender.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "tender_invitations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub tender_id: crate::TenderId,
    pub supplier_id: crate::SupplierId,
    pub invited_by: i64,
    pub invited_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
