//! Stock persistence: listings and price approval, deliveries and inspection, lots and the
//! movement ledger, requisitions with reservation and issue, the stale scan, the ledger check.
//! Quantities move only through conditional updates (`… WHERE on_hand - reserved >= q`), so
//! nothing is reserved or issued beyond what is on hand however many requests arrive at once.

use super::rules::RequisitionStatus;
use super::rules::{
    Arrival, DEFAULT_STALE_MONTHS, agreement_stale_months, allocate_oldest_first, is_stale,
    stale_cutoff,
};
use crate::audit::{self, Change};
use crate::auth::{CurrentUser, Role};
use crate::error::RuleCode;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::money::{Quantity, UnitPlaces, UnitPrice, ValueError, cents_for, line_amount};
use crate::state::AppState;
use chrono::NaiveDate;
use entity::{
    Fixed, consignment_agreement, delivery, delivery_line, listing, lot, material, movement,
    price_change, requisition, requisition_line, supplier, unit, warehouse,
};
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, ExprTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub type Qty = Fixed<3>;
pub type Price = Fixed<4>;

/// A quantity as entered, in a unit of `decimals` places; zero with the field's error when
/// refused.
fn qty(field: &str, v: Decimal, decimals: u32, errors: &mut FieldErrors) -> Qty {
    let places = UnitPlaces::new(decimals);
    Quantity::parse(v, places).map_or_else(
        |e| {
            Quantity::add_error(errors, field, e, places);
            Qty::zero()
        },
        Quantity::fixed,
    )
}

/// A unit price as entered ([`UnitPrice`]); zero with the field's error when refused.
fn price(field: &str, v: Decimal, errors: &mut FieldErrors) -> Price {
    UnitPrice::parse(v).map_or_else(
        |e| {
            errors.add(
                field,
                match e {
                    ValueError::NotPositive => RuleCode::PricePositive,
                    other => other.code(),
                },
            );
            Price::zero()
        },
        UnitPrice::fixed,
    )
}

