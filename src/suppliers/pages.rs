//! The supplier pages: the public application, email verification, the supplier's own file,
//! the directory and the review page of the procurement office.

use super::api::{AgreementView, DocumentView, SupplierFile, supplier_file};
use super::rules::{
    AgreementTerms, Checklist, DocumentKind, FailureKind, FailureSource, SupplierStatus,
};
use super::store::{
    self, AdmissionInput, ApplicationInput, DirectoryQuery, DocumentInput, FailureInput,
    HeadDecision, NewApplication, OfficerDecision, ReviewInput, SuspensionInput,
};
use crate::auth::{Capability, CurrentUser};
use crate::error::RuleCode;
use crate::error::{AppError, AppResult};
use crate::materials::CategoryView;
use crate::state::AppState;
use crate::web::page::{
    CsrfForm, FormErrors, PageCtx, check_csrf, choice_field, form_outcome, redirect,
    redirect_with_flash,
};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use entity::SupplierId;
use std::collections::HashMap;

type Form = HashMap<String, String>;

fn field(f: &Form, k: &str) -> String {
    f.get(k).cloned().unwrap_or_default()
}

/// Category checkboxes are named `cat_<id>`.
fn categories_of(f: &Form) -> Vec<i64> {
    f.iter()
        .filter(|(k, v)| k.starts_with("cat_") && !v.is_empty())
        .filter_map(|(k, _)| k[4..].parse().ok())
        .collect()
}

fn application_of(f: &Form) -> ApplicationInput {
    ApplicationInput {
        legal_name: field(f, "legal_name"),
        credit_code: field(f, "credit_code"),
        legal_representative: field(f, "legal_representative"),
        contact_name: field(f, "contact_name"),
        contact_phone: field(f, "contact_phone"),
        contact_email: field(f, "contact_email"),
        address: field(f, "address"),
        category_ids: categories_of(f),
        bank_name: field(f, "bank_name"),
        bank_account: field(f, "bank_account"),
    }
}

/// The review checklist's ticked boxes.
fn checklist_of(f: &Form) -> Checklist {
    let on = |k: &str| f.get(k).is_some_and(|v| !v.is_empty());
    Checklist {
        licence_valid: on("licence_valid"),
        certificates: on("certificates"),
        quality_system: on("quality_system"),
        capacity: on("capacity"),
        references: on("references"),
        site_visit: on("site_visit"),
    }
}

fn date(f: &Form, k: &str) -> Result<chrono::NaiveDate, AppError> {
    chrono::NaiveDate::parse_from_str(field(f, k).trim(), "%Y-%m-%d")
        .map_err(|_| AppError::field(k, RuleCode::Date))
}

// ----- Application -----

#[derive(Template)]
#[template(path = "suppliers/apply.html")]
struct ApplyPage {
    ctx: PageCtx,
    form: ApplicationInput,
    categories: Vec<CategoryView>,
    errors: FormErrors,
    /// Editing an existing application (the supplier's own page) instead of applying.
    editing: bool,
}

impl ApplyPage {
    fn checked(&self, id: &i64) -> bool {
        self.form.category_ids.contains(id)
    }
}

#[get("/apply")]
pub async fn apply_form(state: web::Data<AppState>, ctx: PageCtx) -> AppResult<HttpResponse> {
    let categories = crate::materials::categories(&state.db.read).await?;
    Ok(crate::web::html(&ApplyPage {
        ctx,
        form: ApplicationInput::default(),
        categories,
        errors: FormErrors::default(),
        editing: false,
    }))
}

#[post("/apply")]
pub async fn apply_submit(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    ctx: PageCtx,
    form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    let f = form.0;
    let input = NewApplication {
        company: application_of(&f),
        password: field(&f, "password"),
        locale: Some(ctx.locale.tag().to_string()),
    };
    if field(&f, "password") != field(&f, "confirm_password") {
        let categories = crate::materials::categories(&state.db.read).await?;
        let errors = FormErrors::from_error(
            &AppError::field("confirm_password", RuleCode::PasswordsDiffer),
            ctx.locale,
        );
        return Ok(crate::web::html_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ApplyPage {
                ctx,
                form: input.company,
                categories,
                errors,
                editing: false,
            },
        ));
    }
    match store::apply(&state, input.clone(), &crate::auth::api::peer(&req)).await {
        Ok(_) => Ok(redirect_with_flash(
            "/login",
            "success",
            "flash-application-created",
        )),
        Err(e @ (AppError::Validation(_) | AppError::TooManyAttempts { .. })) => {
            let categories = crate::materials::categories(&state.db.read).await?;
            let errors = FormErrors::from_error(&e, ctx.locale);
            let mut res = crate::web::html_status(
                e.status(),
                &ApplyPage {
                    ctx,
                    form: input.company,
                    categories,
                    errors,
                    editing: false,
                },
            );
            if let AppError::TooManyAttempts { retry_after_secs } = e
                && let Ok(v) = retry_after_secs.to_string().parse()
            {
                res.headers_mut()
                    .insert(actix_web::http::header::RETRY_AFTER, v);
            }
            Ok(res)
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "suppliers/verify.html")]
struct VerifyPage {
    ctx: PageCtx,
    token: String,
    error: Option<String>,
}

