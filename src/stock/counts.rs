//! Stock counts (DOMAIN.md rule 12, 帐、卡、物、资金四对口): the keeper counts a listing's
//! goods; the count is stored against the book (the listing's on-hand at that moment).
//!
//! - A count that matches the book is confirmed at once (`approved`, nobody needs to decide,
//!   no movement).
//! - A difference waits (`pending`) for procurement. Approval applies the *difference* (not
//!   the counted figure, since goods may have been issued or received in between): a gain is a
//!   `count_gain` movement into the listing's newest lot (a new lot dated today when it has
//!   none); a loss is `count_loss` movements taken from the oldest lots first, like issue.
//!   Each is at the listing's price, with the count's reason as its note, and the touched lots'
//!   last movement becomes today. A loss never takes stock reserved by approved requisitions:
//!   the approval is refused and the count stays pending. Rejection changes nothing.
//! - A listing has at most one pending count (a unique index on `pending_listing_id`), so a
//!   difference can never be applied twice.

use super::returns::goods_args;
use super::store::Qty;
use super::store::{DrawnAs, draw_oldest_first};
use crate::audit::{self, Change};
use crate::auth::{Act, Capability, CurrentUser, Role};
use crate::error::RuleCode;
use crate::error::{AppError, AppResult, ErrorBody, FieldErrors};
use crate::money::{Quantity, UnitPlaces, ValueError};
use crate::state::AppState;
use actix_web::{HttpResponse, get, post, web};
use chrono::NaiveDate;
use entity::{ListingId, listing, lot, stock_count};
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, ExprTrait,
    QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct CountInput {
    pub listing_id: ListingId,
    /// What is physically there (zero or more, in the unit's decimals).
    #[schema(value_type = String, example = "12.5")]
    pub counted: Decimal,
    /// Why the count differs from the book; required when it does.
    #[serde(default)]
    pub reason: String,
}

