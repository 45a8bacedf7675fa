//! The procurement dashboard at the benchmark's scale (issue 15: well under a second with a
//! million movements and 200,000 lots):
//! - the months' draws are read from an index that holds every column they sum and group by
//!   (kind, day, site, supplier, listing, amount), so a dashboard never visits the ledger's
//!   rows; it replaces the narrower (kind, on_date) index of 000023, its prefix;
//! - the stock to go back (flagged stale, rule 3, or asked back after a removal, rule 2) has a
//!   partial index of its own, a small part of all lots.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000024_dashboard_covering_indexes"
    }
}

const DRAWS: &str = "ix_movements_kind_day_cover";
const TO_GO_BACK: &str = "ix_lots_to_go_back";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name(DRAWS)
                .table("movements")
                .col("kind")
                .col("on_date")
                .col("site_id")
                .col("supplier_id")
                .col("listing_id")
                .col("amount")
                .take(),
        )
        .await?;
        m.drop_index(
            Index::drop()
                .name("ix_movements_kind_on_date")
                .table("movements")
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name(TO_GO_BACK)
                .table("lots")
                .col("supplier_id")
                .col("listing_id")
                .col("quantity")
                .and_where(
                    Expr::col("stale_flagged_on")
                        .is_not_null()
                        .or(Expr::col("return_request").is_not_null()),
                )
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name(TO_GO_BACK).table("lots").to_owned())
            .await?;
        m.create_index(
            Index::create()
                .name("ix_movements_kind_on_date")
                .table("movements")
                .col("kind")
                .col("on_date")
                .take(),
        )
        .await?;
        m.drop_index(Index::drop().name(DRAWS).table("movements").to_owned())
            .await
    }
}