/// The decimals the material's unit allows.
pub(crate) async fn unit_decimals(conn: &impl ConnectionTrait, material_id: i64) -> AppResult<u32> {
    let m = material::Entity::find_by_id(material_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let u = unit::Entity::find_by_id(m.unit_code.clone())
        .one(conn)
        .await?;
    Ok(u.map(|u| u.decimals.clamp(0, 3) as u32).unwrap_or(3))
}

pub(crate) fn own_supplier(user: &CurrentUser) -> AppResult<i64> {
    match (user.role, user.supplier_id) {
        (Role::Supplier, Some(id)) => Ok(id),
        _ => Err(AppError::Forbidden),
    }
}

// ----- Listings and prices -----

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ListingInput {
    pub material_id: i64,
    pub warehouse_id: i64,
    /// The consignment unit price in yuan.
    #[schema(value_type = String, example = "3850.00")]
    pub price: Decimal,
    #[schema(value_type = String)]
    pub min_stock: Decimal,
    #[schema(value_type = String)]
    pub max_stock: Decimal,
    pub lead_time_days: i32,
}

/// A supplier lists a material. The listing becomes orderable once procurement approves its
/// price (the first price change).
pub async fn create_listing(
    state: &AppState,
    user: &CurrentUser,
    input: ListingInput,
) -> AppResult<listing::Model> {
    let sid = own_supplier(user)?;
    crate::suppliers::store::ensure_may_trade(&state.db.read, sid, state.today()).await?;
    let db = &state.db.read;
    let mut errors = FieldErrors::new();
    let m = material::Entity::find_by_id(input.material_id)
        .one(db)
        .await?
        .filter(|m| m.active);
    if m.is_none() {
        errors.add("material_id", RuleCode::NotFound);
    }
    if warehouse::Entity::find_by_id(input.warehouse_id)
        .one(db)
        .await?
        .is_none_or(|w| !w.active)
    {
        errors.add("warehouse_id", RuleCode::NotFound);
    }
    if let (Some(m), Some(a)) = (&m, crate::suppliers::store::agreement(db, sid).await?) {
        let cats: Vec<i64> = a
            .categories
            .split(',')
            .filter_map(|c| c.parse().ok())
            .collect();
        if !cats.is_empty() && !cats.contains(&m.category_id) {
            errors.add("material_id", RuleCode::CategoryNotInAgreement);
        }
    }
    let decimals = match &m {
        Some(m) => unit_decimals(db, m.id).await?,
        None => 3,
    };
    let p = price("price", input.price, &mut errors);
    let min = if input.min_stock.is_zero() {
        Qty::zero()
    } else {
        qty("min_stock", input.min_stock, decimals, &mut errors)
    };
    let max = qty("max_stock", input.max_stock, decimals, &mut errors);
    if min > max {
        errors.add("max_stock", RuleCode::MaxBelowMin);
    }
    if !(0..=365).contains(&input.lead_time_days) {
        errors.add("lead_time_days", RuleCode::LeadTimeRange);
    }
    errors.into_result()?;
    let m = m.ok_or(AppError::NotFound)?;
    let s = crate::suppliers::store::load(db, sid).await?;
    let now = state.now();
    let txn = state.db.begin_write().await?;
    let l = listing::ActiveModel {
        supplier_id: Set(sid),
        material_id: Set(m.id),
        warehouse_id: Set(input.warehouse_id),
        price: Set(Price::zero()),
        min_stock: Set(min),
        max_stock: Set(max),
        lead_time_days: Set(input.lead_time_days),
        on_hand: Set(Qty::zero()),
        reserved: Set(Qty::zero()),
        active: Set(false),
        search_text: Set(crate::search::listing_text(&m, &s.legal_name)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(crate::error::taken_on("material_id"))?;
    price_change::ActiveModel {
        listing_id: Set(l.id),
        old_price: Set(Price::zero()),
        new_price: Set(p),
        effective_on: Set(state.today()),
        status: Set("pending".into()),
        reason: Set("new listing".into()),
        requested_by: Set(user.id),
        requested_at: Set(now),
        decided_by: Set(None),
        decided_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        &user.actor(),
        now,
        Change::new("listing.create", "listing", l.id).after(&l),
    )
    .await?;
    txn.commit().await?;
    Ok(l)
}

/// Rewrites the search text of a material's listings after its names or specification changed,
/// so the catalogue finds and sorts them by what the material is now called.
pub async fn refresh_search_text(txn: &DatabaseTransaction, m: &material::Model) -> AppResult<()> {
    let listings = listing::Entity::find()
        .filter(listing::Column::MaterialId.eq(m.id))
        .all(txn)
        .await?;
    for l in listings {
        let s = crate::suppliers::store::load(txn, l.supplier_id).await?;
        listing::Entity::update_many()
            .col_expr(
                listing::Column::SearchText,
                Expr::value(crate::search::listing_text(m, &s.legal_name)),
            )
            .filter(listing::Column::Id.eq(l.id))
            .exec(txn)
            .await?;
    }
    Ok(())
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct PriceChangeInput {
    #[schema(value_type = String)]
    pub new_price: Decimal,
    pub effective_on: NaiveDate,
    #[serde(default)]
    pub reason: String,
}

/// The supplier asks for a new price from a date; it applies once procurement approves.
pub async fn request_price_change(
    state: &AppState,
    user: &CurrentUser,
    listing_id: i64,
    input: PriceChangeInput,
) -> AppResult<price_change::Model> {
    let sid = own_supplier(user)?;
    let l = listing::Entity::find_by_id(listing_id)
        .one(&state.db.read)
        .await?
        .filter(|l| l.supplier_id == sid)
        .ok_or(AppError::NotFound)?;
    crate::suppliers::store::ensure_may_trade(&state.db.read, sid, state.today()).await?;
    let mut errors = FieldErrors::new();
    let p = price("new_price", input.new_price, &mut errors);
    if input.effective_on < state.today() {
        errors.add("effective_on", RuleCode::InPast);
    }
    errors.into_result()?;
    let now = state.now();
    let txn = state.db.begin_write().await?;
    let c = price_change::ActiveModel {
        listing_id: Set(l.id),
        old_price: Set(l.price),
        new_price: Set(p),
        effective_on: Set(input.effective_on),
        status: Set("pending".into()),
        reason: Set(input.reason.trim().into()),
        requested_by: Set(user.id),
        requested_at: Set(now),
        decided_by: Set(None),
        decided_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        &user.actor(),
        now,
        Change::new("price_change.request", "price_change", c.id).after(&c),
    )
    .await?;
    txn.commit().await?;
    Ok(c)
}

/// Applies an approved change whose date has come: the listing's price (and, for a new
/// listing, its being orderable) follow.
async fn apply_price(txn: &DatabaseTransaction, c: &price_change::Model) -> AppResult<()> {
    listing::Entity::update_many()
        .col_expr(listing::Column::Price, Expr::value(c.new_price))
        .col_expr(listing::Column::Active, Expr::value(true))
        .filter(listing::Column::Id.eq(c.listing_id))
        .exec(txn)
        .await?;
    Ok(())
}

/// Procurement approves or rejects a requested price.
pub async fn decide_price_change(
    state: &AppState,
    officer: &CurrentUser,
    change_id: i64,
    approve: bool,
) -> AppResult<price_change::Model> {
    let now = state.now();
    let txn = state.db.begin_write().await?;
    let claimed = price_change::Entity::update_many()
        .col_expr(
            price_change::Column::Status,
            Expr::value(if approve { "approved" } else { "rejected" }),
        )
        .col_expr(
            price_change::Column::DecidedBy,
            Expr::value(Some(officer.id)),
        )
        .col_expr(price_change::Column::DecidedAt, Expr::value(Some(now)))
        .filter(price_change::Column::Id.eq(change_id))
        .filter(price_change::Column::Status.eq("pending"))
        .exec(&txn)
        .await?;
    let c = price_change::Entity::find_by_id(change_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if claimed.rows_affected != 1 {
        return Err(AppError::Rule(RuleCode::PriceChangeDecided));
    }
    if approve && c.effective_on <= state.today() {
        apply_price(&txn, &c).await?;
    }
    audit::record(
        &txn,
        &officer.actor(),
        now,
        Change::new(
            if approve {
                "price_change.approve"
            } else {
                "price_change.reject"
            },
            "price_change",
            c.id,
        )
        .after(&c),
    )
    .await?;
    txn.commit().await?;
    Ok(c)
}

/// Daily: applies approved prices whose effective date has come.
pub async fn apply_due_prices(state: &AppState, as_of: NaiveDate) -> AppResult<String> {
    let due = price_change::Entity::find()
        .filter(price_change::Column::Status.eq("approved"))
        .filter(price_change::Column::EffectiveOn.lte(as_of))
        .order_by_asc(price_change::Column::EffectiveOn)
        .order_by_asc(price_change::Column::Id)
        .all(&state.db.read)
        .await?;
    let txn = state.db.begin_write().await?;
    let mut applied = 0;
    for c in due {
        let l = listing::Entity::find_by_id(c.listing_id).one(&txn).await?;
        // Only the newest effective approved change counts; re-applying it changes nothing.
        if l.is_some_and(|l| l.price != c.new_price || !l.active) {
            apply_price(&txn, &c).await?;
            applied += 1;
        }
    }
    txn.commit().await?;
    Ok(format!("applied {applied} prices"))
}

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

#[allow(clippy::too_many_arguments)]
pub(crate) async fn record_movement(
    txn: &DatabaseTransaction,
    lot: &lot::Model,
    kind: &str,
    quantity: Decimal,
    unit_price: Price,
    requisition_line_id: Option<i64>,
    site_id: Option<i64>,
    by: i64,
    on: NaiveDate,
    at: chrono::DateTime<chrono::Utc>,
    note: &str,
) -> AppResult<()> {
    let q = Qty::new(quantity).ok_or(AppError::Rule(RuleCode::QuantityOutOfRange))?;
    let a = cents_for(
        "quantity",
        line_amount(quantity, unit_price.value()).map_err(|e| e.on("quantity"))?,
    )?;
    movement::ActiveModel {
        lot_id: Set(lot.id),
        listing_id: Set(lot.listing_id),
        supplier_id: Set(lot.supplier_id),
        warehouse_id: Set(lot.warehouse_id),
        kind: Set(kind.into()),
        quantity: Set(q),
        unit_price: Set(unit_price),
        amount: Set(a),
        requisition_line_id: Set(requisition_line_id),
        site_id: Set(site_id),
        on_date: Set(on),
        at: Set(at),
        by_user: Set(Some(by)),
        note: Set(note.into()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(())
}

// ----- Requisitions and issue (rule 9) -----

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct RequisitionLineInput {
    pub listing_id: i64,
    #[schema(value_type = String)]
    pub quantity: Decimal,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct RequisitionInput {
    pub purpose: String,
    pub need_by: NaiveDate,
    pub lines: Vec<RequisitionLineInput>,
}

/// May this listing be ordered today? Active (price approved) and its supplier trading.
pub async fn ensure_orderable(
    conn: &impl ConnectionTrait,
    l: &listing::Model,
    today: NaiveDate,
) -> AppResult<()> {
    if !l.active {
        return Err(AppError::Rule(RuleCode::ListingNotOrderable));
    }
    crate::suppliers::store::ensure_may_trade(conn, l.supplier_id, today)
        .await
        .map_err(not_orderable)
}

/// A supplier that may not trade makes its listing not orderable; any other error (the
/// database away) stays what it is.
fn not_orderable(e: AppError) -> AppError {
    match e {
        AppError::Rule(_) => AppError::Rule(RuleCode::ListingNotOrderable),
        other => other,
    }
}

/// A site user submits a requisition for their site.
pub async fn submit_requisition(
    state: &AppState,
    user: &CurrentUser,
    input: RequisitionInput,
) -> AppResult<requisition::Model> {
    let site_id = match (user.role, user.site_id) {
        (Role::SiteUser | Role::SiteManager, Some(s)) => s,
        _ => return Err(AppError::Forbidden),
    };
    let db = &state.db.read;
    let today = state.today();
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
        let Some(found) = listing::Entity::find_by_id(l.listing_id).one(db).await? else {
            errors.add(&format!("lines.{i}.listing_id"), RuleCode::NotFound);
            continue;
        };
        match ensure_orderable(db, &found, today).await {
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
            unit_decimals(db, found.material_id).await?,
            &mut errors,
        );
        lines.push((found, q));
    }
    errors.into_result()?;
    let now = state.now();
    let txn = state.db.begin_write().await?;
    let r = requisition::ActiveModel {
        site_id: Set(site_id),
        requested_by: Set(user.id),
        purpose: Set(input.purpose.trim().into()),
        need_by: Set(input.need_by),
        status: Set(RequisitionStatus::Submitted.as_str().into()),
        approved_by: Set(None),
        approved_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    for (l, q) in lines {
        requisition_line::ActiveModel {
            requisition_id: Set(r.id),
            listing_id: Set(l.id),
            quantity: Set(q),
            unit_price: Set(l.price),
            reserved: Set(Qty::zero()),
            issued: Set(Qty::zero()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    audit::record(
        &txn,
        &user.actor(),
        now,
        Change::new("requisition.submit", "requisition", r.id).after(&r),
    )
    .await?;
    txn.commit().await?;
    Ok(r)
}

async fn load_requisition(
    conn: &impl ConnectionTrait,
    id: i64,
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
    pub status: Option<super::rules::RequisitionStatus>,
    pub lines: Vec<requisition_line::Model>,
    pub overdue: bool,
}

/// The requisitions `user` may see, newest first, with their lines (one query for all of
/// them): a site's own people see their site's; the warehouse, the office, finance and the
/// auditor see all; anyone else is refused. `limit` caps how many (the page shows 100).
pub async fn requisitions_for(
    conn: &impl ConnectionTrait,
    user: &CurrentUser,
    now: chrono::DateTime<chrono::Utc>,
    limit: Option<u64>,
) -> AppResult<Vec<RequisitionRow>> {
    use crate::auth::Capability;
    let mut sel = requisition::Entity::find().order_by_desc(requisition::Column::Id);
    if user.role.can(Capability::Requisition) {
        sel = sel.filter(requisition::Column::SiteId.eq(user.site_id.ok_or(AppError::Forbidden)?));
    } else {
        user.require(Capability::ReadStock)?;
    }
    if let Some(n) = limit {
        sel = sel.limit(n);
    }
    let rows = sel.all(conn).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut lines: std::collections::HashMap<i64, Vec<requisition_line::Model>> =
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
            let status = super::rules::RequisitionStatus::parse(&r.status);
            RequisitionRow {
                overdue: super::rules::requisition_overdue(status, r.approved_at, now),
                lines: lines.remove(&r.id).unwrap_or_default(),
                status,
                r,
            }
        })
        .collect())
}

async fn set_status(
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

/// The site manager approves: every line's quantity is reserved at the listing's approved
/// price, or nothing is (insufficient stock refuses the whole approval).
pub async fn approve_requisition(
    state: &AppState,
    manager: &CurrentUser,
    id: i64,
) -> AppResult<requisition::Model> {
    let (r, lines) = load_requisition(&state.db.read, id).await?;
    if manager.role != Role::SiteManager || manager.site_id != Some(r.site_id) {
        return Err(AppError::Forbidden);
    }
    let today = state.today();
    let now = state.now();
    let txn = state.db.begin_write().await?;
    set_status(
        &txn,
        &r,
        &[RequisitionStatus::Submitted],
        RequisitionStatus::Approved,
        now,
    )
    .await?;
    for line in &lines {
        let l = listing::Entity::find_by_id(line.listing_id)
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound)?;
        ensure_orderable(&txn, &l, today).await?;
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
            .exec(&txn)
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
            .exec(&txn)
            .await?;
    }
    requisition::Entity::update_many()
        .col_expr(
            requisition::Column::ApprovedBy,
            Expr::value(Some(manager.id)),
        )
        .col_expr(requisition::Column::ApprovedAt, Expr::value(Some(now)))
        .filter(requisition::Column::Id.eq(r.id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        &manager.actor(),
        now,
        Change::new("requisition.approve", "requisition", r.id)
            .before(&r.status)
            .after("approved"),
    )
    .await?;
    txn.commit().await?;
    Ok(load_requisition(&state.db.read, id).await?.0)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct IssueLine {
    pub line_id: i64,
    #[schema(value_type = String)]
    pub quantity: Decimal,
}

/// The keeper issues (part or all of) an approved requisition, oldest lots first. Each lot
/// drawn is an `issue` movement at the approved price: ownership passes to the company.
pub async fn issue(
    state: &AppState,
    keeper: &CurrentUser,
    id: i64,
    issue_lines: Vec<IssueLine>,
) -> AppResult<requisition::Model> {
    let (r, lines) = load_requisition(&state.db.read, id).await?;
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
    let today = state.today();
    let now = state.now();
    let txn = state.db.begin_write().await?;
    for (line, q) in &plan {
        let l = listing::Entity::find_by_id(line.listing_id)
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound)?;
        crate::suppliers::store::ensure_may_trade(&txn, l.supplier_id, today)
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
            .exec(&txn)
            .await?;
        if took.rows_affected != 1 {
            return Err(AppError::Rule(RuleCode::InsufficientStock));
        }
        let lots = lot::Entity::find()
            .filter(lot::Column::ListingId.eq(l.id))
            .filter(lot::Column::Quantity.gt(Qty::zero()))
            .all(&txn)
            .await?;
        let avail: Vec<(i64, NaiveDate, Decimal)> = lots
            .iter()
            .map(|x| (x.id, x.received_on, x.quantity.value()))
            .collect();
        let allocation = allocate_oldest_first(&avail, q.value())
            .ok_or(AppError::Rule(RuleCode::InsufficientStock))?;
        for (lot_id, take) in allocation {
            let take_q = Qty::new(take).unwrap_or_default();
            let drawn = lot::Entity::update_many()
                .col_expr(
                    lot::Column::Quantity,
                    Expr::col(lot::Column::Quantity).sub(take_q),
                )
                .col_expr(lot::Column::LastMovementOn, Expr::value(today))
                .filter(lot::Column::Id.eq(lot_id))
                .filter(lot::Column::Quantity.gte(take_q))
                .exec(&txn)
                .await?;
            if drawn.rows_affected != 1 {
                return Err(AppError::Conflict(RuleCode::StockChanged));
            }
            let lot_row = lots
                .iter()
                .find(|x| x.id == lot_id)
                .ok_or(AppError::NotFound)?;
            record_movement(
                &txn,
                lot_row,
                "issue",
                -take,
                line.unit_price,
                Some(line.id),
                Some(r.site_id),
                keeper.id,
                today,
                now,
                "",
            )
            .await?;
        }
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
            .exec(&txn)
            .await?;
        if bumped.rows_affected != 1 {
            return Err(AppError::Conflict(RuleCode::StockChanged));
        }
    }
    let after_lines = requisition_line::Entity::find()
        .filter(requisition_line::Column::RequisitionId.eq(r.id))
        .all(&txn)
        .await?;
    let done = after_lines.iter().all(|l| l.issued >= l.reserved);
    set_status(
        &txn,
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
        &txn,
        &keeper.actor(),
        now,
        Change::new("requisition.issue", "requisition", r.id)
            .after(serde_json::json!({"lines": plan.len(), "complete": done})),
    )
    .await?;
    txn.commit().await?;
    Ok(load_requisition(&state.db.read, id).await?.0)
}

/// Cancels a requisition: what was reserved and not issued is released.
pub async fn cancel_requisition(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
) -> AppResult<requisition::Model> {
    let (r, lines) = load_requisition(&state.db.read, id).await?;
    let allowed = match user.role {
        Role::SiteUser => {
            user.id == r.requested_by
                && RequisitionStatus::parse(&r.status) == Some(RequisitionStatus::Submitted)
        }
        Role::SiteManager => user.site_id == Some(r.site_id),
        Role::WarehouseKeeper => true,
        _ => false,
    };
    if !allowed {
        return Err(AppError::Forbidden);
    }
    let now = state.now();
    let txn = state.db.begin_write().await?;
    set_status(
        &txn,
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
                .exec(&txn)
                .await?;
        }
    }
    audit::record(
        &txn,
        &user.actor(),
        now,
        Change::new("requisition.cancel", "requisition", r.id)
            .before(&r.status)
            .after("cancelled"),
    )
    .await?;
    txn.commit().await?;
    Ok(load_requisition(&state.db.read, id).await?.0)
}

// ----- Stale stock (rule 3) -----

/// Daily: flags lots on hand whose last movement is more than the agreement's stale limit
/// old, and asks their suppliers to take them back or exchange them. Flags each lot once.
pub async fn stale_scan(state: &AppState, as_of: NaiveDate) -> AppResult<String> {
    let months = stale_months_by_supplier(&state.db.read).await?;
    // Suppliers with a lot that is stale under the shortest agreement (one month): a superset
    // of those with stale lots, found through the index on `last_movement_on`.
    let Some(widest) = stale_cutoff(as_of, 1) else {
        return Ok("flagged 0 lots".into());
    };
    let suppliers: Vec<i64> = lot::Entity::find()
        .select_only()
        .column(lot::Column::SupplierId)
        .distinct()
        .filter(lot::Column::Quantity.gt(Qty::zero()))
        .filter(lot::Column::StaleFlaggedOn.is_null())
        .filter(lot::Column::LastMovementOn.lte(widest))
        .order_by_asc(lot::Column::SupplierId)
        .into_tuple()
        .all(&state.db.read)
        .await?;
    // One transaction: every supplier's lots are flagged first, then each flagged supplier is
    // told and the flags recorded. Lots before the audit head is the order an issue takes its
    // locks in, so the scan and an issue never deadlock; and a lot table page is written once,
    // not once per supplier whose lots share it. `stale_flagged_on IS NULL` makes a second
    // instance's scan flag nothing.
    let txn = state.db.begin_write().await?;
    let mut flagged: Vec<(i64, Vec<i64>)> = Vec::new();
    for supplier_id in suppliers {
        let Some(cutoff) = stale_cutoff(as_of, stale_months_of(&months, supplier_id)) else {
            continue;
        };
        let mut flag = lot::Entity::update_many()
            .col_expr(lot::Column::StaleFlaggedOn, Expr::value(Some(as_of)))
            .filter(lot::Column::SupplierId.eq(supplier_id))
            .filter(lot::Column::Quantity.gt(Qty::zero()))
            .filter(lot::Column::StaleFlaggedOn.is_null())
            .filter(lot::Column::LastMovementOn.lte(cutoff))
            .into_query();
        flag.returning_col(lot::Column::Id);
        let mut ids = Vec::new();
        for row in txn.query_all(&flag).await? {
            ids.push(row.try_get::<i64>("", "id")?);
        }
        if !ids.is_empty() {
            ids.sort_unstable();
            flagged.push((supplier_id, ids));
        }
    }
    let mut count = 0;
    for (supplier_id, ids) in flagged {
        let s = supplier::Entity::find_by_id(supplier_id)
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound)?;
        let users = crate::users::store::active_of_supplier(&txn, supplier_id).await?;
        let args = [
            ("company", s.legal_name.clone()),
            ("count", ids.len().to_string()),
        ];
        crate::mail::enqueue_to_users(&txn, state, &users, "stock_stale", &args).await?;
        count += ids.len();
        audit::record(
            &txn,
            &crate::audit::Actor::system("job:stale-scan"),
            state.now(),
            Change::new("lots.flag_stale", "supplier", supplier_id)
                .after(serde_json::json!({ "lots": ids })),
        )
        .await?;
    }
    txn.commit().await?;
    state.mail_wake.notify_one();
    Ok(format!("flagged {count} lots"))
}

/// Each supplier's stale months from its agreement (the latest one when there are several).
async fn stale_months_by_supplier<C: ConnectionTrait>(
    conn: &C,
) -> AppResult<std::collections::HashMap<i64, u32>> {
    let rows: Vec<(i64, i32)> = consignment_agreement::Entity::find()
        .select_only()
        .column(consignment_agreement::Column::SupplierId)
        .column(consignment_agreement::Column::StaleMonths)
        .order_by_asc(consignment_agreement::Column::Id)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(supplier, months)| (supplier, agreement_stale_months(months)))
        .collect())
}

/// A supplier's stale months: its agreement's, else rule 3's default.
fn stale_months_of(months: &std::collections::HashMap<i64, u32>, supplier_id: i64) -> u32 {
    months
        .get(&supplier_id)
        .copied()
        .unwrap_or(DEFAULT_STALE_MONTHS)
}

// ----- The ledger check (rule 12) -----

/// Where books and stock disagree.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LedgerCheck {
    pub ok: bool,
    /// Listings whose on-hand differs from the sum of their lots or of their movements.
    pub differences: Vec<LedgerDifference>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LedgerDifference {
    pub listing_id: i64,
    #[schema(value_type = String)]
    pub on_hand: Decimal,
    #[schema(value_type = String)]
    pub lots: Decimal,
    #[schema(value_type = String)]
    pub movements: Decimal,
}

/// Compares each listing's on-hand with its lots and with the sum of its movements.
pub async fn ledger_check(conn: &impl ConnectionTrait) -> AppResult<LedgerCheck> {
    let mut lots_sum: std::collections::HashMap<i64, Decimal> = std::collections::HashMap::new();
    for l in lot::Entity::find().all(conn).await? {
        *lots_sum.entry(l.listing_id).or_default() += l.quantity.value();
    }
    let mut moves_sum: std::collections::HashMap<i64, Decimal> = std::collections::HashMap::new();
    for m in movement::Entity::find().all(conn).await? {
        *moves_sum.entry(m.listing_id).or_default() += m.quantity.value();
    }
    let mut differences = Vec::new();
    for l in listing::Entity::find().all(conn).await? {
        let lots = lots_sum.get(&l.id).copied().unwrap_or_default();
        let movements = moves_sum.get(&l.id).copied().unwrap_or_default();
        if lots != l.on_hand.value()
            || movements != l.on_hand.value()
            || l.reserved.value() > l.on_hand.value()
        {
            differences.push(LedgerDifference {
                listing_id: l.id,
                on_hand: l.on_hand.value(),
                lots,
                movements,
            });
        }
    }
    Ok(LedgerCheck {
        ok: differences.is_empty(),
        differences,
    })
}

// ----- Stock first (rule 7) and the no-movement list (rule 3) -----

/// Rule 7: what the supermarket holds of `material_id` right now — listings that can be
/// ordered with their available quantity. The procurement plan turns a purchase request for
/// a material held here into a requisition instead.
pub async fn available_for(
    conn: &impl ConnectionTrait,
    material_id: i64,
    today: NaiveDate,
) -> AppResult<Vec<(listing::Model, Decimal)>> {
    let mut out = Vec::new();
    for l in listing::Entity::find()
        .filter(listing::Column::MaterialId.eq(material_id))
        .filter(listing::Column::Active.eq(true))
        .all(conn)
        .await?
    {
        let available = l.on_hand.value() - l.reserved.value();
        if available > Decimal::ZERO && ensure_orderable(conn, &l, today).await.is_ok() {
            out.push((l, available));
        }
    }
    Ok(out)
}

/// Why a lot is on the no-movement list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoMovementReason {
    /// Its supplier was removed; it must go back.
    SupplierRemoved,
    /// The supplier answered that it will take it back.
    ReturnRequested,
    /// The supplier answered that it will exchange it.
    ExchangeRequested,
    /// Flagged; the supplier has not answered yet.
    AwaitingSupplier,
    /// Past the limit but not yet flagged (the scan runs daily).
    NotYetFlagged,
}

impl NoMovementReason {
    pub fn as_str(self) -> &'static str {
        match self {
            NoMovementReason::SupplierRemoved => "supplier_removed",
            NoMovementReason::ReturnRequested => "return_requested",
            NoMovementReason::ExchangeRequested => "exchange_requested",
            NoMovementReason::AwaitingSupplier => "awaiting_supplier",
            NoMovementReason::NotYetFlagged => "not_yet_flagged",
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NoMovementLine {
    pub lot_id: i64,
    pub warehouse_id: i64,
    pub supplier: String,
    pub material: String,
    pub spec: String,
    pub unit: String,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    #[schema(value_type = String)]
    pub value: Decimal,
    pub received_on: NaiveDate,
    pub last_movement_on: NaiveDate,
    pub days_without_movement: i64,
    pub reason: NoMovementReason,
}

/// The no-movement list of `warehouse_id` (or all) as of a date: lots on hand past their
/// supplier's limit, flagged or about to be, and lots of removed suppliers, each with why.
pub async fn no_movement(
    conn: &impl ConnectionTrait,
    warehouse_id: Option<i64>,
    as_of: NaiveDate,
    zh: bool,
) -> AppResult<Vec<NoMovementLine>> {
    let mut sel = lot::Entity::find()
        .filter(lot::Column::Quantity.gt(Qty::zero()))
        .order_by_asc(lot::Column::LastMovementOn);
    if let Some(w) = warehouse_id {
        sel = sel.filter(lot::Column::WarehouseId.eq(w));
    }
    let mut out = Vec::new();
    let months = stale_months_by_supplier(conn).await?;
    for l in sel.all(conn).await? {
        let m = stale_months_of(&months, l.supplier_id);
        let reason = match (l.return_request.as_deref(), l.stale_flagged_on) {
            (Some("removal"), _) => NoMovementReason::SupplierRemoved,
            (Some("return"), _) => NoMovementReason::ReturnRequested,
            (Some("exchange"), _) => NoMovementReason::ExchangeRequested,
            (_, Some(_)) => NoMovementReason::AwaitingSupplier,
            _ if is_stale(l.last_movement_on, as_of, m) => NoMovementReason::NotYetFlagged,
            _ => continue,
        };
        let li = listing::Entity::find_by_id(l.listing_id)
            .one(conn)
            .await?
            .ok_or(AppError::NotFound)?;
        let mat = material::Entity::find_by_id(li.material_id)
            .one(conn)
            .await?
            .ok_or(AppError::NotFound)?;
        let s = supplier::Entity::find_by_id(l.supplier_id)
            .one(conn)
            .await?
            .ok_or(AppError::NotFound)?;
        out.push(NoMovementLine {
            lot_id: l.id,
            warehouse_id: l.warehouse_id,
            supplier: s.legal_name,
            material: if zh { mat.name_zh } else { mat.name_en },
            spec: mat.spec,
            unit: mat.unit_code,
            quantity: l.quantity.value(),
            value: line_amount(l.quantity.value(), li.price.value()).map_err(|e| e.on("value"))?,
            received_on: l.received_on,
            last_movement_on: l.last_movement_on,
            days_without_movement: (as_of - l.last_movement_on).num_days(),
            reason,
        });
    }
    Ok(out)
}

/// Monthly: sends the no-movement list's summary, per warehouse, to the procurement office.
pub async fn send_no_movement_report(state: &AppState, as_of: NaiveDate) -> AppResult<String> {
    let lines = no_movement(&state.db.read, None, as_of, true).await?;
    let mut per_warehouse: std::collections::BTreeMap<i64, (usize, Decimal)> =
        std::collections::BTreeMap::new();
    for l in &lines {
        let e = per_warehouse.entry(l.warehouse_id).or_default();
        e.0 += 1;
        e.1 += l.value;
    }
    let txn = state.db.begin_write().await?;
    let office = crate::users::store::active_with_roles(
        &txn,
        &[Role::ProcurementOfficer, Role::ProcurementHead],
    )
    .await?;
    for (warehouse_id, (count, value)) in &per_warehouse {
        let w = warehouse::Entity::find_by_id(*warehouse_id)
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound)?;
        let args = [
            ("warehouse", w.name_zh.clone()),
            ("count", count.to_string()),
            ("value", format!("{value:.2}")),
            ("month", as_of.format("%Y-%m").to_string()),
            ("id", warehouse_id.to_string()),
        ];
        crate::mail::enqueue_to_users(&txn, state, &office, "no_movement_report", &args).await?;
    }
    audit::record(
        &txn,
        &crate::audit::Actor::system("job:no-movement-report"),
        state.now(),
        Change::new(
            "report.no_movement",
            "stock",
            as_of.format("%Y-%m").to_string(),
        )
        .after(serde_json::json!({"lots": lines.len()})),
    )
    .await?;
    txn.commit().await?;
    state.mail_wake.notify_one();
    Ok(format!(
        "{} lots without movement in {} warehouses",
        lines.len(),
        per_warehouse.len()
    ))
}
