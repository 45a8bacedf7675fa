//! Rule 8: a supplier's delivery notes, and their inspection line by line into consigned
//! lots (what fails a check never enters stock); a rejection becomes a quality failure.

use crate::audit::{self, Change};
use crate::auth::CurrentUser;
use crate::error::RuleCode;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::state::AppState;
use crate::stock::rules::Arrival;
use crate::stock::store::{Qty, own_supplier, qty, record_movement, unit_decimals};
use chrono::NaiveDate;
use entity::{delivery, delivery_line, listing, lot, material};
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, ExprTrait, QueryFilter,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

// ----- Deliveries and inspection (rule 8) -----

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct DeliveryLineInput {
    pub listing_id: i64,
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

/// A supplier sends a delivery note; the goods wait for inspection.
pub async fn create_delivery(
    state: &AppState,
    user: &CurrentUser,
    input: DeliveryInput,
) -> AppResult<delivery::Model> {
    let sid = own_supplier(user)?;
    crate::suppliers::store::ensure_may_trade(&state.db.read, sid, state.today()).await?;
    let db = &state.db.read;
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
            .one(db)
            .await?
            .filter(|x| x.supplier_id == sid && x.warehouse_id == input.warehouse_id);
        let Some(found) = found else {
            errors.add(&format!("lines.{i}.listing_id"), RuleCode::NotFound);
            continue;
        };
        let q = qty(
            &f,
            l.quantity,
            unit_decimals(db, found.material_id).await?,
            &mut errors,
        );
        if let Some(fid) = l.certificate_file_id
            && entity::file::Entity::find_by_id(fid)
                .one(db)
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
    let now = state.now();
    let txn = state.db.begin_write().await?;
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
    .insert(&txn)
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
        .insert(&txn)
        .await?;
    }
    audit::record(
        &txn,
        &user.actor(),
        now,
        Change::new("delivery.create", "delivery", d.id).after(&d),
    )
    .await?;
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

/// The keeper inspects each line; accepted goods become a consigned lot (still the
/// supplier's) with a receipt movement; rejected goods never enter stock.
pub async fn inspect(
    state: &AppState,
    keeper: &CurrentUser,
    delivery_id: i64,
    lines: Vec<InspectionLine>,
) -> AppResult<delivery::Model> {
    let db = &state.db.read;
    let d = delivery::Entity::find_by_id(delivery_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    if d.status != "pending" {
        return Err(AppError::Rule(RuleCode::DeliveryNotPending));
    }
    let stored = delivery_line::Entity::find()
        .filter(delivery_line::Column::DeliveryId.eq(d.id))
        .all(db)
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
    let today = state.today();
    let now = state.now();
    let txn = state.db.begin_write().await?;
    let claimed = delivery::Entity::update_many()
        .col_expr(delivery::Column::Status, Expr::value("inspected"))
        .col_expr(delivery::Column::InspectedBy, Expr::value(Some(keeper.id)))
        .col_expr(delivery::Column::InspectedAt, Expr::value(Some(now)))
        .filter(delivery::Column::Id.eq(d.id))
        .filter(delivery::Column::Status.eq("pending"))
        .exec(&txn)
        .await?;
    if claimed.rows_affected != 1 {
        return Err(AppError::Rule(RuleCode::DeliveryNotPending));
    }
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
            .exec(&txn)
            .await?;
        if accepted.value() > Decimal::ZERO {
            let l = listing::Entity::find_by_id(line.listing_id)
                .one(&txn)
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
            .insert(&txn)
            .await?;
            record_movement(
                &txn,
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
                .exec(&txn)
                .await?;
        }
    }
    audit::record(
        &txn,
        &keeper.actor(),
        now,
        Change::new("delivery.inspect", "delivery", d.id)
            .after(serde_json::json!({"lines": lines.len()})),
    )
    .await?;
    txn.commit().await?;
    delivery::Entity::find_by_id(d.id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// Rule 8 feeding rule 2: the rejected part of an inspected delivery line becomes a quality
/// failure of its supplier (source: receiving inspection), described by the delivery note,
/// the material and the keeper's reason, with the line's certificate as evidence. Refused
/// when nothing of the line was rejected.
pub async fn rejection_to_failure(
    state: &AppState,
    officer: &CurrentUser,
    line_id: i64,
) -> AppResult<entity::supplier_failure::Model> {
    let conn = &state.db.read;
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
    crate::suppliers::store::record_failure(state, officer, d.supplier_id, input).await
}
