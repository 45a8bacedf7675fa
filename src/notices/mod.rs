//! Notices in the portal: every email queued to users ([`crate::mail::enqueue_to_users_linked`]
//! and its plain forms) also lands in the user's inbox, in the same transaction, with the path
//! of the item it is about. The inbox (`/notices`, `/api/notices`) shows only the reader's own
//! notices; the unread count sits in the top bar. Each user chooses per topic whether notices
//! also come by email ([`rules::topic_of`]); confirmation and password-reset mail always do.

pub mod api;
pub mod pages;
pub mod rules;
pub mod store;
pub mod topbar;

/// This capability's routes, for `crate::routes` to assemble: the API operations (each written
/// into the OpenAPI document by its `#[utoipa::path]`), then the pages (not in the document).
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(api::list)
        .service(api::unread_count)
        .service(api::read_all)
        .service(api::get_preferences)
        .service(api::put_preferences)
        .service(api::get_one)
        .service(api::read_one)
        .map(|c| {
            c.service(pages::inbox)
                .service(pages::read_all)
                .service(pages::preferences)
                .service(pages::open)
        });
}
