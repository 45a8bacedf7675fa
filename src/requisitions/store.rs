//! Rule 9: requisitions submitted (numbered), approved (reserving stock), returned or
//! rejected with a reason, issued oldest lot first at the approved price (each issue an issue
//! slip), cancelled; the history of each step; the lists they are read in. The draft a site
//! user fills like a cart is `super::cart`.

use super::rules::{DocKind, RequisitionStatus, Step};
use crate::audit::{self, Change};
use crate::auth::{Act, CurrentUser, Role};
use crate::catalogue::store::{listing_to_order, not_orderable};
use crate::db::Batch;
use crate::error::RuleCode;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::money::stored::{Qty, qty};
use crate::state::AppState;
use crate::stock::store::{DrawnAs, draw_oldest_first};
use chrono::NaiveDate;
use entity::{
    ListingId, RequisitionId, issue_slip, listing, requisition, requisition_event,
    requisition_line, site, user,
};
use rust_decimal::Decimal;
use sea_orm::QueryTrait;
use sea_orm::sea_query::{Expr, InsertStatement};
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
    pub(super) site_id: i64,
    pub(super) purpose: String,
    pub(super) need_by: NaiveDate,
    pub(super) lines: Vec<(listing::Model, Qty)>,
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
        let Some(found) = listing_to_order(conn, l.listing_id, today).await? else {
            errors.add(&format!("lines.{i}.listing_id"), RuleCode::NotFound);
            continue;
        };
        match found.ensure_orderable(today) {
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
            found.unit_decimals,
            &mut errors,
        );
        lines.push((found.listing, q));
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
    let number = super::numbers::allocate(txn, DocKind::Requisition, act.today).await?;
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
        number: Set(Some(number)),
        submitted_at: Set(Some(now)),
        draft_owner: Set(None),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    // The lines, the step and the audit entry: independent writes, sent together.
    let mut batch = Batch::new();
    lines_into(&mut batch, r.id, checked.lines);
    batch.insert(event(act, r.id, Step::Submit, ""));
    audit::record_with(
        txn,
        batch,
        &user.actor(),
        now,
        Change::new("requisition.submit", "requisition", r.id).after(&r),
    )
    .await?;
    Ok(r)
}

/// The checked lines of requisition `id`, at the listing's approved price of now.
pub(super) async fn insert_lines(
    txn: &DatabaseTransaction,
    id: RequisitionId,
    lines: Vec<(listing::Model, Qty)>,
) -> AppResult<()> {
    let mut batch = Batch::new();
    lines_into(&mut batch, id, lines);
    batch.run(txn).await?;
    Ok(())
}

/// [`insert_lines`]'s insert (one statement for all of them), for a caller's [`Batch`].
fn lines_into(batch: &mut Batch, id: RequisitionId, lines: Vec<(listing::Model, Qty)>) {
    if lines.is_empty() {
        return;
    }
    batch.insert(
        requisition_line::Entity::insert_many(lines.into_iter().map(|(l, q)| {
            requisition_line::ActiveModel {
                requisition_id: Set(id),
                listing_id: Set(l.id),
                quantity: Set(q),
                unit_price: Set(l.price),
                reserved: Set(Qty::zero()),
                issued: Set(Qty::zero()),
                ..Default::default()
            }
        }))
        .into_query(),
    );
}

/// One step in requisition `id`'s history, with the reason given (returns, rejections).
pub(super) async fn record_event(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    id: RequisitionId,
    step: Step,
    reason: &str,
) -> AppResult<()> {
    txn.execute(&event(act, id, step, reason)).await?;
    Ok(())
}

/// [`record_event`]'s insert, for a caller's [`Batch`].
fn event(act: &Act<'_>, id: RequisitionId, step: Step, reason: &str) -> InsertStatement {
    requisition_event::Entity::insert(requisition_event::ActiveModel {
        requisition_id: Set(id),
        action: Set(step.event().into()),
        reason: Set(reason.into()),
        by_user: Set(act.actor.id),
        at: Set(act.now),
        ..Default::default()
    })
    .into_query()
}

