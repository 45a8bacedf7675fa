//! The requisition pages (rule 9): the cart (a site user's draft), the list and each
//! requisition's page (approval, return or rejection with a reason for its manager, editing
//! and resubmitting a returned one for its requester, issue for the warehouse, each with the
//! 24-hour flag), and the printable requisition (领料单) and issue slip (出库单).

use super::documents::{self, ListingInfo};
use super::rules::RequisitionStatus;
use super::store::{self, IssueLine, RequisitionRow};
use crate::auth::{Capability, CurrentUser};
use crate::catalogue::pages::{ListingLabel, labels};
use crate::error::RuleCode;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::state::AppState;
use crate::web::page::{CsrfForm, Form, FormErrors, PageCtx, field, form_outcome};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use entity::{ListingId, RequisitionId, requisition, requisition_line};
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::str::FromStr;

/// How the requisition pages write amounts, quantities and instants.
fn instant(ctx: &PageCtx, at: &chrono::DateTime<chrono::Utc>) -> String {
    at.with_timezone(&ctx.tz)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// A requisition's page: its history and issue slips.
struct Detail {
    history: Vec<documents::RequisitionEventView>,
    slips: Vec<documents::IssueSlipRef>,
}

#[derive(Template)]
#[template(path = "stock/requisitions.html")]
struct RequisitionsView {
    ctx: PageCtx,
    rows: Vec<RequisitionRow>,
    labels: HashMap<ListingId, ListingLabel>,
    errors: FormErrors,
    /// One requisition's page (`None`: the list).
    detail: Option<Detail>,
    /// The requisition a refused form was posted for, and what was typed.
    posted: Option<(RequisitionId, Form)>,
    /// What the list is narrowed to.
    filter: store::RequisitionFilter,
}

impl RequisitionsView {
    /// The statuses the list can be narrowed to, each with its name and whether it is chosen.
    fn status_choices(&self) -> Vec<(&'static str, String, bool)> {
        RequisitionStatus::ALL
            .into_iter()
            .filter(|s| *s != RequisitionStatus::Draft)
            .map(|s| {
                (
                    s.as_str(),
                    self.ctx.t(&format!("req-status-{}", s.as_str())),
                    self.filter.status.as_deref() == Some(s.as_str()),
                )
            })
            .collect()
    }

    fn label(&self, listing_id: &ListingId) -> String {
        self.labels
            .get(listing_id)
            .map(|l| format!("{} {} · {}", l.name, l.spec, l.supplier))
            .unwrap_or_default()
    }
    fn unit(&self, listing_id: &ListingId) -> String {
        self.labels
            .get(listing_id)
            .map(|l| self.ctx.unit(&l.unit))
            .unwrap_or_default()
    }
    fn open(&self, l: &requisition_line::Model) -> String {
        (l.reserved.value() - l.issued.value())
            .normalize()
            .to_string()
    }
    fn q(&self, d: &entity::Fixed<3>) -> String {
        d.value().normalize().to_string()
    }
    fn price(&self, d: &entity::Fixed<4>) -> String {
        crate::money::text::unit_price(self.ctx.locale, d.value())
    }
    fn when(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        instant(&self.ctx, at)
    }
    fn submitted(&self, r: &requisition::Model) -> String {
        r.submitted_at
            .as_ref()
            .map(|a| self.when(a))
            .unwrap_or_default()
    }
    fn number(&self, r: &requisition::Model) -> String {
        r.number.clone().unwrap_or_else(|| "—".into())
    }
    fn site(&self, row: &RequisitionRow) -> String {
        self.ctx.pick(&row.site_zh, &row.site_en)
    }
    fn status(&self, r: &requisition::Model) -> String {
        self.ctx.tp("req-status-", &r.status)
    }
    fn event(&self, action: &str) -> String {
        self.ctx.tp("req-event-", action)
    }
    fn is_mine(&self, r: &requisition::Model) -> bool {
        self.ctx
            .user
            .as_ref()
            .is_some_and(|u| u.id == r.requested_by)
    }
    /// A manager of the requisition's site decides it, unless they raised it (rule 14).
    fn can_approve(&self, r: &requisition::Model) -> bool {
        RequisitionStatus::parse(&r.status) == Some(RequisitionStatus::Submitted)
            && self.ctx.can(Capability::ApproveRequisitions)
            && self.ctx.user.as_ref().is_some_and(|u| {
                u.site_id == Some(r.site_id)
                    && crate::auth::four_eyes::not_own(r.requested_by, u.id).is_ok()
            })
    }
    /// The reader's own submitted requisition, which another manager decides.
    fn awaits_another(&self, r: &requisition::Model) -> bool {
        RequisitionStatus::parse(&r.status) == Some(RequisitionStatus::Submitted)
            && self.ctx.can(Capability::ApproveRequisitions)
            && self
                .ctx
                .user
                .as_ref()
                .is_some_and(|u| crate::auth::four_eyes::not_own(r.requested_by, u.id).is_err())
    }
    fn can_issue(&self, r: &requisition::Model) -> bool {
        RequisitionStatus::parse(&r.status).is_some_and(RequisitionStatus::awaits_issue)
            && self.ctx.can(Capability::IssueStock)
    }
    fn can_resubmit(&self, r: &requisition::Model) -> bool {
        RequisitionStatus::parse(&r.status) == Some(RequisitionStatus::Returned)
            && self.ctx.can(Capability::Requisition)
            && self.is_mine(r)
    }
    fn can_cancel(&self, r: &requisition::Model) -> bool {
        let status = RequisitionStatus::parse(&r.status);
        self.ctx.user.as_ref().is_some_and(|u| {
            status.is_some_and(RequisitionStatus::cancellable)
                && super::rules::may_cancel(
                    u.role,
                    (u.id, u.site_id),
                    r.requested_by,
                    r.site_id,
                    status,
                )
        })
    }
    /// What was typed into `k` of the form posted for requisition `id`; `default` otherwise.
    fn typed(&self, id: &RequisitionId, k: &str, default: impl std::fmt::Display) -> String {
        match &self.posted {
            Some((p, f)) if p == id => f.get(k).cloned().unwrap_or_default(),
            _ => default.to_string(),
        }
    }
    fn typed_qty(&self, id: &RequisitionId, l: &requisition_line::Model) -> String {
        self.typed(
            id,
            &format!("qty_{}", l.listing_id),
            l.quantity.value().normalize(),
        )
    }
    /// The errors of the form posted for requisition `id`; none for the others.
    fn errors_for(&self, id: &RequisitionId) -> &FormErrors {
        match &self.posted {
            Some((p, _)) if p == id => &self.errors,
            _ => self.ctx.no_errors(),
        }
    }
    /// What the keeper typed into the issue field of `l`; the open quantity otherwise.
    fn typed_issue(&self, id: &RequisitionId, l: &requisition_line::Model) -> String {
        self.typed(id, &format!("issue_{}", l.id), self.open(l))
    }
}

/// Renders `view` with the labels of the listings its rows name.
async fn render_rows(
    state: &AppState,
    mut view: RequisitionsView,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let ids: Vec<ListingId> = view
        .rows
        .iter()
        .flat_map(|row| row.lines.iter().map(|l| l.listing_id))
        .collect();
    view.labels = labels(&state.db.read, &view.ctx, &ids).await?;
    Ok(crate::web::html_status(status, &view))
}

async fn render_requisitions(
    state: &AppState,
    ctx: PageCtx,
    user: &CurrentUser,
    filter: store::RequisitionFilter,
    errors: FormErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let rows =
        store::requisitions_for(&state.db.read, user, state.now(), &filter, Some(100)).await?;
    let view = RequisitionsView {
        ctx,
        rows,
        labels: HashMap::new(),
        errors,
        detail: None,
        posted: None,
        filter,
    };
    render_rows(state, view, status).await
}

#[get("/requisitions")]
pub async fn requisitions_page(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    filter: crate::web::Query<store::RequisitionFilter>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadRequisitions)?;
    render_requisitions(
        &state,
        ctx,
        &user,
        filter.into_inner(),
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

async fn render_requisition(
    state: &AppState,
    ctx: PageCtx,
    user: &CurrentUser,
    id: RequisitionId,
    errors: FormErrors,
    posted: Option<Form>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let doc = documents::requisition_doc(&state.db.read, user, id, state.now()).await?;
    let detail = Detail {
        history: doc.history,
        slips: doc.slips,
    };
    let posted = posted.map(|f| (id, f));
    let view = RequisitionsView {
        ctx,
        rows: vec![doc.row],
        labels: HashMap::new(),
        errors,
        detail: Some(detail),
        posted,
        filter: store::RequisitionFilter::default(),
    };
    render_rows(state, view, status).await
}

/// One requisition's page: the document, its history, its issue slips and what this user may
/// do with it.
#[get("/requisitions/{id}")]
pub async fn requisition_page(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<RequisitionId>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadRequisitions)?;
    render_requisition(
        &state,
        ctx,
        &user,
        *id,
        FormErrors::default(),
        None,
        StatusCode::OK,
    )
    .await
}

/// A requisition's own forms: its manager returns or rejects it with a reason
/// (`action=return|reject`), its requester submits a returned one again, edited
/// (`action=resubmit`). A refused form shows the page again with what was typed.
#[post("/requisitions/{id}")]
pub async fn requisition_post(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<RequisitionId>,
    form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    let f = form.0;
    let id = *id;
    let action = field(&f, "action");
    let (result, flash) = match action.as_str() {
        "return" | "reject" => {
            user.require(Capability::ApproveRequisitions)?;
            let decision = if action == "return" {
                store::Decision::Return
            } else {
                store::Decision::Reject
            };
            let r = store::decide_requisition_now(
                &state,
                &user,
                id,
                decision,
                f.get("reason").map(String::as_str).unwrap_or_default(),
            )
            .await
            .map(|_| ());
            (
                r,
                if action == "return" {
                    "req-flash-returned"
                } else {
                    "req-flash-rejected"
                },
            )
        }
        "resubmit" => {
            user.require(Capability::Requisition)?;
            let r = async {
                let lines = keyed_quantities::<ListingId>(&f, "qty_")?
                    .into_iter()
                    .filter(|(_, q)| !q.is_zero())
                    .map(|(listing_id, quantity)| store::RequisitionLineInput {
                        listing_id,
                        quantity,
                    })
                    .collect();
                store::resubmit_requisition_now(
                    &state,
                    &user,
                    id,
                    store::RequisitionInput {
                        purpose: field(&f, "purpose"),
                        need_by: crate::web::page::date_field(&f, "need_by")?,
                        lines,
                    },
                )
                .await
                .map(|_| ())
            }
            .await;
            (r, "req-flash-resubmitted")
        }
        _ => {
            user.require(Capability::ReadRequisitions)?;
            (Err(AppError::field("action", RuleCode::Required)), "")
        }
    };
    let locale = ctx.locale;
    let to = format!("/requisitions/{id}");
    form_outcome(result, locale, &to, flash, |errors, status| {
        render_requisition(&state, ctx, &user, id, errors, Some(f), status)
    })
    .await
}

/// The list again after a form of requisition `id` was posted from it: on success with the
/// flash, when refused with the errors and what was typed in that requisition's card.
async fn requisitions_or_error(
    state: &AppState,
    ctx: PageCtx,
    user: &CurrentUser,
    r: AppResult<()>,
    flash: &str,
    posted: (RequisitionId, Form),
) -> AppResult<HttpResponse> {
    let locale = ctx.locale;
    form_outcome(
        r,
        locale,
        "/requisitions",
        flash,
        |errors, status| async move {
            let filter = store::RequisitionFilter::default();
            let rows =
                store::requisitions_for(&state.db.read, user, state.now(), &filter, Some(100))
                    .await?;
            let view = RequisitionsView {
                ctx,
                rows,
                labels: HashMap::new(),
                errors,
                detail: None,
                posted: Some(posted),
                filter,
            };
            render_rows(state, view, status).await
        },
    )
    .await
}

#[post("/requisitions/{id}/approve")]
pub async fn requisition_approve(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<RequisitionId>,
    f: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ApproveRequisitions)?;
    let r = store::approve_requisition_now(&state, &user, *id)
        .await
        .map(|_| ());
    requisitions_or_error(
        &state,
        ctx,
        &user,
        r,
        "flash-requisition-approved",
        (*id, f.0),
    )
    .await
}

