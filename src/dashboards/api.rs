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
        "supplier" => {
            user.require(Capability::ManageOwnSupplier)?;
            store::supplier(db, locale, today, user.own_supplier()?).await
        }
        _ => Err(AppError::NotFound),
    }
}

/// The procurement dashboard as of today: what each site drew per month, suppliers by stage.
#[utoipa::path(get, path = "/api/dashboards/procurement", tag = "dashboards", security(("bearer" = ["read_procurement"])),
    responses((status = 200, body = Dashboard), (status = 403, body = ErrorBody)))]
#[get("/api/dashboards/procurement")]
pub async fn procurement(
    state: web::Data<AppState>,
    user: CurrentUser,
    req: HttpRequest,
) -> AppResult<web::Json<Dashboard>> {
    Ok(web::Json(
        dashboard(&state, &user, "procurement", Locale::of(&req)).await?,
    ))
}

/// The warehouse dashboard as of today: received and issued per day over a fortnight.
#[utoipa::path(get, path = "/api/dashboards/warehouse", tag = "dashboards", security(("bearer" = ["read_stock"])),
    responses((status = 200, body = Dashboard), (status = 403, body = ErrorBody)))]
#[get("/api/dashboards/warehouse")]
pub async fn warehouse(
    state: web::Data<AppState>,
    user: CurrentUser,
    req: HttpRequest,
) -> AppResult<web::Json<Dashboard>> {
    Ok(web::Json(
        dashboard(&state, &user, "warehouse", Locale::of(&req)).await?,
    ))
}

/// The caller's supplier dashboard as of today, of its own goods only: its stock on site by
/// age and what the sites drew of it per month.
#[utoipa::path(get, path = "/api/dashboards/supplier", tag = "dashboards", security(("bearer" = ["manage_own_supplier"])),
    responses((status = 200, body = Dashboard), (status = 403, body = ErrorBody)))]
#[get("/api/dashboards/supplier")]
pub async fn supplier(
    state: web::Data<AppState>,
    user: CurrentUser,
    req: HttpRequest,
) -> AppResult<web::Json<Dashboard>> {
    Ok(web::Json(
        dashboard(&state, &user, "supplier", Locale::of(&req)).await?,
    ))
}
