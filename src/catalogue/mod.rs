//! The catalogue (物资超市 as the sites see it): suppliers list materials of their agreement
//! with prices procurement approves (never whoever asked for the price: rule 14), sites search what is consigned and in stock and order
//! from it (the order is a requisition, `crate::requisitions`), and a supplier may import its
//! listings in bulk from CSV or XLSX. The search (issue 16): `engine` is a tantivy index of the
//! listings, pure; `live` keeps each instance's index built and current from the database's
//! change sequence; `api::catalogue` asks it, or the database while it is being built.
//! `store.rs` holds the transactions, `api.rs`, `pages.rs` and `import.rs` the handlers.

pub mod api;
pub mod engine;
pub mod import;
pub mod live;
pub mod pages;
pub mod store;

/// This capability's routes, for `crate::routes` to assemble: the API operations (each written
/// into the OpenAPI document by its `#[utoipa::path]`), then the pages (not in the document).
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(api::create_listing)
        .service(api::my_listings)
        .service(api::request_price)
        .service(api::pending_prices)
        .service(api::decide_price)
        .service(api::search)
        .service(import::api_import)
        .map(|c| {
            c.service(pages::catalogue_page)
                .service(pages::my_listings)
                .service(pages::my_listing_create)
                .service(pages::my_listing_price)
                .service(pages::prices_page)
                .service(pages::price_decide)
                .service(import::import_page)
                .service(import::import_submit)
                .service(import::script)
        });
}
