//! Plan-price persistence: setting a price (a new row each time, with its audit entry), the
//! price in force for an issue, a year's prices with their history, and the month's
//! price-difference table read from the issue movements.

use super::rules::{self, Issue, Sums, Table};
use crate::audit::{self, Change};
use crate::auth::{Act, CurrentUser};
use crate::error::RuleCode;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::i18n::Locale;
use crate::money::stored::Price;
use crate::settlement::rules::Period;
use crate::state::AppState;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use entity::{category, listing, material, movement, plan_price, unit};
use rust_decimal::Decimal;
use sea_orm::ExprTrait;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use utoipa::ToSchema;

/// The longest note a plan price takes.
pub const NOTE_MAX: usize = 500;

/// The plan price of `material_id` in force on `day`: the newest set for the day's year.
pub async fn in_force(
    conn: &impl ConnectionTrait,
    material_id: i64,
    day: NaiveDate,
) -> AppResult<Option<Price>> {
    let q = sea_orm::sea_query::Query::select()
        .expr_as(
            in_force_expr(sea_orm::sea_query::Expr::val(material_id), day),
            "unit_price",
        )
        .to_owned();
    match conn.query_one(&q).await? {
        Some(row) => Ok(row.try_get("", "unit_price")?),
        None => Ok(None),
    }
}

/// [`in_force`] of the material `material_id` names (a value, or a column of the row it is
/// selected beside) as a scalar subquery, so that it is read with that row.
pub fn in_force_expr(
    material_id: sea_orm::sea_query::Expr,
    day: NaiveDate,
) -> sea_orm::sea_query::Expr {
    use sea_orm::sea_query::{Expr, Order, Query};
    sea_orm::sea_query::Expr::from(
        Query::select()
            .column((plan_price::Entity, plan_price::Column::UnitPrice))
            .from(plan_price::Entity)
            .and_where(
                Expr::col((plan_price::Entity, plan_price::Column::MaterialId)).eq(material_id),
            )
            .and_where(Expr::col((plan_price::Entity, plan_price::Column::Year)).eq(day.year()))
            .order_by((plan_price::Entity, plan_price::Column::Id), Order::Desc)
            .limit(1)
            .to_owned(),
    )
}

/// A plan price to set.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct PlanPriceInput {
    pub material_id: Option<i64>,
    /// 2000–2100.
    pub year: Option<i64>,
    /// Yuan per unit of the material incl. VAT, above zero, at most four decimal places.
    #[schema(value_type = Option<String>, example = "3800.00")]
    pub unit_price: Option<Decimal>,
    #[serde(default)]
    pub note: String,
}

/// Procurement (`act.actor`) sets the plan price of a material for a year: a new row, which
/// governs from now on; the earlier rows stay as the history. `errors` holds what the caller
/// already found wrong (a form's unreadable fields). Joins the caller's transaction.
pub async fn set(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    input: PlanPriceInput,
    mut errors: FieldErrors,
) -> AppResult<plan_price::Model> {
    let material = match input.material_id {
        None => {
            errors.add("material_id", RuleCode::Required);
            None
        }
        Some(id) => {
            let m = material::Entity::find_by_id(id).one(txn).await?;
            if m.is_none() {
                errors.add("material_id", RuleCode::NotFound);
            }
            m
        }
    };
    let year = match input.year.map(rules::plan_year) {
        None => {
            errors.add("year", RuleCode::Required);
            None
        }
        Some(Err(code)) => {
            errors.add("year", code);
            None
        }
        Some(Ok(y)) => Some(y),
    };
    let price = match input.unit_price.map(rules::plan_unit_price) {
        None => {
            errors.add("unit_price", RuleCode::Required);
            None
        }
        Some(Err(code)) => {
            errors.add("unit_price", code);
            None
        }
        Some(Ok(p)) => Some(p),
    };
    let note = input.note.trim();
    if note.chars().count() > NOTE_MAX {
        errors.add_with("note", RuleCode::TooLong, &[("max", NOTE_MAX.to_string())]);
    }
    errors.into_result()?;
    let (Some(material), Some(year), Some(price)) = (material, year, price) else {
        return Err(AppError::field("material_id", RuleCode::Required));
    };
    let before = plan_price::Entity::find()
        .filter(plan_price::Column::MaterialId.eq(material.id))
        .filter(plan_price::Column::Year.eq(year))
        .order_by_desc(plan_price::Column::Id)
        .one(txn)
        .await?;
    let p = plan_price::ActiveModel {
        material_id: Set(material.id),
        year: Set(year),
        unit_price: Set(price.fixed()),
        note: Set(note.into()),
        set_by: Set(act.actor.id),
        set_at: Set(act.now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let mut change = Change::new("plan_price.set", "plan_price", p.id).after(&p);
    if let Some(b) = &before {
        change = change.before(b);
    }
    audit::record(txn, &act.actor.actor(), act.now, change).await?;
    Ok(p)
}

/// [`set`] in a write transaction of its own, committed when it succeeds.
pub async fn set_now(
    state: &AppState,
    user: &CurrentUser,
    input: PlanPriceInput,
    errors: FieldErrors,
) -> AppResult<plan_price::Model> {
    let txn = state.db.begin_write().await?;
    let p = set(&txn, &Act::of(state, user), input, errors).await?;
    txn.commit().await?;
    Ok(p)
}

// ----- Views -----

/// A material as the plan prices and the table name it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanMaterial {
    pub id: i64,
    pub code: String,
    /// The name in the caller's language.
    pub name: String,
    pub spec: String,
    pub unit_code: String,
    /// The unit's name in the caller's language.
    pub unit: String,
}

/// A category as the table names it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanCategory {
    pub id: i64,
    pub code: String,
    pub name: String,
}

