//! The funds plan (资金计划, issue 15): finance plans each calendar month's payments by
//! supplier (`funds_plans`, one per month, and its `funds_plan_lines`), the procurement head
//! approves or returns it (rule 14), and the month-end comparison sets the plan against what
//! was paid. The portal recorded no payments on contracts before: `contract_payments` holds
//! them (finance records each against an effective contract, never beyond its total).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000021_funds_plan"
    }
}

fn fk(table: &'static str, col: &'static str, to: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_{col}"))
        .from(table, col)
        .to(to, "id")
        .on_delete(ForeignKeyAction::Restrict)
        .take()
}

fn index(table: &'static str, cols: &[&'static str], unique: bool) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(format!("ix_{table}_{}", cols.join("_")))
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
                .table("funds_plans")
                .col(big_pk_auto("id"))
                // The calendar month, "YYYY-MM": one plan per month.
                .col(string("month").unique_key())
                .col(string("status"))
                .col(big_integer("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .col(big_integer_null("submitted_by"))
                .col(timestamp_with_time_zone_null("submitted_at"))
                // The first submission: whether the plan was in by the 3rd.
                .col(timestamp_with_time_zone_null("first_submitted_at"))
                .col(big_integer_null("decided_by"))
                .col(timestamp_with_time_zone_null("decided_at"))
                .col(text("return_reason"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("funds_plans", "created_by", "users"))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("funds_plan_lines")
                .col(big_pk_auto("id"))
                .col(big_integer("plan_id"))
                .col(big_integer("supplier_id"))
                // Yuan to the cent, scaled like every amount.
                .col(big_integer("amount"))
                // `statement`, `contract` or `other`.
                .col(string("source"))
                .col(big_integer_null("source_id"))
                .col(text("note"))
                .col(big_integer("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("funds_plan_lines", "plan_id", "funds_plans"))
                .foreign_key(&mut fk("funds_plan_lines", "supplier_id", "suppliers"))
                .take(),
        )
        .await?;
        // A statement or contract is planned once per month (`other` lines have no id, and
        // NULLs are distinct in both databases).
        m.create_index(index(
            "funds_plan_lines",
            &["plan_id", "source", "source_id"],
            true,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table("contract_payments")
                .col(big_pk_auto("id"))
                .col(big_integer("contract_id"))
                .col(big_integer("supplier_id"))
                .col(big_integer("amount"))
                .col(date("paid_on"))
                .col(string("reference"))
                .col(big_integer("recorded_by"))
                .col(timestamp_with_time_zone("recorded_at"))
                .foreign_key(&mut fk("contract_payments", "contract_id", "contracts"))
                .foreign_key(&mut fk("contract_payments", "supplier_id", "suppliers"))
                .foreign_key(&mut fk("contract_payments", "recorded_by", "users"))
                .take(),
        )
        .await?;
        m.create_index(index("contract_payments", &["contract_id"], false))
            .await?;
        m.create_index(index("contract_payments", &["paid_on"], false))
            .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["contract_payments", "funds_plan_lines", "funds_plans"] {
            m.drop_table(Table::drop().table(t).take()).await?;
        }
        Ok(())
    }
}
