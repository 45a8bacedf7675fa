//! Supplier persistence: applications, documents, reviews and admission, failures and
//! removal, suspension. Every change is one transaction with its audit entry and emails.

use super::rules::{
    AgreementTerms, Checklist, CreditCode, DocumentKind, FailureKind, FailureSource,
    SupplierStatus, Transition, may_trade, removal_due, valid_bank_account, valid_phone,
};
use crate::audit::{self, Actor, Change};
use crate::auth::{CurrentUser, Role, password};
use crate::error::RuleCode;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::i18n::Locale;
use crate::mail::{self, Email};
use crate::state::AppState;
use chrono::NaiveDate;
use entity::{
    category, consignment_agreement, email_token, file, supplier, supplier_category,
    supplier_document, supplier_failure, supplier_review, user,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Statement,
};
use serde::{Deserialize, Serialize};
use sha2::Digest;
use utoipa::ToSchema;

/// The company details of an application.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct ApplicationInput {
    pub legal_name: String,
    /// 统一社会信用代码, 18 characters with its check digit.
    pub credit_code: String,
    pub legal_representative: String,
    pub contact_name: String,
    pub contact_phone: String,
    /// Also the applicant's sign-in email.
    pub contact_email: String,
    pub address: String,
    /// Material categories the supplier supplies.
    #[serde(default)]
    pub category_ids: Vec<i64>,
    pub bank_name: String,
    pub bank_account: String,
}

/// A new application with the applicant's account.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewApplication {
    #[serde(flatten)]
    pub company: ApplicationInput,
    /// The password of the account created with the application.
    pub password: String,
    /// `zh-CN` or `en`, for the emails.
    pub locale: Option<String>,
}

fn required(errors: &mut FieldErrors, field: &str, v: &str, max: usize) {
    let n = v.trim().chars().count();
    if n == 0 {
        errors.add(field, RuleCode::Required);
    } else if n > max {
        errors.add_with(field, RuleCode::TooLong, &[("max", max.to_string())]);
    }
}

/// Checks the company details; answers the normalised credit code.
pub fn check_application(input: &ApplicationInput, errors: &mut FieldErrors) -> Option<CreditCode> {
    required(errors, "legal_name", &input.legal_name, 200);
    required(
        errors,
        "legal_representative",
        &input.legal_representative,
        50,
    );
    required(errors, "contact_name", &input.contact_name, 50);
    required(errors, "address", &input.address, 200);
    required(errors, "bank_name", &input.bank_name, 100);
    let code = match CreditCode::parse(&input.credit_code) {
        Ok(c) => Some(c),
        Err(e) => {
            errors.add("credit_code", e.code());
            None
        }
    };
    if !valid_phone(&input.contact_phone) {
        errors.add("contact_phone", RuleCode::Phone);
    }
    if !validator::ValidateEmail::validate_email(&input.contact_email.trim()) {
        errors.add("contact_email", RuleCode::Email);
    }
    if input.category_ids.is_empty() {
        errors.add("category_ids", RuleCode::Required);
    }
    if !valid_bank_account(&input.bank_account) {
        errors.add("bank_account", RuleCode::BankAccount);
    }
    code
}

async fn check_categories(
    conn: &impl ConnectionTrait,
    ids: &[i64],
    errors: &mut FieldErrors,
) -> AppResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let found = category::Entity::find()
        .filter(category::Column::Id.is_in(ids.to_vec()))
        .count(conn)
        .await?;
    let distinct: std::collections::BTreeSet<_> = ids.iter().collect();
    if found != distinct.len() as u64 {
        errors.add("category_ids", RuleCode::NotFound);
    }
    Ok(())
}

async fn set_categories(txn: &DatabaseTransaction, supplier_id: i64, ids: &[i64]) -> AppResult<()> {
    supplier_category::Entity::delete_many()
        .filter(supplier_category::Column::SupplierId.eq(supplier_id))
        .exec(txn)
        .await?;
    let distinct: std::collections::BTreeSet<_> = ids.iter().copied().collect();
    for c in distinct {
        supplier_category::Entity::insert(supplier_category::ActiveModel {
            supplier_id: Set(supplier_id),
            category_id: Set(c),
        })
        .exec(txn)
        .await?;
    }
    Ok(())
}