#[derive(serde::Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

/// The emailed link opens a page with a button, so a mail scanner that prefetches links
/// does not use the token up.
#[get("/verify-email")]
pub async fn verify_form(ctx: PageCtx, q: crate::web::Query<TokenQuery>) -> HttpResponse {
    crate::web::html(&VerifyPage {
        ctx,
        token: q.token.clone(),
        error: None,
    })
}

#[post("/verify-email")]
pub async fn verify_submit(
    state: web::Data<AppState>,
    ctx: PageCtx,
    form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    let token = field(&form.0, "token");
    match store::verify_email(&state, &token).await {
        Ok(()) => Ok(redirect_with_flash(
            if ctx.user.is_some() {
                "/my/supplier"
            } else {
                "/login"
            },
            "success",
            "flash-email-verified",
        )),
        Err(e @ AppError::Rule(_)) => {
            let error = Some(e.message(ctx.locale));
            Ok(crate::web::html_status(
                e.status(),
                &VerifyPage { ctx, token, error },
            ))
        }
        Err(e) => Err(e),
    }
}

// ----- The supplier's own file -----

#[derive(Template)]
#[template(path = "suppliers/mine.html")]
struct MinePage {
    ctx: PageCtx,
    file: SupplierFile,
    categories: Vec<CategoryView>,
    errors: FormErrors,
    /// Which form the errors belong to.
    which: &'static str,
    kinds: Vec<&'static str>,
    today: String,
}

impl MinePage {
    fn tax_percent(&self, fraction: &rust_decimal::Decimal) -> String {
        crate::money::text::tax_percent(*fraction)
    }
    fn editable(&self) -> bool {
        SupplierStatus::parse(&self.file.supplier.status).is_some_and(|s| s.editable())
    }
    fn status_label(&self) -> String {
        self.ctx
            .t(&format!("supplier-status-{}", self.file.supplier.status))
    }
    fn form(&self) -> ApplicationInput {
        let s = &self.file.supplier;
        ApplicationInput {
            legal_name: s.legal_name.clone(),
            credit_code: s.credit_code.clone().unwrap_or_default(),
            legal_representative: s.legal_representative.clone(),
            contact_name: s.contact_name.clone(),
            contact_phone: s.contact_phone.clone(),
            contact_email: s.contact_email.clone(),
            address: s.address.clone(),
            category_ids: s.category_ids.clone(),
            bank_name: s.bank_name.clone(),
            bank_account: s.bank_account.clone(),
        }
    }
    fn checked(&self, id: &i64) -> bool {
        self.file.supplier.category_ids.contains(id)
    }
    /// The errors of the form `which`, or none when another form was posted.
    fn errors_for_form(&self, which: &str) -> &FormErrors {
        self.errors_for(which)
            .unwrap_or(&crate::web::page::NO_ERRORS)
    }
    fn errors_for(&self, which: &str) -> Option<&FormErrors> {
        (self.which == which).then_some(&self.errors)
    }
}

async fn render_mine(
    state: &AppState,
    ctx: PageCtx,
    user: &CurrentUser,
    errors: FormErrors,
    which: &'static str,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let id = user.supplier_id.ok_or(AppError::Forbidden)?;
    let file = supplier_file(state, user, id).await?;
    let categories = crate::materials::categories(&state.db.read).await?;
    let kinds = DocumentKind::ALL.iter().map(|k| k.as_str()).collect();
    let today = state.today().to_string();
    Ok(crate::web::html_status(
        status,
        &MinePage {
            ctx,
            file,
            categories,
            errors,
            which,
            kinds,
            today,
        },
    ))
}

