//! The catalogue's transactions: a supplier's listings of materials from its agreement, price
//! changes approved by procurement and applied on their day, whether a listing may be ordered.

use crate::audit::{self, Change};
use crate::auth::{Act, CurrentUser};
use crate::error::RuleCode;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::materials::store::unit_decimals;
use crate::money::stored::{Price, Qty, price, qty};
use crate::state::AppState;
use chrono::NaiveDate;
use entity::{ListingId, listing, material, price_change, warehouse};
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder,
};
use serde::Deserialize;
use utoipa::ToSchema;

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

/// A supplier (`act.actor`) lists a material. The listing becomes orderable once procurement
/// approves its price (the first price change). Joins the caller's transaction: it reads and
/// writes through `txn` and commits nothing; the caller commits on `Ok`.
pub async fn create_listing(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    input: ListingInput,
) -> AppResult<listing::Model> {
    let user = act.actor;
    let sid = user.own_supplier()?;
    crate::suppliers::store::ensure_may_trade(txn, sid, act.today).await?;
    let mut errors = FieldErrors::new();
    let m = material::Entity::find_by_id(input.material_id)
        .one(txn)
        .await?
        .filter(|m| m.active);
    if m.is_none() {
        errors.add("material_id", RuleCode::NotFound);
    }
    if warehouse::Entity::find_by_id(input.warehouse_id)
        .one(txn)
        .await?
        .is_none_or(|w| !w.active)
    {
        errors.add("warehouse_id", RuleCode::NotFound);
    }
    if let (Some(m), Some(a)) = (&m, crate::suppliers::store::agreement(txn, sid).await?) {
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
        Some(m) => unit_decimals(txn, m.id).await?,
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
    let s = crate::suppliers::store::load(txn, sid).await?;
    let now = act.now;
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
    .insert(txn)
    .await
    .map_err(crate::error::taken_on("material_id"))?;
    price_change::ActiveModel {
        listing_id: Set(l.id),
        old_price: Set(Price::zero()),
        new_price: Set(p),
        effective_on: Set(act.today),
        status: Set("pending".into()),
        reason: Set("new listing".into()),
        requested_by: Set(user.id),
        requested_at: Set(now),
        decided_by: Set(None),
        decided_at: Set(None),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    audit::record(
        txn,
        &user.actor(),
        now,
        Change::new("listing.create", "listing", l.id).after(&l),
    )
    .await?;
    Ok(l)
}

/// [`create_listing`] on its own: in a write transaction of its own, committed when it
/// succeeds.
pub async fn create_listing_now(
    state: &AppState,
    user: &CurrentUser,
    input: ListingInput,
) -> AppResult<listing::Model> {
    let txn = state.db.begin_write().await?;
    let l = create_listing(&txn, &Act::of(state, user), input).await?;
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

/// The supplier (`act.actor`) asks for a new price from a date; it applies once procurement
/// approves. Joins the caller's transaction (reads and writes through `txn`, commits nothing).
pub async fn request_price_change(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    listing_id: ListingId,
    input: PriceChangeInput,
) -> AppResult<price_change::Model> {
    let user = act.actor;
    let sid = user.own_supplier()?;
    let l = listing::Entity::find_by_id(listing_id)
        .one(txn)
        .await?
        .filter(|l| l.supplier_id == sid)
        .ok_or(AppError::NotFound)?;
    crate::suppliers::store::ensure_may_trade(txn, sid, act.today).await?;
    let mut errors = FieldErrors::new();
    let p = price("new_price", input.new_price, &mut errors);
    if input.effective_on < act.today {
        errors.add("effective_on", RuleCode::InPast);
    }
    errors.into_result()?;
    let now = act.now;
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
    .insert(txn)
    .await?;
    audit::record(
        txn,
        &user.actor(),
        now,
        Change::new("price_change.request", "price_change", c.id).after(&c),
    )
    .await?;
    Ok(c)
}

/// [`request_price_change`] on its own: in a write transaction of its own, committed when it
/// succeeds.
pub async fn request_price_change_now(
    state: &AppState,
    user: &CurrentUser,
    listing_id: ListingId,
    input: PriceChangeInput,
) -> AppResult<price_change::Model> {
    let txn = state.db.begin_write().await?;
    let c = request_price_change(&txn, &Act::of(state, user), listing_id, input).await?;
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

/// Procurement (`act.actor`, never whoever asked for it: rule 14) approves or rejects a
/// requested price. Joins the caller's
/// transaction (reads and writes through `txn`, commits nothing).
pub async fn decide_price_change(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    change_id: i64,
    approve: bool,
) -> AppResult<price_change::Model> {
    let officer = act.actor;
    let now = act.now;
    // Rule 14: nobody approves a price they asked for (an officer adopting a contract's price
    // asks for it; another officer or the head decides).
    let asked = price_change::Entity::find_by_id(change_id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    crate::auth::four_eyes::not_own(asked.requested_by, officer.id)?;
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
        .exec(txn)
        .await?;
    let c = price_change::Entity::find_by_id(change_id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if claimed.rows_affected != 1 {
        return Err(AppError::Rule(RuleCode::PriceChangeDecided));
    }
    if approve && c.effective_on <= act.today {
        apply_price(txn, &c).await?;
    }
    audit::record(
        txn,
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
    notify_price_decided(txn, act, &c, approve).await?;
    Ok(c)
}

/// Tells the listing's supplier that its price was approved or refused (inbox and email).
async fn notify_price_decided(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    c: &price_change::Model,
    approve: bool,
) -> AppResult<()> {
    let Some(l) = listing::Entity::find_by_id(c.listing_id).one(txn).await? else {
        return Ok(());
    };
    let m = material::Entity::find_by_id(l.material_id).one(txn).await?;
    let users = crate::users::store::active_of_supplier(txn, l.supplier_id).await?;
    let args = [
        (
            "material",
            m.map(|m| format!("{} {} {}", m.code, m.name_zh, m.spec))
                .unwrap_or_default(),
        ),
        (
            "new_price",
            crate::money::text::price_input(c.new_price.value()),
        ),
        (
            "old_price",
            crate::money::text::price_input(c.old_price.value()),
        ),
        ("effective_on", c.effective_on.to_string()),
    ];
    let kind = if approve {
        "price_approved"
    } else {
        "price_refused"
    };
    crate::mail::enqueue_to_users_linked(
        txn,
        &act.base_url,
        act.now,
        &users,
        kind,
        "/my/listings",
        &args,
    )
    .await
}

/// [`decide_price_change`] on its own: in a write transaction of its own, committed when it
/// succeeds; then the mail sender is woken for the supplier's notice.
pub async fn decide_price_change_now(
    state: &AppState,
    officer: &CurrentUser,
    change_id: i64,
    approve: bool,
) -> AppResult<price_change::Model> {
    let txn = state.db.begin_write().await?;
    let c = decide_price_change(&txn, &Act::of(state, officer), change_id, approve).await?;
    txn.commit().await?;
    state.mail_wake.notify_one();
    Ok(c)
}

/// Price changes waiting for procurement, oldest first: the price approval list (page and
/// API) and the count on procurement's home page.
pub async fn pending_price_changes(
    conn: &impl ConnectionTrait,
) -> AppResult<Vec<price_change::Model>> {
    Ok(price_change::Entity::find()
        .filter(price_change::Column::Status.eq("pending"))
        .order_by_asc(price_change::Column::Id)
        .all(conn)
        .await?)
}

/// One supplier's price changes still waiting for procurement, oldest first (its listings
/// page shows them beside the listings; its home page counts the listings they are for).
pub async fn own_pending_price_changes(
    conn: &impl ConnectionTrait,
    supplier_id: entity::SupplierId,
) -> AppResult<Vec<price_change::Model>> {
    let ids: Vec<ListingId> = listing::Entity::find()
        .filter(listing::Column::SupplierId.eq(supplier_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|l| l.id)
        .collect();
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        out.extend(
            price_change::Entity::find()
                .filter(price_change::Column::ListingId.is_in(chunk.to_vec()))
                .filter(price_change::Column::Status.eq("pending"))
                .order_by_asc(price_change::Column::Id)
                .all(conn)
                .await?,
        );
    }
    Ok(out)
}

/// One supplier's listings by id, as its listings page and `/api/my/listings` list them:
/// `price` `pending` keeps those whose new price waits for procurement, `refused` those whose
/// latest price request was refused; anything else keeps them all. Its home page counts both.
pub async fn own_listings(
    conn: &impl ConnectionTrait,
    supplier_id: entity::SupplierId,
    price: Option<&str>,
) -> AppResult<Vec<listing::Model>> {
    let mut rows = listing::Entity::find()
        .filter(listing::Column::SupplierId.eq(supplier_id))
        .order_by_asc(listing::Column::Id)
        .all(conn)
        .await?;
    match price {
        Some("pending") => {
            let pending = own_pending_price_changes(conn, supplier_id).await?;
            rows.retain(|l| pending.iter().any(|c| c.listing_id == l.id));
        }
        Some("refused") => {
            let refused = own_refused_prices(conn, supplier_id).await?;
            rows.retain(|l| refused.contains(&l.id));
        }
        _ => {}
    }
    Ok(rows)
}

/// One supplier's listings whose latest price request procurement refused, by id: the
/// supplier has to ask again (or keep the old price). Asking again takes the listing off
/// (its latest request is then pending). Its listings page (`price=refused`, page and API)
/// lists them; its home page counts them.
pub async fn own_refused_prices(
    conn: &impl ConnectionTrait,
    supplier_id: entity::SupplierId,
) -> AppResult<Vec<ListingId>> {
    let ids: Vec<ListingId> = listing::Entity::find()
        .filter(listing::Column::SupplierId.eq(supplier_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|l| l.id)
        .collect();
    let mut latest: std::collections::BTreeMap<ListingId, price_change::Model> =
        std::collections::BTreeMap::new();
    for chunk in ids.chunks(500) {
        for c in price_change::Entity::find()
            .filter(price_change::Column::ListingId.is_in(chunk.to_vec()))
            .order_by_asc(price_change::Column::Id)
            .all(conn)
            .await?
        {
            latest.insert(c.listing_id, c);
        }
    }
    Ok(latest
        .into_values()
        .filter(|c| c.status == "rejected")
        .map(|c| c.listing_id)
        .collect())
}

/// Daily: applies approved prices whose effective date has come.
pub async fn apply_due_prices(
    state: &AppState,
    as_of: NaiveDate,
) -> AppResult<crate::jobs::JobDetail> {
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
    Ok(crate::jobs::JobDetail::new("job-detail-price-effective").arg("count", applied))
}

/// A listing with what ordering and issuing it need, read with it in one statement: its
/// supplier's standing (rule 1), the plan price of its material in force on the day asked
/// for, and its unit's decimal places.
#[derive(Debug, Clone)]
pub struct ListingToOrder {
    pub listing: listing::Model,
    standing: crate::suppliers::store::Standing,
    /// `plan_prices::store::in_force` on the day read for.
    pub plan_unit_price: Option<Price>,
    /// `materials::store::unit_decimals`.
    pub unit_decimals: u32,
}

impl ListingToOrder {
    /// May it be ordered today? Active (price approved) and its supplier trading (rule 1).
    pub fn ensure_orderable(&self, today: NaiveDate) -> AppResult<()> {
        if !self.listing.active {
            return Err(AppError::Rule(RuleCode::ListingNotOrderable));
        }
        self.standing.ensure_may_trade(today).map_err(not_orderable)
    }

    /// Rule 1 for its supplier alone (an issue of an approved requisition needs no more).
    pub fn ensure_may_trade(&self, today: NaiveDate) -> AppResult<()> {
        self.standing.ensure_may_trade(today)
    }
}

/// Listing `id` with what ordering it needs ([`ListingToOrder`]), the plan price as of `day`.
pub async fn listing_to_order(
    conn: &impl ConnectionTrait,
    id: ListingId,
    day: NaiveDate,
) -> AppResult<Option<ListingToOrder>> {
    use sea_orm::{FromQueryResult, QueryTrait};
    let mut q = listing::Entity::find_by_id(id).into_query();
    let col = |c: listing::Column| Expr::col((listing::Entity, c));
    for (e, name) in crate::suppliers::store::standing_exprs(col(listing::Column::SupplierId)) {
        q.expr_as(e, name);
    }
    q.expr_as(
        crate::plan_prices::store::in_force_expr(col(listing::Column::MaterialId), day),
        "plan_unit_price",
    )
    .expr_as(
        crate::materials::store::unit_decimals_expr(col(listing::Column::MaterialId)),
        "unit_decimals",
    );
    let Some(row) = conn.query_one(&q).await? else {
        return Ok(None);
    };
    Ok(Some(ListingToOrder {
        listing: listing::Model::from_query_result(&row, "")?,
        standing: crate::suppliers::store::Standing::from_row(&row)?,
        plan_unit_price: row.try_get("", "plan_unit_price")?,
        unit_decimals: crate::materials::store::decimals_of(row.try_get("", "unit_decimals")?),
    }))
}

/// A supplier that may not trade makes its listing not orderable; any other error (the
/// database away) stays what it is.
pub(crate) fn not_orderable(e: AppError) -> AppError {
    match e {
        AppError::Rule(_) => AppError::Rule(RuleCode::ListingNotOrderable),
        other => other,
    }
}
