//! Funds-plan persistence: starting a month's plan pre-filled from the unpaid statements and
//! the contracts due, its lines, submitting and deciding it (each one transaction with its
//! audit record and its notices), payments on contracts, and the month-end comparison.

use super::rules::{self, Action, Month, Source, Status};
use crate::audit::{self, Change};
use crate::auth::{Act, CurrentUser, Role};
use crate::error::{AppError, AppResult, FieldErrors, RuleCode};
use crate::money::Money;
use crate::state::AppState;
use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    SupplierId, contract, contract_payment, funds_plan, funds_plan_line, statement, supplier,
};
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use utoipa::ToSchema;

/// The longest note, reason or reference taken.
pub const NOTE_MAX: usize = 500;
pub const REFERENCE_MAX: usize = 100;

/// `month` read from a request: a field error on `month` when it is not "YYYY-MM".
pub fn month_field(s: &str) -> AppResult<Month> {
    if s.trim().is_empty() {
        return Err(AppError::field("month", RuleCode::Required));
    }
    Month::parse(s).map_err(|c| AppError::field("month", c))
}

fn day_in(at: DateTime<Utc>, tz: chrono_tz::Tz) -> NaiveDate {
    at.with_timezone(&tz).date_naive()
}

fn too_long(errors: &mut FieldErrors, field: &str, v: &str, max: usize) {
    if v.chars().count() > max {
        errors.add_with(field, RuleCode::TooLong, &[("max", max.to_string())]);
    }
}

/// The plan of `month`, if it was started.
pub async fn plan_of(
    conn: &impl ConnectionTrait,
    month: Month,
) -> AppResult<Option<funds_plan::Model>> {
    Ok(funds_plan::Entity::find()
        .filter(funds_plan::Column::Month.eq(month.to_string()))
        .one(conn)
        .await?)
}

async fn plan_or_404(conn: &impl ConnectionTrait, month: Month) -> AppResult<funds_plan::Model> {
    plan_of(conn, month).await?.ok_or(AppError::NotFound)
}

fn status_of(p: &funds_plan::Model) -> AppResult<Status> {
    Status::parse(&p.status).ok_or_else(|| AppError::Internal(format!("plan status {}", p.status)))
}

/// Holds the plan while its lines change: a conditional write that finds it editable (draft or
/// returned), so a submission and a line change one after the other, never both at once.
async fn hold_editable(
    txn: &DatabaseTransaction,
    p: &funds_plan::Model,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let r = funds_plan::Entity::update_many()
        .col_expr(funds_plan::Column::UpdatedAt, Expr::value(now))
        .filter(funds_plan::Column::Id.eq(p.id))
        .filter(
            funds_plan::Column::Status.is_in([Status::Draft.as_str(), Status::Returned.as_str()]),
        )
        .exec(txn)
        .await?;
    if r.rows_affected != 1 {
        return Err(AppError::Rule(RuleCode::FundsPlanNotEditable));
    }
    Ok(())
}

/// A line the pre-fill proposes, or finance enters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLine {
    pub supplier_id: SupplierId,
    pub amount: Decimal,
    pub source: Source,
    pub source_id: Option<i64>,
    pub note: String,
}

/// What has been paid on each contract, by contract id.
pub async fn paid_on_contracts(
    conn: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i64>,
) -> AppResult<HashMap<i64, Decimal>> {
    let ids: Vec<i64> = ids
        .into_iter()
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut out: HashMap<i64, Decimal> = HashMap::new();
    for chunk in ids.chunks(500) {
        for p in contract_payment::Entity::find()
            .filter(contract_payment::Column::ContractId.is_in(chunk.to_vec()))
            .all(conn)
            .await?
        {
            *out.entry(p.contract_id).or_default() += p.amount.value();
        }
    }
    Ok(out)
}

/// The lines a plan for `month` starts with: one per unpaid statement (issued and not yet
/// paid: its gross, its number as the note), then one per effective contract still to pay
/// that is due by the month's end (its total less what was paid on it).
pub async fn prefill(
    conn: &impl ConnectionTrait,
    month: Month,
    tz: chrono_tz::Tz,
) -> AppResult<Vec<NewLine>> {
    let mut out = Vec::new();
    for s in statement::Entity::find()
        .filter(statement::Column::Status.is_in(rules::UNPAID_STATEMENTS))
        .order_by_asc(statement::Column::Id)
        .all(conn)
        .await?
    {
        out.push(NewLine {
            supplier_id: s.supplier_id,
            amount: s.gross.value(),
            source: Source::Statement,
            source_id: Some(s.id.0),
            note: s.number,
        });
    }
    let contracts = contract::Entity::find()
        .filter(contract::Column::Status.eq("effective"))
        .order_by_asc(contract::Column::Id)
        .all(conn)
        .await?;
    let paid = paid_on_contracts(conn, contracts.iter().map(|c| c.id)).await?;
    for c in contracts {
        let effective_on = c.effective_at.map(|at| day_in(at, tz));
        if !rules::contract_due(month, c.ends_on, effective_on) {
            continue;
        }
        let left = rules::remaining(
            c.total.value(),
            paid.get(&c.id).copied().unwrap_or_default(),
        );
        if left > Decimal::ZERO {
            out.push(NewLine {
                supplier_id: c.supplier_id,
                amount: left,
                source: Source::Contract,
                source_id: Some(c.id),
                note: c.number,
            });
        }
    }
    Ok(out)
}

