use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A supplier's proposal of a new material for the master, pending procurement's approval.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "material_proposals")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub supplier_id: crate::SupplierId,
    pub category_id: i64,
    pub name_zh: String,
    pub name_en: String,
    pub spec: String,
    pub unit_code: String,
    #[sea_orm(column_type = "Text")]
    pub note: String,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    pub proposed_by: i64,
    pub proposed_at: DateTimeUtc,
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTimeUtc>,
    /// The material created on approval.
    pub material_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
