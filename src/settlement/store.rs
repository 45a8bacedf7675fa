//! Settlement persistence: closing periods into statements, and the statement workflow.
//!
//! Closing is idempotent and exclusive without any lock of its own: a batch of suppliers'
//! statements for a period is written in one transaction, and the database's unique keys — one
//! statement per supplier and period, one line per movement, one line per adjustment — make a
//! second instance's attempt fail and roll back whole (a batch refused so is written again
//! supplier by supplier). So two instances closing at once produce one set of
//! statements, and no movement is ever in two statements; the close takes every unsettled
//! draw before the period's end, so none is left out either.

use super::rules::{self, Action, Carried, Draw, LineKind, Period, Status};
use crate::audit::{self, Actor, Change};
use crate::auth::{Act, CurrentUser, Role};
use crate::error::RuleCode;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::money::cents_for;
use crate::state::AppState;
use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    Fixed, consignment_agreement, listing, material, movement, statement, statement_adjustment,
    statement_line,
};
use entity::{ListingId, StatementId, SupplierId};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Expr, Func, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbErr,
    EntityTrait, ExprTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

const DRAW_KINDS: [&str; 2] = ["issue", "site_return"];

/// A supplier's draws not yet on any statement.
fn unsettled_draws() -> sea_orm::Select<movement::Entity> {
    movement::Entity::find()
        .filter(movement::Column::Kind.is_in(DRAW_KINDS))
        // NOT EXISTS probes the unique index per movement; NOT IN over every settled line
        // made PostgreSQL rescan them (the benchmark's million movements).
        .filter(
            Expr::exists(
                Query::select()
                    .expr(Expr::val(1))
                    .from(statement_line::Entity)
                    .and_where(
                        Expr::col((statement_line::Entity, statement_line::Column::MovementId))
                            .equals((movement::Entity, movement::Column::Id)),
                    )
                    .to_owned(),
            )
            .not(),
        )
}

/// Adjustments not yet carried onto a statement.
fn uncarried() -> sea_orm::Select<statement_adjustment::Entity> {
    statement_adjustment::Entity::find().filter(
        Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from(statement_line::Entity)
                .and_where(
                    Expr::col((statement_line::Entity, statement_line::Column::AdjustmentId))
                        .equals((
                            statement_adjustment::Entity,
                            statement_adjustment::Column::Id,
                        )),
                )
                .to_owned(),
        )
        .not(),
    )
}

fn draw_of(m: &movement::Model) -> Draw {
    Draw {
        movement_id: m.id,
        supplier_id: m.supplier_id,
        listing_id: m.listing_id,
        at: m.at,
        kind: if m.kind == "site_return" {
            LineKind::SiteReturn
        } else {
            LineKind::Issue
        },
        quantity: m.quantity.value().abs(),
        unit_price: m.unit_price.value(),
    }
}

fn cutoff_of(a: &consignment_agreement::Model) -> u32 {
    u32::try_from(a.cutoff_day).unwrap_or(crate::settings::DEFAULT_CUTOFF_DAY)
}

