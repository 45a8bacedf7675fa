//! Rule 2: quality and price failures recorded, answered, confirmed or dismissed; the second
//! confirmed failure removes the supplier, once, in the confirming transaction.

use super::*;
use entity::SupplierId;

// ----- Failures and removal (rule 2) -----

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct FailureInput {
    pub kind: FailureKind,
    pub source: FailureSource,
    /// What happened.
    pub description: String,
    /// An uploaded evidence file (`POST /api/files`).
    pub evidence_file_id: Option<i64>,
}

/// The office (`act.actor`) records a quality or price failure; the supplier is told and may
/// answer. Joins the caller's transaction: it reads and writes through `txn` and commits
/// nothing.
pub async fn record_failure(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    supplier_id: SupplierId,
    input: FailureInput,
) -> AppResult<supplier_failure::Model> {
    let officer = act.actor;
    let s = load(txn, supplier_id).await?;
    if !matches!(
        status_of(&s)?,
        SupplierStatus::Admitted | SupplierStatus::Suspended
    ) {
        return Err(AppError::Rule(RuleCode::SupplierNotAdmitted));
    }
    let mut errors = FieldErrors::new();
    required(&mut errors, "description", &input.description, 4000);
    if !input.source.fits(input.kind) {
        errors.add("source", RuleCode::FailureSourceMismatch);
    }
    if let Some(fid) = input.evidence_file_id
        && file::Entity::find_by_id(fid)
            .one(txn)
            .await?
            .is_none_or(|f| f.supplier_id != Some(supplier_id))
    {
        errors.add("evidence_file_id", RuleCode::NotFound);
    }
    errors.into_result()?;
    let now = act.now;
    let f = supplier_failure::ActiveModel {
        supplier_id: Set(supplier_id),
        kind: Set(input.kind.as_str().into()),
        source: Set(input.source.as_str().into()),
        description: Set(input.description.trim().into()),
        evidence_file_id: Set(input.evidence_file_id),
        recorded_by: Set(officer.id),
        recorded_at: Set(now),
        supplier_response: Set(String::new()),
        responded_at: Set(None),
        status: Set("open".into()),
        decided_by: Set(None),
        decided_at: Set(None),
        decision_note: Set(String::new()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    audit::record(
        txn,
        &officer.actor(),
        now,
        Change::new("failure.record", "supplier_failure", f.id).after(&f),
    )
    .await?;
    mail_supplier(
        txn,
        &act.base_url,
        now,
        &s,
        "failure_recorded",
        &[("description", f.description.clone())],
    )
    .await?;
    Ok(f)
}

/// [`record_failure`] on its own: in a write transaction of its own, committed when it
/// succeeds; then the mail sender is woken.
pub async fn record_failure_now(
    state: &AppState,
    officer: &CurrentUser,
    supplier_id: SupplierId,
    input: FailureInput,
) -> AppResult<supplier_failure::Model> {
    let txn = state.db.begin_write().await?;
    let f = record_failure(&txn, &Act::of(state, officer), supplier_id, input).await?;
    txn.commit().await?;
    state.mail_wake.notify_one();
    Ok(f)
}

pub async fn failures(
    conn: &impl ConnectionTrait,
    supplier_id: SupplierId,
) -> AppResult<Vec<supplier_failure::Model>> {
    Ok(supplier_failure::Entity::find()
        .filter(supplier_failure::Column::SupplierId.eq(supplier_id))
        .order_by_desc(supplier_failure::Column::Id)
        .all(conn)
        .await?)
}

/// The supplier (`act.actor`) answers an open failure. Joins the caller's transaction: it
/// reads and writes through `txn` and commits nothing.
pub async fn respond_to_failure(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    failure_id: i64,
    response: &str,
) -> AppResult<supplier_failure::Model> {
    let user = act.actor;
    let id = user.own_supplier()?;
    let f = supplier_failure::Entity::find_by_id(failure_id)
        .one(txn)
        .await?
        .filter(|f| f.supplier_id == id)
        .ok_or(AppError::NotFound)?;
    if f.status != "open" {
        return Err(AppError::Rule(RuleCode::FailureAlreadyDecided));
    }
    let mut errors = FieldErrors::new();
    required(&mut errors, "response", response, 4000);
    errors.into_result()?;
    let now = act.now;
    let before = f.clone();
    let mut am: supplier_failure::ActiveModel = f.into();
    am.supplier_response = Set(response.trim().into());
    am.responded_at = Set(Some(now));
    let after = am.update(txn).await?;
    audit::record(
        txn,
        &user.actor(),
        now,
        Change::new("failure.respond", "supplier_failure", failure_id)
            .before(&before)
            .after(&after),
    )
    .await?;
    Ok(after)
}

/// [`respond_to_failure`] on its own: in a write transaction of its own, committed when it
/// succeeds.
pub async fn respond_to_failure_now(
    state: &AppState,
    user: &CurrentUser,
    failure_id: i64,
    response: &str,
) -> AppResult<supplier_failure::Model> {
    let txn = state.db.begin_write().await?;
    let after = respond_to_failure(&txn, &Act::of(state, user), failure_id, response).await?;
    txn.commit().await?;
    Ok(after)
}

/// What confirming a failure led to.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FailureDecision {
    pub failure: FailureView,
    pub confirmed_failures: i32,
    /// True when this confirmation removed the supplier.
    pub removed: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FailureView {
    pub id: i64,
    pub supplier_id: SupplierId,
    pub kind: String,
    pub source: String,
    pub description: String,
    pub evidence_file_id: Option<i64>,
    pub recorded_at: chrono::DateTime<chrono::Utc>,
    pub supplier_response: String,
    pub status: String,
    pub decided_at: Option<chrono::DateTime<chrono::Utc>>,
    pub decision_note: String,
    /// Who recorded it and when the supplier answered: the pages offer the confirmation only
    /// to someone else, after the answer or its window (rule 14). Not in the API.
    #[serde(skip)]
    pub recorded_by: i64,
    #[serde(skip)]
    pub responded_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<supplier_failure::Model> for FailureView {
    fn from(f: supplier_failure::Model) -> Self {
        Self {
            id: f.id,
            supplier_id: f.supplier_id,
            kind: f.kind,
            source: f.source,
            description: f.description,
            evidence_file_id: f.evidence_file_id,
            recorded_at: f.recorded_at,
            supplier_response: f.supplier_response,
            status: f.status,
            decided_at: f.decided_at,
            decision_note: f.decision_note,
            recorded_by: f.recorded_by,
            responded_at: f.responded_at,
        }
    }
}

/// The head (`act.actor`) confirms or dismisses a failure; the supplier is emailed.
/// Confirming the second one removes the supplier at once, in the same transaction, exactly
/// once however many confirmations race. Joins the caller's transaction: it reads and writes
/// through `txn` and commits nothing.
pub async fn decide_failure(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    failure_id: i64,
    confirm: bool,
    note: &str,
) -> AppResult<FailureDecision> {
    let head = act.actor;
    let now = act.now;
    if confirm {
        // Recorded by one person, confirmed by another, after the supplier answered or its
        // time to answer passed (rule 14).
        let recorded = supplier_failure::Entity::find_by_id(failure_id)
            .one(txn)
            .await?
            .ok_or(AppError::NotFound)?;
        crate::auth::four_eyes::not_own(recorded.recorded_by, head.id)?;
        if recorded.status == "open" {
            let days = crate::settings::failure_answer_days(txn).await?;
            crate::suppliers::rules::answer_heard(
                recorded.responded_at,
                recorded.recorded_at,
                days,
                now,
            )?;
        }
    }
    let new_status = if confirm { "confirmed" } else { "dismissed" };
    let claimed = supplier_failure::Entity::update_many()
        .col_expr(supplier_failure::Column::Status, Expr::value(new_status))
        .col_expr(
            supplier_failure::Column::DecidedBy,
            Expr::value(Some(head.id)),
        )
        .col_expr(supplier_failure::Column::DecidedAt, Expr::value(Some(now)))
        .col_expr(
            supplier_failure::Column::DecisionNote,
            Expr::value(note.trim().to_string()),
        )
        .filter(supplier_failure::Column::Id.eq(failure_id))
        .filter(supplier_failure::Column::Status.eq("open"))
        .exec(txn)
        .await?;
    let f = supplier_failure::Entity::find_by_id(failure_id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if claimed.rows_affected != 1 {
        return Err(AppError::Rule(RuleCode::FailureAlreadyDecided));
    }
    audit::record(
        txn,
        &head.actor(),
        now,
        Change::new(
            &format!("failure.{new_status}"),
            "supplier_failure",
            failure_id,
        )
        .after(&f),
    )
    .await?;
    let s = load(txn, f.supplier_id).await?;
    let mut removed = false;
    let mut count = s.confirmed_failures;
    if confirm {
        // Counting in the row itself takes its lock, so racing confirmations count one by one.
        let backend = txn.get_database_backend();
        let p = if backend == sea_orm::DbBackend::Postgres {
            "$1"
        } else {
            "?"
        };
        let row = txn
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                format!("UPDATE suppliers SET confirmed_failures = confirmed_failures + 1 WHERE id = {p} RETURNING confirmed_failures"),
                [f.supplier_id.into()],
            ))
            .await?
            .ok_or(AppError::NotFound)?;
        count = row.try_get::<i32>("", "confirmed_failures")?;
        if removal_due(count) {
            removed = remove(txn, act, &s).await?;
        } else {
            mail_supplier(
                txn,
                &act.base_url,
                now,
                &s,
                "failure_confirmed",
                &[("count", count.to_string())],
            )
            .await?;
        }
    } else {
        mail_supplier(txn, &act.base_url, now, &s, "failure_dismissed", &[]).await?;
    }
    Ok(FailureDecision {
        failure: f.into(),
        confirmed_failures: count,
        removed,
    })
}

/// [`decide_failure`] on its own: in a write transaction of its own, committed when it
/// succeeds; then the mail sender is woken.
pub async fn decide_failure_now(
    state: &AppState,
    head: &CurrentUser,
    failure_id: i64,
    confirm: bool,
    note: &str,
) -> AppResult<FailureDecision> {
    let txn = state.db.begin_write().await?;
    let d = decide_failure(&txn, &Act::of(state, head), failure_id, confirm, note).await?;
    txn.commit().await?;
    state.mail_wake.notify_one();
    Ok(d)
}

/// Removes the supplier (rule 2): status `removed`, only while it is admitted or suspended,
/// so it happens once. What the company owes it is still settled. Joins the caller's
/// transaction (the confirming one), with stock's and tenders' reactions in it.
pub(super) async fn remove(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    s: &supplier::Model,
) -> AppResult<bool> {
    let head = act.actor;
    let now = act.now;
    let r = supplier::Entity::update_many()
        .col_expr(
            supplier::Column::Status,
            Expr::value(SupplierStatus::Removed.as_str()),
        )
        .col_expr(
            supplier::Column::StatusReason,
            Expr::value("two_confirmed_failures"),
        )
        .col_expr(supplier::Column::UpdatedAt, Expr::value(now))
        .filter(supplier::Column::Id.eq(s.id))
        .filter(supplier::Column::Status.is_in([
            SupplierStatus::Admitted.as_str(),
            SupplierStatus::Suspended.as_str(),
        ]))
        .exec(txn)
        .await?;
    if r.rows_affected != 1 {
        return Ok(false);
    }
    // Rule 2's consequences, each capability in its own tables: the supermarket stops the
    // listings, refuses pending deliveries and flags stock for return; open tenders
    // disqualify the supplier's bids. Issued goods stay owed.
    crate::stock::removal::on_supplier_removed(txn, s.id).await?;
    crate::tenders::on_supplier_removed(txn, s.id, now).await?;
    audit::record(
        txn,
        &head.actor(),
        now,
        Change::new("supplier.remove", "supplier", s.id)
            .before(&s.status)
            .after(SupplierStatus::Removed.as_str()),
    )
    .await?;
    mail_supplier(txn, &act.base_url, now, s, "supplier_removed", &[]).await?;
    mail_roles(
        txn,
        &act.base_url,
        now,
        &[Role::ProcurementOfficer, Role::ProcurementHead],
        s,
        "supplier_removed_office",
        &[],
    )
    .await?;
    Ok(true)
}
