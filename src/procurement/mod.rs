//! Procurement (rules 4–7, 10): the monthly plan and its routing, quote comparison, the
//! contract ledger with audit sign-offs.
//!
//! `rules` holds the pure rules (plan months and due dates, lead times by plan type, routing
//! by stock and value, the three-quote choice, sign-off levels and deadlines), `store` the
//! persistence (plans, quotes, [`store::create_contract`], sign-offs, adopting a contract
//! price), `api` and `pages` the handlers.

pub mod api;
pub mod pages;
pub mod rules;
pub mod store;

/// This capability's routes, for `crate::routes` to assemble: the API operations (each written
/// into the OpenAPI document by its `#[utoipa::path]`), then the pages (not in the document).
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(api::list_plans)
        .service(api::list_lines)
        .service(api::open_plan)
        .service(api::get_plan)
        .service(api::add_line)
        .service(api::update_line)
        .service(api::remove_line)
        .service(api::submit_plan)
        .service(api::decide_plan)
        .service(api::line_quotes)
        .service(api::record_quote)
        .service(api::choose)
        .service(api::decide_choice)
        .service(api::export)
        .service(api::list_contracts)
        .service(api::get_contract)
        .service(api::update_contract)
        .service(api::submit_contract)
        .service(api::sign_off)
        .service(api::adopt_price)
        .map(|c| {
            c.service(pages::plan_list)
                .service(pages::line_list)
                .service(pages::open_plan)
                .service(pages::plan_view)
                .service(pages::add_line)
                .service(pages::line_edit)
                .service(pages::line_save)
                .service(pages::line_remove)
                .service(pages::submit_plan)
                .service(pages::decide_plan)
                .service(pages::line_quotes)
                .service(pages::record_quote)
                .service(pages::choose)
                .service(pages::decide_choice)
                .service(pages::ledger_page)
                .service(pages::download)
                .service(pages::contract_view)
                .service(pages::contract_save)
                .service(pages::contract_submit)
                .service(pages::sign_off)
                .service(pages::adopt_price)
        });
}
