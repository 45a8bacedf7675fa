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
    /// Every action the log holds, named in the page's language and in that order, each with
    /// whether it is the one searched for: an auditor picks "价格审批" instead of typing
    /// `price.approve`.
    fn action_choices(&self) -> Vec<(&'static str, String, bool)> {
        Self::choices(
            super::actions::ACTIONS,
            |a| super::actions::label(self.ctx.locale, a),
            &self.q.action,
        )
    }
    /// Every kind of record, likewise.
    fn entity_choices(&self) -> Vec<(&'static str, String, bool)> {
        Self::choices(
            super::actions::ENTITIES,
            |e| super::actions::entity_label(self.ctx.locale, e),
            &self.q.entity,
        )
    }
    fn choices(
        values: &[&'static str],
        label: impl Fn(&str) -> String,
        chosen: &Option<String>,
    ) -> Vec<(&'static str, String, bool)> {
        let mut out: Vec<_> = values
            .iter()
            .map(|v| (*v, label(v), chosen.as_deref() == Some(*v)))
            .collect();
        out.sort_by(|a, b| a.1.cmp(&b.1));
        out
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
        Some(store::verify_cached(&state.db.read, &state.instance, state.now()).await?)
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
