//! The mail queue, for admins and auditors: what was sent, what waits, what keeps failing.

use crate::auth::{Capability, CurrentUser};
use crate::error::{AppResult, ErrorBody};
use crate::state::AppState;
use crate::web::page::PageCtx;
use actix_web::{HttpResponse, get, web};
use askama::Template;
use entity::outbox;
use sea_orm::{EntityTrait, QueryOrder, QuerySelect};

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct OutboxView {
    pub id: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub kind: String,
    pub to: String,
    pub subject: String,
    /// `pending` or `sent`.
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub sent_at: Option<chrono::DateTime<chrono::Utc>>,
}

async fn recent(state: &AppState) -> AppResult<Vec<outbox::Model>> {
    Ok(outbox::Entity::find()
        .order_by_desc(outbox::Column::Id)
        .limit(200)
        .all(&state.db.read)
        .await?)
}

/// Which mail the queue page lists (`/admin/outbox?status=…`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutboxFilter {
    /// The newest 200, whatever their state.
    Recent,
    /// Not sent yet, the oldest first.
    Pending,
    /// Not sent yet and at least one attempt failed, the oldest first.
    Failing,
}

impl OutboxFilter {
    pub fn parse(s: Option<&str>) -> Self {
        match s {
            Some("pending") => OutboxFilter::Pending,
            Some("failing") => OutboxFilter::Failing,
            _ => OutboxFilter::Recent,
        }
    }
}

/// The mail `filter` lists: the queue page shows these, the admin's home page counts them.
pub async fn queue(
    conn: &impl sea_orm::ConnectionTrait,
    filter: OutboxFilter,
) -> AppResult<Vec<outbox::Model>> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let sel = outbox::Entity::find();
    Ok(match filter {
        OutboxFilter::Recent => sel.order_by_desc(outbox::Column::Id).limit(200),
        OutboxFilter::Pending => sel
            .filter(outbox::Column::Status.eq("pending"))
            .order_by_asc(outbox::Column::Id),
        OutboxFilter::Failing => sel
            .filter(outbox::Column::Status.eq("pending"))
            .filter(outbox::Column::Attempts.gt(0))
            .order_by_asc(outbox::Column::Id),
    }
    .all(conn)
    .await?)
}

#[utoipa::path(get, path = "/api/outbox", tag = "mail", security(("bearer" = ["read_mail_queue"])),
    responses((status = 200, body = Vec<OutboxView>), (status = 403, body = ErrorBody)))]
#[get("/api/outbox")]
pub async fn api_list(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> AppResult<web::Json<Vec<OutboxView>>> {
    user.require(Capability::ReadMailQueue)?;
    Ok(web::Json(
        recent(&state)
            .await?
            .into_iter()
            .map(|m| OutboxView {
                id: m.id,
                created_at: m.created_at,
                kind: m.kind,
                to: m.to_addr,
                subject: m.subject,
                status: m.status,
                attempts: m.attempts,
                last_error: m.last_error,
                sent_at: m.sent_at,
            })
            .collect(),
    ))
}

#[derive(Template)]
#[template(path = "admin/outbox.html")]
struct OutboxPage {
    ctx: PageCtx,
    rows: Vec<outbox::Model>,
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct OutboxQuery {
    /// `pending` or `failing`; otherwise the newest 200.
    pub status: Option<String>,
}

#[get("/admin/outbox")]
pub async fn page(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    q: crate::web::Query<OutboxQuery>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadMailQueue)?;
    let rows = queue(&state.db.read, OutboxFilter::parse(q.status.as_deref())).await?;
    Ok(crate::web::html(&OutboxPage { ctx, rows }))
}
