//! Stock persistence: lots and the movement ledger, the stale scan, the ledger check, stock
//! first (rule 7) and the no-movement list. Quantities move only through conditional updates
//! (`… WHERE on_hand - reserved >= q`), so nothing is reserved or issued beyond what is on hand
//! however many requests arrive at once. The stored quantity and price types are
//! `crate::money::stored`'s, re-exported here for the stock's own files.

use super::rules::{
    DEFAULT_STALE_MONTHS, agreement_stale_months, allocate_oldest_first, is_stale, stale_cutoff,
};
use crate::audit::{self, Change};
use crate::auth::Role;
use crate::error::RuleCode;
use crate::error::{AppError, AppResult};
use crate::money::{cents_for, line_amount};
use crate::state::AppState;
use chrono::NaiveDate;
use entity::{consignment_agreement, listing, lot, material, movement, supplier, warehouse};
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, ExprTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
};
use serde::Serialize;
use utoipa::ToSchema;

mod lots;
pub use lots::*;

pub use crate::money::stored::{Price, Qty};
