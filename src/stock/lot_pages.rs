//! The pages of stale stock answered (DOMAIN.md rule 3) and of stock counts (rule 12): the
//! supplier's own lots, where it answers a flagged lot with return or exchange; the lots on
//! hand, where the keeper records the return or the exchange; the stock counts, entered by
//! the keeper and approved or rejected by procurement. The rules live in `returns.rs` and
//! `counts.rs`; these handlers read forms, call them and render.

use super::counts::{CountDecision, CountInput, decide_count_now, enter_count_now};
use super::returns::{LotAnswer, REMOVAL, answer_now, record_exchange_now, record_return_now};
use super::store::Qty;
use crate::auth::{Capability, CurrentUser};
use crate::catalogue::pages::{ListingLabel, labels};
use crate::error::RuleCode;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::page::{CsrfForm, FormErrors, PageCtx, form_outcome, redirect_with_flash};
use crate::web::page::{Form, decimal_field as dec, field};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use chrono::NaiveDate;
use entity::{ListingId, LotId, SupplierId, listing, lot, stock_count, user};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashMap;

/// True for a checked box or `true` in a query.
fn on(v: Option<&String>) -> bool {
    v.is_some_and(|v| matches!(v.as_str(), "true" | "1" | "on"))
}

/// Errors shown on the page again instead of an error page.
fn shown_on_page(e: &AppError) -> bool {
    matches!(
        e,
        AppError::Validation(_) | AppError::Rule(_) | AppError::Conflict(_)
    )
}

fn q(d: &Decimal) -> String {
    d.normalize().to_string()
}

// ----- Lots -----

/// A consigned lot on hand as the pages show it.
pub struct LotRow {
    pub id: LotId,
    pub name: String,
    pub spec: String,
    pub unit: String,
    pub supplier: String,
    pub quantity: Decimal,
    pub received_on: NaiveDate,
    pub last_movement_on: NaiveDate,
    pub days: i64,
    /// Flagged by the stale scan on this day.
    pub stale_flagged_on: Option<NaiveDate>,
    /// Its supplier was removed: the lot goes back, no answer needed.
    pub removal: bool,
    /// The supplier's answer to a stale flag: `return` or `exchange`.
    pub answer: Option<String>,
}

impl LotRow {
    pub fn flagged(&self) -> bool {
        self.removal || self.stale_flagged_on.is_some()
    }
    /// `stale` or `removal` (a message suffix), empty when the lot may stay.
    pub fn flag(&self) -> &'static str {
        if self.removal {
            "removal"
        } else if self.stale_flagged_on.is_some() {
            "stale"
        } else {
            ""
        }
    }
    pub fn quantity_text(&self) -> String {
        q(&self.quantity)
    }
    fn answered(&self, a: LotAnswer) -> bool {
        self.answer.as_deref() == Some(a.as_str())
    }
}

/// Which lots a lot list holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LotFilter {
    /// Every lot on hand.
    All,
    /// Only the stock that must go: flagged stale or of a removed supplier (`/lots?flagged=true`).
    Flagged,
    /// Flagged stale and not yet answered by the supplier with return or exchange
    /// (`/my/lots?waiting=true`, counted on the supplier's home page).
    Unanswered,
}

/// Lots on hand (of one supplier, or all), flagged ones first, then the oldest movement.
pub async fn lot_rows(
    state: &AppState,
    ctx: &PageCtx,
    supplier_id: Option<SupplierId>,
    filter: LotFilter,
) -> AppResult<Vec<LotRow>> {
    let only_flagged = filter != LotFilter::All;
    let db = &state.db.read;
    let mut sel = lot::Entity::find().filter(lot::Column::Quantity.gt(Qty::zero()));
    if let Some(s) = supplier_id {
        sel = sel.filter(lot::Column::SupplierId.eq(s));
    }
    if only_flagged {
        sel = sel.filter(
            Condition::any()
                .add(lot::Column::StaleFlaggedOn.is_not_null())
                .add(lot::Column::ReturnRequest.eq(REMOVAL)),
        );
    }
    let lots = sel
        .order_by_asc(lot::Column::LastMovementOn)
        .order_by_asc(lot::Column::Id)
        .all(db)
        .await?;
    let ids: Vec<ListingId> = lots.iter().map(|l| l.listing_id).collect();
    let labels = labels(db, ctx, &ids).await?;
    let today = state.today();
    let mut rows: Vec<LotRow> = lots
        .into_iter()
        .map(|l| {
            let label = labels.get(&l.listing_id);
            let removal = l.return_request.as_deref() == Some(REMOVAL);
            LotRow {
                id: l.id,
                name: label.map(|x| x.name.clone()).unwrap_or_default(),
                spec: label.map(|x| x.spec.clone()).unwrap_or_default(),
                unit: label.map(|x| x.unit.clone()).unwrap_or_default(),
                supplier: label.map(|x| x.supplier.clone()).unwrap_or_default(),
                quantity: l.quantity.value(),
                received_on: l.received_on,
                last_movement_on: l.last_movement_on,
                days: (today - l.last_movement_on).num_days(),
                stale_flagged_on: l.stale_flagged_on,
                removal,
                answer: l.return_request.filter(|_| !removal),
            }
        })
        .collect();
    // A stable sort keeps the oldest movement first within each group.
    rows.sort_by_key(|r| !r.flagged());
    if filter == LotFilter::Unanswered {
        rows.retain(|r| !r.removal && r.stale_flagged_on.is_some() && r.answer.is_none());
    }
    Ok(rows)
}

