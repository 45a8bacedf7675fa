//! Friendly error pages.

use super::page::PageCtx;
use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    ctx: PageCtx,
    heading: String,
    status: u16,
    message: String,
}

pub fn error_page(ctx: PageCtx, status: StatusCode, message: String) -> HttpResponse {
    let heading_key = match status.as_u16() {
        403 => "error-page-403",
        404 => "error-page-404",
        s if s >= 500 => "error-page-500",
        _ => "error-page-other",
    };
    let page = ErrorPage {
        heading: ctx.t(heading_key),
        status: status.as_u16(),
        message,
        ctx,
    };
    super::html_status(status, &page)
}
