use sea_orm::entity::prelude::*;

/// One change to what the catalogue shows, written by the database's triggers (migration
/// 000025) in the changing transaction: which listing, material or supplier changed. Each
/// instance's search index polls for the rows past the last it applied.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "catalogue_changes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub seq: i64,
    pub listing_id: Option<i64>,
    pub material_id: Option<i64>,
    pub supplier_id: Option<i64>,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
