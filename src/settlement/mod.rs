//! Consignment settlement (rule 11): periods and statements (`rules` holds the pure rules,
//! `store` closing and the workflow, `api` and `pages` the handlers), and the site usage and
//! stock reports (`reports`).

pub mod api;
pub mod pages;
pub mod reports;
pub mod rules;
pub mod store;

/// This capability's routes, for `crate::routes` to assemble: the API operations (each written
/// into the OpenAPI document by its `#[utoipa::path]`), then the pages (not in the document).
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(api::list)
        .service(api::close)
        .service(api::to_close)
        .service(api::get)
        .service(api::step)
        .service(api::export)
        .service(reports::api_usage)
        .service(reports::api_stock)
        .map(|c| {
            c.service(reports::usage_page)
                .service(reports::usage_download)
                .service(reports::stock_page)
                .service(reports::stock_download)
                .service(pages::statements_page)
                .service(pages::close_submit)
                .service(pages::to_close_page)
                .service(pages::download)
                .service(pages::statement_page)
                .service(pages::step_submit)
        });
}
