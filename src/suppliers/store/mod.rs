//! Supplier persistence: applications, documents, reviews and admission, failures and
//! removal, suspension. Every change is one transaction with its audit entry and emails.
//!
//! A writing function takes the transaction it joins and an [`Act`] (who, when, where mail
//! links point) and commits nothing; its `NAME_now` twin opens the transaction for a handler,
//! commits it and wakes the mail sender.

use super::rules::{
    AgreementTerms, Checklist, CreditCode, DocumentKind, FailureKind, FailureSource,
    SupplierStatus, Transition, may_trade, removal_due, valid_bank_account, valid_phone,
};
use crate::audit::{self, Actor, Change};
use crate::auth::{Act, CurrentUser, Role, password};
use crate::error::RuleCode;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::i18n::Locale;
use crate::mail::{self, Email};
use crate::state::AppState;
use chrono::{DateTime, NaiveDate, Utc};
use entity::SupplierId;
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

mod applications;
mod failures;
mod review;
mod standing;
pub use applications::*;
pub use failures::*;
pub use review::*;
pub use standing::*;

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

async fn set_categories(
    txn: &DatabaseTransaction,
    supplier_id: SupplierId,
    ids: &[i64],
) -> AppResult<()> {
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

pub async fn load(conn: &impl ConnectionTrait, id: SupplierId) -> AppResult<supplier::Model> {
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

/// Queues `kind` to every active user of the supplier, with links to `base_url`, at `now`.
async fn mail_supplier(
    txn: &DatabaseTransaction,
    base_url: &str,
    now: DateTime<Utc>,
    supplier: &supplier::Model,
    kind: &str,
    extra: &[(&str, String)],
) -> AppResult<()> {
    let users = crate::users::store::active_of_supplier(txn, supplier.id).await?;
    let mut args = vec![("company", supplier.legal_name.clone())];
    args.extend(extra.iter().map(|(k, v)| (*k, v.clone())));
    mail::enqueue_to_users_linked(txn, base_url, now, &users, kind, "/my/supplier", &args).await
}

/// Queues `kind` about `supplier` to every active user with one of `roles` (the procurement
/// office), with links to `base_url`, at `now`.
async fn mail_roles(
    txn: &DatabaseTransaction,
    base_url: &str,
    now: DateTime<Utc>,
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
    let link = format!("/suppliers/{}", supplier.id);
    mail::enqueue_to_users_linked(txn, base_url, now, &users, kind, &link, &args).await
}

/// Moves the supplier along rule 1's life cycle, guarded against a concurrent change: the
/// update only applies while the status is still `from`.
async fn transition(
    txn: &DatabaseTransaction,
    s: &supplier::Model,
    t: Transition,
    reason: &str,
    now: DateTime<Utc>,
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