#[post("/requisitions/{id}/issue")]
pub async fn requisition_issue(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<RequisitionId>,
    form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::IssueStock)?;
    let f = form.0;
    let mut line_ids = Vec::new();
    let r = async {
        let lines: Vec<IssueLine> = keyed_quantities::<i64>(&f, "issue_")?
            .into_iter()
            .filter(|(_, quantity)| !quantity.is_zero())
            .map(|(line_id, quantity)| IssueLine { line_id, quantity })
            .collect();
        line_ids = lines.iter().map(|l| l.line_id).collect();
        store::issue_now(&state, &user, *id, lines)
            .await
            .map(|_| ())
    }
    .await;
    // The store names a line by its place in what was issued; the form by the line's id.
    let r = r.map_err(|e| e.rows_named("lines", &line_ids, &[("quantity", "issue")]));
    requisitions_or_error(&state, ctx, &user, r, "flash-requisition-issued", (*id, f)).await
}

#[post("/requisitions/{id}/cancel")]
pub async fn requisition_cancel(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<RequisitionId>,
    f: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::CancelRequisitions)?;
    let r = store::cancel_requisition_now(&state, &user, *id)
        .await
        .map(|_| ());
    requisitions_or_error(
        &state,
        ctx,
        &user,
        r,
        "flash-requisition-cancelled",
        (*id, f.0),
    )
    .await
}

