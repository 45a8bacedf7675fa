//! The requisitions JSON API (rule 9): submit, list, approve, issue, cancel.

use super::store::{self, IssueLine, RequisitionInput};
use crate::auth::{Capability, CurrentUser};
use crate::error::{AppResult, ErrorBody};
use crate::state::AppState;
use actix_web::{HttpResponse, get, post, web};
use entity::{ListingId, RequisitionId, requisition, requisition_line};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct RequisitionView {
    pub id: RequisitionId,
    pub site_id: i64,
    pub purpose: String,
    pub need_by: chrono::NaiveDate,
    pub status: String,
    pub approved_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Approved more than 24 hours ago and not fully issued.
    pub issue_overdue: bool,
    pub lines: Vec<RequisitionLineView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RequisitionLineView {
    pub id: i64,
    pub listing_id: ListingId,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    #[schema(value_type = String)]
    pub unit_price: Decimal,
    #[schema(value_type = String)]
    pub reserved: Decimal,
    #[schema(value_type = String)]
    pub issued: Decimal,
}

async fn requisition_view(state: &AppState, r: requisition::Model) -> AppResult<RequisitionView> {
    let lines = requisition_line::Entity::find()
        .filter(requisition_line::Column::RequisitionId.eq(r.id))
        .order_by_asc(requisition_line::Column::Id)
        .all(&state.db.read)
        .await?;
    Ok(row_view(store::RequisitionRow::new(r, lines, state.now())))
}

fn row_view(row: store::RequisitionRow) -> RequisitionView {
    let r = row.r;
    RequisitionView {
        issue_overdue: row.overdue,
        id: r.id,
        site_id: r.site_id,
        purpose: r.purpose,
        need_by: r.need_by,
        status: r.status,
        approved_at: r.approved_at,
        lines: row
            .lines
            .into_iter()
            .map(|l| RequisitionLineView {
                id: l.id,
                listing_id: l.listing_id,
                quantity: l.quantity.value(),
                unit_price: l.unit_price.value(),
                reserved: l.reserved.value(),
                issued: l.issued.value(),
            })
            .collect(),
    }
}

/// A site user raises a requisition for their site.
#[utoipa::path(post, path = "/api/requisitions", tag = "stock", security(("bearer" = ["requisition"])), request_body = RequisitionInput,
    responses((status = 201, body = RequisitionView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/requisitions")]
pub async fn submit(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<RequisitionInput>,
) -> AppResult<HttpResponse> {
    user.require(Capability::Requisition)?;
    let r = store::submit_requisition_now(&state, &user, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(requisition_view(&state, r).await?))
}

/// Requisitions: a site sees its own; the warehouse and the office see all.
#[utoipa::path(get, path = "/api/requisitions", tag = "stock", security(("bearer" = ["read_requisitions"])),
    responses((status = 200, body = Vec<RequisitionView>), (status = 403, body = ErrorBody)))]
#[get("/api/requisitions")]
pub async fn requisitions(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> AppResult<web::Json<Vec<RequisitionView>>> {
    user.require(Capability::ReadRequisitions)?;
    let rows = store::requisitions_for(&state.db.read, &user, state.now(), None).await?;
    Ok(web::Json(rows.into_iter().map(row_view).collect()))
}

/// The site manager approves: the stock is reserved, or the approval is refused.
#[utoipa::path(post, path = "/api/requisitions/{id}/approval", tag = "stock", security(("bearer" = ["approve_requisitions"])), params(("id" = i64, Path)),
    responses((status = 200, body = RequisitionView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/requisitions/{id}/approval")]
pub async fn approve(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<RequisitionId>,
) -> AppResult<web::Json<RequisitionView>> {
    user.require(Capability::ApproveRequisitions)?;
    let r = store::approve_requisition_now(&state, &user, *id).await?;
    Ok(web::Json(requisition_view(&state, r).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct IssueInput {
    pub lines: Vec<IssueLine>,
}

/// The keeper issues goods against an approved requisition (oldest lots first).
#[utoipa::path(post, path = "/api/requisitions/{id}/issue", tag = "stock", security(("bearer" = ["issue_stock"])), params(("id" = i64, Path)), request_body = IssueInput,
    responses((status = 200, body = RequisitionView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/requisitions/{id}/issue")]
pub async fn issue(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<RequisitionId>,
    body: web::Json<IssueInput>,
) -> AppResult<web::Json<RequisitionView>> {
    user.require(Capability::IssueStock)?;
    let r = store::issue_now(&state, &user, *id, body.into_inner().lines).await?;
    Ok(web::Json(requisition_view(&state, r).await?))
}

/// Cancels a requisition and releases what it reserved.
#[utoipa::path(post, path = "/api/requisitions/{id}/cancellation", tag = "stock", security(("bearer" = ["cancel_requisitions"])), params(("id" = i64, Path)),
    responses((status = 200, body = RequisitionView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/requisitions/{id}/cancellation")]
pub async fn cancel(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<RequisitionId>,
) -> AppResult<web::Json<RequisitionView>> {
    user.require(Capability::CancelRequisitions)?;
    let r = store::cancel_requisition_now(&state, &user, *id).await?;
    Ok(web::Json(requisition_view(&state, r).await?))
}
