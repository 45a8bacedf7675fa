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

/// 000025's update triggers on listings and materials, each with the columns it compares: its
/// own and, after this migration, the one added here.
fn triggers(widened: bool) -> [(Source<'static>, Vec<&'static str>); 2] {
    [(SOURCES[1], "warehouse_id"), (SOURCES[2], "unit_code")].map(|(source, added)| {
        let mut cols = source.3.to_vec();
        if widened {
            cols.push(added);
        }
        (source, cols)
    })
}

/// `source` comparing `cols` in place of its own columns.
fn comparing<'a>(source: Source<'a>, cols: &'a [&'a str]) -> Source<'a> {
    (source.0, source.1, source.2, cols, source.4)
}

async fn replace(m: &SchemaManager<'_>, widened: bool) -> Result<(), DbErr> {
    let backend = m.get_database_backend();
    let db = m.get_connection();
    for (source, cols) in triggers(widened) {
        let source = comparing(source, &cols);
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
        replace(m, true).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        replace(m, false).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm_migration::sea_orm::DbBackend;

    #[test]
    fn the_widened_triggers_are_000025s_with_the_new_columns() {
        let [(listing, listing_cols), (material, material_cols)] = triggers(true);
        assert_eq!(listing.0, "tr_catalogue_listing_changed");
        assert_eq!(material.0, "tr_catalogue_material_changed");
        let sql = create_trigger(DbBackend::Sqlite, comparing(material, &material_cols)).join(";");
        assert!(sql.contains("OLD.unit_code IS NOT NEW.unit_code"), "{sql}");
        // Undone, they are 000025's again.
        let [(_, old_listing), (_, old_material)] = triggers(false);
        assert_eq!(old_listing, SOURCES[1].3);
        assert_eq!(old_material, SOURCES[2].3);
        let sql = create_trigger(DbBackend::Postgres, comparing(listing, &listing_cols)).join(";");
        assert!(
            sql.contains("OLD.warehouse_id IS DISTINCT FROM NEW.warehouse_id"),
            "{sql}"
        );
    }
}