async fn insert_line(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    plan_id: i64,
    l: &NewLine,
) -> AppResult<funds_plan_line::Model> {
    let amount = rules::planned_amount(l.amount).map_err(|c| AppError::field("amount", c))?;
    Ok(funds_plan_line::ActiveModel {
        plan_id: Set(plan_id),
        supplier_id: Set(l.supplier_id),
        amount: Set(amount.fixed()),
        source: Set(l.source.as_str().into()),
        source_id: Set(l.source_id),
        note: Set(l.note.clone()),
        created_by: Set(act.actor.id),
        created_at: Set(act.now),
        updated_at: Set(act.now),
        ..Default::default()
    }
    .insert(txn)
    .await?)
}

/// Finance (`act.actor`) starts the plan of `month`, pre-filled ([`prefill`]): one plan per
/// month. Joins the caller's transaction.
pub async fn start(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    month: Month,
    tz: chrono_tz::Tz,
) -> AppResult<funds_plan::Model> {
    if plan_of(txn, month).await?.is_some() {
        return Err(AppError::Conflict(RuleCode::FundsPlanExists));
    }
    let p = funds_plan::ActiveModel {
        month: Set(month.to_string()),
        status: Set(Status::Draft.as_str().into()),
        created_by: Set(act.actor.id),
        created_at: Set(act.now),
        return_reason: Set(String::new()),
        updated_at: Set(act.now),
        ..Default::default()
    }
    .insert(txn)
    .await
    .map_err(|e| match AppError::from(e) {
        // Two starts of one month at once: the second finds it started.
        AppError::Conflict(RuleCode::Duplicate) => AppError::Conflict(RuleCode::FundsPlanExists),
        other => other,
    })?;
    let lines = prefill(txn, month, tz).await?;
    let mut made = Vec::with_capacity(lines.len());
    for l in &lines {
        made.push(insert_line(txn, act, p.id, l).await?);
    }
    audit::record(
        txn,
        &act.actor.actor(),
        act.now,
        Change::new("funds_plan.create", "funds_plan", p.id)
            .after(serde_json::json!({"plan": &p, "lines": &made})),
    )
    .await?;
    Ok(p)
}

pub async fn start_now(
    state: &AppState,
    user: &CurrentUser,
    month: Month,
) -> AppResult<funds_plan::Model> {
    let txn = state.db.begin_write().await?;
    let p = start(&txn, &Act::of(state, user), month, state.tz()).await?;
    txn.commit().await?;
    Ok(p)
}

/// A plan line to add (no `id`) or change (`id`).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct FundsLineInput {
    /// The line to change; none adds one.
    pub id: Option<i64>,
    /// Required for `other`; a statement's or contract's supplier when left out.
    pub supplier_id: Option<i64>,
    /// Yuan, zero or more, at most two decimal places.
    #[schema(value_type = Option<String>, example = "125000.00")]
    pub amount: Option<Decimal>,
    /// `statement`, `contract` or `other`.
    #[serde(default)]
    pub source: String,
    /// The statement's or contract's id (none for `other`).
    pub source_id: Option<i64>,
    #[serde(default)]
    pub note: String,
}

/// Reads `input` into a line: the source and its id must agree, and the supplier with them.
async fn read_line(
    conn: &impl ConnectionTrait,
    input: &FundsLineInput,
    mut errors: FieldErrors,
) -> AppResult<NewLine> {
    let source = if input.source.trim().is_empty() {
        errors.add("source", RuleCode::Required);
        None
    } else {
        let s = Source::parse(&input.source);
        if s.is_none() {
            errors.add("source", RuleCode::Invalid);
        }
        s
    };
    // The supplier the source names.
    let mut source_supplier = None;
    match (source, input.source_id) {
        (Some(Source::Other), Some(_)) => {
            errors.add("source_id", RuleCode::Invalid);
        }
        (Some(Source::Statement | Source::Contract), None) => {
            errors.add("source_id", RuleCode::Required);
        }
        (Some(Source::Statement), Some(id)) => {
            match statement::Entity::find_by_id(entity::StatementId(id))
                .one(conn)
                .await?
            {
                Some(s) => source_supplier = Some(s.supplier_id),
                None => {
                    errors.add("source_id", RuleCode::NotFound);
                }
            }
        }
        (Some(Source::Contract), Some(id)) => {
            match contract::Entity::find_by_id(id).one(conn).await? {
                Some(c) => source_supplier = Some(c.supplier_id),
                None => {
                    errors.add("source_id", RuleCode::NotFound);
                }
            }
        }
        _ => {}
    }
    let supplier_id = match (input.supplier_id, source_supplier) {
        (Some(s), Some(of_source)) if s != of_source.0 => {
            errors.add("supplier_id", RuleCode::Invalid);
            None
        }
        (_, Some(of_source)) => Some(of_source),
        (Some(s), None) => {
            let found = supplier::Entity::find_by_id(SupplierId(s))
                .one(conn)
                .await?;
            if found.is_none() {
                errors.add("supplier_id", RuleCode::NotFound);
            }
            found.map(|f| f.id)
        }
        (None, None) => {
            if source == Some(Source::Other) {
                errors.add("supplier_id", RuleCode::Required);
            }
            None
        }
    };
    let amount = match input.amount.map(rules::planned_amount) {
        None => {
            errors.add("amount", RuleCode::Required);
            None
        }
        Some(Err(c)) => {
            errors.add("amount", c);
            None
        }
        Some(Ok(a)) => Some(a),
    };
    let note = input.note.trim().to_string();
    too_long(&mut errors, "note", &note, NOTE_MAX);
    errors.into_result()?;
    let (Some(supplier_id), Some(amount), Some(source)) = (supplier_id, amount, source) else {
        return Err(AppError::field("supplier_id", RuleCode::Required));
    };
    Ok(NewLine {
        supplier_id,
        amount: amount.value(),
        source,
        source_id: input.source_id,
        note,
    })
}

