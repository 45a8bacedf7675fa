//! Tenders (rule 4): invitational and public tenders with sealed bids, four-eyes opening,
//! scoring, award; and rule 14 for them: a committee of at least three named members who score
//! apart, an evaluation that needs all their scores, and an award decided by a head who
//! neither ran the evaluation nor scored alone; and rule 14's last sentence: before the
//! opening nobody but the bidder learns that a bid exists, its price or its bidder.
//!
//! `rules` holds the pure rules (the life cycle, the bid window, weights, price scoring and
//! ranking), `crypto` seals bids at rest (AES-256-GCM), `seal_key` keeps its key outside the
//! database and its backups (a copy of the database opens nothing), `store` the persistence
//! (every change one transaction with its audit entry and mail; its views show no bid of an
//! unopened tender but the bidder's own), and `api`/`pages` the handlers. `store::award_of`
//! hands an approved award on to contracts; [`on_supplier_removed`] is rule 2's removal
//! reaching into open tenders.

use entity::SupplierId;
pub mod api;
pub mod crypto;
pub mod pages;
pub mod rules;
pub mod seal_key;
pub mod store;

/// Rule 2: a removed supplier's open bids are disqualified, in the removal's transaction.
pub async fn on_supplier_removed(
    txn: &sea_orm::DatabaseTransaction,
    supplier_id: SupplierId,
    now: chrono::DateTime<chrono::Utc>,
) -> crate::error::AppResult<u64> {
    store::disqualify_bids_of(txn, supplier_id, now).await
}

/// This capability's routes, for `crate::routes` to assemble: the API operations (each written
/// into the OpenAPI document by its `#[utoipa::path]`), then the pages (not in the document).
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(api::api_list)
        .service(api::api_create)
        .service(api::api_get)
        .service(api::api_update)
        .service(api::api_committee)
        .service(api::api_set_committee)
        .service(api::api_add_document)
        .service(api::api_document)
        .service(api::api_publish)
        .service(api::api_my_bid)
        .service(api::api_submit_bid)
        .service(api::api_withdraw_bid)
        .service(api::api_open)
        .service(api::api_score)
        .service(api::api_evaluate)
        .service(api::api_decide)
        .service(api::api_reissue)
        .map(|c| {
            c.service(pages::list_page)
                .service(pages::new_page)
                .service(pages::create_submit)
                .service(pages::edit_page)
                .service(pages::edit_submit)
                .service(pages::tender_page)
                .service(pages::committee_submit)
                .service(pages::document_submit)
                .service(pages::document_download)
                .service(pages::publish_submit)
                .service(pages::open_submit)
                .service(pages::scores_submit)
                .service(pages::evaluate_submit)
                .service(pages::decision_submit)
                .service(pages::reissue_submit)
                .service(pages::bid_form)
                .service(pages::bid_submit)
                .service(pages::bid_withdraw)
        });
}
