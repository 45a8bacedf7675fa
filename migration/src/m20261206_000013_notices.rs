//! Notices in the portal (issue 13): every email queued to users also lands in their inbox;
//! each user chooses per topic whether notices also come by email; forgotten passwords are
//! reset through a single-use emailed link whose token is stored only as its SHA-256.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000013_notices"
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
                .table("notices")
                .col(big_pk_auto("id"))
                .col(big_integer("user_id"))
                // The mail kind: its words are `mail-<kind>-subject` / `-body`, rendered
                // with `args` (a JSON object of strings) in the reader's language.
                .col(string("kind"))
                .col(text("args"))
                // A path of the portal (`/suppliers/12`): what the notice is about.
                .col(string_null("link"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("read_at"))
                .foreign_key(&mut fk("notices", "user_id", "users"))
                .take(),
        )
        .await?;
        // A user's inbox, newest first.
        m.create_index(
            Index::create()
                .name("ix_notices_user_id_id")
                .table("notices")
                .col("user_id")
                .col("id")
                .take(),
        )
        .await?;
        // The unread count of the top bar.
        m.create_index(
            Index::create()
                .name("ix_notices_user_id_read_at")
                .table("notices")
                .col("user_id")
                .col("read_at")
                .take(),
        )
        .await?;

        // Only the choices that differ from the default (by email) are stored.
        m.create_table(
            Table::create()
                .table("notice_preferences")
                .col(big_pk_auto("id"))
                .col(big_integer("user_id"))
                .col(string("topic"))
                .col(boolean("email"))
                .foreign_key(&mut fk("notice_preferences", "user_id", "users"))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_notice_preferences_user_id_topic")
                .table("notice_preferences")
                .col("user_id")
                .col("topic")
                .unique()
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("password_resets")
                .col(big_pk_auto("id"))
                .col(string_uniq("token_hash"))
                .col(big_integer("user_id"))
                .col(string("requested_from"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("expires_at"))
                .col(timestamp_with_time_zone_null("used_at"))
                .foreign_key(&mut fk("password_resets", "user_id", "users"))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_password_resets_user_id")
                .table("password_resets")
                .col("user_id")
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["password_resets", "notice_preferences", "notices"] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
