//! The suppliers' JSON API: `/api/applications`, `/api/my/*` for the supplier itself,
//! `/api/suppliers/*` for the procurement office, `/api/failures/*`.

use super::store::{
    self, AdmissionInput, ApplicationInput, DirectoryQuery, DocumentInput, FailureDecision,
    FailureInput, FailureView, NewApplication, ReviewInput, SuspensionInput,
};
use crate::auth::{Capability, CurrentUser};
use crate::error::{AppError, AppResult, ErrorBody};
use crate::state::AppState;
use actix_web::{HttpResponse, get, post, put, web};
use chrono::NaiveDate;
use entity::SupplierId;
use entity::{consignment_agreement, supplier, supplier_document, supplier_review};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct SupplierView {
    pub id: SupplierId,
    pub legal_name: String,
    pub credit_code: Option<String>,
    pub status: String,
    pub status_reason: String,
    pub legal_representative: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub contact_email: String,
    pub address: String,
    pub bank_name: String,
    pub bank_account: String,
    pub category_ids: Vec<i64>,
    pub confirmed_failures: i32,
    pub submitted_at: Option<chrono::DateTime<chrono::Utc>>,
    pub admitted_at: Option<chrono::DateTime<chrono::Utc>>,
    pub next_review_on: Option<NaiveDate>,
    pub suspended_until: Option<NaiveDate>,
}

pub fn view(s: supplier::Model, category_ids: Vec<i64>) -> SupplierView {
    SupplierView {
        id: s.id,
        legal_name: s.legal_name,
        credit_code: s.credit_code,
        status: s.status,
        status_reason: s.status_reason,
        legal_representative: s.legal_representative,
        contact_name: s.contact_name,
        contact_phone: s.contact_phone,
        contact_email: s.contact_email,
        address: s.address,
        bank_name: s.bank_name,
        bank_account: s.bank_account,
        category_ids,
        confirmed_failures: s.confirmed_failures,
        submitted_at: s.submitted_at,
        admitted_at: s.admitted_at,
        next_review_on: s.next_review_on,
        suspended_until: s.suspended_until,
    }
}

