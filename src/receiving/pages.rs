//! The warehouse's deliveries page (rule 8): inspection line by line, and a rejection turned
//! into the supplier's quality failure.

use super::store::{self, InspectionChecks, InspectionLine};
use crate::auth::{Capability, CurrentUser};
use crate::catalogue::pages::{ListingLabel, labels};
use crate::error::{AppError, AppResult, RuleCode};
use crate::state::AppState;
use crate::web::page::{CsrfForm, FormErrors, PageCtx, redirect_with_flash};
use crate::web::page::{Form, decimal_field as dec, field};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use entity::{ListingId, delivery, delivery_line};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;

// ----- Warehouse: deliveries and inspection -----

#[derive(Template)]
#[template(path = "stock/deliveries.html")]
struct DeliveriesView {
    ctx: PageCtx,
    rows: Vec<store::DeliveryRow>,
    labels: HashMap<ListingId, ListingLabel>,
    errors: FormErrors,
}

impl DeliveriesView {
    fn label(&self, id: &ListingId) -> String {
        self.labels
            .get(id)
            .map(|l| format!("{} {} ({})", l.name, l.spec, l.unit))
            .unwrap_or_default()
    }
    fn q(&self, d: &entity::Fixed<3>) -> String {
        d.value().normalize().to_string()
    }
    fn can_inspect(&self, d: &delivery::Model) -> bool {
        d.status == "pending" && self.ctx.can(Capability::InspectDeliveries)
    }
}

async fn render_deliveries(
    state: &AppState,
    ctx: PageCtx,
    user: &CurrentUser,
    errors: FormErrors,
    status: StatusCode,
    order: store::DeliveryOrder,
) -> AppResult<HttpResponse> {
    let db = &state.db.read;
    let rows = store::deliveries_for(db, user, state.today(), order).await?;
    let ids: Vec<ListingId> = rows
        .iter()
        .flat_map(|r| r.lines.iter().map(|l| l.listing_id))
        .collect();
    let labels = labels(db, &ctx, &ids).await?;
    Ok(crate::web::html_status(
        status,
        &DeliveriesView {
            ctx,
            rows,
            labels,
            errors,
        },
    ))
}

#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveriesQuery {
    /// `pending`: every delivery waiting for inspection; `overdue`: those past rule 8's
    /// deadline; `rejected`: inspected ones with a line rejected, fully or partly. Otherwise
    /// the newest 100, waiting ones first (the API: all, newest first).
    pub status: Option<String>,
    /// With `status=rejected`: only those delivered on or after this day.
    pub since: Option<chrono::NaiveDate>,
}

impl DeliveriesQuery {
    /// The list the query asks for, when it names one.
    pub fn order(&self) -> Option<store::DeliveryOrder> {
        match self.status.as_deref() {
            Some("pending") => Some(store::DeliveryOrder::Waiting),
            Some("overdue") => Some(store::DeliveryOrder::Overdue),
            Some("rejected") => Some(store::DeliveryOrder::Rejected { since: self.since }),
            _ => None,
        }
    }
}

/// The deliveries: the warehouse's inspection list, and a supplier's own (read-only).
#[get("/deliveries")]
pub async fn deliveries_page(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    q: crate::web::Query<DeliveriesQuery>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadDeliveries)?;
    let order = q.order().unwrap_or(store::DeliveryOrder::UrgentFirst(100));
    render_deliveries(
        &state,
        ctx,
        &user,
        FormErrors::default(),
        StatusCode::OK,
        order,
    )
    .await
}