/// Mails the requester of `r` that it was `kind` (`requisition-approved`, `-returned`,
/// `-rejected`, `-issued`), in the caller's transaction.
pub(super) async fn mail_requester(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    r: &requisition::Model,
    kind: &str,
    reason: &str,
) -> AppResult<()> {
    let mut batch = Batch::new();
    mail_requester_into(txn, &mut batch, act, r, kind, reason).await?;
    batch.run(txn).await?;
    Ok(())
}

/// [`mail_requester`]: the requester read through `txn`, the notice and email added to
/// `batch` for the caller to run.
async fn mail_requester_into(
    txn: &DatabaseTransaction,
    batch: &mut Batch,
    act: &Act<'_>,
    r: &requisition::Model,
    kind: &str,
    reason: &str,
) -> AppResult<()> {
    let Some(requester) = user::Entity::find_by_id(r.requested_by).one(txn).await? else {
        return Ok(());
    };
    let args = [
        ("number", r.number.clone().unwrap_or_default()),
        ("purpose", r.purpose.clone()),
        ("reason", reason.to_string()),
        (
            "link",
            format!(
                "{}/requisitions/{}",
                act.base_url.trim_end_matches('/'),
                r.id
            ),
        ),
    ];
    let item = format!("/requisitions/{}", r.id);
    crate::mail::enqueue_to_users_linked_into(
        batch,
        &act.base_url,
        act.now,
        &[requester],
        kind,
        &item,
        &args,
    )
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
    let (st, user) = (state.clone(), user.clone());
    state
        .db
        .in_writer_lane(async move {
            let txn = st.db.begin_write().await?;
            let r = record_requisition(&txn, &Act::of(&st, &user), checked).await?;
            txn.commit().await?;
            Ok(r)
        })
        .await
}

pub(super) async fn load_requisition(
    conn: &impl ConnectionTrait,
    id: RequisitionId,
) -> AppResult<(requisition::Model, Vec<requisition_line::Model>)> {
    let r = requisition::Entity::find_by_id(id).one(conn).await?;
    with_lines(conn, id, r).await
}

/// [`load_requisition`], its row read under its lock (PostgreSQL; SQLite's writer is alone),
/// so its lines are read after any change of a writer that held it.
async fn load_requisition_locked(
    txn: &DatabaseTransaction,
    id: RequisitionId,
) -> AppResult<(requisition::Model, Vec<requisition_line::Model>)> {
    let r = requisition::Entity::find_by_id(id)
        .lock_exclusive()
        .one(txn)
        .await?;
    with_lines(txn, id, r).await
}

/// Requisition `r` (read as `id`; a draft is not found) with its lines.
async fn with_lines(
    conn: &impl ConnectionTrait,
    id: RequisitionId,
    r: Option<requisition::Model>,
) -> AppResult<(requisition::Model, Vec<requisition_line::Model>)> {
    let r = r
        .filter(|r| r.status != RequisitionStatus::Draft.as_str())
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
    /// Each line's amount (quantity × its unit price, to the cent), in line order.
    pub amounts: Vec<Decimal>,
    /// The sum of the line amounts.
    pub total: Decimal,
    /// The requester's name and the site's in both languages (see [`with_names`]).
    pub requester: String,
    pub site_zh: String,
    pub site_en: String,
}

