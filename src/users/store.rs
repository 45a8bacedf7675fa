//! Persistence and rules of user administration.

use crate::audit::{self, Actor, Change};
use crate::auth::{Act, CurrentUser, Role, password};
use crate::error::RuleCode;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::i18n::Locale;
use crate::mail::{self, Email};
use crate::state::AppState;
use chrono::{DateTime, Utc};
use entity::SupplierId;
use entity::{site, supplier, user};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

#[derive(Debug, Clone, Deserialize, Validate, ToSchema, Default)]
pub struct NewUser {
    #[validate(email(code = "email"))]
    pub email: String,
    #[validate(length(min = 1, max = 100, code = "required"))]
    pub display_name: String,
    #[validate(length(min = 8, max = 200, code = "password_length"))]
    pub password: String,
    /// One of the role names, e.g. `site_user`.
    pub role: String,
    pub supplier_id: Option<SupplierId>,
    pub site_id: Option<i64>,
    /// `zh-CN` or `en`: the language of the emails the user gets.
    pub locale: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema, Default)]
pub struct UserUpdate {
    pub display_name: Option<String>,
    pub role: Option<String>,
    pub supplier_id: Option<SupplierId>,
    pub site_id: Option<i64>,
    pub active: Option<bool>,
    /// A new password set by the admin.
    pub password: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserView {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub supplier_id: Option<SupplierId>,
    pub site_id: Option<i64>,
    pub locale: Option<String>,
    pub active: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub last_login_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<user::Model> for UserView {
    fn from(u: user::Model) -> Self {
        Self {
            id: u.id,
            email: u.email,
            display_name: u.display_name,
            role: u.role,
            supplier_id: u.supplier_id,
            site_id: u.site_id,
            locale: u.locale,
            active: u.active,
            created_at: u.created_at,
            last_login_at: u.last_login_at,
        }
    }
}

/// Membership rule: a supplier user needs a supplier, a site user or manager a site, and
/// nobody else may carry either.
pub fn check_membership(
    role: Role,
    supplier_id: Option<SupplierId>,
    site_id: Option<i64>,
    errors: &mut FieldErrors,
) {
    match (role.needs_supplier(), supplier_id) {
        (true, None) => {
            errors.add("supplier_id", RuleCode::Required);
        }
        (false, Some(_)) => {
            errors.add("supplier_id", RuleCode::NotForRole);
        }
        _ => {}
    }
    match (role.needs_site(), site_id) {
        (true, None) => {
            errors.add("site_id", RuleCode::Required);
        }
        (false, Some(_)) => {
            errors.add("site_id", RuleCode::NotForRole);
        }
        _ => {}
    }
}

async fn check_references(
    conn: &impl ConnectionTrait,
    supplier_id: Option<SupplierId>,
    site_id: Option<i64>,
    errors: &mut FieldErrors,
) -> AppResult<()> {
    if let Some(id) = supplier_id
        && supplier::Entity::find_by_id(id).one(conn).await?.is_none()
    {
        errors.add("supplier_id", RuleCode::NotFound);
    }
    if let Some(id) = site_id
        && site::Entity::find_by_id(id).one(conn).await?.is_none()
    {
        errors.add("site_id", RuleCode::NotFound);
    }
    Ok(())
}

/// The checks of a new user, every problem at once: its fields, the role's membership, the
/// supplier and site it names, its email not taken. Answers its role and mail language.
async fn check_new(
    conn: &impl ConnectionTrait,
    input: &NewUser,
) -> AppResult<(Role, Option<Locale>)> {
    let mut errors: FieldErrors = input.validate().err().map(Into::into).unwrap_or_default();
    // A name of spaces passes the length check but names no one.
    if input.display_name.trim().is_empty() {
        errors.add("display_name", RuleCode::Required);
    }
    let role = Role::parse(&input.role);
    match role {
        Some(r) => check_membership(r, input.supplier_id, input.site_id, &mut errors),
        None => {
            errors.add("role", RuleCode::UnknownRole);
        }
    }
    let locale = match input.locale.as_deref().filter(|s| !s.is_empty()) {
        Some(tag) => match Locale::from_tag(tag) {
            Some(l) => Some(l),
            None => {
                errors.add("locale", RuleCode::UnknownLocale);
                None
            }
        },
        None => None,
    };
    check_references(conn, input.supplier_id, input.site_id, &mut errors).await?;
    let email = input.email.trim().to_lowercase();
    if user::Entity::find()
        .filter(user::Column::Email.eq(&email))
        .count(conn)
        .await?
        > 0
    {
        errors.add("email", RuleCode::Taken);
    }
    errors.into_result()?;
    let role = role.ok_or_else(|| AppError::field("role", RuleCode::UnknownRole))?;
    Ok((role, locale))
}

/// Checks `input` on the read pool and, when it passes, hashes its password: the slow part of
/// adding a user, done before the write transaction opens (so SQLite's single write lock is
/// not held through it) and never for input that is refused anyway.
async fn checked_hash(state: &AppState, input: &NewUser) -> AppResult<String> {
    check_new(&state.db.read, input).await?;
    password::hash(input.password.clone()).await
}

/// The admin (`act.actor`) adds a user, who is sent a welcome email. `password_hash` is
/// `input.password` hashed ([`password::hash`]), which the caller does before it opens the
/// transaction. Joins the caller's transaction: it reads and writes through `txn` and commits
/// nothing.
pub async fn create(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    input: NewUser,
    password_hash: String,
) -> AppResult<UserView> {
    insert_user(
        txn,
        &act.actor.actor(),
        act.now,
        &act.base_url,
        input,
        password_hash,
    )
    .await
}

/// [`create`]'s work for any audit actor (the signed-in admin, or the command line).
async fn insert_user(
    txn: &DatabaseTransaction,
    actor: &Actor,
    now: DateTime<Utc>,
    base_url: &str,
    input: NewUser,
    password_hash: String,
) -> AppResult<UserView> {
    let (role, locale) = check_new(txn, &input).await?;
    let email = input.email.trim().to_lowercase();
    let model = user::ActiveModel {
        email: Set(email.clone()),
        password_hash: Set(password_hash),
        display_name: Set(input.display_name.trim().to_string()),
        role: Set(role.as_str().to_string()),
        supplier_id: Set(input.supplier_id),
        site_id: Set(input.site_id),
        locale: Set(locale.map(|l| l.tag().to_string())),
        active: Set(true),
        created_at: Set(now),
        last_login_at: Set(None),
        ..Default::default()
    }
    .insert(txn)
    .await
    .map_err(crate::error::taken_on("email"))?;
    let view = UserView::from(model);
    audit::record(
        txn,
        actor,
        now,
        Change::new("user.create", "user", view.id).after(&view),
    )
    .await?;
    let mail_locale = locale.unwrap_or_default();
    mail::enqueue(
        txn,
        Email {
            kind: "welcome",
            to: &view.email,
            locale: mail_locale,
            args: vec![
                ("name", view.display_name.clone()),
                ("email", view.email.clone()),
                ("role", mail_locale.t(&role.label_key())),
            ],
        },
        base_url,
        now,
    )
    .await?;
    Ok(view)
}

/// [`create`] on its own: the input is checked and the password hashed first, outside any
/// transaction; then a write transaction of its own, committed when it succeeds; then the mail
/// sender is woken for the welcome email.
pub async fn create_now(
    state: &AppState,
    admin: &CurrentUser,
    input: NewUser,
) -> AppResult<UserView> {
    let hash = checked_hash(state, &input).await?;
    let txn = state.db.begin_write().await?;
    let view = create(&txn, &Act::of(state, admin), input, hash).await?;
    txn.commit().await?;
    state.mail_wake.notify_one();
    Ok(view)
}

/// [`create_now`] for the command line, where no one is signed in: audited as the system
/// `actor`.
pub async fn create_as_system(
    state: &AppState,
    actor: &Actor,
    input: NewUser,
) -> AppResult<UserView> {
    let hash = checked_hash(state, &input).await?;
    let txn = state.db.begin_write().await?;
    let view = insert_user(
        &txn,
        actor,
        state.now(),
        &state.config.base_url(),
        input,
        hash,
    )
    .await?;
    txn.commit().await?;
    state.mail_wake.notify_one();
    Ok(view)
}

/// What an update is to make of a user, once checked: the user as found, and the role,
/// supplier and site it is to have.
struct CheckedUpdate {
    found: user::Model,
    role: Role,
    supplier_id: Option<SupplierId>,
    site_id: Option<i64>,
}

/// The checks of `actor_id`'s update of user `id`, every problem at once.
async fn check_update(
    conn: &impl ConnectionTrait,
    actor_id: i64,
    id: i64,
    input: &UserUpdate,
) -> AppResult<CheckedUpdate> {
    let found = user::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut errors = FieldErrors::new();
    let role = match input.role.as_deref() {
        Some(r) => Role::parse(r).unwrap_or_else(|| {
            errors.add("role", RuleCode::UnknownRole);
            Role::Admin
        }),
        None => Role::parse(&found.role).unwrap_or(Role::Admin),
    };
    let supplier_id = if input.role.is_some() || input.supplier_id.is_some() {
        input.supplier_id
    } else {
        found.supplier_id
    };
    let site_id = if input.role.is_some() || input.site_id.is_some() {
        input.site_id
    } else {
        found.site_id
    };
    check_membership(role, supplier_id, site_id, &mut errors);
    check_references(conn, supplier_id, site_id, &mut errors).await?;
    if let Some(name) = &input.display_name
        && (name.trim().is_empty() || name.chars().count() > 100)
    {
        errors.add("display_name", RuleCode::Required);
    }
    if let Some(p) = &input.password
        && !(8..=200).contains(&p.chars().count())
    {
        errors.add_with(
            "password",
            RuleCode::PasswordLength,
            &[("min", "8".into()), ("max", "200".into())],
        );
    }
    if id == actor_id
        && (input.active == Some(false) || (input.role.is_some() && role != Role::Admin))
    {
        errors.add("active", RuleCode::NotYourself);
    }
    errors.into_result()?;
    Ok(CheckedUpdate {
        found,
        role,
        supplier_id,
        site_id,
    })
}

/// The admin (`act.actor`) changes a user's name, role, membership, active flag or password.
/// `password_hash` is `input.password` hashed ([`password::hash`]) when it is given, which the
/// caller does before it opens the transaction. Joins the caller's transaction: it reads and
/// writes through `txn` and commits nothing.
pub async fn update(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    id: i64,
    input: UserUpdate,
    password_hash: Option<String>,
) -> AppResult<UserView> {
    let CheckedUpdate {
        found,
        role,
        supplier_id,
        site_id,
    } = check_update(txn, act.actor.id, id, &input).await?;
    if input.password.is_some() != password_hash.is_some() {
        return Err(AppError::Internal(
            "a new password comes with its hash".into(),
        ));
    }
    let now = act.now;
    let before = UserView::from(found.clone());
    let mut am: user::ActiveModel = found.into();
    if let Some(name) = input.display_name {
        am.display_name = Set(name.trim().to_string());
    }
    am.role = Set(role.as_str().to_string());
    am.supplier_id = Set(supplier_id);
    am.site_id = Set(site_id);
    if let Some(a) = input.active {
        am.active = Set(a);
    }
    // Whoever knew the old password, or held a session of a deactivated account, is signed
    // out everywhere.
    let ends_sessions = password_hash.is_some() || input.active == Some(false);
    if let Some(h) = password_hash {
        am.password_hash = Set(h);
    }
    let after = UserView::from(am.update(txn).await?);
    if ends_sessions {
        crate::auth::sessions::end_all(txn, id, now).await?;
    }
    audit::record(
        txn,
        &act.actor.actor(),
        now,
        Change::new("user.update", "user", id)
            .before(&before)
            .after(&after),
    )
    .await?;
    Ok(after)
}

/// [`update`] on its own: a new password is checked with the rest of the input and hashed
/// first, outside any transaction; then a write transaction of its own, committed when it
/// succeeds.
pub async fn update_now(
    state: &AppState,
    admin: &CurrentUser,
    id: i64,
    input: UserUpdate,
) -> AppResult<UserView> {
    let hash = match &input.password {
        Some(p) => {
            check_update(&state.db.read, admin.id, id, &input).await?;
            Some(password::hash(p.clone()).await?)
        }
        None => None,
    };
    let txn = state.db.begin_write().await?;
    let after = update(&txn, &Act::of(state, admin), id, input, hash).await?;
    txn.commit().await?;
    Ok(after)
}

/// The display names of the users `ids`, by id (a user not found is left out).
pub async fn display_names(
    conn: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i64>,
) -> AppResult<std::collections::HashMap<i64, String>> {
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect())
}

/// The active users with one of `roles` (e.g. the procurement office, to be emailed).
pub async fn active_with_roles(
    conn: &impl ConnectionTrait,
    roles: &[Role],
) -> AppResult<Vec<user::Model>> {
    let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    Ok(user::Entity::find()
        .filter(user::Column::Role.is_in(names))
        .filter(user::Column::Active.eq(true))
        .all(conn)
        .await?)
}

/// The active users of a supplier.
pub async fn active_of_supplier(
    conn: &impl ConnectionTrait,
    supplier_id: SupplierId,
) -> AppResult<Vec<user::Model>> {
    Ok(user::Entity::find()
        .filter(user::Column::SupplierId.eq(supplier_id))
        .filter(user::Column::Active.eq(true))
        .all(conn)
        .await?)
}

/// The active users of each of `supplier_ids` (in one read per 500 suppliers), by supplier;
/// a supplier without any is absent.
pub async fn active_of_suppliers(
    conn: &impl ConnectionTrait,
    supplier_ids: &[SupplierId],
) -> AppResult<std::collections::HashMap<SupplierId, Vec<user::Model>>> {
    let mut out: std::collections::HashMap<SupplierId, Vec<user::Model>> =
        std::collections::HashMap::new();
    for chunk in supplier_ids.chunks(500) {
        for u in user::Entity::find()
            .filter(user::Column::SupplierId.is_in(chunk.iter().copied()))
            .filter(user::Column::Active.eq(true))
            .order_by_asc(user::Column::Id)
            .all(conn)
            .await?
        {
            if let Some(s) = u.supplier_id {
                out.entry(s).or_default().push(u);
            }
        }
    }
    Ok(out)
}

/// An account unused this many days is dormant: still active, but nobody has signed in with it
/// for that long (or ever, since it was made that long ago). The admin deactivates it or keeps it.
pub const DORMANT_DAYS: i64 = 90;

/// Which users a list shows (`/admin/users`, `/api/users`); an empty field is no filter.
#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserFilter {
    /// `true`: only dormant accounts (active, no sign-in for [`DORMANT_DAYS`] days).
    pub dormant: Option<bool>,
}

