//! The route table: every capability's routes, the health checks, the static assets, the
//! OpenAPI document (`/api/openapi.json`) and its docs page (`/api/docs/`). The document is
//! assembled from the same registrations that serve the API, so an endpoint is written down
//! once, in its capability's `routes`. Nothing but `lib.rs` imports this module.

mod openapi;

use crate::error::AppError;
use crate::state::AppState;
use actix_web::dev::{ServiceFactory, ServiceRequest};
use actix_web::http::header;
use actix_web::{App, HttpRequest, HttpResponse, get, web};
use utoipa_actix_web::AppExt;
use utoipa_actix_web::service_config::ServiceConfig;

/// Every capability, in the order its routes are matched.
fn capabilities(cfg: &mut ServiceConfig) {
    use crate::{
        audit, auth, catalogue, dashboards, files, funds_plan, home, jobs, mail, materials,
        monthly_pack, notices, org, plan_prices, price_watch, procurement, receiving, requisitions,
        settings, settlement, stock, suppliers, tenders, users,
    };
    cfg.configure(home::routes)
        .configure(auth::routes::routes)
        .configure(users::routes)
        .configure(org::routes)
        .configure(materials::routes)
        .configure(audit::routes::routes)
        .configure(mail::routes)
        .configure(notices::routes)
        .configure(jobs::routes)
        .configure(files::routes)
        .configure(suppliers::routes)
        .configure(catalogue::routes)
        .configure(stock::routes)
        .configure(receiving::routes)
        .configure(requisitions::routes)
        .configure(settings::routes)
        .configure(settlement::routes)
        .configure(tenders::routes)
        .configure(price_watch::routes)
        .configure(plan_prices::routes)
        .configure(funds_plan::routes)
        .configure(monthly_pack::routes)
        .configure(procurement::routes)
        .configure(dashboards::routes);
}

/// The application's routes on `app`, and the OpenAPI document they describe.
pub fn assemble<T>(app: App<T>) -> App<T>
where
    T: ServiceFactory<ServiceRequest, Config = (), Error = actix_web::Error, InitError = ()>,
{
    let (app, api) = app
        .configure(crate::web::extractor_configs)
        .service(healthz)
        .service(readyz)
        .service(css)
        .service(js)
        .service(icon)
        .into_utoipa_app()
        .openapi(openapi::base())
        .configure(capabilities)
        .split_for_parts();
    app.service(openapi::docs(openapi::finish(api)))
        .default_service(web::to(not_found))
}

#[get("/healthz")]
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

/// Ready when the database answers and the last write did not fail for want of storage.
#[get("/readyz")]
async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    if state.db.storage.is_full() {
        HttpResponse::ServiceUnavailable().json(serde_json::json!({
            "status": "storage full",
            "detail": "the last write failed because the disk is full; nothing of it was saved"
        }))
    } else if crate::db::ping(&state.db).await {
        // Ready while the catalogue's index is still being built: until then the catalogue
        // answers from the database (slower, no pinyin), which this says.
        let index = if state.catalogue.is_ready() {
            "ready"
        } else {
            "building"
        };
        HttpResponse::Ok().json(serde_json::json!({"status": "ready", "catalogue_index": index}))
    } else {
        HttpResponse::ServiceUnavailable()
            .json(serde_json::json!({"status": "database unavailable"}))
    }
}

#[get("/static/app.css")]
async fn css() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(include_str!("../static/app.css"))
}

#[get("/static/app.js")]
async fn js() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(include_str!("../static/app.js"))
}

/// The portal's icon (the browser asks for one on every first page; without it, a 404).
#[get("/static/favicon.svg")]
async fn icon() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(include_str!("../static/favicon.svg"))
}

async fn not_found(_req: HttpRequest) -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound)
}