/// Closes every supplier's settlement periods that have ended by `as_of`: `only` one period,
/// or (the monthly job) every period from the supplier's oldest unsettled draw to the last
/// one that has ended. Returns the statements made; closing again makes none.
///
/// Period by period, oldest first (a supplier's periods close in order), the suppliers closing
/// a period are written [`SUPPLIERS_PER_CLOSE`] at a time, each batch in one transaction (one
/// insert of the statements, an `INSERT … SELECT` of each statement's draw lines by id, one
/// audit insert): a transaction per supplier made the month end 2.7 s on SQLite and 5.4 s on
/// PostgreSQL in the benchmark, batches 1.8 and 3.2 s. Should another instance close some of
/// them meanwhile, that batch is rolled back and its suppliers are closed one by one, so the
/// other's statements stand and none is written twice.
pub async fn close(
    state: &AppState,
    actor: &Actor,
    as_of: NaiveDate,
    only: Option<Period>,
) -> AppResult<Vec<statement::Model>> {
    use std::collections::{BTreeMap, BTreeSet, HashMap};
    let tz = state.tz();
    let agreements = consignment_agreement::Entity::find()
        .order_by_asc(consignment_agreement::Column::SupplierId)
        .all(&state.db.read)
        .await?;
    // The last period each supplier may close (cut-off days differ by agreement), and the
    // latest instant one of them ends.
    let closable = |a: &consignment_agreement::Model| {
        let last = Period::last_closed_by(as_of, cutoff_of(a));
        match only {
            Some(p) if p <= last => Some(p),
            Some(_) => None,
            None => Some(last),
        }
    };
    let horizon = agreements
        .iter()
        .filter_map(|a| closable(a).map(|p| p.bounds(cutoff_of(a), tz).1))
        .max();
    let Some(horizon) = horizon else {
        return Ok(Vec::new());
    };
    // Every unsettled draw before then in one pass over the ledger (an anti-join on the
    // unique index of statement lines), by supplier in time order. A query per supplier
    // would walk each supplier's whole settled history (46 × the one pass on PostgreSQL in
    // the benchmark).
    let mut pending: HashMap<SupplierId, Vec<movement::Model>> = HashMap::new();
    for m in unsettled_draws()
        .filter(movement::Column::At.lt(horizon))
        .order_by_asc(movement::Column::At)
        .order_by_asc(movement::Column::Id)
        .all(&state.db.read)
        .await?
    {
        pending.entry(m.supplier_id).or_default().push(m);
    }
    // Suppliers with adjustments to carry: they close their last period without draws too.
    let carrying: BTreeSet<SupplierId> = uncarried()
        .select_only()
        .column(statement_adjustment::Column::SupplierId)
        .distinct()
        .into_tuple()
        .all(&state.db.read)
        .await?
        .into_iter()
        .collect();
    // Each period to close, with the suppliers closing it and the instant it ends for each.
    let mut work: BTreeMap<Period, Vec<(&consignment_agreement::Model, DateTime<Utc>)>> =
        BTreeMap::new();
    for a in &agreements {
        let Some(last) = closable(a) else {
            continue;
        };
        let cutoff = cutoff_of(a);
        let periods: Vec<Period> = match only {
            Some(p) => vec![p],
            None => {
                let first = match pending.get(&a.supplier_id).and_then(|ms| ms.first()) {
                    Some(m) => Period::of_instant(m.at, cutoff, tz),
                    None if carrying.contains(&a.supplier_id) => last,
                    None => continue,
                };
                let mut ps = Vec::new();
                let mut p = first;
                while p <= last && ps.len() < 240 {
                    ps.push(p);
                    p = p.next();
                }
                ps
            }
        };
        for p in periods {
            work.entry(p).or_default().push((a, p.bounds(cutoff, tz).1));
        }
    }
    let mut made = Vec::new();
    for (period, closing) in work {
        // A period a supplier has a statement for stays as it is: what is left waits for the
        // next period.
        let closed: BTreeSet<SupplierId> = statement::Entity::find()
            .select_only()
            .column(statement::Column::SupplierId)
            .filter(statement::Column::Period.eq(period.to_string()))
            .into_tuple()
            .all(&state.db.read)
            .await?
            .into_iter()
            .collect();
        let open: Vec<(&consignment_agreement::Model, DateTime<Utc>)> = closing
            .into_iter()
            .filter(|(a, _)| !closed.contains(&a.supplier_id))
            .collect();
        for batch in open.chunks(SUPPLIERS_PER_CLOSE) {
            let written = {
                let jobs: Vec<ToWrite<'_>> = batch
                    .iter()
                    .map(|(a, end)| {
                        let mine = pending
                            .get(&a.supplier_id)
                            .map(Vec::as_slice)
                            .unwrap_or_default();
                        let due = mine.partition_point(|m| m.at < *end);
                        ToWrite {
                            agreement: a,
                            end: *end,
                            draws: &mine[..due],
                        }
                    })
                    .collect();
                close_batch(state, actor, period, &jobs).await?
            };
            // A statement's draws are settled: the supplier's next period starts after them.
            let ends: HashMap<SupplierId, DateTime<Utc>> =
                batch.iter().map(|(a, end)| (a.supplier_id, *end)).collect();
            for s in written {
                if let (Some(mine), Some(end)) =
                    (pending.get_mut(&s.supplier_id), ends.get(&s.supplier_id))
                {
                    let due = mine.partition_point(|m| m.at < *end);
                    mine.drain(..due);
                }
                made.push(s);
            }
        }
    }
    Ok(made)
}

/// Suppliers whose statements of a period are written in one transaction: few enough that
/// the transaction holds the audit head (every other write waits for it) well under a second,
/// and that a conflict with another instance sends only these back to be closed one by one.
const SUPPLIERS_PER_CLOSE: usize = 50;

/// One supplier's statement to write for a period: its agreement, the instant the period
/// ends for it, and its unsettled draws before then, in time order.
struct ToWrite<'a> {
    agreement: &'a consignment_agreement::Model,
    end: DateTime<Utc>,
    draws: &'a [movement::Model],
}