/// Names of materials, categories, units and users, looked up once.
struct Names {
    materials: HashMap<i64, material::Model>,
    categories: HashMap<i64, category::Model>,
    units: HashMap<String, unit::Model>,
    users: HashMap<i64, String>,
    locale: Locale,
}

impl Names {
    async fn load(
        conn: &impl ConnectionTrait,
        material_ids: impl IntoIterator<Item = i64>,
        user_ids: impl IntoIterator<Item = i64>,
        locale: Locale,
    ) -> AppResult<Self> {
        let ids: Vec<i64> = material_ids
            .into_iter()
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let mut materials = HashMap::new();
        for chunk in ids.chunks(500) {
            for m in material::Entity::find()
                .filter(material::Column::Id.is_in(chunk.to_vec()))
                .all(conn)
                .await?
            {
                materials.insert(m.id, m);
            }
        }
        let users: Vec<i64> = user_ids
            .into_iter()
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        Ok(Names {
            materials,
            categories: category::Entity::find()
                .all(conn)
                .await?
                .into_iter()
                .map(|c| (c.id, c))
                .collect(),
            units: unit::Entity::find()
                .all(conn)
                .await?
                .into_iter()
                .map(|u| (u.code.clone(), u))
                .collect(),
            users: crate::users::store::display_names(conn, users).await?,
            locale,
        })
    }

    fn material(&self, id: i64) -> PlanMaterial {
        match self.materials.get(&id) {
            Some(m) => PlanMaterial {
                id,
                code: m.code.clone(),
                name: self.locale.pick(&m.name_zh, &m.name_en).to_string(),
                spec: m.spec.clone(),
                unit_code: m.unit_code.clone(),
                unit: self
                    .units
                    .get(&m.unit_code)
                    .map(|u| self.locale.pick(&u.name_zh, &u.name_en).to_string())
                    .unwrap_or_else(|| m.unit_code.clone()),
            },
            None => PlanMaterial {
                id,
                code: String::new(),
                name: String::new(),
                spec: String::new(),
                unit_code: String::new(),
                unit: String::new(),
            },
        }
    }

    fn category(&self, id: i64) -> PlanCategory {
        match self.categories.get(&id) {
            Some(c) => PlanCategory {
                id,
                code: c.code.clone(),
                name: self.locale.pick(&c.name_zh, &c.name_en).to_string(),
            },
            None => PlanCategory {
                id,
                code: String::new(),
                name: String::new(),
            },
        }
    }

    fn category_code(&self, material_id: i64) -> (String, String) {
        let m = self.materials.get(&material_id);
        let c = m.and_then(|m| self.categories.get(&m.category_id));
        (
            c.map(|c| c.code.clone()).unwrap_or_default(),
            m.map(|m| m.code.clone()).unwrap_or_default(),
        )
    }
}

/// One setting of a plan price.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanPriceEntry {
    pub id: i64,
    pub material_id: i64,
    pub year: i32,
    #[schema(value_type = String, example = "3800.0000")]
    pub unit_price: Decimal,
    pub note: String,
    pub set_by: String,
    pub set_at: DateTime<Utc>,
}