/// Re-renders the page with a validation error beside form `which`; other errors propagate.
async fn mine_or_error(
    state: &AppState,
    ctx: PageCtx,
    user: &CurrentUser,
    result: AppResult<()>,
    which: &'static str,
    flash: &str,
) -> AppResult<HttpResponse> {
    let locale = ctx.locale;
    form_outcome(result, locale, "/my/supplier", flash, |errors, status| {
        render_mine(state, ctx, user, errors, which, status)
    })
    .await
}

#[get("/my/supplier")]
pub async fn mine(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageOwnSupplier)?;
    render_mine(
        &state,
        ctx,
        &user,
        FormErrors::default(),
        "",
        StatusCode::OK,
    )
    .await
}

#[post("/my/application")]
pub async fn mine_update(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageOwnSupplier)?;
    let r = store::update_application_now(&state, &user, application_of(&form.0))
        .await
        .map(|_| ());
    mine_or_error(&state, ctx, &user, r, "application", "flash-saved").await
}

#[post("/my/application/submit")]
pub async fn mine_submit(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    _form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageOwnSupplier)?;
    let r = store::submit_now(&state, &user).await.map(|_| ());
    mine_or_error(
        &state,
        ctx,
        &user,
        r,
        "submit",
        "flash-application-submitted",
    )
    .await
}

#[post("/my/documents")]
pub async fn mine_document(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: PageCtx,
    user: CurrentUser,
    payload: actix_multipart::Multipart,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageOwnSupplier)?;
    let (f, upload) = crate::files::read_multipart(payload).await?;
    check_csrf(&req, &field(&f, "csrf_token"))?;
    crate::web::page::keep_posted(&req, &f);
    let r = async {
        let kind = DocumentKind::parse(&field(&f, "kind"))
            .ok_or_else(|| AppError::field("kind", RuleCode::Required))?;
        let (issued_on, expires_on) = (date(&f, "issued_on")?, date(&f, "expires_on")?);
        let upload = upload.ok_or_else(|| AppError::field("file", RuleCode::Required))?;
        let (owner, purpose) = crate::files::upload_owner(&state, &user, None).await?;
        let stored = crate::files::store(
            &state.db.write,
            &state,
            "file",
            &upload,
            Some(owner),
            purpose,
            Some(user.id),
        )
        .await?;
        store::add_document_now(
            &state,
            &user,
            DocumentInput {
                kind,
                title: field(&f, "title"),
                issued_on,
                expires_on,
                file_id: stored.id,
            },
        )
        .await
        .map(|_| ())
    }
    .await;
    mine_or_error(&state, ctx, &user, r, "document", "flash-document-added").await
}

#[post("/my/failures/{id}/response")]
pub async fn mine_respond(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<i64>,
    form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageOwnSupplier)?;
    let r = store::respond_to_failure_now(&state, &user, *id, &field(&form.0, "response"))
        .await
        .map(|_| ());
    mine_or_error(&state, ctx, &user, r, "failure", "flash-saved").await
}

// ----- Directory and review page -----

#[derive(Template)]
#[template(path = "suppliers/directory.html")]
struct DirectoryPage {
    ctx: PageCtx,
    q: DirectoryQuery,
    rows: Vec<super::api::SupplierView>,
    statuses: Vec<&'static str>,
    categories: Vec<CategoryView>,
}

impl DirectoryPage {
    fn is_status(&self, s: &str) -> bool {
        self.q.status.as_deref() == Some(s)
    }
    fn is_category(&self, id: &i64) -> bool {
        self.q.category_id == Some(*id)
    }
    fn text(&self) -> String {
        self.q.q.clone().unwrap_or_default()
    }
    fn expiring(&self) -> String {
        self.q
            .documents_expiring_by
            .map(|d| d.to_string())
            .unwrap_or_default()
    }
    fn min_failures(&self) -> String {
        self.q
            .min_failures
            .map(|d| d.to_string())
            .unwrap_or_default()
    }
}

#[get("/suppliers")]
pub async fn directory(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    q: crate::web::Query<DirectoryQuery>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadSuppliers)?;
    let q = q.into_inner();
    let mut rows = Vec::new();
    for s in store::directory(&state.db.read, &q, state.today()).await? {
        let cats = store::category_ids(&state.db.read, s.id).await?;
        rows.push(super::api::view(s, cats));
    }
    let categories = crate::materials::categories(&state.db.read).await?;
    Ok(crate::web::html(&DirectoryPage {
        ctx,
        q,
        rows,
        statuses: SupplierStatus::ALL.iter().map(|s| s.as_str()).collect(),
        categories,
    }))
}

