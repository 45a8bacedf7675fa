//! Requisitions (领料单, DOMAIN.md rule 9): a site user gathers lines in a cart (their draft,
//! `cart.rs`) and submits it; the requisition gets its number (`numbers.rs`, `LL-yyyymm-nnnn`);
//! its manager approves (the stock is reserved, or the approval is refused whole), returns it
//! with a reason (the requester edits and resubmits it, same number) or rejects it with a
//! reason (final); the warehouse issues oldest lots first at the approved price within 24
//! hours, each issue an issue slip (出库单); goods a site did not use come back (site
//! returns). `rules.rs` holds the pure rules (statuses and steps, numbers, amounts),
//! `store.rs` the transactions, `documents.rs` the printable documents, `api.rs` and
//! `pages.rs` the handlers.

pub mod api;
pub mod cart;
pub mod documents;
pub mod numbers;
pub mod pages;
pub mod rules;
pub mod site_returns;
pub mod store;
pub mod views;

/// This capability's routes, for `crate::routes` to assemble: the API operations (each written
/// into the OpenAPI document by its `#[utoipa::path]`), then the pages (not in the document).
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(api::submit)
        .service(api::requisitions)
        .service(api::requisition_cart)
        .service(api::cart_add_line)
        .service(api::cart_update_line)
        .service(api::cart_remove_line)
        .service(api::cart_submit)
        .service(api::requisition_document)
        .service(api::issue_slip_document)
        .service(api::approve)
        .service(api::return_requisition)
        .service(api::reject_requisition)
        .service(api::resubmit_requisition)
        .service(api::issue)
        .service(api::cancel)
        .service(site_returns::api_record)
        .service(site_returns::api_list)
        .map(|c| {
            c.service(pages::requisitions_page)
                .service(pages::cart_page)
                .service(pages::cart_post)
                .service(pages::requisition_page)
                .service(pages::requisition_post)
                .service(pages::requisition_print)
                .service(pages::issue_slip_print)
                .service(pages::requisition_approve)
                .service(pages::requisition_issue)
                .service(pages::requisition_cancel)
                .service(site_returns::page_record)
        });
}