#[derive(Template)]
#[template(path = "stock/my_lots.html")]
struct MyLotsView {
    ctx: PageCtx,
    rows: Vec<LotRow>,
    errors: FormErrors,
}

impl MyLotsView {
    fn can_answer(&self, l: &LotRow) -> bool {
        !l.removal && l.stale_flagged_on.is_some()
    }
    fn flagged_count(&self) -> usize {
        self.rows.iter().filter(|r| r.flagged()).count()
    }
}

async fn render_my_lots(
    state: &AppState,
    ctx: PageCtx,
    user: &CurrentUser,
    errors: FormErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    render_my_lots_of(state, ctx, user, errors, status, LotFilter::All).await
}

async fn render_my_lots_of(
    state: &AppState,
    ctx: PageCtx,
    user: &CurrentUser,
    errors: FormErrors,
    status: StatusCode,
    filter: LotFilter,
) -> AppResult<HttpResponse> {
    let sid = user.own_supplier()?;
    let rows = lot_rows(state, &ctx, Some(sid), filter).await?;
    Ok(crate::web::html_status(
        status,
        &MyLotsView { ctx, rows, errors },
    ))
}

/// The supplier's own consigned lots on hand, the flagged ones on top with the answer form;
/// `waiting=true` lists only the flagged lots still waiting for its answer.
#[get("/my/lots")]
pub async fn my_lots_page(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    q: crate::web::Query<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageOwnSupplier)?;
    let filter = if on(q.get("waiting")) {
        LotFilter::Unanswered
    } else {
        LotFilter::All
    };
    render_my_lots_of(
        &state,
        ctx,
        &user,
        FormErrors::default(),
        StatusCode::OK,
        filter,
    )
    .await
}

/// The supplier answers a flagged lot: take it back or exchange it.
#[post("/my/lots/{id}/answer")]
pub async fn my_lot_answer(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<LotId>,
    form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageOwnSupplier)?;
    let choice = match field(&form.0, "answer").as_str() {
        "return" => Ok(LotAnswer::Return),
        "exchange" => Ok(LotAnswer::Exchange),
        _ => Err(AppError::field("answer", RuleCode::Required)),
    };
    let r = match choice {
        Ok(a) => answer_now(&state, &user, *id, a).await.map(|_| a),
        Err(e) => Err(e),
    };
    match r {
        Ok(a) => Ok(redirect_with_flash(
            "/my/lots",
            "success",
            match a {
                LotAnswer::Return => "flash-lot-answered-return",
                LotAnswer::Exchange => "flash-lot-answered-exchange",
            },
        )),
        Err(e) if shown_on_page(&e) => {
            let errors = FormErrors::from_error(&e, ctx.locale);
            render_my_lots(&state, ctx, &user, errors, e.status()).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "stock/lots.html")]
struct LotsView {
    ctx: PageCtx,
    rows: Vec<LotRow>,
    pager: crate::web::page::Pager,
    flagged_only: bool,
    errors: FormErrors,
    /// The lot whose form failed, and what was entered.
    failed: Option<LotId>,
    form: Form,
}