// ----- The cart: a site user's draft requisition -----

#[derive(Template)]
#[template(path = "requisitions/cart.html")]
struct CartPage {
    ctx: PageCtx,
    cart: super::cart::Cart,
    labels: HashMap<ListingId, ListingLabel>,
    errors: FormErrors,
    form: Form,
    today: String,
}

impl CartPage {
    fn label(&self, listing_id: &ListingId) -> String {
        self.labels
            .get(listing_id)
            .map(|l| format!("{} {} · {}", l.name, l.spec, l.supplier))
            .unwrap_or_default()
    }
    fn unit(&self, listing_id: &ListingId) -> String {
        self.labels
            .get(listing_id)
            .map(|l| self.ctx.unit(&l.unit))
            .unwrap_or_default()
    }
    fn quantity(&self, d: &Decimal) -> String {
        d.normalize().to_string()
    }
    fn value(&self, k: &str, default: &str) -> String {
        self.form
            .get(k)
            .cloned()
            .unwrap_or_else(|| default.to_string())
    }
    fn typed_qty(&self, l: &super::cart::CartLine) -> String {
        self.value(
            &format!("qty_{}", l.line.id),
            &l.line.quantity.value().normalize().to_string(),
        )
    }
    fn line_count(&self) -> usize {
        self.cart.lines.len()
    }
    /// The name of line `l`'s quantity field (also its id).
    fn qty_name(&self, l: &super::cart::CartLine) -> String {
        format!("qty_{}", l.line.id)
    }
}

