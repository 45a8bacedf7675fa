//! The web layer: the route table, page rendering helpers, health checks, the OpenAPI
//! document and the static assets (served by the app itself; nothing comes from a CDN).

pub mod errors;
pub mod home;
pub mod openapi;
pub mod page;
pub mod session;

use crate::error::AppError;
use crate::state::AppState;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;

/// Renders a page with 200.
/// The highest page number a list answers for; past it every list is empty anyway, and the
/// database layer multiplies the page by its size (a page near `u64::MAX` overflowed).
pub const MAX_PAGE: u64 = 100_000;

/// A list's requested page (1 when not given), kept to 1–[`MAX_PAGE`].
pub fn page_number(page: Option<u64>) -> u64 {
    page.unwrap_or(1).clamp(1, MAX_PAGE)
}

pub fn html(t: &impl Template) -> HttpResponse {
    html_status(StatusCode::OK, t)
}

pub fn html_status(status: StatusCode, t: &impl Template) -> HttpResponse {
    match t.render() {
        Ok(body) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(body),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            HttpResponse::InternalServerError()
                .content_type("text/plain; charset=utf-8")
                .body("template error")
        }
    }
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
        HttpResponse::Ok().json(serde_json::json!({"status": "ready"}))
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
        .body(include_str!("../../static/app.css"))
}

async fn not_found(_req: HttpRequest) -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound)
}

/// Malformed JSON, forms, queries and paths answer 400 with the common error body.
pub fn extractor_configs(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::JsonConfig::default()
            .limit(1 << 20)
            .error_handler(|e, _| AppError::BadRequest(e.to_string()).into()),
    )
    .app_data(
        web::QueryConfig::default()
            .error_handler(|e, _| AppError::BadRequest(e.to_string()).into()),
    )
    .app_data(web::PathConfig::default().error_handler(|_, _| AppError::NotFound.into()))
    .app_data(
        web::FormConfig::default()
            .limit(1 << 20)
            .error_handler(|e, _| AppError::BadRequest(e.to_string()).into()),
    );
}

