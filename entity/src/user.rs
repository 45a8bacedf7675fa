use sea_orm::entity::prelude::*;

/// A person who signs in. A supplier user belongs to one supplier, a site user to one site.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub email: String,
    pub password_hash: String,
    pub display_name: String,
    pub role: String,
    pub supplier_id: Option<crate::SupplierId>,
    pub site_id: Option<i64>,
    pub locale: Option<String>,
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub last_login_at: Option<DateTimeUtc>,
    /// When the user's sessions were last ended (with `token_version`); tokens issued before
    /// it are refused too.
    pub sessions_valid_from: Option<DateTimeUtc>,
    /// False until a self-registered user follows the emailed link.
    pub email_verified: bool,
    /// Sign-in tokens carry the version they were issued under; one behind is refused. Bumped
    /// by a password change or reset, "sign out everywhere", signing out and deactivation.
    pub token_version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::supplier::Entity",
        from = "Column::SupplierId",
        to = "super::supplier::Column::Id"
    )]
    Supplier,
    #[sea_orm(
        belongs_to = "super::site::Entity",
        from = "Column::SiteId",
        to = "super::site::Column::Id"
    )]
    Site,
}

impl ActiveModelBehavior for ActiveModel {}
