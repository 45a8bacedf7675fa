//! Rule 1: the officer's review with its checklist, the head's admission and the consignment
//! agreement; `ensure_may_trade`, asked by every capability before a supplier trades.

use super::*;
use entity::SupplierId;

// ----- Review and admission -----

#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum OfficerDecision {
    RequestInfo,
    Recommend,
    Reject,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ReviewInput {
    pub checklist: Checklist,
    #[serde(default)]
    pub notes: String,
    pub decision: OfficerDecision,
    /// Required when asking for information or rejecting.
    #[serde(default)]
    pub reasons: String,
}

/// One review step as recorded in `supplier_reviews`.
pub(super) struct ReviewStep<'a> {
    pub(super) stage: &'a str,
    pub(super) checklist: Checklist,
    pub(super) notes: &'a str,
    pub(super) decision: &'a str,
    pub(super) reasons: &'a str,
}

pub(super) async fn record_review(
    txn: &DatabaseTransaction,
    supplier_id: SupplierId,
    reviewer: &CurrentUser,
    step: ReviewStep<'_>,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    supplier_review::Entity::insert(supplier_review::ActiveModel {
        supplier_id: Set(supplier_id),
        reviewer_id: Set(reviewer.id),
        stage: Set(step.stage.into()),
        checklist: Set(serde_json::to_string(&step.checklist).unwrap_or_default()),
        notes: Set(step.notes.trim().into()),
        decision: Set(step.decision.into()),
        reasons: Set(step.reasons.trim().into()),
        decided_at: Set(now),
        ..Default::default()
    })
    .exec(txn)
    .await?;
    Ok(())
}

/// The procurement officer's (`act.actor`) review of a submitted application; the supplier
/// (and, on a recommendation, the procurement head) is emailed. Joins the caller's
/// transaction: it reads and writes through `txn` and commits nothing.
pub async fn review(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    supplier_id: SupplierId,
    input: ReviewInput,
) -> AppResult<supplier::Model> {
    let officer = act.actor;
    let s = load(txn, supplier_id).await?;
    let mut errors = FieldErrors::new();
    if input.decision != OfficerDecision::Recommend && input.reasons.trim().is_empty() {
        errors.add("reasons", RuleCode::Required);
    }
    if input.decision == OfficerDecision::Recommend {
        for item in input.checklist.missing_for_recommendation() {
            errors.add(&format!("checklist.{item}"), RuleCode::ChecklistRequired);
        }
    }
    errors.into_result()?;
    let (t, decision, mail_kind) = match input.decision {
        OfficerDecision::RequestInfo => (
            Transition::RequestInfo,
            "request_info",
            "application_info_requested",
        ),
        OfficerDecision::Recommend => (Transition::Recommend, "recommend", ""),
        OfficerDecision::Reject => (Transition::Reject, "reject", "application_rejected"),
    };
    let now = act.now;
    let to = transition(txn, &s, t, &input.reasons, now).await?;
    let step = ReviewStep {
        stage: "officer",
        checklist: input.checklist,
        notes: &input.notes,
        decision,
        reasons: &input.reasons,
    };
    record_review(txn, supplier_id, officer, step, now).await?;
    audit::record(
        txn,
        &officer.actor(),
        now,
        Change::new(
            &format!("supplier.review.{decision}"),
            "supplier",
            supplier_id,
        )
        .before(&s.status)
        .after(to.as_str()),
    )
    .await?;
    if mail_kind.is_empty() {
        mail_roles(
            txn,
            &act.base_url,
            now,
            &[Role::ProcurementHead],
            &s,
            "application_recommended",
            &[],
        )
        .await?;
        mail_supplier(txn, &act.base_url, now, &s, "application_in_review", &[]).await?;
    } else {
        mail_supplier(
            txn,
            &act.base_url,
            now,
            &s,
            mail_kind,
            &[("reasons", input.reasons.trim().to_string())],
        )
        .await?;
    }
    load(txn, supplier_id).await
}