pub async fn load(conn: &impl ConnectionTrait, id: i64) -> AppResult<supplier::Model> {
    supplier::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

fn status_of(s: &supplier::Model) -> AppResult<SupplierStatus> {
    SupplierStatus::parse(&s.status)
        .ok_or_else(|| AppError::Internal(format!("supplier {} status {}", s.id, s.status)))
}

fn hash_token(token: &str) -> String {
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}

/// Queues `kind` to every active user of the supplier.
async fn mail_supplier(
    txn: &DatabaseTransaction,
    state: &AppState,
    supplier: &supplier::Model,
    kind: &str,
    extra: &[(&str, String)],
) -> AppResult<()> {
    let users = crate::users::store::active_of_supplier(txn, supplier.id).await?;
    let mut args = vec![("company", supplier.legal_name.clone())];
    args.extend(extra.iter().map(|(k, v)| (*k, v.clone())));
    mail::enqueue_to_users(txn, state, &users, kind, &args).await
}

/// Queues `kind` about `supplier` to every active user with one of `roles` (the procurement
/// office).
async fn mail_roles(
    txn: &DatabaseTransaction,
    state: &AppState,
    roles: &[Role],
    supplier: &supplier::Model,
    kind: &str,
    extra: &[(&str, String)],
) -> AppResult<()> {
    let users = crate::users::store::active_with_roles(txn, roles).await?;
    let mut args = vec![
        ("company", supplier.legal_name.clone()),
        ("id", supplier.id.to_string()),
    ];
    args.extend(extra.iter().map(|(k, v)| (*k, v.clone())));
    mail::enqueue_to_users(txn, state, &users, kind, &args).await
}

/// Moves the supplier along rule 1's life cycle, guarded against a concurrent change: the
/// update only applies while the status is still `from`.
async fn transition(
    txn: &DatabaseTransaction,
    s: &supplier::Model,
    t: Transition,
    reason: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<SupplierStatus> {
    let from = status_of(s)?;
    let to = from.after(t).map_err(AppError::Rule)?;
    let r = supplier::Entity::update_many()
        .col_expr(supplier::Column::Status, Expr::value(to.as_str()))
        .col_expr(
            supplier::Column::StatusReason,
            Expr::value(reason.to_string()),
        )
        .col_expr(supplier::Column::UpdatedAt, Expr::value(now))
        .filter(supplier::Column::Id.eq(s.id))
        .filter(supplier::Column::Status.eq(from.as_str()))
        .exec(txn)
        .await?;
    if r.rows_affected != 1 {
        return Err(AppError::Conflict(RuleCode::StatusChanged));
    }
    Ok(to)
}

// ----- Applications -----

/// A public application: creates the supplier (draft), the applicant's account (email not
/// yet verified) and emails the verification link.
pub async fn apply(state: &AppState, input: NewApplication) -> AppResult<(supplier::Model, i64)> {
    let mut errors = FieldErrors::new();
    let code = check_application(&input.company, &mut errors);
    let pw_len = input.password.chars().count();
    if !(8..=200).contains(&pw_len) {
        errors.add_with(
            "password",
            RuleCode::PasswordLength,
            &[("min", "8".into()), ("max", "200".into())],
        );
    }
    let locale = input
        .locale
        .as_deref()
        .and_then(Locale::from_tag)
        .unwrap_or_default();
    check_categories(&state.db.read, &input.company.category_ids, &mut errors).await?;
    let email = input.company.contact_email.trim().to_lowercase();
    if user::Entity::find()
        .filter(user::Column::Email.eq(&email))
        .count(&state.db.read)
        .await?
        > 0
    {
        errors.add("contact_email", RuleCode::Taken);
    }
    if let Some(c) = &code
        && supplier::Entity::find()
            .filter(supplier::Column::CreditCode.eq(c.as_str()))
            .count(&state.db.read)
            .await?
            > 0
    {
        errors.add("credit_code", RuleCode::Taken);
    }
    errors.into_result()?;
    let code = code.ok_or_else(|| AppError::field("credit_code", RuleCode::Required))?;
    let hash = password::hash(input.password.clone()).await?;
    let now = state.now();
    let c = &input.company;
    let txn = state.db.begin_write().await?;
    let s = supplier::ActiveModel {
        legal_name: Set(c.legal_name.trim().into()),
        credit_code: Set(Some(code.as_str().into())),
        status: Set(SupplierStatus::Draft.as_str().into()),
        contact_name: Set(c.contact_name.trim().into()),
        contact_phone: Set(c.contact_phone.trim().into()),
        contact_email: Set(email.clone()),
        legal_representative: Set(c.legal_representative.trim().into()),
        address: Set(c.address.trim().into()),
        bank_name: Set(c.bank_name.trim().into()),
        bank_account: Set(c.bank_account.trim().into()),
        created_at: Set(now),
        updated_at: Set(now),
        status_reason: Set(String::new()),
        confirmed_failures: Set(0),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(crate::error::taken_on("credit_code"))?;
    set_categories(&txn, s.id, &c.category_ids).await?;
    let u = user::ActiveModel {
        email: Set(email.clone()),
        password_hash: Set(hash),
        display_name: Set(c.contact_name.trim().into()),
        role: Set(Role::Supplier.as_str().into()),
        supplier_id: Set(Some(s.id)),
        site_id: Set(None),
        locale: Set(Some(locale.tag().into())),
        active: Set(true),
        email_verified: Set(false),
        created_at: Set(now),
        last_login_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(crate::error::taken_on("contact_email"))?;
    let actor = Actor {
        id: Some(u.id),
        label: email.clone(),
    };
    audit::record(
        &txn,
        &actor,
        now,
        Change::new("supplier.apply", "supplier", s.id).after(&s),
    )
    .await?;
    send_verification(&txn, state, &u, locale).await?;
    txn.commit().await?;
    state.mail_wake.notify_one();
    Ok((s, u.id))
}

async fn send_verification(
    txn: &DatabaseTransaction,
    state: &AppState,
    u: &user::Model,
    locale: Locale,
) -> AppResult<()> {
    let mut raw = [0u8; 24];
    rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut raw);
    let token = hex::encode(raw);
    email_token::Entity::insert(email_token::ActiveModel {
        token_hash: Set(hash_token(&token)),
        user_id: Set(u.id),
        purpose: Set("verify_email".into()),
        expires_at: Set(state.now() + chrono::Duration::days(7)),
        used_at: Set(None),
        ..Default::default()
    })
    .exec(txn)
    .await?;
    let link = format!("{}/verify-email?token={token}", state.config.base_url());
    mail::enqueue(
        txn,
        Email {
            kind: "verify_email",
            to: &u.email,
            locale,
            args: vec![("name", u.display_name.clone()), ("link", link)],
        },
        &state.config.base_url(),
        state.now(),
    )
    .await?;
    Ok(())
}

/// Follows an emailed verification link: marks the email verified, once.
pub async fn verify_email(state: &AppState, token: &str) -> AppResult<()> {
    let now = state.now();
    let txn = state.db.begin_write().await?;
    let found = email_token::Entity::find()
        .filter(email_token::Column::TokenHash.eq(hash_token(token.trim())))
        .filter(email_token::Column::Purpose.eq("verify_email"))
        .one(&txn)
        .await?
        .filter(|t| t.used_at.is_none() && t.expires_at > now)
        .ok_or(AppError::Rule(RuleCode::VerificationLinkInvalid))?;
    email_token::Entity::update_many()
        .col_expr(email_token::Column::UsedAt, Expr::value(Some(now)))
        .filter(email_token::Column::Id.eq(found.id))
        .exec(&txn)
        .await?;
    user::Entity::update_many()
        .col_expr(user::Column::EmailVerified, Expr::value(true))
        .filter(user::Column::Id.eq(found.user_id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        &Actor {
            id: Some(found.user_id),
            label: format!("user {}", found.user_id),
        },
        now,
        Change::new("user.verify_email", "user", found.user_id),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

fn own_supplier(user: &CurrentUser) -> AppResult<i64> {
    match (user.role, user.supplier_id) {
        (Role::Supplier, Some(id)) => Ok(id),
        _ => Err(AppError::Forbidden),
    }
}

/// The supplier edits its application while it is a draft or more information was asked.
pub async fn update_application(
    state: &AppState,
    user: &CurrentUser,
    input: ApplicationInput,
) -> AppResult<supplier::Model> {
    let id = own_supplier(user)?;
    let s = load(&state.db.read, id).await?;
    if !status_of(&s)?.editable() {
        return Err(AppError::Rule(RuleCode::ApplicationNotEditable));
    }
    let mut errors = FieldErrors::new();
    let code = check_application(&input, &mut errors);
    check_categories(&state.db.read, &input.category_ids, &mut errors).await?;
    if input.contact_email.trim().to_lowercase() != s.contact_email {
        // The contact email is the sign-in; it changes through the account, not here.
        errors.add("contact_email", RuleCode::NotChangeable);
    }
    if let Some(c) = &code
        && supplier::Entity::find()
            .filter(supplier::Column::CreditCode.eq(c.as_str()))
            .filter(supplier::Column::Id.ne(id))
            .count(&state.db.read)
            .await?
            > 0
    {
        errors.add("credit_code", RuleCode::Taken);
    }
    errors.into_result()?;
    let now = state.now();
    let txn = state.db.begin_write().await?;
    let before = s.clone();
    let mut am: supplier::ActiveModel = s.into();
    am.legal_name = Set(input.legal_name.trim().into());
    am.credit_code = Set(code.map(|c| c.as_str().to_string()));
    am.legal_representative = Set(input.legal_representative.trim().into());
    am.contact_name = Set(input.contact_name.trim().into());
    am.contact_phone = Set(input.contact_phone.trim().into());
    am.address = Set(input.address.trim().into());
    am.bank_name = Set(input.bank_name.trim().into());
    am.bank_account = Set(input.bank_account.trim().into());
    am.updated_at = Set(now);
    let after = am
        .update(&txn)
        .await
        .map_err(crate::error::taken_on("credit_code"))?;
    set_categories(&txn, id, &input.category_ids).await?;
    audit::record(
        &txn,
        &user.actor(),
        now,
        Change::new("supplier.update_application", "supplier", id)
            .before(&before)
            .after(&after),
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// A document to add to a supplier's file.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct DocumentInput {
    pub kind: DocumentKind,
    pub title: String,
    pub issued_on: NaiveDate,
    pub expires_on: NaiveDate,
    /// An uploaded file of this supplier (`POST /api/files`).
    pub file_id: i64,
}

/// Adds a qualification document (a renewal is simply a newer one).
pub async fn add_document(
    state: &AppState,
    user: &CurrentUser,
    input: DocumentInput,
) -> AppResult<supplier_document::Model> {
    let id = own_supplier(user)?;
    let s = load(&state.db.read, id).await?;
    if status_of(&s)? == SupplierStatus::Removed {
        return Err(AppError::Rule(RuleCode::SupplierRemoved));
    }
    let mut errors = FieldErrors::new();
    required(&mut errors, "title", &input.title, 200);
    if input.expires_on <= input.issued_on {
        errors.add("expires_on", RuleCode::EndBeforeStart);
    }
    if input.issued_on > state.today() {
        errors.add("issued_on", RuleCode::InFuture);
    }
    let f = file::Entity::find_by_id(input.file_id)
        .one(&state.db.read)
        .await?;
    if f.as_ref().is_none_or(|f| f.supplier_id != Some(id)) {
        errors.add("file_id", RuleCode::NotFound);
    }
    errors.into_result()?;
    let now = state.now();
    let txn = state.db.begin_write().await?;
    let doc = supplier_document::ActiveModel {
        supplier_id: Set(id),
        kind: Set(input.kind.as_str().into()),
        title: Set(input.title.trim().into()),
        issued_on: Set(input.issued_on),
        expires_on: Set(input.expires_on),
        file_id: Set(input.file_id),
        expiry_warned_at: Set(None),
        active: Set(true),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        &user.actor(),
        now,
        Change::new("supplier.add_document", "supplier_document", doc.id).after(&doc),
    )
    .await?;
    txn.commit().await?;
    Ok(doc)
}

pub async fn documents(
    conn: &impl ConnectionTrait,
    supplier_id: i64,
) -> AppResult<Vec<supplier_document::Model>> {
    Ok(supplier_document::Entity::find()
        .filter(supplier_document::Column::SupplierId.eq(supplier_id))
        .filter(supplier_document::Column::Active.eq(true))
        .order_by_asc(supplier_document::Column::Kind)
        .order_by_desc(supplier_document::Column::ExpiresOn)
        .all(conn)
        .await?)
}

/// The latest expiry among the supplier's active business licences.
pub async fn licence_expires(
    conn: &impl ConnectionTrait,
    supplier_id: i64,
) -> AppResult<Option<NaiveDate>> {
    Ok(documents(conn, supplier_id)
        .await?
        .into_iter()
        .filter(|d| d.kind == DocumentKind::BusinessLicence.as_str())
        .map(|d| d.expires_on)
        .max())
}

/// Rule 1 for other capabilities (listings, deliveries, bids): may this supplier trade today?
pub async fn ensure_may_trade(
    conn: &impl ConnectionTrait,
    supplier_id: i64,
    today: NaiveDate,
) -> AppResult<()> {
    let s = load(conn, supplier_id).await?;
    may_trade(
        status_of(&s)?,
        licence_expires(conn, supplier_id).await?,
        today,
    )
    .map_err(AppError::Rule)
}

/// Submits (or resubmits) the application: it needs a verified email and a valid business licence.
pub async fn submit(state: &AppState, user: &CurrentUser) -> AppResult<supplier::Model> {
    let id = own_supplier(user)?;
    let s = load(&state.db.read, id).await?;
    let u = user::Entity::find_by_id(user.id)
        .one(&state.db.read)
        .await?
        .ok_or(AppError::NotFound)?;
    if !u.email_verified {
        return Err(AppError::Rule(RuleCode::EmailNotVerified));
    }
    match licence_expires(&state.db.read, id).await? {
        Some(d) if super::rules::document_valid(d, state.today()) => {}
        _ => return Err(AppError::Rule(RuleCode::BusinessLicenceMissing)),
    }
    let now = state.now();
    let txn = state.db.begin_write().await?;
    let to = transition(&txn, &s, Transition::Submit, "", now).await?;
    supplier::Entity::update_many()
        .col_expr(supplier::Column::SubmittedAt, Expr::value(Some(now)))
        .filter(supplier::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        &user.actor(),
        now,
        Change::new("supplier.submit", "supplier", id)
            .before(&s.status)
            .after(to.as_str()),
    )
    .await?;
    mail_supplier(&txn, state, &s, "application_submitted", &[]).await?;
    mail_roles(
        &txn,
        state,
        &[Role::ProcurementOfficer],
        &s,
        "application_to_review",
        &[],
    )
    .await?;
    let after = load(&txn, id).await?;
    txn.commit().await?;
    state.mail_wake.notify_one();
    Ok(after)
}

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
struct ReviewStep<'a> {
    stage: &'a str,
    checklist: Checklist,
    notes: &'a str,
    decision: &'a str,
    reasons: &'a str,
}

async fn record_review(
    txn: &DatabaseTransaction,
    supplier_id: i64,
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

/// The procurement officer's review of a submitted application.
pub async fn review(
    state: &AppState,
    officer: &CurrentUser,
    supplier_id: i64,
    input: ReviewInput,
) -> AppResult<supplier::Model> {
    let s = load(&state.db.read, supplier_id).await?;
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
    let now = state.now();
    let txn = state.db.begin_write().await?;
    let to = transition(&txn, &s, t, &input.reasons, now).await?;
    let step = ReviewStep {
        stage: "officer",
        checklist: input.checklist,
        notes: &input.notes,
        decision,
        reasons: &input.reasons,
    };
    record_review(&txn, supplier_id, officer, step, now).await?;
    audit::record(
        &txn,
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
            &txn,
            state,
            &[Role::ProcurementHead],
            &s,
            "application_recommended",
            &[],
        )
        .await?;
        mail_supplier(&txn, state, &s, "application_in_review", &[]).await?;
    } else {
        mail_supplier(
            &txn,
            state,
            &s,
            mail_kind,
            &[("reasons", input.reasons.trim().to_string())],
        )
        .await?;
    }
    let after = load(&txn, supplier_id).await?;
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

/// The procurement head's decision on a recommended application. Admission creates the
/// consignment agreement and schedules the yearly re-review.
pub async fn decide_admission(
    state: &AppState,
    head: &CurrentUser,
    supplier_id: i64,
    input: AdmissionInput,
) -> AppResult<supplier::Model> {
    let s = load(&state.db.read, supplier_id).await?;
    let today = state.today();
    let terms = match input.terms.clone() {
        Some(t) => t,
        None => AgreementTerms {
            cutoff_day: crate::settings::cutoff_day(&state.db.read).await? as i32,
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
    let now = state.now();
    let txn = state.db.begin_write().await?;
    let (t, decision) = match input.decision {
        HeadDecision::Admit => (Transition::Admit, "admit"),
        HeadDecision::RequestInfo => (Transition::RequestInfo, "request_info"),
        HeadDecision::Reject => (Transition::Reject, "reject"),
    };
    let to = transition(&txn, &s, t, &input.reasons, now).await?;
    let step = ReviewStep {
        stage: "head",
        checklist: Checklist::default(),
        notes: "",
        decision,
        reasons: &input.reasons,
    };
    record_review(&txn, supplier_id, head, step, now).await?;
    if input.decision == HeadDecision::Admit {
        let tax = crate::money::TaxRate::from_fraction(terms.tax_rate)
            .map_err(|_| AppError::field("terms.tax_rate", RuleCode::TaxRateRange))?
            .fixed();
        let cats: Vec<String> = supplier_category::Entity::find()
            .filter(supplier_category::Column::SupplierId.eq(supplier_id))
            .all(&txn)
            .await?
            .into_iter()
            .map(|c| c.category_id.to_string())
            .collect();
        // Re-admission after a rejection keeps one agreement per supplier: replace it.
        consignment_agreement::Entity::delete_many()
            .filter(consignment_agreement::Column::SupplierId.eq(supplier_id))
            .exec(&txn)
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
        .insert(&txn)
        .await?;
        supplier::Entity::update_many()
            .col_expr(supplier::Column::AdmittedAt, Expr::value(Some(now)))
            .col_expr(
                supplier::Column::NextReviewOn,
                Expr::value(today.checked_add_months(chrono::Months::new(12))),
            )
            .filter(supplier::Column::Id.eq(supplier_id))
            .exec(&txn)
            .await?;
        audit::record(
            &txn,
            &head.actor(),
            now,
            Change::new("agreement.create", "consignment_agreement", agreement.id)
                .after(&agreement),
        )
        .await?;
        mail_supplier(
            &txn,
            state,
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
            &txn,
            state,
            &s,
            kind,
            &[("reasons", input.reasons.trim().to_string())],
        )
        .await?;
    }
    audit::record(
        &txn,
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
    let after = load(&txn, supplier_id).await?;
    txn.commit().await?;
    state.mail_wake.notify_one();
    Ok(after)
}

pub async fn agreement(
    conn: &impl ConnectionTrait,
    supplier_id: i64,
) -> AppResult<Option<consignment_agreement::Model>> {
    Ok(consignment_agreement::Entity::find()
        .filter(consignment_agreement::Column::SupplierId.eq(supplier_id))
        .one(conn)
        .await?)
}

pub async fn reviews(
    conn: &impl ConnectionTrait,
    supplier_id: i64,
) -> AppResult<Vec<supplier_review::Model>> {
    Ok(supplier_review::Entity::find()
        .filter(supplier_review::Column::SupplierId.eq(supplier_id))
        .order_by_asc(supplier_review::Column::Id)
        .all(conn)
        .await?)
}

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

/// Records a quality or price failure; the supplier is told and may answer.
pub async fn record_failure(
    state: &AppState,
    officer: &CurrentUser,
    supplier_id: i64,
    input: FailureInput,
) -> AppResult<supplier_failure::Model> {
    let s = load(&state.db.read, supplier_id).await?;
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
            .one(&state.db.read)
            .await?
            .is_none_or(|f| f.supplier_id != Some(supplier_id))
    {
        errors.add("evidence_file_id", RuleCode::NotFound);
    }
    errors.into_result()?;
    let now = state.now();
    let txn = state.db.begin_write().await?;
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
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        &officer.actor(),
        now,
        Change::new("failure.record", "supplier_failure", f.id).after(&f),
    )
    .await?;
    mail_supplier(
        &txn,
        state,
        &s,
        "failure_recorded",
        &[("description", f.description.clone())],
    )
    .await?;
    txn.commit().await?;
    state.mail_wake.notify_one();
    Ok(f)
}

pub async fn failures(
    conn: &impl ConnectionTrait,
    supplier_id: i64,
) -> AppResult<Vec<supplier_failure::Model>> {
    Ok(supplier_failure::Entity::find()
        .filter(supplier_failure::Column::SupplierId.eq(supplier_id))
        .order_by_desc(supplier_failure::Column::Id)
        .all(conn)
        .await?)
}

/// The supplier answers an open failure.
pub async fn respond_to_failure(
    state: &AppState,
    user: &CurrentUser,
    failure_id: i64,
    response: &str,
) -> AppResult<supplier_failure::Model> {
    let id = own_supplier(user)?;
    let f = supplier_failure::Entity::find_by_id(failure_id)
        .one(&state.db.read)
        .await?
        .filter(|f| f.supplier_id == id)
        .ok_or(AppError::NotFound)?;
    if f.status != "open" {
        return Err(AppError::Rule(RuleCode::FailureAlreadyDecided));
    }
    let mut errors = FieldErrors::new();
    required(&mut errors, "response", response, 4000);
    errors.into_result()?;
    let now = state.now();
    let txn = state.db.begin_write().await?;
    let before = f.clone();
    let mut am: supplier_failure::ActiveModel = f.into();
    am.supplier_response = Set(response.trim().into());
    am.responded_at = Set(Some(now));
    let after = am.update(&txn).await?;
    audit::record(
        &txn,
        &user.actor(),
        now,
        Change::new("failure.respond", "supplier_failure", failure_id)
            .before(&before)
            .after(&after),
    )
    .await?;
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
    pub supplier_id: i64,
    pub kind: String,
    pub source: String,
    pub description: String,
    pub evidence_file_id: Option<i64>,
    pub recorded_at: chrono::DateTime<chrono::Utc>,
    pub supplier_response: String,
    pub status: String,
    pub decided_at: Option<chrono::DateTime<chrono::Utc>>,
    pub decision_note: String,
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
        }
    }
}

/// The head confirms or dismisses a failure. Confirming the second one removes the
/// supplier at once, in the same transaction, exactly once however many confirmations race.
pub async fn decide_failure(
    state: &AppState,
    head: &CurrentUser,
    failure_id: i64,
    confirm: bool,
    note: &str,
) -> AppResult<FailureDecision> {
    let now = state.now();
    let new_status = if confirm { "confirmed" } else { "dismissed" };
    let txn = state.db.begin_write().await?;
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
        .exec(&txn)
        .await?;
    let f = supplier_failure::Entity::find_by_id(failure_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if claimed.rows_affected != 1 {
        return Err(AppError::Rule(RuleCode::FailureAlreadyDecided));
    }
    audit::record(
        &txn,
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
    let s = load(&txn, f.supplier_id).await?;
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
            removed = remove(&txn, state, head, &s, now).await?;
        } else {
            mail_supplier(
                &txn,
                state,
                &s,
                "failure_confirmed",
                &[("count", count.to_string())],
            )
            .await?;
        }
    } else {
        mail_supplier(&txn, state, &s, "failure_dismissed", &[]).await?;
    }
    txn.commit().await?;
    state.mail_wake.notify_one();
    Ok(FailureDecision {
        failure: f.into(),
        confirmed_failures: count,
        removed,
    })
}

/// Removes the supplier (rule 2): status `removed`, only while it is admitted or suspended,
/// so it happens once. What the company owes it is still settled.
async fn remove(
    txn: &DatabaseTransaction,
    state: &AppState,
    head: &CurrentUser,
    s: &supplier::Model,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<bool> {
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
    mail_supplier(txn, state, s, "supplier_removed", &[]).await?;
    mail_roles(
        txn,
        state,
        &[Role::ProcurementOfficer, Role::ProcurementHead],
        s,
        "supplier_removed_office",
        &[],
    )
    .await?;
    Ok(true)
}

// ----- Suspension -----

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct SuspensionInput {
    /// The last day of the suspension.
    pub until: NaiveDate,
    pub reason: String,
}

pub async fn suspend(
    state: &AppState,
    head: &CurrentUser,
    supplier_id: i64,
    input: SuspensionInput,
) -> AppResult<supplier::Model> {
    let s = load(&state.db.read, supplier_id).await?;
    let mut errors = FieldErrors::new();
    required(&mut errors, "reason", &input.reason, 1000);
    if input.until < state.today() {
        errors.add("until", RuleCode::InPast);
    }
    errors.into_result()?;
    let now = state.now();
    let txn = state.db.begin_write().await?;
    let to = transition(&txn, &s, Transition::Suspend, &input.reason, now).await?;
    supplier::Entity::update_many()
        .col_expr(
            supplier::Column::SuspendedUntil,
            Expr::value(Some(input.until)),
        )
        .filter(supplier::Column::Id.eq(supplier_id))
        .exec(&txn)
        .await?;
    audit::record(&txn, &head.actor(), now, Change::new("supplier.suspend", "supplier", supplier_id).before(&s.status).after(serde_json::json!({"status": to.as_str(), "until": input.until, "reason": input.reason}))).await?;
    mail_supplier(
        &txn,
        state,
        &s,
        "supplier_suspended",
        &[
            ("until", input.until.to_string()),
            ("reasons", input.reason.trim().to_string()),
        ],
    )
    .await?;
    let after = load(&txn, supplier_id).await?;
    txn.commit().await?;
    state.mail_wake.notify_one();
    Ok(after)
}

/// Lifts a suspension (by the head, or by the daily job once `suspended_until` has passed).
pub async fn reinstate(
    state: &AppState,
    actor: &Actor,
    supplier_id: i64,
) -> AppResult<supplier::Model> {
    let s = load(&state.db.read, supplier_id).await?;
    let now = state.now();
    let txn = state.db.begin_write().await?;
    transition(&txn, &s, Transition::Reinstate, "", now).await?;
    supplier::Entity::update_many()
        .col_expr(
            supplier::Column::SuspendedUntil,
            Expr::value(Option::<NaiveDate>::None),
        )
        .filter(supplier::Column::Id.eq(supplier_id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        actor,
        now,
        Change::new("supplier.reinstate", "supplier", supplier_id)
            .before(&s.status)
            .after(SupplierStatus::Admitted.as_str()),
    )
    .await?;
    mail_supplier(&txn, state, &s, "supplier_reinstated", &[]).await?;
    let after = load(&txn, supplier_id).await?;
    txn.commit().await?;
    state.mail_wake.notify_one();
    Ok(after)
}

// ----- Directory -----

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
                .add(supplier::Column::LegalName.contains(text))
                .add(supplier::Column::CreditCode.contains(text)),
        );
    }
    if let Some(c) = q.category_id {
        let ids: Vec<i64> = supplier_category::Entity::find()
            .filter(supplier_category::Column::CategoryId.eq(c))
            .all(conn)
            .await?
            .into_iter()
            .map(|r| r.supplier_id)
            .collect();
        sel = sel.filter(supplier::Column::Id.is_in(ids));
    }
    if let Some(by) = q.documents_expiring_by {
        let ids: Vec<i64> = supplier_document::Entity::find()
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

pub async fn category_ids(conn: &impl ConnectionTrait, supplier_id: i64) -> AppResult<Vec<i64>> {
    Ok(supplier_category::Entity::find()
        .filter(supplier_category::Column::SupplierId.eq(supplier_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| c.category_id)
        .collect())
}

/// Who may see a supplier's file: the supplier itself and the offices that vet and audit.
pub fn may_see(user: &CurrentUser, supplier_id: i64) -> bool {
    match user.role {
        Role::Supplier => user.supplier_id == Some(supplier_id),
        Role::ProcurementOfficer | Role::ProcurementHead | Role::Auditor | Role::Admin => true,
        _ => false,
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

/// The yearly re-review of an admitted (or suspended) supplier.
pub async fn re_review(
    state: &AppState,
    officer: &CurrentUser,
    supplier_id: i64,
    input: ReReviewInput,
) -> AppResult<supplier::Model> {
    let s = load(&state.db.read, supplier_id).await?;
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
    let now = state.now();
    let today = state.today();
    let decision = if input.passed {
        "re_review_passed"
    } else {
        "re_review_failed"
    };
    let txn = state.db.begin_write().await?;
    let step = ReviewStep {
        stage: "re_review",
        checklist: input.checklist,
        notes: &input.notes,
        decision,
        reasons: &input.reasons,
    };
    record_review(&txn, supplier_id, officer, step, now).await?;
    if input.passed {
        supplier::Entity::update_many()
            .col_expr(
                supplier::Column::NextReviewOn,
                Expr::value(today.checked_add_months(chrono::Months::new(12))),
            )
            .filter(supplier::Column::Id.eq(supplier_id))
            .exec(&txn)
            .await?;
    } else {
        mail_roles(
            &txn,
            state,
            &[Role::ProcurementHead],
            &s,
            "re_review_failed",
            &[("reasons", input.reasons.trim().to_string())],
        )
        .await?;
    }
    audit::record(
        &txn,
        &officer.actor(),
        now,
        Change::new(&format!("supplier.{decision}"), "supplier", supplier_id)
            .before(s.next_review_on),
    )
    .await?;
    let after = load(&txn, supplier_id).await?;
    txn.commit().await?;
    state.mail_wake.notify_one();
    Ok(after)
}
