//! The price watch (rule 13): market price surveys in the price ledger, survey reminders,
//! listings priced above the market as price-failure candidates.
//!
//! `rules` holds the pure rules (a survey is due after two weeks, "above the margin", what a
//! unit price and a source may be), `store` the ledger, the `price-survey-due` job and the
//! decisions on candidates (a confirmed one becomes a price failure through the suppliers'
//! own flow, so rule 2 counts it), `api` and `pages` the handlers.

pub mod api;
pub mod pages;
pub mod rules;
pub mod store;

/// This capability's routes, for `crate::routes` to assemble: the API operations (each written
/// into the OpenAPI document by its `#[utoipa::path]`), then the pages (not in the document).
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(api::list_surveys)
        .service(api::create_survey)
        .service(api::latest_surveys)
        .service(api::due_surveys)
        .service(api::export_surveys)
        .service(api::material_history)
        .service(api::list_candidates)
        .service(api::list_decisions)
        .service(api::decide_candidate)
        .map(|c| {
            c.service(pages::ledger_page)
                .service(pages::ledger_download_page)
                .service(pages::survey_form_page)
                .service(pages::survey_submit)
                .service(pages::history_page)
                .service(pages::candidates_page)
                .service(pages::candidate_decide)
        });
}
