use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A supplier's bid on a tender. Its lines (prices, delivery days) and technical note are
/// kept only sealed: AES-256-GCM ciphertext with a fresh nonce per write; there is no clear
/// price or total column.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "bids")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: crate::BidId,
    pub tender_id: crate::TenderId,
    pub supplier_id: crate::SupplierId,
    /// `submitted`, `withdrawn` or `disqualified`.
    pub status: String,
    /// The sealed lines, base64.
    #[serde(skip)]
    #[sea_orm(column_type = "Text")]
    pub sealed: String,
    /// The nonce of `sealed`, hex.
    #[serde(skip)]
    pub nonce: String,
    pub revision: i32,
    pub submitted_by: i64,
    pub submitted_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub disqualified_at: Option<DateTimeUtc>,
    pub disqualified_reason: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
