//! Procurement persistence: monthly plans and their lines, approval with routing, quotes and
//! the choice, the contract ledger with its sign-offs, and adopting a contract price as a
//! listing price.
//!
//! Every change joins the caller's transaction and writes its audit record and mail there (the
//! `_now` wrappers open and commit one of their own for the handlers). Where two people may act
//! on the same record at once, the change is conditional on the state it was checked in
//! (`UPDATE … WHERE status = …`), and unique keys hold the rest: one plan per month, one
//! quote per supplier and line, one contract per line, one sign-off per level and round.

use super::rules::{
    self, ChoiceError, ContractStatus, Level, PlanAction, PlanMonth, PlanStatus, PlanType,
    QuoteOffer, Route, Thresholds,
};
use crate::audit::{self, Change};
use crate::auth::{Act, CurrentUser, Role};
use crate::error::RuleCode;
use crate::error::{AppError, AppResult, FieldErrors, taken_on};
use crate::money::{Money, Quantity, UnitPlaces, UnitPrice, ValueError};
use crate::state::AppState;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use entity::{
    Fixed, contract, contract_item, contract_signoff, listing, material, plan, plan_line,
    price_change, quote, site, supplier,
};
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder,
};
use serde::Deserialize;
use utoipa::ToSchema;

mod contracts;
mod quotes;
mod views;
pub use contracts::*;
pub use quotes::*;
pub use views::*;

/// Longest free text kept (notes, reasons).
const TEXT_MAX: usize = 1000;

fn too_long(errors: &mut FieldErrors, field: &str, v: &str) {
    if v.chars().count() > TEXT_MAX {
        errors.add_with(field, RuleCode::TooLong, &[("max", TEXT_MAX.to_string())]);
    }
}

/// A unit price as entered: above zero (`price_positive`), at most four places, not too large.
fn price(field: &str, v: Decimal, errors: &mut FieldErrors) -> Option<UnitPrice> {
    match UnitPrice::parse(v) {
        Ok(p) => Some(p),
        Err(ValueError::NotPositive) => {
            errors.add(field, RuleCode::PricePositive);
            None
        }
        Err(e) => {
            e.add_to(errors, field);
            None
        }
    }
}

/// A quantity as entered, in the material's unit.
async fn quantity(
    conn: &impl ConnectionTrait,
    material_id: i64,
    field: &str,
    v: Decimal,
    errors: &mut FieldErrors,
) -> AppResult<Option<Quantity>> {
    let places = UnitPlaces::new(crate::materials::store::unit_decimals(conn, material_id).await?);
    Ok(match Quantity::parse(v, places) {
        Ok(q) => Some(q),
        Err(e) => {
            Quantity::add_error(errors, field, e, places);
            None
        }
    })
}

/// The thresholds as set now.
pub async fn thresholds(conn: &impl ConnectionTrait) -> AppResult<Thresholds> {
    Ok(Thresholds {
        tender: crate::settings::tender_threshold(conn).await?,
        contract: crate::settings::contract_threshold(conn).await?,
    })
}

// ----- Who sees which plan lines -----

/// Which plan lines `user` may read: its own site's for a site's people (a site manager), all
/// (`None`) for the others a handler lets read plans (`ReadPlans`: the office and audit).
pub fn plan_scope(user: &CurrentUser) -> AppResult<Option<i64>> {
    if user.role.needs_site() {
        return user.site_id.map(Some).ok_or(AppError::Forbidden);
    }
    Ok(None)
}

// ----- Plans -----

pub async fn list_plans(
    conn: &impl ConnectionTrait,
    user: &CurrentUser,
) -> AppResult<Vec<plan::Model>> {
    list_plans_in(conn, user, None).await
}

/// The plans [`list_plans`] lists, only those in `status` when one is given (`/plans?status=
/// submitted` is what waits for the head; its home page counts them).
pub async fn list_plans_in(
    conn: &impl ConnectionTrait,
    user: &CurrentUser,
    status: Option<&str>,
) -> AppResult<Vec<plan::Model>> {
    plan_scope(user)?;
    let mut q = plan::Entity::find();
    if let Some(s) = status.filter(|s| !s.is_empty()) {
        q = q.filter(plan::Column::Status.eq(s));
    }
    Ok(q.order_by_desc(plan::Column::Month).all(conn).await?)
}

