//! The receiving JSON API (rule 8): a supplier's delivery notes, the keeper's inspection,
//! a rejected line turned into a quality failure.

use super::store::{self, DeliveryInput, InspectionLine};
use crate::auth::{Capability, CurrentUser};
use crate::error::{AppResult, ErrorBody};
use crate::state::AppState;
use actix_web::{HttpResponse, get, post, web};
use entity::{ListingId, SupplierId};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    pub id: i64,
    pub supplier_id: SupplierId,
    pub warehouse_id: i64,
    pub note_number: String,
    pub arrival: String,
    pub delivered_on: chrono::NaiveDate,
    /// The last day for inspection (same day, 3 or 7 days by arrival).
    pub inspection_due: chrono::NaiveDate,
    pub overdue: bool,
    pub status: String,
    pub lines: Vec<DeliveryLineView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryLineView {
    pub id: i64,
    pub listing_id: ListingId,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    pub batch_no: String,
    #[schema(value_type = String)]
    pub accepted: Decimal,
    #[schema(value_type = String)]
    pub rejected: Decimal,
    pub reject_reason: String,
}

impl From<store::DeliveryRow> for DeliveryView {
    fn from(r: store::DeliveryRow) -> Self {
        let d = r.delivery;
        Self {
            overdue: r.deadline.overdue,
            inspection_due: r.deadline.due,
            id: d.id,
            supplier_id: d.supplier_id,
            warehouse_id: d.warehouse_id,
            note_number: d.note_number,
            arrival: d.arrival,
            delivered_on: d.delivered_on,
            status: d.status,
            lines: r
                .lines
                .into_iter()
                .map(|l| DeliveryLineView {
                    id: l.id,
                    listing_id: l.listing_id,
                    quantity: l.quantity.value(),
                    batch_no: l.batch_no,
                    accepted: l.accepted.value(),
                    rejected: l.rejected.value(),
                    reject_reason: l.reject_reason,
                })
                .collect(),
        }
    }
}

/// A supplier sends a delivery note.
#[utoipa::path(post, path = "/api/deliveries", tag = "stock", security(("bearer" = ["manage_own_supplier"])), request_body = DeliveryInput,
    responses((status = 201, body = DeliveryView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/deliveries")]
pub async fn create_delivery(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<DeliveryInput>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageOwnSupplier)?;
    let d = store::create_delivery_now(&state, &user, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(DeliveryView::from(
        store::delivery_row(&state.db.read, d, state.today()).await?,
    )))
}

/// Deliveries: a supplier sees its own; the warehouse and the office see all. `status` and
/// `since` filter them as on the deliveries page.
#[utoipa::path(get, path = "/api/deliveries", tag = "stock", security(("bearer" = ["read_deliveries"])), params(super::pages::DeliveriesQuery),
    responses((status = 200, body = Vec<DeliveryView>), (status = 403, body = ErrorBody)))]
#[get("/api/deliveries")]
pub async fn deliveries(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: crate::web::Query<super::pages::DeliveriesQuery>,
) -> AppResult<web::Json<Vec<DeliveryView>>> {
    user.require(Capability::ReadDeliveries)?;
    let rows = store::deliveries_for(
        &state.db.read,
        &user,
        state.today(),
        q.order().unwrap_or(store::DeliveryOrder::Newest),
    )
    .await?;
    Ok(web::Json(rows.into_iter().map(Into::into).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct InspectionInput {
    pub lines: Vec<InspectionLine>,
}

/// The keeper's receiving inspection: accepted quantities enter stock as consigned lots.
#[utoipa::path(post, path = "/api/deliveries/{id}/inspection", tag = "stock", security(("bearer" = ["inspect_deliveries"])), request_body = InspectionInput,
    responses((status = 200, body = DeliveryView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/deliveries/{id}/inspection")]
pub async fn inspect(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: web::Json<InspectionInput>,
) -> AppResult<web::Json<DeliveryView>> {
    user.require(Capability::InspectDeliveries)?;
    let d = store::inspect_now(&state, &user, *id, body.into_inner().lines).await?;
    Ok(web::Json(
        store::delivery_row(&state.db.read, d, state.today())
            .await?
            .into(),
    ))
}

/// The rejected part of an inspected delivery line becomes a quality failure of its supplier
/// (rule 8 feeding rule 2), with the line's certificate as evidence; the supplier is told and
/// may answer, and another person confirms or dismisses it.
#[utoipa::path(post, path = "/api/deliveries/lines/{id}/failure", tag = "stock", security(("bearer" = ["record_failures"])),
    responses((status = 201, body = crate::suppliers::store::FailureView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/deliveries/lines/{id}/failure")]
pub async fn rejection_to_failure(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    user.require(Capability::RecordFailures)?;
    let f = store::rejection_to_failure_now(&state, &user, *id).await?;
    Ok(HttpResponse::Created().json(crate::suppliers::store::FailureView::from(f)))
}
