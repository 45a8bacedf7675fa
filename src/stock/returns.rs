//! Stale stock answered (DOMAIN.md rule 3): the supplier says whether it takes a flagged lot
//! back or exchanges it; the keeper records the return (the lot's whole remaining quantity
//! leaves stock, nothing is owed) or the exchange (the old goods leave, fresh goods enter as
//! a new lot dated today, so the two-month clock starts again). Either clears the flag.
//!
//! A lot is *flagged* when the stale scan flagged it (`stale_flagged_on`) or its supplier was
//! removed (`return_request = 'removal'`, rule 2). A removed supplier's stock can only be
//! returned, and needs no answer.

use super::store::Qty;
use crate::audit::{self, Change};
use crate::auth::{Act, Capability, CurrentUser, Role};
use crate::error::RuleCode;
use crate::error::{AppError, AppResult, ErrorBody, FieldErrors};
use crate::state::AppState;
use actix_web::{get, post, web};
use chrono::NaiveDate;
use entity::{ListingId, LotId, SupplierId, listing, lot, material, supplier};
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseTransaction, EntityTrait, ExprTrait, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// `return_request` of a removed supplier's lots (set by the removal, rule 2).
pub const REMOVAL: &str = "removal";

// ----- Shared with counts.rs -----

/// What a mail about a listing's stock says about the goods.
pub(crate) async fn goods_args(
    conn: &impl ConnectionTrait,
    l: &listing::Model,
) -> AppResult<Vec<(&'static str, String)>> {
    let m = material::Entity::find_by_id(l.material_id)
        .one(conn)
        .await?;
    let s = supplier::Entity::find_by_id(l.supplier_id)
        .one(conn)
        .await?;
    Ok(vec![
        (
            "material",
            m.as_ref()
                .map(|m| format!("{} {}", m.name_zh, m.spec))
                .unwrap_or_default(),
        ),
        ("unit", m.map(|m| m.unit_code).unwrap_or_default()),
        ("company", s.map(|s| s.legal_name).unwrap_or_default()),
    ])
}

/// The flag condition: flagged by the stale scan, or its supplier removed.
fn flagged() -> Condition {
    Condition::any()
        .add(lot::Column::StaleFlaggedOn.is_not_null())
        .add(lot::Column::ReturnRequest.eq(REMOVAL))
}

/// Its negation, spelled out: `NOT (… OR return_request = 'removal')` is NULL, not true, for
/// a lot without a return request, so `flagged().not()` would drop every unrequested lot.
fn not_flagged() -> Condition {
    Condition::all()
        .add(lot::Column::StaleFlaggedOn.is_null())
        .add(
            Condition::any()
                .add(lot::Column::ReturnRequest.is_null())
                .add(lot::Column::ReturnRequest.ne(REMOVAL)),
        )
}

fn is_flagged(l: &lot::Model) -> bool {
    l.stale_flagged_on.is_some() || l.return_request.as_deref() == Some(REMOVAL)
}

// ----- Views -----

/// A consigned lot with its flag.
#[derive(Debug, Serialize, ToSchema)]
pub struct LotView {
    pub id: LotId,
    pub listing_id: ListingId,
    pub supplier_id: SupplierId,
    pub supplier: String,
    pub warehouse_id: i64,
    pub material_id: i64,
    pub name_zh: String,
    pub name_en: String,
    pub spec: String,
    pub unit: String,
    pub received_on: NaiveDate,
    /// What is left of the lot.
    #[schema(value_type = String)]
    pub quantity: Decimal,
    /// The stale clock starts here.
    pub last_movement_on: NaiveDate,
    /// When the stale scan flagged the lot.
    pub stale_flagged_on: Option<NaiveDate>,
    /// Why the lot must go: `stale` (rule 3) or `removal` (rule 2); none when it may stay.
    pub flag: Option<String>,
    /// The supplier's answer: `return` or `exchange` (or `removal`, which needs none).
    pub return_request: Option<String>,
}

