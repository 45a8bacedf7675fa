//! Maintaining the materials master: procurement adds and edits materials and decides the
//! materials suppliers propose.

use crate::audit::{self, Change};
use crate::auth::{Act, CurrentUser};
use crate::error::RuleCode;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::state::AppState;
use entity::{Fixed, category, material, material_proposal, unit};
use rust_decimal::Decimal;
use sea_orm::ExprTrait;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, PaginatorTrait, QueryFilter,
};
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct MaterialInput {
    pub category_id: i64,
    pub name_zh: String,
    pub name_en: String,
    /// Specification or model as written on delivery notes, e.g. `HRB400E Φ12`.
    pub spec: String,
    pub unit_code: String,
    /// Reference unit price in yuan.
    #[schema(value_type = String)]
    pub indicative_price: Decimal,
}

fn text(errors: &mut FieldErrors, field: &str, v: &str, max: usize) {
    let n = v.trim().chars().count();
    if n == 0 {
        errors.add(field, RuleCode::Required);
    } else if n > max {
        errors.add_with(field, RuleCode::TooLong, &[("max", max.to_string())]);
    }
}

async fn check(
    conn: &impl ConnectionTrait,
    input: &MaterialInput,
    errors: &mut FieldErrors,
) -> AppResult<()> {
    text(errors, "name_zh", &input.name_zh, 100);
    text(errors, "name_en", &input.name_en, 100);
    text(errors, "spec", &input.spec, 100);
    if category::Entity::find_by_id(input.category_id)
        .one(conn)
        .await?
        .is_none()
    {
        errors.add("category_id", RuleCode::NotFound);
    }
    if unit::Entity::find_by_id(input.unit_code.clone())
        .one(conn)
        .await?
        .is_none()
    {
        errors.add("unit_code", RuleCode::NotFound);
    }
    if input.indicative_price < Decimal::ZERO {
        errors.add("indicative_price", RuleCode::PricePositive);
    }
    Ok(())
}

/// The same material twice (same name and specification) is refused.
async fn duplicate(
    conn: &impl ConnectionTrait,
    name_zh: &str,
    spec: &str,
    except: Option<i64>,
) -> AppResult<bool> {
    let mut sel = material::Entity::find()
        .filter(material::Column::NameZh.eq(name_zh.trim()))
        .filter(material::Column::Spec.eq(spec.trim()));
    if let Some(id) = except {
        sel = sel.filter(material::Column::Id.ne(id));
    }
    Ok(sel.count(conn).await? > 0)
}

async fn insert(
    txn: &DatabaseTransaction,
    input: &MaterialInput,
    price: Fixed<4>,
) -> AppResult<material::Model> {
    // Codes run M0001, M0002, …: the next after the number of materials, skipping taken ones.
    let mut n = material::Entity::find().count(txn).await? + 1;
    loop {
        let code = format!("M{n:04}");
        if material::Entity::find()
            .filter(material::Column::Code.eq(&code))
            .count(txn)
            .await?
            == 0
        {
            let m = material::ActiveModel {
                code: Set(code),
                category_id: Set(input.category_id),
                name_zh: Set(input.name_zh.trim().into()),
                name_en: Set(input.name_en.trim().into()),
                spec: Set(input.spec.trim().into()),
                unit_code: Set(input.unit_code.clone()),
                indicative_price: Set(price),
                active: Set(true),
                ..Default::default()
            }
            .insert(txn)
            .await
            .map_err(crate::error::taken_on("spec"))?;
            return Ok(m);
        }
        n += 1;
    }
}