/// The route table.
pub fn routes(cfg: &mut web::ServiceConfig) {
    use crate::{audit, auth, files, jobs, mail, materials, org, stock, suppliers, users};
    extractor_configs(cfg);
    cfg.service(healthz)
        .service(readyz)
        .service(css)
        .service(openapi::swagger())
        // API
        .service(auth::api::login)
        .service(auth::api::logout)
        .service(auth::api::me)
        .service(auth::api::put_password)
        .service(auth::api::put_locale)
        .service(users::api::list)
        .service(users::api::get)
        .service(users::api::create)
        .service(users::api::update)
        .service(org::list_sites)
        .service(org::create_site)
        .service(org::list_warehouses)
        .service(org::create_warehouse)
        .service(materials::api_list)
        .service(materials::api_categories)
        .service(materials::api_units)
        .service(materials::api_create)
        .service(materials::api_update)
        .service(materials::api_propose)
        .service(materials::api_proposals)
        .service(materials::api_decide)
        .service(materials::api_create_category)
        .service(audit::search)
        .service(audit::verify)
        .service(mail::pages::api_list)
        .service(jobs::pages::api_list)
        .service(jobs::pages::api_run)
        .service(files::api_upload)
        .service(files::api_download)
        .service(suppliers::api::apply)
        .service(suppliers::api::verify_email)
        .service(suppliers::api::my_supplier)
        .service(suppliers::api::update_application)
        .service(suppliers::api::submit)
        .service(suppliers::api::add_document)
        .service(suppliers::api::respond)
        .service(suppliers::api::directory)
        .service(suppliers::api::get_supplier)
        .service(suppliers::api::review)
        .service(suppliers::api::admission)
        .service(suppliers::api::record_failure)
        .service(suppliers::api::decide_failure)
        .service(suppliers::api::suspend)
        .service(suppliers::api::reinstate)
        .service(suppliers::api::re_review)
        .service(stock::api::create_listing)
        .service(stock::api::my_listings)
        .service(stock::api::request_price)
        .service(stock::api::pending_prices)
        .service(stock::api::decide_price)
        .service(stock::api::search)
        .service(stock::api::create_delivery)
        .service(stock::api::deliveries)
        .service(stock::api::inspect)
        .service(stock::api::submit)
        .service(stock::api::requisitions)
        .service(stock::api::approve)
        .service(stock::api::issue)
        .service(stock::api::cancel)
        .service(stock::api::ledger_check)
        .service(stock::api::no_movement)
        .service(stock::returns::my_lots)
        .service(stock::returns::list_lots)
        .service(stock::returns::answer_lot)
        .service(stock::returns::return_lot)
        .service(stock::returns::exchange_lot)
        .service(stock::counts::create)
        .service(stock::counts::list)
        .service(stock::counts::decide)
        .service(stock::import::api_import)
        .service(crate::settings::api_get)
        .service(crate::settings::api_put)
        .service(crate::settlement::api::list)
        .service(crate::settlement::api::close)
        .service(crate::settlement::api::get)
        .service(crate::settlement::api::step)
        .service(crate::settlement::api::export)
        .service(crate::tenders::api::api_list)
        .service(crate::tenders::api::api_create)
        .service(crate::tenders::api::api_get)
        .service(crate::tenders::api::api_update)
        .service(crate::tenders::api::api_add_document)
        .service(crate::tenders::api::api_document)
        .service(crate::tenders::api::api_publish)
        .service(crate::tenders::api::api_my_bid)
        .service(crate::tenders::api::api_submit_bid)
        .service(crate::tenders::api::api_withdraw_bid)
        .service(crate::tenders::api::api_open)
        .service(crate::tenders::api::api_score)
        .service(crate::tenders::api::api_evaluate)
        .service(crate::tenders::api::api_decide)
        .service(crate::tenders::api::api_reissue)
        .service(crate::price_watch::api::list_surveys)
        .service(crate::price_watch::api::create_survey)
        .service(crate::price_watch::api::latest_surveys)
        .service(crate::price_watch::api::due_surveys)
        .service(crate::price_watch::api::export_surveys)
        .service(crate::price_watch::api::material_history)
        .service(crate::price_watch::api::list_candidates)
        .service(crate::price_watch::api::list_decisions)
        .service(crate::price_watch::api::decide_candidate)
        .service(crate::procurement::api::list_plans)
        .service(crate::procurement::api::open_plan)
        .service(crate::procurement::api::get_plan)
        .service(crate::procurement::api::add_line)
        .service(crate::procurement::api::update_line)
        .service(crate::procurement::api::remove_line)
        .service(crate::procurement::api::submit_plan)
        .service(crate::procurement::api::decide_plan)
        .service(crate::procurement::api::line_quotes)
        .service(crate::procurement::api::record_quote)
        .service(crate::procurement::api::choose)
        .service(crate::procurement::api::export)
        .service(crate::procurement::api::list_contracts)
        .service(crate::procurement::api::get_contract)
        .service(crate::procurement::api::update_contract)
        .service(crate::procurement::api::submit_contract)
        .service(crate::procurement::api::sign_off)
        .service(crate::procurement::api::adopt_price)
        .service(crate::settlement::reports::api_usage)
        .service(crate::settlement::reports::api_stock)
        .service(stock::site_returns::api_record)
        .service(stock::site_returns::api_list)
        // Pages
        .service(home::home)
        .service(auth::pages::login_form)
        .service(auth::pages::login_submit)
        .service(auth::pages::logout)
        .service(auth::pages::switch_language)
        .service(auth::pages::account)
        .service(auth::pages::account_password)
        .service(auth::pages::account_locale)
        .service(users::pages::list)
        .service(users::pages::new_form)
        .service(users::pages::create)
        .service(users::pages::edit_form)
        .service(users::pages::update)
        .service(org::pages::index)
        .service(org::pages::add_site)
        .service(org::pages::add_warehouse)
        .service(materials::page)
        .service(materials::page_create)
        .service(materials::page_decide)
        .service(materials::page_create_category)
        .service(audit::pages::search)
        .service(mail::pages::page)
        .service(jobs::pages::page)
        .service(jobs::pages::page_run)
        .service(files::page_download)
        .service(suppliers::pages::apply_form)
        .service(suppliers::pages::apply_submit)
        .service(suppliers::pages::verify_form)
        .service(suppliers::pages::verify_submit)
        .service(suppliers::pages::mine)
        .service(suppliers::pages::mine_update)
        .service(suppliers::pages::mine_submit)
        .service(suppliers::pages::mine_document)
        .service(suppliers::pages::mine_respond)
        .service(suppliers::pages::directory)
        .service(suppliers::pages::review_page)
        .service(suppliers::pages::review_submit)
        .service(suppliers::pages::admission_submit)
        .service(suppliers::pages::re_review_submit)
        .service(suppliers::pages::failure_submit)
        .service(suppliers::pages::failure_decision)
        .service(suppliers::pages::suspension_submit)
        .service(suppliers::pages::reinstatement_submit)
        .service(stock::pages::catalogue_page)
        .service(stock::pages::requisition_create)
        .service(stock::pages::requisitions_page)
        .service(stock::pages::requisition_approve)
        .service(stock::pages::requisition_issue)
        .service(stock::pages::requisition_cancel)
        .service(stock::pages::my_listings)
        .service(stock::pages::my_listing_create)
        .service(stock::pages::my_listing_price)
        .service(stock::pages::my_delivery_create)
        .service(stock::pages::deliveries_page)
        .service(stock::pages::delivery_inspect)
        .service(stock::pages::prices_page)
        .service(stock::pages::price_decide)
        .service(stock::pages::no_movement_page)
        .service(stock::pages::no_movement_csv)
        .service(stock::pages::rejection_to_failure)
        .service(stock::import::import_page)
        .service(stock::import::import_submit)
        .service(stock::import::script)
        .service(stock::lot_pages::my_lots_page)
        .service(stock::lot_pages::my_lot_answer)
        .service(stock::lot_pages::lots_page)
        .service(stock::lot_pages::lot_return)
        .service(stock::lot_pages::lot_exchange)
        .service(stock::lot_pages::counts_page)
        .service(stock::lot_pages::count_create)
        .service(stock::lot_pages::count_decide)
        .service(stock::site_returns::page_record)
        .service(crate::settlement::reports::usage_page)
        .service(crate::settlement::reports::usage_download)
        .service(crate::settlement::reports::stock_page)
        .service(crate::settlement::reports::stock_download)
        .service(crate::settings::page)
        .service(crate::settings::page_save)
        .service(crate::settlement::pages::statements_page)
        .service(crate::settlement::pages::close_submit)
        .service(crate::settlement::pages::download)
        .service(crate::settlement::pages::statement_page)
        .service(crate::settlement::pages::step_submit)
        .service(crate::procurement::pages::plan_list)
        .service(crate::procurement::pages::open_plan)
        .service(crate::procurement::pages::plan_view)
        .service(crate::procurement::pages::add_line)
        .service(crate::procurement::pages::line_edit)
        .service(crate::procurement::pages::line_save)
        .service(crate::procurement::pages::line_remove)
        .service(crate::procurement::pages::submit_plan)
        .service(crate::procurement::pages::decide_plan)
        .service(crate::procurement::pages::line_quotes)
        .service(crate::procurement::pages::record_quote)
        .service(crate::procurement::pages::choose)
        .service(crate::procurement::pages::ledger_page)
        .service(crate::procurement::pages::download)
        .service(crate::procurement::pages::contract_view)
        .service(crate::procurement::pages::contract_save)
        .service(crate::procurement::pages::contract_submit)
        .service(crate::procurement::pages::sign_off)
        .service(crate::procurement::pages::adopt_price)
        .service(crate::price_watch::pages::ledger_page)
        .service(crate::price_watch::pages::ledger_download_page)
        .service(crate::price_watch::pages::survey_form_page)
        .service(crate::price_watch::pages::survey_submit)
        .service(crate::price_watch::pages::history_page)
        .service(crate::price_watch::pages::candidates_page)
        .service(crate::price_watch::pages::candidate_decide)
        .service(crate::tenders::pages::list_page)
        .service(crate::tenders::pages::new_page)
        .service(crate::tenders::pages::create_submit)
        .service(crate::tenders::pages::edit_page)
        .service(crate::tenders::pages::edit_submit)
        .service(crate::tenders::pages::tender_page)
        .service(crate::tenders::pages::document_submit)
        .service(crate::tenders::pages::document_download)
        .service(crate::tenders::pages::publish_submit)
        .service(crate::tenders::pages::open_submit)
        .service(crate::tenders::pages::scores_submit)
        .service(crate::tenders::pages::evaluate_submit)
        .service(crate::tenders::pages::decision_submit)
        .service(crate::tenders::pages::reissue_submit)
        .service(crate::tenders::pages::bid_form)
        .service(crate::tenders::pages::bid_submit)
        .service(crate::tenders::pages::bid_withdraw)
        .default_service(web::to(not_found));
}
