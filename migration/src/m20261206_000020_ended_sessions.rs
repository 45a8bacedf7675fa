//! Signing out ends that one session (a sign-in and the tokens renewed from it), not all of
//! the user's: the ended sessions' ids are kept until no token of them could still be in
//! force. "Sign out everywhere" and the others still end all sessions by the token version.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000020_ended_sessions"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("ended_sessions")
                .col(string_len("sid", 64).primary_key())
                .col(big_integer("user_id"))
                .col(timestamp_with_time_zone("ended_at"))
                .col(timestamp_with_time_zone("forget_after"))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_ended_sessions_forget_after")
                .table("ended_sessions")
                .col("forget_after")
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("ended_sessions").take())
            .await
    }
}
