//! The supermarket's stock (DOMAIN.md rules 3 and 12): listings and prices (the catalogue,
//! to become its own room), consigned lots and the movement ledger, stale stock, returns,
//! exchanges and counts. Receiving (rule 8) is `crate::receiving`; requisitions and their
//! issue (rule 9) are `crate::requisitions`.
//! `rules.rs` holds the pure rules, `store.rs` the transactions, `api.rs` and `pages.rs`
//! the handlers.

pub mod api;
pub mod counts;
pub mod import;
pub mod lot_pages;
pub mod pages;
pub mod removal;
pub mod returns;
pub mod rules;
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
        .service(api::ledger_check)
        .service(api::no_movement)
        .service(returns::my_lots)
        .service(returns::list_lots)
        .service(returns::answer_lot)
        .service(returns::return_lot)
        .service(returns::exchange_lot)
        .service(counts::create)
        .service(counts::list)
        .service(counts::decide)
        .service(import::api_import)
        .map(|c| {
            c.service(pages::catalogue_page)
                .service(pages::requisition_create)
                .service(pages::my_listings)
                .service(pages::my_listing_create)
                .service(pages::my_listing_price)
                .service(pages::my_delivery_create)
                .service(pages::prices_page)
                .service(pages::price_decide)
                .service(pages::no_movement_page)
                .service(pages::no_movement_csv)
                .service(import::import_page)
                .service(import::import_submit)
                .service(import::script)
                .service(lot_pages::my_lots_page)
                .service(lot_pages::my_lot_answer)
                .service(lot_pages::lots_page)
                .service(lot_pages::lot_return)
                .service(lot_pages::lot_exchange)
                .service(lot_pages::counts_page)
                .service(lot_pages::count_create)
                .service(lot_pages::count_decide)
        });
}
