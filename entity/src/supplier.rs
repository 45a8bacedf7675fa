use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A supplier company; its life cycle (`status`) is ruled by `portal::suppliers`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "suppliers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub legal_name: String,
    #[sea_orm(unique)]
    pub credit_code: Option<String>,
    pub status: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub contact_email: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
