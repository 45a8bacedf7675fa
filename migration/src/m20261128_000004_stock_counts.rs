//! Stock counts (rule 12): a counted quantity against the book, pending procurement's
//! decision when they differ.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261128_000004_stock_counts"
    }
}

fn fk(from_table: &'static str, col: &'static str, to: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{from_table}_{col}"))
        .from(from_table, col)
        .to(to, "id")
        .on_delete(ForeignKeyAction::Restrict)
        .take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("stock_counts")
                .col(big_pk_auto("id"))
                .col(big_integer("listing_id"))
                .col(big_integer("counted"))
                .col(big_integer("book"))
                .col(big_integer("difference"))
                .col(text("reason"))
                .col(string("status"))
                .col(big_integer_null("pending_listing_id"))
                .col(big_integer("counted_by"))
                .col(timestamp_with_time_zone("counted_at"))
                .col(big_integer_null("decided_by"))
                .col(timestamp_with_time_zone_null("decided_at"))
                .col(text("decision_note"))
                .foreign_key(&mut fk("stock_counts", "listing_id", "listings"))
                .foreign_key(&mut fk("stock_counts", "counted_by", "users"))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_stock_counts_listing_id")
                .table("stock_counts")
                .col("listing_id")
                .take(),
        )
        .await?;
        // One pending count per listing: approving two would apply a difference twice.
        m.create_index(
            Index::create()
                .name("ux_stock_counts_pending_listing_id")
                .table("stock_counts")
                .col("pending_listing_id")
                .unique()
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_stock_counts_status")
                .table("stock_counts")
                .col("status")
                .take(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("stock_counts").take())
            .await?;
        Ok(())
    }
}
