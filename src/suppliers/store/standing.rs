//! A supplier's standing over time: suspension and reinstatement, the directory, the yearly
//! re-review.

use super::*;
use entity::SupplierId;

// ----- Suspension -----

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct SuspensionInput {
    /// The last day of the suspension.
    pub until: NaiveDate,
    pub reason: String,
}

/// The head (`act.actor`) suspends an admitted supplier until a date; the supplier is
/// emailed. Joins the caller's transaction: it reads and writes through `txn` and commits
/// nothing.
pub async fn suspend(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    supplier_id: SupplierId,
    input: SuspensionInput,
) -> AppResult<supplier::Model> {
    let head = act.actor;
    let s = load(txn, supplier_id).await?;
    let mut errors = FieldErrors::new();
    required(&mut errors, "reason", &input.reason, 1000);
    if input.until < act.today {
        errors.add("until", RuleCode::InPast);
    }
    errors.into_result()?;
    let now = act.now;
    let to = transition(txn, &s, Transition::Suspend, &input.reason, now).await?;
    supplier::Entity::update_many()
        .col_expr(
            supplier::Column::SuspendedUntil,
            Expr::value(Some(input.until)),
        )
        .filter(supplier::Column::Id.eq(supplier_id))
        .exec(txn)
        .await?;
    audit::record(txn, &head.actor(), now, Change::new("supplier.suspend", "supplier", supplier_id).before(&s.status).after(serde_json::json!({"status": to.as_str(), "until": input.until, "reason": input.reason}))).await?;
    mail_supplier(
        txn,
        &act.base_url,
        now,
        &s,
        "supplier_suspended",
        &[
            ("until", input.until.to_string()),
            ("reasons", input.reason.trim().to_string()),
        ],
    )
    .await?;
    load(txn, supplier_id).await
}

/// [`suspend`] on its own: in a write transaction of its own, committed when it succeeds;
/// then the mail sender is woken.
pub async fn suspend_now(
    state: &AppState,
    head: &CurrentUser,
    supplier_id: SupplierId,
    input: SuspensionInput,
) -> AppResult<supplier::Model> {
    let txn = state.db.begin_write().await?;
    let after = suspend(&txn, &Act::of(state, head), supplier_id, input).await?;
    txn.commit().await?;
    state.mail_wake.notify_one();
    Ok(after)
}

/// The head (`act.actor`) lifts a suspension; the supplier is emailed. Joins the caller's
/// transaction: it reads and writes through `txn` and commits nothing.
pub async fn reinstate(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    supplier_id: SupplierId,
) -> AppResult<supplier::Model> {
    reinstate_as(txn, &act.actor.actor(), act.now, &act.base_url, supplier_id).await
}

/// [`reinstate`] on its own: in a write transaction of its own, committed when it succeeds;
/// then the mail sender is woken.
pub async fn reinstate_now(
    state: &AppState,
    head: &CurrentUser,
    supplier_id: SupplierId,
) -> AppResult<supplier::Model> {
    let txn = state.db.begin_write().await?;
    let after = reinstate(&txn, &Act::of(state, head), supplier_id).await?;
    txn.commit().await?;
    state.mail_wake.notify_one();
    Ok(after)
}

/// Lifts a suspension as `actor` (the head through [`reinstate`], or the daily job once
/// `suspended_until` has passed, as the system) at `now`, the email's links pointing to
/// `base_url`. Joins the caller's transaction: it reads and writes through `txn` and commits
/// nothing.
pub async fn reinstate_as(
    txn: &DatabaseTransaction,
    actor: &Actor,
    now: DateTime<Utc>,
    base_url: &str,
    supplier_id: SupplierId,
) -> AppResult<supplier::Model> {
    let s = load(txn, supplier_id).await?;
    transition(txn, &s, Transition::Reinstate, "", now).await?;
    supplier::Entity::update_many()
        .col_expr(
            supplier::Column::SuspendedUntil,
            Expr::value(Option::<NaiveDate>::None),
        )
        .filter(supplier::Column::Id.eq(supplier_id))
        .exec(txn)
        .await?;
    audit::record(
        txn,
        actor,
        now,
        Change::new("supplier.reinstate", "supplier", supplier_id)
            .before(&s.status)
            .after(SupplierStatus::Admitted.as_str()),
    )
    .await?;
    mail_supplier(txn, base_url, now, &s, "supplier_reinstated", &[]).await?;
    load(txn, supplier_id).await
}

