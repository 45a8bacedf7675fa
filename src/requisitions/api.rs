//! The requisitions JSON API (rule 9): the cart (the user's draft), submit, list, read as a
//! document, approve, return, reject, resubmit, issue (and its issue slip), cancel.

use super::store::{self, IssueLine, RequisitionInput};
pub use super::views::{RequisitionLineView, RequisitionView, row_view};
use crate::auth::{Capability, CurrentUser};
use crate::error::{AppResult, ErrorBody};
use crate::state::AppState;
use actix_web::{HttpResponse, delete, get, post, put, web};
use entity::{ListingId, RequisitionId, requisition, requisition_line};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

async fn requisition_view(state: &AppState, r: requisition::Model) -> AppResult<RequisitionView> {
    let lines = requisition_line::Entity::find()
        .filter(requisition_line::Column::RequisitionId.eq(r.id))
        .order_by_asc(requisition_line::Column::Id)
        .all(&state.db.read)
        .await?;
    let rows = store::with_names(
        &state.db.read,
        vec![store::RequisitionRow::new(r, lines, state.now())],
    )
    .await?;
    rows.into_iter()
        .next()
        .map(row_view)
        .ok_or(crate::error::AppError::NotFound)
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
    params(store::RequisitionFilter),
    responses((status = 200, body = Vec<RequisitionView>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[get("/api/requisitions")]
pub async fn requisitions(
    state: web::Data<AppState>,
    user: CurrentUser,
    filter: crate::web::Query<store::RequisitionFilter>,
) -> AppResult<web::Json<Vec<RequisitionView>>> {
    user.require(Capability::ReadRequisitions)?;
    let rows = store::requisitions_for(&state.db.read, &user, state.now(), &filter, None).await?;
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
    responses((status = 200, body = RequisitionView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
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

/// One requisition as a document: its lines with their materials and amounts, the total in
/// capitals, its history (returns and rejections with their reasons) and its issue slips. A
/// site's people read only their site's.
#[utoipa::path(get, path = "/api/requisitions/{id}", tag = "stock", security(("bearer" = ["read_requisitions"])), params(("id" = i64, Path)),
    responses((status = 200, body = super::documents::RequisitionDocument), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/api/requisitions/{id}")]
pub async fn requisition_document(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<RequisitionId>,
) -> AppResult<web::Json<super::documents::RequisitionDocument>> {
    user.require(Capability::ReadRequisitions)?;
    let doc = super::documents::requisition_doc(&state.db.read, &user, *id, state.now()).await?;
    Ok(web::Json(doc.json()))
}

/// An issue slip (出库单): the lots one issue drew, at the approved price, with the total in
/// capitals. Whoever may read its requisition may read it.
#[utoipa::path(get, path = "/api/issue-slips/{id}", tag = "stock", security(("bearer" = ["read_requisitions"])), params(("id" = i64, Path)),
    responses((status = 200, body = super::documents::IssueSlipDocument), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/api/issue-slips/{id}")]
pub async fn issue_slip_document(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<web::Json<super::documents::IssueSlipDocument>> {
    user.require(Capability::ReadRequisitions)?;
    let doc = super::documents::issue_slip_doc(&state.db.read, &user, *id, state.now()).await?;
    Ok(web::Json(doc))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RequisitionReasonInput {
    /// Required: why it goes back, or why it is refused.
    pub reason: String,
}

/// The site manager returns a submitted requisition to its requester with a reason: they
/// edit it and submit it again under the same number.
#[utoipa::path(post, path = "/api/requisitions/{id}/return", tag = "stock", security(("bearer" = ["approve_requisitions"])), params(("id" = i64, Path)), request_body = RequisitionReasonInput,
    responses((status = 200, body = RequisitionView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/requisitions/{id}/return")]
pub async fn return_requisition(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<RequisitionId>,
    body: web::Json<RequisitionReasonInput>,
) -> AppResult<web::Json<RequisitionView>> {
    user.require(Capability::ApproveRequisitions)?;
    let r =
        store::decide_requisition_now(&state, &user, *id, store::Decision::Return, &body.reason)
            .await?;
    Ok(web::Json(requisition_view(&state, r).await?))
}

/// The site manager rejects a submitted requisition with a reason: final.
#[utoipa::path(post, path = "/api/requisitions/{id}/rejection", tag = "stock", security(("bearer" = ["approve_requisitions"])), params(("id" = i64, Path)), request_body = RequisitionReasonInput,
    responses((status = 200, body = RequisitionView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/requisitions/{id}/rejection")]
pub async fn reject_requisition(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<RequisitionId>,
    body: web::Json<RequisitionReasonInput>,
) -> AppResult<web::Json<RequisitionView>> {
    user.require(Capability::ApproveRequisitions)?;
    let r =
        store::decide_requisition_now(&state, &user, *id, store::Decision::Reject, &body.reason)
            .await?;
    Ok(web::Json(requisition_view(&state, r).await?))
}

/// Its requester submits a returned requisition again, edited (purpose, date and lines as
/// when it was first submitted); it keeps its number.
#[utoipa::path(post, path = "/api/requisitions/{id}/resubmission", tag = "stock", security(("bearer" = ["requisition"])), params(("id" = i64, Path)), request_body = RequisitionInput,
    responses((status = 200, body = RequisitionView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/requisitions/{id}/resubmission")]
pub async fn resubmit_requisition(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<RequisitionId>,
    body: web::Json<RequisitionInput>,
) -> AppResult<web::Json<RequisitionView>> {
    user.require(Capability::Requisition)?;
    let r = store::resubmit_requisition_now(&state, &user, *id, body.into_inner()).await?;
    Ok(web::Json(requisition_view(&state, r).await?))
}

// ----- The cart: the user's draft requisition -----

#[derive(Debug, Serialize, ToSchema)]
pub struct CartLineView {
    pub id: i64,
    pub listing_id: ListingId,
    pub material: super::documents::ListingInfo,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    /// The listing's approved price of now.
    #[schema(value_type = String)]
    pub unit_price: Decimal,
    #[schema(value_type = String)]
    pub amount: Decimal,
    /// On hand and not reserved, now.
    #[schema(value_type = String)]
    pub available: Decimal,
}

/// The signed-in user's cart: the lines of their draft requisition, priced now. A draft
/// reserves nothing; nobody else sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CartView {
    pub lines: Vec<CartLineView>,
    #[schema(value_type = String)]
    pub total: Decimal,
}

async fn cart_view(state: &AppState, user: &CurrentUser) -> AppResult<CartView> {
    let cart = super::cart::cart_of(&state.db.read, user.id).await?;
    let ids: Vec<ListingId> = cart.lines.iter().map(|l| l.line.listing_id).collect();
    let info = super::documents::listing_info(&state.db.read, &ids).await?;
    Ok(CartView {
        total: cart.total,
        lines: cart
            .lines
            .into_iter()
            .map(|l| CartLineView {
                id: l.line.id,
                listing_id: l.line.listing_id,
                material: info.get(&l.line.listing_id).cloned().unwrap_or_default(),
                quantity: l.line.quantity.value(),
                unit_price: l.price,
                amount: l.amount,
                available: l.available,
            })
            .collect(),
    })
}

/// The signed-in site user's cart (their draft requisition).
#[utoipa::path(get, path = "/api/requisition-cart", tag = "stock", security(("bearer" = ["requisition"])),
    responses((status = 200, body = CartView), (status = 403, body = ErrorBody)))]
#[get("/api/requisition-cart")]
pub async fn requisition_cart(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> AppResult<web::Json<CartView>> {
    user.require(Capability::Requisition)?;
    Ok(web::Json(cart_view(&state, &user).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CartLineInput {
    pub listing_id: ListingId,
    #[schema(value_type = String)]
    pub quantity: Decimal,
}

/// Puts a listing into the cart: added, or its quantity replaced when it is there already.
#[utoipa::path(post, path = "/api/requisition-cart/lines", tag = "stock", security(("bearer" = ["requisition"])), request_body = CartLineInput,
    responses((status = 200, body = CartView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/requisition-cart/lines")]
pub async fn cart_add_line(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<CartLineInput>,
) -> AppResult<web::Json<CartView>> {
    user.require(Capability::Requisition)?;
    super::cart::put_lines_now(
        &state,
        &user,
        vec![(body.listing_id, body.quantity, "quantity".into())],
    )
    .await?;
    Ok(web::Json(cart_view(&state, &user).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CartQuantityInput {
    #[schema(value_type = String)]
    pub quantity: Decimal,
}

/// Sets the quantity of a line of the cart.
#[utoipa::path(put, path = "/api/requisition-cart/lines/{id}", tag = "stock", security(("bearer" = ["requisition"])), params(("id" = i64, Path)), request_body = CartQuantityInput,
    responses((status = 200, body = CartView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[put("/api/requisition-cart/lines/{id}")]
pub async fn cart_update_line(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: web::Json<CartQuantityInput>,
) -> AppResult<web::Json<CartView>> {
    user.require(Capability::Requisition)?;
    super::cart::update_line_now(&state, &user, *id, body.quantity).await?;
    Ok(web::Json(cart_view(&state, &user).await?))
}

/// Removes a line from the cart.
#[utoipa::path(delete, path = "/api/requisition-cart/lines/{id}", tag = "stock", security(("bearer" = ["requisition"])), params(("id" = i64, Path)),
    responses((status = 200, body = CartView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[delete("/api/requisition-cart/lines/{id}")]
pub async fn cart_remove_line(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<web::Json<CartView>> {
    user.require(Capability::Requisition)?;
    super::cart::remove_line_now(&state, &user, *id).await?;
    Ok(web::Json(cart_view(&state, &user).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CartSubmissionInput {
    pub purpose: String,
    pub need_by: chrono::NaiveDate,
}

/// Submits the cart: it becomes a requisition with its number, checked as a requisition
/// submitted whole (an empty cart is refused on `lines`).
#[utoipa::path(post, path = "/api/requisition-cart/submission", tag = "stock", security(("bearer" = ["requisition"])), request_body = CartSubmissionInput,
    responses((status = 201, body = RequisitionView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/requisition-cart/submission")]
pub async fn cart_submit(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<CartSubmissionInput>,
) -> AppResult<HttpResponse> {
    user.require(Capability::Requisition)?;
    let body = body.into_inner();
    let r = super::cart::submit_cart_now(&state, &user, body.purpose, body.need_by).await?;
    Ok(HttpResponse::Created().json(requisition_view(&state, r).await?))
}
