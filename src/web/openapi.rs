//! The OpenAPI document at `/api/openapi.json`, and its docs page at `/api/docs/`.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

struct Bearer;

impl Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(c) = openapi.components.as_mut() {
            c.add_security_scheme(
                "bearer",
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .bearer_format("JWT")
                        .build(),
                ),
            );
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Materials supermarket portal", description = "Consignment stock, supplier vetting and tenders. Errors answer `{\"error\": {\"code\", \"message\", \"fields\"}}` in the caller's language (Accept-Language)."),
    paths(
        crate::auth::api::login,
        crate::auth::api::logout,
        crate::auth::api::me,
        crate::auth::api::put_password,
        crate::auth::api::put_locale,
        crate::users::api::list,
        crate::users::api::get,
        crate::users::api::create,
        crate::users::api::update,
        crate::org::list_sites,
        crate::org::create_site,
        crate::org::list_warehouses,
        crate::org::create_warehouse,
        crate::materials::api_list,
        crate::materials::api_categories,
        crate::materials::api_units,
        crate::materials::api_create,
        crate::materials::api_update,
        crate::materials::api_propose,
        crate::materials::api_proposals,
        crate::materials::api_decide,
        crate::materials::api_create_category,
        crate::audit::search,
        crate::audit::verify,
        crate::mail::pages::api_list,
        crate::jobs::pages::api_list,
        crate::jobs::pages::api_run,
        crate::files::api_upload,
        crate::files::api_download,
        crate::suppliers::api::apply,
        crate::suppliers::api::verify_email,
        crate::suppliers::api::my_supplier,
        crate::suppliers::api::update_application,
        crate::suppliers::api::submit,
        crate::suppliers::api::add_document,
        crate::suppliers::api::respond,
        crate::suppliers::api::directory,
        crate::suppliers::api::get_supplier,
        crate::suppliers::api::review,
        crate::suppliers::api::admission,
        crate::suppliers::api::record_failure,
        crate::suppliers::api::decide_failure,
        crate::suppliers::api::suspend,
        crate::suppliers::api::reinstate,
        crate::suppliers::api::re_review,
        crate::stock::api::create_listing,
        crate::stock::api::my_listings,
        crate::stock::api::request_price,
        crate::stock::api::pending_prices,
        crate::stock::api::decide_price,
        crate::stock::api::search,
        crate::stock::api::create_delivery,
        crate::stock::api::deliveries,
        crate::stock::api::inspect,
        crate::stock::api::submit,
        crate::stock::api::requisitions,
        crate::stock::api::approve,
        crate::stock::api::issue,
        crate::stock::api::cancel,
        crate::stock::api::ledger_check,
        crate::stock::api::no_movement,
        crate::stock::returns::my_lots,
        crate::stock::returns::list_lots,
        crate::stock::returns::answer_lot,
        crate::stock::returns::return_lot,
        crate::stock::returns::exchange_lot,
        crate::stock::counts::create,
        crate::stock::counts::list,
        crate::stock::counts::decide,
        crate::stock::import::api_import,
        crate::settings::api_get,
        crate::settings::api_put,
        crate::settlement::api::list,
        crate::settlement::api::close,
        crate::settlement::api::get,
        crate::settlement::api::step,
        crate::settlement::api::export,
        crate::settlement::reports::api_usage,
        crate::settlement::reports::api_stock,
        crate::stock::site_returns::api_record,
        crate::stock::site_returns::api_list,
    ),
    modifiers(&Bearer)
)]
pub struct ApiDoc;

pub fn swagger() -> SwaggerUi {
    SwaggerUi::new("/api/docs/{_:.*}").url("/api/openapi.json", ApiDoc::openapi())
}
