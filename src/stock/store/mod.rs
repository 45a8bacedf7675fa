//! Stock persistence: listings and price approval, deliveries and inspection, lots and the
//! movement ledger, requisitions with reservation and issue, the stale scan, the ledger check.
//! Quantities move only through conditional updates (`… WHERE on_hand - reserved >= q`), so
//! nothing is reserved or issued beyond what is on hand however many requests arrive at once.

use super::rules::{DEFAULT_STALE_MONTHS, agreement_stale_months, is_stale, stale_cutoff};
use crate::audit::{self, Change};
use crate::auth::{CurrentUser, Role};
use crate::error::RuleCode;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::money::{Quantity, UnitPlaces, UnitPrice, ValueError, cents_for, line_amount};
use crate::state::AppState;
use chrono::NaiveDate;
use entity::{
    Fixed, SupplierId, consignment_agreement, listing, lot, material, movement, supplier, unit,
    warehouse,
};
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
};
use serde::Serialize;
use utoipa::ToSchema;

mod lots;
pub use lots::*;

pub type Qty = Fixed<3>;
pub type Price = Fixed<4>;

/// A quantity as entered, in a unit of `decimals` places; zero with the field's error when
/// refused.
pub(crate) fn qty(field: &str, v: Decimal, decimals: u32, errors: &mut FieldErrors) -> Qty {
    let places = UnitPlaces::new(decimals);
    Quantity::parse(v, places).map_or_else(
        |e| {
            Quantity::add_error(errors, field, e, places);
            Qty::zero()
        },
        Quantity::fixed,
    )
}

/// A unit price as entered ([`UnitPrice`]); zero with the field's error when refused.
pub(crate) fn price(field: &str, v: Decimal, errors: &mut FieldErrors) -> Price {
    UnitPrice::parse(v).map_or_else(
        |e| {
            errors.add(
                field,
                match e {
                    ValueError::NotPositive => RuleCode::PricePositive,
                    other => other.code(),
                },
            );
            Price::zero()
        },
        UnitPrice::fixed,
    )
}

/// The decimals the material's unit allows.
pub(crate) async fn unit_decimals(conn: &impl ConnectionTrait, material_id: i64) -> AppResult<u32> {
    let m = material::Entity::find_by_id(material_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let u = unit::Entity::find_by_id(m.unit_code.clone())
        .one(conn)
        .await?;
    Ok(u.map(|u| u.decimals.clamp(0, 3) as u32).unwrap_or(3))
}

pub(crate) fn own_supplier(user: &CurrentUser) -> AppResult<SupplierId> {
    match (user.role, user.supplier_id) {
        (Role::Supplier, Some(id)) => Ok(id),
        _ => Err(AppError::Forbidden),
    }
}
