use sea_orm::entity::prelude::*;

/// A session (one sign-in, renewed tokens and all) ended by signing out: its tokens are
/// refused, the user's other sessions go on. Kept until no token of it could still be in
/// force (`forget_after`), then purged by housekeeping.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ended_sessions")]
pub struct Model {
    /// The session's id, carried by each of its tokens (`sid`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub sid: String,
    pub user_id: i64,
    pub ended_at: DateTimeUtc,
    pub forget_after: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
