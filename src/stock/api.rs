//! The stock's JSON API: rule 12's ledger check and rule 3's no-movement list.

use super::store::{self, LedgerCheck};
use crate::auth::{Capability, CurrentUser};
use crate::error::{AppResult, ErrorBody};
use crate::state::AppState;
use actix_web::{get, web};
use serde::Deserialize;
use utoipa::IntoParams;

/// Rule 12: compares each listing's on-hand with its lots and its movements.
#[utoipa::path(get, path = "/api/stock/ledger-check", tag = "stock", security(("bearer" = ["read_stock"])),
    responses((status = 200, body = LedgerCheck), (status = 403, body = ErrorBody)))]
#[get("/api/stock/ledger-check")]
pub async fn ledger_check(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> AppResult<web::Json<LedgerCheck>> {
    user.require(Capability::ReadStock)?;
    Ok(web::Json(store::ledger_check(&state.db.read).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NoMovementQuery {
    pub warehouse_id: Option<i64>,
    /// The date of the list; today when absent.
    pub as_of: Option<chrono::NaiveDate>,
}

/// Rule 3's no-movement list: lots on hand past their limit (or of removed suppliers), each
/// with its reason.
#[utoipa::path(get, path = "/api/stock/no-movement", tag = "stock", security(("bearer" = ["read_stock"])), params(NoMovementQuery),
    responses((status = 200, body = Vec<store::NoMovementLine>), (status = 403, body = ErrorBody)))]
#[get("/api/stock/no-movement")]
pub async fn no_movement(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: crate::web::Query<NoMovementQuery>,
) -> AppResult<web::Json<Vec<store::NoMovementLine>>> {
    user.require(Capability::ReadStock)?;
    let as_of = q.as_of.unwrap_or_else(|| state.today());
    Ok(web::Json(
        store::no_movement(&state.db.read, q.warehouse_id, as_of, false).await?,
    ))
}
