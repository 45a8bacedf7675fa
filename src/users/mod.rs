//! User administration: the admin adds people with a role (a supplier user tied to its
//! supplier, a site user to its site), changes roles, deactivates and resets passwords.

pub mod api;
pub mod pages;
pub mod store;

/// This capability's routes, for `crate::routes` to assemble: the API operations (each written
/// into the OpenAPI document by its `#[utoipa::path]`), then the pages (not in the document).
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(api::list)
        .service(api::get)
        .service(api::create)
        .service(api::update)
        .map(|c| {
            c.service(pages::list)
                .service(pages::new_form)
                .service(pages::create)
                .service(pages::edit_form)
                .service(pages::update)
        });
}
