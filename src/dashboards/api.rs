//! The dashboards' figures as JSON: each chart's categories and series, exact decimals.

use super::store::{self, Dashboard};
use crate::auth::{Capability, CurrentUser};
use crate::error::{AppError, AppResult, ErrorBody};
use crate::i18n::Locale;
use crate::state::AppState;
use actix_web::{HttpRequest, get, web};

/// The dashboard of `area` as `user` may read it: procurement (procurement and the auditors),
/// warehouse (whoever reads the stock), supplier (a supplier, of its own goods only).
pub async fn dashboard(
    state: &AppState,
    user: &CurrentUser,
    area: &str,
    locale: Locale,
) -> AppResult<Dashboard> {
    let db = &state.db.read;
    let today = state.today();
    match area {
        "procurement" => {
            user.require(Capability::ReadProcurement)?;
            store::procurement(db, locale, today).await
        }
        "warehouse" => {
            user.require(Capability::ReadStock)?;
            store::warehouse(db, locale, today).await
        }
        "supplier" => store::supplier(db, locale, today, user.own_supplier()?).await,
        _ => Err(AppError::NotFound),
    }
}

/// A dashboard as of today: `procurement` (what each site drew per month, suppliers by
/// stage), `warehouse` (receipts and issues per day) or `supplier` (the caller's own stock by
/// age and what the sites drew of it).
#[utoipa::path(get, path = "/api/dashboards/{area}", tag = "dashboards", security(("bearer" = [])),
    params(("area" = String, Path, description = "`procurement`, `warehouse` or `supplier`")),
    responses((status = 200, body = Dashboard), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/api/dashboards/{area}")]
pub async fn get_dashboard(
    state: web::Data<AppState>,
    user: CurrentUser,
    area: web::Path<String>,
    req: HttpRequest,
) -> AppResult<web::Json<Dashboard>> {
    Ok(web::Json(
        dashboard(&state, &user, &area, Locale::of(&req)).await?,
    ))
}
