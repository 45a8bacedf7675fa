//! Rule 8: a supplier's delivery notes, and their inspection line by line into consigned
//! lots (what fails a check never enters stock); a rejection becomes a quality failure.

use super::rules::{Arrival, InspectionDeadline, inspection_deadline};
use crate::audit::{self, Change};
use crate::auth::{Act, CurrentUser, Role};
use crate::error::RuleCode;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::materials::store::unit_decimals;
use crate::money::stored::{Qty, qty};
use crate::state::AppState;
use crate::stock::store::record_movement;
use chrono::NaiveDate;
use entity::{ListingId, SupplierId, delivery, delivery_line, listing, lot, material, supplier};
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, ExprTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::ToSchema;

// ----- Deliveries and inspection (rule 8) -----

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct DeliveryLineInput {
    pub listing_id: ListingId,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    #[serde(default)]
    pub batch_no: String,
    /// The product certificate (an uploaded file of the supplier).
    pub certificate_file_id: Option<i64>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct DeliveryInput {
    pub warehouse_id: i64,
    pub note_number: String,
    pub arrival: Arrival,
    pub delivered_on: NaiveDate,
    pub lines: Vec<DeliveryLineInput>,
}

/// A supplier (`act.actor`) sends a delivery note; the goods wait for inspection. Joins the
/// caller's transaction: it reads and writes through `txn` and commits nothing.
pub async fn create_delivery(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    input: DeliveryInput,
) -> AppResult<delivery::Model> {
    let user = act.actor;
    let sid = user.own_supplier()?;
    crate::suppliers::store::ensure_may_trade(txn, sid, act.today).await?;
    let mut errors = FieldErrors::new();
    if input.note_number.trim().is_empty() {
        errors.add("note_number", RuleCode::Required);
    }
    if input.lines.is_empty() {
        errors.add("lines", RuleCode::Required);
    }
    let mut lines = Vec::new();
    for (i, l) in input.lines.iter().enumerate() {
        let f = format!("lines.{i}.quantity");
        let found = listing::Entity::find_by_id(l.listing_id)
            .one(txn)
            .await?
            .filter(|x| x.supplier_id == sid && x.warehouse_id == input.warehouse_id);
        let Some(found) = found else {
            errors.add(&format!("lines.{i}.listing_id"), RuleCode::NotFound);
            continue;
        };
        let q = qty(
            &f,
            l.quantity,
            unit_decimals(txn, found.material_id).await?,
            &mut errors,
        );
        if let Some(fid) = l.certificate_file_id
            && entity::file::Entity::find_by_id(fid)
                .one(txn)
                .await?
                .is_none_or(|x| x.supplier_id != Some(sid))
        {
            errors.add(
                &format!("lines.{i}.certificate_file_id"),
                RuleCode::NotFound,
            );
        }
        lines.push((
            found.id,
            q,
            l.batch_no.trim().to_string(),
            l.certificate_file_id,
        ));
    }
    errors.into_result()?;
    let now = act.now;
    let d = delivery::ActiveModel {
        supplier_id: Set(sid),
        warehouse_id: Set(input.warehouse_id),
        note_number: Set(input.note_number.trim().into()),
        arrival: Set(input.arrival.as_str().into()),
        delivered_on: Set(input.delivered_on),
        status: Set("pending".into()),
        created_by: Set(user.id),
        created_at: Set(now),
        inspected_by: Set(None),
        inspected_at: Set(None),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    for (listing_id, q, batch, cert) in lines {
        delivery_line::ActiveModel {
            delivery_id: Set(d.id),
            listing_id: Set(listing_id),
            quantity: Set(q),
            batch_no: Set(batch),
            certificate_file_id: Set(cert),
            accepted: Set(Qty::zero()),
            rejected: Set(Qty::zero()),
            reject_reason: Set(String::new()),
            checks: Set(String::new()),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    audit::record(
        txn,
        &user.actor(),
        now,
        Change::new("delivery.create", "delivery", d.id).after(&d),
    )
    .await?;
    Ok(d)
}

/// [`create_delivery`] on its own: in a write transaction of its own, committed when it
/// succeeds.
pub async fn create_delivery_now(
    state: &AppState,
    user: &CurrentUser,
    input: DeliveryInput,
) -> AppResult<delivery::Model> {
    let txn = state.db.begin_write().await?;
    let d = create_delivery(&txn, &Act::of(state, user), input).await?;
    txn.commit().await?;
    Ok(d)
}

/// The five checks of rule 8.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, ToSchema)]
pub struct InspectionChecks {
    #[serde(default)]
    pub name: bool,
    #[serde(default)]
    pub specification: bool,
    #[serde(default)]
    pub model: bool,
    #[serde(default)]
    pub quantity: bool,
    #[serde(default)]
    pub certificate: bool,
}

impl InspectionChecks {
    fn all(&self) -> bool {
        self.name && self.specification && self.model && self.quantity && self.certificate
    }
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct InspectionLine {
    pub line_id: i64,
    #[schema(value_type = String)]
    pub accepted: Decimal,
    #[schema(value_type = String)]
    pub rejected: Decimal,
    #[serde(default)]
    pub reason: String,
    pub checks: InspectionChecks,
}

/// The keeper (`act.actor`) inspects each line; accepted goods become a consigned lot (still
/// the supplier's) with a receipt movement; rejected goods never enter stock. Joins the
/// caller's transaction: it reads and writes through `txn` and commits nothing.
pub async fn inspect(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    delivery_id: i64,
    lines: Vec<InspectionLine>,
) -> AppResult<delivery::Model> {
    let keeper = act.actor;
    let d = delivery::Entity::find_by_id(delivery_id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if d.status != "pending" {
        return Err(AppError::Rule(RuleCode::DeliveryNotPending));
    }
    let stored = delivery_line::Entity::find()
        .filter(delivery_line::Column::DeliveryId.eq(d.id))
        .all(txn)
        .await?;
    let mut errors = FieldErrors::new();
    if lines.len() != stored.len() {
        errors.add("lines", RuleCode::EveryLine);
    }
    let mut plan = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let Some(s) = stored.iter().find(|s| s.id == l.line_id) else {
            errors.add(&format!("lines.{i}.line_id"), RuleCode::NotFound);
            continue;
        };
        let accepted = Qty::new(l.accepted).unwrap_or_default();
        let rejected = Qty::new(l.rejected).unwrap_or_default();
        if l.accepted < Decimal::ZERO
            || l.rejected < Decimal::ZERO
            || accepted.value() + rejected.value() != s.quantity.value()
        {
            errors.add(
                &format!("lines.{i}.accepted"),
                RuleCode::AcceptedPlusRejected,
            );
        }
        if l.accepted > Decimal::ZERO && !l.checks.all() {
            // Rule 8: goods that do not match the note or arrive without papers are rejected.
            errors.add(&format!("lines.{i}.checks"), RuleCode::ChecksFailedReject);
        }
        if l.rejected > Decimal::ZERO && l.reason.trim().is_empty() {
            errors.add(&format!("lines.{i}.reason"), RuleCode::Required);
        }
        plan.push((
            s.clone(),
            accepted,
            rejected,
            l.reason.trim().to_string(),
            l.checks,
        ));
    }
    errors.into_result()?;
    let today = act.today;
    let now = act.now;
    let claimed = delivery::Entity::update_many()
        .col_expr(delivery::Column::Status, Expr::value("inspected"))
        .col_expr(delivery::Column::InspectedBy, Expr::value(Some(keeper.id)))
        .col_expr(delivery::Column::InspectedAt, Expr::value(Some(now)))
        .filter(delivery::Column::Id.eq(d.id))
        .filter(delivery::Column::Status.eq("pending"))
        .exec(txn)
        .await?;
    if claimed.rows_affected != 1 {
        return Err(AppError::Rule(RuleCode::DeliveryNotPending));
    }
    let line_count = plan.len();
    let rejected_lines = plan
        .iter()
        .filter(|(_, _, rejected, ..)| rejected.value() > Decimal::ZERO)
        .count();
    for (line, accepted, rejected, reason, checks) in plan {
        delivery_line::Entity::update_many()
            .col_expr(delivery_line::Column::Accepted, Expr::value(accepted))
            .col_expr(delivery_line::Column::Rejected, Expr::value(rejected))
            .col_expr(delivery_line::Column::RejectReason, Expr::value(reason))
            .col_expr(
                delivery_line::Column::Checks,
                Expr::value(serde_json::to_string(&checks).unwrap_or_default()),
            )
            .filter(delivery_line::Column::Id.eq(line.id))
            .exec(txn)
            .await?;
        if accepted.value() > Decimal::ZERO {
            let l = listing::Entity::find_by_id(line.listing_id)
                .one(txn)
                .await?
                .ok_or(AppError::NotFound)?;
            let lot = lot::ActiveModel {
                listing_id: Set(l.id),
                supplier_id: Set(l.supplier_id),
                warehouse_id: Set(l.warehouse_id),
                delivery_line_id: Set(Some(line.id)),
                received_on: Set(today),
                quantity: Set(accepted),
                last_movement_on: Set(today),
                stale_flagged_on: Set(None),
                return_request: Set(None),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(txn)
            .await?;
            record_movement(
                txn,
                &lot,
                "receipt",
                accepted.value(),
                l.price,
                None,
                None,
                keeper.id,
                today,
                now,
                "",
            )
            .await?;
            listing::Entity::update_many()
                .col_expr(
                    listing::Column::OnHand,
                    Expr::col(listing::Column::OnHand).add(accepted),
                )
                .filter(listing::Column::Id.eq(l.id))
                .exec(txn)
                .await?;
        }
    }
    super::slip::record_slip(txn, d.id, today, now).await?;
    audit::record(
        txn,
        &keeper.actor(),
        now,
        Change::new("delivery.inspect", "delivery", d.id)
            .after(serde_json::json!({"lines": lines.len()})),
    )
    .await?;
    // The supplier hears how its delivery fared (inbox and email).
    let suppliers_users = crate::users::store::active_of_supplier(txn, d.supplier_id).await?;
    crate::mail::enqueue_to_users_linked(
        txn,
        &act.base_url,
        now,
        &suppliers_users,
        "delivery_inspected",
        "/deliveries",
        &[
            ("note", d.note_number.clone()),
            ("date", d.delivered_on.to_string()),
            ("lines", line_count.to_string()),
            ("accepted_lines", (line_count - rejected_lines).to_string()),
            ("rejected", rejected_lines.to_string()),
            (
                "outcome",
                if rejected_lines == 0 { "all" } else { "some" }.to_string(),
            ),
        ],
    )
    .await?;
    delivery::Entity::find_by_id(d.id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)
}

/// [`inspect`] on its own: in a write transaction of its own, committed when it succeeds.
pub async fn inspect_now(
    state: &AppState,
    keeper: &CurrentUser,
    delivery_id: i64,
    lines: Vec<InspectionLine>,
) -> AppResult<delivery::Model> {
    let txn = state.db.begin_write().await?;
    let d = inspect(&txn, &Act::of(state, keeper), delivery_id, lines).await?;
    txn.commit().await?;
    state.mail_wake.notify_one();
    Ok(d)
}

/// Rule 8 feeding rule 2: the rejected part of an inspected delivery line becomes a quality
/// failure of its supplier (source: receiving inspection), recorded by the office
/// (`act.actor`), described by the delivery note, the material and the keeper's reason, with
/// the line's certificate as evidence; the supplier is emailed. Refused when nothing of the
/// line was rejected. Joins the caller's transaction: [`failure_of_rejection`], then
/// `suppliers::store::record_failure`, both through `txn`; it commits nothing.
pub async fn rejection_to_failure(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    line_id: i64,
) -> AppResult<entity::supplier_failure::Model> {
    let (supplier_id, input) = failure_of_rejection(txn, line_id).await?;
    crate::suppliers::store::record_failure(txn, act, supplier_id, input).await
}

/// [`rejection_to_failure`] on its own: in a write transaction of its own, committed when it
/// succeeds; then the mail sender is woken.
pub async fn rejection_to_failure_now(
    state: &AppState,
    officer: &CurrentUser,
    line_id: i64,
) -> AppResult<entity::supplier_failure::Model> {
    let txn = state.db.begin_write().await?;
    let f = rejection_to_failure(&txn, &Act::of(state, officer), line_id).await?;
    txn.commit().await?;
    state.mail_wake.notify_one();
    Ok(f)
}

/// The quality failure a rejected delivery line makes: its supplier and what is recorded
/// (see [`rejection_to_failure`]). Refused when nothing of the line was rejected.
pub async fn failure_of_rejection(
    conn: &impl ConnectionTrait,
    line_id: i64,
) -> AppResult<(SupplierId, crate::suppliers::store::FailureInput)> {
    let line = delivery_line::Entity::find_by_id(line_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    if line.rejected.value() <= Decimal::ZERO {
        return Err(AppError::Rule(RuleCode::NothingRejected));
    }
    let d = delivery::Entity::find_by_id(line.delivery_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let l = listing::Entity::find_by_id(line.listing_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let m = material::Entity::find_by_id(l.material_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let description = format!(
        "{} {} {} × {}: {}",
        d.note_number,
        m.name_zh,
        m.spec,
        line.rejected.value().normalize(),
        line.reject_reason
    );
    let input = crate::suppliers::store::FailureInput {
        kind: crate::suppliers::rules::FailureKind::Quality,
        source: crate::suppliers::rules::FailureSource::ReceivingInspection,
        description,
        evidence_file_id: line.certificate_file_id,
    };
    Ok((d.supplier_id, input))
}

// ----- The deliveries view (rule 8's deadlines) -----

/// One delivery as the list shows it: its lines, rule 8's deadline and its supplier's name.
#[derive(Debug, Clone)]
pub struct DeliveryRow {
    pub delivery: delivery::Model,
    pub lines: Vec<delivery_line::Model>,
    pub deadline: InspectionDeadline,
    pub supplier_name: String,
}

/// Which deliveries a list holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryOrder {
    /// Every delivery the actor may see, newest first (the API).
    Newest,
    /// The newest `n`, then waiting ones first with the most urgent deadline on top (the
    /// warehouse's page).
    UrgentFirst(u64),
    /// Every delivery still waiting for inspection, the most urgent deadline on top
    /// (`/deliveries?status=pending`, counted on the keeper's home page).
    Waiting,
    /// Those of [`DeliveryOrder::Waiting`] already past rule 8's deadline
    /// (`/deliveries?status=overdue`).
    Overdue,
    /// Inspected deliveries with at least one line rejected, fully or partly, delivered on or
    /// after `since` when given, newest first (`/deliveries?status=rejected&since=…`; a
    /// supplier's home page counts its own of the last [`REJECTED_RECENT_DAYS`] days).
    Rejected { since: Option<NaiveDate> },
}

/// How far back a supplier's home page counts its rejected deliveries.
pub const REJECTED_RECENT_DAYS: u64 = 30;

/// The deliveries `actor` may see: a supplier its own; everyone else the handler let through
/// (the `ReadDeliveries` capability: the warehouse and the office) all of them. Lines and
/// supplier names are read in one query each, whatever the number of deliveries.
pub async fn deliveries_for(
    conn: &impl ConnectionTrait,
    actor: &CurrentUser,
    today: NaiveDate,
    order: DeliveryOrder,
) -> AppResult<Vec<DeliveryRow>> {
    let mut sel = delivery::Entity::find().order_by_desc(delivery::Column::Id);
    if actor.role == Role::Supplier {
        sel = sel
            .filter(delivery::Column::SupplierId.eq(actor.supplier_id.ok_or(AppError::Forbidden)?));
    }
    match order {
        DeliveryOrder::UrgentFirst(n) => sel = sel.limit(n),
        DeliveryOrder::Waiting | DeliveryOrder::Overdue => {
            sel = sel.filter(delivery::Column::Status.eq("pending"));
        }
        DeliveryOrder::Rejected { since } => {
            sel = sel.filter(delivery::Column::Status.eq("inspected"));
            if let Some(d) = since {
                sel = sel.filter(delivery::Column::DeliveredOn.gte(d));
            }
        }
        DeliveryOrder::Newest => {}
    }
    let deliveries = sel.all(conn).await?;
    let mut lines: HashMap<i64, Vec<delivery_line::Model>> = HashMap::new();
    let mut names: HashMap<SupplierId, String> = HashMap::new();
    // In chunks, to stay under the databases' limits on bound parameters.
    for chunk in deliveries.chunks(500) {
        let ids: Vec<i64> = chunk.iter().map(|d| d.id).collect();
        for l in delivery_line::Entity::find()
            .filter(delivery_line::Column::DeliveryId.is_in(ids))
            .order_by_asc(delivery_line::Column::Id)
            .all(conn)
            .await?
        {
            lines.entry(l.delivery_id).or_default().push(l);
        }
        let suppliers: Vec<SupplierId> = chunk.iter().map(|d| d.supplier_id).collect();
        for s in supplier::Entity::find()
            .filter(supplier::Column::Id.is_in(suppliers))
            .all(conn)
            .await?
        {
            names.insert(s.id, s.legal_name);
        }
    }
    let mut rows: Vec<DeliveryRow> = deliveries
        .into_iter()
        .map(|d| DeliveryRow {
            deadline: inspection_deadline(&d.arrival, d.delivered_on, d.status == "pending", today),
            lines: lines.remove(&d.id).unwrap_or_default(),
            supplier_name: names.get(&d.supplier_id).cloned().unwrap_or_default(),
            delivery: d,
        })
        .collect();
    if let DeliveryOrder::Rejected { .. } = order {
        rows.retain(|r| r.lines.iter().any(|l| l.rejected.value() > Decimal::ZERO));
    } else if order != DeliveryOrder::Newest {
        rows.sort_by_key(|r| (r.delivery.status != "pending", r.deadline.due));
    }
    if order == DeliveryOrder::Overdue {
        rows.retain(|r| r.deadline.overdue);
    }
    Ok(rows)
}

/// One delivery's row, as [`deliveries_for`] shows it (after it was sent or inspected).
pub async fn delivery_row(
    conn: &impl ConnectionTrait,
    d: delivery::Model,
    today: NaiveDate,
) -> AppResult<DeliveryRow> {
    let lines = delivery_line::Entity::find()
        .filter(delivery_line::Column::DeliveryId.eq(d.id))
        .order_by_asc(delivery_line::Column::Id)
        .all(conn)
        .await?;
    let supplier_name = supplier::Entity::find_by_id(d.supplier_id)
        .one(conn)
        .await?
        .map(|s| s.legal_name)
        .unwrap_or_default();
    Ok(DeliveryRow {
        deadline: inspection_deadline(&d.arrival, d.delivered_on, d.status == "pending", today),
        lines,
        supplier_name,
        delivery: d,
    })
}