/// A material's plan price for a year: the one in force and every earlier setting.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanPriceView {
    pub material: PlanMaterial,
    /// The newest setting: the price in force.
    pub current: PlanPriceEntry,
    /// Earlier settings, newest first.
    pub history: Vec<PlanPriceEntry>,
}

/// A year's plan prices.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanPriceYear {
    pub year: i32,
    pub prices: Vec<PlanPriceView>,
}

fn entry(names: &Names, p: plan_price::Model) -> PlanPriceEntry {
    PlanPriceEntry {
        id: p.id,
        material_id: p.material_id,
        year: p.year,
        unit_price: p.unit_price.value(),
        note: p.note,
        set_by: names.users.get(&p.set_by).cloned().unwrap_or_default(),
        set_at: p.set_at,
    }
}

/// One setting, as the API answers it.
pub async fn entry_view(
    conn: &impl ConnectionTrait,
    p: plan_price::Model,
    locale: Locale,
) -> AppResult<PlanPriceEntry> {
    let names = Names::load(conn, [], [p.set_by], locale).await?;
    Ok(entry(&names, p))
}

/// The plan prices of `year`, by material code, each with its history.
pub async fn year_view(
    conn: &impl ConnectionTrait,
    year: i32,
    locale: Locale,
) -> AppResult<PlanPriceYear> {
    let rows = plan_price::Entity::find()
        .filter(plan_price::Column::Year.eq(year))
        .order_by_asc(plan_price::Column::MaterialId)
        .order_by_desc(plan_price::Column::Id)
        .all(conn)
        .await?;
    let names = Names::load(
        conn,
        rows.iter().map(|p| p.material_id),
        rows.iter().map(|p| p.set_by),
        locale,
    )
    .await?;
    let mut prices: Vec<PlanPriceView> = Vec::new();
    for p in rows {
        let e = entry(&names, p);
        match prices.last_mut() {
            Some(v) if v.material.id == e.material_id => v.history.push(e),
            _ => prices.push(PlanPriceView {
                material: names.material(e.material_id),
                current: e,
                history: Vec::new(),
            }),
        }
    }
    prices.sort_by(|a, b| a.material.code.cmp(&b.material.code));
    Ok(PlanPriceYear { year, prices })
}

/// Active materials (code, label) for the form's list.
pub async fn materials(
    conn: &impl ConnectionTrait,
    locale: Locale,
) -> AppResult<Vec<(String, String)>> {
    Ok(material::Entity::find()
        .filter(material::Column::Active.eq(true))
        .order_by_asc(material::Column::Code)
        .all(conn)
        .await?
        .into_iter()
        .map(|m| {
            let label = format!("{} {}", locale.pick(&m.name_zh, &m.name_en), m.spec);
            (m.code, label)
        })
        .collect())
}

// ----- The price-difference table -----

/// The month the table covers: a settlement period (named by the month it ends in, the books
/// closing on the cut-off day), its first and last day.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct MonthInfo {
    #[schema(value_type = String, example = "2027-01")]
    pub month: Period,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
}

/// The asked month, or the current one when none is asked (an empty field included); a
/// malformed one is a field error on `month`.
pub async fn month_info(state: &AppState, asked: Option<&str>) -> AppResult<MonthInfo> {
    let cutoff = crate::settings::cutoff_day(&state.db.read).await?;
    let month = match asked.map(str::trim).filter(|s| !s.is_empty()) {
        None => Period::containing(state.today(), cutoff),
        Some(s) => Period::parse(s).ok_or_else(|| AppError::field("month", RuleCode::Month))?,
    };
    Ok(MonthInfo {
        month,
        first_day: month.first_day(cutoff),
        last_day: month.last_day(cutoff),
    })
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SumsView {
    #[schema(value_type = String, example = "9028.54")]
    pub actual_amount: Decimal,
    #[schema(value_type = String, example = "8911.00")]
    pub plan_amount: Decimal,
    /// Actual − plan.
    #[schema(value_type = String, example = "117.54")]
    pub difference: Decimal,
}

impl From<Sums> for SumsView {
    fn from(s: Sums) -> Self {
        SumsView {
            actual_amount: s.actual,
            plan_amount: s.plan,
            difference: s.difference,
        }
    }
}

/// A material's issues of the month with a plan price.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DifferenceLine {
    pub material: PlanMaterial,
    #[schema(value_type = String, example = "2.345")]
    pub quantity: Decimal,
    #[serde(flatten)]
    pub sums: SumsView,
    /// How many issue movements the line sums.
    pub issues: usize,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CategoryDifferences {
    pub category: PlanCategory,
    pub lines: Vec<DifferenceLine>,
    pub subtotal: SumsView,
}

/// A material's issues of the month that had no plan price in force.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnplannedLine {
    pub category: PlanCategory,
    pub material: PlanMaterial,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    #[schema(value_type = String)]
    pub actual_amount: Decimal,
    pub issues: usize,
}