/// The users `f` selects as of `now`, by email: the users list and the admin's home count.
pub async fn list_where(
    conn: &impl ConnectionTrait,
    f: &UserFilter,
    now: DateTime<Utc>,
) -> AppResult<Vec<UserView>> {
    let mut q = user::Entity::find();
    if f.dormant == Some(true) {
        let since = now - chrono::Duration::days(DORMANT_DAYS);
        q = q.filter(user::Column::Active.eq(true)).filter(
            Condition::any()
                .add(user::Column::LastLoginAt.lt(since))
                .add(
                    Condition::all()
                        .add(user::Column::LastLoginAt.is_null())
                        .add(user::Column::CreatedAt.lt(since)),
                ),
        );
    }
    Ok(q.order_by_asc(user::Column::Email)
        .all(conn)
        .await?
        .into_iter()
        .map(UserView::from)
        .collect())
}

pub async fn get(conn: &impl ConnectionTrait, id: i64) -> AppResult<UserView> {
    user::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(UserView::from)
        .ok_or(AppError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_supplier_user_needs_a_supplier_and_no_site() {
        let mut e = FieldErrors::new();
        check_membership(Role::Supplier, None, Some(1), &mut e);
        assert_eq!(e.0["supplier_id"].code, "required");
        assert_eq!(e.0["site_id"].code, "not_for_role");
        let mut ok = FieldErrors::new();
        check_membership(Role::Supplier, Some(SupplierId(3)), None, &mut ok);
        assert!(ok.is_empty());
    }

    #[test]
    fn site_roles_need_a_site_and_office_roles_need_neither() {
        let mut e = FieldErrors::new();
        check_membership(Role::SiteManager, None, None, &mut e);
        assert_eq!(e.0["site_id"].code, "required");
        let mut ok = FieldErrors::new();
        check_membership(Role::Finance, None, None, &mut ok);
        assert!(ok.is_empty());
    }
}
