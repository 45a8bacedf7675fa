//! The monthly procurement plan, quote comparisons and the contract ledger (rules 5, 6, 7, 10).
//!
//! Unique keys carry rules the code also checks, so that two requests at once cannot break
//! them: one plan per month, one quote per supplier and plan line, one contract per plan line,
//! one sign-off per contract, round and level, and contract numbers that never repeat.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261128_000009_procurement"
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

fn index(table: &'static str, cols: &[&'static str], unique: bool) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(format!(
        "{}_{table}_{}",
        if unique { "ux" } else { "ix" },
        cols.join("_")
    ))
    .table(table);
    for c in cols {
        i.col(*c);
    }
    if unique {
        i.unique();
    }
    i.take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("procurement_plans")
                .col(big_pk_auto("id"))
                .col(string("month").unique_key())
                .col(string("status"))
                .col(date("due_on"))
                .col(big_integer("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .col(big_integer_null("submitted_by"))
                .col(timestamp_with_time_zone_null("submitted_at"))
                .col(big_integer_null("decided_by"))
                .col(timestamp_with_time_zone_null("decided_at"))
                .col(text("return_reason"))
                .col(timestamp_with_time_zone("updated_at"))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("plan_lines")
                .col(big_pk_auto("id"))
                .col(big_integer("plan_id"))
                .col(big_integer("site_id"))
                .col(big_integer("material_id"))
                .col(big_integer("quantity"))
                .col(big_integer("est_price"))
                .col(big_integer("line_value"))
                .col(date("need_by"))
                .col(string("plan_type"))
                .col(text("note"))
                .col(string("status"))
                .col(string_null("route"))
                .col(big_integer_null("stock_available"))
                .col(big_integer_null("chosen_quote_id"))
                .col(text_null("choice_reason"))
                .col(big_integer_null("chosen_by"))
                .col(timestamp_with_time_zone_null("chosen_at"))
                .col(big_integer("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("plan_lines", "plan_id", "procurement_plans"))
                .foreign_key(&mut fk("plan_lines", "site_id", "sites"))
                .foreign_key(&mut fk("plan_lines", "material_id", "materials"))
                .take(),
        )
        .await?;
        m.create_index(index("plan_lines", &["plan_id"], false))
            .await?;

        m.create_table(
            Table::create()
                .table("quotes")
                .col(big_pk_auto("id"))
                .col(big_integer("plan_line_id"))
                .col(big_integer("supplier_id"))
                .col(big_integer("unit_price"))
                .col(text("quality_notes"))
                .col(integer("delivery_days"))
                .col(big_integer("recorded_by"))
                .col(timestamp_with_time_zone("recorded_at"))
                .foreign_key(&mut fk("quotes", "plan_line_id", "plan_lines"))
                .foreign_key(&mut fk("quotes", "supplier_id", "suppliers"))
                .take(),
        )
        .await?;
        m.create_index(index("quotes", &["plan_line_id", "supplier_id"], true))
            .await?;

        m.create_table(
            Table::create()
                .table("contracts")
                .col(big_pk_auto("id"))
                .col(string("number").unique_key())
                .col(big_integer("supplier_id"))
                .col(string("source"))
                .col(big_integer_null("plan_line_id").unique_key())
                .col(big_integer_null("tender_id"))
                .col(big_integer("total"))
                .col(boolean("needs_group"))
                .col(string("status"))
                .col(date_null("signed_on"))
                .col(date_null("starts_on"))
                .col(date_null("ends_on"))
                .col(integer("round"))
                .col(timestamp_with_time_zone_null("submitted_at"))
                .col(timestamp_with_time_zone_null("effective_at"))
                .col(big_integer_null("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("contracts", "supplier_id", "suppliers"))
                .foreign_key(&mut fk("contracts", "plan_line_id", "plan_lines"))
                .take(),
        )
        .await?;
        m.create_index(index("contracts", &["status"], false))
            .await?;
        m.create_index(index("contracts", &["supplier_id"], false))
            .await?;

        m.create_table(
            Table::create()
                .table("contract_items")
                .col(big_pk_auto("id"))
                .col(big_integer("contract_id"))
                .col(big_integer("material_id"))
                .col(big_integer("quantity"))
                .col(big_integer("unit_price"))
                .col(big_integer("amount"))
                .foreign_key(&mut fk("contract_items", "contract_id", "contracts"))
                .foreign_key(&mut fk("contract_items", "material_id", "materials"))
                .take(),
        )
        .await?;
        m.create_index(index("contract_items", &["contract_id"], false))
            .await?;

        m.create_table(
            Table::create()
                .table("contract_signoffs")
                .col(big_pk_auto("id"))
                .col(big_integer("contract_id"))
                .col(integer("round"))
                .col(string("level"))
                .col(string("decision"))
                .col(text("note"))
                .col(big_integer("signed_by"))
                .col(timestamp_with_time_zone("signed_at"))
                .foreign_key(&mut fk("contract_signoffs", "contract_id", "contracts"))
                .foreign_key(&mut fk("contract_signoffs", "signed_by", "users"))
                .take(),
        )
        .await?;
        m.create_index(index(
            "contract_signoffs",
            &["contract_id", "round", "level"],
            true,
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "contract_signoffs",
            "contract_items",
            "contracts",
            "quotes",
            "plan_lines",
            "procurement_plans",
        ] {
            m.drop_table(Table::drop().table(t).take()).await?;
        }
        Ok(())
    }
}
