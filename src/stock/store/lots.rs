//! The stock itself: rule 3's stale scan, rule 12's ledger check, rule 7's stock-first lookup
//! and the no-movement list.

use super::*;
use crate::jobs::JobDetail;
use entity::{ListingId, LotId, SupplierId};

// ----- Stale stock (rule 3) -----

/// Daily: flags lots on hand whose last movement is more than the agreement's stale limit
/// old, and asks their suppliers to take them back or exchange them. Flags each lot once.
pub async fn stale_scan(state: &AppState, as_of: NaiveDate) -> AppResult<JobDetail> {
    let months = stale_months_by_supplier(&state.db.read).await?;
    // Every supplier: the flagging UPDATE finds each one's stale lots through the index on
    // (supplier, last movement), one seek for a supplier with none. Looking first for the
    // suppliers that have any read every lot's row (quantity and flag are not in an index):
    // 0.2 s of 200,000 lots, more than half of what the scan spent beyond the UPDATE itself.
    let suppliers: Vec<SupplierId> = supplier::Entity::find()
        .select_only()
        .column(supplier::Column::Id)
        .order_by_asc(supplier::Column::Id)
        .into_tuple()
        .all(&state.db.read)
        .await?;
    // Suppliers by the day on or before which their lots' last movement makes them stale: one
    // UPDATE per such day (agreements say a few different numbers of months), not one per
    // supplier.
    let mut by_cutoff: std::collections::BTreeMap<NaiveDate, Vec<SupplierId>> =
        std::collections::BTreeMap::new();
    for supplier_id in suppliers {
        if let Some(cutoff) = stale_cutoff(as_of, stale_months_of(&months, supplier_id)) {
            by_cutoff.entry(cutoff).or_default().push(supplier_id);
        }
    }
    // One transaction: every supplier's lots are flagged first, then each flagged supplier is
    // told and the flags recorded. Lots before the audit head is the order an issue takes its
    // locks in, so the scan and an issue never deadlock. `stale_flagged_on IS NULL` makes a
    // second instance's scan flag nothing.
    let txn = state.db.begin_write().await?;
    let mut flagged: std::collections::BTreeMap<SupplierId, Vec<LotId>> =
        std::collections::BTreeMap::new();
    for (cutoff, ids) in by_cutoff {
        for chunk in ids.chunks(SUPPLIERS_PER_UPDATE) {
            let mut flag = lot::Entity::update_many()
                .col_expr(lot::Column::StaleFlaggedOn, Expr::value(Some(as_of)))
                .filter(lot::Column::SupplierId.is_in(chunk.iter().copied()))
                .filter(lot::Column::Quantity.gt(Qty::zero()))
                .filter(lot::Column::StaleFlaggedOn.is_null())
                .filter(lot::Column::LastMovementOn.lte(cutoff))
                .into_query();
            flag.returning(
                sea_orm::sea_query::Query::returning()
                    .columns([lot::Column::Id, lot::Column::SupplierId]),
            );
            for row in txn.query_all(&flag).await? {
                flagged
                    .entry(SupplierId(row.try_get::<i64>("", "supplier_id")?))
                    .or_default()
                    .push(LotId(row.try_get::<i64>("", "id")?));
            }
        }
    }
    let names: std::collections::HashMap<SupplierId, String> = supplier::Entity::find()
        .filter(supplier::Column::Id.is_in(flagged.keys().copied()))
        .all(&txn)
        .await?
        .into_iter()
        .map(|s| (s.id, s.legal_name))
        .collect();
    let suppliers: Vec<SupplierId> = flagged.keys().copied().collect();
    let users_of = crate::users::store::active_of_suppliers(&txn, &suppliers).await?;
    let mut count = 0;
    let mut changes = Vec::with_capacity(flagged.len());
    // Each supplier's users are told of its own lots, all in one notice insert and one
    // outbox statement (two statements a supplier made the scan twice the raw UPDATE's time
    // on SQLite).
    let mut told = Vec::new();
    for (supplier_id, mut ids) in flagged {
        ids.sort_unstable();
        let company = names.get(&supplier_id).cloned().ok_or(AppError::NotFound)?;
        for u in users_of.get(&supplier_id).into_iter().flatten() {
            told.push((
                u,
                vec![
                    ("company", company.clone()),
                    ("count", ids.len().to_string()),
                ],
            ));
        }
        count += ids.len();
        changes.push(
            Change::new("lots.flag_stale", "supplier", supplier_id)
                .after(serde_json::json!({ "lots": ids })),
        );
    }
    crate::mail::enqueue_each_linked(
        &txn,
        &state.config.base_url(),
        state.now(),
        "stock_stale",
        "/my/lots",
        told,
    )
    .await?;
    audit::record_all(
        &txn,
        &crate::audit::Actor::system("job:stale-scan"),
        state.now(),
        changes,
    )
    .await?;
    txn.commit().await?;
    state.mail_wake.notify_one();
    Ok(JobDetail::new("job-detail-stale-scan").arg("count", count))
}

