//! Plan prices (计划价) and the monthly price-difference table (材料差价汇总表), from the
//! department's rules for the materials accountant (材料核算员 10: actual and plan prices
//! summed and the price differences computed each month) and the chief accountant (主管会计
//! 6: the month's difference between the actual cost and the plan price of what was issued).
//!
//! Procurement sets a plan price per material and year; setting it again adds a row (the
//! history), the newest governs. Each issue (`requisitions::store::issue`) stamps the plan
//! price in force on its day on its movements, in its own transaction, so the table reads the
//! ledger alone and a later change never rewrites a past month. `rules` holds the pure table
//! (every line, subtotal and the total add up to the cent), `store` the persistence, `api` and
//! `pages` the handlers.

pub mod api;
pub mod pages;
pub mod rules;
pub mod store;

/// This capability's routes, for `crate::routes` to assemble: the API operations (each written
/// into the OpenAPI document by its `#[utoipa::path]`), then the pages (not in the document).
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(api::list_plan_prices)
        .service(api::set_plan_price)
        .service(api::export_price_differences)
        .service(api::price_differences)
        .map(|c| {
            c.service(pages::plan_prices_page)
                .service(pages::plan_price_submit)
                .service(pages::differences_page)
                .service(pages::differences_download)
        });
}
