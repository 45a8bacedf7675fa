//! The monthly pack (issue 15): at the cut-off, the month's figures assembled once for the
//! head and finance. The workbooks are kept as they were assembled (in Chinese and in
//! English), so the pack stays what was sent even when later payments or decisions change
//! the live pages; `summary` holds each section's row count and total as JSON.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000022_monthly_packs"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("monthly_packs")
                .col(big_pk_auto("id"))
                .col(string_len_uniq("period", 7))
                .col(timestamp_with_time_zone("assembled_at"))
                .col(string_len("instance", 100))
                .col(text("summary"))
                .col(blob("workbook_zh"))
                .col(blob("workbook_en"))
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("monthly_packs").take())
            .await
    }
}
