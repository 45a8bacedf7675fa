//! The funds plan (资金计划), issue 15, from the department's rules for the head's assistant
//! (部长助理 三) and the chief accountant (主管会计 1 and 7): by the 3rd of each calendar month
//! finance records the month's planned payments by supplier, pre-filled from the unpaid
//! statements and the contracts due; the procurement head approves the plan or returns it
//! (rule 14: payments follow the leaders' approval, and nobody approves what they raised); at
//! month end the plan is compared with what was paid, by supplier, with the variance.
//!
//! It also owns the payments on contracts (`contract_payments`): finance records each against
//! an effective contract, never beyond the contract's total. `rules` holds the pure parts (the
//! month, the states, due and late, the comparison adding up to the cent), `store` the
//! persistence (`store::comparison` and `api::sheet` for the monthly pack), `api` and `pages`
//! the handlers.

pub mod api;
pub mod pages;
pub mod rules;
pub mod store;

/// This capability's routes, for `crate::routes` to assemble: the API operations (each written
/// into the OpenAPI document by its `#[utoipa::path]`), then the pages (not in the document).
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(api::list_plans)
        .service(api::start_plan)
        .service(api::open_contracts)
        .service(api::record_payment)
        .service(api::export_comparison)
        .service(api::comparison)
        .service(api::set_line)
        .service(api::remove_line)
        .service(api::submit_plan)
        .service(api::decide_plan)
        .service(api::get_plan)
        .map(|c| {
            c.service(pages::list_page)
                .service(pages::start_submit)
                .service(pages::plan_page)
                .service(pages::add_line)
                .service(pages::edit_line)
                .service(pages::remove_line)
                .service(pages::submit)
                .service(pages::decide)
                .service(pages::payment)
                .service(pages::download)
        });
}
