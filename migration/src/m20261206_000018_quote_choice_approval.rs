//! Rule 14 for the quote choice: the officer's choice waits for the procurement head's
//! decision (`plan_lines.status = 'choice_pending'`), and the line keeps who decided, when,
//! and why a choice was sent back.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer_null, text_null, timestamp_with_time_zone_null};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000018_quote_choice_approval"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one thing at a time.
        for col in [
            big_integer_null("choice_decided_by"),
            timestamp_with_time_zone_null("choice_decided_at"),
            text_null("choice_return_reason"),
        ] {
            m.alter_table(Table::alter().table("plan_lines").add_column(col).take())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for name in [
            "choice_decided_by",
            "choice_decided_at",
            "choice_return_reason",
        ] {
            m.alter_table(
                Table::alter()
                    .table("plan_lines")
                    .drop_column(name)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