/// Finance (`act.actor`) adds a line to the plan of `month`, or changes one, while the plan is
/// a draft or returned. A statement or contract is planned once per month. `errors` holds what
/// the caller already found wrong. Joins the caller's transaction.
pub async fn set_line(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    month: Month,
    input: FundsLineInput,
    errors: FieldErrors,
) -> AppResult<funds_plan_line::Model> {
    let p = plan_or_404(txn, month).await?;
    if !status_of(&p)?.editable() {
        return Err(AppError::Rule(RuleCode::FundsPlanNotEditable));
    }
    let before = match input.id {
        None => None,
        Some(id) => Some(
            funds_plan_line::Entity::find_by_id(id)
                .one(txn)
                .await?
                .filter(|l| l.plan_id == p.id)
                .ok_or(AppError::NotFound)?,
        ),
    };
    let line = read_line(txn, &input, errors).await?;
    if let Some(sid) = line.source_id {
        let mut q = funds_plan_line::Entity::find()
            .filter(funds_plan_line::Column::PlanId.eq(p.id))
            .filter(funds_plan_line::Column::Source.eq(line.source.as_str()))
            .filter(funds_plan_line::Column::SourceId.eq(sid));
        if let Some(b) = &before {
            q = q.filter(funds_plan_line::Column::Id.ne(b.id));
        }
        if q.one(txn).await?.is_some() {
            return Err(AppError::field("source_id", RuleCode::Duplicate));
        }
    }
    hold_editable(txn, &p, act.now).await?;
    let after = match &before {
        None => insert_line(txn, act, p.id, &line).await?,
        Some(b) => {
            let amount =
                rules::planned_amount(line.amount).map_err(|c| AppError::field("amount", c))?;
            funds_plan_line::ActiveModel {
                id: Set(b.id),
                supplier_id: Set(line.supplier_id),
                amount: Set(amount.fixed()),
                source: Set(line.source.as_str().into()),
                source_id: Set(line.source_id),
                note: Set(line.note.clone()),
                updated_at: Set(act.now),
                ..Default::default()
            }
            .update(txn)
            .await?
        }
    };
    let mut change = Change::new("funds_plan.line_set", "funds_plan_line", after.id).after(&after);
    if let Some(b) = &before {
        change = change.before(b);
    }
    audit::record(txn, &act.actor.actor(), act.now, change).await?;
    Ok(after)
}

pub async fn set_line_now(
    state: &AppState,
    user: &CurrentUser,
    month: Month,
    input: FundsLineInput,
    errors: FieldErrors,
) -> AppResult<funds_plan_line::Model> {
    let txn = state.db.begin_write().await?;
    let l = set_line(&txn, &Act::of(state, user), month, input, errors).await?;
    txn.commit().await?;
    Ok(l)
}

/// Finance removes a line while the plan is a draft or returned. Joins the caller's
/// transaction.
pub async fn remove_line(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    month: Month,
    line_id: i64,
) -> AppResult<()> {
    let p = plan_or_404(txn, month).await?;
    let l = funds_plan_line::Entity::find_by_id(line_id)
        .one(txn)
        .await?
        .filter(|l| l.plan_id == p.id)
        .ok_or(AppError::NotFound)?;
    hold_editable(txn, &p, act.now).await?;
    funds_plan_line::Entity::delete_by_id(l.id)
        .exec(txn)
        .await?;
    audit::record(
        txn,
        &act.actor.actor(),
        act.now,
        Change::new("funds_plan.line_remove", "funds_plan_line", l.id).before(&l),
    )
    .await
}

pub async fn remove_line_now(
    state: &AppState,
    user: &CurrentUser,
    month: Month,
    line_id: i64,
) -> AppResult<()> {
    let txn = state.db.begin_write().await?;
    remove_line(&txn, &Act::of(state, user), month, line_id).await?;
    txn.commit().await?;
    Ok(())
}

