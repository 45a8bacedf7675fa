//! Rule 14: a document an admitted supplier adds (a renewed licence, say) counts only once a
//! procurement officer has accepted it. Documents already on file were accepted when they came.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer_null, timestamp_with_time_zone_null};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000015_document_acceptance"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            timestamp_with_time_zone_null("accepted_at"),
            big_integer_null("accepted_by"),
        ] {
            let mut column = column;
            m.alter_table(
                Table::alter()
                    .table("supplier_documents")
                    .add_column(&mut column)
                    .to_owned(),
            )
            .await?;
        }
        m.get_connection()
            .execute_unprepared("UPDATE supplier_documents SET accepted_at = created_at")
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in ["accepted_by", "accepted_at"] {
            m.alter_table(
                Table::alter()
                    .table("supplier_documents")
                    .drop_column(column)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
