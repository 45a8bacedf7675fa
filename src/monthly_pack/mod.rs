//! The monthly pack (issue 15): at the cut-off, once per settlement period, the portal
//! assembles the month's figures for the procurement head and finance, as the department's
//! monthly cycle asks (rule 11: the books close on the cut-off day, the usage statements, the
//! receipts/issues/balance report and the no-movement list go out; 部长助理 二.2 the business
//! analysis by the 10th; 主管会计 1, 6, 7 the funds plan and the price differences).
//!
//! One workbook with a sheet per section (statements, site usage statements, receipts /
//! issues / balance, the no-movement list with reasons, failures and removals, tenders,
//! contracts, the price-difference table, the funds plan against payments, the dashboards'
//! tables), kept as assembled in both languages; one page that lists the sections with their
//! figures and links to the live pages; a notice with the link to the head and finance.
//!
//! The job (`jobs::Job::MonthlyPack`) is claimed once per period across instances through
//! `job_runs`, and the pack's period is unique besides, so two instances never assemble it
//! twice. `rules` holds the pure parts, `store` the assembly, `api` and `pages` the handlers.

pub mod api;
pub mod pages;
pub mod rules;
pub mod store;

/// This capability's routes, for `crate::routes` to assemble: the API operations (each written
/// into the OpenAPI document by its `#[utoipa::path]`), then the pages (not in the document).
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(api::list)
        .service(api::workbook)
        .service(api::get)
        .map(|c| {
            c.service(pages::list_page)
                .service(pages::workbook)
                .service(pages::pack_page)
        });
}
