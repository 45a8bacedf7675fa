//! Applications (rule 1's start): self-registration, email confirmation, the supplier's own
//! file and documents, submission for review.

use super::*;
use entity::SupplierId;

// ----- Applications -----

/// Public applications allowed from one client address within the sign-in window
/// (`login_window_minutes`), counted in the database like sign-in attempts.
pub const APPLICATIONS_PER_ADDRESS: u64 = 5;

/// The throttle key of applications from `addr`.
pub fn application_key(addr: &str) -> String {
    format!("apply:{}", crate::auth::throttle::address_key(addr))
}

/// What became of a public application. Both answer alike to the applicant.
#[derive(Debug)]
pub enum Applied {
    /// A draft supplier and its applicant's account (email not yet confirmed).
    New {
        supplier_id: SupplierId,
        user_id: i64,
    },
    /// The email already has an account: nothing was created, its owner was told by email.
    ExistingAccount,
}

/// A public application (from client address `addr`): creates the supplier (draft), the
/// applicant's account (email not yet verified) and emails the verification link. When the
/// email already has an account, nothing is created and the account's owner is emailed
/// instead; the answer is the same, so the form does not tell who has an account. A credit
/// code already registered is refused (it is public). At most [`APPLICATIONS_PER_ADDRESS`]
/// checked applications per address within the window, whichever way they went.
///
/// Opens its own transaction: nobody is signed in (the actor is the account it creates, so
/// there is no [`Act`]), and the password is hashed (slow on purpose) and the input checked
/// before the write transaction begins, so SQLite's single writer is not held meanwhile.
pub async fn apply(state: &AppState, input: NewApplication, addr: &str) -> AppResult<Applied> {
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
    let now = state.now();
    // Reserved before the slow hash and kept: every checked application counts.
    let _kept = crate::auth::throttle::reserve_keys(
        &state.db,
        &[(application_key(addr), APPLICATIONS_PER_ADDRESS)],
        chrono::Duration::minutes(state.config.login_window_minutes.max(1)),
        now,
    )
    .await?;
    // Hashed in either case, so the answer takes as long whether or not the email is known.
    let hash = password::hash(input.password.clone()).await?;
    let existing = user::Entity::find()
        .filter(user::Column::Email.eq(&email))
        .one(&state.db.read)
        .await?;
    if let Some(owner) = existing {
        tell_existing_owner(state, &owner, &input.company.legal_name, addr).await?;
        return Ok(Applied::ExistingAccount);
    }
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
    Ok(Applied::New {
        supplier_id: s.id,
        user_id: u.id,
    })
}

/// Someone applied with the email of `owner`'s account: the owner is emailed (in their
/// language) that it happened and how to get in, or, while the address is unconfirmed, a
/// fresh confirmation link; it is audited and nothing else changes.
async fn tell_existing_owner(
    state: &AppState,
    owner: &user::Model,
    company: &str,
    addr: &str,
) -> AppResult<()> {
    let now = state.now();
    let base_url = state.config.base_url();
    let locale = owner
        .locale
        .as_deref()
        .and_then(Locale::from_tag)
        .unwrap_or_default();
    let txn = state.db.begin_write().await?;
    if !owner.email_verified {
        // An applicant who lost the confirmation mail (or let it expire) gets a fresh link.
        send_verification(&txn, state, owner, locale).await?;
    } else {
        mail::enqueue(
            &txn,
            Email {
                kind: "application_existing_account",
                to: &owner.email,
                locale,
                args: vec![
                    ("name", owner.display_name.clone()),
                    ("company", company.trim().chars().take(200).collect()),
                    ("login", format!("{base_url}/login")),
                    ("forgot", format!("{base_url}/password/forgot")),
                ],
            },
            &base_url,
            now,
        )
        .await?;
    }
    audit::record(
        &txn,
        &Actor {
            id: None,
            label: owner.email.clone(),
        },
        now,
        Change::new("supplier.apply_existing_email", "user", owner.id)
            .after(serde_json::json!({ "address": addr })),
    )
    .await?;
    txn.commit().await?;
    state.mail_wake.notify_one();
    Ok(())
}

