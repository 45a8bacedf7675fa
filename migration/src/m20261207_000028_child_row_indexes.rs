//! Indexes on the columns by which rows are looked up under their parent (issue 16, found by
//! the draw cycle's profile on PostgreSQL: `requisition_lines` had no index on
//! `requisition_id`, so every read of a requisition's lines, three to a draw cycle, scanned
//! every line ever written; neither database indexes a foreign key by itself). Each is a
//! column the code filters on: a requisition's lines and the open lines of a listing, a
//! delivery's lines, a site's requisitions, a supplier's deliveries, users and statement
//! adjustments.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000028_child_row_indexes"
    }
}

/// (index, table, column).
pub(crate) const INDEXES: [(&str, &str, &str); 7] = [
    (
        "ix_requisition_lines_requisition_id",
        "requisition_lines",
        "requisition_id",
    ),
    (
        "ix_requisition_lines_listing_id",
        "requisition_lines",
        "listing_id",
    ),
    (
        "ix_delivery_lines_delivery_id",
        "delivery_lines",
        "delivery_id",
    ),
    ("ix_requisitions_site_id", "requisitions", "site_id"),
    ("ix_deliveries_supplier_id", "deliveries", "supplier_id"),
    ("ix_users_supplier_id", "users", "supplier_id"),
    (
        "ix_statement_adjustments_supplier_id",
        "statement_adjustments",
        "supplier_id",
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, column) in INDEXES {
            m.create_index(Index::create().name(name).table(table).col(column).take())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, _) in INDEXES {
            m.drop_index(Index::drop().name(name).table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