async fn render_cart(
    state: &AppState,
    ctx: PageCtx,
    user: &CurrentUser,
    mut errors: FormErrors,
    form: Form,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let cart = super::cart::cart_of(&state.db.read, user.id).await?;
    let ids: Vec<ListingId> = cart.lines.iter().map(|l| l.line.listing_id).collect();
    let labels = labels(&state.db.read, &ctx, &ids).await?;
    // The summary names a line's quantity by its material, not "Quantity" once per line.
    for l in &cart.lines {
        let name = format!("qty_{}", l.line.id);
        if let Some(label) = labels.get(&l.line.listing_id)
            && errors.has(&name)
        {
            errors
                .labels
                .insert(name, ctx.ta1("req-qty-of", "name", label.full()));
        }
    }
    let today = state.today().to_string();
    Ok(crate::web::html_status(
        status,
        &CartPage {
            ctx,
            cart,
            labels,
            errors,
            form,
            today,
        },
    ))
}

/// The cart: the lines gathered from the catalogue, with quantities to change, amounts at
/// the listings' approved prices, and the purpose and date to submit it with.
#[get("/requisition-cart")]
pub async fn cart_page(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
) -> AppResult<HttpResponse> {
    user.require(Capability::Requisition)?;
    render_cart(
        &state,
        ctx,
        &user,
        FormErrors::default(),
        Form::new(),
        StatusCode::OK,
    )
    .await
}

