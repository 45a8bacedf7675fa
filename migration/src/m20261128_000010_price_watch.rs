//! The price ledger of market surveys and price-failure candidates (rule 13).
//!
//! Surveys are never updated: a wrong one is corrected by a new survey that names it. The
//! unique keys are what make the daily reminder and the candidate decisions exactly-once: a
//! material is reminded once per survey it was last surveyed by (0 when never surveyed), and a
//! listing is decided once per (latest survey, listing price).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261128_000010_price_watch"
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
                .table("price_surveys")
                .col(big_pk_auto("id"))
                .col(big_integer("material_id"))
                .col(date("surveyed_on"))
                .col(string("source_kind"))
                .col(string("source"))
                .col(big_integer("unit_price"))
                .col(text("note"))
                .col(big_integer_null("corrects_id"))
                .col(big_integer("recorded_by"))
                .col(timestamp_with_time_zone("recorded_at"))
                .foreign_key(&mut fk("price_surveys", "material_id", "materials"))
                .foreign_key(&mut fk("price_surveys", "corrects_id", "price_surveys"))
                .foreign_key(&mut fk("price_surveys", "recorded_by", "users"))
                .take(),
        )
        .await?;
        // The latest survey of a material: its surveys by date, then by the order recorded.
        m.create_index(
            Index::create()
                .name("ix_price_surveys_material_id_surveyed_on_id")
                .table("price_surveys")
                .col("material_id")
                .col("surveyed_on")
                .col("id")
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_price_surveys_surveyed_on")
                .table("price_surveys")
                .col("surveyed_on")
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("price_survey_reminders")
                .col(big_pk_auto("id"))
                .col(big_integer("material_id"))
                // The survey the material was due after; 0 when it was never surveyed.
                .col(big_integer("after_survey_id"))
                .col(date("reminded_on"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk(
                    "price_survey_reminders",
                    "material_id",
                    "materials",
                ))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_price_survey_reminders_material_id_after_survey_id")
                .table("price_survey_reminders")
                .col("material_id")
                .col("after_survey_id")
                .unique()
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("price_candidates")
                .col(big_pk_auto("id"))
                .col(big_integer("listing_id"))
                .col(big_integer("supplier_id"))
                .col(big_integer("material_id"))
                .col(big_integer("survey_id"))
                .col(big_integer("listing_price"))
                .col(big_integer("survey_price"))
                .col(big_integer("margin"))
                .col(string("decision"))
                .col(text("reason"))
                .col(big_integer_null("failure_id"))
                .col(big_integer("decided_by"))
                .col(timestamp_with_time_zone("decided_at"))
                .foreign_key(&mut fk("price_candidates", "listing_id", "listings"))
                .foreign_key(&mut fk("price_candidates", "supplier_id", "suppliers"))
                .foreign_key(&mut fk("price_candidates", "material_id", "materials"))
                .foreign_key(&mut fk("price_candidates", "survey_id", "price_surveys"))
                .foreign_key(&mut fk(
                    "price_candidates",
                    "failure_id",
                    "supplier_failures",
                ))
                .foreign_key(&mut fk("price_candidates", "decided_by", "users"))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_price_candidates_listing_id_survey_id_listing_price")
                .table("price_candidates")
                .col("listing_id")
                .col("survey_id")
                .col("listing_price")
                .unique()
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_price_candidates_decided_at")
                .table("price_candidates")
                .col("decided_at")
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "price_candidates",
            "price_survey_reminders",
            "price_surveys",
        ] {
            m.drop_table(Table::drop().table(t).take()).await?;
        }
        Ok(())
    }
}
