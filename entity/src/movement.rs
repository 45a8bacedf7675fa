use crate::Fixed;
use sea_orm::entity::prelude::*;
use serde::Serialize;

/// An immutable stock movement; on-hand quantities are the sum of these.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "movements")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub lot_id: crate::LotId,
    pub listing_id: crate::ListingId,
    pub supplier_id: crate::SupplierId,
    pub warehouse_id: i64,
    /// `receipt`, `issue`, `site_return` (a site hands back what it drew), `return_to_supplier`,
    /// `exchange_out`, `exchange_in`, `count_gain`, `count_loss`.
    pub kind: String,
    /// Signed: positive into stock, negative out.
    pub quantity: Fixed<3>,
    pub unit_price: Fixed<4>,
    /// quantity × unit price, rounded to the cent (signed).
    pub amount: Fixed<2>,
    /// An issue's plan price (计划价) in force on its day, stamped when it was written; none
    /// when no plan price was set (and on every other kind of movement).
    pub plan_unit_price: Option<Fixed<4>>,
    pub requisition_line_id: Option<i64>,
    pub site_id: Option<i64>,
    pub on_date: Date,
    pub at: DateTimeUtc,
    pub by_user: Option<i64>,
    #[sea_orm(column_type = "Text")]
    pub note: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