#[post("/deliveries/{id}/inspect")]
pub async fn delivery_inspect(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<i64>,
    form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::InspectDeliveries)?;
    let f = form.0;
    let stored = delivery_line::Entity::find()
        .filter(delivery_line::Column::DeliveryId.eq(*id))
        .order_by_asc(delivery_line::Column::Id)
        .all(&state.db.read)
        .await?;
    let r = async {
        let mut lines = Vec::new();
        for l in &stored {
            let on = |k: &str| {
                f.get(&format!("{k}_{}", l.id))
                    .is_some_and(|v| !v.is_empty())
            };
            lines.push(InspectionLine {
                line_id: l.id,
                accepted: dec(&f, &format!("accepted_{}", l.id))?,
                rejected: dec(&f, &format!("rejected_{}", l.id))?,
                reason: field(&f, &format!("reason_{}", l.id)),
                checks: InspectionChecks {
                    name: on("name"),
                    specification: on("specification"),
                    model: on("model"),
                    quantity: on("quantity"),
                    certificate: on("certificate"),
                },
            });
        }
        store::inspect_now(&state, &user, *id, lines)
            .await
            .map(|_| ())
    }
    .await;
    match r {
        Ok(()) => Ok(redirect_with_flash(
            "/deliveries",
            "success",
            "flash-delivery-inspected",
        )),
        Err(e @ (AppError::Validation(_) | AppError::Rule(_))) => {
            // The store names a line by its place in the list; the form by the line's id.
            let ids: Vec<i64> = stored.iter().map(|l| l.id).collect();
            let e = e.rows_named(
                "lines",
                &ids,
                &[
                    ("accepted", "accepted"),
                    ("rejected", "rejected"),
                    ("reason", "reason"),
                    ("checks", "checks"),
                ],
            );
            let errors = FormErrors::from_error(&e, ctx.locale);
            render_deliveries(
                &state,
                ctx,
                &user,
                errors,
                e.status(),
                store::DeliveryOrder::UrgentFirst(100),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

/// One click from a rejected inspection line to a quality failure of its supplier.
#[post("/deliveries/lines/{id}/failure")]
pub async fn rejection_to_failure(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    _f: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::RecordFailures)?;
    let f = super::store::rejection_to_failure_now(&state, &user, *id).await?;
    Ok(redirect_with_flash(
        &format!("/suppliers/{}", f.supplier_id),
        "success",
        "flash-failure-recorded",
    ))
}

// ----- A supplier's delivery note (its form is on the supplier's listings page) -----

/// The delivery note form: up to three lines, each with its product certificate (a PDF or
/// image, checked like every upload).
#[post("/my/deliveries")]
pub async fn my_delivery_create(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    ctx: PageCtx,
    user: CurrentUser,
    payload: actix_multipart::Multipart,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageOwnSupplier)?;
    let (f, mut certificates) = crate::files::read_multipart_files(payload).await?;
    crate::web::page::check_csrf(&req, &field(&f, "csrf_token"))?;
    crate::web::page::keep_posted(&req, &f);
    // The form's row of each line sent (rows left empty are skipped).
    let mut rows = Vec::new();
    let r = async {
        let mut lines = Vec::new();
        for i in 0..3 {
            let listing = field(&f, &format!("listing_{i}"));
            if listing.is_empty() {
                continue;
            }
            rows.push(i);
            let certificate_file_id = match certificates.remove(&format!("cert_{i}")) {
                Some(upload) => {
                    let (owner, purpose) = crate::files::upload_owner(&state, &user, None).await?;
                    let field_name = format!("cert_{i}");
                    Some(
                        crate::files::store(
                            &state.db.write,
                            &state,
                            &field_name,
                            &upload,
                            Some(owner),
                            purpose,
                            Some(user.id),
                        )
                        .await?
                        .id,
                    )
                }
                None => None,
            };
            lines.push(store::DeliveryLineInput {
                listing_id: listing
                    .parse()
                    .map_err(|_| AppError::field("lines", RuleCode::Required))?,
                quantity: dec(&f, &format!("qty_{i}"))?,
                batch_no: field(&f, &format!("batch_{i}")),
                certificate_file_id,
            });
        }
        let arrival = super::rules::Arrival::parse(&field(&f, "arrival"))
            .ok_or_else(|| AppError::field("arrival", RuleCode::Required))?;
        let input = store::DeliveryInput {
            warehouse_id: field(&f, "warehouse_id")
                .parse()
                .map_err(|_| AppError::field("warehouse_id", RuleCode::Required))?,
            note_number: field(&f, "note_number"),
            arrival,
            delivered_on: crate::web::page::date_field(&f, "delivered_on")?,
            lines,
        };
        store::create_delivery_now(&state, &user, input)
            .await
            .map(|_| ())
    }
    .await;
    // The store names a line by its place among those sent; the form by its row.
    let r = r.map_err(|e| {
        e.rows_named(
            "lines",
            &rows,
            &[
                ("quantity", "qty"),
                ("listing_id", "listing"),
                ("certificate_file_id", "cert"),
            ],
        )
    });
    crate::catalogue::pages::mine_or_error(&state, ctx, &user, r, "delivery", "flash-delivery-sent")
        .await
}
