//! The top bar's unread count. The page kit draws the bar for every page and knows nothing of
//! notices, so this middleware (wrapped inside the session middleware, which has resolved the
//! user) counts the signed-in user's unread notices for each page request and leaves the
//! figure where [`PageCtx`](crate::web::page::PageCtx) picks it up. The API is not slowed:
//! it has its own `/api/notices/unread`.

use super::store;
use crate::auth::Auth;
use crate::state::AppState;
use crate::web::page::UnreadNotices;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};

pub async fn count_unread(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let path = req.path();
    let is_page = req.method() == Method::GET
        && !path.starts_with("/api/")
        && !path.starts_with("/static/")
        && !path.starts_with("/files/");
    let user_id = match req.extensions().get::<Auth>() {
        Some(Auth::User(u)) if is_page => Some(u.id),
        _ => None,
    };
    if let Some(user_id) = user_id
        && let Some(state) = req.app_data::<web::Data<AppState>>()
    {
        // A count that cannot be read leaves the bar without a figure, not the page broken.
        if let Ok(n) = store::unread_count(&state.db.read, user_id).await {
            req.extensions_mut().insert(UnreadNotices(n));
        }
    }
    next.call(req).await
}
