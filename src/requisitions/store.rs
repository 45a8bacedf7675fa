//! Rule 9: requisitions submitted, approved (reserving stock), issued oldest lot first at the
//! approved price, cancelled; the lists they are read in.

use super::rules::RequisitionStatus;
use crate::audit::{self, Change};
use crate::auth::{Act, CurrentUser, Role};
use crate::catalogue::store::{ensure_orderable, not_orderable};
use crate::error::RuleCode;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::materials::store::unit_decimals;
use crate::money::stored::{Qty, qty};
use crate::state::AppState;
use crate::stock::store::{DrawnAs, draw_oldest_first};
use chrono::NaiveDate;
use entity::{ListingId, RequisitionId, listing, requisition, requisition_line};
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, ExprTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::Deserialize;
use utoipa::ToSchema;

// ----- Requisitions and issue (rule 9) -----

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct RequisitionLineInput {
    pub listing_id: ListingId,
    #[schema(value_type = String)]
    pub quantity: Decimal,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct RequisitionInput {
    pub purpose: String,
    pub need_by: NaiveDate,
    pub lines: Vec<RequisitionLineInput>,
}

/// A requisition that passed its checks, ready to be recorded.
pub struct CheckedRequisition {
    site_id: i64,
    purpose: String,
    need_by: NaiveDate,
    lines: Vec<(listing::Model, Qty)>,
}

/// A site user (`act.actor`) submits a requisition for their site, in two steps:
/// [`check_requisition`] (reads only: every field's error at once, what may be ordered, by
/// whom, in which quantities), then [`record_requisition`], which joins the caller's
/// transaction. A caller composing it in its own transaction runs both through that
/// transaction.
pub async fn check_requisition(
    conn: &impl ConnectionTrait,
    act: &Act<'_>,
    input: RequisitionInput,
) -> AppResult<CheckedRequisition> {
    let user = act.actor;
    let site_id = match (user.role, user.site_id) {
        (Role::SiteUser | Role::SiteManager, Some(s)) => s,
        _ => return Err(AppError::Forbidden),
    };
    let today = act.today;
    let mut errors = FieldErrors::new();
    if input.purpose.trim().is_empty() {
        errors.add("purpose", RuleCode::Required);
    }
    if input.need_by < today {
        errors.add("need_by", RuleCode::InPast);
    }
    if input.lines.is_empty() {
        errors.add("lines", RuleCode::Required);
    }
    let mut lines = Vec::new();
    for (i, l) in input.lines.iter().enumerate() {
        let Some(found) = listing::Entity::find_by_id(l.listing_id).one(conn).await? else {
            errors.add(&format!("lines.{i}.listing_id"), RuleCode::NotFound);
            continue;
        };
        match ensure_orderable(conn, &found, today).await {
            Ok(()) => {}
            Err(AppError::Rule(code)) => {
                errors.add(&format!("lines.{i}.listing_id"), code);
                continue;
            }
            Err(other) => return Err(other),
        }
        let q = qty(
            &format!("lines.{i}.quantity"),
            l.quantity,
            unit_decimals(conn, found.material_id).await?,
            &mut errors,
        );
        lines.push((found, q));
    }
    errors.into_result()?;
    Ok(CheckedRequisition {
        site_id,
        purpose: input.purpose.trim().into(),
        need_by: input.need_by,
        lines,
    })
}

/// Records a checked requisition. Joins the caller's transaction.
pub async fn record_requisition(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    checked: CheckedRequisition,
) -> AppResult<requisition::Model> {
    let (user, now) = (act.actor, act.now);
    let r = requisition::ActiveModel {
        site_id: Set(checked.site_id),
        requested_by: Set(user.id),
        purpose: Set(checked.purpose),
        need_by: Set(checked.need_by),
        status: Set(RequisitionStatus::Submitted.as_str().into()),
        approved_by: Set(None),
        approved_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    for (l, q) in checked.lines {
        requisition_line::ActiveModel {
            requisition_id: Set(r.id),
            listing_id: Set(l.id),
            quantity: Set(q),
            unit_price: Set(l.price),
            reserved: Set(Qty::zero()),
            issued: Set(Qty::zero()),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    audit::record(
        txn,
        &user.actor(),
        now,
        Change::new("requisition.submit", "requisition", r.id).after(&r),
    )
    .await?;
    Ok(r)
}

/// A site user's requisition on its own: checked on a reader first (on SQLite the single
/// writer's lock is not held for the checks' reads; what they found cannot change what is
/// recorded, since the approval reserves with a conditional update), then recorded in a
/// write transaction of its own, committed when it succeeds.
pub async fn submit_requisition_now(
    state: &AppState,
    user: &CurrentUser,
    input: RequisitionInput,
) -> AppResult<requisition::Model> {
    let act = Act::of(state, user);
    let checked = check_requisition(&state.db.read, &act, input).await?;
    let txn = state.db.begin_write().await?;
    let r = record_requisition(&txn, &act, checked).await?;
    txn.commit().await?;
    Ok(r)
}

pub(super) async fn load_requisition(
    conn: &impl ConnectionTrait,
    id: RequisitionId,
) -> AppResult<(requisition::Model, Vec<requisition_line::Model>)> {
    let r = requisition::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let lines = requisition_line::Entity::find()
        .filter(requisition_line::Column::RequisitionId.eq(id))
        .order_by_asc(requisition_line::Column::Id)
        .all(conn)
        .await?;
    Ok((r, lines))
}

/// Moves a requisition from `from` to `to`, only if it is still in `from`.
/// One requisition as its lists show it: the row, its status, its lines, rule 9's flag.
#[derive(Debug, Clone)]
pub struct RequisitionRow {
    pub r: requisition::Model,
    pub status: Option<RequisitionStatus>,
    pub lines: Vec<requisition_line::Model>,
    pub overdue: bool,
}

impl RequisitionRow {
    /// The row with its status read and rule 9's flag worked out as of `now`.
    pub fn new(
        r: requisition::Model,
        lines: Vec<requisition_line::Model>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Self {
        let status = RequisitionStatus::parse(&r.status);
        RequisitionRow {
            overdue: super::rules::requisition_overdue(status, r.approved_at, now),
            status,
            lines,
            r,
        }
    }
}

/// The requisitions `user` may see, newest first, with their lines (one query for all of
/// them): a site's own people see their site's; everyone else the handler let through (the
/// `ReadRequisitions` capability: the warehouse, the office, finance, the auditor) sees all.
/// `limit` caps how many (the page shows 100).
pub async fn requisitions_for(
    conn: &impl ConnectionTrait,
    user: &CurrentUser,
    now: chrono::DateTime<chrono::Utc>,
    limit: Option<u64>,
) -> AppResult<Vec<RequisitionRow>> {
    let mut sel = requisition::Entity::find().order_by_desc(requisition::Column::Id);
    if user.role.needs_site() {
        sel = sel.filter(requisition::Column::SiteId.eq(user.site_id.ok_or(AppError::Forbidden)?));
    }
    if let Some(n) = limit {
        sel = sel.limit(n);
    }
    let rows = sel.all(conn).await?;
    let ids: Vec<RequisitionId> = rows.iter().map(|r| r.id).collect();
    let mut lines: std::collections::HashMap<RequisitionId, Vec<requisition_line::Model>> =
        std::collections::HashMap::new();
    for chunk in ids.chunks(500) {
        for l in requisition_line::Entity::find()
            .filter(requisition_line::Column::RequisitionId.is_in(chunk.to_vec()))
            .order_by_asc(requisition_line::Column::Id)
            .all(conn)
            .await?
        {
            lines.entry(l.requisition_id).or_default().push(l);
        }
    }
    Ok(rows
        .into_iter()
        .map(|r| {
            let l = lines.remove(&r.id).unwrap_or_default();
            RequisitionRow::new(r, l, now)
        })
        .collect())
}

pub(super) async fn set_status(
    txn: &DatabaseTransaction,
    r: &requisition::Model,
    from: &[RequisitionStatus],
    to: RequisitionStatus,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    let from: Vec<&str> = from.iter().map(|s| s.as_str()).collect();
    let res = requisition::Entity::update_many()
        .col_expr(requisition::Column::Status, Expr::value(to.as_str()))
        .col_expr(requisition::Column::UpdatedAt, Expr::value(now))
        .filter(requisition::Column::Id.eq(r.id))
        .filter(requisition::Column::Status.is_in(from))
        .exec(txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(AppError::Rule(RuleCode::RequisitionStatusChanged));
    }
    Ok(())
}

/// The site manager (`act.actor`) approves: every line's quantity is reserved at the
/// listing's approved price, or nothing is (insufficient stock refuses the whole approval).
/// Joins the caller's transaction: it reads and writes through `txn` and commits nothing.
pub async fn approve_requisition(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    id: RequisitionId,
) -> AppResult<()> {
    let manager = act.actor;
    let (r, lines) = load_requisition(txn, id).await?;
    if manager.role != Role::SiteManager || manager.site_id != Some(r.site_id) {
        return Err(AppError::Forbidden);
    }
    let today = act.today;
    let now = act.now;
    set_status(
        txn,
        &r,
        &[RequisitionStatus::Submitted],
        RequisitionStatus::Approved,
        now,
    )
    .await?;
    for line in &lines {
        let l = listing::Entity::find_by_id(line.listing_id)
            .one(txn)
            .await?
            .ok_or(AppError::NotFound)?;
        ensure_orderable(txn, &l, today).await?;
        let reserved = listing::Entity::update_many()
            .col_expr(
                listing::Column::Reserved,
                Expr::col(listing::Column::Reserved).add(line.quantity),
            )
            .filter(listing::Column::Id.eq(l.id))
            .filter(
                Expr::col(listing::Column::OnHand)
                    .sub(Expr::col(listing::Column::Reserved))
                    .gte(line.quantity),
            )
            .exec(txn)
            .await?;
        if reserved.rows_affected != 1 {
            return Err(AppError::Rule(RuleCode::InsufficientStock));
        }
        requisition_line::Entity::update_many()
            .col_expr(
                requisition_line::Column::Reserved,
                Expr::value(line.quantity),
            )
            .col_expr(requisition_line::Column::UnitPrice, Expr::value(l.price))
            .filter(requisition_line::Column::Id.eq(line.id))
            .exec(txn)
            .await?;
    }
    requisition::Entity::update_many()
        .col_expr(
            requisition::Column::ApprovedBy,
            Expr::value(Some(manager.id)),
        )
        .col_expr(requisition::Column::ApprovedAt, Expr::value(Some(now)))
        .filter(requisition::Column::Id.eq(r.id))
        .exec(txn)
        .await?;
    audit::record(
        txn,
        &manager.actor(),
        now,
        Change::new("requisition.approve", "requisition", r.id)
            .before(&r.status)
            .after("approved"),
    )
    .await?;
    Ok(())
}

/// [`approve_requisition`] on its own: in a write transaction of its own, committed when it
/// succeeds.
pub async fn approve_requisition_now(
    state: &AppState,
    manager: &CurrentUser,
    id: RequisitionId,
) -> AppResult<requisition::Model> {
    let txn = state.db.begin_write().await?;
    approve_requisition(&txn, &Act::of(state, manager), id).await?;
    txn.commit().await?;
    after_commit(state, id).await
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct IssueLine {
    pub line_id: i64,
    #[schema(value_type = String)]
    pub quantity: Decimal,
}

/// The keeper (`act.actor`) issues (part or all of) an approved requisition, oldest lots
/// first. Each lot drawn is an `issue` movement at the approved price: ownership passes to
/// the company. Joins the caller's transaction: it reads and writes through `txn` and
/// commits nothing.
pub async fn issue(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    id: RequisitionId,
    issue_lines: Vec<IssueLine>,
) -> AppResult<()> {
    let keeper = act.actor;
    let (r, lines) = load_requisition(txn, id).await?;
    if !RequisitionStatus::parse(&r.status).is_some_and(RequisitionStatus::awaits_issue) {
        return Err(AppError::Rule(RuleCode::RequisitionNotApproved));
    }
    let mut errors = FieldErrors::new();
    let mut plan = Vec::new();
    for (i, il) in issue_lines.iter().enumerate() {
        let Some(line) = lines.iter().find(|l| l.id == il.line_id) else {
            errors.add(&format!("lines.{i}.line_id"), RuleCode::NotFound);
            continue;
        };
        let open = line.reserved.value() - line.issued.value();
        if il.quantity <= Decimal::ZERO || il.quantity > open {
            errors.add_with(
                &format!("lines.{i}.quantity"),
                RuleCode::IssueMoreThanReserved,
                &[("open", open.normalize().to_string())],
            );
            continue;
        }
        plan.push((line.clone(), Qty::new(il.quantity).unwrap_or_default()));
    }
    if plan.is_empty() && errors.is_empty() {
        errors.add("lines", RuleCode::Required);
    }
    errors.into_result()?;
    let today = act.today;
    let now = act.now;
    for (line, q) in &plan {
        let l = listing::Entity::find_by_id(line.listing_id)
            .one(txn)
            .await?
            .ok_or(AppError::NotFound)?;
        crate::suppliers::store::ensure_may_trade(txn, l.supplier_id, today)
            .await
            .map_err(not_orderable)?;
        let took = listing::Entity::update_many()
            .col_expr(
                listing::Column::OnHand,
                Expr::col(listing::Column::OnHand).sub(*q),
            )
            .col_expr(
                listing::Column::Reserved,
                Expr::col(listing::Column::Reserved).sub(*q),
            )
            .filter(listing::Column::Id.eq(l.id))
            .filter(listing::Column::OnHand.gte(*q))
            .filter(listing::Column::Reserved.gte(*q))
            .exec(txn)
            .await?;
        if took.rows_affected != 1 {
            return Err(AppError::Rule(RuleCode::InsufficientStock));
        }
        draw_oldest_first(
            txn,
            l.id,
            *q,
            AppError::Rule(RuleCode::InsufficientStock),
            &DrawnAs {
                kind: "issue",
                unit_price: line.unit_price,
                requisition_line_id: Some(line.id),
                site_id: Some(r.site_id),
                by: keeper.id,
                on: today,
                at: now,
                note: "",
            },
        )
        .await?;
        // The line's own check, under its row lock and after the listing's (the order every
        // writer takes, so an issue and a site return never deadlock): never more issued than
        // the approval reserved, however many issues of the line run at once.
        let bumped = requisition_line::Entity::update_many()
            .col_expr(
                requisition_line::Column::Issued,
                Expr::col(requisition_line::Column::Issued).add(*q),
            )
            .filter(requisition_line::Column::Id.eq(line.id))
            .filter(
                Expr::col(requisition_line::Column::Issued)
                    .add(*q)
                    .lte(Expr::col(requisition_line::Column::Reserved)),
            )
            .exec(txn)
            .await?;
        if bumped.rows_affected != 1 {
            return Err(AppError::Conflict(RuleCode::StockChanged));
        }
    }
    let after_lines = requisition_line::Entity::find()
        .filter(requisition_line::Column::RequisitionId.eq(r.id))
        .all(txn)
        .await?;
    let done = after_lines.iter().all(|l| l.issued >= l.reserved);
    set_status(
        txn,
        &r,
        &[RequisitionStatus::Approved, RequisitionStatus::PartlyIssued],
        if done {
            RequisitionStatus::Issued
        } else {
            RequisitionStatus::PartlyIssued
        },
        now,
    )
    .await?;
    audit::record(
        txn,
        &keeper.actor(),
        now,
        Change::new("requisition.issue", "requisition", r.id)
            .after(serde_json::json!({"lines": plan.len(), "complete": done})),
    )
    .await?;
    Ok(())
}

/// [`issue`] on its own: in a write transaction of its own, committed when it succeeds.
pub async fn issue_now(
    state: &AppState,
    keeper: &CurrentUser,
    id: RequisitionId,
    issue_lines: Vec<IssueLine>,
) -> AppResult<requisition::Model> {
    let txn = state.db.begin_write().await?;
    issue(&txn, &Act::of(state, keeper), id, issue_lines).await?;
    txn.commit().await?;
    after_commit(state, id).await
}

/// `act.actor` cancels a requisition: what was reserved and not issued is released. Joins the
/// caller's transaction: it reads and writes through `txn` and commits nothing.
pub async fn cancel_requisition(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    id: RequisitionId,
) -> AppResult<()> {
    let user = act.actor;
    let (r, lines) = load_requisition(txn, id).await?;
    let allowed = super::rules::may_cancel(
        user.role,
        (user.id, user.site_id),
        r.requested_by,
        r.site_id,
        RequisitionStatus::parse(&r.status),
    );
    if !allowed {
        return Err(AppError::Forbidden);
    }
    let now = act.now;
    set_status(
        txn,
        &r,
        &[
            RequisitionStatus::Submitted,
            RequisitionStatus::Approved,
            RequisitionStatus::PartlyIssued,
        ],
        RequisitionStatus::Cancelled,
        now,
    )
    .await?;
    for line in &lines {
        let open = Qty::new(line.reserved.value() - line.issued.value()).unwrap_or_default();
        if open.value() > Decimal::ZERO {
            listing::Entity::update_many()
                .col_expr(
                    listing::Column::Reserved,
                    Expr::col(listing::Column::Reserved).sub(open),
                )
                .filter(listing::Column::Id.eq(line.listing_id))
                .exec(txn)
                .await?;
        }
    }
    audit::record(
        txn,
        &user.actor(),
        now,
        Change::new("requisition.cancel", "requisition", r.id)
            .before(&r.status)
            .after("cancelled"),
    )
    .await?;
    Ok(())
}

/// [`cancel_requisition`] on its own: in a write transaction of its own, committed when it
/// succeeds.
pub async fn cancel_requisition_now(
    state: &AppState,
    user: &CurrentUser,
    id: RequisitionId,
) -> AppResult<requisition::Model> {
    let txn = state.db.begin_write().await?;
    cancel_requisition(&txn, &Act::of(state, user), id).await?;
    txn.commit().await?;
    after_commit(state, id).await
}

/// The requisition as a `_now` boundary answers it, read after the commit on a reader: on
/// SQLite the single writer's lock is not held for a read the transaction does not need.
async fn after_commit(state: &AppState, id: RequisitionId) -> AppResult<requisition::Model> {
    requisition::Entity::find_by_id(id)
        .one(&state.db.read)
        .await?
        .ok_or(AppError::NotFound)
}
