//! Sign-in's routes, apart from the module root: the page kit reads the signed-in user from
//! `auth`, and the sign-in pages are built with the page kit, so the route table stands above
//! both and `auth/mod.rs` imports nothing that imports it back.

use super::{api, pages, reset};

/// This capability's routes, for `crate::routes` to assemble: the API operations (each written
/// into the OpenAPI document by its `#[utoipa::path]`), then the pages (not in the document).
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(api::login)
        .service(api::logout)
        .service(api::sign_out_everywhere)
        .service(api::me)
        .service(api::put_password)
        .service(api::put_locale)
        .service(reset::api::forgot)
        .service(reset::api::reset)
        .map(|c| {
            c.service(pages::login_form)
                .service(pages::login_submit)
                .service(pages::logout)
                .service(pages::switch_language)
                .service(pages::account)
                .service(pages::account_password)
                .service(pages::account_sign_out_everywhere)
                .service(pages::account_locale)
                .service(reset::pages::forgot_form)
                .service(reset::pages::forgot_submit)
                .service(reset::pages::reset_form)
                .service(reset::pages::reset_submit)
        });
}