/// The cart's forms. From the catalogue (`back` set): the quantities typed beside listings
/// are put into the cart and the same search is shown again; a refused one shows the
/// catalogue with what was typed. From the cart page: `action=update` saves the quantities
/// typed, `action=remove:<line>` removes a line, `action=submit` saves them and submits.
#[post("/requisition-cart")]
pub async fn cart_post(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::Requisition)?;
    let f = form.0;
    if f.contains_key("back") {
        return add_from_catalogue(&state, ctx, &user, f).await;
    }
    let action = field(&f, "action");
    if let Some(line) = action.strip_prefix("remove:") {
        let line: i64 = line.parse().map_err(|_| AppError::NotFound)?;
        super::cart::remove_line_now(&state, &user, line).await?;
        return Ok(crate::web::page::redirect_with_flash(
            "/requisition-cart",
            "success",
            "req-flash-line-removed",
        ));
    }
    let cart = super::cart::cart_of(&state.db.read, user.id).await?;
    let result = async {
        let (typed, refused) = typed_quantities::<i64>(&f, "qty_");
        let mut changes = Vec::new();
        for (line_id, quantity) in typed {
            if let Some(l) = cart.lines.iter().find(|l| l.line.id == line_id)
                && l.line.quantity.value() != quantity
            {
                changes.push((l.line.listing_id, quantity, format!("qty_{line_id}")));
            }
        }
        if !changes.is_empty() || !refused.is_empty() {
            match super::cart::put_typed_lines_now(&state, &user, changes, refused).await {
                // Submitting: the purpose and date are refused in the same answer.
                Err(AppError::Validation(mut fe)) if action == "submit" => {
                    submission_errors(&f, state.today(), &mut fe);
                    return Err(AppError::Validation(fe));
                }
                other => other?,
            }
        }
        if action == "submit" {
            let Ok(need_by) = crate::web::page::date_field(&f, "need_by") else {
                let mut fe = FieldErrors::new();
                submission_errors(&f, state.today(), &mut fe);
                return Err(AppError::Validation(fe));
            };
            let r = super::cart::submit_cart_now(&state, &user, field(&f, "purpose"), need_by)
                .await
                .map_err(|e| on_cart_lines(e, &cart))?;
            return Ok(Some(r.id));
        }
        Ok(None)
    }
    .await;
    match result {
        Ok(Some(id)) => Ok(crate::web::page::redirect_with_flash(
            &format!("/requisitions/{id}"),
            "success",
            "flash-requisition-submitted",
        )),
        Ok(None) => Ok(crate::web::page::redirect_with_flash(
            "/requisition-cart",
            "success",
            "req-flash-cart-saved",
        )),
        Err(e @ (AppError::Validation(_) | AppError::Rule(_) | AppError::Conflict(_))) => {
            let errors = FormErrors::from_error(&e, ctx.locale);
            render_cart(&state, ctx, &user, errors, f, e.status()).await
        }
        Err(e) => Err(e),
    }
}

/// The purpose and need-by date of a cart submitted from its page, checked as
/// [`super::store::check_requisition`] does, for an answer that refuses other fields too.
fn submission_errors(f: &Form, today: chrono::NaiveDate, errors: &mut FieldErrors) {
    if field(f, "purpose").is_empty() {
        errors.add("purpose", RuleCode::Required);
    }
    match crate::web::page::date_field(f, "need_by") {
        Err(_) => {
            errors.add("need_by", RuleCode::Date);
        }
        Ok(d) if d < today => {
            errors.add("need_by", RuleCode::InPast);
        }
        Ok(_) => {}
    }
}

/// A submission's errors on the requisition's lines (`lines.2.quantity`, as the API names
/// them) put on the cart page's fields: the quantity of the cart's line at that place.
fn on_cart_lines(e: AppError, cart: &super::cart::Cart) -> AppError {
    let AppError::Validation(fe) = e else {
        return e;
    };
    let mut out = FieldErrors::new();
    for (key, error) in fe.0 {
        let line = key
            .strip_prefix("lines.")
            .and_then(|rest| rest.split('.').next())
            .and_then(|i| i.parse::<usize>().ok())
            .and_then(|i| cart.lines.get(i));
        let key = line.map_or(key, |l| format!("qty_{}", l.line.id));
        out.0.entry(key).or_insert(error);
    }
    AppError::Validation(out)
}

/// The catalogue's form: every quantity typed beside a listing (`qty_<listing>`) goes into
/// the cart; back to the same search with the count, or the same search again with the
/// errors beside the rows and what was typed (nothing is added when any row is refused).
async fn add_from_catalogue(
    state: &AppState,
    ctx: PageCtx,
    user: &CurrentUser,
    f: Form,
) -> AppResult<HttpResponse> {
    let (typed, refused) = typed_quantities::<ListingId>(&f, "qty_");
    let lines: Vec<(ListingId, Decimal, String)> = typed
        .into_iter()
        .map(|(id, q)| (id, q, format!("qty_{id}")))
        .collect();
    let result = super::cart::put_typed_lines_now(state, user, lines, refused).await;
    let back = field(&f, "back");
    let back = if back.starts_with("/catalogue") && !back.contains('\\') {
        back
    } else {
        "/catalogue".to_string()
    };
    match result {
        Ok(()) => Ok(crate::web::page::redirect_with_flash(
            &back,
            "success",
            "req-flash-added",
        )),
        Err(e @ (AppError::Validation(_) | AppError::Rule(_))) => {
            let errors = FormErrors::from_error(&e, ctx.locale);
            // The search the form was posted from (its page, category, sort), so the rows
            // typed into are shown again.
            let q = back
                .split_once('?')
                .and_then(|(_, query)| {
                    crate::web::query::read::<crate::catalogue::api::CatalogueQuery>(query).ok()
                })
                .unwrap_or_else(|| crate::catalogue::api::CatalogueQuery {
                    q: Some(field(&f, "q")).filter(|s| !s.is_empty()),
                    ..Default::default()
                });
            crate::catalogue::pages::render_catalogue(state, ctx, q, errors, f, e.status()).await
        }
        Err(e) => Err(e),
    }
}

