//! The inbox page, opening a notice (marks it read and goes to its item), and the email preferences form of the account page.

use super::store::{self, NoticeView, Preference};
use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::page::{CsrfForm, PageCtx, redirect, redirect_with_flash};
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "notices/inbox.html")]
struct InboxPage {
    ctx: PageCtx,
    items: Vec<NoticeView>,
    unread: u64,
    newer: Option<u64>,
    older: Option<u64>,
}

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<u64>,
}

#[get("/notices")]
pub async fn inbox(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    q: crate::web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    let page = crate::paging::page_number(q.page);
    let (rows, total) = store::page_of(&state.db.read, user.id, page).await?;
    let unread = store::unread_count(&state.db.read, user.id).await?;
    let items = rows
        .into_iter()
        .map(|n| NoticeView::of(n, ctx.locale))
        .collect();
    Ok(crate::web::html(&InboxPage {
        ctx,
        items,
        unread,
        newer: (page > 1).then(|| page - 1),
        older: (page * store::PAGE_SIZE < total).then(|| page + 1),
    }))
}

#[derive(Template)]
#[template(path = "notices/notice.html")]
struct NoticePage {
    ctx: PageCtx,
    n: NoticeView,
}

/// Opening a notice marks it read, then goes to its item; a notice without one is shown.
#[get("/notices/{id}")]
pub async fn open(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let n = store::mark_read(&state.db.write, user.id, *id, state.now()).await?;
    let n = NoticeView::of(n, ctx.locale);
    match n.link.as_deref().filter(|l| super::rules::valid_link(l)) {
        Some(link) => Ok(redirect(link)),
        None => Ok(crate::web::html(&NoticePage { ctx, n })),
    }
}

#[derive(Deserialize)]
pub struct Empty {}

#[post("/notices/read-all")]
pub async fn read_all(
    state: web::Data<AppState>,
    user: CurrentUser,
    _form: CsrfForm<Empty>,
) -> AppResult<HttpResponse> {
    store::mark_all_read(&state.db.write, user.id, state.now()).await?;
    Ok(redirect_with_flash(
        "/notices",
        "success",
        "notice-flash-all-read",
    ))
}

/// The account page's preferences form: a checked box per topic whose notices also come by
/// email; every topic is on the form, so an unchecked box turns email off.
#[post("/notices/preferences")]
pub async fn preferences(
    state: web::Data<AppState>,
    user: CurrentUser,
    form: CsrfForm<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let checked: Vec<&str> = form
        .0
        .iter()
        .filter_map(|(k, _)| k.strip_prefix("email_"))
        .collect();
    let choices: Vec<Preference> = super::rules::TOPICS
        .iter()
        .map(|t| Preference {
            topic: (*t).to_string(),
            email: checked.contains(t),
        })
        .collect();
    let txn = state.db.begin_write().await?;
    store::set_preferences(&txn, &user, state.now(), &choices).await?;
    txn.commit().await?;
    Ok(redirect_with_flash(
        "/account#notice-preferences",
        "success",
        "pref-flash-saved",
    ))
}
