use crate::Fixed;
use sea_orm::entity::prelude::*;
use serde::Serialize;

/// One market price survey of a material (物资询价台帐): never changed once recorded; a wrong
/// one is corrected by a new survey that names it in `corrects_id`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "price_surveys")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub material_id: i64,
    pub surveyed_on: Date,
    /// `price_service`, `vendor_quote`, `tender_result` or `other`.
    pub source_kind: String,
    /// Who gave the price: "西本新干线", "我的钢铁网 Mysteel", a vendor, a tender number.
    pub source: String,
    /// Yuan per unit of the material, four places.
    pub unit_price: Fixed<4>,
    #[sea_orm(column_type = "Text")]
    pub note: String,
    pub corrects_id: Option<i64>,
    pub recorded_by: i64,
    pub recorded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
