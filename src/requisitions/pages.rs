//! The requisitions page (rule 9): a site's own list with cancellation, approval for its
//! manager, issue for the warehouse, each with the 24-hour flag.

use super::rules::RequisitionStatus;
use super::store::{self, IssueLine, RequisitionRow};
use crate::auth::{Capability, CurrentUser};
use crate::catalogue::pages::{ListingLabel, labels};
use crate::error::RuleCode;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::page::{CsrfForm, Form, FormErrors, PageCtx, form_outcome};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use entity::{ListingId, RequisitionId, requisition, requisition_line};
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::str::FromStr;

#[derive(Template)]
#[template(path = "stock/requisitions.html")]
struct RequisitionsView {
    ctx: PageCtx,
    rows: Vec<RequisitionRow>,
    labels: HashMap<ListingId, ListingLabel>,
    errors: FormErrors,
}

impl RequisitionsView {
    fn label(&self, listing_id: &ListingId) -> String {
        self.labels
            .get(listing_id)
            .map(|l| format!("{} {} · {}", l.name, l.spec, l.supplier))
            .unwrap_or_default()
    }
    fn unit(&self, listing_id: &ListingId) -> String {
        self.labels
            .get(listing_id)
            .map(|l| l.unit.clone())
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
    fn can_approve(&self, r: &requisition::Model) -> bool {
        RequisitionStatus::parse(&r.status) == Some(RequisitionStatus::Submitted)
            && self.ctx.can(Capability::ApproveRequisitions)
    }
    fn can_issue(&self, r: &requisition::Model) -> bool {
        RequisitionStatus::parse(&r.status).is_some_and(RequisitionStatus::awaits_issue)
            && self.ctx.can(Capability::IssueStock)
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
}

async fn render_requisitions(
    state: &AppState,
    ctx: PageCtx,
    user: &CurrentUser,
    errors: FormErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let rows = store::requisitions_for(&state.db.read, user, state.now(), Some(100)).await?;
    let ids: Vec<ListingId> = rows
        .iter()
        .flat_map(|row| row.lines.iter().map(|l| l.listing_id))
        .collect();
    let labels = labels(&state.db.read, &ctx, &ids).await?;
    Ok(crate::web::html_status(
        status,
        &RequisitionsView {
            ctx,
            rows,
            labels,
            errors,
        },
    ))
}

#[get("/requisitions")]
pub async fn requisitions_page(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadRequisitions)?;
    render_requisitions(&state, ctx, &user, FormErrors::default(), StatusCode::OK).await
}

async fn requisitions_or_error(
    state: &AppState,
    ctx: PageCtx,
    user: &CurrentUser,
    r: AppResult<()>,
    flash: &str,
) -> AppResult<HttpResponse> {
    let locale = ctx.locale;
    form_outcome(r, locale, "/requisitions", flash, |errors, status| {
        render_requisitions(state, ctx, user, errors, status)
    })
    .await
}

#[post("/requisitions/{id}/approve")]
pub async fn requisition_approve(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<RequisitionId>,
    _f: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ApproveRequisitions)?;
    let r = store::approve_requisition_now(&state, &user, *id)
        .await
        .map(|_| ());
    requisitions_or_error(&state, ctx, &user, r, "flash-requisition-approved").await
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
    let r = async {
        let lines = keyed_quantities::<i64>(&f, "issue_")?
            .into_iter()
            .filter(|(_, quantity)| !quantity.is_zero())
            .map(|(line_id, quantity)| IssueLine { line_id, quantity })
            .collect();
        store::issue_now(&state, &user, *id, lines)
            .await
            .map(|_| ())
    }
    .await;
    requisitions_or_error(&state, ctx, &user, r, "flash-requisition-issued").await
}

#[post("/requisitions/{id}/cancel")]
pub async fn requisition_cancel(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<RequisitionId>,
    _f: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::CancelRequisitions)?;
    let r = store::cancel_requisition_now(&state, &user, *id)
        .await
        .map(|_| ());
    requisitions_or_error(&state, ctx, &user, r, "flash-requisition-cancelled").await
}

// ----- A site's order from the catalogue page -----

/// The catalogue page's order form: the quantities typed beside the listings become one
/// requisition; a refused order shows the catalogue again with what was typed.
#[post("/requisitions/new")]
pub async fn requisition_create(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::Requisition)?;
    let f = form.0;
    let result = async {
        let lines = keyed_quantities::<ListingId>(&f, "qty_")?
            .into_iter()
            .map(|(listing_id, quantity)| store::RequisitionLineInput {
                listing_id,
                quantity,
            })
            .collect();
        store::submit_requisition_now(
            &state,
            &user,
            store::RequisitionInput {
                purpose: crate::web::page::field(&f, "purpose"),
                need_by: crate::web::page::date_field(&f, "need_by")?,
                lines,
            },
        )
        .await
    }
    .await;
    match result {
        Ok(_) => Ok(crate::web::page::redirect_with_flash(
            "/requisitions",
            "success",
            "flash-requisition-submitted",
        )),
        Err(e @ (AppError::Validation(_) | AppError::Rule(_))) => {
            let errors = FormErrors::from_error(&e, ctx.locale);
            let q = crate::catalogue::api::CatalogueQuery {
                q: Some(crate::web::page::field(&f, "q")).filter(|s| !s.is_empty()),
                ..Default::default()
            };
            crate::catalogue::pages::render_catalogue(&state, ctx, q, errors, f, e.status()).await
        }
        Err(e) => Err(e),
    }
}

/// The quantities a form holds in fields named `<prefix><id>` (a quantity typed beside each
/// listing or line), in id order; empty fields are skipped, and one that is not a number
/// refuses the form on its `lines`.
fn keyed_quantities<I: FromStr + Ord>(f: &Form, prefix: &str) -> AppResult<Vec<(I, Decimal)>> {
    let mut out = Vec::new();
    for (k, v) in f {
        if let Some(id) = k.strip_prefix(prefix).and_then(|i| i.parse::<I>().ok())
            && !v.trim().is_empty()
        {
            let quantity = Decimal::from_str(v.trim())
                .map_err(|_| AppError::field("lines", RuleCode::NotANumber))?;
            out.push((id, quantity));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}
