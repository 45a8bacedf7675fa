//! The dashboards read the issues and site returns of the last months by day
//! (`kind IN (…) AND on_date BETWEEN …`): an index on (kind, on_date) makes that a range of
//! the ledger instead of a scan of all of it (issue 15: a dashboard answers in well under a
//! second with a million movements).

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000023_movement_kind_day_index"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name("ix_movements_kind_on_date")
                .table("movements")
                .col("kind")
                .col("on_date")
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("ix_movements_kind_on_date")
                .table("movements")
                .to_owned(),
        )
        .await
    }
}
