//! Tenders (rule 4): invitational and public tenders with sealed bids, four-eyes opening,
//! scoring, award.
//!
//! `rules` holds the pure rules (the life cycle, the bid window, weights, price scoring and
//! ranking), `crypto` seals bids at rest (AES-256-GCM, key derived from the instance secret),
//! `store` the persistence (every change one transaction with its audit entry and mail), and
//! `api`/`pages` the handlers. `store::award_of` hands an approved award on to contracts;
//! [`on_supplier_removed`] is rule 2's removal reaching into open tenders.

pub mod api;
pub mod crypto;
pub mod pages;
pub mod rules;
pub mod store;

/// Rule 2: a removed supplier's open bids are disqualified, in the removal's transaction.
pub async fn on_supplier_removed(
    txn: &sea_orm::DatabaseTransaction,
    supplier_id: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> crate::error::AppResult<u64> {
    store::disqualify_bids_of(txn, supplier_id, now).await
}