impl RequisitionRow {
    /// The row with its status read and rule 9's flag worked out as of `now`.
    pub fn new(
        r: requisition::Model,
        lines: Vec<requisition_line::Model>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Self {
        let status = RequisitionStatus::parse(&r.status);
        let priced: Vec<(Decimal, Decimal)> = lines
            .iter()
            .map(|l| (l.quantity.value(), l.unit_price.value()))
            .collect();
        let (amounts, total) = super::rules::amounts(&priced)
            .unwrap_or_else(|_| (vec![Decimal::ZERO; lines.len()], Decimal::ZERO));
        RequisitionRow {
            overdue: super::rules::requisition_overdue(status, r.approved_at, now),
            status,
            lines,
            amounts,
            total,
            requester: String::new(),
            site_zh: String::new(),
            site_en: String::new(),
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
    filter: &RequisitionFilter,
    limit: Option<u64>,
) -> AppResult<Vec<RequisitionRow>> {
    let mut sel = requisition::Entity::find()
        .filter(requisition::Column::Status.ne(RequisitionStatus::Draft.as_str()))
        .order_by_desc(requisition::Column::Id);
    if let Some(s) = filter.status()? {
        sel = sel.filter(requisition::Column::Status.eq(s.as_str()));
    }
    if user.role.needs_site() {
        sel = sel.filter(requisition::Column::SiteId.eq(user.site_id.ok_or(AppError::Forbidden)?));
    }
    match filter.mine {
        Some(true) => sel = sel.filter(requisition::Column::RequestedBy.eq(user.id)),
        Some(false) => sel = sel.filter(requisition::Column::RequestedBy.ne(user.id)),
        None => {}
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
    let rows = rows
        .into_iter()
        .map(|r| {
            let l = lines.remove(&r.id).unwrap_or_default();
            RequisitionRow::new(r, l, now)
        })
        .filter(|row| filter.overdue.is_none_or(|o| row.overdue == o))
        .collect();
    with_names(conn, rows).await
}

/// What the requisitions list is narrowed to (the page's query, the API's parameters and the
/// home page's links all read it).
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequisitionFilter {
    /// `submitted`, `returned`, `approved`, `partly_issued`, `issued`, `rejected`, `cancelled`.
    pub status: Option<String>,
    /// `true`: only those past their need-by date and not fully issued; `false`: the others.
    pub overdue: Option<bool>,
    /// `true`: only those the reader raised; `false`: the others (a manager approves only
    /// those, rule 14).
    pub mine: Option<bool>,
}

impl RequisitionFilter {
    /// The status asked for; an unknown one is the field's error.
    pub fn status(&self) -> AppResult<Option<RequisitionStatus>> {
        match self.status.as_deref() {
            None => Ok(None),
            Some(s) => RequisitionStatus::parse(s)
                .filter(|s| *s != RequisitionStatus::Draft)
                .map(Some)
                .ok_or_else(|| AppError::field("status", crate::error::RuleCode::Invalid)),
        }
    }
}

/// `rows` with their requesters' and sites' names (one query each).
pub async fn with_names(
    conn: &impl ConnectionTrait,
    mut rows: Vec<RequisitionRow>,
) -> AppResult<Vec<RequisitionRow>> {
    let mut users: Vec<i64> = rows.iter().map(|r| r.r.requested_by).collect();
    users.sort_unstable();
    users.dedup();
    let mut sites: Vec<i64> = rows.iter().map(|r| r.r.site_id).collect();
    sites.sort_unstable();
    sites.dedup();
    let mut user_names = std::collections::HashMap::new();
    for chunk in users.chunks(500) {
        for u in user::Entity::find()
            .filter(user::Column::Id.is_in(chunk.to_vec()))
            .all(conn)
            .await?
        {
            user_names.insert(u.id, u.display_name);
        }
    }
    let mut site_names = std::collections::HashMap::new();
    for chunk in sites.chunks(500) {
        for s in site::Entity::find()
            .filter(site::Column::Id.is_in(chunk.to_vec()))
            .all(conn)
            .await?
        {
            site_names.insert(s.id, (s.name_zh, s.name_en));
        }
    }
    for row in &mut rows {
        row.requester = user_names
            .get(&row.r.requested_by)
            .cloned()
            .unwrap_or_default();
        (row.site_zh, row.site_en) = site_names.get(&row.r.site_id).cloned().unwrap_or_default();
    }
    Ok(rows)
}

pub(super) async fn set_status(
    txn: &DatabaseTransaction,
    r: &requisition::Model,
    from: &[RequisitionStatus],
    to: RequisitionStatus,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    change_status(txn, status_update(r, from, to, now)).await
}

/// The update moving `r` from `from` to `to`, only if it is still in `from`; a caller may set
/// more columns with it (the approver) before [`change_status`] runs it.
fn status_update(
    r: &requisition::Model,
    from: &[RequisitionStatus],
    to: RequisitionStatus,
    now: chrono::DateTime<chrono::Utc>,
) -> sea_orm::UpdateMany<requisition::Entity> {
    let from: Vec<&str> = from.iter().map(|s| s.as_str()).collect();
    requisition::Entity::update_many()
        .col_expr(requisition::Column::Status, Expr::value(to.as_str()))
        .col_expr(requisition::Column::UpdatedAt, Expr::value(now))
        .filter(requisition::Column::Id.eq(r.id))
        .filter(requisition::Column::Status.is_in(from))
}

/// Runs a [`status_update`]: a requisition no longer where it was refuses the step.
async fn change_status(
    txn: &DatabaseTransaction,
    update: sea_orm::UpdateMany<requisition::Entity>,
) -> AppResult<()> {
    let res = update.exec(txn).await?;
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
    crate::auth::four_eyes::not_own(r.requested_by, manager.id)?;
    let today = act.today;
    let now = act.now;
    // The status and who approved when, in one conditional update.
    let approval = status_update(
        &r,
        &RequisitionStatus::sources(Step::Approve),
        RequisitionStatus::Approved,
        now,
    )
    .col_expr(
        requisition::Column::ApprovedBy,
        Expr::value(Some(manager.id)),
    )
    .col_expr(requisition::Column::ApprovedAt, Expr::value(Some(now)));
    change_status(txn, approval).await?;
    // The lines' writes, the step, the notice and the audit entry go together at the end.
    let mut batch = Batch::new();
    for line in &lines {
        let found = listing_to_order(txn, line.listing_id, today)
            .await?
            .ok_or(AppError::NotFound)?;
        found.ensure_orderable(today)?;
        let l = found.listing;
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
        // Only this approval, which changed the requisition's status, writes its lines.
        batch.update(
            requisition_line::Entity::update_many()
                .col_expr(
                    requisition_line::Column::Reserved,
                    Expr::value(line.quantity),
                )
                .col_expr(requisition_line::Column::UnitPrice, Expr::value(l.price))
                .filter(requisition_line::Column::Id.eq(line.id))
                .into_query(),
        );
    }
    batch.insert(event(act, r.id, Step::Approve, ""));
    mail_requester_into(txn, &mut batch, act, &r, "requisition-approved", "").await?;
    audit::record_with(
        txn,
        batch,
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
    let (st, manager) = (state.clone(), manager.clone());
    state
        .db
        .in_writer_lane(async move {
            let txn = st.db.begin_write().await?;
            approve_requisition(&txn, &Act::of(&st, &manager), id).await?;
            txn.commit().await.map_err(AppError::from)
        })
        .await?;
    state.mail_wake.notify_one();
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
    // The requisition's row first (PostgreSQL; SQLite's writer is alone anyway), the order a
    // cancellation takes it in before the listings: an issue and a cancellation of the same
    // requisition wait for each other instead of deadlocking, and the one that waited reads
    // what the other committed.
    let (r, lines) = load_requisition_locked(txn, id).await?;
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
    // The movements, the notice, the slip, the step and the audit entry go together at the
    // end.
    let mut batch = Batch::new();
    for (line, q) in &plan {
        // The plan price in force today, read with the listing, goes with the issue (the
        // price-difference table).
        let found = listing_to_order(txn, line.listing_id, today)
            .await?
            .ok_or(AppError::NotFound)?;
        found.ensure_may_trade(today).map_err(not_orderable)?;
        let (l, plan_unit_price) = (found.listing, found.plan_unit_price);
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
            &mut batch,
            l.id,
            *q,
            AppError::Rule(RuleCode::InsufficientStock),
            &DrawnAs {
                kind: "issue",
                unit_price: line.unit_price,
                plan_unit_price,
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
    // Complete when every line is issued as far as it was reserved: the lines as read under
    // the requisition's lock, plus what this issue added to each.
    let done = lines.iter().all(|l| {
        let now_issued: Decimal = plan
            .iter()
            .filter(|(p, _)| p.id == l.id)
            .map(|(_, q)| q.value())
            .sum();
        l.issued.value() + now_issued >= l.reserved.value()
    });
    let step = if done {
        Step::IssueAll
    } else {
        Step::IssuePart
    };
    set_status(
        txn,
        &r,
        &RequisitionStatus::sources(step),
        if done {
            RequisitionStatus::Issued
        } else {
            RequisitionStatus::PartlyIssued
        },
        now,
    )
    .await?;
    // The requester is told first: the slip's number is taken last, just before the audit
    // entry, since its counter stays locked until the transaction ends and every other issue
    // waits for it.
    mail_requester_into(txn, &mut batch, act, &r, "requisition-issued", "").await?;
    // The issue slip (出库单): its lines are the issue movements of this requisition written
    // at this instant. It, the step and the audit entry go with the notice, together.
    let slip_number = super::numbers::allocate(txn, DocKind::IssueSlip, today).await?;
    batch.insert(
        issue_slip::Entity::insert(issue_slip::ActiveModel {
            number: Set(slip_number.clone()),
            requisition_id: Set(r.id),
            issued_by: Set(keeper.id),
            issued_at: Set(now),
            ..Default::default()
        })
        .into_query(),
    );
    batch.insert(event(act, r.id, step, &slip_number));
    audit::record_with(
        txn,
        batch,
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
    let (st, keeper) = (state.clone(), keeper.clone());
    state
        .db
        .in_writer_lane(async move {
            let txn = st.db.begin_write().await?;
            issue(&txn, &Act::of(&st, &keeper), id, issue_lines).await?;
            txn.commit().await.map_err(AppError::from)
        })
        .await?;
    state.mail_wake.notify_one();
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
    let (r, _) = load_requisition(txn, id).await?;
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
        &RequisitionStatus::sources(Step::Cancel),
        RequisitionStatus::Cancelled,
        now,
    )
    .await?;
    record_event(txn, act, r.id, Step::Cancel, "").await?;
    // The lines read now that `set_status` holds the requisition's row: lines read before
    // it may predate an issue that committed meanwhile, and releasing their open
    // quantity released what that issue had already taken (issue 14). An issue committed
    // before the status changed is counted here; one still running fails at its own status
    // change once this cancellation commits, and rolls back what it took.
    let lines = requisition_line::Entity::find()
        .filter(requisition_line::Column::RequisitionId.eq(r.id))
        .all(txn)
        .await?;
    for line in &lines {
        let open = Qty::new(line.reserved.value() - line.issued.value()).unwrap_or_default();
        if open.value() > Decimal::ZERO {
            // Never below zero: a release that finds less reserved than it frees met a change
            // it did not see, and refuses rather than count stock twice.
            let released = listing::Entity::update_many()
                .col_expr(
                    listing::Column::Reserved,
                    Expr::col(listing::Column::Reserved).sub(open),
                )
                .filter(listing::Column::Id.eq(line.listing_id))
                .filter(listing::Column::Reserved.gte(open))
                .exec(txn)
                .await?;
            if released.rows_affected != 1 {
                return Err(AppError::Conflict(RuleCode::StockChanged));
            }
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

// ----- The manager returns or rejects; the requester resubmits -----

/// What the site manager decides instead of approving.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Back to the requester to edit and submit again (same number).
    Return,
    /// Refused for good.
    Reject,
}

impl Decision {
    fn step(self) -> Step {
        match self {
            Decision::Return => Step::Return,
            Decision::Reject => Step::Reject,
        }
    }
}

/// The site manager (`act.actor`) returns or rejects a submitted requisition of their site
/// with `reason` (required: a field error on `reason` and nothing changes without one). The
/// requester is mailed; the history keeps the reason. Joins the caller's transaction.
pub async fn decide_requisition(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    id: RequisitionId,
    decision: Decision,
    reason: &str,
) -> AppResult<()> {
    let reason =
        super::rules::decision_reason(reason).map_err(|code| AppError::field("reason", code))?;
    let manager = act.actor;
    let (r, _) = load_requisition(txn, id).await?;
    if manager.role != Role::SiteManager || manager.site_id != Some(r.site_id) {
        return Err(AppError::Forbidden);
    }
    crate::auth::four_eyes::not_own(r.requested_by, manager.id)?;
    let step = decision.step();
    let to = RequisitionStatus::Submitted
        .after(step)
        .ok_or(AppError::Rule(RuleCode::RequisitionStatusChanged))?;
    set_status(txn, &r, &RequisitionStatus::sources(step), to, act.now).await?;
    record_event(txn, act, r.id, step, &reason).await?;
    let (kind, action) = match decision {
        Decision::Return => ("requisition-returned", "requisition.return"),
        Decision::Reject => ("requisition-rejected", "requisition.reject"),
    };
    mail_requester(txn, act, &r, kind, &reason).await?;
    audit::record(
        txn,
        &manager.actor(),
        act.now,
        Change::new(action, "requisition", r.id)
            .before(&r.status)
            .after(serde_json::json!({"status": to.as_str(), "reason": reason})),
    )
    .await?;
    Ok(())
}

/// [`decide_requisition`] on its own: in a write transaction of its own, committed when it
/// succeeds.
pub async fn decide_requisition_now(
    state: &AppState,
    manager: &CurrentUser,
    id: RequisitionId,
    decision: Decision,
    reason: &str,
) -> AppResult<requisition::Model> {
    let txn = state.db.begin_write().await?;
    decide_requisition(&txn, &Act::of(state, manager), id, decision, reason).await?;
    txn.commit().await?;
    state.mail_wake.notify_one();
    after_commit(state, id).await
}

/// The requester (`act.actor`) submits a returned requisition again, edited: `checked` (from
/// [`check_requisition`]) replaces its purpose, date and lines; it keeps its number and its
/// history. Joins the caller's transaction.
pub async fn record_resubmission(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    id: RequisitionId,
    checked: CheckedRequisition,
) -> AppResult<()> {
    let (r, _) = load_requisition(txn, id).await?;
    if r.requested_by != act.actor.id || r.site_id != checked.site_id {
        return Err(AppError::Forbidden);
    }
    let moved = requisition::Entity::update_many()
        .col_expr(
            requisition::Column::Status,
            Expr::value(RequisitionStatus::Submitted.as_str()),
        )
        .col_expr(requisition::Column::Purpose, Expr::value(checked.purpose))
        .col_expr(requisition::Column::NeedBy, Expr::value(checked.need_by))
        .col_expr(requisition::Column::SubmittedAt, Expr::value(Some(act.now)))
        .col_expr(requisition::Column::UpdatedAt, Expr::value(act.now))
        .filter(requisition::Column::Id.eq(r.id))
        .filter(
            requisition::Column::Status.is_in(
                RequisitionStatus::sources(Step::Resubmit)
                    .into_iter()
                    .map(RequisitionStatus::as_str),
            ),
        )
        .exec(txn)
        .await?;
    if moved.rows_affected != 1 {
        return Err(AppError::Rule(RuleCode::RequisitionStatusChanged));
    }
    requisition_line::Entity::delete_many()
        .filter(requisition_line::Column::RequisitionId.eq(r.id))
        .exec(txn)
        .await?;
    insert_lines(txn, r.id, checked.lines).await?;
    record_event(txn, act, r.id, Step::Resubmit, "").await?;
    // Named by `audit::actions` once listed there (see the module's list).
    let action = "requisition.resubmit";
    audit::record(
        txn,
        &act.actor.actor(),
        act.now,
        Change::new(action, "requisition", r.id)
            .before(&r.status)
            .after("submitted"),
    )
    .await?;
    Ok(())
}

/// A returned requisition edited and submitted again: checked on a reader, recorded in a
/// write transaction of its own (as [`submit_requisition_now`]).
pub async fn resubmit_requisition_now(
    state: &AppState,
    user: &CurrentUser,
    id: RequisitionId,
    input: RequisitionInput,
) -> AppResult<requisition::Model> {
    let act = Act::of(state, user);
    let (r, _) = load_requisition(&state.db.read, id).await?;
    if r.requested_by != user.id {
        return Err(AppError::Forbidden);
    }
    if RequisitionStatus::parse(&r.status) != Some(RequisitionStatus::Returned) {
        return Err(AppError::Rule(RuleCode::RequisitionStatusChanged));
    }
    let checked = check_requisition(&state.db.read, &act, input).await?;
    let txn = state.db.begin_write().await?;
    record_resubmission(&txn, &act, id, checked).await?;
    txn.commit().await?;
    after_commit(state, id).await
}

/// A requisition's history, oldest first, with the names of who took each step.
pub async fn history(
    conn: &impl ConnectionTrait,
    id: RequisitionId,
) -> AppResult<Vec<(requisition_event::Model, String)>> {
    let events = requisition_event::Entity::find()
        .filter(requisition_event::Column::RequisitionId.eq(id))
        .order_by_asc(requisition_event::Column::Id)
        .all(conn)
        .await?;
    let ids: Vec<i64> = events.iter().map(|e| e.by_user).collect();
    let names: std::collections::HashMap<i64, String> = user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    Ok(events
        .into_iter()
        .map(|e| {
            let n = names.get(&e.by_user).cloned().unwrap_or_default();
            (e, n)
        })
        .collect())
}

/// The requisition `user` may see, as its lists show it: a site's people only their site's
/// (another site's is not found), whoever reads all requisitions any (drafts are nobody's
/// here: the cart is `super::cart`).
pub async fn requisition_for(
    conn: &impl ConnectionTrait,
    user: &CurrentUser,
    id: RequisitionId,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<RequisitionRow> {
    let (r, lines) = load_requisition(conn, id).await?;
    if user.role.needs_site() && user.site_id != Some(r.site_id) {
        return Err(AppError::NotFound);
    }
    let rows = with_names(conn, vec![RequisitionRow::new(r, lines, now)]).await?;
    rows.into_iter().next().ok_or(AppError::NotFound)
}

/// Gives a number to every requisition past its draft that has none (rows written around
/// these store functions, as the demo loader writes its sample requisitions), in the month
/// each was created in, oldest first. Answers how many were numbered. One transaction.
pub async fn number_unnumbered(state: &AppState) -> AppResult<u64> {
    let txn = state.db.begin_write().await?;
    let rows = requisition::Entity::find()
        .filter(requisition::Column::Number.is_null())
        .filter(requisition::Column::Status.ne(RequisitionStatus::Draft.as_str()))
        .order_by_asc(requisition::Column::CreatedAt)
        .order_by_asc(requisition::Column::Id)
        .all(&txn)
        .await?;
    let tz = state.tz();
    for r in &rows {
        let day = r.created_at.with_timezone(&tz).date_naive();
        let number = super::numbers::allocate(&txn, DocKind::Requisition, day).await?;
        requisition::Entity::update_many()
            .col_expr(requisition::Column::Number, Expr::value(Some(number)))
            .col_expr(
                requisition::Column::SubmittedAt,
                Expr::value(Some(r.submitted_at.unwrap_or(r.created_at))),
            )
            .filter(requisition::Column::Id.eq(r.id))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(rows.len() as u64)
}
