//! The stale scan flags each supplier's lots by their last movement date, and a supplier's
//! lots are looked up for its stock pages: an index on (supplier, last movement).

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261128_000011_lot_supplier_index"
    }
}

const NAME: &str = "ix_lots_supplier_id_last_movement_on";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name(NAME)
                .table("lots")
                .col("supplier_id")
                .col("last_movement_on")
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name(NAME).table("lots").to_owned())
            .await
    }
}
