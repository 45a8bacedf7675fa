//! The catalogue's change sequence (issue 16): every write that changes what the catalogue
//! shows appends a row to `catalogue_changes` in its own transaction, so that each instance's
//! in-memory search index (`portal::catalogue::live`) finds what changed by polling for rows
//! past the last it applied. Triggers write the rows, so that no code path can forget to: a
//! listing added or its price, stock, state, material or supplier changed; a material's names,
//! specification or category changed; a supplier's name or status changed (rule 2's removal).
//! Rows are pruned after minutes; an instance that falls further behind rebuilds its index.
//!
//! The gram table of migration 000006 (`material_grams`), the SQL search's hand-written index,
//! is retired: the engine replaced it.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DbBackend;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000025_catalogue_changes"
    }
}

const TABLE: &str = "catalogue_changes";

/// (trigger, table, event, columns compared, the row written).
pub(crate) type Source<'a> = (&'a str, &'a str, &'a str, &'a [&'a str], &'a str);

/// Each source of change.
pub(crate) const SOURCES: [Source<'static>; 4] = [
    (
        "tr_catalogue_listing_added",
        "listings",
        "INSERT",
        &[],
        "listing_id",
    ),
    (
        "tr_catalogue_listing_changed",
        "listings",
        "UPDATE",
        &[
            "price",
            "on_hand",
            "reserved",
            "active",
            "material_id",
            "supplier_id",
        ],
        "listing_id",
    ),
    (
        "tr_catalogue_material_changed",
        "materials",
        "UPDATE",
        &["name_zh", "name_en", "spec", "category_id"],
        "material_id",
    ),
    (
        "tr_catalogue_supplier_changed",
        "suppliers",
        "UPDATE",
        &["legal_name", "status"],
        "supplier_id",
    ),
];

/// The condition under which an update is a change: one of `cols` differs.
fn changed(cols: &[&str], differs: &str) -> String {
    cols.iter()
        .map(|c| format!("OLD.{c} {differs} NEW.{c}"))
        .collect::<Vec<_>>()
        .join(" OR ")
}

pub(crate) fn create_trigger(backend: DbBackend, source: Source<'_>) -> Vec<String> {
    let (name, table, event, cols, target) = source;
    let of = if cols.is_empty() {
        String::new()
    } else {
        format!(" OF {}", cols.join(", "))
    };
    match backend {
        DbBackend::Postgres => {
            let when = if cols.is_empty() {
                String::new()
            } else {
                format!(" WHEN ({})", changed(cols, "IS DISTINCT FROM"))
            };
            vec![
                format!(
                    "CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ \
                     BEGIN INSERT INTO {TABLE} ({target}) VALUES (NEW.id); RETURN NULL; END $$"
                ),
                format!(
                    "CREATE TRIGGER {name} AFTER {event}{of} ON {table} FOR EACH ROW{when} \
                     EXECUTE FUNCTION {name}()"
                ),
            ]
        }
        _ => {
            let when = if cols.is_empty() {
                String::new()
            } else {
                format!(" WHEN {}", changed(cols, "IS NOT"))
            };
            vec![format!(
                "CREATE TRIGGER {name} AFTER {event}{of} ON {table} FOR EACH ROW{when} \
                 BEGIN INSERT INTO {TABLE} ({target}) VALUES (NEW.id); END"
            )]
        }
    }
}

pub(crate) fn drop_trigger(backend: DbBackend, source: Source<'_>) -> Vec<String> {
    let (name, table, ..) = source;
    match backend {
        DbBackend::Postgres => vec![
            format!("DROP TRIGGER IF EXISTS {name} ON {table}"),
            format!("DROP FUNCTION IF EXISTS {name}()"),
        ],
        _ => vec![format!("DROP TRIGGER IF EXISTS {name}")],
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(TABLE)
                .col(big_pk_auto("seq"))
                .col(big_integer_null("listing_id"))
                .col(big_integer_null("material_id"))
                .col(big_integer_null("supplier_id"))
                // The database's own clock: only pruning reads it.
                .col(timestamp_with_time_zone("at").default(Expr::current_timestamp()))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_catalogue_changes_at")
                .table(TABLE)
                .col("at")
                .take(),
        )
        .await?;
        let backend = m.get_database_backend();
        let db = m.get_connection();
        for source in SOURCES {
            for sql in create_trigger(backend, source) {
                db.execute_unprepared(&sql).await?;
            }
        }
        m.drop_table(Table::drop().table("material_grams").take())
            .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // The gram table comes back empty: the release that reads it fills it at start.
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
        m.create_index(
            Index::create()
                .name("ix_material_grams_material_id")
                .table("material_grams")
                .col("material_id")
                .take(),
        )
        .await?;
        let backend = m.get_database_backend();
        let db = m.get_connection();
        for source in SOURCES {
            for sql in drop_trigger(backend, source) {
                db.execute_unprepared(&sql).await?;
            }
        }
        m.drop_table(Table::drop().table(TABLE).take()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_update_trigger_fires_only_when_a_shown_column_changes() {
        let sqlite = create_trigger(DbBackend::Sqlite, SOURCES[3]);
        assert_eq!(
            sqlite,
            vec![
                "CREATE TRIGGER tr_catalogue_supplier_changed AFTER UPDATE OF legal_name, status \
                 ON suppliers FOR EACH ROW WHEN OLD.legal_name IS NOT NEW.legal_name OR \
                 OLD.status IS NOT NEW.status BEGIN INSERT INTO catalogue_changes (supplier_id) \
                 VALUES (NEW.id); END"
                    .to_string()
            ]
        );
        let pg = create_trigger(DbBackend::Postgres, SOURCES[0]);
        assert_eq!(pg.len(), 2);
        assert!(pg[1].starts_with(
            "CREATE TRIGGER tr_catalogue_listing_added AFTER INSERT ON listings FOR EACH ROW \
             EXECUTE"
        ));
    }
}
