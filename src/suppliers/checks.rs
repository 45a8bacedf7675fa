//! The daily supplier checks, run by the scheduler or `portal jobs run NAME --as-of DATE`:
//! documents about to expire, suspensions that have run out, yearly reviews that are due.
//! Each check marks what it handled, so running it again for the same day does nothing twice.

use super::rules::{SupplierStatus, expiry_warning_due};
use crate::audit::{self, Actor};
use crate::auth::Role;
use crate::error::AppResult;
use crate::jobs::JobDetail;
use crate::mail;
use crate::state::AppState;
use crate::users::store as users;
use chrono::NaiveDate;
use entity::{supplier, supplier_document};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};

/// Warns, once per document, 30 days before a qualification document expires: the supplier
/// and the procurement office are emailed.
pub async fn document_expiry(state: &AppState, as_of: NaiveDate) -> AppResult<JobDetail> {
    let docs = supplier_document::Entity::find()
        .filter(supplier_document::Column::Active.eq(true))
        .filter(supplier_document::Column::ExpiryWarnedAt.is_null())
        .filter(supplier_document::Column::ExpiresOn.gte(as_of))
        .all(&state.db.read)
        .await?;
    let mut warned = 0;
    for d in docs
        .into_iter()
        .filter(|d| expiry_warning_due(d.expires_on, as_of))
    {
        let txn = state.db.begin_write().await?;
        let claimed = supplier_document::Entity::update_many()
            .col_expr(
                supplier_document::Column::ExpiryWarnedAt,
                Expr::value(Some(state.now())),
            )
            .filter(supplier_document::Column::Id.eq(d.id))
            .filter(supplier_document::Column::ExpiryWarnedAt.is_null())
            .exec(&txn)
            .await?;
        if claimed.rows_affected != 1 {
            continue;
        }
        let Some(s) = supplier::Entity::find_by_id(d.supplier_id)
            .one(&txn)
            .await?
        else {
            continue;
        };
        let args = [
            ("company", s.legal_name.clone()),
            ("title", d.title.clone()),
            ("date", d.expires_on.to_string()),
        ];
        let staff = users::active_of_supplier(&txn, s.id).await?;
        let (base_url, now) = (state.config.base_url(), state.now());
        let link = format!("/suppliers/{}", s.id);
        mail::enqueue_to_users_linked(
            &txn,
            &base_url,
            now,
            &staff,
            "document_expiring",
            "/my/supplier",
            &args,
        )
        .await?;
        let office = users::active_with_roles(&txn, &[Role::ProcurementOfficer]).await?;
        mail::enqueue_to_users_linked(
            &txn,
            &base_url,
            now,
            &office,
            "document_expiring_office",
            &link,
            &args,
        )
        .await?;
        audit::record(
            &txn,
            &Actor::system("job:document-expiry"),
            state.now(),
            audit::Change::new("document.expiry_warned", "supplier_document", d.id)
                .after(serde_json::json!({"expires_on": d.expires_on})),
        )
        .await?;
        txn.commit().await?;
        warned += 1;
    }
    state.mail_wake.notify_one();
    Ok(JobDetail::new("job-detail-document-expiry").arg("count", warned))
}

/// Lifts suspensions whose last day is before `as_of`.
pub async fn suspension_expiry(state: &AppState, as_of: NaiveDate) -> AppResult<JobDetail> {
    let due = supplier::Entity::find()
        .filter(supplier::Column::Status.eq(SupplierStatus::Suspended.as_str()))
        .filter(supplier::Column::SuspendedUntil.lt(as_of))
        .all(&state.db.read)
        .await?;
    let actor = Actor::system("job:suspension-expiry");
    let mut lifted = 0;
    for s in due {
        // One transaction per supplier. Another instance may have lifted it a moment ago;
        // that is not a failure here.
        let one = async {
            let txn = state.db.begin_write().await?;
            super::store::reinstate_as(&txn, &actor, state.now(), &state.config.base_url(), s.id)
                .await?;
            txn.commit().await?;
            state.mail_wake.notify_one();
            AppResult::Ok(())
        };
        if one.await.is_ok() {
            lifted += 1;
        }
    }
    Ok(JobDetail::new("job-detail-suspension-expiry").arg("count", lifted))
}

/// Reminds the procurement office, once per cycle, of admitted suppliers whose yearly review
/// is due.
pub async fn review_due(state: &AppState, as_of: NaiveDate) -> AppResult<JobDetail> {
    let due = supplier::Entity::find()
        .filter(supplier::Column::Status.is_in([
            SupplierStatus::Admitted.as_str(),
            SupplierStatus::Suspended.as_str(),
        ]))
        .filter(supplier::Column::NextReviewOn.lte(as_of))
        .all(&state.db.read)
        .await?;
    let mut reminded = 0;
    for s in due {
        let Some(next) = s.next_review_on else {
            continue;
        };
        let txn = state.db.begin_write().await?;
        let claimed = supplier::Entity::update_many()
            .col_expr(supplier::Column::ReviewRemindedOn, Expr::value(Some(as_of)))
            .filter(supplier::Column::Id.eq(s.id))
            .filter(
                Condition::any()
                    .add(supplier::Column::ReviewRemindedOn.is_null())
                    .add(supplier::Column::ReviewRemindedOn.lt(next)),
            )
            .exec(&txn)
            .await?;
        if claimed.rows_affected != 1 {
            continue;
        }
        let args = [
            ("company", s.legal_name.clone()),
            ("date", next.to_string()),
            ("id", s.id.to_string()),
        ];
        let office = users::active_with_roles(&txn, &[Role::ProcurementOfficer]).await?;
        let link = format!("/suppliers/{}", s.id);
        mail::enqueue_to_users_linked(
            &txn,
            &state.config.base_url(),
            state.now(),
            &office,
            "review_due",
            &link,
            &args,
        )
        .await?;
        audit::record(
            &txn,
            &Actor::system("job:review-due"),
            state.now(),
            audit::Change::new("supplier.review_due", "supplier", s.id)
                .after(serde_json::json!({"next_review_on": next})),
        )
        .await?;
        txn.commit().await?;
        reminded += 1;
    }
    state.mail_wake.notify_one();
    Ok(JobDetail::new("job-detail-review-due").arg("count", reminded))
}
