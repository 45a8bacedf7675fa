//! Dashboards: the month at a glance, drawn as charts on the server (`crate::charts`), each
//! with the table behind it one click away and downloadable. The procurement office's first:
//! what each site drew per month (ownership passes at issue, so this is what the company
//! bought through the supermarket) and the suppliers by status (rule 2's removals among them).

pub mod api;
pub mod pages;
pub mod rules;
pub mod store;

/// The dashboards' routes: the API first (registered into the OpenAPI document by its
/// `#[utoipa::path]`), then the pages.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(api::procurement).map(|c| {
        c.service(pages::procurement)
            .service(pages::procurement_download)
    });
}
