//! Site returns (退料): a construction site hands back goods it drew but did not use. The
//! keeper records the return against the requisition line the goods were issued on; they go
//! back into stock as consigned goods (the supplier's again) in the newest lot the line's
//! issues drew from, whose two-month clock (DOMAIN.md rule 3) restarts. The `site_return`
//! movement carries the price the goods were issued at, so settlement credits the supplier's
//! statement with exactly what the issue charged (rule 11).
//!
//! Never more comes back than went out: the line's row is locked (`FOR UPDATE` on
//! PostgreSQL; on SQLite a first write takes the database's write lock) before what was
//! already returned is summed, so racing returns are counted one after the other.

use crate::audit::{self, Change};
use crate::auth::{Act, Capability, CurrentUser};
use crate::error::RuleCode;
use crate::error::{AppError, AppResult, ErrorBody, FieldErrors};
use crate::materials::store::unit_decimals;
use crate::money::stored::Qty;
use crate::money::{Quantity, UnitPlaces};
use crate::state::AppState;
use crate::stock::store::record_movement;
use crate::web::page::{CsrfForm, FormErrors, PageCtx, form_outcome};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use entity::{
    ListingId, LotId, RequisitionId, SupplierId, listing, lot, material, movement, requisition,
    requisition_line,
};
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait, ExprTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::str::FromStr;
use utoipa::ToSchema;

/// The movement kind of a site return.
pub const SITE_RETURN: &str = "site_return";

// ----- Rules -----

/// What may still come back on a line: what was issued less what was already returned.
pub fn returnable(issued: Decimal, returned: Decimal) -> Decimal {
    (issued - returned).max(Decimal::ZERO)
}

/// The field errors of a return: the quantity in the unit's decimals and within what may
/// still come back, and a reason.
fn check(input: &SiteReturnInput, decimals: u32, open: Decimal, errors: &mut FieldErrors) -> Qty {
    let mut q = Qty::zero();
    let places = UnitPlaces::new(decimals);
    match Quantity::parse(input.quantity, places) {
        Err(e) => Quantity::add_error(errors, "quantity", e, places),
        Ok(parsed) if parsed.value() > open => {
            errors.add_with(
                "quantity",
                RuleCode::SiteReturnMoreThanIssued,
                &[("open", open.normalize().to_string())],
            );
        }
        Ok(parsed) => q = parsed.fixed(),
    }
    if input.reason.trim().is_empty() {
        errors.add("reason", RuleCode::Required);
    }
    q
}

// ----- Persistence -----

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct SiteReturnInput {
    /// What the site hands back, in the unit's decimals.
    #[schema(value_type = String, example = "1.5")]
    pub quantity: Decimal,
    /// Why it comes back (not used, wrong size, …).
    pub reason: String,
}

/// What was already returned on a line.
async fn returned_on(conn: &impl ConnectionTrait, line_id: i64) -> AppResult<Decimal> {
    Ok(movement::Entity::find()
        .filter(movement::Column::Kind.eq(SITE_RETURN))
        .filter(movement::Column::RequisitionLineId.eq(line_id))
        .all(conn)
        .await?
        .iter()
        .map(|m| m.quantity.value())
        .sum())
}

/// Locks the line for the rest of the transaction, so that returns on it are counted one
/// after the other however many arrive at once. The listing is locked first, the order in
/// which `issue` and `approve_requisition` take them, so a return racing them waits instead of
/// deadlocking.
async fn lock_line(
    txn: &DatabaseTransaction,
    listing_id: ListingId,
    line_id: i64,
) -> AppResult<requisition_line::Model> {
    if txn.get_database_backend() == DbBackend::Sqlite {
        // SQLite has no row locks (`lock_exclusive` is ignored there): a first write takes the
        // database's write lock, so another process's return waits until this one commits
        // instead of summing what was returned before it.
        requisition_line::Entity::update_many()
            .col_expr(
                requisition_line::Column::Issued,
                Expr::col(requisition_line::Column::Issued),
            )
            .filter(requisition_line::Column::Id.eq(line_id))
            .exec(txn)
            .await?;
    }
    listing::Entity::find_by_id(listing_id)
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    requisition_line::Entity::find_by_id(line_id)
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)
}