/// [`review`] on its own: in a write transaction of its own, committed when it succeeds; then
/// the mail sender is woken.
pub async fn review_now(
    state: &AppState,
    officer: &CurrentUser,
    supplier_id: SupplierId,
    input: ReviewInput,
) -> AppResult<supplier::Model> {
    let txn = state.db.begin_write().await?;
    let after = review(&txn, &Act::of(state, officer), supplier_id, input).await?;
    txn.commit().await?;
    state.mail_wake.notify_one();
    Ok(after)
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum HeadDecision {
    Admit,
    RequestInfo,
    Reject,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct AdmissionInput {
    pub decision: HeadDecision,
    #[serde(default)]
    pub reasons: String,
    /// The agreement's terms when admitting; the domain's defaults when absent.
    pub terms: Option<AgreementTerms>,
}

/// The procurement head's (`act.actor`) decision on a recommended application. Admission
/// creates the consignment agreement and schedules the yearly re-review; the supplier is
/// emailed. Joins the caller's transaction: it reads and writes through `txn` and commits
/// nothing.
pub async fn decide_admission(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    supplier_id: SupplierId,
    input: AdmissionInput,
) -> AppResult<supplier::Model> {
    let head = act.actor;
    let s = load(txn, supplier_id).await?;
    let today = act.today;
    let terms = match input.terms.clone() {
        Some(t) => t,
        None => AgreementTerms {
            cutoff_day: crate::settings::cutoff_day(txn).await? as i32,
            ..AgreementTerms::defaults(today)
        },
    };
    let mut errors = FieldErrors::new();
    if input.decision != HeadDecision::Admit && input.reasons.trim().is_empty() {
        errors.add("reasons", RuleCode::Required);
    }
    if input.decision == HeadDecision::Admit {
        for (f, c) in terms.problems() {
            errors.add(&format!("terms.{f}"), c);
        }
    }
    errors.into_result()?;
    let now = act.now;
    let (t, decision) = match input.decision {
        HeadDecision::Admit => (Transition::Admit, "admit"),
        HeadDecision::RequestInfo => (Transition::RequestInfo, "request_info"),
        HeadDecision::Reject => (Transition::Reject, "reject"),
    };
    let to = transition(txn, &s, t, &input.reasons, now).await?;
    let step = ReviewStep {
        stage: "head",
        checklist: Checklist::default(),
        notes: "",
        decision,
        reasons: &input.reasons,
    };
    record_review(txn, supplier_id, head, step, now).await?;
    if input.decision == HeadDecision::Admit {
        let tax = crate::money::TaxRate::from_fraction(terms.tax_rate)
            .map_err(|_| AppError::field("terms.tax_rate", RuleCode::TaxRateRange))?
            .fixed();
        let cats: Vec<String> = supplier_category::Entity::find()
            .filter(supplier_category::Column::SupplierId.eq(supplier_id))
            .all(txn)
            .await?
            .into_iter()
            .map(|c| c.category_id.to_string())
            .collect();
        // Re-admission after a rejection keeps one agreement per supplier: replace it.
        consignment_agreement::Entity::delete_many()
            .filter(consignment_agreement::Column::SupplierId.eq(supplier_id))
            .exec(txn)
            .await?;
        let agreement = consignment_agreement::ActiveModel {
            supplier_id: Set(supplier_id),
            number: Set(format!(
                "DCDX-{}-{supplier_id:04}",
                terms.signed_on.format("%Y")
            )),
            starts_on: Set(terms.starts_on),
            ends_on: Set(terms.ends_on),
            categories: Set(cats.join(",")),
            cutoff_day: Set(terms.cutoff_day),
            stale_months: Set(terms.stale_months),
            tax_rate: Set(tax),
            signed_on: Set(terms.signed_on),
            approved_by: Set(head.id),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        supplier::Entity::update_many()
            .col_expr(supplier::Column::AdmittedAt, Expr::value(Some(now)))
            .col_expr(
                supplier::Column::NextReviewOn,
                Expr::value(today.checked_add_months(chrono::Months::new(12))),
            )
            .filter(supplier::Column::Id.eq(supplier_id))
            .exec(txn)
            .await?;
        audit::record(
            txn,
            &head.actor(),
            now,
            Change::new("agreement.create", "consignment_agreement", agreement.id)
                .after(&agreement),
        )
        .await?;
        mail_supplier(
            txn,
            &act.base_url,
            now,
            &s,
            "application_admitted",
            &[("number", agreement.number.clone())],
        )
        .await?;
    } else {
        let kind = if input.decision == HeadDecision::Reject {
            "application_rejected"
        } else {
            "application_info_requested"
        };
        mail_supplier(
            txn,
            &act.base_url,
            now,
            &s,
            kind,
            &[("reasons", input.reasons.trim().to_string())],
        )
        .await?;
    }
    audit::record(
        txn,
        &head.actor(),
        now,
        Change::new(
            &format!("supplier.decision.{decision}"),
            "supplier",
            supplier_id,
        )
        .before(&s.status)
        .after(to.as_str()),
    )
    .await?;
    load(txn, supplier_id).await
}

/// [`decide_admission`] on its own: in a write transaction of its own, committed when it
/// succeeds; then the mail sender is woken.
pub async fn decide_admission_now(
    state: &AppState,
    head: &CurrentUser,
    supplier_id: SupplierId,
    input: AdmissionInput,
) -> AppResult<supplier::Model> {
    let txn = state.db.begin_write().await?;
    let after = decide_admission(&txn, &Act::of(state, head), supplier_id, input).await?;
    txn.commit().await?;
    state.mail_wake.notify_one();
    Ok(after)
}

pub async fn agreement(
    conn: &impl ConnectionTrait,
    supplier_id: SupplierId,
) -> AppResult<Option<consignment_agreement::Model>> {
    Ok(consignment_agreement::Entity::find()
        .filter(consignment_agreement::Column::SupplierId.eq(supplier_id))
        .one(conn)
        .await?)
}

pub async fn reviews(
    conn: &impl ConnectionTrait,
    supplier_id: SupplierId,
) -> AppResult<Vec<supplier_review::Model>> {
    Ok(supplier_review::Entity::find()
        .filter(supplier_review::Column::SupplierId.eq(supplier_id))
        .order_by_asc(supplier_review::Column::Id)
        .all(conn)
        .await?)
}