async fn lines_of(
    conn: &impl ConnectionTrait,
    plan_id: i64,
) -> AppResult<Vec<funds_plan_line::Model>> {
    Ok(funds_plan_line::Entity::find()
        .filter(funds_plan_line::Column::PlanId.eq(plan_id))
        .order_by_asc(funds_plan_line::Column::Id)
        .all(conn)
        .await?)
}

/// Moves the plan from `from` to `to` with `set`, only if it is still in `from`: of two
/// moves at once, the second finds it moved (`funds_plan_changed`).
async fn move_plan(
    txn: &DatabaseTransaction,
    p: &funds_plan::Model,
    from: Status,
    to: Status,
    set: Vec<(funds_plan::Column, Expr)>,
    now: DateTime<Utc>,
) -> AppResult<funds_plan::Model> {
    let mut u = funds_plan::Entity::update_many()
        .col_expr(funds_plan::Column::Status, Expr::value(to.as_str()))
        .col_expr(funds_plan::Column::UpdatedAt, Expr::value(now));
    for (c, e) in set {
        u = u.col_expr(c, e);
    }
    let r = u
        .filter(funds_plan::Column::Id.eq(p.id))
        .filter(funds_plan::Column::Status.eq(from.as_str()))
        .exec(txn)
        .await?;
    if r.rows_affected != 1 {
        return Err(AppError::Conflict(RuleCode::FundsPlanChanged));
    }
    funds_plan::Entity::find_by_id(p.id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)
}

/// Finance (`act.actor`) submits the plan of `month` to the procurement head, who hears of it
/// (notice and mail). Joins the caller's transaction.
pub async fn submit(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    month: Month,
) -> AppResult<funds_plan::Model> {
    let p = plan_or_404(txn, month).await?;
    let from = status_of(&p)?;
    let to = rules::next(from, Action::Submit).ok_or(AppError::Rule(RuleCode::FundsPlanState))?;
    let lines = lines_of(txn, p.id).await?;
    if lines.is_empty() {
        return Err(AppError::Rule(RuleCode::FundsPlanEmpty));
    }
    let mut set = vec![
        (
            funds_plan::Column::SubmittedBy,
            Expr::value(Some(act.actor.id)),
        ),
        (funds_plan::Column::SubmittedAt, Expr::value(Some(act.now))),
    ];
    if p.first_submitted_at.is_none() {
        set.push((
            funds_plan::Column::FirstSubmittedAt,
            Expr::value(Some(act.now)),
        ));
    }
    let after = move_plan(txn, &p, from, to, set, act.now).await?;
    audit::record(
        txn,
        &act.actor.actor(),
        act.now,
        Change::new("funds_plan.submit", "funds_plan", p.id)
            .before(&p)
            .after(&after),
    )
    .await?;
    let total = crate::money::sum_cents(lines.iter().map(|l| l.amount.value()))
        .map_err(|e| AppError::Rule(e.code()))?;
    let heads = crate::users::store::active_with_roles(txn, &[Role::ProcurementHead]).await?;
    let link = format!("/funds-plans/{month}");
    crate::mail::enqueue_to_users_linked(
        txn,
        &act.base_url,
        act.now,
        &heads,
        "funds_plan_submitted",
        &link,
        &[
            ("month", month.to_string()),
            ("total", crate::money::cents_text(total)),
            ("link", link.clone()),
        ],
    )
    .await?;
    Ok(after)
}