impl LotsView {
    fn can_return(&self, l: &LotRow) -> bool {
        self.ctx.can(Capability::IssueStock)
            && (l.removal || (l.stale_flagged_on.is_some() && l.answered(LotAnswer::Return)))
    }
    fn can_exchange(&self, l: &LotRow) -> bool {
        self.ctx.can(Capability::IssueStock)
            && !l.removal
            && l.stale_flagged_on.is_some()
            && l.answered(LotAnswer::Exchange)
    }
    /// The fresh quantity offered in the exchange form: what was entered, else the old one.
    fn fresh_value(&self, l: &LotRow) -> String {
        if self.failed == Some(l.id) {
            field(&self.form, "quantity")
        } else {
            l.quantity_text()
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn render_lots(
    state: &AppState,
    ctx: PageCtx,
    flagged_only: bool,
    page: u64,
    errors: FormErrors,
    failed: Option<LotId>,
    form: Form,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let filter = if flagged_only {
        LotFilter::Flagged
    } else {
        LotFilter::All
    };
    let rows = lot_rows(state, &ctx, None, filter).await?;
    let base = if flagged_only {
        "/lots?flagged=true"
    } else {
        "/lots"
    };
    let pager = crate::web::page::Pager::new(page, rows.len(), base);
    let rows = pager.slice(rows);
    Ok(crate::web::html_status(
        status,
        &LotsView {
            ctx,
            rows,
            pager,
            flagged_only,
            errors,
            failed,
            form,
        },
    ))
}

/// Consigned lots on hand for the warehouse and the office; `flagged=true` lists only the
/// stock that must go.
#[get("/lots")]
pub async fn lots_page(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    q: crate::web::Query<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadStock)?;
    let flagged_only = on(q.get("flagged"));
    let page = crate::web::page_number(q.get("page").and_then(|p| p.parse().ok()));
    render_lots(
        &state,
        ctx,
        flagged_only,
        page,
        FormErrors::default(),
        None,
        Form::new(),
        StatusCode::OK,
    )
    .await
}

async fn lots_or_error(
    state: &AppState,
    ctx: PageCtx,
    id: LotId,
    f: Form,
    r: AppResult<()>,
    flash: &str,
) -> AppResult<HttpResponse> {
    let flagged_only = on(f.get("flagged"));
    let page = crate::web::page_number(f.get("page").and_then(|p| p.parse().ok()));
    let to = match (flagged_only, page) {
        (true, 1) => "/lots?flagged=true".to_string(),
        (false, 1) => "/lots".to_string(),
        (true, p) => format!("/lots?flagged=true&page={p}"),
        (false, p) => format!("/lots?page={p}"),
    };
    let locale = ctx.locale;
    form_outcome(r, locale, &to, flash, |errors, status| {
        render_lots(state, ctx, flagged_only, page, errors, Some(id), f, status)
    })
    .await
}

/// The keeper records that the supplier took a flagged lot back.
#[post("/lots/{id}/return")]
pub async fn lot_return(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<LotId>,
    form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::IssueStock)?;
    let r = record_return_now(&state, &user, *id).await.map(|_| ());
    lots_or_error(&state, ctx, *id, form.0, r, "flash-lot-returned").await
}

/// The keeper records an exchange: the old goods out, the fresh quantity in as a new lot.
#[post("/lots/{id}/exchange")]
pub async fn lot_exchange(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<LotId>,
    form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::IssueStock)?;
    let f = form.0;
    let r = match dec(&f, "quantity") {
        Ok(quantity) => record_exchange_now(&state, &user, *id, quantity)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    lots_or_error(&state, ctx, *id, f, r, "flash-lot-exchanged").await
}

// ----- Stock counts -----

#[derive(Template)]
#[template(path = "stock/counts.html")]
struct CountsView {
    ctx: PageCtx,
    rows: Vec<stock_count::Model>,
    labels: HashMap<ListingId, ListingLabel>,
    users: HashMap<i64, String>,
    /// Listings with stock and no pending count, with their label: what may be counted.
    countable: Vec<(ListingId, String)>,
    errors: FormErrors,
    /// `count` (the entry form failed) or the id of the count whose decision failed.
    which: String,
    form: Form,
}

impl CountsView {
    fn label(&self, listing_id: &ListingId) -> String {
        self.labels
            .get(listing_id)
            .map(|l| l.full())
            .unwrap_or_default()
    }
    fn unit(&self, listing_id: &ListingId) -> String {
        self.labels
            .get(listing_id)
            .map(|l| l.unit.clone())
            .unwrap_or_default()
    }
    fn user_name(&self, id: &i64) -> String {
        self.users.get(id).cloned().unwrap_or_default()
    }
    fn q(&self, d: &entity::Fixed<3>) -> String {
        q(&d.value())
    }
    /// The difference with its sign: `+1.5` a gain, `-1.5` a loss.
    fn signed(&self, d: &entity::Fixed<3>) -> String {
        let v = d.value();
        if v > Decimal::ZERO {
            format!("+{}", q(&v))
        } else {
            q(&v)
        }
    }
    fn can_count(&self) -> bool {
        self.ctx.can(Capability::IssueStock)
    }
    fn can_decide(&self, c: &stock_count::Model) -> bool {
        c.status == "pending" && self.ctx.can(Capability::DecidePrices)
    }
    fn value(&self, k: &str) -> String {
        if self.which == "count" {
            field(&self.form, k)
        } else {
            String::new()
        }
    }
    fn is_selected(&self, id: &ListingId) -> bool {
        self.which == "count" && field(&self.form, "listing_id") == id.to_string()
    }
    fn count_errors(&self) -> bool {
        self.which == "count"
    }
}

async fn render_counts(
    state: &AppState,
    ctx: PageCtx,
    errors: FormErrors,
    which: String,
    form: Form,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    render_counts_of(state, ctx, errors, which, form, status, false).await
}

/// The counts page; `pending_only` lists only the counts waiting for procurement
/// (`/stock-counts?status=pending`, linked from procurement's home page).
async fn render_counts_of(
    state: &AppState,
    ctx: PageCtx,
    errors: FormErrors,
    which: String,
    form: Form,
    status: StatusCode,
    pending_only: bool,
) -> AppResult<HttpResponse> {
    let db = &state.db.read;
    // Waiting counts first (the oldest on top), then the latest decided ones (unless only
    // the waiting ones were asked for).
    let mut rows = super::counts::pending_counts(db).await?;
    if !pending_only {
        rows.extend(
            stock_count::Entity::find()
                .filter(stock_count::Column::Status.ne("pending"))
                .order_by_desc(stock_count::Column::Id)
                .limit(100)
                .all(db)
                .await?,
        );
    }
    let pending: Vec<ListingId> = rows
        .iter()
        .filter(|c| c.status == "pending")
        .map(|c| c.listing_id)
        .collect();
    let stocked = listing::Entity::find()
        .filter(listing::Column::OnHand.gt(Qty::zero()))
        .all(db)
        .await?;
    let mut ids: Vec<ListingId> = rows.iter().map(|c| c.listing_id).collect();
    ids.extend(stocked.iter().map(|l| l.id));
    let labels = labels(db, &ctx, &ids).await?;
    let mut countable: Vec<(ListingId, String)> = stocked
        .iter()
        .filter(|l| !pending.contains(&l.id))
        .map(|l| {
            let text = labels
                .get(&l.id)
                .map(|x| format!("{} ({})", x.full(), x.unit))
                .unwrap_or_default();
            (l.id, text)
        })
        .collect();
    countable.sort_by(|a, b| a.1.cmp(&b.1));
    let user_ids: Vec<i64> = rows
        .iter()
        .flat_map(|c| std::iter::once(c.counted_by).chain(c.decided_by))
        .collect();
    let users = user::Entity::find()
        .filter(user::Column::Id.is_in(user_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    Ok(crate::web::html_status(
        status,
        &CountsView {
            ctx,
            rows,
            labels,
            users,
            countable,
            errors,
            which,
            form,
        },
    ))
}

/// Stock counts: the keeper enters them, procurement decides those that differ.
#[get("/stock-counts")]
pub async fn counts_page(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    q: crate::web::Query<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadStock)?;
    render_counts_of(
        &state,
        ctx,
        FormErrors::default(),
        String::new(),
        Form::new(),
        StatusCode::OK,
        q.get("status").map(String::as_str) == Some("pending"),
    )
    .await
}

/// The keeper enters a count; a difference waits for procurement.
#[post("/stock-counts/new")]
pub async fn count_create(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::IssueStock)?;
    let f = form.0;
    let r = async {
        let input = CountInput {
            listing_id: field(&f, "listing_id")
                .parse()
                .map_err(|_| AppError::field("listing_id", RuleCode::Required))?,
            counted: dec(&f, "counted")?,
            reason: field(&f, "reason"),
        };
        enter_count_now(&state, &user, input).await
    }
    .await;
    match r {
        Ok(c) => Ok(redirect_with_flash(
            "/stock-counts",
            "success",
            if c.status == "pending" {
                "flash-count-pending"
            } else {
                "flash-count-confirmed"
            },
        )),
        Err(e) if shown_on_page(&e) => {
            let errors = FormErrors::from_error(&e, ctx.locale);
            let status = e.status();
            render_counts(&state, ctx, errors, "count".into(), f, status).await
        }
        Err(e) => Err(e),
    }
}

/// Procurement approves (the difference moves the books) or rejects a pending count.
#[post("/stock-counts/{id}/decision")]
pub async fn count_decide(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<i64>,
    form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::DecidePrices)?;
    let f = form.0;
    let approve = match field(&f, "decision").as_str() {
        "approve" => Ok(true),
        "reject" => Ok(false),
        _ => Err(AppError::field("decision", RuleCode::Required)),
    };
    let r = match approve {
        Ok(approve) => decide_count_now(
            &state,
            &user,
            *id,
            CountDecision {
                approve,
                note: field(&f, "note"),
            },
        )
        .await
        .map(|_| approve),
        Err(e) => Err(e),
    };
    match r {
        Ok(approved) => Ok(redirect_with_flash(
            "/stock-counts",
            "success",
            if approved {
                "flash-count-approved"
            } else {
                "flash-count-rejected"
            },
        )),
        Err(e) if shown_on_page(&e) => {
            let errors = FormErrors::from_error(&e, ctx.locale);
            let status = e.status();
            render_counts(&state, ctx, errors, id.to_string(), f, status).await
        }
        Err(e) => Err(e),
    }
}