async fn lot_views(conn: &impl ConnectionTrait, lots: Vec<lot::Model>) -> AppResult<Vec<LotView>> {
    let listing_ids: Vec<ListingId> = lots.iter().map(|l| l.listing_id).collect();
    let listings = listing::Entity::find()
        .filter(listing::Column::Id.is_in(listing_ids))
        .all(conn)
        .await?;
    let materials = material::Entity::find()
        .filter(material::Column::Id.is_in(listings.iter().map(|l| l.material_id)))
        .all(conn)
        .await?;
    let suppliers = supplier::Entity::find()
        .filter(supplier::Column::Id.is_in(lots.iter().map(|l| l.supplier_id)))
        .all(conn)
        .await?;
    Ok(lots
        .into_iter()
        .map(|l| {
            let m = listings
                .iter()
                .find(|x| x.id == l.listing_id)
                .and_then(|x| materials.iter().find(|m| m.id == x.material_id));
            let s = suppliers.iter().find(|s| s.id == l.supplier_id);
            let flag = if l.return_request.as_deref() == Some(REMOVAL) {
                Some(REMOVAL.to_string())
            } else {
                l.stale_flagged_on.map(|_| "stale".to_string())
            };
            LotView {
                id: l.id,
                listing_id: l.listing_id,
                supplier_id: l.supplier_id,
                supplier: s.map(|s| s.legal_name.clone()).unwrap_or_default(),
                warehouse_id: l.warehouse_id,
                material_id: m.map(|m| m.id).unwrap_or_default(),
                name_zh: m.map(|m| m.name_zh.clone()).unwrap_or_default(),
                name_en: m.map(|m| m.name_en.clone()).unwrap_or_default(),
                spec: m.map(|m| m.spec.clone()).unwrap_or_default(),
                unit: m.map(|m| m.unit_code.clone()).unwrap_or_default(),
                received_on: l.received_on,
                quantity: l.quantity.value(),
                last_movement_on: l.last_movement_on,
                stale_flagged_on: l.stale_flagged_on,
                flag,
                return_request: l.return_request,
            }
        })
        .collect())
}

async fn lot_view(conn: &impl ConnectionTrait, id: LotId) -> AppResult<LotView> {
    let l = lot::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    lot_views(conn, vec![l])
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

/// Lots on hand (quantity above zero), oldest movement first.
async fn lots_on_hand(
    conn: &impl ConnectionTrait,
    supplier_id: Option<SupplierId>,
    listing_id: Option<ListingId>,
    only_flagged: Option<bool>,
) -> AppResult<Vec<LotView>> {
    let mut sel = lot::Entity::find().filter(lot::Column::Quantity.gt(Qty::zero()));
    if let Some(s) = supplier_id {
        sel = sel.filter(lot::Column::SupplierId.eq(s));
    }
    if let Some(l) = listing_id {
        sel = sel.filter(lot::Column::ListingId.eq(l));
    }
    match only_flagged {
        Some(true) => sel = sel.filter(flagged()),
        Some(false) => sel = sel.filter(not_flagged()),
        None => {}
    }
    let rows = sel
        .order_by_asc(lot::Column::LastMovementOn)
        .order_by_asc(lot::Column::Id)
        .all(conn)
        .await?;
    lot_views(conn, rows).await
}

// ----- The supplier's answer -----

/// The supplier's answer to a flagged lot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LotAnswer {
    /// Take the goods back.
    Return,
    /// Replace them with fresh goods.
    Exchange,
}