pub async fn submit_now(
    state: &AppState,
    user: &CurrentUser,
    month: Month,
) -> AppResult<funds_plan::Model> {
    let txn = state.db.begin_write().await?;
    let p = submit(&txn, &Act::of(state, user), month).await?;
    txn.commit().await?;
    state.mail_wake.notify_one();
    Ok(p)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct FundsDecision {
    /// `true` approves the plan; `false` returns it to finance (a reason is required).
    pub approve: bool,
    #[serde(default)]
    pub reason: String,
}

/// The procurement head (`act.actor`) approves the submitted plan of `month` or returns it
/// with a reason (rule 14: never one they prepared or submitted). Decided once. Finance hears
/// of it. Joins the caller's transaction.
pub async fn decide(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    month: Month,
    decision: FundsDecision,
) -> AppResult<funds_plan::Model> {
    let head = act.actor;
    let p = plan_or_404(txn, month).await?;
    if let Some(by) = p.submitted_by {
        crate::auth::four_eyes::not_own(by, head.id)?;
    }
    crate::auth::four_eyes::not_own(p.created_by, head.id)?;
    let from = status_of(&p)?;
    let action = if decision.approve {
        Action::Approve
    } else {
        Action::Return
    };
    let to = rules::next(from, action).ok_or(AppError::Rule(RuleCode::FundsPlanState))?;
    let reason = decision.reason.trim().to_string();
    let mut errors = FieldErrors::new();
    if !decision.approve && reason.is_empty() {
        errors.add("reason", RuleCode::Required);
    }
    too_long(&mut errors, "reason", &reason, NOTE_MAX);
    errors.into_result()?;
    let after = move_plan(
        txn,
        &p,
        from,
        to,
        vec![
            (funds_plan::Column::DecidedBy, Expr::value(Some(head.id))),
            (funds_plan::Column::DecidedAt, Expr::value(Some(act.now))),
            (
                funds_plan::Column::ReturnReason,
                Expr::value(if decision.approve {
                    String::new()
                } else {
                    reason.clone()
                }),
            ),
        ],
        act.now,
    )
    .await?;
    audit::record(
        txn,
        &head.actor(),
        act.now,
        Change::new(
            if decision.approve {
                "funds_plan.approve"
            } else {
                "funds_plan.return"
            },
            "funds_plan",
            p.id,
        )
        .before(&p)
        .after(&after),
    )
    .await?;
    let finance = crate::users::store::active_with_roles(txn, &[Role::Finance]).await?;
    let link = format!("/funds-plans/{month}");
    crate::mail::enqueue_to_users_linked(
        txn,
        &act.base_url,
        act.now,
        &finance,
        if decision.approve {
            "funds_plan_approved"
        } else {
            "funds_plan_returned"
        },
        &link,
        &[
            ("month", month.to_string()),
            ("reason", reason),
            ("link", link.clone()),
        ],
    )
    .await?;
    Ok(after)
}

pub async fn decide_now(
    state: &AppState,
    user: &CurrentUser,
    month: Month,
    decision: FundsDecision,
) -> AppResult<funds_plan::Model> {
    let txn = state.db.begin_write().await?;
    let p = decide(&txn, &Act::of(state, user), month, decision).await?;
    txn.commit().await?;
    state.mail_wake.notify_one();
    Ok(p)
}

// ----- Payments on contracts -----

/// A payment finance made on an effective contract.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct ContractPaymentInput {
    pub contract_id: Option<i64>,
    /// Yuan, above zero, at most two decimal places; the contract's payments may not add up to
    /// more than its total.
    #[schema(value_type = Option<String>, example = "50000.00")]
    pub amount: Option<Decimal>,
    /// The day it was paid (`YYYY-MM-DD`).
    pub paid_on: Option<NaiveDate>,
    /// The bank's or voucher's reference.
    #[serde(default)]
    pub reference: String,
}

