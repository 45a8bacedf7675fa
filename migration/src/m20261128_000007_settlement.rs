//! Consignment settlement (rule 11): one statement per supplier and period, its lines, and the
//! adjustments that resolve disputes. The unique keys are what make closing exclusive: a
//! (supplier, period) has one statement, and a movement or an adjustment is on one line, so two
//! instances closing at once can never settle anything twice.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261128_000007_settlement"
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
                .table("statements")
                .col(big_pk_auto("id"))
                .col(string("number").unique_key())
                .col(big_integer("supplier_id"))
                .col(string("period"))
                .col(date("first_day"))
                .col(date("last_day"))
                .col(big_integer("tax_rate"))
                .col(big_integer("gross"))
                .col(big_integer("net"))
                .col(big_integer("tax"))
                .col(string("status"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("issued_at"))
                .col(timestamp_with_time_zone_null("answered_at"))
                .col(timestamp_with_time_zone_null("resolved_at"))
                .col(string("invoice_number").default(""))
                .col(date_null("invoice_date"))
                .col(date_null("paid_on"))
                .col(string("payment_reference").default(""))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("statements", "supplier_id", "suppliers"))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_statements_supplier_id_period")
                .table("statements")
                .col("supplier_id")
                .col("period")
                .unique()
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_statements_period")
                .table("statements")
                .col("period")
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("statement_adjustments")
                .col(big_pk_auto("id"))
                .col(big_integer("supplier_id"))
                .col(big_integer("from_statement_id"))
                .col(big_integer_null("from_line_id"))
                .col(big_integer("amount"))
                .col(text("note"))
                .col(big_integer("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("statement_adjustments", "supplier_id", "suppliers"))
                .foreign_key(&mut fk(
                    "statement_adjustments",
                    "from_statement_id",
                    "statements",
                ))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("statement_lines")
                .col(big_pk_auto("id"))
                .col(big_integer("statement_id"))
                .col(string("kind"))
                .col(big_integer_null("movement_id").unique_key())
                .col(big_integer_null("adjustment_id").unique_key())
                .col(big_integer_null("listing_id"))
                .col(big_integer_null("site_id"))
                .col(timestamp_with_time_zone_null("at"))
                .col(string("material").default(""))
                .col(string("spec").default(""))
                .col(string("unit").default(""))
                .col(big_integer("quantity"))
                .col(big_integer("unit_price"))
                .col(big_integer("amount"))
                .col(text("note"))
                .col(text_null("dispute_reason"))
                .col(text_null("resolution"))
                .foreign_key(&mut fk("statement_lines", "statement_id", "statements"))
                .foreign_key(&mut fk("statement_lines", "movement_id", "movements"))
                .foreign_key(&mut fk(
                    "statement_lines",
                    "adjustment_id",
                    "statement_adjustments",
                ))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_statement_lines_statement_id")
                .table("statement_lines")
                .col("statement_id")
                .take(),
        )
        .await?;
        // The close looks for a supplier's draws by kind and time.
        m.create_index(
            Index::create()
                .name("ix_movements_supplier_id_kind_at")
                .table("movements")
                .col("supplier_id")
                .col("kind")
                .col("at")
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("ix_movements_supplier_id_kind_at")
                .table("movements")
                .to_owned(),
        )
        .await?;
        for t in ["statement_lines", "statement_adjustments", "statements"] {
            m.drop_table(Table::drop().table(t).take()).await?;
        }
        Ok(())
    }
}
