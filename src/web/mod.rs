//! The page kit, below every capability: rendering (`html`, `html_status`), form readers and
//! `PageCtx` (`page`), the session middleware (`session`), error pages (`errors`), paging and
//! the extractor settings. It knows no capability's routes: `crate::routes` assembles those.

pub mod errors;
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

pub fn html_status(status: StatusCode, t: &impl Template) -> HttpResponse {
    match t.render() {
        Ok(body) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(body),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            HttpResponse::InternalServerError()
                .content_type("text/plain; charset=utf-8")
                .body("template error")
        }
    }
}

/// Malformed JSON, forms, queries and paths answer 400 with the common error body.
pub fn extractor_configs(cfg: &mut web::ServiceConfig) {
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
