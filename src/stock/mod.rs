//! The supermarket's stock (DOMAIN.md rules 3, 7 and 12): consigned lots and the movement
//! ledger, stale stock and the no-movement list, returns, exchanges and counts, what is
//! available (stock first), rule 2's reaction to a removal; rule 14 for counts (decided by
//! someone other than whoever entered them, `counts::decide_count`). The catalogue is
//! `crate::catalogue`, receiving (rule 8) `crate::receiving`, requisitions and their issue
//! (rule 9) `crate::requisitions`. `rules.rs` holds the pure rules, `store/` the
//! transactions, `api.rs`, `pages.rs` and `lot_pages.rs` the handlers.

pub mod api;
pub mod counts;
pub mod lot_pages;
pub mod pages;
pub mod removal;
pub mod returns;
pub mod rules;
pub mod store;

/// This capability's routes, for `crate::routes` to assemble: the API operations (each written
/// into the OpenAPI document by its `#[utoipa::path]`), then the pages (not in the document).
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(api::ledger_check)
        .service(api::no_movement)
        .service(returns::my_lots)
        .service(returns::list_lots)
        .service(returns::answer_lot)
        .service(returns::return_lot)
        .service(returns::exchange_lot)
        .service(counts::create)
        .service(counts::list)
        .service(counts::decide)
        .map(|c| {
            c.service(pages::no_movement_page)
                .service(pages::no_movement_csv)
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
