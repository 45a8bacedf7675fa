//! Suppliers (DOMAIN.md rules 1 and 2): online application, documents, qualification review
//! and admission with its consignment agreement, quality and price failures with removal on
//! the second confirmed one, suspension, the directory.
//!
//! `rules.rs` holds the pure rules (life cycle, two failures and out, document validity,
//! credit codes); `store.rs` the transactions; `api.rs` and `pages.rs` the handlers.

pub mod api;
pub mod checks;
pub mod pages;
pub mod rules;
pub mod store;

/// This capability's routes, for `crate::routes` to assemble: the API operations (each written
/// into the OpenAPI document by its `#[utoipa::path]`), then the pages (not in the document).
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(api::apply)
        .service(api::verify_email)
        .service(api::my_supplier)
        .service(api::update_application)
        .service(api::submit)
        .service(api::add_document)
        .service(api::respond)
        .service(api::directory)
        .service(api::get_supplier)
        .service(api::review)
        .service(api::admission)
        .service(api::record_failure)
        .service(api::decide_failure)
        .service(api::decide_document)
        .service(api::suspend)
        .service(api::reinstate)
        .service(api::re_review)
        .map(|c| {
            c.service(pages::apply_form)
                .service(pages::apply_submit)
                .service(pages::verify_form)
                .service(pages::verify_submit)
                .service(pages::mine)
                .service(pages::mine_update)
                .service(pages::mine_submit)
                .service(pages::mine_document)
                .service(pages::mine_respond)
                .service(pages::directory)
                .service(pages::review_page)
                .service(pages::review_submit)
                .service(pages::admission_submit)
                .service(pages::re_review_submit)
                .service(pages::failure_submit)
                .service(pages::failure_decision)
                .service(pages::document_decision)
                .service(pages::suspension_submit)
                .service(pages::reinstatement_submit)
        });
}