/// A supplier's settlement waiting to be closed: draws (or carried adjustments) from periods
/// that have ended and are on no statement yet.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ToClose {
    pub supplier_id: SupplierId,
    pub supplier: String,
    /// The latest of its periods that has ended: the one a close today makes its statement
    /// for (earlier periods still open are closed with it).
    #[schema(value_type = String, example = "2027-01")]
    pub period: Period,
    /// The oldest period with a draw still unsettled (the same as `period` when only that
    /// one is open).
    #[schema(value_type = String, example = "2026-12")]
    pub oldest: Period,
    /// Unsettled draws up to the end of `period`.
    pub draws: usize,
    /// Adjustments from resolved disputes waiting to be carried onto a statement.
    pub carried: usize,
}

/// What a close as of `as_of` would put on statements, by supplier: every supplier whose
/// ended periods still hold unsettled draws or uncarried adjustments (rule 11: the books close
/// on the cut-off day; the daily job closes them, so anything here is overdue). The page
/// where finance closes periods lists these; finance's home page counts them.
pub async fn to_close(state: &AppState, as_of: NaiveDate) -> AppResult<Vec<ToClose>> {
    let db = &state.db.read;
    let tz = state.tz();
    let agreements = consignment_agreement::Entity::find()
        .order_by_asc(consignment_agreement::Column::SupplierId)
        .all(db)
        .await?;
    let ends: Vec<(Period, DateTime<Utc>)> = agreements
        .iter()
        .map(|a| {
            let p = Period::last_closed_by(as_of, cutoff_of(a));
            (p, p.bounds(cutoff_of(a), tz).1)
        })
        .collect();
    let Some(horizon) = ends.iter().map(|(_, end)| *end).max() else {
        return Ok(Vec::new());
    };
    let mut pending: std::collections::HashMap<SupplierId, Vec<movement::Model>> =
        std::collections::HashMap::new();
    for m in unsettled_draws()
        .filter(movement::Column::At.lt(horizon))
        .order_by_asc(movement::Column::At)
        .all(db)
        .await?
    {
        pending.entry(m.supplier_id).or_default().push(m);
    }
    let mut out = Vec::new();
    for (a, (period, end)) in agreements.iter().zip(ends) {
        let due: Vec<&movement::Model> = pending
            .get(&a.supplier_id)
            .map(|ms| ms.iter().filter(|m| m.at < end).collect())
            .unwrap_or_default();
        let carried = uncarried()
            .filter(statement_adjustment::Column::SupplierId.eq(a.supplier_id))
            .all(db)
            .await?
            .len();
        if due.is_empty() && carried == 0 {
            continue;
        }
        let oldest = due
            .first()
            .map(|m| Period::of_instant(m.at, cutoff_of(a), tz))
            .unwrap_or(period)
            .min(period);
        // A close makes a statement for each of these periods that has none yet (one that
        // has one stays as it is: what is left waits for the next period).
        let closed: std::collections::BTreeSet<String> = statement::Entity::find()
            .filter(statement::Column::SupplierId.eq(a.supplier_id))
            .filter(statement::Column::Period.gte(oldest.to_string()))
            .all(db)
            .await?
            .into_iter()
            .map(|s| s.period)
            .collect();
        let mut open = false;
        let mut p = if due.is_empty() { period } else { oldest };
        while p <= period {
            open |= !closed.contains(&p.to_string());
            if p == period {
                break;
            }
            p = p.next();
        }
        if !open {
            continue;
        }
        out.push(ToClose {
            supplier_id: a.supplier_id,
            supplier: String::new(),
            period,
            oldest,
            draws: due.len(),
            carried,
        });
    }
    let names: std::collections::HashMap<SupplierId, String> = entity::supplier::Entity::find()
        .filter(entity::supplier::Column::Id.is_in(out.iter().map(|t| t.supplier_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.legal_name))
        .collect();
    for t in &mut out {
        t.supplier = names.get(&t.supplier_id).cloned().unwrap_or_default();
    }
    Ok(out)
}

/// Writes the statements of `jobs` for `period` in one transaction; when another instance
/// closed one of them at the same moment (a unique key refuses a statement or a line), the
/// transaction is rolled back whole and each supplier is written alone, so that the other's
/// statements stand and ours are made for the rest. Nothing is made for a supplier with
/// nothing owed.
async fn close_batch(
    state: &AppState,
    actor: &Actor,
    period: Period,
    jobs: &[ToWrite<'_>],
) -> AppResult<Vec<statement::Model>> {
    if let Some(made) = in_one_transaction(state, actor, period, jobs).await? {
        return Ok(made);
    }
    let mut made = Vec::new();
    if jobs.len() > 1 {
        for job in jobs {
            made.extend(
                in_one_transaction(state, actor, period, std::slice::from_ref(job))
                    .await?
                    .unwrap_or_default(),
            );
        }
    }
    Ok(made)
}

/// [`write_statements`] in a transaction of its own: `None` when a unique key refused it
/// (another instance closed one of them first; ours is rolled back whole).
async fn in_one_transaction(
    state: &AppState,
    actor: &Actor,
    period: Period,
    jobs: &[ToWrite<'_>],
) -> AppResult<Option<Vec<statement::Model>>> {
    let txn = state.db.begin_write().await?;
    match write_statements(&txn, state, actor, period, jobs).await {
        Ok(made) => {
            txn.commit().await?;
            Ok(Some(made))
        }
        Err(AppError::Conflict(RuleCode::Duplicate)) => {
            txn.rollback().await?;
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

async fn write_statements(
    txn: &DatabaseTransaction,
    state: &AppState,
    actor: &Actor,
    period: Period,
    jobs: &[ToWrite<'_>],
) -> AppResult<Vec<statement::Model>> {
    use std::collections::{HashMap, HashSet};
    // The draws were read before the transaction: one that another instance settled
    // meanwhile fails the unique key on `statement_lines.movement_id`. The adjustments are
    // read here, so that an adjustment carried meanwhile is not carried twice.
    let mut carried: HashMap<SupplierId, Vec<Carried>> = HashMap::new();
    for c in uncarried()
        .filter(
            statement_adjustment::Column::SupplierId
                .is_in(jobs.iter().map(|j| j.agreement.supplier_id)),
        )
        .all(txn)
        .await?
    {
        carried.entry(c.supplier_id).or_default().push(Carried {
            adjustment_id: c.id,
            supplier_id: c.supplier_id,
            amount: c.amount.value(),
            note: c.note,
        });
    }
    let mut plans = Vec::with_capacity(jobs.len());
    for job in jobs {
        let draws: Vec<Draw> = job.draws.iter().map(draw_of).collect();
        let tax_rate = job.agreement.tax_rate.value();
        let mine = carried
            .remove(&job.agreement.supplier_id)
            .unwrap_or_default();
        if let Some(plan) = rules::plan(period, |_| Some((job.end, tax_rate)), &draws, &mine)
            .map_err(|e| e.on("amount"))?
            .into_iter()
            .next()
        {
            plans.push((job, plan));
        }
    }
    if plans.is_empty() {
        return Ok(Vec::new());
    }
    let now = state.now();
    let rows = plans
        .iter()
        .map(|(job, plan)| {
            let a = job.agreement;
            let cutoff = cutoff_of(a);
            Ok(statement::ActiveModel {
                number: Set(format!(
                    "JS{}-{:05}",
                    period.to_string().replace('-', ""),
                    a.supplier_id
                )),
                supplier_id: Set(a.supplier_id),
                period: Set(period.to_string()),
                first_day: Set(period.first_day(cutoff)),
                last_day: Set(period.last_day(cutoff)),
                tax_rate: Set(a.tax_rate),
                gross: Set(cents_for("amount", plan.totals.gross)?),
                net: Set(cents_for("amount", plan.totals.net)?),
                tax: Set(cents_for("amount", plan.totals.tax)?),
                status: Set(Status::Draft.as_str().into()),
                created_at: Set(now),
                issued_at: Set(None),
                answered_at: Set(None),
                resolved_at: Set(None),
                invoice_number: Set(String::new()),
                invoice_date: Set(None),
                paid_on: Set(None),
                payment_reference: Set(String::new()),
                updated_at: Set(now),
                ..Default::default()
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    let mut made = statement::Entity::insert_many(rows)
        .exec_with_returning(txn)
        .await?;
    made.sort_by_key(|s| s.supplier_id);
    let id_of: HashMap<SupplierId, StatementId> =
        made.iter().map(|s| (s.supplier_id, s.id)).collect();
    // Each statement's draw lines in an INSERT … SELECT by the plan's movement ids when each
    // line's amount is its movement's (a draw's movement is signed the other way: stock out
    // is owed, stock back is credited), rather than every line's values sent from here. By
    // id, the lines written are the plan's or fewer, so as many means the same ones. (One
    // statement for the whole batch, its draws found by supplier and time through a VALUES
    // list, took 2.9 s on PostgreSQL but 3.5 to 5 s on SQLite, and could only be checked
    // against the plan by returning every movement id.)
    let mut by_sql: HashSet<SupplierId> = HashSet::new();
    // In a savepoint: should a draw's listing or material be gone, or a draw be settled
    // meanwhile, the lines are written one by one below.
    let sp = txn.begin().await?;
    for (job, plan) in &plans {
        let by_id: HashMap<i64, &movement::Model> = job.draws.iter().map(|m| (m.id, m)).collect();
        let same = plan.lines.iter().all(|l| match l.movement_id {
            Some(id) => by_id
                .get(&id)
                .is_some_and(|m| m.amount.value() == -l.amount),
            None => true,
        });
        let drawn: Vec<i64> = plan.lines.iter().filter_map(|l| l.movement_id).collect();
        let supplier_id = job.agreement.supplier_id;
        let Some(&id) = id_of.get(&supplier_id) else {
            continue;
        };
        if !same || drawn.is_empty() {
            continue;
        }
        // By id, so that the lines written are the plan's or fewer: as many means the same.
        let mut written = 0;
        for batch in drawn.chunks(DRAWS_PER_INSERT) {
            written += draw_lines_from(&sp, id, batch).await?;
        }
        if written != drawn.len() as u64 {
            tracing::info!(
                planned = drawn.len(),
                found = written,
                "close: the draws found differ from the plan's; their lines are written one by one"
            );
            // None of the batch's lines written here stand: the savepoint is rolled back.
            by_sql.clear();
            break;
        }
        by_sql.insert(supplier_id);
    }
    if by_sql.is_empty() {
        sp.rollback().await?;
    } else {
        sp.commit().await?;
    }
    let mut rows = Vec::new();
    for (job, plan) in &plans {
        let supplier_id = job.agreement.supplier_id;
        let id = *id_of.get(&supplier_id).ok_or(AppError::NotFound)?;
        let done = by_sql.contains(&supplier_id);
        let left: Vec<&rules::PlannedLine> = plan
            .lines
            .iter()
            .filter(|l| !done || l.movement_id.is_none())
            .collect();
        let sites: HashMap<i64, Option<i64>> =
            job.draws.iter().map(|m| (m.id, m.site_id)).collect();
        let names = if left.iter().any(|l| l.listing_id.is_some()) {
            material_names(txn, job.draws).await?
        } else {
            HashMap::new()
        };
        for l in left {
            let (material, spec, unit) = l
                .listing_id
                .and_then(|id| names.get(&id).cloned())
                .unwrap_or_default();
            rows.push(statement_line::ActiveModel {
                statement_id: Set(id),
                kind: Set(l.kind.as_str().into()),
                movement_id: Set(l.movement_id),
                adjustment_id: Set(l.adjustment_id),
                listing_id: Set(l.listing_id),
                site_id: Set(l.movement_id.and_then(|m| sites.get(&m).copied().flatten())),
                at: Set(l.at),
                material: Set(material),
                spec: Set(spec),
                unit: Set(unit),
                quantity: Set(Fixed::new(l.quantity).ok_or(AppError::Rule(RuleCode::OutOfRange))?),
                unit_price: Set(
                    Fixed::new(l.unit_price).ok_or(AppError::Rule(RuleCode::OutOfRange))?
                ),
                amount: Set(cents_for("amount", l.amount)?),
                note: Set(l.note.clone()),
                dispute_reason: Set(None),
                resolution: Set(None),
                ..Default::default()
            });
        }
    }
    // In batches: a statement can have thousands of lines, and SQLite caps a statement's
    // parameters.
    for batch in rows.chunks(500) {
        statement_line::Entity::insert_many(batch.to_vec())
            .exec(txn)
            .await?;
    }
    audit::record_all(
        txn,
        actor,
        now,
        made.iter()
            .map(|s| Change::new("statement.close", "statement", s.id).after(s))
            .collect(),
    )
    .await?;
    Ok(made)
}

/// Draws per INSERT … SELECT: their ids are its parameters.
const DRAWS_PER_INSERT: usize = 5_000;

/// Writes the lines of the draws `movements` onto statement `id`, in time order, with the
/// material as it is named today; returns how many. By id, not by the supplier and the
/// period's end: PostgreSQL would walk each supplier's whole history again (the first read
/// did once, for every supplier). A draw another instance settled meanwhile fails the unique
/// key on `statement_lines.movement_id`, as a line written alone does.
async fn draw_lines_from(
    conn: &impl ConnectionTrait,
    id: StatementId,
    movements: &[i64],
) -> Result<u64, DbErr> {
    use statement_line::Column as L;
    let m = |c: movement::Column| Expr::col((movement::Entity, c));
    let mut select = movement::Entity::find()
        .select_only()
        .expr(Expr::val(id))
        .expr(
            Expr::case(
                m(movement::Column::Kind).eq("site_return"),
                LineKind::SiteReturn.as_str(),
            )
            .finally(LineKind::Issue.as_str()),
        )
        .column(movement::Column::Id)
        .column(movement::Column::ListingId)
        .column(movement::Column::SiteId)
        .column(movement::Column::At)
        .expr(Expr::col((material::Entity, material::Column::NameZh)))
        .expr(Expr::col((material::Entity, material::Column::Spec)))
        .expr(Expr::col((material::Entity, material::Column::UnitCode)))
        .expr(Func::abs(m(movement::Column::Quantity)))
        .column(movement::Column::UnitPrice)
        .expr(m(movement::Column::Amount).mul(-1))
        .expr(Expr::val(""))
        .filter(movement::Column::Id.is_in(movements.iter().copied()))
        .order_by_asc(movement::Column::At)
        .order_by_asc(movement::Column::Id)
        .into_query();
    select
        .inner_join(
            listing::Entity,
            Expr::col((listing::Entity, listing::Column::Id))
                .equals((movement::Entity, movement::Column::ListingId)),
        )
        .inner_join(
            material::Entity,
            Expr::col((material::Entity, material::Column::Id))
                .equals((listing::Entity, listing::Column::MaterialId)),
        );
    let insert = Query::insert()
        .into_table(statement_line::Entity)
        .columns([
            L::StatementId,
            L::Kind,
            L::MovementId,
            L::ListingId,
            L::SiteId,
            L::At,
            L::Material,
            L::Spec,
            L::Unit,
            L::Quantity,
            L::UnitPrice,
            L::Amount,
            L::Note,
        ])
        .select_from(select)
        .map_err(|e| DbErr::Custom(e.to_string()))?
        .to_owned();
    Ok(conn.execute(&insert).await?.rows_affected())
}

/// Material name (Chinese), specification and unit by listing, as they are today.
async fn material_names(
    conn: &impl ConnectionTrait,
    movements: &[movement::Model],
) -> Result<std::collections::HashMap<ListingId, (String, String, String)>, DbErr> {
    let ids: Vec<ListingId> = movements.iter().map(|m| m.listing_id).collect();
    let listings = listing::Entity::find()
        .filter(listing::Column::Id.is_in(ids))
        .all(conn)
        .await?;
    let materials = material::Entity::find()
        .filter(material::Column::Id.is_in(listings.iter().map(|l| l.material_id)))
        .all(conn)
        .await?;
    Ok(listings
        .iter()
        .filter_map(|l| {
            let m = materials.iter().find(|m| m.id == l.material_id)?;
            Some((
                l.id,
                (m.name_zh.clone(), m.spec.clone(), m.unit_code.clone()),
            ))
        })
        .collect())
}

// ----- Reading -----

/// Statements `user` may read: its own issued ones for a supplier, all for the others a
/// handler lets read statements (`ReadStatements`: finance, audit and the procurement head).
pub fn visible(user: &CurrentUser) -> AppResult<sea_orm::Select<statement::Entity>> {
    if user.role == Role::Supplier {
        let sid = user.supplier_id.ok_or(AppError::Forbidden)?;
        return Ok(statement::Entity::find()
            .filter(statement::Column::SupplierId.eq(sid))
            .filter(statement::Column::Status.ne(Status::Draft.as_str())));
    }
    Ok(statement::Entity::find())
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatementFilter {
    pub period: Option<String>,
    pub status: Option<String>,
    pub supplier_id: Option<SupplierId>,
}

pub async fn list(
    conn: &impl ConnectionTrait,
    user: &CurrentUser,
    f: &StatementFilter,
) -> AppResult<Vec<statement::Model>> {
    let mut q = visible(user)?;
    if let Some(p) = f.period.as_deref().filter(|p| !p.is_empty()) {
        q = q.filter(statement::Column::Period.eq(p));
    }
    if let Some(s) = f.status.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(statement::Column::Status.eq(s));
    }
    if let Some(s) = f.supplier_id {
        q = q.filter(statement::Column::SupplierId.eq(s));
    }
    Ok(q.order_by_desc(statement::Column::Period)
        .order_by_asc(statement::Column::SupplierId)
        .all(conn)
        .await?)
}

/// One statement with its lines, if `user` may read it (404 otherwise, so a supplier cannot
/// even learn that another's exists).
pub async fn get(
    conn: &impl ConnectionTrait,
    user: &CurrentUser,
    id: StatementId,
) -> AppResult<(statement::Model, Vec<statement_line::Model>)> {
    let s = visible(user)?
        .filter(statement::Column::Id.eq(id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let lines = statement_line::Entity::find()
        .filter(statement_line::Column::StatementId.eq(id))
        .order_by_asc(statement_line::Column::Id)
        .all(conn)
        .await?;
    Ok((s, lines))
}

// ----- The workflow -----

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct DisputedLine {
    pub line_id: i64,
    pub reason: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct Resolution {
    pub line_id: i64,
    /// Signed, in yuan with at most two places: positive is owed to the supplier on its next
    /// statement, negative is charged back; zero rejects the dispute.
    #[schema(value_type = String)]
    pub amount: Decimal,
    pub note: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct InvoiceInput {
    pub invoice_number: String,
    pub invoice_date: NaiveDate,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct PaymentInput {
    pub paid_on: NaiveDate,
    pub reference: String,
}

/// What a workflow step carries.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Step {
    Issue,
    Confirm,
    Dispute { lines: Vec<DisputedLine> },
    Resolve { lines: Vec<Resolution> },
    Invoice(InvoiceInput),
    Pay(PaymentInput),
}

impl Step {
    /// The statement lines a dispute or an answer names, in the order its errors count them
    /// (`lines.<i>.…`).
    pub fn line_ids(&self) -> Vec<i64> {
        match self {
            Step::Dispute { lines } => lines.iter().map(|l| l.line_id).collect(),
            Step::Resolve { lines } => lines.iter().map(|l| l.line_id).collect(),
            _ => Vec::new(),
        }
    }

    fn action(&self) -> Action {
        match self {
            Step::Issue => Action::Issue,
            Step::Confirm => Action::Confirm,
            Step::Dispute { .. } => Action::Dispute,
            Step::Resolve { .. } => Action::Resolve,
            Step::Invoice(_) => Action::Invoice,
            Step::Pay(_) => Action::Pay,
        }
    }
}

/// `act.actor` moves a statement one step on. The supplier confirms or disputes its own issued
/// statement; finance does the rest. Each step comes with its audit record and mail; a step
/// the statement's state does not allow is refused and changes nothing. Joins the caller's
/// transaction: it reads and writes through `txn` and commits nothing.
pub async fn step(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    id: StatementId,
    step: Step,
) -> AppResult<statement::Model> {
    let user = act.actor;
    let action = step.action();
    // Each step is one side's (the route lets both sides through, `StepStatements`).
    if rules::actor_of(user.role) != Some(rules::who(action)) {
        return Err(AppError::Forbidden);
    }
    let (s, lines) = get(txn, user, id).await?;
    let from = Status::parse(&s.status).ok_or(AppError::Rule(RuleCode::StatementState))?;
    let to = rules::next(from, action).ok_or(AppError::Rule(RuleCode::StatementState))?;
    let mut errors = FieldErrors::new();
    check_step(&step, &lines, &mut errors);
    errors.into_result()?;

    let now = act.now;
    // Conditional on the state read: a second, concurrent step finds it moved on and fails.
    let mut update = statement::Entity::update_many()
        .col_expr(statement::Column::Status, Expr::value(to.as_str()))
        .col_expr(statement::Column::UpdatedAt, Expr::value(now));
    match &step {
        Step::Issue => {
            update = update.col_expr(statement::Column::IssuedAt, Expr::value(now));
        }
        Step::Confirm | Step::Dispute { .. } => {
            update = update.col_expr(statement::Column::AnsweredAt, Expr::value(now));
        }
        Step::Resolve { .. } => {
            update = update.col_expr(statement::Column::ResolvedAt, Expr::value(now));
        }
        Step::Invoice(i) => {
            update = update
                .col_expr(
                    statement::Column::InvoiceNumber,
                    Expr::value(i.invoice_number.trim()),
                )
                .col_expr(statement::Column::InvoiceDate, Expr::value(i.invoice_date));
        }
        Step::Pay(p) => {
            update = update
                .col_expr(statement::Column::PaidOn, Expr::value(p.paid_on))
                .col_expr(
                    statement::Column::PaymentReference,
                    Expr::value(p.reference.trim()),
                );
        }
    }
    let r = update
        .filter(statement::Column::Id.eq(id))
        .filter(statement::Column::Status.eq(from.as_str()))
        .exec(txn)
        .await?;
    if r.rows_affected != 1 {
        return Err(AppError::Conflict(RuleCode::StatementChanged));
    }
    match &step {
        Step::Dispute { lines } => {
            for d in lines {
                statement_line::Entity::update_many()
                    .col_expr(
                        statement_line::Column::DisputeReason,
                        Expr::value(d.reason.trim()),
                    )
                    .filter(statement_line::Column::Id.eq(d.line_id))
                    .exec(txn)
                    .await?;
            }
        }
        Step::Resolve { lines } => {
            for r in lines {
                statement_line::Entity::update_many()
                    .col_expr(
                        statement_line::Column::Resolution,
                        Expr::value(r.note.trim()),
                    )
                    .filter(statement_line::Column::Id.eq(r.line_id))
                    .exec(txn)
                    .await?;
                if !r.amount.is_zero() {
                    statement_adjustment::ActiveModel {
                        supplier_id: Set(s.supplier_id),
                        from_statement_id: Set(s.id),
                        from_line_id: Set(Some(r.line_id)),
                        amount: Set(cents_for("amount", r.amount)?),
                        note: Set(format!("{} {}: {}", s.number, r.line_id, r.note.trim())),
                        created_by: Set(user.id),
                        created_at: Set(now),
                        ..Default::default()
                    }
                    .insert(txn)
                    .await?;
                }
            }
        }
        _ => {}
    }
    let after = statement::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    audit::record(
        txn,
        &user.actor(),
        now,
        Change::new(&format!("statement.{}", action.as_str()), "statement", id)
            .before(&s)
            .after(&after),
    )
    .await?;
    let args = [
        ("number", after.number.clone()),
        ("period", after.period.clone()),
        ("gross", format!("{:.2}", after.gross.value())),
    ];
    let (to_users, kind) = match action {
        Action::Dispute => (
            crate::users::store::active_with_roles(txn, &[Role::Finance]).await?,
            "statement_disputed",
        ),
        Action::Confirm => (
            crate::users::store::active_with_roles(txn, &[Role::Finance]).await?,
            "statement_confirmed",
        ),
        Action::Issue => (
            crate::users::store::active_of_supplier(txn, s.supplier_id).await?,
            "statement_issued",
        ),
        Action::Resolve => (
            crate::users::store::active_of_supplier(txn, s.supplier_id).await?,
            "statement_resolved",
        ),
        Action::Invoice => (Vec::new(), ""),
        Action::Pay => (
            crate::users::store::active_of_supplier(txn, s.supplier_id).await?,
            "statement_paid",
        ),
    };
    if !to_users.is_empty() {
        let link = format!("/statements/{}", s.id);
        crate::mail::enqueue_to_users_linked(
            txn,
            &act.base_url,
            now,
            &to_users,
            kind,
            &link,
            &args,
        )
        .await?;
    }
    Ok(after)
}

/// [`step`] on its own: in a write transaction of its own, committed when it succeeds; then
/// the mail sender is woken for what it queued.
pub async fn step_now(
    state: &AppState,
    user: &CurrentUser,
    id: StatementId,
    step_to_take: Step,
) -> AppResult<statement::Model> {
    let txn = state.db.begin_write().await?;
    let after = step(&txn, &Act::of(state, user), id, step_to_take).await?;
    txn.commit().await?;
    state.mail_wake.notify_one();
    Ok(after)
}

/// The fields a step needs, checked before anything changes.
fn check_step(step: &Step, lines: &[statement_line::Model], errors: &mut FieldErrors) {
    let on_statement = |id: i64| lines.iter().find(|l| l.id == id);
    match step {
        Step::Dispute { lines: disputed } => {
            if disputed.is_empty() {
                errors.add("lines", RuleCode::DisputeNeedsALine);
            }
            let mut seen = std::collections::BTreeSet::new();
            for (i, d) in disputed.iter().enumerate() {
                if on_statement(d.line_id).is_none() || !seen.insert(d.line_id) {
                    errors.add("lines", RuleCode::NotOnStatement);
                }
                if d.reason.trim().is_empty() {
                    errors.add(&format!("lines.{i}.reason"), RuleCode::Required);
                }
            }
        }
        Step::Resolve { lines: answers } => {
            let disputed: std::collections::BTreeSet<i64> = lines
                .iter()
                .filter(|l| l.dispute_reason.is_some())
                .map(|l| l.id)
                .collect();
            let answered: std::collections::BTreeSet<i64> =
                answers.iter().map(|r| r.line_id).collect();
            if answered != disputed || answers.len() != answered.len() {
                errors.add("lines", RuleCode::AnswerEveryDisputedLine);
            }
            for (i, r) in answers.iter().enumerate() {
                match crate::money::Money::exact(r.amount) {
                    Ok(_) => {}
                    Err(crate::money::ValueError::TooManyPlaces) => {
                        errors.add(&format!("lines.{i}.amount"), RuleCode::Cents);
                    }
                    Err(_) => {
                        errors.add(&format!("lines.{i}.amount"), RuleCode::OutOfRange);
                    }
                }
                if r.note.trim().is_empty() {
                    errors.add(&format!("lines.{i}.note"), RuleCode::Required);
                }
            }
        }
        Step::Invoice(i) => {
            let n = i.invoice_number.trim();
            if n.is_empty() {
                errors.add("invoice_number", RuleCode::Required);
            } else if n.chars().count() > 40 {
                errors.add_with("invoice_number", RuleCode::TooLong, &[("max", "40".into())]);
            }
        }
        Step::Pay(p) => {
            if p.reference.trim().is_empty() {
                errors.add("reference", RuleCode::Required);
            }
        }
        Step::Issue | Step::Confirm => {}
    }
}

/// Statement totals as the API shows them.
#[derive(Debug, Serialize, ToSchema)]
pub struct Summary {
    #[schema(value_type = String)]
    pub gross: Decimal,
    #[schema(value_type = String)]
    pub net: Decimal,
    #[schema(value_type = String)]
    pub tax: Decimal,
}