/// Suppliers per flagging UPDATE: their ids are its parameters, under SQLite's limit.
const SUPPLIERS_PER_UPDATE: usize = 500;

/// Each supplier's stale months from its agreement (the latest one when there are several).
pub(super) async fn stale_months_by_supplier<C: ConnectionTrait>(
    conn: &C,
) -> AppResult<std::collections::HashMap<SupplierId, u32>> {
    let rows: Vec<(SupplierId, i32)> = consignment_agreement::Entity::find()
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
pub(super) fn stale_months_of(
    months: &std::collections::HashMap<SupplierId, u32>,
    supplier_id: SupplierId,
) -> u32 {
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
    pub listing_id: ListingId,
    #[schema(value_type = String)]
    pub on_hand: Decimal,
    #[schema(value_type = String)]
    pub lots: Decimal,
    #[schema(value_type = String)]
    pub movements: Decimal,
}

/// Compares each listing's on-hand with its lots and with the sum of its movements.
pub async fn ledger_check(conn: &impl ConnectionTrait) -> AppResult<LedgerCheck> {
    let mut lots_sum: std::collections::HashMap<ListingId, Decimal> =
        std::collections::HashMap::new();
    for l in lot::Entity::find().all(conn).await? {
        *lots_sum.entry(l.listing_id).or_default() += l.quantity.value();
    }
    let mut moves_sum: std::collections::HashMap<ListingId, Decimal> =
        std::collections::HashMap::new();
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
    for id in listing::Entity::find()
        .select_only()
        .column(listing::Column::Id)
        .filter(listing::Column::MaterialId.eq(material_id))
        .filter(listing::Column::Active.eq(true))
        .into_tuple::<ListingId>()
        .all(conn)
        .await?
    {
        let Some(l) = crate::catalogue::store::listing_to_order(conn, id, today).await? else {
            continue;
        };
        let available = l.listing.on_hand.value() - l.listing.reserved.value();
        if available > Decimal::ZERO && l.ensure_orderable(today).is_ok() {
            out.push((l.listing, available));
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
    pub lot_id: LotId,
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
pub async fn send_no_movement_report(state: &AppState, as_of: NaiveDate) -> AppResult<JobDetail> {
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
        let link = format!("/stock/no-movement?warehouse_id={warehouse_id}");
        crate::mail::enqueue_to_users_linked(
            &txn,
            &state.config.base_url(),
            state.now(),
            &office,
            "no_movement_report",
            &link,
            &args,
        )
        .await?;
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
    Ok(JobDetail::new("job-detail-no-movement-report")
        .arg("lots", lines.len())
        .arg("warehouses", per_warehouse.len()))
}

/// What each movement of [`draw_oldest_first`] records besides its lot and quantity.
#[derive(Clone, Copy)]
pub(crate) struct DrawnAs<'a> {
    pub kind: &'a str,
    pub unit_price: Price,
    /// An issue's plan price in force on its day (`plan_prices::store::in_force`).
    pub plan_unit_price: Option<Price>,
    pub requisition_line_id: Option<i64>,
    pub site_id: Option<i64>,
    pub by: i64,
    pub on: NaiveDate,
    pub at: chrono::DateTime<chrono::Utc>,
    pub note: &'a str,
}

/// Takes `quantity` out of a listing's lots, oldest first (rule 9: an issue, and a count's
/// loss, as issue does): each lot's share under a conditional update of its own, one negative
/// movement each, and the lot's stale clock restarted. The listing's own on-hand is the
/// caller's, moved first under its own condition. `short` is the error when the lots hold less
/// than `quantity`. The movements go into `batch` (one insert for all of them), which the
/// caller runs before its transaction commits.
pub(crate) async fn draw_oldest_first(
    txn: &DatabaseTransaction,
    batch: &mut crate::db::Batch,
    listing_id: ListingId,
    quantity: Qty,
    short: AppError,
    drawn_as: &DrawnAs<'_>,
) -> AppResult<()> {
    let lots = lot::Entity::find()
        .filter(lot::Column::ListingId.eq(listing_id))
        .filter(lot::Column::Quantity.gt(Qty::zero()))
        .all(txn)
        .await?;
    let avail: Vec<(LotId, NaiveDate, Decimal)> = lots
        .iter()
        .map(|x| (x.id, x.received_on, x.quantity.value()))
        .collect();
    let allocation = allocate_oldest_first(&avail, quantity.value()).ok_or(short)?;
    let mut movements = Vec::with_capacity(allocation.len());
    for (lot_id, take) in allocation {
        let take_q = Qty::new(take).unwrap_or_default();
        let drawn = lot::Entity::update_many()
            .col_expr(
                lot::Column::Quantity,
                Expr::col(lot::Column::Quantity).sub(take_q),
            )
            .col_expr(lot::Column::LastMovementOn, Expr::value(drawn_as.on))
            .filter(lot::Column::Id.eq(lot_id))
            .filter(lot::Column::Quantity.gte(take_q))
            .exec(txn)
            .await?;
        if drawn.rows_affected != 1 {
            return Err(AppError::Conflict(RuleCode::StockChanged));
        }
        let lot_row = lots
            .iter()
            .find(|x| x.id == lot_id)
            .ok_or(AppError::NotFound)?;
        movements.push(movement_row(lot_row, -take, drawn_as)?);
    }
    if !movements.is_empty() {
        use sea_orm::QueryTrait;
        batch.insert(movement::Entity::insert_many(movements).into_query());
    }
    Ok(())
}

/// One immutable row of the movement ledger (rule 12): every change of stock writes one.
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
    insert_movement(
        txn,
        lot,
        quantity,
        &DrawnAs {
            kind,
            unit_price,
            plan_unit_price: None,
            requisition_line_id,
            site_id,
            by,
            on,
            at,
            note,
        },
    )
    .await
}

/// [`record_movement`] of what [`DrawnAs`] describes (an issue with its plan price).
async fn insert_movement(
    txn: &DatabaseTransaction,
    lot: &lot::Model,
    quantity: Decimal,
    d: &DrawnAs<'_>,
) -> AppResult<()> {
    movement_row(lot, quantity, d)?.insert(txn).await?;
    Ok(())
}

/// The ledger row [`insert_movement`] writes.
fn movement_row(
    lot: &lot::Model,
    quantity: Decimal,
    d: &DrawnAs<'_>,
) -> AppResult<movement::ActiveModel> {
    let DrawnAs {
        kind,
        unit_price,
        plan_unit_price,
        requisition_line_id,
        site_id,
        by,
        on,
        at,
        note,
    } = *d;
    let q = Qty::new(quantity).ok_or(AppError::Rule(RuleCode::QuantityOutOfRange))?;
    let a = cents_for(
        "quantity",
        line_amount(quantity, unit_price.value()).map_err(|e| e.on("quantity"))?,
    )?;
    Ok(movement::ActiveModel {
        lot_id: Set(lot.id),
        listing_id: Set(lot.listing_id),
        supplier_id: Set(lot.supplier_id),
        warehouse_id: Set(lot.warehouse_id),
        kind: Set(kind.into()),
        quantity: Set(q),
        unit_price: Set(unit_price),
        plan_unit_price: Set(plan_unit_price),
        amount: Set(a),
        requisition_line_id: Set(requisition_line_id),
        site_id: Set(site_id),
        on_date: Set(on),
        at: Set(at),
        by_user: Set(Some(by)),
        note: Set(note.into()),
        ..Default::default()
    })
}
