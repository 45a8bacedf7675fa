//! The catalogue's index holds what its page shows (issue 16: a search reads no row of the
//! database), so a listing's warehouse and its material's unit are changes too: the update
//! triggers of migration 000025 on `listings` and `materials` also fire when those change.

use sea_orm_migration::prelude::*;

use crate::m20261206_000025_catalogue_changes::{SOURCES, Source, create_trigger, drop_trigger};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000027_catalogue_shows_unit_and_warehouse"
    }
}

/// 000025's update triggers with the columns they now compare as well.
fn widened() -> [Source; 2] {
    [
        (
            SOURCES[1].0,
            SOURCES[1].1,
            SOURCES[1].2,
            &[
                "price",
                "on_hand",
                "reserved",
                "active",
                "material_id",
                "supplier_id",
                "warehouse_id",
            ],
            SOURCES[1].4,
        ),
        (
            SOURCES[2].0,
            SOURCES[2].1,
            SOURCES[2].2,
            &["name_zh", "name_en", "spec", "category_id", "unit_code"],
            SOURCES[2].4,
        ),
    ]
}

async fn replace(m: &SchemaManager<'_>, triggers: [Source; 2]) -> Result<(), DbErr> {
    let backend = m.get_database_backend();
    let db = m.get_connection();
    for source in triggers {
        for sql in drop_trigger(backend, source)
            .into_iter()
            .chain(create_trigger(backend, source))
        {
            db.execute_unprepared(&sql).await?;
        }
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        replace(m, widened()).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        replace(m, [SOURCES[1], SOURCES[2]]).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm_migration::sea_orm::DbBackend;

    #[test]
    fn the_widened_triggers_are_000025s_with_the_new_columns() {
        let [listing, material] = widened();
        assert_eq!(listing.0, "tr_catalogue_listing_changed");
        assert_eq!(material.0, "tr_catalogue_material_changed");
        let sql = create_trigger(DbBackend::Sqlite, material).join(";");
        assert!(sql.contains("OLD.unit_code IS NOT NEW.unit_code"), "{sql}");
        let sql = create_trigger(DbBackend::Postgres, listing).join(";");
        assert!(
            sql.contains("OLD.warehouse_id IS DISTINCT FROM NEW.warehouse_id"),
            "{sql}"
        );
    }
}