// ----- Directory -----

/// The suppliers' legal names by id, for the pages and sheets that list them (statements,
/// quotes, contracts, bids, dashboards, the monthly pack). An id with no supplier is absent.
pub async fn names(
    conn: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = SupplierId>,
) -> AppResult<std::collections::HashMap<SupplierId, String>> {
    let ids: std::collections::BTreeSet<SupplierId> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(Default::default());
    }
    use sea_orm::QuerySelect;
    Ok(supplier::Entity::find()
        .select_only()
        .column(supplier::Column::Id)
        .column(supplier::Column::LegalName)
        .filter(supplier::Column::Id.is_in(ids))
        .into_tuple::<(SupplierId, String)>()
        .all(conn)
        .await?
        .into_iter()
        .collect())
}

#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DirectoryQuery {
    pub status: Option<String>,
    pub category_id: Option<i64>,
    /// Only suppliers with at least this many confirmed failures.
    pub min_failures: Option<i32>,
    /// Only suppliers with a document expiring on or before this date.
    pub documents_expiring_by: Option<NaiveDate>,
    /// Part of the name or the credit code.
    pub q: Option<String>,
    /// Only suppliers whose yearly review is due.
    pub review_due: Option<bool>,
    /// Only suppliers with a failure still open (waiting for the head to confirm or dismiss).
    pub open_failures: Option<bool>,
    /// `true`: only suppliers with a document waiting for an officer's acceptance (rule 14);
    /// `false`: only those without.
    pub documents_pending: Option<bool>,
}

pub async fn directory(
    conn: &impl ConnectionTrait,
    q: &DirectoryQuery,
    today: NaiveDate,
) -> AppResult<Vec<supplier::Model>> {
    let mut sel = supplier::Entity::find();
    if q.review_due == Some(true) {
        sel = sel.filter(supplier::Column::NextReviewOn.lte(today));
    }
    if let Some(st) = q.status.as_deref().filter(|s| !s.is_empty()) {
        sel = sel.filter(supplier::Column::Status.eq(st));
    }
    if let Some(n) = q.min_failures {
        sel = sel.filter(supplier::Column::ConfirmedFailures.gte(n));
    }
    if let Some(text) = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        sel = sel.filter(
            sea_orm::Condition::any()
                .add(crate::search::contains(supplier::Column::LegalName, text))
                .add(crate::search::contains(supplier::Column::CreditCode, text)),
        );
    }
    if let Some(c) = q.category_id {
        let ids: Vec<SupplierId> = supplier_category::Entity::find()
            .filter(supplier_category::Column::CategoryId.eq(c))
            .all(conn)
            .await?
            .into_iter()
            .map(|r| r.supplier_id)
            .collect();
        sel = sel.filter(supplier::Column::Id.is_in(ids));
    }
    if q.open_failures == Some(true) {
        let ids: Vec<SupplierId> = supplier_failure::Entity::find()
            .filter(supplier_failure::Column::Status.eq("open"))
            .all(conn)
            .await?
            .into_iter()
            .map(|f| f.supplier_id)
            .collect();
        sel = sel.filter(supplier::Column::Id.is_in(ids));
    }
    if let Some(pending) = q.documents_pending {
        let ids: Vec<SupplierId> = supplier_document::Entity::find()
            .filter(supplier_document::Column::Active.eq(true))
            .filter(supplier_document::Column::AcceptedAt.is_null())
            .all(conn)
            .await?
            .into_iter()
            .map(|d| d.supplier_id)
            .collect();
        sel = if pending {
            sel.filter(supplier::Column::Id.is_in(ids))
        } else {
            sel.filter(supplier::Column::Id.is_not_in(ids))
        };
    }
    if let Some(by) = q.documents_expiring_by {
        let ids: Vec<SupplierId> = supplier_document::Entity::find()
            .filter(supplier_document::Column::Active.eq(true))
            .filter(supplier_document::Column::ExpiresOn.lte(by))
            .all(conn)
            .await?
            .into_iter()
            .map(|d| d.supplier_id)
            .collect();
        sel = sel.filter(supplier::Column::Id.is_in(ids));
    }
    Ok(sel
        .order_by_asc(supplier::Column::LegalName)
        .all(conn)
        .await?)
}

