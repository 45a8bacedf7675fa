//! The dashboards' figures as JSON: each chart's categories and series, exact decimals.

use super::store::{self, ProcurementDashboard};
use crate::auth::{Capability, CurrentUser};
use crate::error::{AppResult, ErrorBody};
use crate::i18n::Locale;
use crate::state::AppState;
use actix_web::{HttpRequest, get, web};

/// The procurement dashboard as of today: drawn value per site for the last six months, and
/// the suppliers by status.
#[utoipa::path(get, path = "/api/dashboards/procurement", tag = "dashboards", security(("bearer" = ["read_procurement"])),
    responses((status = 200, body = ProcurementDashboard), (status = 403, body = ErrorBody)))]
#[get("/api/dashboards/procurement")]
pub async fn procurement(
    state: web::Data<AppState>,
    user: CurrentUser,
    req: HttpRequest,
) -> AppResult<web::Json<ProcurementDashboard>> {
    user.require(Capability::ReadProcurement)?;
    Ok(web::Json(
        store::procurement(&state.db.read, Locale::of(&req), state.today()).await?,
    ))
}