/// Finance (`act.actor`) records a payment on an effective contract. The contract's row is
/// held until the transaction ends, so two payments at once are checked one after the other
/// against its total. `errors` holds what the caller already found wrong. Joins the caller's
/// transaction.
pub async fn record_payment(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    input: ContractPaymentInput,
    mut errors: FieldErrors,
) -> AppResult<contract_payment::Model> {
    let c = match input.contract_id {
        None => {
            errors.add("contract_id", RuleCode::Required);
            None
        }
        Some(id) => {
            // SQLite has no row locks; its write transactions are one at a time already.
            let c = contract::Entity::find_by_id(id)
                .lock_exclusive()
                .one(txn)
                .await?;
            match &c {
                None => {
                    errors.add("contract_id", RuleCode::NotFound);
                }
                Some(c) if c.status != "effective" => {
                    errors.add("contract_id", RuleCode::FundsContractNotEffective);
                }
                _ => {}
            }
            c
        }
    };
    let amount = match input.amount.map(rules::payment_amount) {
        None => {
            errors.add("amount", RuleCode::Required);
            None
        }
        Some(Err(code)) => {
            errors.add("amount", code);
            None
        }
        Some(Ok(a)) => Some(a),
    };
    if input.paid_on.is_none() {
        errors.add("paid_on", RuleCode::Required);
    }
    let reference = input.reference.trim().to_string();
    if reference.is_empty() {
        errors.add("reference", RuleCode::Required);
    }
    too_long(&mut errors, "reference", &reference, REFERENCE_MAX);
    if let (Some(c), Some(a)) = (&c, amount) {
        let paid = paid_on_contracts(txn, [c.id])
            .await?
            .get(&c.id)
            .copied()
            .unwrap_or_default();
        if let Err(code) = rules::may_pay(c.total.value(), paid, a.value()) {
            errors.add("amount", code);
        }
    }
    errors.into_result()?;
    let (Some(c), Some(amount), Some(paid_on)) = (c, amount, input.paid_on) else {
        return Err(AppError::field("contract_id", RuleCode::Required));
    };
    let p = contract_payment::ActiveModel {
        contract_id: Set(c.id),
        supplier_id: Set(c.supplier_id),
        amount: Set(amount.fixed()),
        paid_on: Set(paid_on),
        reference: Set(reference),
        recorded_by: Set(act.actor.id),
        recorded_at: Set(act.now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    audit::record(
        txn,
        &act.actor.actor(),
        act.now,
        Change::new("contract.payment", "contract_payment", p.id).after(&p),
    )
    .await?;
    Ok(p)
}

pub async fn record_payment_now(
    state: &AppState,
    user: &CurrentUser,
    input: ContractPaymentInput,
    errors: FieldErrors,
) -> AppResult<contract_payment::Model> {
    let txn = state.db.begin_write().await?;
    let p = record_payment(&txn, &Act::of(state, user), input, errors).await?;
    txn.commit().await?;
    Ok(p)
}

// ----- Views -----

/// A supplier as the plan names it; a removed one still appears (rule 2: what is owed is paid).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SupplierRef {
    pub id: i64,
    pub name: String,
    pub status: String,
}

async fn suppliers(
    conn: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i64>,
) -> AppResult<HashMap<i64, SupplierRef>> {
    let ids: Vec<SupplierId> = ids
        .into_iter()
        .collect::<HashSet<_>>()
        .into_iter()
        .map(SupplierId)
        .collect();
    let mut out = HashMap::new();
    for chunk in ids.chunks(500) {
        for s in supplier::Entity::find()
            .filter(supplier::Column::Id.is_in(chunk.to_vec()))
            .all(conn)
            .await?
        {
            out.insert(
                s.id.0,
                SupplierRef {
                    id: s.id.0,
                    name: s.legal_name,
                    status: s.status,
                },
            );
        }
    }
    Ok(out)
}

fn supplier_ref(names: &HashMap<i64, SupplierRef>, id: i64) -> SupplierRef {
    names.get(&id).cloned().unwrap_or(SupplierRef {
        id,
        name: String::new(),
        status: String::new(),
    })
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FundsLineView {
    pub id: i64,
    pub supplier: SupplierRef,
    #[schema(value_type = String, example = "125000.00")]
    pub amount: Decimal,
    /// `statement`, `contract` or `other`.
    pub source: String,
    pub source_id: Option<i64>,
    pub note: String,
}

/// A month's funds plan with its lines.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FundsPlanView {
    pub id: i64,
    #[schema(value_type = String, example = "2027-03")]
    pub month: Month,
    /// `draft`, `submitted`, `approved` or `returned`.
    pub status: String,
    /// The 3rd of the month.
    pub due_on: NaiveDate,
    /// Submitted after the 3rd, or still not submitted after it.
    pub late: bool,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub submitted_by: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub first_submitted_at: Option<DateTime<Utc>>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub return_reason: String,
    /// Who prepared and submitted it: the user ids rule 14 keeps from deciding it.
    #[serde(skip)]
    pub raised_by: Vec<i64>,
    pub lines: Vec<FundsLineView>,
    #[schema(value_type = String, example = "125000.00")]
    pub total: Decimal,
}

/// The plan of `month` as the API and the page show it.
pub async fn view(
    conn: &impl ConnectionTrait,
    p: funds_plan::Model,
    today: NaiveDate,
    tz: chrono_tz::Tz,
) -> AppResult<FundsPlanView> {
    let month = Month::parse(&p.month)
        .map_err(|_| AppError::Internal(format!("plan month {}", p.month)))?;
    let lines = lines_of(conn, p.id).await?;
    let names = suppliers(conn, lines.iter().map(|l| l.supplier_id.0)).await?;
    let users = crate::users::store::display_names(
        conn,
        [Some(p.created_by), p.submitted_by, p.decided_by]
            .into_iter()
            .flatten(),
    )
    .await?;
    let name = |id: Option<i64>| id.map(|id| users.get(&id).cloned().unwrap_or_default());
    let total = crate::money::sum_cents(lines.iter().map(|l| l.amount.value()))
        .map_err(|e| AppError::Rule(e.code()))?;
    let d = rules::due(month, p.first_submitted_at.map(|at| day_in(at, tz)), today);
    Ok(FundsPlanView {
        id: p.id,
        month,
        status: p.status,
        due_on: d.due_on,
        late: d.late,
        created_by: name(Some(p.created_by)).unwrap_or_default(),
        created_at: p.created_at,
        submitted_by: name(p.submitted_by),
        submitted_at: p.submitted_at,
        first_submitted_at: p.first_submitted_at,
        decided_by: name(p.decided_by),
        decided_at: p.decided_at,
        return_reason: p.return_reason,
        raised_by: [Some(p.created_by), p.submitted_by]
            .into_iter()
            .flatten()
            .collect(),
        lines: lines
            .into_iter()
            .map(|l| FundsLineView {
                id: l.id,
                supplier: supplier_ref(&names, l.supplier_id.0),
                amount: l.amount.value(),
                source: l.source,
                source_id: l.source_id,
                note: l.note,
            })
            .collect(),
        total,
    })
}

/// The plan of `month` viewed, or not found.
pub async fn view_of(state: &AppState, month: Month) -> AppResult<FundsPlanView> {
    let conn = &state.db.read;
    let p = plan_or_404(conn, month).await?;
    view(conn, p, state.today(), state.tz()).await
}

/// A month's plan in the list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanSummary {
    /// None for this month's plan while not started.
    pub id: Option<i64>,
    #[schema(value_type = String, example = "2027-03")]
    pub month: Month,
    pub status: String,
    pub due_on: NaiveDate,
    pub late: bool,
    pub lines: usize,
    #[schema(value_type = String, example = "125000.00")]
    pub total: Decimal,
}