#[derive(Template)]
#[template(path = "suppliers/review.html")]
struct ReviewPage {
    ctx: PageCtx,
    file: SupplierFile,
    categories: Vec<CategoryView>,
    errors: FormErrors,
    which: &'static str,
    terms: AgreementTerms,
    kinds: Vec<&'static str>,
    sources: Vec<&'static str>,
    /// Days a supplier has to answer a failure, and the page's instant (rule 14).
    answer_days: i64,
    now: chrono::DateTime<chrono::Utc>,
}

impl ReviewPage {
    /// The reader recorded this failure: someone else confirms it (rule 14).
    fn recorded_by_me(&self, f: &super::store::FailureView) -> bool {
        self.ctx
            .user
            .as_ref()
            .is_some_and(|u| crate::auth::four_eyes::not_own(f.recorded_by, u.id).is_err())
    }
    /// Until when the supplier may still answer, when it has not and the time has not passed.
    fn answer_pending_until(&self, f: &super::store::FailureView) -> Option<String> {
        super::rules::answer_heard(f.responded_at, f.recorded_at, self.answer_days, self.now)
            .is_err()
            .then(|| {
                self.ctx
                    .when(&(f.recorded_at + chrono::Duration::days(self.answer_days)))
            })
    }
    fn tax_percent(&self, fraction: &rust_decimal::Decimal) -> String {
        crate::money::text::tax_percent(*fraction)
    }
    fn status(&self) -> SupplierStatus {
        SupplierStatus::parse(&self.file.supplier.status).unwrap_or(SupplierStatus::Draft)
    }
    fn status_label(&self) -> String {
        self.ctx
            .t(&format!("supplier-status-{}", self.file.supplier.status))
    }
    fn category_names(&self) -> String {
        self.categories
            .iter()
            .filter(|c| self.file.supplier.category_ids.contains(&c.id))
            .map(|c| self.ctx.pick(&c.name_zh, &c.name_en))
            .collect::<Vec<_>>()
            .join("、")
    }
    fn can_review(&self) -> bool {
        self.ctx.can(Capability::ReviewSuppliers) && self.status() == SupplierStatus::Submitted
    }
    fn can_re_review(&self) -> bool {
        self.ctx.can(Capability::ReviewSuppliers)
            && matches!(
                self.status(),
                SupplierStatus::Admitted | SupplierStatus::Suspended
            )
    }
    fn can_admit(&self) -> bool {
        self.ctx.can(Capability::DecideAdmissions) && self.status() == SupplierStatus::Recommended
    }
    fn can_record(&self) -> bool {
        self.ctx.can(Capability::RecordFailures)
            && matches!(
                self.status(),
                SupplierStatus::Admitted | SupplierStatus::Suspended
            )
    }
    fn can_decide_failures(&self) -> bool {
        self.ctx.can(Capability::DecideFailures)
    }
    fn can_suspend(&self) -> bool {
        self.ctx.can(Capability::SuspendSuppliers) && self.status() == SupplierStatus::Admitted
    }
    fn can_reinstate(&self) -> bool {
        self.ctx.can(Capability::SuspendSuppliers) && self.status() == SupplierStatus::Suspended
    }
    /// The errors of the form `which`, or none when another form was posted.
    fn errors_for_form(&self, which: &str) -> &FormErrors {
        self.errors_for(which)
            .unwrap_or(&crate::web::page::NO_ERRORS)
    }
    fn errors_for(&self, which: &str) -> Option<&FormErrors> {
        (self.which == which).then_some(&self.errors)
    }
    fn agreement(&self) -> Option<&AgreementView> {
        self.file.agreement.as_ref()
    }
    fn doc_label(&self, d: &DocumentView) -> String {
        self.ctx.t(&format!("document-{}", d.kind))
    }
}

async fn render_review(
    state: &AppState,
    ctx: PageCtx,
    user: &CurrentUser,
    id: SupplierId,
    errors: FormErrors,
    which: &'static str,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let file = supplier_file(state, user, id).await?;
    let categories = crate::materials::categories(&state.db.read).await?;
    let terms = AgreementTerms {
        cutoff_day: crate::settings::cutoff_day(&state.db.read).await? as i32,
        ..AgreementTerms::defaults(state.today())
    };
    let kinds = vec![FailureKind::Quality.as_str(), FailureKind::Price.as_str()];
    let sources = [
        FailureSource::ReceivingInspection,
        FailureSource::SiteComplaint,
        FailureSource::PriceSurvey,
        FailureSource::Tender,
    ]
    .iter()
    .map(|s| s.as_str())
    .collect();
    Ok(crate::web::html_status(
        status,
        &ReviewPage {
            ctx,
            file,
            categories,
            errors,
            which,
            terms,
            kinds,
            sources,
            answer_days: crate::settings::failure_answer_days(&state.db.read).await?,
            now: state.now(),
        },
    ))
}

