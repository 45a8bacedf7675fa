//! The requisition a site user gathers like a cart: their draft (one per user, kept in the
//! database, so it survives signing out). Lines are added from any search of the catalogue,
//! edited and removed; submitting runs the draft through the requisition's own checks
//! ([`super::store::check_requisition`], on a reader) and records it in one write transaction,
//! where it gets its number. A draft reserves nothing and nobody else sees it.

use super::rules::{DocKind, RequisitionStatus, Step};
use super::store::{
    CheckedRequisition, RequisitionInput, RequisitionLineInput, check_requisition, insert_lines,
    record_event,
};
use crate::audit::{self, Change};
use crate::auth::{Act, CurrentUser, Role};
use crate::catalogue::store::listing_to_order;
use crate::error::{AppError, AppResult, FieldErrors, RuleCode};
use crate::money::stored::{Qty, qty};
use crate::state::AppState;
use chrono::NaiveDate;
use entity::{ListingId, RequisitionId, listing, requisition, requisition_line};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder,
};

/// One line of the cart, priced at its listing's approved price of now.
#[derive(Debug, Clone)]
pub struct CartLine {
    pub line: requisition_line::Model,
    pub price: Decimal,
    /// Quantity × price, to the cent.
    pub amount: Decimal,
    /// What the listing has on hand and not reserved.
    pub available: Decimal,
}

/// A user's draft: its id once it exists, its lines and their total.
#[derive(Debug, Clone, Default)]
pub struct Cart {
    pub id: Option<RequisitionId>,
    pub lines: Vec<CartLine>,
    pub total: Decimal,
}

/// The site a user orders for: a site user or manager's own; nobody else has a cart.
fn site_of(user: &CurrentUser) -> AppResult<i64> {
    match (user.role, user.site_id) {
        (Role::SiteUser | Role::SiteManager, Some(s)) => Ok(s),
        _ => Err(AppError::Forbidden),
    }
}

async fn draft_of(
    conn: &impl ConnectionTrait,
    user_id: i64,
) -> AppResult<Option<requisition::Model>> {
    Ok(requisition::Entity::find()
        .filter(requisition::Column::DraftOwner.eq(user_id))
        .filter(requisition::Column::Status.eq(RequisitionStatus::Draft.as_str()))
        .one(conn)
        .await?)
}

/// `user_id`'s cart (empty when they have no draft).
pub async fn cart_of(conn: &impl ConnectionTrait, user_id: i64) -> AppResult<Cart> {
    let Some(d) = draft_of(conn, user_id).await? else {
        return Ok(Cart::default());
    };
    let lines = requisition_line::Entity::find()
        .filter(requisition_line::Column::RequisitionId.eq(d.id))
        .order_by_asc(requisition_line::Column::Id)
        .all(conn)
        .await?;
    let ids: Vec<ListingId> = lines.iter().map(|l| l.listing_id).collect();
    let listings: std::collections::HashMap<ListingId, listing::Model> = listing::Entity::find()
        .filter(listing::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|l| (l.id, l))
        .collect();
    let priced: Vec<(Decimal, Decimal)> = lines
        .iter()
        .map(|l| {
            let price = listings
                .get(&l.listing_id)
                .map_or(l.unit_price.value(), |x| x.price.value());
            (l.quantity.value(), price)
        })
        .collect();
    let (amounts, total) = super::rules::amounts(&priced).map_err(|e| e.on("lines"))?;
    let lines = lines
        .into_iter()
        .zip(priced.into_iter().zip(amounts))
        .map(|(line, ((_, price), amount))| {
            let available = listings
                .get(&line.listing_id)
                .map_or(Decimal::ZERO, |x| x.on_hand.value() - x.reserved.value());
            CartLine {
                line,
                price,
                amount,
                available,
            }
        })
        .collect();
    Ok(Cart {
        id: Some(d.id),
        lines,
        total,
    })
}

/// How many lines `user_id`'s cart holds (the count the catalogue and the cart show).
pub async fn line_count(conn: &impl ConnectionTrait, user_id: i64) -> AppResult<u64> {
    let Some(d) = draft_of(conn, user_id).await? else {
        return Ok(0);
    };
    Ok(requisition_line::Entity::find()
        .filter(requisition_line::Column::RequisitionId.eq(d.id))
        .count(conn)
        .await?)
}

/// A listing and quantity checked for the cart: the listing exists and may be ordered, the
/// quantity is positive in its unit's places. Errors are on `field` (the quantity's).
async fn check_line(
    conn: &impl ConnectionTrait,
    today: NaiveDate,
    listing_id: ListingId,
    quantity: Decimal,
    field: &str,
    errors: &mut FieldErrors,
) -> AppResult<Option<(listing::Model, Qty)>> {
    let Some(found) = listing_to_order(conn, listing_id, today).await? else {
        errors.add(field, RuleCode::NotFound);
        return Ok(None);
    };
    match found.ensure_orderable(today) {
        Ok(()) => {}
        Err(AppError::Rule(code)) => {
            errors.add(field, code);
            return Ok(None);
        }
        Err(other) => return Err(other),
    }
    let q = qty(field, quantity, found.unit_decimals, errors);
    // A refused quantity comes back as zero (with its error): only positive ones are kept.
    Ok((q.value() > Decimal::ZERO).then_some((found.listing, q)))
}