/// The newest lot (by receipt) the line's issues drew from: the returned goods go back there.
async fn lot_drawn_from(txn: &DatabaseTransaction, line_id: i64) -> AppResult<lot::Model> {
    let lot_ids: Vec<LotId> = movement::Entity::find()
        .filter(movement::Column::Kind.eq("issue"))
        .filter(movement::Column::RequisitionLineId.eq(line_id))
        .all(txn)
        .await?
        .into_iter()
        .map(|m| m.lot_id)
        .collect();
    lot::Entity::find()
        .filter(lot::Column::Id.is_in(lot_ids))
        .order_by_desc(lot::Column::ReceivedOn)
        .order_by_desc(lot::Column::Id)
        .one(txn)
        .await?
        .ok_or(AppError::Rule(RuleCode::SiteReturnNothingIssued))
}

/// The keeper (`act.actor`) records goods a site hands back on the requisition line they were
/// issued on. The goods re-enter stock as the supplier's (the lot and the listing's on-hand
/// grow) with a `site_return` movement at the line's approved price; settlement credits it.
/// Joins the caller's transaction: it reads and writes through `txn` and commits nothing.
pub async fn record_site_return(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    requisition_line_id: i64,
    input: SiteReturnInput,
) -> AppResult<movement::Model> {
    let user = act.actor;
    let line = requisition_line::Entity::find_by_id(requisition_line_id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if line.issued.value() <= Decimal::ZERO {
        return Err(AppError::Rule(RuleCode::SiteReturnNothingIssued));
    }
    let l = listing::Entity::find_by_id(line.listing_id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let decimals = unit_decimals(txn, l.material_id).await?;
    let open = returnable(line.issued.value(), returned_on(txn, line.id).await?);
    let mut errors = FieldErrors::new();
    check(&input, decimals, open, &mut errors);
    errors.into_result()?;

    let today = act.today;
    let now = act.now;
    // The check again, under the line's lock: another return may have come in meanwhile.
    let line = lock_line(txn, l.id, requisition_line_id).await?;
    let open = returnable(line.issued.value(), returned_on(txn, line.id).await?);
    let mut errors = FieldErrors::new();
    let q = check(&input, decimals, open, &mut errors);
    errors.into_result()?;
    let r = requisition::Entity::find_by_id(line.requisition_id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let target = lot_drawn_from(txn, line.id).await?;
    lot::Entity::update_many()
        .col_expr(
            lot::Column::Quantity,
            Expr::col(lot::Column::Quantity).add(q),
        )
        .col_expr(lot::Column::LastMovementOn, Expr::value(today))
        .filter(lot::Column::Id.eq(target.id))
        .exec(txn)
        .await?;
    listing::Entity::update_many()
        .col_expr(
            listing::Column::OnHand,
            Expr::col(listing::Column::OnHand).add(q),
        )
        .col_expr(listing::Column::UpdatedAt, Expr::value(now))
        .filter(listing::Column::Id.eq(target.listing_id))
        .exec(txn)
        .await?;
    record_movement(
        txn,
        &target,
        SITE_RETURN,
        q.value(),
        line.unit_price,
        Some(line.id),
        Some(r.site_id),
        user.id,
        today,
        now,
        input.reason.trim(),
    )
    .await?;
    // Ours is the newest: the line stays locked until the commit.
    let m = movement::Entity::find()
        .filter(movement::Column::Kind.eq(SITE_RETURN))
        .filter(movement::Column::RequisitionLineId.eq(line.id))
        .order_by_desc(movement::Column::Id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    audit::record(
        txn,
        &user.actor(),
        now,
        Change::new("stock.site_return", "movement", m.id).after(&m),
    )
    .await?;
    Ok(m)
}

/// [`record_site_return`] on its own: in a write transaction of its own, committed when it
/// succeeds.
pub async fn record_site_return_now(
    state: &AppState,
    user: &CurrentUser,
    requisition_line_id: i64,
    input: SiteReturnInput,
) -> AppResult<movement::Model> {
    let txn = state.db.begin_write().await?;
    let m = record_site_return(&txn, &Act::of(state, user), requisition_line_id, input).await?;
    txn.commit().await?;
    Ok(m)
}

/// The returns recorded on a requisition's lines, oldest first: for the warehouse, the site
/// that raised it, finance and the auditor.
pub async fn site_returns_of(
    conn: &impl ConnectionTrait,
    user: &CurrentUser,
    requisition_id: RequisitionId,
) -> AppResult<Vec<movement::Model>> {
    let r = requisition::Entity::find_by_id(requisition_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    // Scope: a site's people read their own site's; the rest the handler let through
    // (`ReadSiteReturns`) read any.
    if user.role.needs_site() && user.site_id != Some(r.site_id) {
        return Err(AppError::Forbidden);
    }
    let line_ids: Vec<i64> = requisition_line::Entity::find()
        .filter(requisition_line::Column::RequisitionId.eq(r.id))
        .all(conn)
        .await?
        .into_iter()
        .map(|l| l.id)
        .collect();
    Ok(movement::Entity::find()
        .filter(movement::Column::Kind.eq(SITE_RETURN))
        .filter(movement::Column::RequisitionLineId.is_in(line_ids))
        .order_by_asc(movement::Column::Id)
        .all(conn)
        .await?)
}

// ----- JSON API -----

/// A site return as recorded in the ledger.
#[derive(Debug, Serialize, ToSchema)]
pub struct SiteReturnView {
    /// The movement's id.
    pub id: i64,
    pub requisition_line_id: Option<i64>,
    pub site_id: Option<i64>,
    /// The lot the goods went back into.
    pub lot_id: LotId,
    pub listing_id: ListingId,
    pub supplier_id: SupplierId,
    pub warehouse_id: i64,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    /// The price the goods were issued at.
    #[schema(value_type = String)]
    pub unit_price: Decimal,
    /// quantity × unit price, rounded to the cent: what settlement credits.
    #[schema(value_type = String)]
    pub amount: Decimal,
    pub reason: String,
    pub on_date: chrono::NaiveDate,
    pub at: chrono::DateTime<chrono::Utc>,
    pub by_user: Option<i64>,
}

impl From<movement::Model> for SiteReturnView {
    fn from(m: movement::Model) -> Self {
        Self {
            id: m.id,
            requisition_line_id: m.requisition_line_id,
            site_id: m.site_id,
            lot_id: m.lot_id,
            listing_id: m.listing_id,
            supplier_id: m.supplier_id,
            warehouse_id: m.warehouse_id,
            quantity: m.quantity.value(),
            unit_price: m.unit_price.value(),
            amount: m.amount.value(),
            reason: m.note,
            on_date: m.on_date,
            at: m.at,
            by_user: m.by_user,
        }
    }
}

/// The keeper records goods a site hands back on the requisition line they were issued on.
#[utoipa::path(post, path = "/api/requisition-lines/{id}/returns", tag = "stock", security(("bearer" = ["issue_stock"])), request_body = SiteReturnInput,
    responses((status = 201, body = SiteReturnView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/requisition-lines/{id}/returns")]
pub async fn api_record(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: web::Json<SiteReturnInput>,
) -> AppResult<HttpResponse> {
    user.require(Capability::IssueStock)?;
    let m = record_site_return_now(&state, &user, *id, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(SiteReturnView::from(m)))
}

/// The returns recorded on a requisition (warehouse, the requisition's site, finance, audit).
#[utoipa::path(get, path = "/api/requisitions/{id}/returns", tag = "stock", security(("bearer" = ["read_site_returns"])), params(("id" = i64, Path)),
    responses((status = 200, body = Vec<SiteReturnView>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/api/requisitions/{id}/returns")]
pub async fn api_list(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<RequisitionId>,
) -> AppResult<web::Json<Vec<SiteReturnView>>> {
    user.require(Capability::ReadSiteReturns)?;
    let rows = site_returns_of(&state.db.read, &user, *id).await?;
    Ok(web::Json(rows.into_iter().map(Into::into).collect()))
}

// ----- Page -----

type Form = HashMap<String, String>;

fn field(f: &Form, k: &str) -> String {
    f.get(k).map(|v| v.trim().to_string()).unwrap_or_default()
}

/// The return form of one line again, with the messages, when the requisitions page's form
/// was refused.
#[derive(Template)]
#[template(path = "stock/site_return.html")]
struct SiteReturnPage {
    ctx: PageCtx,
    line_id: i64,
    requisition_id: RequisitionId,
    name: String,
    unit: String,
    issued: String,
    returned: String,
    form: Form,
    errors: FormErrors,
}

impl SiteReturnPage {
    fn value(&self, k: &str) -> String {
        self.form.get(k).cloned().unwrap_or_default()
    }
}

async fn render_form(
    state: &AppState,
    ctx: PageCtx,
    line_id: i64,
    form: Form,
    errors: FormErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let db = &state.db.read;
    let line = requisition_line::Entity::find_by_id(line_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let l = listing::Entity::find_by_id(line.listing_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let m = material::Entity::find_by_id(l.material_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let returned = returned_on(db, line.id).await?;
    Ok(crate::web::html_status(
        status,
        &SiteReturnPage {
            line_id,
            requisition_id: line.requisition_id,
            name: format!("{} {}", ctx.pick(&m.name_zh, &m.name_en), m.spec),
            unit: m.unit_code,
            issued: line.issued.value().normalize().to_string(),
            returned: returned.normalize().to_string(),
            ctx,
            form,
            errors,
        },
    ))
}

/// The keeper's return form on the requisitions page.
#[post("/requisition-lines/{id}/return")]
pub async fn page_record(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<i64>,
    form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::IssueStock)?;
    let f = form.0;
    let r = match Decimal::from_str(&field(&f, "quantity")) {
        Ok(quantity) => record_site_return_now(
            &state,
            &user,
            *id,
            SiteReturnInput {
                quantity,
                reason: field(&f, "reason"),
            },
        )
        .await
        .map(|_| ()),
        Err(_) => Err(AppError::field("quantity", RuleCode::NotANumber)),
    };
    let locale = ctx.locale;
    form_outcome(
        r,
        locale,
        "/requisitions",
        "site-return-flash-recorded",
        |errors, status| render_form(&state, ctx, *id, f, errors, status),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap_or_default()
    }

    fn input(q: &str, reason: &str) -> SiteReturnInput {
        SiteReturnInput {
            quantity: d(q),
            reason: reason.into(),
        }
    }

    fn code(errors: &FieldErrors, field: &str) -> Option<String> {
        errors.0.get(field).map(|e| e.code.to_string())
    }

    #[test]
    fn what_may_come_back_is_issued_less_returned_never_below_zero() {
        assert_eq!(returnable(d("4"), d("0")), d("4"));
        assert_eq!(returnable(d("4"), d("1.5")), d("2.5"));
        assert_eq!(returnable(d("4"), d("4")), d("0"));
        assert_eq!(returnable(d("4"), d("5")), d("0"));
    }

    #[test]
    fn exactly_what_is_open_may_come_back_and_not_a_unit_more() {
        let mut e = FieldErrors::new();
        assert_eq!(
            check(&input("2.5", "unused"), 3, d("2.5"), &mut e).value(),
            d("2.5")
        );
        assert!(e.is_empty());
        let mut e = FieldErrors::new();
        check(&input("2.501", "unused"), 3, d("2.5"), &mut e);
        assert_eq!(
            code(&e, "quantity").as_deref(),
            Some("site_return_more_than_issued")
        );
    }

    #[test]
    fn quantity_must_be_positive_in_the_units_decimals_and_a_reason_given() {
        let mut e = FieldErrors::new();
        check(&input("0", " "), 3, d("5"), &mut e);
        assert_eq!(code(&e, "quantity").as_deref(), Some("quantity"));
        assert_eq!(code(&e, "reason").as_deref(), Some("required"));
        let mut e = FieldErrors::new();
        check(&input("1.5", "unused"), 0, d("5"), &mut e);
        assert_eq!(code(&e, "quantity").as_deref(), Some("quantity"));
        let mut e = FieldErrors::new();
        check(&input("-1", "unused"), 3, d("5"), &mut e);
        assert_eq!(code(&e, "quantity").as_deref(), Some("quantity"));
    }
}