/// The keeper (`act.actor`) enters a count. A difference is stored `pending` and procurement
/// is told (the mail is queued in `txn`); a match is confirmed at once. Joins the caller's
/// transaction: it reads and writes through `txn` and commits nothing.
pub async fn enter_count(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    input: CountInput,
) -> AppResult<stock_count::Model> {
    let keeper = act.actor;
    let mut errors = FieldErrors::new();
    let Some(l) = listing::Entity::find_by_id(input.listing_id)
        .one(txn)
        .await?
    else {
        return Err(AppError::field("listing_id", RuleCode::NotFound));
    };
    let decimals = crate::materials::store::unit_decimals(txn, l.material_id).await?;
    // What is there: zero or more, in the unit's places.
    let counted = match Quantity::counted(input.counted, UnitPlaces::new(decimals)) {
        Ok(q) => q.fixed(),
        Err(ValueError::TooLarge) => {
            errors.add("counted", RuleCode::TooLarge);
            Qty::zero()
        }
        Err(_) => {
            errors.add_with(
                "counted",
                RuleCode::CountQuantity,
                &[("decimals", decimals.to_string())],
            );
            Qty::zero()
        }
    };
    let reason = input.reason.trim().to_string();
    if reason.chars().count() > 500 {
        errors.add_with("reason", RuleCode::TooLong, &[("max", "500".into())]);
    }
    errors.into_result()?;
    let now = act.now;
    // The book as the write transaction sees it.
    let l = listing::Entity::find_by_id(l.id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let open = stock_count::Entity::find()
        .filter(stock_count::Column::ListingId.eq(l.id))
        .filter(stock_count::Column::Status.eq("pending"))
        .one(txn)
        .await?;
    if open.is_some() {
        return Err(AppError::Rule(RuleCode::StockCountPending));
    }
    let difference = Qty::new(counted.value() - l.on_hand.value()).unwrap_or_default();
    let matches = difference.value().is_zero();
    if !matches && reason.is_empty() {
        return Err(AppError::field("reason", RuleCode::CountReasonRequired));
    }
    let c = stock_count::ActiveModel {
        listing_id: Set(l.id),
        counted: Set(counted),
        book: Set(l.on_hand),
        difference: Set(difference),
        reason: Set(reason.clone()),
        status: Set(if matches { "approved" } else { "pending" }.into()),
        pending_listing_id: Set((!matches).then_some(l.id)),
        counted_by: Set(keeper.id),
        counted_at: Set(now),
        decided_by: Set(None),
        decided_at: Set(matches.then_some(now)),
        decision_note: Set(if matches {
            "matches the book".into()
        } else {
            String::new()
        }),
        ..Default::default()
    }
    .insert(txn)
    .await
    .map_err(|e| match AppError::from(e) {
        AppError::Conflict(_) => AppError::Rule(RuleCode::StockCountPending),
        other => other,
    })?;
    audit::record(
        txn,
        &keeper.actor(),
        now,
        Change::new("stock_count.enter", "stock_count", c.id).after(&c),
    )
    .await?;
    if !matches {
        let mut args = goods_args(txn, &l).await?;
        args.extend([
            ("id", c.id.to_string()),
            ("counted", counted.value().normalize().to_string()),
            ("book", l.on_hand.value().normalize().to_string()),
            ("difference", difference.value().normalize().to_string()),
            ("reason", reason),
        ]);
        let office = crate::users::store::active_with_roles(
            txn,
            &[Role::ProcurementOfficer, Role::ProcurementHead],
        )
        .await?;
        crate::mail::enqueue_to_users_linked(
            txn,
            &act.base_url,
            now,
            &office,
            "stock_count_pending",
            "/stock-counts",
            &args,
        )
        .await?;
    }
    Ok(c)
}

/// [`enter_count`] on its own: in a write transaction of its own, committed when it succeeds;
/// then the mail sender is woken for what it queued.
pub async fn enter_count_now(
    state: &AppState,
    keeper: &CurrentUser,
    input: CountInput,
) -> AppResult<stock_count::Model> {
    let txn = state.db.begin_write().await?;
    let c = enter_count(&txn, &Act::of(state, keeper), input).await?;
    txn.commit().await?;
    state.mail_wake.notify_one();
    Ok(c)
}

/// A gain goes into the listing's newest lot on hand (else its newest lot, else a new lot
/// received today).
async fn apply_gain(
    txn: &DatabaseTransaction,
    by: &CurrentUser,
    l: &listing::Model,
    c: &stock_count::Model,
    gain: Qty,
    today: NaiveDate,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    // The listing first, then its lot: the order an issue takes its locks in.
    listing::Entity::update_many()
        .col_expr(
            listing::Column::OnHand,
            Expr::col(listing::Column::OnHand).add(gain),
        )
        .col_expr(listing::Column::UpdatedAt, Expr::value(now))
        .filter(listing::Column::Id.eq(l.id))
        .exec(txn)
        .await?;
    let newest = |on_hand: bool| {
        let mut sel = lot::Entity::find().filter(lot::Column::ListingId.eq(l.id));
        if on_hand {
            sel = sel.filter(lot::Column::Quantity.gt(Qty::zero()));
        }
        sel.order_by_desc(lot::Column::ReceivedOn)
            .order_by_desc(lot::Column::Id)
    };
    let target = match newest(true).one(txn).await? {
        Some(x) => Some(x),
        None => newest(false).one(txn).await?,
    };
    let target = match target {
        Some(x) => {
            lot::Entity::update_many()
                .col_expr(
                    lot::Column::Quantity,
                    Expr::col(lot::Column::Quantity).add(gain),
                )
                .col_expr(lot::Column::LastMovementOn, Expr::value(today))
                .filter(lot::Column::Id.eq(x.id))
                .exec(txn)
                .await?;
            x
        }
        None => {
            lot::ActiveModel {
                listing_id: Set(l.id),
                supplier_id: Set(l.supplier_id),
                warehouse_id: Set(l.warehouse_id),
                delivery_line_id: Set(None),
                received_on: Set(today),
                quantity: Set(gain),
                last_movement_on: Set(today),
                stale_flagged_on: Set(None),
                return_request: Set(None),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(txn)
            .await?
        }
    };
    super::store::record_movement(
        txn,
        &target,
        "count_gain",
        gain.value(),
        l.price,
        None,
        None,
        by.id,
        today,
        now,
        &format!("count {}: {}", c.id, c.reason),
    )
    .await
}

/// A loss is taken from the oldest lots first (as issue does), never from reserved stock.
async fn apply_loss(
    txn: &DatabaseTransaction,
    by: &CurrentUser,
    l: &listing::Model,
    c: &stock_count::Model,
    loss: Qty,
    today: NaiveDate,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    let took = listing::Entity::update_many()
        .col_expr(
            listing::Column::OnHand,
            Expr::col(listing::Column::OnHand).sub(loss),
        )
        .col_expr(listing::Column::UpdatedAt, Expr::value(now))
        .filter(listing::Column::Id.eq(l.id))
        .filter(
            Expr::col(listing::Column::OnHand)
                .sub(Expr::col(listing::Column::Reserved))
                .gte(loss),
        )
        .exec(txn)
        .await?;
    if took.rows_affected != 1 {
        return Err(AppError::Rule(RuleCode::CountLossTakesReserved));
    }
    let mut movements = crate::db::Batch::new();
    draw_oldest_first(
        txn,
        &mut movements,
        l.id,
        loss,
        AppError::Conflict(RuleCode::StockChanged),
        &DrawnAs {
            kind: "count_loss",
            unit_price: l.price,
            plan_unit_price: None,
            requisition_line_id: None,
            site_id: None,
            by: by.id,
            on: today,
            at: now,
            note: &format!("count {}: {}", c.id, c.reason),
        },
    )
    .await?;
    movements.run(txn).await?;
    Ok(())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CountDecision {
    pub approve: bool,
    /// Why (kept with the count).
    #[serde(default)]
    pub note: String,
}

/// Procurement (`act.actor`, never whoever entered the count: rule 14) approves (the
/// difference moves the books) or rejects (nothing changes) a pending count. Decided once: a second decision is refused. Joins the caller's
/// transaction: it reads and writes through `txn` and commits nothing.
pub async fn decide_count(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    id: i64,
    decision: CountDecision,
) -> AppResult<stock_count::Model> {
    let officer = act.actor;
    let today = act.today;
    let now = act.now;
    // Rule 14: a count is decided by someone other than whoever entered it (a keeper who has
    // since become an officer decides no count of their own).
    let entered = stock_count::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    crate::auth::four_eyes::not_own(entered.counted_by, officer.id)?;
    let claimed = stock_count::Entity::update_many()
        .col_expr(
            stock_count::Column::Status,
            Expr::value(if decision.approve {
                "approved"
            } else {
                "rejected"
            }),
        )
        .col_expr(
            stock_count::Column::PendingListingId,
            Expr::value(Option::<i64>::None),
        )
        .col_expr(
            stock_count::Column::DecidedBy,
            Expr::value(Some(officer.id)),
        )
        .col_expr(stock_count::Column::DecidedAt, Expr::value(Some(now)))
        .col_expr(
            stock_count::Column::DecisionNote,
            Expr::value(decision.note.trim()),
        )
        .filter(stock_count::Column::Id.eq(id))
        .filter(stock_count::Column::Status.eq("pending"))
        .exec(txn)
        .await?;
    let c = stock_count::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if claimed.rows_affected != 1 {
        return Err(AppError::Rule(RuleCode::StockCountDecided));
    }
    if decision.approve {
        let l = listing::Entity::find_by_id(c.listing_id)
            .one(txn)
            .await?
            .ok_or(AppError::NotFound)?;
        let d = c.difference.value();
        if d > Decimal::ZERO {
            apply_gain(txn, officer, &l, &c, c.difference, today, now).await?;
        } else if d < Decimal::ZERO {
            let loss = Qty::new(-d).ok_or(AppError::Rule(RuleCode::QuantityOutOfRange))?;
            apply_loss(txn, officer, &l, &c, loss, today, now).await?;
        }
    }
    audit::record(
        txn,
        &officer.actor(),
        now,
        Change::new(
            if decision.approve {
                "stock_count.approve"
            } else {
                "stock_count.reject"
            },
            "stock_count",
            c.id,
        )
        .before("pending")
        .after(&c),
    )
    .await?;
    Ok(c)
}

/// [`decide_count`] on its own: in a write transaction of its own, committed when it
/// succeeds.
pub async fn decide_count_now(
    state: &AppState,
    officer: &CurrentUser,
    id: i64,
    decision: CountDecision,
) -> AppResult<stock_count::Model> {
    let txn = state.db.begin_write().await?;
    let c = decide_count(&txn, &Act::of(state, officer), id, decision).await?;
    txn.commit().await?;
    Ok(c)
}

// ----- Handlers -----

#[derive(Debug, Serialize, ToSchema)]
pub struct CountView {
    pub id: i64,
    pub listing_id: ListingId,
    #[schema(value_type = String)]
    pub counted: Decimal,
    /// The book (on-hand) when the count was entered.
    #[schema(value_type = String)]
    pub book: Decimal,
    /// counted − book: a gain when positive, a loss when negative.
    #[schema(value_type = String)]
    pub difference: Decimal,
    pub reason: String,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    pub counted_by: i64,
    pub counted_at: chrono::DateTime<chrono::Utc>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<chrono::DateTime<chrono::Utc>>,
    pub decision_note: String,
}

impl From<stock_count::Model> for CountView {
    fn from(c: stock_count::Model) -> Self {
        Self {
            id: c.id,
            listing_id: c.listing_id,
            counted: c.counted.value(),
            book: c.book.value(),
            difference: c.difference.value(),
            reason: c.reason,
            status: c.status,
            counted_by: c.counted_by,
            counted_at: c.counted_at,
            decided_by: c.decided_by,
            decided_at: c.decided_at,
            decision_note: c.decision_note,
        }
    }
}

/// The keeper enters a count of a listing's goods.
#[utoipa::path(post, path = "/api/stock-counts", tag = "stock", security(("bearer" = ["issue_stock"])), request_body = CountInput,
    responses((status = 201, body = CountView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/stock-counts")]
pub async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<CountInput>,
) -> AppResult<HttpResponse> {
    user.require(Capability::IssueStock)?;
    let c = enter_count_now(&state, &user, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(CountView::from(c)))
}

/// Counts that differ from the books and wait for procurement, the oldest on top (the counts
/// page lists them first; procurement's home page counts them).
pub async fn pending_counts(
    conn: &impl sea_orm::ConnectionTrait,
) -> AppResult<Vec<stock_count::Model>> {
    Ok(stock_count::Entity::find()
        .filter(stock_count::Column::Status.eq("pending"))
        .order_by_asc(stock_count::Column::Id)
        .all(conn)
        .await?)
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CountQuery {
    /// `pending`, `approved` or `rejected`.
    pub status: Option<String>,
    pub listing_id: Option<ListingId>,
}

/// Stock counts, newest first.
#[utoipa::path(get, path = "/api/stock-counts", tag = "stock", security(("bearer" = ["read_stock"])), params(CountQuery),
    responses((status = 200, body = Vec<CountView>), (status = 403, body = ErrorBody)))]
#[get("/api/stock-counts")]
pub async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: crate::web::Query<CountQuery>,
) -> AppResult<web::Json<Vec<CountView>>> {
    user.require(Capability::ReadStock)?;
    let mut sel = stock_count::Entity::find().order_by_desc(stock_count::Column::Id);
    if let Some(s) = q.status.as_deref() {
        sel = sel.filter(stock_count::Column::Status.eq(s));
    }
    if let Some(l) = q.listing_id {
        sel = sel.filter(stock_count::Column::ListingId.eq(l));
    }
    let rows = sel.all(&state.db.read).await?;
    Ok(web::Json(rows.into_iter().map(Into::into).collect()))
}

/// Procurement approves (the difference becomes a gain or loss) or rejects a pending count.
#[utoipa::path(post, path = "/api/stock-counts/{id}/decision", tag = "stock", security(("bearer" = ["decide_prices"])), request_body = CountDecision,
    responses((status = 200, body = CountView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/stock-counts/{id}/decision")]
pub async fn decide(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: web::Json<CountDecision>,
) -> AppResult<web::Json<CountView>> {
    user.require(Capability::DecidePrices)?;
    Ok(web::Json(
        decide_count_now(&state, &user, *id, body.into_inner())
            .await?
            .into(),
    ))
}
