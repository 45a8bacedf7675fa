//! Requisitions (领料单, DOMAIN.md rule 9): a site orders from the consigned catalogue, its
//! manager approves (the stock is reserved, or the approval is refused whole), the warehouse
//! issues oldest lots first at the approved price within 24 hours, and goods a site did not
//! use come back (site returns). `rules.rs` holds the pure rules, `store.rs` the transactions,
//! `api.rs` and `pages.rs` the handlers.

pub mod api;
pub mod pages;
pub mod rules;
pub mod site_returns;
pub mod store;

/// This capability's routes, for `crate::routes` to assemble: the API operations (each written
/// into the OpenAPI document by its `#[utoipa::path]`), then the pages (not in the document).
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(api::submit)
        .service(api::requisitions)
        .service(api::approve)
        .service(api::issue)
        .service(api::cancel)
        .service(site_returns::api_record)
        .service(site_returns::api_list)
        .map(|c| {
            c.service(pages::requisitions_page)
                .service(pages::requisition_approve)
                .service(pages::requisition_issue)
                .service(pages::requisition_cancel)
                .service(site_returns::page_record)
                .service(pages::requisition_create)
        });
}
