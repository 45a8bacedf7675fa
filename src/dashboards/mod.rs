//! Dashboards: the month at a glance, drawn as charts on the server (`crate::charts`), each
//! with the table behind it one click away and downloadable. Procurement: what each site drew
//! per month (ownership passes at issue, so this is what the company bought through the
//! supermarket) and the suppliers by stage (rule 2's removals among them). Warehouse: receipts
//! and issues per day. Supplier: its own stock on site by age (rule 3's two months) and what
//! the sites drew of it.

pub mod api;
pub mod pages;
pub mod rules;
pub mod store;

/// The dashboards' routes: the API first (registered into the OpenAPI document by its
/// `#[utoipa::path]`), then the pages.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(api::procurement)
        .service(api::warehouse)
        .service(api::supplier)
        .service(api::finance)
        .service(api::site)
        .map(|c| c.service(pages::page).service(pages::download));
}