/// What the list of plans is narrowed to (the page's query, the API's parameters and the home
/// page's links all read it).
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlanFilter {
    /// `draft`, `submitted`, `approved` or `returned`.
    pub status: Option<String>,
    /// `true`: only the plans the reader prepared or submitted; `false`: the others (a head
    /// decides only those, rule 14).
    pub mine: Option<bool>,
    /// `true`: only the current month's plan while finance still owes it by the 3rd: not
    /// started yet or a draft; `false`: the others.
    pub due: Option<bool>,
}

/// The status the current month's plan is listed with while nobody has started it (no id,
/// no lines; nobody raised it, so `mine=true` leaves it out, as does any `status`).
pub const NOT_STARTED: &str = "not_started";

impl PlanFilter {
    /// The status asked for; an unknown one is the field's error.
    pub fn status(&self) -> AppResult<Option<Status>> {
        match self.status.as_deref() {
            None => Ok(None),
            Some(s) => Status::parse(s)
                .map(Some)
                .ok_or_else(|| AppError::field("status", RuleCode::Invalid)),
        }
    }
}

/// The plans `user` asked for with `filter`, newest month first.
pub async fn list(
    conn: &impl ConnectionTrait,
    user: &CurrentUser,
    filter: &PlanFilter,
    today: NaiveDate,
    tz: chrono_tz::Tz,
) -> AppResult<Vec<PlanSummary>> {
    let status = filter.status()?;
    let current = Month::of(today);
    let mut q = funds_plan::Entity::find().order_by_desc(funds_plan::Column::Month);
    if let Some(s) = status {
        q = q.filter(funds_plan::Column::Status.eq(s.as_str()));
    }
    let mut plans = q.all(conn).await?;
    let current_month = current.to_string();
    let owed =
        |p: &funds_plan::Model| p.month == current_month && p.status == Status::Draft.as_str();
    match filter.due {
        Some(true) => plans.retain(owed),
        Some(false) => plans.retain(|p| !owed(p)),
        None => {}
    }
    if let Some(mine) = filter.mine {
        plans.retain(|p| (p.created_by == user.id || p.submitted_by == Some(user.id)) == mine);
    }
    let ids: Vec<i64> = plans.iter().map(|p| p.id).collect();
    let mut by_plan: BTreeMap<i64, (usize, Vec<Decimal>)> = BTreeMap::new();
    if !ids.is_empty() {
        for l in funds_plan_line::Entity::find()
            .filter(funds_plan_line::Column::PlanId.is_in(ids))
            .all(conn)
            .await?
        {
            let e = by_plan.entry(l.plan_id).or_default();
            e.0 += 1;
            e.1.push(l.amount.value());
        }
    }
    let mut out = Vec::with_capacity(plans.len() + 1);
    // This month's plan not started yet is listed (it is owed), unless the filter leaves it out.
    if status.is_none()
        && filter.mine != Some(true)
        && filter.due != Some(false)
        && plan_of(conn, current).await?.is_none()
    {
        let d = rules::due(current, None, today);
        out.push(PlanSummary {
            id: None,
            month: current,
            status: NOT_STARTED.into(),
            due_on: d.due_on,
            late: d.late,
            lines: 0,
            total: Decimal::ZERO,
        });
    }
    for p in plans {
        let Ok(month) = Month::parse(&p.month) else {
            continue;
        };
        let (lines, amounts) = by_plan.remove(&p.id).unwrap_or_default();
        let d = rules::due(month, p.first_submitted_at.map(|at| day_in(at, tz)), today);
        out.push(PlanSummary {
            id: Some(p.id),
            month,
            status: p.status,
            due_on: d.due_on,
            late: d.late,
            lines,
            total: crate::money::sum_cents(amounts).map_err(|e| AppError::Rule(e.code()))?,
        });
    }
    // Newest month first, the one not started in its place.
    out.sort_by_key(|p| std::cmp::Reverse(p.month));
    Ok(out)
}

/// An effective contract with what was paid on it and what is left.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OpenContract {
    pub id: i64,
    pub number: String,
    pub supplier: SupplierRef,
    #[schema(value_type = String)]
    pub total: Decimal,
    #[schema(value_type = String)]
    pub paid: Decimal,
    #[schema(value_type = String)]
    pub remaining: Decimal,
    pub ends_on: Option<NaiveDate>,
}

/// The effective contracts still to pay, by number.
pub async fn open_contracts(conn: &impl ConnectionTrait) -> AppResult<Vec<OpenContract>> {
    let cs = contract::Entity::find()
        .filter(contract::Column::Status.eq("effective"))
        .order_by_asc(contract::Column::Number)
        .all(conn)
        .await?;
    let paid = paid_on_contracts(conn, cs.iter().map(|c| c.id)).await?;
    let names = suppliers(conn, cs.iter().map(|c| c.supplier_id.0)).await?;
    Ok(cs
        .into_iter()
        .filter_map(|c| {
            let p = paid.get(&c.id).copied().unwrap_or_default();
            let left = rules::remaining(c.total.value(), p);
            (left > Decimal::ZERO).then(|| OpenContract {
                id: c.id,
                number: c.number,
                supplier: supplier_ref(&names, c.supplier_id.0),
                total: c.total.value(),
                paid: Money::round(p).map(Money::value).unwrap_or(p),
                remaining: left,
                ends_on: c.ends_on,
            })
        })
        .collect())
}

