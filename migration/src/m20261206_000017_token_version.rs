//! A per-user count of ended sessions: every sign-in token carries the count it was issued
//! under, and a token whose count is behind the user's is refused. Changing or resetting the
//! password, "sign out everywhere", signing out, deactivation and an admin's reset add one, so
//! every token issued before ends at once (`sessions_valid_from`, kept beside it, says when).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::integer;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000017_token_version"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("users")
                .add_column(integer("token_version").default(0))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("users")
                .drop_column("token_version")
                .to_owned(),
        )
        .await
    }
}
