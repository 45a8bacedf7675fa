use sea_orm::entity::prelude::*;

/// A notice in one user's inbox: the same event as the email queued with it. Its words are
/// rendered when read, in the reader's language, from the mail kind and its arguments.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notices")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    pub kind: String,
    /// A JSON object of strings: the message arguments.
    #[sea_orm(column_type = "Text")]
    pub args: String,
    /// The portal path of the item the notice is about.
    pub link: Option<String>,
    pub created_at: DateTimeUtc,
    pub read_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
