//! Receiving (验收, DOMAIN.md rule 8): a supplier sends a delivery note; the keeper checks
//! each line's name, specification, model, quantity and certificate, within the deadline of
//! its arrival (local the same day, part loads 3 days, full trucks 7); what passes becomes a
//! consigned lot, what fails is rejected with a reason and may become the supplier's quality
//! failure (rule 2). `rules.rs` holds the deadline, `store.rs` the transactions and the
//! deliveries view, `api.rs` and `pages.rs` the handlers.

pub mod api;
pub mod pages;
pub mod rules;
pub mod slip;
pub mod store;

/// This capability's routes, for `crate::routes` to assemble: the API operations (each written
/// into the OpenAPI document by its `#[utoipa::path]`), then the pages (not in the document).
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(api::create_delivery)
        .service(api::deliveries)
        .service(api::inspect)
        .service(api::rejection_to_failure)
        .service(slip::api_receiving_slip)
        .map(|c| {
            c.service(pages::deliveries_page)
                .service(pages::delivery_inspect)
                .service(pages::rejection_to_failure)
                .service(pages::my_delivery_create)
                .service(slip::page_receiving_slip)
        });
}