// ----- Printable documents -----

#[derive(Template)]
#[template(path = "requisitions/print.html")]
struct PrintView {
    ctx: PageCtx,
    doc: documents::RequisitionDoc,
    company: String,
}

impl PrintView {
    fn info(&self, id: &ListingId) -> ListingInfo {
        self.doc.info.get(id).cloned().unwrap_or_default()
    }
    fn name(&self, id: &ListingId) -> String {
        let i = self.info(id);
        self.ctx.pick(&i.name_zh, &i.name_en)
    }
    fn unit(&self, id: &ListingId) -> String {
        self.ctx.unit(&self.info(id).unit)
    }
    fn price(&self, d: &entity::Fixed<4>) -> String {
        crate::money::text::unit_price(self.ctx.locale, d.value())
    }
    fn when(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        instant(&self.ctx, at)
    }
    fn event(&self, action: &str) -> String {
        self.ctx.tp("req-event-", action)
    }
}

/// The company's name as printed documents head it.
pub(crate) async fn company_name(state: &AppState, ctx: &PageCtx) -> AppResult<String> {
    Ok(crate::settings::get(
        &state.db.read,
        ctx.locale.pick("company_name_zh", "company_name_en"),
    )
    .await?
    .unwrap_or_default())
}

/// The requisition (领料单) to print, with its signature lines and the total in capitals.
#[get("/requisitions/{id}/print")]
pub async fn requisition_print(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<RequisitionId>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadRequisitions)?;
    let doc = documents::requisition_doc(&state.db.read, &user, *id, state.now()).await?;
    let company = company_name(&state, &ctx).await?;
    Ok(crate::web::html(&PrintView { ctx, doc, company }))
}

#[derive(Template)]
#[template(path = "requisitions/issue_slip.html")]
struct IssueSlipView {
    ctx: PageCtx,
    doc: documents::IssueSlipDocument,
    company: String,
}

impl IssueSlipView {
    fn when(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        instant(&self.ctx, at)
    }
}

/// An issue slip (出库单) to print: the lots one issue drew, at the approved price.
#[get("/issue-slips/{id}")]
pub async fn issue_slip_print(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadRequisitions)?;
    let doc = documents::issue_slip_doc(&state.db.read, &user, *id, state.now()).await?;
    let company = company_name(&state, &ctx).await?;
    Ok(crate::web::html(&IssueSlipView { ctx, doc, company }))
}

/// The quantities a form holds in fields named `<prefix><id>` (a quantity typed beside each
/// listing or line), in id order; empty fields are skipped, and one that is not a number
/// refuses the form on its own field.
fn keyed_quantities<I: FromStr + Ord>(f: &Form, prefix: &str) -> AppResult<Vec<(I, Decimal)>> {
    let (out, errors) = typed_quantities(f, prefix);
    errors.into_result()?;
    Ok(out)
}

/// [`keyed_quantities`] with every field that is not a number refused in the errors returned,
/// so that a form's other fields are checked too and all its errors shown at once.
fn typed_quantities<I: FromStr + Ord>(f: &Form, prefix: &str) -> (Vec<(I, Decimal)>, FieldErrors) {
    let mut out = Vec::new();
    let mut errors = FieldErrors::new();
    for (k, v) in f {
        if let Some(id) = k.strip_prefix(prefix).and_then(|i| i.parse::<I>().ok())
            && !v.trim().is_empty()
        {
            match crate::money::parse_decimal(v) {
                Some(quantity) => out.push((id, quantity)),
                None => {
                    errors.add(k, RuleCode::NotANumber);
                }
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    (out, errors)
}
