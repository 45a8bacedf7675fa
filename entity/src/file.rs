use sea_orm::entity::prelude::*;
use serde::Serialize;

/// An uploaded file, stored on disk under its checksum.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "files")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The supplier the file belongs to, when it is one supplier's.
    pub supplier_id: Option<crate::SupplierId>,
    /// What it was uploaded for: `document`, `evidence`.
    pub purpose: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    /// Path below the uploads folder.
    pub stored_as: String,
    pub uploaded_by: Option<i64>,
    pub uploaded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