/// Which plan lines a list shows (`/plan-lines`, `/api/plan-lines`); an empty field is no
/// filter.
#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LineFilter {
    /// `planned`, `routed`, `choice_pending`, `ordered` or `contracted`.
    pub status: Option<String>,
    /// `requisition`, `tender`, `quotes_and_contract` or `quotes`.
    pub route: Option<String>,
    /// `true`: only approved lines routed to quotes that still wait for quotes and a choice
    /// (what the procurement office has to handle; its home page counts them).
    pub open: Option<bool>,
}

/// The plan lines `user` may read that `f` selects, the soonest needed first: the plan-lines
/// list and the officer's home count.
pub async fn list_lines(
    conn: &impl ConnectionTrait,
    user: &CurrentUser,
    f: &LineFilter,
) -> AppResult<Vec<plan_line::Model>> {
    let mut q = plan_line::Entity::find();
    if let Some(site) = plan_scope(user)? {
        q = q.filter(plan_line::Column::SiteId.eq(site));
    }
    if let Some(s) = f.status.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(plan_line::Column::Status.eq(s));
    }
    if let Some(r) = f.route.as_deref().filter(|r| !r.is_empty()) {
        q = q.filter(plan_line::Column::Route.eq(r));
    }
    if f.open == Some(true) {
        let quoted: Vec<&str> = Route::ALL
            .into_iter()
            .filter(|r| r.takes_quotes())
            .map(Route::as_str)
            .collect();
        q = q
            .filter(plan_line::Column::Status.eq("routed"))
            .filter(plan_line::Column::Route.is_in(quoted))
            .filter(plan_line::Column::ChosenQuoteId.is_null());
    }
    Ok(q.order_by_asc(plan_line::Column::NeedBy)
        .order_by_asc(plan_line::Column::Id)
        .all(conn)
        .await?)
}

/// A plan with the lines `user` may read.
pub async fn get_plan(
    conn: &impl ConnectionTrait,
    user: &CurrentUser,
    id: i64,
) -> AppResult<(plan::Model, Vec<plan_line::Model>)> {
    let scope = plan_scope(user)?;
    let p = plan::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut q = plan_line::Entity::find().filter(plan_line::Column::PlanId.eq(id));
    if let Some(site) = scope {
        q = q.filter(plan_line::Column::SiteId.eq(site));
    }
    let lines = q
        .order_by_asc(plan_line::Column::SiteId)
        .order_by_asc(plan_line::Column::NeedBy)
        .order_by_asc(plan_line::Column::Id)
        .all(conn)
        .await?;
    Ok((p, lines))
}

