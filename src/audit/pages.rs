//! The audit search page, for auditors and admins.

use super::store::{self, AuditQuery};
use crate::auth::{Capability, CurrentUser};
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::page::PageCtx;
use actix_web::{HttpResponse, get, web};
use askama::Template;

#[derive(Template)]
#[template(path = "audit/search.html")]
struct AuditSearch {
    ctx: PageCtx,
    q: AuditQuery,
    entries: Vec<entity::audit_log::Model>,
    total: u64,
    page: u64,
    pages: u64,
    verification: Option<store::Verification>,
    prev_link: Option<String>,
    next_link: Option<String>,
}

impl AuditSearch {
    fn val(v: &Option<String>) -> String {
        v.clone().unwrap_or_default()
    }
    fn date(v: &Option<chrono::NaiveDate>) -> String {
        v.map(|d| d.to_string()).unwrap_or_default()
    }
}

#[derive(serde::Deserialize)]
pub struct VerifyFlag {
    verify: Option<String>,
}

#[get("/audit")]
pub async fn search(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    q: crate::web::Query<AuditQuery>,
    v: crate::web::Query<VerifyFlag>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadAudit)?;
    let q = q.into_inner();
    let page = crate::web::page_number(q.page);
    let (entries, total) = store::search(&state.db.read, &q, page, state.tz()).await?;
    let pages = total.div_ceil(store::PAGE_SIZE).max(1);
    let verification = if v.verify.is_some() {
        Some(store::verify(&state.db.read).await?)
    } else {
        None
    };
    let link = |p: u64| {
        let mut s = url_for(&q);
        s.push_str(&format!("page={p}"));
        s
    };
    let prev_link = (page > 1).then(|| link(page - 1));
    let next_link = (page < pages).then(|| link(page + 1));
    Ok(crate::web::html(&AuditSearch {
        ctx,
        q,
        entries,
        total,
        page,
        pages,
        verification,
        prev_link,
        next_link,
    }))
}

fn url_for(q: &AuditQuery) -> String {
    let mut s = String::from("/audit?");
    for (k, v) in [
        ("actor", &q.actor),
        ("action", &q.action),
        ("entity", &q.entity),
        ("entity_id", &q.entity_id),
    ] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            s.push_str(&format!("{k}={}&", urlencoding::encode(v)));
        }
    }
    for (k, v) in [("from", q.from), ("to", q.to)] {
        if let Some(d) = v {
            s.push_str(&format!("{k}={d}&"));
        }
    }
    s
}
