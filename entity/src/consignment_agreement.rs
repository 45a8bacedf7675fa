use crate::Fixed;
use sea_orm::entity::prelude::*;
use serde::Serialize;

/// The consignment agreement (代储代销协议) made when a supplier is admitted.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "consignment_agreements")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub supplier_id: crate::SupplierId,
    #[sea_orm(unique)]
    pub number: String,
    pub starts_on: Date,
    pub ends_on: Date,
    /// Category ids, comma-separated.
    #[sea_orm(column_type = "Text")]
    pub categories: String,
    /// Day of the month the settlement period closes on.
    pub cutoff_day: i32,
    /// Months without movement after which stock is flagged.
    pub stale_months: i32,
    /// VAT rate as a fraction, four places (0.1300 = 13 %).
    pub tax_rate: Fixed<4>,
    pub signed_on: Date,
    pub approved_by: i64,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
