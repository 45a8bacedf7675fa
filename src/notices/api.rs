//! `/api/notices`: the signed-in user's inbox and email preferences. Open to every signed-in
//! user; each sees and marks only their own notices (another's answers 404).

use super::store::{self, NoticeView, Preference};
use crate::auth::CurrentUser;
use crate::error::{AppResult, ErrorBody};
use crate::i18n::Locale;
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
pub struct PageQuery {
    /// 1-based page number (30 notices a page).
    pub page: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NoticePage {
    /// Newest first.
    pub items: Vec<NoticeView>,
    pub total: u64,
    pub unread: u64,
    pub page: u64,
    pub page_size: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Unread {
    pub unread: u64,
}

/// The signed-in user's notices, newest first, in the request's language.
#[utoipa::path(get, path = "/api/notices", tag = "notices", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, body = NoticePage), (status = 401, body = ErrorBody)))]
#[get("/api/notices")]
pub async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
    q: crate::web::Query<PageQuery>,
) -> AppResult<web::Json<NoticePage>> {
    let page = crate::paging::page_number(q.page);
    let locale = Locale::of(&req);
    let (rows, total) = store::page_of(&state.db.read, user.id, page).await?;
    let unread = store::unread_count(&state.db.read, user.id).await?;
    Ok(web::Json(NoticePage {
        items: rows
            .into_iter()
            .map(|n| NoticeView::of(n, locale))
            .collect(),
        total,
        unread,
        page,
        page_size: store::PAGE_SIZE,
    }))
}

/// How many of the signed-in user's notices are unread.
#[utoipa::path(get, path = "/api/notices/unread", tag = "notices", security(("bearer" = [])),
    responses((status = 200, body = Unread), (status = 401, body = ErrorBody)))]
#[get("/api/notices/unread")]
pub async fn unread_count(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> AppResult<web::Json<Unread>> {
    Ok(web::Json(Unread {
        unread: store::unread_count(&state.db.read, user.id).await?,
    }))
}

/// Marks every notice of the signed-in user read.
#[utoipa::path(post, path = "/api/notices/read-all", tag = "notices", security(("bearer" = [])),
    responses((status = 204, description = "All read"), (status = 401, body = ErrorBody)))]
#[post("/api/notices/read-all")]
pub async fn read_all(state: web::Data<AppState>, user: CurrentUser) -> AppResult<HttpResponse> {
    store::mark_all_read(&state.db.write, user.id, state.now()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Whether notices of each topic also come by email (they always land in the inbox).
#[utoipa::path(get, path = "/api/notices/preferences", tag = "notices", security(("bearer" = [])),
    responses((status = 200, body = Vec<Preference>), (status = 401, body = ErrorBody)))]
#[get("/api/notices/preferences")]
pub async fn get_preferences(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> AppResult<web::Json<Vec<Preference>>> {
    Ok(web::Json(
        store::preferences(&state.db.read, user.id).await?,
    ))
}

/// Sets email on or off for the topics given (the others keep their choice); answers every
/// topic's choice.
#[utoipa::path(put, path = "/api/notices/preferences", tag = "notices", security(("bearer" = [])),
    request_body = Vec<Preference>,
    responses((status = 200, body = Vec<Preference>), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[put("/api/notices/preferences")]
pub async fn put_preferences(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<Vec<Preference>>,
) -> AppResult<web::Json<Vec<Preference>>> {
    let txn = state.db.begin_write().await?;
    let after = store::set_preferences(&txn, &user, state.now(), &body).await?;
    txn.commit().await?;
    Ok(web::Json(after))
}

/// One of the signed-in user's notices.
#[utoipa::path(get, path = "/api/notices/{id}", tag = "notices", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = NoticeView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/api/notices/{id}")]
pub async fn get_one(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<web::Json<NoticeView>> {
    let n = store::own(&state.db.read, user.id, *id).await?;
    Ok(web::Json(NoticeView::of(n, Locale::of(&req))))
}

/// Marks one of the signed-in user's notices read; answers it.
#[utoipa::path(post, path = "/api/notices/{id}/read", tag = "notices", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = NoticeView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[post("/api/notices/{id}/read")]
pub async fn read_one(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<web::Json<NoticeView>> {
    let n = store::mark_read(&state.db.write, user.id, *id, state.now()).await?;
    Ok(web::Json(NoticeView::of(n, Locale::of(&req))))
}
