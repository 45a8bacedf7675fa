use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A qualification document: business licence, production licence, certificate, …
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "supplier_documents")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub supplier_id: crate::SupplierId,
    pub kind: String,
    pub title: String,
    pub issued_on: Date,
    pub expires_on: Date,
    pub file_id: i64,
    pub expiry_warned_at: Option<DateTimeUtc>,
    /// False once replaced by a renewal or withdrawn.
    pub active: bool,
    pub created_at: DateTimeUtc,
    /// When a procurement officer accepted it (rule 14); until then a document an admitted
    /// supplier added does not count. Documents of an application count from the start.
    pub accepted_at: Option<DateTimeUtc>,
    pub accepted_by: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
