//! The audit chain's head follows its entries by trigger (issue 16, the draw path): an entry
//! inserted as the head's last sequence number sets the head's hash in the same statement, so
//! recording a change takes two statements (advance the head, insert the entries) instead of
//! three. Entries inserted in one multi-row statement fire it row by row; only the last of
//! them (the head's sequence number) moves the hash.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000026_audit_head_by_trigger"
    }
}

const NAME: &str = "tr_audit_head_follows";
const SET_HASH: &str = "UPDATE audit_head SET hash = NEW.hash WHERE id = 1 AND seq = NEW.seq";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        let sql = match m.get_database_backend() {
            DbBackend::Postgres => vec![
                format!(
                    "CREATE FUNCTION {NAME}() RETURNS trigger LANGUAGE plpgsql AS $$ \
                     BEGIN {SET_HASH}; RETURN NULL; END $$"
                ),
                format!(
                    "CREATE TRIGGER {NAME} AFTER INSERT ON audit_log FOR EACH ROW \
                     EXECUTE FUNCTION {NAME}()"
                ),
            ],
            _ => vec![format!(
                "CREATE TRIGGER {NAME} AFTER INSERT ON audit_log FOR EACH ROW \
                 BEGIN {SET_HASH}; END"
            )],
        };
        for s in sql {
            db.execute_unprepared(&s).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        let sql = match m.get_database_backend() {
            DbBackend::Postgres => vec![
                format!("DROP TRIGGER IF EXISTS {NAME} ON audit_log"),
                format!("DROP FUNCTION IF EXISTS {NAME}()"),
            ],
            _ => vec![format!("DROP TRIGGER IF EXISTS {NAME}")],
        };
        for s in sql {
            db.execute_unprepared(&s).await?;
        }
        Ok(())
    }
}
