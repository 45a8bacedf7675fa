//! The dashboards' figures as JSON: each chart's categories and series, exact decimals.

use super::store::{self, Area, AsOf, Dashboard};
use crate::auth::{Capability, CurrentUser};
use crate::error::{AppError, AppResult, ErrorBody};
use crate::i18n::Locale;
use crate::state::AppState;
use actix_web::{HttpRequest, get, web};

/// The area `name` as `user` may read it: procurement (procurement and the auditors),
/// warehouse (whoever reads the stock), finance (who reads the settlement), site (a site's
/// users, of their own site only), supplier (a supplier, of its own goods only).
pub fn area(user: &CurrentUser, name: &str) -> AppResult<Area> {
    match name {
        "procurement" => {
            user.require(Capability::ReadProcurement)?;
            Ok(Area::Procurement)
        }
        "warehouse" => {
            user.require(Capability::ReadStock)?;
            Ok(Area::Warehouse)
        }
        "finance" => {
            user.require(Capability::ReadSettlement)?;
            Ok(Area::Finance)
        }
        "site" => {
            user.require(Capability::Requisition)?;
            Ok(Area::Site(user.site_id.ok_or(AppError::Forbidden)?))
        }
        "supplier" => {
            user.require(Capability::ManageOwnSupplier)?;
            Ok(Area::Supplier(user.own_supplier()?))
        }
        _ => Err(AppError::NotFound),
    }
}

/// The figures are as of this moment, in the company's time zone.
pub fn as_of(state: &AppState) -> AsOf {
    AsOf {
        today: state.today(),
        now: state.now(),
        tz: state.tz(),
    }
}

/// The dashboard of the area `name` as `user` may read it ([`area`]), every chart.
pub async fn dashboard(
    state: &AppState,
    user: &CurrentUser,
    name: &str,
    locale: Locale,
) -> AppResult<Dashboard> {
    let area = area(user, name)?;
    store::dashboard(&state.db.read, locale, as_of(state), area, false).await
}

/// The procurement dashboard as of today: what each site drew per month, how the goods were
/// paid for (consigned against bought), stale stock by supplier, turnover by category,
/// suppliers and tenders by stage, contracts waiting for sign-off.
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

/// The warehouse dashboard as of today: received and issued per day over a fortnight, and the
/// lead times of inspection (rule 8) and issue (rule 9).
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
/// age, what the sites drew of it per month, its deliveries accepted and rejected.
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

/// The finance dashboard as of today: what is to pay this month and next, the statements by
/// stage, the amounts under dispute by supplier.
#[utoipa::path(get, path = "/api/dashboards/finance", tag = "dashboards", security(("bearer" = ["read_settlement"])),
    responses((status = 200, body = Dashboard), (status = 403, body = ErrorBody)))]
#[get("/api/dashboards/finance")]
pub async fn finance(
    state: web::Data<AppState>,
    user: CurrentUser,
    req: HttpRequest,
) -> AppResult<web::Json<Dashboard>> {
    Ok(web::Json(
        dashboard(&state, &user, "finance", Locale::of(&req)).await?,
    ))
}

/// The caller's site dashboard as of today, of its own site only: what it drew this period
/// against its approved plan lines, and what it drew per month.
#[utoipa::path(get, path = "/api/dashboards/site", tag = "dashboards", security(("bearer" = ["requisition"])),
    responses((status = 200, body = Dashboard), (status = 403, body = ErrorBody)))]
#[get("/api/dashboards/site")]
pub async fn site(
    state: web::Data<AppState>,
    user: CurrentUser,
    req: HttpRequest,
) -> AppResult<web::Json<Dashboard>> {
    Ok(web::Json(
        dashboard(&state, &user, "site", Locale::of(&req)).await?,
    ))
}
