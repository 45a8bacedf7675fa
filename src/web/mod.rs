//! The page kit, below every capability: rendering (`html`, `html_status`), form readers and
//! `PageCtx` (`page`), the session middleware (`session`), the browser-hardening headers
//! (`headers`), the edge guard on inputs (`input_guard`), error pages (`errors`), paging and
//! the extractor settings. It knows no capability's routes: `crate::routes` assembles those.

pub mod errors;
pub mod headers;
pub mod input_guard;
pub mod page;
pub mod query;
pub mod session;

pub use query::Query;

use crate::error::AppError;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

pub use crate::paging::{MAX_PAGE, page_number};

/// Renders a page with 200.
pub fn html(t: &impl Template) -> HttpResponse {
    html_status(StatusCode::OK, t)
}

/// Renders a page with `status`. A page answering with a client error (a refused form, a
/// missing record) says so first in its `<title>` ("错误：", "Error: "), which is what a
/// screen reader announces and a tab shows.
pub fn html_status(status: StatusCode, t: &impl Template) -> HttpResponse {
    match t.render() {
        Ok(body) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(if status.is_client_error() {
                error_title(body)
            } else {
                body
            }),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            HttpResponse::InternalServerError()
                .content_type("text/plain; charset=utf-8")
                .body("template error")
        }
    }
}

/// Puts the page language's "Error: " before the text of the page's `<title>`.
fn error_title(body: String) -> String {
    let locale = body
        .find("<html lang=\"")
        .and_then(|i| body[i + 12..].split('"').next())
        .and_then(crate::i18n::Locale::from_tag)
        .unwrap_or_default();
    match body.find("<title>") {
        Some(i) => {
            let at = i + "<title>".len();
            format!(
                "{}{}{}",
                &body[..at],
                locale.t("form-title-error"),
                &body[at..]
            )
        }
        None => body,
    }
}

/// Malformed JSON, forms, queries and paths answer 400 with the common error body. (Also the
/// page kit's own routes: a GET on a form's POST-only path leads to the form's page,
/// `page::form_pages`.)
pub fn extractor_configs(cfg: &mut web::ServiceConfig) {
    page::form_pages(cfg);
    cfg.app_data(
        web::JsonConfig::default()
            .limit(1 << 20)
            .error_handler(|e, _| AppError::BadRequest(e.to_string()).into()),
    )
    .app_data(
        web::QueryConfig::default()
            .error_handler(|e, _| AppError::BadRequest(e.to_string()).into()),
    )
    .app_data(web::PathConfig::default().error_handler(|_, _| AppError::NotFound.into()))
    .app_data(
        web::FormConfig::default()
            .limit(1 << 20)
            .error_handler(|e, _| AppError::BadRequest(e.to_string()).into()),
    );
}