pub(super) async fn send_verification(
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

/// Follows an emailed verification link: marks the email verified, once. Opens its own
/// transaction: nobody is signed in, so there is no [`Act`] to join with.
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

/// The supplier (`act.actor`) edits its application while it is a draft or more information
/// was asked. Joins the caller's transaction: it reads and writes through `txn` and commits
/// nothing.
pub async fn update_application(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    input: ApplicationInput,
) -> AppResult<supplier::Model> {
    let user = act.actor;
    let id = user.own_supplier()?;
    let s = load(txn, id).await?;
    if !status_of(&s)?.editable() {
        return Err(AppError::Rule(RuleCode::ApplicationNotEditable));
    }
    let mut errors = FieldErrors::new();
    let code = check_application(&input, &mut errors);
    check_categories(txn, &input.category_ids, &mut errors).await?;
    if input.contact_email.trim().to_lowercase() != s.contact_email {
        // The contact email is the sign-in; it changes through the account, not here.
        errors.add("contact_email", RuleCode::NotChangeable);
    }
    if let Some(c) = &code
        && supplier::Entity::find()
            .filter(supplier::Column::CreditCode.eq(c.as_str()))
            .filter(supplier::Column::Id.ne(id))
            .count(txn)
            .await?
            > 0
    {
        errors.add("credit_code", RuleCode::Taken);
    }
    errors.into_result()?;
    let now = act.now;
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
        .update(txn)
        .await
        .map_err(crate::error::taken_on("credit_code"))?;
    set_categories(txn, id, &input.category_ids).await?;
    audit::record(
        txn,
        &user.actor(),
        now,
        Change::new("supplier.update_application", "supplier", id)
            .before(&before)
            .after(&after),
    )
    .await?;
    Ok(after)
}

/// [`update_application`] on its own: in a write transaction of its own, committed when it
/// succeeds.
pub async fn update_application_now(
    state: &AppState,
    user: &CurrentUser,
    input: ApplicationInput,
) -> AppResult<supplier::Model> {
    let txn = state.db.begin_write().await?;
    let after = update_application(&txn, &Act::of(state, user), input).await?;
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

/// The supplier (`act.actor`) adds a qualification document (a renewal is simply a newer
/// one). Joins the caller's transaction: it reads and writes through `txn` and commits nothing.
pub async fn add_document(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    input: DocumentInput,
) -> AppResult<supplier_document::Model> {
    let user = act.actor;
    let id = user.own_supplier()?;
    let s = load(txn, id).await?;
    if status_of(&s)? == SupplierStatus::Removed {
        return Err(AppError::Rule(RuleCode::SupplierRemoved));
    }
    let mut errors = FieldErrors::new();
    required(&mut errors, "title", &input.title, 200);
    if input.expires_on <= input.issued_on {
        errors.add("expires_on", RuleCode::EndBeforeStart);
    }
    if input.issued_on > act.today {
        errors.add("issued_on", RuleCode::InFuture);
    }
    let f = file::Entity::find_by_id(input.file_id).one(txn).await?;
    if f.as_ref().is_none_or(|f| f.supplier_id != Some(id)) {
        errors.add("file_id", RuleCode::NotFound);
    }
    errors.into_result()?;
    let now = act.now;
    // An application's documents are reviewed with it; once admitted, a supplier's new
    // document (a renewal) counts only after an officer accepted it (rule 14).
    let reviewed_later = matches!(
        status_of(&s)?,
        SupplierStatus::Admitted | SupplierStatus::Suspended
    );
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
        accepted_at: Set((!reviewed_later).then_some(now)),
        accepted_by: Set(None),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    audit::record(
        txn,
        &user.actor(),
        now,
        Change::new("supplier.add_document", "supplier_document", doc.id).after(&doc),
    )
    .await?;
    if reviewed_later {
        mail_roles(
            txn,
            &act.base_url,
            now,
            &[Role::ProcurementOfficer],
            &s,
            "document_to_accept",
            &[("title", doc.title.clone())],
        )
        .await?;
    }
    Ok(doc)
}

/// A procurement officer (`act.actor`) accepts a document an admitted supplier added, which
/// then counts (a renewed licence lifts rule 1's block), or refuses it with a reason, and it
/// never counts; the supplier is emailed. Joins the caller's transaction.
pub async fn decide_document(
    txn: &DatabaseTransaction,
    act: &Act<'_>,
    document_id: i64,
    accept: bool,
    reason: &str,
) -> AppResult<supplier_document::Model> {
    let officer = act.actor;
    let reason = reason.trim();
    if !accept && reason.is_empty() {
        return Err(AppError::field("reason", RuleCode::Required));
    }
    let d = supplier_document::Entity::find_by_id(document_id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let s = load(txn, d.supplier_id).await?;
    let now = act.now;
    let mut claim = supplier_document::Entity::update_many()
        .filter(supplier_document::Column::Id.eq(d.id))
        .filter(supplier_document::Column::AcceptedAt.is_null())
        .filter(supplier_document::Column::Active.eq(true));
    claim = if accept {
        claim
            .col_expr(
                supplier_document::Column::AcceptedAt,
                Expr::value(Some(now)),
            )
            .col_expr(
                supplier_document::Column::AcceptedBy,
                Expr::value(Some(officer.id)),
            )
    } else {
        claim.col_expr(supplier_document::Column::Active, Expr::value(false))
    };
    if claim.exec(txn).await?.rows_affected != 1 {
        return Err(AppError::Rule(RuleCode::DocumentDecided));
    }
    let after = supplier_document::Entity::find_by_id(d.id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    audit::record(
        txn,
        &officer.actor(),
        now,
        Change::new(
            if accept {
                "document.accept"
            } else {
                "document.refuse"
            },
            "supplier_document",
            d.id,
        )
        .before(&d)
        .after(&after),
    )
    .await?;
    mail_supplier(
        txn,
        &act.base_url,
        now,
        &s,
        if accept {
            "document_accepted"
        } else {
            "document_refused"
        },
        &[("title", d.title.clone()), ("reasons", reason.to_string())],
    )
    .await?;
    Ok(after)
}

/// [`decide_document`] on its own: in a write transaction of its own, committed when it
/// succeeds; then the mail sender is woken.
pub async fn decide_document_now(
    state: &AppState,
    officer: &CurrentUser,
    document_id: i64,
    accept: bool,
    reason: &str,
) -> AppResult<supplier_document::Model> {
    let txn = state.db.begin_write().await?;
    let d = decide_document(&txn, &Act::of(state, officer), document_id, accept, reason).await?;
    txn.commit().await?;
    state.mail_wake.notify_one();
    Ok(d)
}

/// The documents an admitted supplier added that wait for an officer (rule 14).
pub async fn pending_documents(
    conn: &impl ConnectionTrait,
    supplier_id: SupplierId,
) -> AppResult<Vec<supplier_document::Model>> {
    Ok(supplier_document::Entity::find()
        .filter(supplier_document::Column::SupplierId.eq(supplier_id))
        .filter(supplier_document::Column::Active.eq(true))
        .filter(supplier_document::Column::AcceptedAt.is_null())
        .order_by_asc(supplier_document::Column::Id)
        .all(conn)
        .await?)
}

/// [`add_document`] on its own: in a write transaction of its own, committed when it succeeds.
pub async fn add_document_now(
    state: &AppState,
    user: &CurrentUser,
    input: DocumentInput,
) -> AppResult<supplier_document::Model> {
    let txn = state.db.begin_write().await?;
    let doc = add_document(&txn, &Act::of(state, user), input).await?;
    txn.commit().await?;
    Ok(doc)
}

pub async fn documents(
    conn: &impl ConnectionTrait,
    supplier_id: SupplierId,
) -> AppResult<Vec<supplier_document::Model>> {
    Ok(supplier_document::Entity::find()
        .filter(supplier_document::Column::SupplierId.eq(supplier_id))
        .filter(supplier_document::Column::Active.eq(true))
        // Only accepted ones count (rule 14); the old one governs until a renewal is.
        .filter(supplier_document::Column::AcceptedAt.is_not_null())
        .order_by_asc(supplier_document::Column::Kind)
        .order_by_desc(supplier_document::Column::ExpiresOn)
        .all(conn)
        .await?)
}

/// The latest expiry among the supplier's active business licences.
pub async fn licence_expires(
    conn: &impl ConnectionTrait,
    supplier_id: SupplierId,
) -> AppResult<Option<NaiveDate>> {
    let q = sea_orm::sea_query::Query::select()
        .expr_as(licence_expr(Expr::val(supplier_id)), STANDING_LICENCE)
        .to_owned();
    match conn.query_one(&q).await? {
        Some(row) => Ok(row.try_get("", STANDING_LICENCE)?),
        None => Ok(None),
    }
}

/// Rule 1 for other capabilities (listings, deliveries, bids): may this supplier trade today?
/// One read: the supplier's status with its licence's expiry ([`standing_exprs`]).
pub async fn ensure_may_trade(
    conn: &impl ConnectionTrait,
    supplier_id: SupplierId,
    today: NaiveDate,
) -> AppResult<()> {
    use sea_orm::ExprTrait;
    let id = Expr::col((supplier::Entity, supplier::Column::Id));
    let q = sea_orm::sea_query::Query::select()
        .expr_as(
            Expr::col((supplier::Entity, supplier::Column::Status)),
            STANDING_STATUS,
        )
        .expr_as(licence_expr(id.clone()), STANDING_LICENCE)
        .from(supplier::Entity)
        .and_where(id.eq(supplier_id))
        .to_owned();
    let row = conn.query_one(&q).await?.ok_or(AppError::NotFound)?;
    Standing::from_row(&row)?.ensure_may_trade(today)
}

/// The names [`standing_exprs`] selects its values as.
const STANDING_STATUS: &str = "standing_status";
const STANDING_LICENCE: &str = "standing_licence_expires";

/// Rule 1's inputs for the supplier `supplier_id` names (a column of another table's row it
/// is selected beside), as two scalar subqueries to select beside that row, so that a listing
/// and its supplier's standing are one read: the supplier's status, and [`licence_expr`].
/// [`Standing`] reads them back.
pub fn standing_exprs(
    supplier_id: sea_orm::sea_query::Expr,
) -> [(sea_orm::sea_query::Expr, &'static str); 2] {
    use sea_orm::ExprTrait;
    let status = sea_orm::sea_query::Query::select()
        .column((supplier::Entity, supplier::Column::Status))
        .from(supplier::Entity)
        .and_where(Expr::col((supplier::Entity, supplier::Column::Id)).eq(supplier_id.clone()))
        .to_owned();
    [
        (Expr::from(status), STANDING_STATUS),
        (licence_expr(supplier_id), STANDING_LICENCE),
    ]
}

/// The latest expiry among the accepted active business licences of the supplier
/// `supplier_id` names (a value, or a column of the row it is selected beside), as a scalar
/// subquery: [`licence_expires`], and rule 1's input in [`standing_exprs`].
fn licence_expr(supplier_id: sea_orm::sea_query::Expr) -> sea_orm::sea_query::Expr {
    use sea_orm::ExprTrait;
    use sea_orm::sea_query::{Func, Query};
    let licence = Query::select()
        .expr(Func::max(Expr::col((
            supplier_document::Entity,
            supplier_document::Column::ExpiresOn,
        ))))
        .from(supplier_document::Entity)
        .and_where(
            Expr::col((
                supplier_document::Entity,
                supplier_document::Column::SupplierId,
            ))
            .eq(supplier_id),
        )
        .and_where(
            Expr::col((supplier_document::Entity, supplier_document::Column::Kind))
                .eq(DocumentKind::BusinessLicence.as_str()),
        )
        .and_where(
            Expr::col((supplier_document::Entity, supplier_document::Column::Active)).eq(true),
        )
        .and_where(
            Expr::col((
                supplier_document::Entity,
                supplier_document::Column::AcceptedAt,
            ))
            .is_not_null(),
        )
        .to_owned();
    Expr::from(licence)
}

/// What rule 1 decides on, as [`standing_exprs`] read it beside another row.
#[derive(Debug, Clone)]
pub struct Standing {
    status: Option<String>,
    licence_expires: Option<NaiveDate>,
}

impl Standing {
    /// The values [`standing_exprs`] selected in `row`.
    pub fn from_row(row: &sea_orm::QueryResult) -> AppResult<Standing> {
        Ok(Standing {
            status: row.try_get("", STANDING_STATUS)?,
            licence_expires: row.try_get("", STANDING_LICENCE)?,
        })
    }

    /// Rule 1: may the supplier trade on `today`? A supplier that is not there is not found.
    pub fn ensure_may_trade(&self, today: NaiveDate) -> AppResult<()> {
        let status = self.status.as_deref().ok_or(AppError::NotFound)?;
        let status = SupplierStatus::parse(status)
            .ok_or_else(|| AppError::Internal(format!("supplier status {status}")))?;
        may_trade(status, self.licence_expires, today).map_err(AppError::Rule)
    }
}

/// The supplier (`act.actor`) submits (or resubmits) the application: it needs a verified
/// email and a valid business licence. The supplier and the procurement officers are emailed.
/// Joins the caller's transaction: it reads and writes through `txn` and commits nothing.
pub async fn submit(txn: &DatabaseTransaction, act: &Act<'_>) -> AppResult<supplier::Model> {
    let user = act.actor;
    let id = user.own_supplier()?;
    let s = load(txn, id).await?;
    let u = user::Entity::find_by_id(user.id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if !u.email_verified {
        return Err(AppError::Rule(RuleCode::EmailNotVerified));
    }
    match licence_expires(txn, id).await? {
        Some(d) if crate::suppliers::rules::document_valid(d, act.today) => {}
        _ => return Err(AppError::Rule(RuleCode::BusinessLicenceMissing)),
    }
    let now = act.now;
    let to = transition(txn, &s, Transition::Submit, "", now).await?;
    supplier::Entity::update_many()
        .col_expr(supplier::Column::SubmittedAt, Expr::value(Some(now)))
        .filter(supplier::Column::Id.eq(id))
        .exec(txn)
        .await?;
    audit::record(
        txn,
        &user.actor(),
        now,
        Change::new("supplier.submit", "supplier", id)
            .before(&s.status)
            .after(to.as_str()),
    )
    .await?;
    mail_supplier(txn, &act.base_url, now, &s, "application_submitted", &[]).await?;
    mail_roles(
        txn,
        &act.base_url,
        now,
        &[Role::ProcurementOfficer],
        &s,
        "application_to_review",
        &[],
    )
    .await?;
    load(txn, id).await
}

/// [`submit`] on its own: in a write transaction of its own, committed when it succeeds; then
/// the mail sender is woken.
pub async fn submit_now(state: &AppState, user: &CurrentUser) -> AppResult<supplier::Model> {
    let txn = state.db.begin_write().await?;
    let after = submit(&txn, &Act::of(state, user)).await?;
    txn.commit().await?;
    state.mail_wake.notify_one();
    Ok(after)
}