pub async fn category_ids(
    conn: &impl ConnectionTrait,
    supplier_id: SupplierId,
) -> AppResult<Vec<i64>> {
    Ok(supplier_category::Entity::find()
        .filter(supplier_category::Column::SupplierId.eq(supplier_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| c.category_id)
        .collect())
}

/// Whose file `user` may see: a supplier its own only; the others a handler lets read
/// supplier files (`ReadSupplierFiles`: the offices that vet and audit) any.
pub fn may_see(user: &CurrentUser, supplier_id: SupplierId) -> bool {
    match user.role {
        Role::Supplier => user.supplier_id == Some(supplier_id),
        _ => true,
    }
}

// ----- Yearly re-review -----

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ReReviewInput {
    pub checklist: Checklist,
    #[serde(default)]
    pub notes: String,
    /// True keeps the supplier for another year; false refers it to the head (who may suspend
    /// it or have failures recorded).
    pub passed: bool,
    /// Required when it did not pass.
    #[serde(default)]
    pub reasons: String,
}

/// The officer's (`act.actor`) yearly re-review of an admitted (or suspended) supplier; a
/// failed one is referred to the procurement head by email. Joins the caller's transaction:
/// it reads and writes through `txn` and commits nothing.
pub async fn re_review(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    supplier_id: SupplierId,
    input: ReReviewInput,
) -> AppResult<supplier::Model> {
    let officer = act.actor;
    let s = load(txn, supplier_id).await?;
    if !matches!(
        status_of(&s)?,
        SupplierStatus::Admitted | SupplierStatus::Suspended
    ) {
        return Err(AppError::Rule(RuleCode::SupplierNotAdmitted));
    }
    let mut errors = FieldErrors::new();
    if !input.passed && input.reasons.trim().is_empty() {
        errors.add("reasons", RuleCode::Required);
    }
    if input.passed {
        for item in input.checklist.missing_for_recommendation() {
            errors.add(&format!("checklist.{item}"), RuleCode::ChecklistRequired);
        }
    }
    errors.into_result()?;
    let now = act.now;
    let today = act.today;
    let decision = if input.passed {
        "re_review_passed"
    } else {
        "re_review_failed"
    };
    let step = ReviewStep {
        stage: "re_review",
        checklist: input.checklist,
        notes: &input.notes,
        decision,
        reasons: &input.reasons,
    };
    record_review(txn, supplier_id, officer, step, now).await?;
    if input.passed {
        supplier::Entity::update_many()
            .col_expr(
                supplier::Column::NextReviewOn,
                Expr::value(today.checked_add_months(chrono::Months::new(12))),
            )
            .filter(supplier::Column::Id.eq(supplier_id))
            .exec(txn)
            .await?;
    } else {
        mail_roles(
            txn,
            &act.base_url,
            now,
            &[Role::ProcurementHead],
            &s,
            "re_review_failed",
            &[("reasons", input.reasons.trim().to_string())],
        )
        .await?;
    }
    audit::record(
        txn,
        &officer.actor(),
        now,
        Change::new(&format!("supplier.{decision}"), "supplier", supplier_id)
            .before(s.next_review_on),
    )
    .await?;
    load(txn, supplier_id).await
}

/// [`re_review`] on its own: in a write transaction of its own, committed when it succeeds;
/// then the mail sender is woken.
pub async fn re_review_now(
    state: &AppState,
    officer: &CurrentUser,
    supplier_id: SupplierId,
    input: ReReviewInput,
) -> AppResult<supplier::Model> {
    let txn = state.db.begin_write().await?;
    let after = re_review(&txn, &Act::of(state, officer), supplier_id, input).await?;
    txn.commit().await?;
    state.mail_wake.notify_one();
    Ok(after)
}