async fn full_view(state: &AppState, id: SupplierId) -> AppResult<SupplierView> {
    let s = store::load(&state.db.read, id).await?;
    Ok(view(s, store::category_ids(&state.db.read, id).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SupplierFile {
    pub supplier: SupplierView,
    pub scorecard: super::rules::Scorecard,
    /// The documents that count.
    pub documents: Vec<DocumentView>,
    /// Documents an admitted supplier added that wait for an officer's acceptance (rule 14).
    pub pending_documents: Vec<DocumentView>,
    pub reviews: Vec<ReviewView>,
    pub failures: Vec<FailureView>,
    pub agreement: Option<AgreementView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentView {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub issued_on: NaiveDate,
    pub expires_on: NaiveDate,
    pub file_id: i64,
    /// False once the expiry date has passed.
    pub valid: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewView {
    pub stage: String,
    pub reviewer_id: i64,
    pub decision: String,
    pub checklist: serde_json::Value,
    pub notes: String,
    pub reasons: String,
    pub decided_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AgreementView {
    pub number: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub category_ids: Vec<i64>,
    pub cutoff_day: i32,
    pub stale_months: i32,
    /// VAT as a fraction: "0.13" is 13 % (pages show the percent).
    #[schema(value_type = String, example = "0.13")]
    pub tax_rate: rust_decimal::Decimal,
    pub signed_on: NaiveDate,
}

pub fn document_view(d: supplier_document::Model, today: NaiveDate) -> DocumentView {
    DocumentView {
        valid: super::rules::document_valid(d.expires_on, today),
        id: d.id,
        kind: d.kind,
        title: d.title,
        issued_on: d.issued_on,
        expires_on: d.expires_on,
        file_id: d.file_id,
    }
}

fn review_view(r: supplier_review::Model) -> ReviewView {
    ReviewView {
        stage: r.stage,
        reviewer_id: r.reviewer_id,
        decision: r.decision,
        checklist: serde_json::from_str(&r.checklist).unwrap_or_default(),
        notes: r.notes,
        reasons: r.reasons,
        decided_at: r.decided_at,
    }
}

pub fn agreement_view(a: consignment_agreement::Model) -> AgreementView {
    AgreementView {
        number: a.number,
        starts_on: a.starts_on,
        ends_on: a.ends_on,
        category_ids: a
            .categories
            .split(',')
            .filter_map(|c| c.parse().ok())
            .collect(),
        cutoff_day: a.cutoff_day,
        stale_months: a.stale_months,
        tax_rate: a.tax_rate.value(),
        signed_on: a.signed_on,
    }
}

/// Everything on file for a supplier, for whoever may see it (a supplier does not learn that
/// another's exists).
pub async fn supplier_file(
    state: &AppState,
    user: &CurrentUser,
    id: SupplierId,
) -> AppResult<SupplierFile> {
    if !store::may_see(user, id) {
        return Err(AppError::NotFound);
    }
    let today = state.today();
    let db = &state.db.read;
    let supplier = full_view(state, id).await?;
    let documents = store::documents(db, id).await?;
    let failures = store::failures(db, id).await?;
    let pairs: Vec<(&str, &str)> = failures
        .iter()
        .map(|f| (f.kind.as_str(), f.status.as_str()))
        .collect();
    let expiries: Vec<NaiveDate> = documents.iter().map(|d| d.expires_on).collect();
    let scorecard = super::rules::scorecard(&pairs, &expiries, supplier.next_review_on, today);
    Ok(SupplierFile {
        scorecard,
        supplier,
        documents: documents
            .into_iter()
            .map(|d| document_view(d, today))
            .collect(),
        pending_documents: store::pending_documents(db, id)
            .await?
            .into_iter()
            .map(|d| document_view(d, today))
            .collect(),
        reviews: store::reviews(db, id)
            .await?
            .into_iter()
            .map(review_view)
            .collect(),
        failures: failures.into_iter().map(Into::into).collect(),
        agreement: store::agreement(db, id).await?.map(agreement_view),
    })
}

/// The answer to an application, the same whether or not its email already had an account.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationReceived {
    /// Where the confirmation link was sent (or, for an address that already has an account,
    /// where its owner was told).
    pub email: String,
    /// Always `confirm_email`: the applicant follows the emailed link, then signs in.
    pub next: String,
}

/// Applies as a supplier (no account needed): creates the application as a draft and the
/// applicant's account, and emails a link to confirm the address; signing in works once it
/// is confirmed. For an email that already has an account nothing is created and its owner
/// is emailed, with the same answer. At most 5 applications per client address in the
/// sign-in window (429 with `Retry-After`).
#[utoipa::path(post, path = "/api/applications", tag = "suppliers", request_body = NewApplication,
    responses((status = 202, body = ApplicationReceived), (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
#[post("/api/applications")]
pub async fn apply(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    body: web::Json<NewApplication>,
) -> AppResult<HttpResponse> {
    let input = body.into_inner();
    let email = input.company.contact_email.trim().to_lowercase();
    store::apply(&state, input, &crate::auth::api::peer(&req)).await?;
    Ok(HttpResponse::Accepted().json(ApplicationReceived {
        email,
        next: "confirm_email".into(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct VerifyEmail {
    pub token: String,
}

/// Confirms the applicant's email address with the token from the emailed link.
#[utoipa::path(post, path = "/api/auth/verify-email", tag = "suppliers", request_body = VerifyEmail,
    responses((status = 204), (status = 422, body = ErrorBody)))]
#[post("/api/auth/verify-email")]
pub async fn verify_email(
    state: web::Data<AppState>,
    body: web::Json<VerifyEmail>,
) -> AppResult<HttpResponse> {
    store::verify_email(&state, &body.token).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The supplier whose file `user` keeps.
fn own(user: &CurrentUser) -> AppResult<SupplierId> {
    user.supplier_id.ok_or(AppError::Forbidden)
}

/// The supplier's own file: application, documents, reviews' outcomes, failures, agreement.
#[utoipa::path(get, path = "/api/my/supplier", tag = "suppliers", security(("bearer" = ["manage_own_supplier"])),
    responses((status = 200, body = SupplierFile), (status = 403, body = ErrorBody)))]
#[get("/api/my/supplier")]
pub async fn my_supplier(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> AppResult<web::Json<SupplierFile>> {
    user.require(Capability::ManageOwnSupplier)?;
    let id = own(&user)?;
    Ok(web::Json(supplier_file(&state, &user, id).await?))
}

/// Edits the application while it is a draft or more information was asked for.
#[utoipa::path(put, path = "/api/my/application", tag = "suppliers", security(("bearer" = ["manage_own_supplier"])), request_body = ApplicationInput,
    responses((status = 200, body = SupplierView), (status = 422, body = ErrorBody)))]
#[put("/api/my/application")]
pub async fn update_application(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<ApplicationInput>,
) -> AppResult<web::Json<SupplierView>> {
    user.require(Capability::ManageOwnSupplier)?;
    let id = own(&user)?;
    store::update_application_now(&state, &user, body.into_inner()).await?;
    Ok(web::Json(full_view(&state, id).await?))
}

/// Submits the application for review (needs a verified email and a valid business licence).
#[utoipa::path(post, path = "/api/my/application/submit", tag = "suppliers", security(("bearer" = ["manage_own_supplier"])),
    responses((status = 200, body = SupplierView), (status = 422, body = ErrorBody)))]
#[post("/api/my/application/submit")]
pub async fn submit(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> AppResult<web::Json<SupplierView>> {
    user.require(Capability::ManageOwnSupplier)?;
    let id = own(&user)?;
    store::submit_now(&state, &user).await?;
    Ok(web::Json(full_view(&state, id).await?))
}

/// Adds a qualification document (upload its file first with `POST /api/files`).
#[utoipa::path(post, path = "/api/my/documents", tag = "suppliers", security(("bearer" = ["manage_own_supplier"])), request_body = DocumentInput,
    responses((status = 201, body = DocumentView), (status = 422, body = ErrorBody)))]
#[post("/api/my/documents")]
pub async fn add_document(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<DocumentInput>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageOwnSupplier)?;
    own(&user)?;
    let d = store::add_document_now(&state, &user, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(document_view(d, state.today())))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct FailureResponse {
    pub response: String,
}

/// The supplier answers a failure recorded against it.
#[utoipa::path(post, path = "/api/my/failures/{id}/response", tag = "suppliers", security(("bearer" = ["manage_own_supplier"])), request_body = FailureResponse,
    responses((status = 200, body = FailureView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/my/failures/{id}/response")]
pub async fn respond(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: web::Json<FailureResponse>,
) -> AppResult<web::Json<FailureView>> {
    user.require(Capability::ManageOwnSupplier)?;
    own(&user)?;
    Ok(web::Json(
        store::respond_to_failure_now(&state, &user, *id, &body.response)
            .await?
            .into(),
    ))
}

/// The supplier directory: filter by status, category, failures, document expiry.
#[utoipa::path(get, path = "/api/suppliers", tag = "suppliers", security(("bearer" = ["read_suppliers"])), params(DirectoryQuery),
    responses((status = 200, body = Vec<SupplierView>), (status = 403, body = ErrorBody)))]
#[get("/api/suppliers")]
pub async fn directory(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: crate::web::Query<DirectoryQuery>,
) -> AppResult<web::Json<Vec<SupplierView>>> {
    user.require(Capability::ReadSuppliers)?;
    let rows = store::directory(&state.db.read, &q, state.today()).await?;
    let mut out = Vec::with_capacity(rows.len());
    for s in rows {
        let cats = store::category_ids(&state.db.read, s.id).await?;
        out.push(view(s, cats));
    }
    Ok(web::Json(out))
}

/// One supplier's file. A supplier may read only its own (others answer 404).
#[utoipa::path(get, path = "/api/suppliers/{id}", tag = "suppliers", security(("bearer" = ["read_supplier_files"])), params(("id" = i64, Path)),
    responses((status = 200, body = SupplierFile), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/api/suppliers/{id}")]
pub async fn get_supplier(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<SupplierId>,
) -> AppResult<web::Json<SupplierFile>> {
    user.require(Capability::ReadSupplierFiles)?;
    Ok(web::Json(supplier_file(&state, &user, *id).await?))
}

/// An officer's qualification review: ask for information, recommend (licence, certificates
/// and quality system checked) or reject.
#[utoipa::path(post, path = "/api/suppliers/{id}/review", tag = "suppliers", security(("bearer" = ["review_suppliers"])), params(("id" = i64, Path)), request_body = ReviewInput,
    responses((status = 200, body = SupplierView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/suppliers/{id}/review")]
pub async fn review(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<SupplierId>,
    body: web::Json<ReviewInput>,
) -> AppResult<web::Json<SupplierView>> {
    user.require(Capability::ReviewSuppliers)?;
    store::review_now(&state, &user, *id, body.into_inner()).await?;
    Ok(web::Json(full_view(&state, *id).await?))
}

/// The head admits (creating the consignment agreement), sends back or rejects.
#[utoipa::path(post, path = "/api/suppliers/{id}/admission", tag = "suppliers", security(("bearer" = ["decide_admissions"])), params(("id" = i64, Path)), request_body = AdmissionInput,
    responses((status = 200, body = SupplierView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/suppliers/{id}/admission")]
pub async fn admission(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<SupplierId>,
    body: web::Json<AdmissionInput>,
) -> AppResult<web::Json<SupplierView>> {
    user.require(Capability::DecideAdmissions)?;
    store::decide_admission_now(&state, &user, *id, body.into_inner()).await?;
    Ok(web::Json(full_view(&state, *id).await?))
}

/// Records a quality or price failure against an admitted supplier.
#[utoipa::path(post, path = "/api/suppliers/{id}/failures", tag = "suppliers", security(("bearer" = ["record_failures"])), params(("id" = i64, Path)), request_body = FailureInput,
    responses((status = 201, body = FailureView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/suppliers/{id}/failures")]
pub async fn record_failure(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<SupplierId>,
    body: web::Json<FailureInput>,
) -> AppResult<HttpResponse> {
    user.require(Capability::RecordFailures)?;
    let f = store::record_failure_now(&state, &user, *id, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(FailureView::from(f)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct FailureDecisionInput {
    /// True confirms, false dismisses.
    pub confirm: bool,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DocumentDecisionInput {
    /// True accepts the document (it counts from now), false refuses it.
    pub accept: bool,
    /// Required when refusing.
    #[serde(default)]
    pub reason: String,
}

/// A procurement officer accepts or refuses a document an admitted supplier added (rule 14).
#[utoipa::path(post, path = "/api/supplier-documents/{id}/decision", tag = "suppliers", security(("bearer" = ["review_suppliers"])), params(("id" = i64, Path)), request_body = DocumentDecisionInput,
    responses((status = 200, body = DocumentView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/supplier-documents/{id}/decision")]
pub async fn decide_document(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: web::Json<DocumentDecisionInput>,
) -> AppResult<web::Json<DocumentView>> {
    user.require(Capability::ReviewSuppliers)?;
    let d = store::decide_document_now(&state, &user, *id, body.accept, &body.reason).await?;
    Ok(web::Json(document_view(d, state.today())))
}

/// The head confirms or dismisses a failure; the second confirmed failure removes the supplier.
#[utoipa::path(post, path = "/api/failures/{id}/decision", tag = "suppliers", security(("bearer" = ["decide_failures"])), request_body = FailureDecisionInput,
    responses((status = 200, body = FailureDecision), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/failures/{id}/decision")]
pub async fn decide_failure(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: web::Json<FailureDecisionInput>,
) -> AppResult<web::Json<FailureDecision>> {
    user.require(Capability::DecideFailures)?;
    Ok(web::Json(
        store::decide_failure_now(&state, &user, *id, body.confirm, &body.note).await?,
    ))
}

/// The head suspends an admitted supplier until a date.
#[utoipa::path(post, path = "/api/suppliers/{id}/suspension", tag = "suppliers", security(("bearer" = ["suspend_suppliers"])), params(("id" = i64, Path)), request_body = SuspensionInput,
    responses((status = 200, body = SupplierView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/suppliers/{id}/suspension")]
pub async fn suspend(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<SupplierId>,
    body: web::Json<SuspensionInput>,
) -> AppResult<web::Json<SupplierView>> {
    user.require(Capability::SuspendSuppliers)?;
    store::suspend_now(&state, &user, *id, body.into_inner()).await?;
    Ok(web::Json(full_view(&state, *id).await?))
}

/// The yearly re-review of an admitted supplier: passing keeps it another year.
#[utoipa::path(post, path = "/api/suppliers/{id}/re-review", tag = "suppliers", security(("bearer" = ["review_suppliers"])), params(("id" = i64, Path)), request_body = store::ReReviewInput,
    responses((status = 200, body = SupplierView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/suppliers/{id}/re-review")]
pub async fn re_review(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<SupplierId>,
    body: web::Json<store::ReReviewInput>,
) -> AppResult<web::Json<SupplierView>> {
    user.require(Capability::ReviewSuppliers)?;
    store::re_review_now(&state, &user, *id, body.into_inner()).await?;
    Ok(web::Json(full_view(&state, *id).await?))
}

/// The head lifts a suspension.
#[utoipa::path(post, path = "/api/suppliers/{id}/reinstatement", tag = "suppliers", security(("bearer" = ["suspend_suppliers"])), params(("id" = i64, Path)),
    responses((status = 200, body = SupplierView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/suppliers/{id}/reinstatement")]
pub async fn reinstate(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<SupplierId>,
) -> AppResult<web::Json<SupplierView>> {
    user.require(Capability::SuspendSuppliers)?;
    store::reinstate_now(&state, &user, *id).await?;
    Ok(web::Json(full_view(&state, *id).await?))
}