/// Procurement (`act.actor`) adds a material to the master. Joins the caller's transaction: it
/// reads and writes through `txn` and commits nothing.
pub async fn create(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    input: MaterialInput,
) -> AppResult<material::Model> {
    let mut errors = FieldErrors::new();
    check(txn, &input, &mut errors).await?;
    if duplicate(txn, &input.name_zh, &input.spec, None).await? {
        errors.add("spec", RuleCode::MaterialExists);
    }
    let price = Fixed::<4>::new(input.indicative_price).unwrap_or_else(|| {
        errors.add("indicative_price", RuleCode::OutOfRange);
        Fixed::zero()
    });
    errors.into_result()?;
    let m = insert(txn, &input, price).await?;
    audit::record(
        txn,
        &act.actor.actor(),
        act.now,
        Change::new("material.create", "material", m.id).after(&m),
    )
    .await?;
    Ok(m)
}

/// [`create`] on its own: in a write transaction of its own, committed when it succeeds.
pub async fn create_now(
    state: &AppState,
    officer: &CurrentUser,
    input: MaterialInput,
) -> AppResult<material::Model> {
    let txn = state.db.begin_write().await?;
    let m = create(&txn, &Act::of(state, officer), input).await?;
    txn.commit().await?;
    Ok(m)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct MaterialUpdate {
    pub name_zh: Option<String>,
    pub name_en: Option<String>,
    pub spec: Option<String>,
    #[schema(value_type = Option<String>)]
    pub indicative_price: Option<Decimal>,
    /// False retires the material: it can no longer be listed.
    pub active: Option<bool>,
}

/// Procurement (`act.actor`) corrects or retires a material. Joins the caller's transaction:
/// it reads and writes through `txn` and commits nothing.
pub async fn update(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    id: i64,
    input: MaterialUpdate,
) -> AppResult<material::Model> {
    let m = material::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let merged = MaterialInput {
        category_id: m.category_id,
        name_zh: input.name_zh.clone().unwrap_or_else(|| m.name_zh.clone()),
        name_en: input.name_en.clone().unwrap_or_else(|| m.name_en.clone()),
        spec: input.spec.clone().unwrap_or_else(|| m.spec.clone()),
        unit_code: m.unit_code.clone(),
        indicative_price: input
            .indicative_price
            .unwrap_or_else(|| m.indicative_price.value()),
    };
    let mut errors = FieldErrors::new();
    check(txn, &merged, &mut errors).await?;
    if duplicate(txn, &merged.name_zh, &merged.spec, Some(id)).await? {
        errors.add("spec", RuleCode::MaterialExists);
    }
    let price = Fixed::<4>::new(merged.indicative_price).unwrap_or_else(|| {
        errors.add("indicative_price", RuleCode::OutOfRange);
        Fixed::zero()
    });
    errors.into_result()?;
    let before = m.clone();
    let mut am: material::ActiveModel = m.into();
    am.name_zh = Set(merged.name_zh.trim().into());
    am.name_en = Set(merged.name_en.trim().into());
    am.spec = Set(merged.spec.trim().into());
    am.indicative_price = Set(price);
    if let Some(a) = input.active {
        am.active = Set(a);
    }
    let after = am.update(txn).await?;
    crate::catalogue::store::refresh_search_text(txn, &after).await?;
    audit::record(
        txn,
        &act.actor.actor(),
        act.now,
        Change::new("material.update", "material", id)
            .before(&before)
            .after(&after),
    )
    .await?;
    Ok(after)
}

/// [`update`] on its own: in a write transaction of its own, committed when it succeeds.
pub async fn update_now(
    state: &AppState,
    officer: &CurrentUser,
    id: i64,
    input: MaterialUpdate,
) -> AppResult<material::Model> {
    let txn = state.db.begin_write().await?;
    let m = update(&txn, &Act::of(state, officer), id, input).await?;
    txn.commit().await?;
    Ok(m)
}

/// A supplier (`act.actor`) proposes a material the master lacks. Joins the caller's
/// transaction: it reads and writes through `txn` and commits nothing.
pub async fn propose(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    input: MaterialInput,
    note: &str,
) -> AppResult<material_proposal::Model> {
    let user = act.actor;
    let sid = user.own_supplier()?;
    let mut errors = FieldErrors::new();
    check(txn, &input, &mut errors).await?;
    if duplicate(txn, &input.name_zh, &input.spec, None).await? {
        errors.add("spec", RuleCode::MaterialExists);
    }
    errors.into_result()?;
    let now = act.now;
    let p = material_proposal::ActiveModel {
        supplier_id: Set(sid),
        category_id: Set(input.category_id),
        name_zh: Set(input.name_zh.trim().into()),
        name_en: Set(input.name_en.trim().into()),
        spec: Set(input.spec.trim().into()),
        unit_code: Set(input.unit_code.clone()),
        note: Set(note.trim().into()),
        status: Set("pending".into()),
        proposed_by: Set(user.id),
        proposed_at: Set(now),
        decided_by: Set(None),
        decided_at: Set(None),
        material_id: Set(None),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    audit::record(
        txn,
        &user.actor(),
        now,
        Change::new("material.propose", "material_proposal", p.id).after(&p),
    )
    .await?;
    Ok(p)
}

/// [`propose`] on its own: in a write transaction of its own, committed when it succeeds.
pub async fn propose_now(
    state: &AppState,
    user: &CurrentUser,
    input: MaterialInput,
    note: &str,
) -> AppResult<material_proposal::Model> {
    let txn = state.db.begin_write().await?;
    let p = propose(&txn, &Act::of(state, user), input, note).await?;
    txn.commit().await?;
    Ok(p)
}

/// Procurement (`act.actor`) approves (creating the material) or rejects a proposal, once.
/// Joins the caller's transaction: it reads and writes through `txn` and commits nothing.
pub async fn decide(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    id: i64,
    approve: bool,
) -> AppResult<material_proposal::Model> {
    use sea_orm::sea_query::Expr;
    let officer = act.actor;
    let now = act.now;
    let claimed = material_proposal::Entity::update_many()
        .col_expr(
            material_proposal::Column::Status,
            Expr::value(if approve { "approved" } else { "rejected" }),
        )
        .col_expr(
            material_proposal::Column::DecidedBy,
            Expr::value(Some(officer.id)),
        )
        .col_expr(material_proposal::Column::DecidedAt, Expr::value(Some(now)))
        .filter(material_proposal::Column::Id.eq(id))
        .filter(material_proposal::Column::Status.eq("pending"))
        .exec(txn)
        .await?;
    let p = material_proposal::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if claimed.rows_affected != 1 {
        return Err(AppError::Rule(RuleCode::ProposalDecided));
    }
    if approve {
        if duplicate(txn, &p.name_zh, &p.spec, None).await? {
            return Err(AppError::field("spec", RuleCode::MaterialExists));
        }
        let input = MaterialInput {
            category_id: p.category_id,
            name_zh: p.name_zh.clone(),
            name_en: p.name_en.clone(),
            spec: p.spec.clone(),
            unit_code: p.unit_code.clone(),
            indicative_price: Decimal::ZERO,
        };
        let m = insert(txn, &input, Fixed::zero()).await?;
        material_proposal::Entity::update_many()
            .col_expr(
                material_proposal::Column::MaterialId,
                Expr::value(Some(m.id)),
            )
            .filter(material_proposal::Column::Id.eq(id))
            .exec(txn)
            .await?;
        audit::record(
            txn,
            &officer.actor(),
            now,
            Change::new("material.create", "material", m.id).after(&m),
        )
        .await?;
    }
    audit::record(
        txn,
        &officer.actor(),
        now,
        Change::new(
            if approve {
                "material.proposal_approve"
            } else {
                "material.proposal_reject"
            },
            "material_proposal",
            id,
        ),
    )
    .await?;
    material_proposal::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)
}

/// [`decide`] on its own: in a write transaction of its own, committed when it succeeds.
pub async fn decide_now(
    state: &AppState,
    officer: &CurrentUser,
    id: i64,
    approve: bool,
) -> AppResult<material_proposal::Model> {
    let txn = state.db.begin_write().await?;
    let p = decide(&txn, &Act::of(state, officer), id, approve).await?;
    txn.commit().await?;
    Ok(p)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct CategoryInput {
    pub name_zh: String,
    pub name_en: String,
    /// The category this one sits under; none for a top-level category.
    pub parent_id: Option<i64>,
}

/// Procurement (`act.actor`) adds a category to the tree (codes C01, C02, …). Joins the
/// caller's transaction: it reads and writes through `txn` and commits nothing.
pub async fn create_category(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    input: CategoryInput,
) -> AppResult<category::Model> {
    let mut errors = FieldErrors::new();
    text(&mut errors, "name_zh", &input.name_zh, 50);
    text(&mut errors, "name_en", &input.name_en, 50);
    if let Some(p) = input.parent_id
        && category::Entity::find_by_id(p).one(txn).await?.is_none()
    {
        errors.add("parent_id", RuleCode::NotFound);
    }
    if category::Entity::find()
        .filter(category::Column::NameZh.eq(input.name_zh.trim()))
        .count(txn)
        .await?
        > 0
    {
        errors.add("name_zh", RuleCode::Taken);
    }
    errors.into_result()?;
    let mut n = category::Entity::find().count(txn).await? + 1;
    let c = loop {
        let code = format!("C{n:02}");
        if category::Entity::find()
            .filter(category::Column::Code.eq(&code))
            .count(txn)
            .await?
            == 0
        {
            break category::ActiveModel {
                code: Set(code),
                name_zh: Set(input.name_zh.trim().into()),
                name_en: Set(input.name_en.trim().into()),
                parent_id: Set(input.parent_id),
                ..Default::default()
            }
            .insert(txn)
            .await?;
        }
        n += 1;
    };
    audit::record(
        txn,
        &act.actor.actor(),
        act.now,
        Change::new("category.create", "category", c.id).after(&c),
    )
    .await?;
    Ok(c)
}

/// [`create_category`] on its own: in a write transaction of its own, committed when it
/// succeeds.
pub async fn create_category_now(
    state: &AppState,
    officer: &CurrentUser,
    input: CategoryInput,
) -> AppResult<category::Model> {
    let txn = state.db.begin_write().await?;
    let c = create_category(&txn, &Act::of(state, officer), input).await?;
    txn.commit().await?;
    Ok(c)
}

/// The decimals the material's unit allows.
pub async fn unit_decimals(conn: &impl ConnectionTrait, material_id: i64) -> AppResult<u32> {
    let m = material::Entity::find_by_id(material_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let u = unit::Entity::find_by_id(m.unit_code.clone())
        .one(conn)
        .await?;
    Ok(decimals_of(u.map(|u| u.decimals)))
}

/// The decimals a unit's row allows (at most 3; 3 for a unit not found).
pub fn decimals_of(unit_decimals: Option<i32>) -> u32 {
    unit_decimals.map_or(3, |d| d.clamp(0, 3) as u32)
}

/// The decimals of the unit of the material `material_id` names (a column of the row it is
/// selected beside), as a scalar subquery: [`unit_decimals`] read with that row (through
/// [`decimals_of`]).
pub fn unit_decimals_expr(material_id: sea_orm::sea_query::Expr) -> sea_orm::sea_query::Expr {
    use sea_orm::sea_query::{Expr, Query};
    Expr::from(
        Query::select()
            .column((unit::Entity, unit::Column::Decimals))
            .from(material::Entity)
            .inner_join(
                unit::Entity,
                Expr::col((unit::Entity, unit::Column::Code))
                    .equals((material::Entity, material::Column::UnitCode)),
            )
            .and_where(Expr::col((material::Entity, material::Column::Id)).eq(material_id))
            .to_owned(),
    )
}
