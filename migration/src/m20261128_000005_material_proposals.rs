//! Suppliers propose new materials for the materials master; procurement approves them.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261128_000005_material_proposals"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("material_proposals")
                .col(big_pk_auto("id"))
                .col(big_integer("supplier_id"))
                .col(big_integer("category_id"))
                .col(string("name_zh"))
                .col(string("name_en"))
                .col(string("spec"))
                .col(string("unit_code"))
                .col(text("note"))
                .col(string("status"))
                .col(big_integer("proposed_by"))
                .col(timestamp_with_time_zone("proposed_at"))
                .col(big_integer_null("decided_by"))
                .col(timestamp_with_time_zone_null("decided_at"))
                .col(big_integer_null("material_id"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_material_proposals_supplier_id")
                        .from("material_proposals", "supplier_id")
                        .to("suppliers", "id")
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_material_proposals_category_id")
                        .from("material_proposals", "category_id")
                        .to("categories", "id")
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("material_proposals").take())
            .await
    }
}