/// The monthly price-difference table (材料差价汇总表).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PriceDifferences {
    #[serde(flatten)]
    pub month: MonthInfo,
    pub categories: Vec<CategoryDifferences>,
    pub total: SumsView,
    /// Issues without a plan price, by material: not in the table or its totals.
    pub unplanned: Vec<UnplannedLine>,
    pub unplanned_issues: usize,
    #[schema(value_type = String)]
    pub unplanned_actual_amount: Decimal,
}

/// The month's issue movements, each with its material.
async fn issues_of(
    conn: &impl ConnectionTrait,
    month: &MonthInfo,
) -> AppResult<Vec<(i64, movement::Model)>> {
    let moves = movement::Entity::find()
        .filter(movement::Column::Kind.eq("issue"))
        .filter(movement::Column::OnDate.gte(month.first_day))
        .filter(movement::Column::OnDate.lte(month.last_day))
        .order_by_asc(movement::Column::Id)
        .all(conn)
        .await?;
    let listing_ids: Vec<i64> = moves
        .iter()
        .map(|m| m.listing_id.0)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut material_of = HashMap::new();
    for chunk in listing_ids.chunks(500) {
        for l in listing::Entity::find()
            .filter(listing::Column::Id.is_in(chunk.to_vec()))
            .all(conn)
            .await?
        {
            material_of.insert(l.id.0, l.material_id);
        }
    }
    Ok(moves
        .into_iter()
        .filter_map(|m| material_of.get(&m.listing_id.0).map(|&id| (id, m)))
        .collect())
}

/// The price-difference table of `month`: by category (code order), then material (code
/// order), from the issue movements of the month's days.
pub async fn price_differences(
    conn: &impl ConnectionTrait,
    month: MonthInfo,
    locale: Locale,
) -> AppResult<PriceDifferences> {
    let issues = issues_of(conn, &month).await?;
    let names = Names::load(conn, issues.iter().map(|(id, _)| *id), [], locale).await?;
    let mut rows: Vec<(String, String, Issue)> = issues
        .into_iter()
        .map(|(material_id, m)| {
            let (cat_code, mat_code) = names.category_code(material_id);
            let category_id = names
                .materials
                .get(&material_id)
                .map_or(0, |x| x.category_id);
            (
                cat_code,
                mat_code,
                Issue {
                    category_id,
                    material_id,
                    quantity: -m.quantity.value(),
                    actual: -m.amount.value(),
                    plan_unit_price: m.plan_unit_price.map(|p| p.value()),
                },
            )
        })
        .collect();
    // Stable: a material's issues keep the ledger's order.
    rows.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    let issues: Vec<Issue> = rows.into_iter().map(|(_, _, i)| i).collect();
    let t: Table = rules::price_differences(&issues).map_err(|e| AppError::Rule(e.code()))?;
    Ok(PriceDifferences {
        month,
        categories: t
            .groups
            .into_iter()
            .map(|g| CategoryDifferences {
                category: names.category(g.category_id),
                lines: g
                    .lines
                    .into_iter()
                    .map(|l| DifferenceLine {
                        material: names.material(l.material_id),
                        quantity: l.quantity,
                        sums: l.sums.into(),
                        issues: l.issues,
                    })
                    .collect(),
                subtotal: g.subtotal.into(),
            })
            .collect(),
        total: t.total.into(),
        unplanned: t
            .unplanned
            .into_iter()
            .map(|u| UnplannedLine {
                category: names.category(u.category_id),
                material: names.material(u.material_id),
                quantity: u.quantity,
                actual_amount: u.actual,
                issues: u.issues,
            })
            .collect(),
        unplanned_issues: t.unplanned_issues,
        unplanned_actual_amount: t.unplanned_actual,
    })
}