/// `act.actor`'s draft, created when they have none (one per user: a unique key on its
/// owner, so two requests creating it at once end with one).
async fn ensure_draft(txn: &DatabaseTransaction, act: &Act<'_>) -> AppResult<RequisitionId> {
    let user = act.actor;
    if let Some(d) = draft_of(txn, user.id).await? {
        return Ok(d.id);
    }
    requisition::Entity::insert(requisition::ActiveModel {
        site_id: Set(site_of(user)?),
        requested_by: Set(user.id),
        purpose: Set(String::new()),
        need_by: Set(act.today),
        status: Set(RequisitionStatus::Draft.as_str().into()),
        approved_by: Set(None),
        approved_at: Set(None),
        created_at: Set(act.now),
        updated_at: Set(act.now),
        number: Set(None),
        submitted_at: Set(None),
        draft_owner: Set(Some(user.id)),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(requisition::Column::DraftOwner)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(txn)
    .await?;
    draft_of(txn, user.id)
        .await?
        .map(|d| d.id)
        .ok_or(AppError::NotFound)
}

/// Puts `quantity` of each listing into `act.actor`'s cart: a listing already there has its
/// quantity replaced, a new one is added. Checked lines only; joins the caller's transaction.
///
/// One audit record for the whole edit, on the draft: `requisition.cart_add` when a line was
/// added (a quantity replaced with it is part of the same edit), `requisition.cart_update`
/// when only quantities changed; the lines touched before and after.
async fn put_lines(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    lines: Vec<(listing::Model, Qty)>,
) -> AppResult<()> {
    let id = ensure_draft(txn, act).await?;
    let mut before = Vec::new();
    let mut touched = Vec::new();
    let mut added = false;
    for (l, q) in lines {
        touched.push(l.id);
        let existing = requisition_line::Entity::find()
            .filter(requisition_line::Column::RequisitionId.eq(id))
            .filter(requisition_line::Column::ListingId.eq(l.id))
            .one(txn)
            .await?;
        match existing {
            Some(line) => {
                requisition_line::Entity::update_many()
                    .col_expr(requisition_line::Column::Quantity, Expr::value(q))
                    .col_expr(requisition_line::Column::UnitPrice, Expr::value(l.price))
                    .filter(requisition_line::Column::Id.eq(line.id))
                    .exec(txn)
                    .await?;
                before.push(line);
            }
            None => {
                insert_lines(txn, id, vec![(l, q)]).await?;
                added = true;
            }
        }
    }
    requisition::Entity::update_many()
        .col_expr(requisition::Column::UpdatedAt, Expr::value(act.now))
        .filter(requisition::Column::Id.eq(id))
        .exec(txn)
        .await?;
    let after = requisition_line::Entity::find()
        .filter(requisition_line::Column::RequisitionId.eq(id))
        .filter(requisition_line::Column::ListingId.is_in(touched))
        .order_by_asc(requisition_line::Column::Id)
        .all(txn)
        .await?;
    let action = if added {
        "requisition.cart_add"
    } else {
        "requisition.cart_update"
    };
    audit::record(
        txn,
        &act.actor.actor(),
        act.now,
        Change::new(action, "requisition", id)
            .before(&before)
            .after(&after),
    )
    .await
}

/// Adds (or sets the quantity of) each `(listing, quantity)` in `user`'s cart; `field` names
/// each quantity's field for its error. Checked on a reader, written in a transaction of its
/// own; nothing is written when any line is refused.
pub async fn put_lines_now(
    state: &AppState,
    user: &CurrentUser,
    lines: Vec<(ListingId, Decimal, String)>,
) -> AppResult<()> {
    put_typed_lines_now(state, user, lines, FieldErrors::new()).await
}

/// [`put_lines_now`] for a form whose caller refused some fields already (`errors`: a
/// quantity that is not a number): the lines are checked all the same, every error is
/// reported at once, and nothing is written when there is any.
pub async fn put_typed_lines_now(
    state: &AppState,
    user: &CurrentUser,
    lines: Vec<(ListingId, Decimal, String)>,
    mut errors: FieldErrors,
) -> AppResult<()> {
    site_of(user)?;
    let act = Act::of(state, user);
    if lines.is_empty() && errors.is_empty() {
        errors.add("quantity", RuleCode::Required);
    }
    let mut checked = Vec::new();
    for (listing_id, quantity, field) in lines {
        if let Some(c) = check_line(
            &state.db.read,
            act.today,
            listing_id,
            quantity,
            &field,
            &mut errors,
        )
        .await?
        {
            checked.push(c);
        }
    }
    errors.into_result()?;
    let txn = state.db.begin_write().await?;
    put_lines(&txn, &act, checked).await?;
    txn.commit().await?;
    Ok(())
}

/// A line of `user`'s own draft, or not found (another user's line, a submitted one).
async fn own_line(
    conn: &impl ConnectionTrait,
    user: &CurrentUser,
    line_id: i64,
) -> AppResult<requisition_line::Model> {
    let d = draft_of(conn, user.id).await?.ok_or(AppError::NotFound)?;
    requisition_line::Entity::find_by_id(line_id)
        .one(conn)
        .await?
        .filter(|l| l.requisition_id == d.id)
        .ok_or(AppError::NotFound)
}

/// Sets the quantity of a line of `user`'s cart.
pub async fn update_line_now(
    state: &AppState,
    user: &CurrentUser,
    line_id: i64,
    quantity: Decimal,
) -> AppResult<()> {
    site_of(user)?;
    let line = own_line(&state.db.read, user, line_id).await?;
    put_lines_now(
        state,
        user,
        vec![(line.listing_id, quantity, "quantity".into())],
    )
    .await
}

/// Removes a line from `user`'s cart, with its audit record (the line as it was).
pub async fn remove_line_now(state: &AppState, user: &CurrentUser, line_id: i64) -> AppResult<()> {
    site_of(user)?;
    let txn = state.db.begin_write().await?;
    let line = own_line(&txn, user, line_id).await?;
    requisition_line::Entity::delete_by_id(line.id)
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        &user.actor(),
        state.now(),
        Change::new(
            "requisition.cart_remove",
            "requisition",
            line.requisition_id,
        )
        .before(&line),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Submits the draft `id` as checked: it becomes a submitted requisition with its number
/// (given now, in this transaction), the purpose and date given, and the checked lines.
/// Joins the caller's transaction.
pub async fn record_cart_submission(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    id: RequisitionId,
    checked: CheckedRequisition,
) -> AppResult<requisition::Model> {
    let user = act.actor;
    let number = super::numbers::allocate(txn, DocKind::Requisition, act.today).await?;
    let moved = requisition::Entity::update_many()
        .col_expr(
            requisition::Column::Status,
            Expr::value(RequisitionStatus::Submitted.as_str()),
        )
        .col_expr(
            requisition::Column::DraftOwner,
            Expr::value(Option::<i64>::None),
        )
        .col_expr(requisition::Column::Number, Expr::value(Some(number)))
        .col_expr(requisition::Column::SiteId, Expr::value(checked.site_id))
        .col_expr(
            requisition::Column::Purpose,
            Expr::value(checked.purpose.clone()),
        )
        .col_expr(requisition::Column::NeedBy, Expr::value(checked.need_by))
        .col_expr(requisition::Column::SubmittedAt, Expr::value(Some(act.now)))
        .col_expr(requisition::Column::UpdatedAt, Expr::value(act.now))
        .filter(requisition::Column::Id.eq(id))
        .filter(
            requisition::Column::Status.is_in(
                RequisitionStatus::sources(Step::Submit)
                    .into_iter()
                    .map(RequisitionStatus::as_str),
            ),
        )
        .filter(requisition::Column::DraftOwner.eq(user.id))
        .exec(txn)
        .await?;
    if moved.rows_affected != 1 {
        return Err(AppError::Conflict(RuleCode::RequisitionStatusChanged));
    }
    requisition_line::Entity::delete_many()
        .filter(requisition_line::Column::RequisitionId.eq(id))
        .exec(txn)
        .await?;
    insert_lines(txn, id, checked.lines).await?;
    record_event(txn, act, id, Step::Submit, "").await?;
    let r = requisition::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    audit::record(
        txn,
        &user.actor(),
        act.now,
        Change::new("requisition.submit", "requisition", id).after(&r),
    )
    .await?;
    Ok(r)
}

/// Submits `user`'s cart with `purpose` and `need_by`: checked on a reader (every field's
/// error at once, as a requisition submitted whole), then recorded in a write transaction of
/// its own. An empty cart is refused on `lines`.
pub async fn submit_cart_now(
    state: &AppState,
    user: &CurrentUser,
    purpose: String,
    need_by: NaiveDate,
) -> AppResult<requisition::Model> {
    site_of(user)?;
    let act = Act::of(state, user);
    let cart = cart_of(&state.db.read, user.id).await?;
    let input = RequisitionInput {
        purpose,
        need_by,
        lines: cart
            .lines
            .iter()
            .map(|l| RequisitionLineInput {
                listing_id: l.line.listing_id,
                quantity: l.line.quantity.value(),
            })
            .collect(),
    };
    let checked = check_requisition(&state.db.read, &act, input).await?;
    let id = cart
        .id
        .ok_or_else(|| AppError::field("lines", RuleCode::Required))?;
    let txn = state.db.begin_write().await?;
    let r = record_cart_submission(&txn, &act, id, checked).await?;
    txn.commit().await?;
    Ok(r)
}
