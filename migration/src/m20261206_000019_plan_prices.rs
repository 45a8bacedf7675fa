//! Plan prices (计划价): procurement sets one per material and year; setting it again adds a
//! row (the history is kept), and the newest row of a material and year governs. Every issue
//! movement carries the plan price in force on its day (`movements.plan_unit_price`, NULL
//! when none was set, and on the movements written before this migration), so the monthly
//! price-difference table (材料差价汇总表) reads the ledger alone.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000019_plan_prices"
    }
}

fn fk(col: &'static str, to: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_plan_prices_{col}"))
        .from("plan_prices", col)
        .to(to, "id")
        .on_delete(ForeignKeyAction::Restrict)
        .take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("plan_prices")
                .col(big_pk_auto("id"))
                .col(big_integer("material_id"))
                .col(integer("year"))
                // Yuan per unit incl. VAT, four places, scaled like every unit price.
                .col(big_integer("unit_price"))
                .col(text("note"))
                .col(big_integer("set_by"))
                .col(timestamp_with_time_zone("set_at"))
                .foreign_key(&mut fk("material_id", "materials"))
                .foreign_key(&mut fk("set_by", "users"))
                .take(),
        )
        .await?;
        // The price in force: a material's rows of a year, newest last.
        m.create_index(
            Index::create()
                .name("ix_plan_prices_material_id_year_id")
                .table("plan_prices")
                .col("material_id")
                .col("year")
                .col("id")
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_plan_prices_year")
                .table("plan_prices")
                .col("year")
                .take(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("movements")
                .add_column(big_integer_null("plan_unit_price"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("movements")
                .drop_column("plan_unit_price")
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table("plan_prices").take())
            .await
    }
}
