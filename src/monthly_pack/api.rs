//! The monthly packs as JSON: the list, one pack's sections with their figures, and its
//! workbook (in the caller's language). Finance, the procurement head and the auditor read
//! them (`read_settlement`).

use super::rules::Section;
use super::store;
use crate::auth::{Capability, CurrentUser};
use crate::error::{AppError, AppResult, ErrorBody};
use crate::export::Format;
use crate::i18n::Locale;
use crate::settlement::rules::Period;
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

/// A pack in the list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PackItem {
    #[schema(example = "2026-11")]
    pub period: String,
    pub assembled_at: DateTime<Utc>,
}

/// A pack: its period, when it was assembled, and each section's figures and link.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PackView {
    #[schema(example = "2026-11")]
    pub period: String,
    pub assembled_at: DateTime<Utc>,
    pub sections: Vec<Section>,
}

/// The period named in the address, a field error when it is not one ("2026-13", "abc").
pub fn period_of(s: &str) -> AppResult<Period> {
    crate::settlement::api::parse_period("period", Some(s))?
        .ok_or_else(|| AppError::field("period", crate::error::RuleCode::Period))
}

/// The pack of `period`, if `user` may read packs; not found when not assembled.
pub async fn pack(
    state: &AppState,
    user: &CurrentUser,
    period: &str,
) -> AppResult<entity::monthly_pack::Model> {
    user.require(Capability::ReadSettlement)?;
    let period = period_of(period)?;
    store::find(&state.db.read, period)
        .await?
        .ok_or(AppError::NotFound)
}

/// The pack's workbook in `locale`, as a download.
pub fn workbook_download(p: &entity::monthly_pack::Model, locale: Locale) -> HttpResponse {
    let body = match locale {
        Locale::ZhCn => p.workbook_zh.clone(),
        Locale::En => p.workbook_en.clone(),
    };
    crate::export::attachment(
        Format::Xlsx,
        &format!("{} {}", locale.t("pack-title"), p.period),
        body,
    )
}

/// The monthly packs assembled, newest first.
#[utoipa::path(get, path = "/api/monthly-packs", tag = "monthly packs", security(("bearer" = ["read_settlement"])),
    responses((status = 200, body = Vec<PackItem>), (status = 403, body = ErrorBody)))]
#[get("/api/monthly-packs")]
pub async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> AppResult<web::Json<Vec<PackItem>>> {
    user.require(Capability::ReadSettlement)?;
    Ok(web::Json(
        store::list(&state.db.read)
            .await?
            .into_iter()
            .map(|(period, assembled_at)| PackItem {
                period,
                assembled_at,
            })
            .collect(),
    ))
}

/// One pack: each section with its sheets, rows, total and the page it comes from.
#[utoipa::path(get, path = "/api/monthly-packs/{period}", tag = "monthly packs", security(("bearer" = ["read_settlement"])),
    params(("period" = String, Path, description = "YYYY-MM")),
    responses((status = 200, body = PackView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[get("/api/monthly-packs/{period}")]
pub async fn get(
    state: web::Data<AppState>,
    user: CurrentUser,
    period: web::Path<String>,
) -> AppResult<web::Json<PackView>> {
    let p = pack(&state, &user, &period).await?;
    Ok(web::Json(PackView {
        sections: store::sections(&p),
        period: p.period,
        assembled_at: p.assembled_at,
    }))
}

/// One pack's workbook, a sheet per section, in the caller's language (`Accept-Language`).
#[utoipa::path(get, path = "/api/monthly-packs/{period}/xlsx", tag = "monthly packs", security(("bearer" = ["read_settlement"])),
    params(("period" = String, Path, description = "YYYY-MM")),
    responses((status = 200, description = "The workbook (XLSX)"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[get("/api/monthly-packs/{period}/xlsx")]
pub async fn workbook(
    state: web::Data<AppState>,
    user: CurrentUser,
    period: web::Path<String>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    let p = pack(&state, &user, &period).await?;
    Ok(workbook_download(&p, Locale::of(&req)))
}
