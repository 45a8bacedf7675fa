//! Catalogue search that stays fast at 100,000 listings on both databases: an inverted index of
//! each material's character grams (B-tree, so SQLite and PostgreSQL treat it alike), and the
//! indexes the catalogue's sort orders walk.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261128_000006_search_grams"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("material_grams")
                .col(string("gram"))
                .col(big_integer("material_id"))
                .primary_key(Index::create().col("gram").col("material_id"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_material_grams_material_id")
                        .from("material_grams", "material_id")
                        .to("materials", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .take(),
        )
        .await?;
        for (name, table, cols) in [
            (
                "ix_material_grams_material_id",
                "material_grams",
                &["material_id"][..],
            ),
            (
                "ix_listings_search_text",
                "listings",
                &["search_text", "id"][..],
            ),
            ("ix_listings_price", "listings", &["price", "id"][..]),
            ("ix_listings_supplier_id", "listings", &["supplier_id"][..]),
        ] {
            let mut i = Index::create();
            i.name(name).table(table);
            for c in cols {
                i.col(*c);
            }
            m.create_index(i.take()).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, table) in [
            ("ix_listings_supplier_id", "listings"),
            ("ix_listings_price", "listings"),
            ("ix_listings_search_text", "listings"),
        ] {
            m.drop_index(Index::drop().name(name).table(table).to_owned())
                .await?;
        }
        m.drop_table(Table::drop().table("material_grams").take())
            .await
    }
}
