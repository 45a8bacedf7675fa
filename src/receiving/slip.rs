//! The receiving slip (验收单, rule 8) of an inspected delivery: each line delivered,
//! accepted and rejected (with the keeper's reason), the accepted goods at the listing's
//! approved price, the total in capitals and the signature lines. Numbered `YS-yyyymm-nnnn`
//! at inspection ([`record_slip`], in the inspection's transaction). The warehouse and the
//! office read every slip, a supplier its own deliveries' (another's is not found).

use crate::auth::{Capability, CurrentUser, Role};
use crate::error::{AppError, AppResult, ErrorBody};
use crate::requisitions::documents::{ListingInfo, listing_info};
use crate::requisitions::rules::DocKind;
use crate::state::AppState;
use crate::web::page::PageCtx;
use actix_web::{HttpResponse, get, web};
use askama::Template;
use entity::{
    ListingId, delivery, delivery_line, listing, receiving_slip, supplier, user, warehouse,
};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder,
};
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

/// Gives inspected delivery `delivery_id` its receiving slip number, in the inspection's
/// transaction (after its listings and lots, before its audit record: the order every writer
/// takes its locks in).
pub async fn record_slip(
    txn: &DatabaseTransaction,
    delivery_id: i64,
    today: chrono::NaiveDate,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<String> {
    let number = crate::requisitions::numbers::allocate(txn, DocKind::ReceivingSlip, today).await?;
    receiving_slip::ActiveModel {
        number: Set(number.clone()),
        delivery_id: Set(delivery_id),
        at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(number)
}

/// One line of a receiving slip.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReceivingSlipLine {
    pub line_id: i64,
    pub listing_id: ListingId,
    pub material: ListingInfo,
    pub batch_no: String,
    #[schema(value_type = String)]
    pub delivered: Decimal,
    #[schema(value_type = String)]
    pub accepted: Decimal,
    #[schema(value_type = String)]
    pub rejected: Decimal,
    /// Why the rejected part was rejected (empty when nothing was).
    pub reject_reason: String,
    /// The listing's approved price.
    #[schema(value_type = String)]
    pub unit_price: Decimal,
    /// Accepted × unit price, to the cent.
    #[schema(value_type = String)]
    pub accepted_amount: Decimal,
}

/// A receiving slip (验收单).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReceivingSlipDocument {
    pub delivery_id: i64,
    /// `YS-<yyyymm>-<nnnn>`; `None` for a delivery inspected before slips were numbered.
    pub number: Option<String>,
    pub note_number: String,
    pub supplier: String,
    pub warehouse_zh: String,
    pub warehouse_en: String,
    pub delivered_on: chrono::NaiveDate,
    pub inspected_by: String,
    pub inspected_at: Option<chrono::DateTime<chrono::Utc>>,
    pub lines: Vec<ReceivingSlipLine>,
    /// The accepted goods' total.
    #[schema(value_type = String)]
    pub total: Decimal,
    pub total_in_capitals: String,
}

/// The receiving slip of delivery `id` for `user`: inspected deliveries only; a supplier
/// only its own.
pub async fn receiving_slip_doc(
    conn: &impl ConnectionTrait,
    user: &CurrentUser,
    id: i64,
) -> AppResult<ReceivingSlipDocument> {
    let d = delivery::Entity::find_by_id(id)
        .one(conn)
        .await?
        .filter(|d| d.status == "inspected")
        .ok_or(AppError::NotFound)?;
    if user.role == Role::Supplier && user.supplier_id != Some(d.supplier_id) {
        return Err(AppError::NotFound);
    }
    let lines = delivery_line::Entity::find()
        .filter(delivery_line::Column::DeliveryId.eq(d.id))
        .order_by_asc(delivery_line::Column::Id)
        .all(conn)
        .await?;
    let ids: Vec<ListingId> = lines.iter().map(|l| l.listing_id).collect();
    let info = listing_info(conn, &ids).await?;
    let prices: HashMap<ListingId, Decimal> = listing::Entity::find()
        .filter(listing::Column::Id.is_in(ids.clone()))
        .all(conn)
        .await?
        .into_iter()
        .map(|l| (l.id, l.price.value()))
        .collect();
    let mut out = Vec::new();
    for l in lines {
        let price = prices.get(&l.listing_id).copied().unwrap_or_default();
        let accepted_amount =
            crate::money::line_amount(l.accepted.value(), price).map_err(|e| e.on("lines"))?;
        out.push(ReceivingSlipLine {
            line_id: l.id,
            listing_id: l.listing_id,
            material: info.get(&l.listing_id).cloned().unwrap_or_default(),
            batch_no: l.batch_no,
            delivered: l.quantity.value(),
            accepted: l.accepted.value(),
            rejected: l.rejected.value(),
            reject_reason: l.reject_reason,
            unit_price: price,
            accepted_amount,
        });
    }
    let total = crate::money::sum_cents(out.iter().map(|l| l.accepted_amount))
        .map_err(|e| e.on("lines"))?;
    let number = receiving_slip::Entity::find()
        .filter(receiving_slip::Column::DeliveryId.eq(d.id))
        .one(conn)
        .await?
        .map(|s| s.number);
    let supplier = supplier::Entity::find_by_id(d.supplier_id)
        .one(conn)
        .await?
        .map(|s| s.legal_name)
        .unwrap_or_default();
    let wh = warehouse::Entity::find_by_id(d.warehouse_id)
        .one(conn)
        .await?;
    let inspected_by = match d.inspected_by {
        Some(u) => user::Entity::find_by_id(u)
            .one(conn)
            .await?
            .map(|u| u.display_name)
            .unwrap_or_default(),
        None => String::new(),
    };
    Ok(ReceivingSlipDocument {
        delivery_id: d.id,
        number,
        note_number: d.note_number,
        supplier,
        warehouse_zh: wh.as_ref().map(|w| w.name_zh.clone()).unwrap_or_default(),
        warehouse_en: wh.map(|w| w.name_en).unwrap_or_default(),
        delivered_on: d.delivered_on,
        inspected_by,
        inspected_at: d.inspected_at,
        total_in_capitals: crate::money::in_capitals(total),
        total,
        lines: out,
    })
}

/// The receiving slip (验收单) of an inspected delivery, as JSON.
#[utoipa::path(get, path = "/api/deliveries/{id}/receiving-slip", tag = "stock", security(("bearer" = ["read_deliveries"])), params(("id" = i64, Path)),
    responses((status = 200, body = ReceivingSlipDocument), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/api/deliveries/{id}/receiving-slip")]
pub async fn api_receiving_slip(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<web::Json<ReceivingSlipDocument>> {
    user.require(Capability::ReadDeliveries)?;
    Ok(web::Json(
        receiving_slip_doc(&state.db.read, &user, *id).await?,
    ))
}

#[derive(Template)]
#[template(path = "receiving/receiving_slip.html")]
struct SlipView {
    ctx: PageCtx,
    doc: ReceivingSlipDocument,
    company: String,
}

impl SlipView {
    fn q(&self, d: &Decimal) -> String {
        d.normalize().to_string()
    }
    fn when(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        at.with_timezone(&self.ctx.tz)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }
}

/// The receiving slip to print.
#[get("/deliveries/{id}/receiving-slip")]
pub async fn page_receiving_slip(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadDeliveries)?;
    let doc = receiving_slip_doc(&state.db.read, &user, *id).await?;
    let company = crate::requisitions::pages::company_name(&state, &ctx).await?;
    Ok(crate::web::html(&SlipView { ctx, doc, company }))
}
