use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A supplier company; its life cycle (`status`) is ruled by `portal::suppliers`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "suppliers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: crate::SupplierId,
    pub legal_name: String,
    #[sea_orm(unique)]
    pub credit_code: Option<String>,
    pub status: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub contact_email: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub legal_representative: String,
    pub address: String,
    pub bank_name: String,
    pub bank_account: String,
    pub submitted_at: Option<DateTimeUtc>,
    pub admitted_at: Option<DateTimeUtc>,
    /// When the yearly re-review is due.
    pub next_review_on: Option<Date>,
    pub suspended_until: Option<Date>,
    /// When the procurement office was last reminded that the yearly review is due.
    pub review_reminded_on: Option<Date>,
    /// Why the status is what it is (rejection, suspension, removal).
    #[sea_orm(column_type = "Text")]
    pub status_reason: String,
    /// Confirmed quality or price failures (rule 2).
    pub confirmed_failures: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