async fn review_or_error(
    state: &AppState,
    ctx: PageCtx,
    user: &CurrentUser,
    id: SupplierId,
    result: AppResult<()>,
    which: &'static str,
    flash: &str,
) -> AppResult<HttpResponse> {
    let locale = ctx.locale;
    let to = format!("/suppliers/{id}");
    form_outcome(result, locale, &to, flash, |errors, status| {
        render_review(state, ctx, user, id, errors, which, status)
    })
    .await
}

#[get("/suppliers/{id}")]
pub async fn review_page(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<SupplierId>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadSupplierFiles)?;
    if user.role == crate::auth::Role::Supplier {
        return Ok(redirect("/my/supplier"));
    }
    render_review(
        &state,
        ctx,
        &user,
        *id,
        FormErrors::default(),
        "",
        StatusCode::OK,
    )
    .await
}

#[post("/suppliers/{id}/review")]
pub async fn review_submit(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<SupplierId>,
    form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReviewSuppliers)?;
    let f = form.0;
    let r = async {
        // Each outcome is its own button; a form posted without one decides nothing.
        let decision = match choice_field(&f, "decision", &["recommend", "request_info", "reject"])?
        {
            "recommend" => OfficerDecision::Recommend,
            "reject" => OfficerDecision::Reject,
            _ => OfficerDecision::RequestInfo,
        };
        let input = ReviewInput {
            checklist: checklist_of(&f),
            notes: field(&f, "notes"),
            decision,
            reasons: field(&f, "reasons"),
        };
        store::review_now(&state, &user, *id, input)
            .await
            .map(|_| ())
    }
    .await;
    review_or_error(&state, ctx, &user, *id, r, "review", "flash-saved").await
}

#[post("/suppliers/{id}/re-review")]
pub async fn re_review_submit(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<SupplierId>,
    form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReviewSuppliers)?;
    let f = form.0;
    let r = async {
        let passed = choice_field(&f, "decision", &["passed", "failed"])? == "passed";
        store::re_review_now(
            &state,
            &user,
            *id,
            store::ReReviewInput {
                checklist: checklist_of(&f),
                notes: field(&f, "notes"),
                passed,
                reasons: field(&f, "reasons"),
            },
        )
        .await
        .map(|_| ())
    }
    .await;
    review_or_error(&state, ctx, &user, *id, r, "re_review", "flash-saved").await
}

#[post("/suppliers/{id}/admission")]
pub async fn admission_submit(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<SupplierId>,
    form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::DecideAdmissions)?;
    let f = form.0;
    let r = async {
        let decision = match choice_field(&f, "decision", &["admit", "request_info", "reject"])? {
            "admit" => HeadDecision::Admit,
            "reject" => HeadDecision::Reject,
            _ => HeadDecision::RequestInfo,
        };
        let terms = if decision == HeadDecision::Admit {
            let num = |k: &str| {
                field(&f, k)
                    .trim()
                    .parse::<i32>()
                    .map_err(|_| AppError::field(&format!("terms.{k}"), RuleCode::NotANumber))
            };
            Some(AgreementTerms {
                starts_on: date(&f, "starts_on")?,
                ends_on: date(&f, "ends_on")?,
                cutoff_day: num("cutoff_day")?,
                stale_months: num("stale_months")?,
                // The page asks for a percent ("13"); the agreement keeps the fraction.
                tax_rate: field(&f, "tax_rate")
                    .trim()
                    .trim_end_matches(['%', '％'])
                    .trim()
                    .parse()
                    // Not a number: the same message, which names the field and its range.
                    .map_err(|_| AppError::field("terms.tax_rate", RuleCode::TaxRateRange))
                    .and_then(|p| {
                        crate::money::TaxRate::from_percent(p)
                            .map_err(|_| AppError::field("terms.tax_rate", RuleCode::TaxRateRange))
                    })?
                    .fraction(),
                signed_on: date(&f, "signed_on")?,
            })
        } else {
            None
        };
        store::decide_admission_now(
            &state,
            &user,
            *id,
            AdmissionInput {
                decision,
                reasons: field(&f, "reasons"),
                terms,
            },
        )
        .await
        .map(|_| ())
    }
    .await;
    review_or_error(&state, ctx, &user, *id, r, "admission", "flash-saved").await
}

