use crate::Fixed;
use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A supplier's monthly consignment statement: what the company owes for the goods drawn in
/// one settlement period.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "statements")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: crate::StatementId,
    #[sea_orm(unique)]
    pub number: String,
    pub supplier_id: crate::SupplierId,
    /// The period's name, "YYYY-MM" of the month it ends in.
    pub period: String,
    pub first_day: Date,
    pub last_day: Date,
    /// VAT rate of the agreement, a fraction with four places.
    pub tax_rate: Fixed<4>,
    /// The sum of the rounded lines; prices are tax-inclusive.
    pub gross: Fixed<2>,
    pub net: Fixed<2>,
    pub tax: Fixed<2>,
    /// `draft`, `issued`, `confirmed`, `disputed`, `resolved`, `invoiced`, `paid`.
    pub status: String,
    pub created_at: DateTimeUtc,
    pub issued_at: Option<DateTimeUtc>,
    /// When the supplier confirmed or disputed it.
    pub answered_at: Option<DateTimeUtc>,
    pub resolved_at: Option<DateTimeUtc>,
    pub invoice_number: String,
    pub invoice_date: Option<Date>,
    pub paid_on: Option<Date>,
    pub payment_reference: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
