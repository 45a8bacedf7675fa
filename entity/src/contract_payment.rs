use crate::Fixed;
use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A payment finance made on an effective contract; the payments of a contract never add up
/// to more than its total.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "contract_payments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub contract_id: i64,
    /// The contract's supplier, kept for the month's comparison by supplier.
    pub supplier_id: crate::SupplierId,
    /// Yuan to the cent, above zero.
    pub amount: Fixed<2>,
    pub paid_on: Date,
    /// The bank's or the voucher's reference.
    pub reference: String,
    pub recorded_by: i64,
    pub recorded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