#[post("/suppliers/{id}/failures")]
pub async fn failure_submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<SupplierId>,
    payload: actix_multipart::Multipart,
) -> AppResult<HttpResponse> {
    user.require(Capability::RecordFailures)?;
    let (f, upload) = crate::files::read_multipart(payload).await?;
    check_csrf(&req, &field(&f, "csrf_token"))?;
    crate::web::page::keep_posted(&req, &f);
    let r = async {
        let kind: FailureKind =
            serde_json::from_value(serde_json::Value::String(field(&f, "kind")))
                .map_err(|_| AppError::field("kind", RuleCode::Required))?;
        let source: FailureSource =
            serde_json::from_value(serde_json::Value::String(field(&f, "source")))
                .map_err(|_| AppError::field("source", RuleCode::Required))?;
        let evidence = match upload.filter(|u| !u.bytes.is_empty()) {
            Some(u) => Some(
                crate::files::store(
                    &state.db.write,
                    &state,
                    "evidence",
                    &u,
                    Some(*id),
                    "evidence",
                    Some(user.id),
                )
                .await?
                .id,
            ),
            None => None,
        };
        store::record_failure_now(
            &state,
            &user,
            *id,
            FailureInput {
                kind,
                source,
                description: field(&f, "description"),
                evidence_file_id: evidence,
            },
        )
        .await
        .map(|_| ())
    }
    .await;
    review_or_error(
        &state,
        ctx,
        &user,
        *id,
        r,
        "failure",
        "flash-failure-recorded",
    )
    .await
}

#[post("/failures/{id}/decision")]
pub async fn failure_decision(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<i64>,
    form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::DecideFailures)?;
    let f = form.0;
    let failure = entity::supplier_failure::Entity::find_by_id(*id)
        .one(&state.db.read)
        .await?
        .ok_or(AppError::NotFound)?;
    let r = match choice_field(&f, "decision", &["confirm", "dismiss"]) {
        Ok(d) => {
            store::decide_failure_now(&state, &user, *id, d == "confirm", &field(&f, "note")).await
        }
        Err(e) => Err(e),
    };
    let flash = match &r {
        Ok(d) if d.removed => "flash-supplier-removed",
        _ => "flash-saved",
    };
    review_or_error(
        &state,
        ctx,
        &user,
        failure.supplier_id,
        r.map(|_| ()),
        "decision",
        flash,
    )
    .await
}

/// An officer accepts or refuses a document an admitted supplier added (rule 14).
#[post("/supplier-documents/{id}/decision")]
pub async fn document_decision(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<i64>,
    form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReviewSuppliers)?;
    let f = form.0;
    let doc = entity::supplier_document::Entity::find_by_id(*id)
        .one(&state.db.read)
        .await?
        .ok_or(AppError::NotFound)?;
    let r = match choice_field(&f, "decision", &["accept", "refuse"]) {
        Ok(d) => {
            store::decide_document_now(&state, &user, *id, d == "accept", &field(&f, "reason"))
                .await
                .map(|_| ())
        }
        Err(e) => Err(e),
    };
    review_or_error(
        &state,
        ctx,
        &user,
        doc.supplier_id,
        r,
        "document",
        "flash-saved",
    )
    .await
}

#[post("/suppliers/{id}/suspension")]
pub async fn suspension_submit(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<SupplierId>,
    form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::SuspendSuppliers)?;
    let f = form.0;
    let r = async {
        store::suspend_now(
            &state,
            &user,
            *id,
            SuspensionInput {
                until: date(&f, "until")?,
                reason: field(&f, "reason"),
            },
        )
        .await
        .map(|_| ())
    }
    .await;
    review_or_error(&state, ctx, &user, *id, r, "suspension", "flash-saved").await
}

#[post("/suppliers/{id}/reinstatement")]
pub async fn reinstatement_submit(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<SupplierId>,
    _form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::SuspendSuppliers)?;
    let r = store::reinstate_now(&state, &user, *id).await.map(|_| ());
    review_or_error(&state, ctx, &user, *id, r, "suspension", "flash-saved").await
}

use sea_orm::EntityTrait;
