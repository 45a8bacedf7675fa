//! The audit log's API: search and chain verification.

use super::store;
use crate::auth::{Capability, CurrentUser};
use crate::error::{AppResult, ErrorBody};
use crate::state::AppState;
use actix_web::{get, web};
use serde::Serialize;

#[derive(Serialize, utoipa::ToSchema)]
pub struct AuditPage {
    pub total: u64,
    pub page: u64,
    pub entries: Vec<AuditEntry>,
}

/// An entry as readers see it. Without its place in the chain (`seq`): entries about bids of
/// unopened tenders are left out of every view (rule 14), and a gap in the numbers would tell
/// how many there are. The chain is checked by `verify`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    /// The record before the change (JSON), empty for a creation.
    pub before: String,
    /// The record after the change (JSON), empty for a deletion.
    pub after: String,
    pub hash: String,
}

impl From<entity::audit_log::Model> for AuditEntry {
    fn from(m: entity::audit_log::Model) -> Self {
        Self {
            at: m.at,
            actor_id: m.actor_id,
            actor: m.actor,
            action: m.action,
            entity: m.entity,
            entity_id: m.entity_id,
            before: m.before,
            after: m.after,
            hash: m.hash,
        }
    }
}

/// Searches the audit log, newest first, 50 to a page. Entries about bids of tenders not yet
/// opened are left out until the tender opens (rule 14); the chain keeps them.
#[utoipa::path(get, path = "/api/audit", tag = "audit", security(("bearer" = ["read_audit"])), params(store::AuditQuery),
    responses((status = 200, body = AuditPage), (status = 403, body = ErrorBody)))]
#[get("/api/audit")]
pub async fn search(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: crate::web::Query<store::AuditQuery>,
) -> AppResult<web::Json<AuditPage>> {
    user.require(Capability::ReadAudit)?;
    let page = crate::web::page_number(q.page);
    let (rows, total) = store::search(&state.db.read, &q, page, state.tz()).await?;
    Ok(web::Json(AuditPage {
        total,
        page,
        entries: rows.into_iter().map(Into::into).collect(),
    }))
}

/// What the web says of the chain: intact or where it broke. Not how many entries it holds:
/// that count includes the sealed entries of unopened tenders (rule 14). `portal audit verify`
/// on the server prints it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ChainCheck {
    pub ok: bool,
    /// What broke first, in words, when `ok` is false.
    pub problem: Option<String>,
    pub problem_seq: Option<i64>,
}

impl From<store::Verification> for ChainCheck {
    fn from(v: store::Verification) -> Self {
        Self {
            ok: v.ok,
            problem: v.problem,
            problem_seq: v.problem_seq,
        }
    }
}

/// Recomputes the whole hash chain and says whether any entry was altered or removed; the
/// outcome is reused while the chain head is unchanged, for at most five minutes
/// (`store::verify_cached`).
#[utoipa::path(get, path = "/api/audit/verify", tag = "audit", security(("bearer" = ["read_audit"])),
    responses((status = 200, body = ChainCheck), (status = 403, body = ErrorBody)))]
#[get("/api/audit/verify")]
pub async fn verify(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> AppResult<web::Json<ChainCheck>> {
    user.require(Capability::ReadAudit)?;
    Ok(web::Json(
        store::verify_cached(&state.db.read, &state.instance, state.now())
            .await?
            .into(),
    ))
}
