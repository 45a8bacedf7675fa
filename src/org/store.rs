//! Sites and warehouses in the database.

use crate::audit::{self, Change};
use crate::auth::{Act, CurrentUser};
use crate::error::RuleCode;
use crate::error::{AppResult, FieldErrors};
use crate::state::AppState;
use entity::{site, warehouse};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

#[derive(Debug, Clone, Deserialize, Validate, ToSchema, Default)]
pub struct NewSite {
    /// Short unique code, letters, digits and dashes.
    #[validate(
        length(min = 2, max = 20, code = "code_length"),
        custom(function = "crate::org::store::code_chars")
    )]
    pub code: String,
    #[validate(length(min = 1, max = 100, code = "required"))]
    pub name_zh: String,
    #[validate(length(min = 1, max = 100, code = "required"))]
    pub name_en: String,
    #[validate(length(max = 200, code = "too_long"))]
    #[serde(default)]
    pub address: String,
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema, Default)]
pub struct NewWarehouse {
    #[validate(
        length(min = 2, max = 20, code = "code_length"),
        custom(function = "crate::org::store::code_chars")
    )]
    pub code: String,
    #[validate(length(min = 1, max = 100, code = "required"))]
    pub name_zh: String,
    #[validate(length(min = 1, max = 100, code = "required"))]
    pub name_en: String,
    /// The site the warehouse stands on, if any.
    pub site_id: Option<i64>,
    #[validate(length(max = 200, code = "too_long"))]
    #[serde(default)]
    pub address: String,
}

pub fn code_chars(code: &str) -> Result<(), validator::ValidationError> {
    if code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        Ok(())
    } else {
        Err(validator::ValidationError::new("code_chars"))
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SiteView {
    pub id: i64,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub address: String,
    pub active: bool,
}

impl From<site::Model> for SiteView {
    fn from(s: site::Model) -> Self {
        Self {
            id: s.id,
            code: s.code,
            name_zh: s.name_zh,
            name_en: s.name_en,
            address: s.address,
            active: s.active,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WarehouseView {
    pub id: i64,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub site_id: Option<i64>,
    pub address: String,
    pub active: bool,
}

impl From<warehouse::Model> for WarehouseView {
    fn from(w: warehouse::Model) -> Self {
        Self {
            id: w.id,
            code: w.code,
            name_zh: w.name_zh,
            name_en: w.name_en,
            site_id: w.site_id,
            address: w.address,
            active: w.active,
        }
    }
}

pub async fn sites(conn: &impl ConnectionTrait) -> AppResult<Vec<SiteView>> {
    Ok(site::Entity::find()
        .order_by_asc(site::Column::Code)
        .all(conn)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

pub async fn warehouses(conn: &impl ConnectionTrait) -> AppResult<Vec<WarehouseView>> {
    Ok(warehouse::Entity::find()
        .order_by_asc(warehouse::Column::Code)
        .all(conn)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// The admin (`act.actor`) adds a construction site. Joins the caller's transaction: it reads
/// and writes through `txn` and commits nothing.
pub async fn create_site(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    input: NewSite,
) -> AppResult<SiteView> {
    let mut errors: FieldErrors = input.validate().err().map(Into::into).unwrap_or_default();
    let code = input.code.trim().to_uppercase();
    if site::Entity::find()
        .filter(site::Column::Code.eq(&code))
        .count(txn)
        .await?
        > 0
    {
        errors.add("code", RuleCode::Taken);
    }
    errors.into_result()?;
    let now = act.now;
    let s: SiteView = site::ActiveModel {
        code: Set(code),
        name_zh: Set(input.name_zh.trim().into()),
        name_en: Set(input.name_en.trim().into()),
        address: Set(input.address.trim().into()),
        active: Set(true),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await
    .map_err(crate::error::taken_on("code"))?
    .into();
    audit::record(
        txn,
        &act.actor.actor(),
        now,
        Change::new("site.create", "site", s.id).after(&s),
    )
    .await?;
    Ok(s)
}

/// [`create_site`] on its own: in a write transaction of its own, committed when it succeeds.
pub async fn create_site_now(
    state: &AppState,
    admin: &CurrentUser,
    input: NewSite,
) -> AppResult<SiteView> {
    let txn = state.db.begin_write().await?;
    let s = create_site(&txn, &Act::of(state, admin), input).await?;
    txn.commit().await?;
    Ok(s)
}

/// The admin (`act.actor`) adds a warehouse. Joins the caller's transaction: it reads and
/// writes through `txn` and commits nothing.
pub async fn create_warehouse(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    input: NewWarehouse,
) -> AppResult<WarehouseView> {
    let mut errors: FieldErrors = input.validate().err().map(Into::into).unwrap_or_default();
    let code = input.code.trim().to_uppercase();
    if warehouse::Entity::find()
        .filter(warehouse::Column::Code.eq(&code))
        .count(txn)
        .await?
        > 0
    {
        errors.add("code", RuleCode::Taken);
    }
    if let Some(id) = input.site_id
        && site::Entity::find_by_id(id).one(txn).await?.is_none()
    {
        errors.add("site_id", RuleCode::NotFound);
    }
    errors.into_result()?;
    let now = act.now;
    let w: WarehouseView = warehouse::ActiveModel {
        code: Set(code),
        name_zh: Set(input.name_zh.trim().into()),
        name_en: Set(input.name_en.trim().into()),
        site_id: Set(input.site_id),
        address: Set(input.address.trim().into()),
        active: Set(true),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await
    .map_err(crate::error::taken_on("code"))?
    .into();
    audit::record(
        txn,
        &act.actor.actor(),
        now,
        Change::new("warehouse.create", "warehouse", w.id).after(&w),
    )
    .await?;
    Ok(w)
}

/// [`create_warehouse`] on its own: in a write transaction of its own, committed when it
/// succeeds.
pub async fn create_warehouse_now(
    state: &AppState,
    admin: &CurrentUser,
    input: NewWarehouse,
) -> AppResult<WarehouseView> {
    let txn = state.db.begin_write().await?;
    let w = create_warehouse(&txn, &Act::of(state, admin), input).await?;
    txn.commit().await?;
    Ok(w)
}