fn plan_status(p: &plan::Model) -> AppResult<PlanStatus> {
    PlanStatus::parse(&p.status).ok_or(AppError::Rule(RuleCode::PlanState))
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewPlan {
    /// The month the plan is for, "YYYY-MM": this month or a later one.
    pub month: String,
}

/// `act.actor` (a site or the procurement office) opens the plan of a month. One plan per
/// month. Joins the caller's transaction: it reads and writes through `txn` and commits
/// nothing.
pub async fn open_plan(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    input: NewPlan,
) -> AppResult<plan::Model> {
    let user = act.actor;
    let month =
        PlanMonth::parse(&input.month).ok_or_else(|| AppError::field("month", RuleCode::Month))?;
    let today = act.today;
    if month < PlanMonth::of(today) {
        return Err(AppError::field("month", RuleCode::PlanMonthPast));
    }
    let cutoff = crate::settings::cutoff_day(txn).await?;
    let now = act.now;
    let p = plan::ActiveModel {
        month: Set(month.to_string()),
        status: Set(PlanStatus::Draft.as_str().into()),
        due_on: Set(month.due_on(cutoff)),
        created_by: Set(user.id),
        created_at: Set(now),
        submitted_by: Set(None),
        submitted_at: Set(None),
        decided_by: Set(None),
        decided_at: Set(None),
        return_reason: Set(String::new()),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await
    .map_err(taken_on("month"))?;
    audit::record(
        txn,
        &user.actor(),
        now,
        Change::new("plan.create", "plan", p.id).after(&p),
    )
    .await?;
    Ok(p)
}

/// [`open_plan`] on its own: in a write transaction of its own, committed when it succeeds.
pub async fn open_plan_now(
    state: &AppState,
    user: &CurrentUser,
    input: NewPlan,
) -> AppResult<plan::Model> {
    let txn = state.db.begin_write().await?;
    let p = open_plan(&txn, &Act::of(state, user), input).await?;
    txn.commit().await?;
    Ok(p)
}

/// A plan line as entered.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct LineInput {
    pub material_id: i64,
    /// The requesting site; a site manager's own site when left out.
    pub site_id: Option<i64>,
    /// In the material's unit, with at most the unit's decimals.
    #[schema(value_type = String, example = "12.5")]
    pub quantity: Decimal,
    /// Estimated unit price in yuan.
    #[schema(value_type = String, example = "430.00")]
    pub est_price: Decimal,
    pub need_by: NaiveDate,
    /// `normal` (15 days' lead time), `changed` (7), `temporary` (3) or `emergency` (0).
    pub plan_type: String,
    #[serde(default)]
    pub note: String,
}

struct CheckedLine {
    site_id: i64,
    material_id: i64,
    quantity: Fixed<3>,
    est_price: Fixed<4>,
    line_value: Fixed<2>,
    need_by: NaiveDate,
    plan_type: PlanType,
    note: String,
}

/// The site a line may be for: a site manager plans for its own site only, the office for any.
fn line_site(user: &CurrentUser, asked: Option<i64>, errors: &mut FieldErrors) -> Option<i64> {
    if !user.role.needs_site() {
        if asked.is_none() {
            errors.add("site_id", RuleCode::Required);
        }
        return asked;
    }
    match (user.site_id, asked) {
        (Some(own), None) => Some(own),
        (Some(own), Some(s)) if s == own => Some(own),
        (Some(_), Some(_)) => {
            errors.add("site_id", RuleCode::OwnSiteOnly);
            None
        }
        (None, _) => None,
    }
}

async fn check_line(
    conn: &impl ConnectionTrait,
    user: &CurrentUser,
    p: &plan::Model,
    input: &LineInput,
    today: NaiveDate,
) -> AppResult<CheckedLine> {
    let mut errors = FieldErrors::new();
    let site_id = line_site(user, input.site_id, &mut errors);
    if let Some(s) = site_id {
        let found = site::Entity::find_by_id(s).one(conn).await?;
        if !found.is_some_and(|s| s.active) {
            errors.add("site_id", RuleCode::NotFound);
        }
    }
    let m = material::Entity::find_by_id(input.material_id)
        .one(conn)
        .await?
        .filter(|m| m.active);
    let quantity = match &m {
        None => {
            errors.add("material_id", RuleCode::NotFound);
            None
        }
        Some(m) => quantity(conn, m.id, "quantity", input.quantity, &mut errors).await?,
    };
    let est_price = price("est_price", input.est_price, &mut errors);
    let plan_type = PlanType::parse(input.plan_type.trim());
    match plan_type {
        None => {
            errors.add("plan_type", RuleCode::Invalid);
        }
        Some(t) => {
            if !rules::lead_time_ok(t, input.need_by, today) {
                errors.add_with(
                    "need_by",
                    RuleCode::LeadTime,
                    &[
                        ("days", t.lead_days().to_string()),
                        ("earliest", t.earliest_need_by(today).to_string()),
                    ],
                );
            }
        }
    }
    if let Some(month) = PlanMonth::parse(&p.month)
        && input.need_by > month.last_day()
    {
        errors.add_with(
            "need_by",
            RuleCode::NeedByAfterMonth,
            &[("month", month.to_string())],
        );
    }
    let note = input.note.trim().to_string();
    too_long(&mut errors, "note", &note);
    // The estimated value must be an amount too: a quantity and a price each within bounds
    // can still multiply past what an amount holds.
    let line_value = match (quantity, est_price) {
        (Some(q), Some(p)) => p
            .times(q)
            .map_err(|e| e.add_to(&mut errors, "quantity"))
            .ok(),
        _ => None,
    };
    errors.into_result()?;
    let (Some(quantity), Some(est_price), Some(line_value)) = (quantity, est_price, line_value)
    else {
        return Err(AppError::field("quantity", RuleCode::Invalid));
    };
    Ok(CheckedLine {
        site_id: site_id.ok_or(AppError::Forbidden)?,
        material_id: input.material_id,
        quantity: quantity.fixed(),
        est_price: est_price.fixed(),
        line_value: line_value.fixed(),
        need_by: input.need_by,
        plan_type: plan_type.ok_or_else(|| AppError::field("plan_type", RuleCode::Invalid))?,
        note,
    })
}

/// Takes the plan row for a change of its lines: fails unless it is still being drawn up.
/// The update also serialises line changes with a concurrent submission.
async fn hold_editable_plan(
    txn: &DatabaseTransaction,
    plan_id: i64,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let r = plan::Entity::update_many()
        .col_expr(plan::Column::UpdatedAt, Expr::value(now))
        .filter(plan::Column::Id.eq(plan_id))
        .filter(
            plan::Column::Status.is_in([PlanStatus::Draft.as_str(), PlanStatus::Returned.as_str()]),
        )
        .exec(txn)
        .await?;
    if r.rows_affected != 1 {
        return Err(AppError::Rule(RuleCode::PlanNotEditable));
    }
    Ok(())
}

/// `act.actor` adds a line to a plan being drawn up (rule 10's lead times are checked here).
/// Joins the caller's transaction: it reads and writes through `txn` and commits nothing.
pub async fn add_line(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    plan_id: i64,
    input: LineInput,
) -> AppResult<plan_line::Model> {
    let user = act.actor;
    let (p, _) = get_plan(txn, user, plan_id).await?;
    if !plan_status(&p)?.editable() {
        return Err(AppError::Rule(RuleCode::PlanNotEditable));
    }
    let c = check_line(txn, user, &p, &input, act.today).await?;
    let now = act.now;
    hold_editable_plan(txn, p.id, now).await?;
    let l = plan_line::ActiveModel {
        plan_id: Set(p.id),
        site_id: Set(c.site_id),
        material_id: Set(c.material_id),
        quantity: Set(c.quantity),
        est_price: Set(c.est_price),
        line_value: Set(c.line_value),
        need_by: Set(c.need_by),
        plan_type: Set(c.plan_type.as_str().into()),
        note: Set(c.note),
        status: Set("planned".into()),
        route: Set(None),
        stock_available: Set(None),
        chosen_quote_id: Set(None),
        choice_reason: Set(None),
        chosen_by: Set(None),
        chosen_at: Set(None),
        created_by: Set(user.id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    audit::record(
        txn,
        &user.actor(),
        now,
        Change::new("plan_line.add", "plan_line", l.id).after(&l),
    )
    .await?;
    Ok(l)
}

/// [`add_line`] on its own: in a write transaction of its own, committed when it succeeds.
pub async fn add_line_now(
    state: &AppState,
    user: &CurrentUser,
    plan_id: i64,
    input: LineInput,
) -> AppResult<plan_line::Model> {
    let txn = state.db.begin_write().await?;
    let l = add_line(&txn, &Act::of(state, user), plan_id, input).await?;
    txn.commit().await?;
    Ok(l)
}

/// A line `user` may change: in a plan being drawn up, of its own site for a site manager.
async fn editable_line(
    conn: &impl ConnectionTrait,
    user: &CurrentUser,
    line_id: i64,
) -> AppResult<(plan::Model, plan_line::Model)> {
    let scope = plan_scope(user)?;
    let l = plan_line::Entity::find_by_id(line_id)
        .one(conn)
        .await?
        .filter(|l| scope.is_none_or(|s| s == l.site_id))
        .ok_or(AppError::NotFound)?;
    let p = plan::Entity::find_by_id(l.plan_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    if !plan_status(&p)?.editable() {
        return Err(AppError::Rule(RuleCode::PlanNotEditable));
    }
    Ok((p, l))
}

/// `act.actor` changes a line of a plan being drawn up. Joins the caller's transaction: it
/// reads and writes through `txn` and commits nothing.
pub async fn update_line(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    line_id: i64,
    input: LineInput,
) -> AppResult<plan_line::Model> {
    let user = act.actor;
    let (p, before) = editable_line(txn, user, line_id).await?;
    let c = check_line(txn, user, &p, &input, act.today).await?;
    let now = act.now;
    hold_editable_plan(txn, p.id, now).await?;
    let mut a: plan_line::ActiveModel = before.clone().into();
    a.site_id = Set(c.site_id);
    a.material_id = Set(c.material_id);
    a.quantity = Set(c.quantity);
    a.est_price = Set(c.est_price);
    a.line_value = Set(c.line_value);
    a.need_by = Set(c.need_by);
    a.plan_type = Set(c.plan_type.as_str().into());
    a.note = Set(c.note);
    a.updated_at = Set(now);
    let after = a.update(txn).await?;
    audit::record(
        txn,
        &user.actor(),
        now,
        Change::new("plan_line.update", "plan_line", line_id)
            .before(&before)
            .after(&after),
    )
    .await?;
    Ok(after)
}

/// [`update_line`] on its own: in a write transaction of its own, committed when it succeeds.
pub async fn update_line_now(
    state: &AppState,
    user: &CurrentUser,
    line_id: i64,
    input: LineInput,
) -> AppResult<plan_line::Model> {
    let txn = state.db.begin_write().await?;
    let l = update_line(&txn, &Act::of(state, user), line_id, input).await?;
    txn.commit().await?;
    Ok(l)
}

/// `act.actor` removes a line from a plan being drawn up. Joins the caller's transaction: it
/// reads and writes through `txn` and commits nothing.
pub async fn remove_line(txn: &DatabaseTransaction, act: &Act<'_>, line_id: i64) -> AppResult<()> {
    let user = act.actor;
    let (p, before) = editable_line(txn, user, line_id).await?;
    let now = act.now;
    hold_editable_plan(txn, p.id, now).await?;
    plan_line::Entity::delete_by_id(line_id).exec(txn).await?;
    audit::record(
        txn,
        &user.actor(),
        now,
        Change::new("plan_line.remove", "plan_line", line_id).before(&before),
    )
    .await?;
    Ok(())
}

/// [`remove_line`] on its own: in a write transaction of its own, committed when it succeeds.
pub async fn remove_line_now(state: &AppState, user: &CurrentUser, line_id: i64) -> AppResult<()> {
    let txn = state.db.begin_write().await?;
    remove_line(&txn, &Act::of(state, user), line_id).await?;
    txn.commit().await?;
    Ok(())
}

/// Moves a plan from `from` to `to`, or fails when someone moved it first.
async fn move_plan(
    txn: &DatabaseTransaction,
    id: i64,
    from: PlanStatus,
    to: PlanStatus,
    set: Vec<(plan::Column, sea_orm::sea_query::SimpleExpr)>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let mut u = plan::Entity::update_many()
        .col_expr(plan::Column::Status, Expr::value(to.as_str()))
        .col_expr(plan::Column::UpdatedAt, Expr::value(now));
    for (c, v) in set {
        u = u.col_expr(c, v);
    }
    let r = u
        .filter(plan::Column::Id.eq(id))
        .filter(plan::Column::Status.eq(from.as_str()))
        .exec(txn)
        .await?;
    if r.rows_affected != 1 {
        return Err(AppError::Conflict(RuleCode::PlanChanged));
    }
    Ok(())
}

/// The procurement officer (`act.actor`) hands the plan in; the head is asked to approve it.
/// Joins the caller's transaction: it reads and writes through `txn`, queues its mail there and
/// commits nothing.
pub async fn submit_plan(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    id: i64,
) -> AppResult<plan::Model> {
    let user = act.actor;
    let (p, lines) = get_plan(txn, user, id).await?;
    let from = plan_status(&p)?;
    let to =
        rules::plan_next(from, PlanAction::Submit).ok_or(AppError::Rule(RuleCode::PlanState))?;
    if lines.is_empty() {
        return Err(AppError::Rule(RuleCode::PlanEmpty));
    }
    let now = act.now;
    move_plan(
        txn,
        id,
        from,
        to,
        vec![
            (plan::Column::SubmittedBy, Expr::value(Some(user.id))),
            (plan::Column::SubmittedAt, Expr::value(Some(now))),
        ],
        now,
    )
    .await?;
    let after = plan::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    audit::record(
        txn,
        &user.actor(),
        now,
        Change::new("plan.submit", "plan", id)
            .before(&p)
            .after(&after),
    )
    .await?;
    let heads = crate::users::store::active_with_roles(txn, &[Role::ProcurementHead]).await?;
    let args = [
        ("month", after.month.clone()),
        ("lines", lines.len().to_string()),
        ("link", format!("/plans/{id}")),
    ];
    let link = format!("/plans/{id}");
    crate::mail::enqueue_to_users_linked(
        txn,
        &act.base_url,
        now,
        &heads,
        "plan_submitted",
        &link,
        &args,
    )
    .await?;
    Ok(after)
}

/// [`submit_plan`] on its own: in a write transaction of its own, committed when it succeeds;
/// then the mail sender is woken.
pub async fn submit_plan_now(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
) -> AppResult<plan::Model> {
    let txn = state.db.begin_write().await?;
    let p = submit_plan(&txn, &Act::of(state, user), id).await?;
    txn.commit().await?;
    state.mail_wake.notify_one();
    Ok(p)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct PlanDecision {
    pub approve: bool,
    /// Required when the plan is sent back.
    #[serde(default)]
    pub reason: String,
}

/// What the supermarket holds of each material now (rule 7).
async fn stock_of(
    conn: &impl ConnectionTrait,
    materials: impl IntoIterator<Item = i64>,
    today: NaiveDate,
) -> AppResult<std::collections::BTreeMap<i64, Decimal>> {
    let mut out = std::collections::BTreeMap::new();
    for m in materials {
        if out.contains_key(&m) {
            continue;
        }
        let held: Decimal = crate::stock::store::available_for(conn, m, today)
            .await?
            .iter()
            .map(|(_, q)| *q)
            .sum();
        out.insert(m, held);
    }
    Ok(out)
}

/// The procurement head (`act.actor`) approves the plan as a whole — each line is routed then,
/// and the route stored — or sends it back with a reason. Joins the caller's transaction: it
/// reads and writes through `txn`, queues its mail there and commits nothing.
pub async fn decide_plan(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    id: i64,
    decision: PlanDecision,
) -> AppResult<plan::Model> {
    let user = act.actor;
    let (p, lines) = get_plan(txn, user, id).await?;
    // Whoever drew up the plan does not decide it (rule 14; the roles keep them apart too).
    crate::auth::four_eyes::not_own(p.created_by, user.id)?;
    let from = plan_status(&p)?;
    let action = if decision.approve {
        PlanAction::Approve
    } else {
        PlanAction::Return
    };
    let to = rules::plan_next(from, action).ok_or(AppError::Rule(RuleCode::PlanState))?;
    let reason = decision.reason.trim().to_string();
    let mut errors = FieldErrors::new();
    if !decision.approve && reason.is_empty() {
        errors.add("reason", RuleCode::Required);
    }
    too_long(&mut errors, "reason", &reason);
    errors.into_result()?;

    let now = act.now;
    let today = act.today;
    move_plan(
        txn,
        id,
        from,
        to,
        vec![
            (plan::Column::DecidedBy, Expr::value(Some(user.id))),
            (plan::Column::DecidedAt, Expr::value(Some(now))),
            (
                plan::Column::ReturnReason,
                Expr::value(if decision.approve {
                    String::new()
                } else {
                    reason.clone()
                }),
            ),
        ],
        now,
    )
    .await?;
    if decision.approve {
        let t = thresholds(txn).await?;
        let held = stock_of(txn, lines.iter().map(|l| l.material_id), today).await?;
        for l in &lines {
            let available = held.get(&l.material_id).copied().unwrap_or_default();
            let r = rules::route(l.line_value.value(), available, t);
            plan_line::Entity::update_many()
                .col_expr(plan_line::Column::Route, Expr::value(Some(r.as_str())))
                .col_expr(plan_line::Column::Status, Expr::value("routed"))
                .col_expr(
                    plan_line::Column::StockAvailable,
                    Expr::value(Some(Fixed::<3>::new(available).unwrap_or_default())),
                )
                .col_expr(plan_line::Column::UpdatedAt, Expr::value(now))
                .filter(plan_line::Column::Id.eq(l.id))
                .exec(txn)
                .await?;
        }
    }
    let after = plan::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    audit::record(
        txn,
        &user.actor(),
        now,
        Change::new(
            if decision.approve {
                "plan.approve"
            } else {
                "plan.return"
            },
            "plan",
            id,
        )
        .before(&p)
        .after(&after),
    )
    .await?;
    // The officer and the managers of the sites in the plan hear of it.
    let sites: std::collections::BTreeSet<i64> = lines.iter().map(|l| l.site_id).collect();
    let to_users: Vec<entity::user::Model> =
        crate::users::store::active_with_roles(txn, &[Role::ProcurementOfficer, Role::SiteManager])
            .await?
            .into_iter()
            .filter(|u| {
                u.role != Role::SiteManager.as_str()
                    || u.site_id.is_some_and(|s| sites.contains(&s))
            })
            .collect();
    let args = [
        ("month", after.month.clone()),
        ("reason", reason),
        ("link", format!("/plans/{id}")),
    ];
    crate::mail::enqueue_to_users_linked(
        txn,
        &act.base_url,
        now,
        &to_users,
        if decision.approve {
            "plan_approved"
        } else {
            "plan_returned"
        },
        &format!("/plans/{id}"),
        &args,
    )
    .await?;
    Ok(after)
}

/// [`decide_plan`] on its own: in a write transaction of its own, committed when it succeeds;
/// then the mail sender is woken.
pub async fn decide_plan_now(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    decision: PlanDecision,
) -> AppResult<plan::Model> {
    let txn = state.db.begin_write().await?;
    let p = decide_plan(&txn, &Act::of(state, user), id, decision).await?;
    txn.commit().await?;
    state.mail_wake.notify_one();
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use entity::SupplierId;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn quote_input(price: &str, days: i32) -> QuoteInput {
        QuoteInput {
            supplier_id: SupplierId(7),
            unit_price: Decimal::from_str(price).unwrap_or_else(|_| panic!("bad {price}")),
            quality_notes: "  GB/T 14902 ".into(),
            delivery_days: days,
        }
    }

    #[test]
    fn a_quote_is_parsed_at_the_edge_with_each_fields_error() {
        let q = Quote::try_from(&quote_input("418.5", 3)).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(q.unit_price.value(), Decimal::new(4185, 1));
        assert_eq!(q.quality_notes, "GB/T 14902");
        let e = Quote::try_from(&quote_input("0", 400))
            .err()
            .unwrap_or_default();
        assert_eq!(e.0["unit_price"].code, "price_positive");
        assert_eq!(e.0["delivery_days"].code, "lead_time_range");
        let e = Quote::try_from(&quote_input("1.00001", 3))
            .err()
            .unwrap_or_default();
        assert_eq!(e.0["unit_price"].code, "too_many_places");
        let e = Quote::try_from(&quote_input("900000000000000", 3))
            .err()
            .unwrap_or_default();
        assert_eq!(e.0["unit_price"].code, "too_large");
    }

    /// A decimal as a request carries it: up to 28 digits, up to 28 places, either sign.
    fn extreme_text() -> impl Strategy<Value = String> {
        (any::<i128>(), 0u32..=28).prop_map(|(m, s)| {
            let m = m % 79_228_162_514_264_337_593_543_950_335_i128;
            Decimal::try_from_i128_with_scale(m, s)
                .unwrap_or_default()
                .to_string()
        })
    }

    proptest! {
        /// Whatever decimals a plan line or a quote brings, reading it, parsing its values
        /// and valuing it answers a value or a field error, never a panic.
        #[test]
        fn extreme_plan_lines_and_quotes_never_panic(
            quantity in extreme_text(),
            price in extreme_text(),
            places in 0u32..=3,
            days in any::<i32>(),
        ) {
            let body = serde_json::json!({
                "material_id": 1,
                "quantity": quantity,
                "est_price": price,
                "need_by": "2027-04-10",
                "plan_type": "normal",
            });
            let line: LineInput = serde_json::from_value(body)
                .unwrap();
            let q = Quantity::parse(line.quantity, UnitPlaces::new(places));
            let p = UnitPrice::parse(line.est_price);
            if let (Ok(q), Ok(p)) = (q, p)
                && let Ok(v) = p.times(q)
            {
                prop_assert!(v.value().abs() <= Money::max());
                let _ = Money::sum([v, v, v]);
            }
            let _ = rules::line_value(line.quantity, line.est_price);
            let quote = QuoteInput {
                supplier_id: SupplierId(1),
                unit_price: line.est_price,
                quality_notes: String::new(),
                delivery_days: days,
            };
            match Quote::try_from(&quote) {
                Ok(q) => prop_assert!(q.unit_price.value() <= UnitPrice::max()),
                Err(e) => prop_assert!(!e.is_empty()),
            }
        }
    }
}