impl LotAnswer {
    pub fn as_str(self) -> &'static str {
        match self {
            LotAnswer::Return => "return",
            LotAnswer::Exchange => "exchange",
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AnswerInput {
    pub answer: LotAnswer,
}

/// The supplier (`act.actor`) answers a flagged lot of its own that is still on hand; it may
/// change its answer until the keeper records the return or exchange. The keepers are told
/// (the mail is queued in `txn`). Joins the caller's transaction: it reads and writes through
/// `txn` and commits nothing.
pub async fn answer(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    lot_id: LotId,
    answer: LotAnswer,
) -> AppResult<lot::Model> {
    let user = act.actor;
    let sid = user.own_supplier()?;
    let l = lot::Entity::find_by_id(lot_id)
        .one(txn)
        .await?
        .filter(|l| l.supplier_id == sid)
        .ok_or(AppError::NotFound)?;
    if l.return_request.as_deref() == Some(REMOVAL) {
        return Err(AppError::Rule(RuleCode::LotRemovalReturn));
    }
    if l.stale_flagged_on.is_none() || l.quantity.value() <= Decimal::ZERO {
        return Err(AppError::Rule(RuleCode::LotNotFlagged));
    }
    if answer == LotAnswer::Exchange {
        // Fresh goods are a delivery: only a supplier that may trade can bring them.
        crate::suppliers::store::ensure_may_trade(txn, sid, act.today).await?;
    }
    let now = act.now;
    let r = lot::Entity::update_many()
        .col_expr(
            lot::Column::ReturnRequest,
            Expr::value(Some(answer.as_str())),
        )
        .filter(lot::Column::Id.eq(l.id))
        .filter(lot::Column::SupplierId.eq(sid))
        .filter(lot::Column::Quantity.gt(Qty::zero()))
        .filter(lot::Column::StaleFlaggedOn.is_not_null())
        .filter(
            Condition::any()
                .add(lot::Column::ReturnRequest.is_null())
                .add(lot::Column::ReturnRequest.ne(REMOVAL)),
        )
        .exec(txn)
        .await?;
    if r.rows_affected != 1 {
        return Err(AppError::Rule(RuleCode::LotNotFlagged));
    }
    let after = lot::Entity::find_by_id(l.id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    audit::record(
        txn,
        &user.actor(),
        now,
        Change::new("lot.answer", "lot", l.id)
            .before(serde_json::json!({"return_request": l.return_request}))
            .after(serde_json::json!({"return_request": answer.as_str()})),
    )
    .await?;
    let li = listing::Entity::find_by_id(l.listing_id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut args = goods_args(txn, &li).await?;
    args.push(("lot", l.id.to_string()));
    args.push(("quantity", l.quantity.value().normalize().to_string()));
    let keepers = crate::users::store::active_with_roles(txn, &[Role::WarehouseKeeper]).await?;
    let kind = match answer {
        LotAnswer::Return => "lot_return_requested",
        LotAnswer::Exchange => "lot_exchange_requested",
    };
    crate::mail::enqueue_to_users_linked(txn, &act.base_url, now, &keepers, kind, "/lots", &args)
        .await?;
    Ok(after)
}

/// [`answer`] on its own: in a write transaction of its own, committed when it succeeds; then
/// the mail sender is woken for what it queued.
pub async fn answer_now(
    state: &AppState,
    user: &CurrentUser,
    lot_id: LotId,
    lot_answer: LotAnswer,
) -> AppResult<lot::Model> {
    let txn = state.db.begin_write().await?;
    let l = answer(&txn, &Act::of(state, user), lot_id, lot_answer).await?;
    txn.commit().await?;
    state.mail_wake.notify_one();
    Ok(l)
}

// ----- The keeper records the return or exchange -----

/// Claims the whole remaining quantity of a flagged lot: the lot is emptied, its flag and
/// answer cleared and its last movement set to today, only if nobody changed it since it
/// was read.
async fn empty_lot(txn: &DatabaseTransaction, l: &lot::Model, today: NaiveDate) -> AppResult<()> {
    let r = lot::Entity::update_many()
        .col_expr(
            lot::Column::Quantity,
            Expr::col(lot::Column::Quantity).sub(l.quantity),
        )
        .col_expr(lot::Column::LastMovementOn, Expr::value(today))
        .col_expr(
            lot::Column::StaleFlaggedOn,
            Expr::value(Option::<NaiveDate>::None),
        )
        .col_expr(
            lot::Column::ReturnRequest,
            Expr::value(Option::<String>::None),
        )
        .filter(lot::Column::Id.eq(l.id))
        .filter(lot::Column::Quantity.eq(l.quantity))
        .filter(flagged())
        .exec(txn)
        .await?;
    if r.rows_affected != 1 {
        return Err(AppError::Conflict(RuleCode::StockChanged));
    }
    Ok(())
}

/// Loads the lot for the keeper, checks it is flagged, on hand, and answered `wanted`.
async fn lot_to_clear(
    txn: &DatabaseTransaction,
    lot_id: LotId,
    wanted: LotAnswer,
) -> AppResult<(lot::Model, listing::Model)> {
    let l = lot::Entity::find_by_id(lot_id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if !is_flagged(&l) || l.quantity.value() <= Decimal::ZERO {
        return Err(AppError::Rule(RuleCode::LotNotFlagged));
    }
    match (l.return_request.as_deref(), wanted) {
        (Some(REMOVAL), LotAnswer::Return) => {}
        (Some(REMOVAL), LotAnswer::Exchange) => {
            return Err(AppError::Rule(RuleCode::SupplierRemoved));
        }
        (None, _) => return Err(AppError::Rule(RuleCode::LotNotAnswered)),
        (Some(a), w) if a == w.as_str() => {}
        _ => return Err(AppError::Rule(RuleCode::LotAnswerMismatch)),
    }
    let li = listing::Entity::find_by_id(l.listing_id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((l, li))
}

async fn mail_supplier(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    li: &listing::Model,
    kind: &str,
    extra: &[(&'static str, String)],
) -> AppResult<()> {
    let mut args = goods_args(txn, li).await?;
    args.extend(extra.iter().cloned());
    let users = crate::users::store::active_of_supplier(txn, li.supplier_id).await?;
    crate::mail::enqueue_to_users_linked(
        txn,
        &act.base_url,
        act.now,
        &users,
        kind,
        "/my/lots",
        &args,
    )
    .await
}

/// The keeper (`act.actor`) records a return: the lot's whole remaining quantity leaves stock
/// as a `return_to_supplier` movement at the listing price (negative; nothing is owed, the
/// goods were never the company's), the listing's on-hand falls, and the flag clears. Stock
/// that approved requisitions reserved is never given back: the return is refused instead.
/// The supplier is told (the mail is queued in `txn`). Joins the caller's transaction: it
/// reads and writes through `txn` and commits nothing.
pub async fn record_return(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    lot_id: LotId,
) -> AppResult<lot::Model> {
    let keeper = act.actor;
    let today = act.today;
    let now = act.now;
    let (l, li) = lot_to_clear(txn, lot_id, LotAnswer::Return).await?;
    // The listing first, then the lot: the order an issue takes its locks in, so a return
    // and an issue of the same listing wait for each other instead of deadlocking.
    let took = listing::Entity::update_many()
        .col_expr(
            listing::Column::OnHand,
            Expr::col(listing::Column::OnHand).sub(l.quantity),
        )
        .col_expr(listing::Column::UpdatedAt, Expr::value(now))
        .filter(listing::Column::Id.eq(li.id))
        .filter(
            Expr::col(listing::Column::OnHand)
                .sub(Expr::col(listing::Column::Reserved))
                .gte(l.quantity),
        )
        .exec(txn)
        .await?;
    if took.rows_affected != 1 {
        return Err(AppError::Rule(RuleCode::ReturnTakesReserved));
    }
    empty_lot(txn, &l, today).await?;
    let note = if l.return_request.as_deref() == Some(REMOVAL) {
        "supplier removed"
    } else {
        "no movement"
    };
    super::store::record_movement(
        txn,
        &l,
        "return_to_supplier",
        -l.quantity.value(),
        li.price,
        None,
        None,
        keeper.id,
        today,
        now,
        note,
    )
    .await?;
    audit::record(
        txn,
        &keeper.actor(),
        now,
        Change::new("lot.return", "lot", l.id).before(&l).after(
            serde_json::json!({"quantity": "0", "returned": l.quantity, "unit_price": li.price}),
        ),
    )
    .await?;
    mail_supplier(
        txn,
        act,
        &li,
        "lot_returned",
        &[
            ("lot", l.id.to_string()),
            ("quantity", l.quantity.value().normalize().to_string()),
        ],
    )
    .await?;
    let after = lot::Entity::find_by_id(l.id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(after)
}

/// [`record_return`] on its own: in a write transaction of its own, committed when it
/// succeeds; then the mail sender is woken for what it queued.
pub async fn record_return_now(
    state: &AppState,
    keeper: &CurrentUser,
    lot_id: LotId,
) -> AppResult<lot::Model> {
    let txn = state.db.begin_write().await?;
    let l = record_return(&txn, &Act::of(state, keeper), lot_id).await?;
    txn.commit().await?;
    state.mail_wake.notify_one();
    Ok(l)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ExchangeInput {
    /// The fresh quantity brought in, in the unit's decimals.
    #[schema(value_type = String, example = "12.5")]
    pub quantity: Decimal,
}

/// The keeper records an exchange: the old goods leave (`exchange_out`, the lot's whole
/// remaining quantity) and the fresh goods enter as a new lot received today
/// (`exchange_in`), whose stale clock starts today. The flag clears. The supplier must be
/// trading (fresh goods are a delivery). On-hand never falls below what is reserved. The
/// keeper is `act.actor`; the supplier is told (the mail is queued in `txn`). Joins the
/// caller's transaction: it reads and writes through `txn` and commits nothing.
pub async fn record_exchange(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    lot_id: LotId,
    quantity: Decimal,
) -> AppResult<(lot::Model, lot::Model)> {
    let keeper = act.actor;
    let l = lot::Entity::find_by_id(lot_id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let li = listing::Entity::find_by_id(l.listing_id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let decimals = crate::materials::store::unit_decimals(txn, li.material_id).await?;
    let mut errors = FieldErrors::new();
    let places = crate::money::UnitPlaces::new(decimals);
    let fresh = match crate::money::Quantity::parse(quantity, places) {
        Ok(q) => q.fixed(),
        Err(e) => {
            crate::money::Quantity::add_error(&mut errors, "quantity", e, places);
            Qty::zero()
        }
    };
    errors.into_result()?;
    let today = act.today;
    let now = act.now;
    let (l, li) = lot_to_clear(txn, lot_id, LotAnswer::Exchange).await?;
    crate::suppliers::store::ensure_may_trade(txn, l.supplier_id, today).await?;
    // The listing first, then the lot (the order an issue takes them in).
    let moved = listing::Entity::update_many()
        .col_expr(
            listing::Column::OnHand,
            Expr::col(listing::Column::OnHand)
                .sub(l.quantity)
                .add(fresh),
        )
        .col_expr(listing::Column::UpdatedAt, Expr::value(now))
        .filter(listing::Column::Id.eq(li.id))
        .filter(
            Expr::col(listing::Column::OnHand)
                .add(fresh)
                .sub(Expr::col(listing::Column::Reserved))
                .gte(l.quantity),
        )
        .exec(txn)
        .await?;
    if moved.rows_affected != 1 {
        return Err(AppError::Rule(RuleCode::ReturnTakesReserved));
    }
    empty_lot(txn, &l, today).await?;
    super::store::record_movement(
        txn,
        &l,
        "exchange_out",
        -l.quantity.value(),
        li.price,
        None,
        None,
        keeper.id,
        today,
        now,
        "no movement",
    )
    .await?;
    let new_lot = lot::ActiveModel {
        listing_id: Set(li.id),
        supplier_id: Set(li.supplier_id),
        warehouse_id: Set(li.warehouse_id),
        delivery_line_id: Set(None),
        received_on: Set(today),
        quantity: Set(fresh),
        last_movement_on: Set(today),
        stale_flagged_on: Set(None),
        return_request: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    super::store::record_movement(
        txn,
        &new_lot,
        "exchange_in",
        fresh.value(),
        li.price,
        None,
        None,
        keeper.id,
        today,
        now,
        &format!("exchange of lot {}", l.id),
    )
    .await?;
    audit::record(
        txn,
        &keeper.actor(),
        now,
        Change::new("lot.exchange", "lot", l.id)
            .before(&l)
            .after(serde_json::json!({"quantity": "0", "new_lot": new_lot})),
    )
    .await?;
    mail_supplier(
        txn,
        act,
        &li,
        "lot_exchanged",
        &[
            ("lot", l.id.to_string()),
            ("quantity", l.quantity.value().normalize().to_string()),
            ("fresh", fresh.value().normalize().to_string()),
        ],
    )
    .await?;
    let old = lot::Entity::find_by_id(l.id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((old, new_lot))
}

/// [`record_exchange`] on its own: in a write transaction of its own, committed when it
/// succeeds; then the mail sender is woken for what it queued.
pub async fn record_exchange_now(
    state: &AppState,
    keeper: &CurrentUser,
    lot_id: LotId,
    quantity: Decimal,
) -> AppResult<(lot::Model, lot::Model)> {
    let txn = state.db.begin_write().await?;
    let lots = record_exchange(&txn, &Act::of(state, keeper), lot_id, quantity).await?;
    txn.commit().await?;
    state.mail_wake.notify_one();
    Ok(lots)
}

// ----- Handlers -----

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MyLotQuery {
    /// Only lots that must go (`true`) or only the others (`false`).
    pub flagged: Option<bool>,
    pub listing_id: Option<ListingId>,
}

/// The supplier's own consigned lots on hand, with their flags (never another supplier's).
#[utoipa::path(get, path = "/api/my/lots", tag = "stock", security(("bearer" = ["manage_own_supplier"])), params(MyLotQuery),
    responses((status = 200, body = Vec<LotView>), (status = 403, body = ErrorBody)))]
#[get("/api/my/lots")]
pub async fn my_lots(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: crate::web::Query<MyLotQuery>,
) -> AppResult<web::Json<Vec<LotView>>> {
    user.require(Capability::ManageOwnSupplier)?;
    let sid = user.own_supplier()?;
    Ok(web::Json(
        lots_on_hand(&state.db.read, Some(sid), q.listing_id, q.flagged).await?,
    ))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LotQuery {
    /// Only lots that must go (`true`: stale or of a removed supplier) or only the others.
    pub flagged: Option<bool>,
    pub supplier_id: Option<SupplierId>,
    pub listing_id: Option<ListingId>,
}

/// All consigned lots on hand for the warehouse and the office; `flagged=true` is the list
/// of stock to be returned or exchanged.
#[utoipa::path(get, path = "/api/lots", tag = "stock", security(("bearer" = ["read_stock"])), params(LotQuery),
    responses((status = 200, body = Vec<LotView>), (status = 403, body = ErrorBody)))]
#[get("/api/lots")]
pub async fn list_lots(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: crate::web::Query<LotQuery>,
) -> AppResult<web::Json<Vec<LotView>>> {
    user.require(Capability::ReadStock)?;
    Ok(web::Json(
        lots_on_hand(&state.db.read, q.supplier_id, q.listing_id, q.flagged).await?,
    ))
}

/// The supplier answers a flagged lot: take it back (`return`) or replace it (`exchange`).
#[utoipa::path(post, path = "/api/my/lots/{id}/answer", tag = "stock", security(("bearer" = ["manage_own_supplier"])), params(("id" = i64, Path)), request_body = AnswerInput,
    responses((status = 200, body = LotView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/my/lots/{id}/answer")]
pub async fn answer_lot(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<LotId>,
    body: web::Json<AnswerInput>,
) -> AppResult<web::Json<LotView>> {
    user.require(Capability::ManageOwnSupplier)?;
    let l = answer_now(&state, &user, *id, body.answer).await?;
    Ok(web::Json(lot_view(&state.db.read, l.id).await?))
}

/// The keeper records that the supplier took a flagged lot back.
#[utoipa::path(post, path = "/api/lots/{id}/return", tag = "stock", security(("bearer" = ["issue_stock"])), params(("id" = i64, Path)),
    responses((status = 200, body = LotView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/lots/{id}/return")]
pub async fn return_lot(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<LotId>,
) -> AppResult<web::Json<LotView>> {
    user.require(Capability::IssueStock)?;
    let l = record_return_now(&state, &user, *id).await?;
    Ok(web::Json(lot_view(&state.db.read, l.id).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExchangeView {
    /// The old lot, now empty.
    pub old_lot: LotView,
    /// The fresh goods, received today.
    pub new_lot: LotView,
}

/// The keeper records an exchange: old goods out, fresh goods in as a new lot dated today.
#[utoipa::path(post, path = "/api/lots/{id}/exchange", tag = "stock", security(("bearer" = ["issue_stock"])), params(("id" = i64, Path)), request_body = ExchangeInput,
    responses((status = 200, body = ExchangeView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/lots/{id}/exchange")]
pub async fn exchange_lot(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<LotId>,
    body: web::Json<ExchangeInput>,
) -> AppResult<web::Json<ExchangeView>> {
    user.require(Capability::IssueStock)?;
    let (old, new) = record_exchange_now(&state, &user, *id, body.quantity).await?;
    Ok(web::Json(ExchangeView {
        old_lot: lot_view(&state.db.read, old.id).await?,
        new_lot: lot_view(&state.db.read, new.id).await?,
    }))
}
