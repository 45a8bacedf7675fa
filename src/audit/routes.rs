//! The audit log's routes, apart from the module root: the log sits below the sign-in
//! (`auth` records into it), while its API and page read the signed-in user, so the route table
//! stands above both and `audit/mod.rs` imports nothing that imports it back.

use super::{api, pages};

/// This capability's routes, for `crate::routes` to assemble: the API operations (each written
/// into the OpenAPI document by its `#[utoipa::path]`), then the pages (not in the document).
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(api::search)
        .service(api::verify)
        .map(|c| c.service(pages::search));
}