/// A payment as the API answers it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContractPaymentView {
    pub id: i64,
    pub contract_id: i64,
    pub supplier_id: i64,
    #[schema(value_type = String)]
    pub amount: Decimal,
    pub paid_on: NaiveDate,
    pub reference: String,
    /// What is left to pay on the contract after it.
    #[schema(value_type = String)]
    pub remaining: Decimal,
}

pub async fn payment_view(
    conn: &impl ConnectionTrait,
    p: contract_payment::Model,
) -> AppResult<ContractPaymentView> {
    let total = contract::Entity::find_by_id(p.contract_id)
        .one(conn)
        .await?
        .map(|c| c.total.value())
        .unwrap_or_default();
    let paid = paid_on_contracts(conn, [p.contract_id])
        .await?
        .get(&p.contract_id)
        .copied()
        .unwrap_or_default();
    Ok(ContractPaymentView {
        id: p.id,
        contract_id: p.contract_id,
        supplier_id: p.supplier_id.0,
        amount: p.amount.value(),
        paid_on: p.paid_on,
        reference: p.reference,
        remaining: rules::remaining(total, paid),
    })
}

// ----- The month-end comparison -----

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ComparisonRow {
    pub supplier: SupplierRef,
    #[schema(value_type = String, example = "150000.00")]
    pub planned: Decimal,
    #[schema(value_type = String, example = "120000.00")]
    pub paid: Decimal,
    /// Paid − planned.
    #[schema(value_type = String, example = "-30000.00")]
    pub variance: Decimal,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ComparisonTotal {
    #[schema(value_type = String)]
    pub planned: Decimal,
    #[schema(value_type = String)]
    pub paid: Decimal,
    #[schema(value_type = String)]
    pub variance: Decimal,
}

/// The month's plan against what was paid, by supplier (by name).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Comparison {
    #[schema(value_type = String, example = "2027-03")]
    pub month: Month,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    /// The plan's state; none when no plan was started for the month.
    pub plan_status: Option<String>,
    pub rows: Vec<ComparisonRow>,
    pub total: ComparisonTotal,
}

/// The comparison of `month`: planned (the plan's lines, whatever its state) against paid
/// (statements whose `paid_on` falls in the month, by gross, and contract payments dated in
/// it), per supplier, with variance = paid − planned and totals that add up to the cent.
pub async fn comparison(conn: &impl ConnectionTrait, month: Month) -> AppResult<Comparison> {
    let plan = plan_of(conn, month).await?;
    let planned: Vec<(i64, Decimal)> = match &plan {
        Some(p) => lines_of(conn, p.id)
            .await?
            .into_iter()
            .map(|l| (l.supplier_id.0, l.amount.value()))
            .collect(),
        None => Vec::new(),
    };
    let (first, last) = (month.first_day(), month.last_day());
    let mut paid: Vec<(i64, Decimal)> = statement::Entity::find()
        .filter(statement::Column::PaidOn.gte(first))
        .filter(statement::Column::PaidOn.lte(last))
        .all(conn)
        .await?
        .into_iter()
        .map(|s| (s.supplier_id.0, s.gross.value()))
        .collect();
    paid.extend(
        contract_payment::Entity::find()
            .filter(contract_payment::Column::PaidOn.gte(first))
            .filter(contract_payment::Column::PaidOn.lte(last))
            .all(conn)
            .await?
            .into_iter()
            .map(|p| (p.supplier_id.0, p.amount.value())),
    );
    let c = rules::compare(&planned, &paid).map_err(|e| AppError::Rule(e.code()))?;
    let names = suppliers(conn, c.rows.iter().map(|r| r.supplier_id)).await?;
    let mut rows: Vec<ComparisonRow> = c
        .rows
        .into_iter()
        .map(|r| ComparisonRow {
            supplier: supplier_ref(&names, r.supplier_id),
            planned: r.planned,
            paid: r.paid,
            variance: r.variance,
        })
        .collect();
    rows.sort_by(|a, b| (&a.supplier.name, a.supplier.id).cmp(&(&b.supplier.name, b.supplier.id)));
    Ok(Comparison {
        month,
        first_day: first,
        last_day: last,
        plan_status: plan.map(|p| p.status),
        rows,
        total: ComparisonTotal {
            planned: c.planned,
            paid: c.paid,
            variance: c.variance,
        },
    })
}

/// Suppliers a line may be for (id, name), by name: every supplier that ever traded.
pub async fn supplier_choices(conn: &impl ConnectionTrait) -> AppResult<Vec<(i64, String)>> {
    Ok(supplier::Entity::find()
        .filter(supplier::Column::Status.is_not_in(["draft", "submitted", "rejected"]))
        .order_by_asc(supplier::Column::LegalName)
        .all(conn)
        .await?
        .into_iter()
        .map(|s| (s.id.0, s.legal_name))
        .collect())
}
