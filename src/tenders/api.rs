//! The tenders JSON API: thin handlers over `store` (each view is read there in one call,
//! `store::views`).

use super::store::{
    self, AwardDecisionInput, BidInput, BidScoresInput, CommitteeInput, CommitteeView, MyBidView,
    OpenResult, TenderDetail, TenderDocumentView, TenderFilter, TenderInput, TenderReissueInput,
    TenderSummary,
};
use crate::auth::{Capability, CurrentUser};
use crate::error::RuleCode;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::i18n::Locale;
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, put, web};
use entity::TenderId;

/// A tender document's bytes, as a download.
pub async fn document_response(
    state: &AppState,
    user: &CurrentUser,
    id: TenderId,
    file_id: i64,
) -> AppResult<HttpResponse> {
    let f = store::document(&state.db.read, user, id, file_id).await?;
    let bytes = tokio::fs::read(state.config.data_dir.join("uploads").join(&f.stored_as))
        .await
        .map_err(|e| AppError::Internal(format!("file {file_id}: {e}")))?;
    let disposition = format!(
        "attachment; filename*=UTF-8''{}",
        urlencoding::encode(&f.file_name)
    );
    Ok(HttpResponse::Ok()
        .content_type(f.content_type)
        .insert_header((header::CONTENT_DISPOSITION, disposition))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(bytes))
}

// ----- Handlers -----

/// The tenders the caller may see: all for the procurement office, auditor and admin; for a
/// supplier those it may bid on. Never a bid's price.
#[utoipa::path(get, path = "/api/tenders", tag = "tenders", security(("bearer" = ["read_tenders"])), params(TenderFilter),
    responses((status = 200, body = [TenderSummary]), (status = 403, body = ErrorBody)))]
#[get("/api/tenders")]
pub async fn api_list(
    state: web::Data<AppState>,
    user: CurrentUser,
    f: crate::web::Query<TenderFilter>,
    req: HttpRequest,
) -> AppResult<web::Json<Vec<TenderSummary>>> {
    user.require(Capability::ReadTenders)?;
    Ok(web::Json(
        store::summaries(&state, &user, &f, Locale::of(&req)).await?,
    ))
}

/// Drafts a tender (procurement officer). Weights must add up to 100; an invitational tender
/// names at least three eligible invitees.
#[utoipa::path(post, path = "/api/tenders", tag = "tenders", security(("bearer" = ["manage_procurement"])), request_body = TenderInput,
    responses((status = 201, body = TenderDetail), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/tenders")]
pub async fn api_create(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<TenderInput>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageProcurement)?;
    let t = store::create_now(&state, &user, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(store::detail(&state, &user, t.id, Locale::of(&req)).await?))
}

/// One tender. Bids are listed for the office only, sealed (no prices) until the tender has
/// been opened after its deadline; a supplier sees only its own bid's status here.
#[utoipa::path(get, path = "/api/tenders/{id}", tag = "tenders", security(("bearer" = ["read_tenders"])), params(("id" = i64, Path)),
    responses((status = 200, body = TenderDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/api/tenders/{id}")]
pub async fn api_get(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<TenderId>,
    req: HttpRequest,
) -> AppResult<web::Json<TenderDetail>> {
    user.require(Capability::ReadTenders)?;
    Ok(web::Json(
        store::detail(&state, &user, *id, Locale::of(&req)).await?,
    ))
}

/// Changes a draft (its items and invitees are replaced whole).
#[utoipa::path(put, path = "/api/tenders/{id}", tag = "tenders", security(("bearer" = ["manage_procurement"])), params(("id" = i64, Path)),
    request_body = TenderInput,
    responses((status = 200, body = TenderDetail), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[put("/api/tenders/{id}")]
pub async fn api_update(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<TenderId>,
    body: web::Json<TenderInput>,
    req: HttpRequest,
) -> AppResult<web::Json<TenderDetail>> {
    user.require(Capability::ManageProcurement)?;
    store::update_now(&state, &user, *id, body.into_inner()).await?;
    Ok(web::Json(
        store::detail(&state, &user, *id, Locale::of(&req)).await?,
    ))
}

/// The tender's committee (rule 14) and the staff who may be named to it: active procurement
/// officers and heads (the office).
#[utoipa::path(get, path = "/api/tenders/{id}/committee", tag = "tenders", security(("bearer" = ["read_procurement"])), params(("id" = i64, Path)),
    responses((status = 200, body = CommitteeView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/api/tenders/{id}/committee")]
pub async fn api_committee(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<TenderId>,
) -> AppResult<web::Json<CommitteeView>> {
    user.require(Capability::ReadProcurement)?;
    Ok(web::Json(store::committee_view(&state, &user, *id).await?))
}

/// Names the tender's committee whole (procurement officer or head): while it is drafted, or
/// published but not yet opened, and then never fewer than the `committee_min_members`
/// setting. Each member named or removed is audited.
#[utoipa::path(put, path = "/api/tenders/{id}/committee", tag = "tenders", security(("bearer" = ["tender_committee"])), params(("id" = i64, Path)),
    request_body = CommitteeInput,
    responses((status = 200, body = CommitteeView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[put("/api/tenders/{id}/committee")]
pub async fn api_set_committee(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<TenderId>,
    body: web::Json<CommitteeInput>,
) -> AppResult<web::Json<CommitteeView>> {
    user.require(Capability::TenderCommittee)?;
    store::set_committee_now(&state, &user, *id, body.into_inner()).await?;
    Ok(web::Json(store::committee_view(&state, &user, *id).await?))
}

/// Adds a document (PDF, JPEG or PNG, multipart field `file`) to a draft.
#[utoipa::path(post, path = "/api/tenders/{id}/documents", tag = "tenders", security(("bearer" = ["manage_procurement"])), params(("id" = i64, Path)),
    request_body(content = crate::files::FileUpload, content_type = "multipart/form-data", description = "field: file"),
    responses((status = 201, body = TenderDocumentView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/tenders/{id}/documents")]
pub async fn api_add_document(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<TenderId>,
    payload: actix_multipart::Multipart,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageProcurement)?;
    let (_, upload) = crate::files::read_multipart(payload).await?;
    let upload = upload.ok_or_else(|| AppError::field("file", RuleCode::Required))?;
    let f = store::add_document_now(&state, &user, *id, &upload).await?;
    Ok(HttpResponse::Created().json(TenderDocumentView {
        url: format!("/api/tenders/{}/documents/{}", *id, f.id),
        file_id: f.id,
        file_name: f.file_name,
        content_type: f.content_type,
        size: f.size,
    }))
}

/// Downloads a tender document: the office, and suppliers who may see the tender (invited
/// suppliers of an invitational one).
#[utoipa::path(get, path = "/api/tenders/{id}/documents/{file_id}", tag = "tenders", security(("bearer" = ["read_tenders"])),
    params(("id" = i64, Path), ("file_id" = i64, Path)),
    responses((status = 200, description = "the document's bytes"), (status = 404, body = ErrorBody)))]
#[get("/api/tenders/{id}/documents/{file_id}")]
pub async fn api_document(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(TenderId, i64)>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadTenders)?;
    let (id, file_id) = path.into_inner();
    document_response(&state, &user, id, file_id).await
}

/// Publishes a draft and emails the invitees (or, for a public tender, every supplier that
/// may bid).
#[utoipa::path(post, path = "/api/tenders/{id}/publish", tag = "tenders", security(("bearer" = ["manage_procurement"])), params(("id" = i64, Path)),
    responses((status = 200, body = TenderDetail), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/tenders/{id}/publish")]
pub async fn api_publish(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<TenderId>,
    req: HttpRequest,
) -> AppResult<web::Json<TenderDetail>> {
    user.require(Capability::ManageProcurement)?;
    store::publish_now(&state, &user, *id).await?;
    Ok(web::Json(
        store::detail(&state, &user, *id, Locale::of(&req)).await?,
    ))
}

/// The caller's own bid with its prices (suppliers only).
#[utoipa::path(get, path = "/api/tenders/{id}/bid", tag = "tenders", security(("bearer" = ["manage_own_supplier"])), params(("id" = i64, Path)),
    responses((status = 200, body = MyBidView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/api/tenders/{id}/bid")]
pub async fn api_my_bid(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<TenderId>,
    req: HttpRequest,
) -> AppResult<web::Json<MyBidView>> {
    user.require(Capability::ManageOwnSupplier)?;
    let (_, v) = store::my_bid_view(&state, &user, *id, Locale::of(&req)).await?;
    Ok(web::Json(v))
}

/// Submits or revises the caller's bid (a price and delivery days for every item), sealed.
/// Refused at and after the deadline by the server's clock.
#[utoipa::path(put, path = "/api/tenders/{id}/bid", tag = "tenders", security(("bearer" = ["manage_own_supplier"])), params(("id" = i64, Path)),
    request_body = BidInput,
    responses((status = 200, body = MyBidView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[put("/api/tenders/{id}/bid")]
pub async fn api_submit_bid(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<TenderId>,
    body: web::Json<BidInput>,
    req: HttpRequest,
) -> AppResult<web::Json<MyBidView>> {
    user.require(Capability::ManageOwnSupplier)?;
    store::submit_bid_now(&state, &user, *id, body.into_inner()).await?;
    let (_, v) = store::my_bid_view(&state, &user, *id, Locale::of(&req)).await?;
    Ok(web::Json(v))
}

/// Withdraws the caller's bid before the deadline.
#[utoipa::path(delete, path = "/api/tenders/{id}/bid", tag = "tenders", security(("bearer" = ["manage_own_supplier"])), params(("id" = i64, Path)),
    responses((status = 200, body = MyBidView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[delete("/api/tenders/{id}/bid")]
pub async fn api_withdraw_bid(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<TenderId>,
    req: HttpRequest,
) -> AppResult<web::Json<MyBidView>> {
    user.require(Capability::ManageOwnSupplier)?;
    store::withdraw_bid_now(&state, &user, *id).await?;
    let (_, v) = store::my_bid_view(&state, &user, *id, Locale::of(&req)).await?;
    Ok(web::Json(v))
}

/// A committee member confirms the opening (after the deadline). The first confirmation is
/// recorded; a second one by a different member opens the tender and lists the bids.
#[utoipa::path(post, path = "/api/tenders/{id}/open", tag = "tenders", security(("bearer" = ["tender_committee"])), params(("id" = i64, Path)),
    responses((status = 200, body = OpenResult), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/tenders/{id}/open")]
pub async fn api_open(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<TenderId>,
    req: HttpRequest,
) -> AppResult<web::Json<OpenResult>> {
    user.require(Capability::TenderCommittee)?;
    let outcome = store::open_now(&state, &user, *id).await?;
    Ok(web::Json(OpenResult {
        outcome,
        tender: store::detail(&state, &user, *id, Locale::of(&req)).await?,
    }))
}

/// A committee member's quality and delivery scores (0–100) of the valid bids: only the members
/// named on the tender score, each apart (the others' scores are not shown until the
/// evaluation).
#[utoipa::path(put, path = "/api/tenders/{id}/scores", tag = "tenders", security(("bearer" = ["tender_committee"])), params(("id" = i64, Path)),
    request_body = BidScoresInput,
    responses((status = 200, body = TenderDetail), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[put("/api/tenders/{id}/scores")]
pub async fn api_score(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<TenderId>,
    body: web::Json<BidScoresInput>,
    req: HttpRequest,
) -> AppResult<web::Json<TenderDetail>> {
    user.require(Capability::TenderCommittee)?;
    store::score_now(&state, &user, *id, body.into_inner()).await?;
    Ok(web::Json(
        store::detail(&state, &user, *id, Locale::of(&req)).await?,
    ))
}

/// Closes the evaluation: ranks the scored bids and recommends the best for the head. Refused
/// until every named member (at least three) has scored every valid bid; the refusal names who
/// has not. Whoever closes it is recorded, and may not then decide the award.
#[utoipa::path(post, path = "/api/tenders/{id}/evaluate", tag = "tenders", security(("bearer" = ["tender_committee"])), params(("id" = i64, Path)),
    responses((status = 200, body = TenderDetail), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/tenders/{id}/evaluate")]
pub async fn api_evaluate(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<TenderId>,
    req: HttpRequest,
) -> AppResult<web::Json<TenderDetail>> {
    user.require(Capability::TenderCommittee)?;
    store::evaluate_now(&state, &user, *id).await?;
    Ok(web::Json(
        store::detail(&state, &user, *id, Locale::of(&req)).await?,
    ))
}

/// The procurement head approves the recommended award, or declines it with a note (the
/// tender fails). Every bidder is emailed the outcome. Refused to the head who ran the
/// evaluation (`tender_own_evaluation`) or who was its only scorer (`sole_decider`).
#[utoipa::path(post, path = "/api/tenders/{id}/decision", tag = "tenders", security(("bearer" = ["approve_procurement"])), params(("id" = i64, Path)),
    request_body = AwardDecisionInput,
    responses((status = 200, body = TenderDetail), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/tenders/{id}/decision")]
pub async fn api_decide(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<TenderId>,
    body: web::Json<AwardDecisionInput>,
    req: HttpRequest,
) -> AppResult<web::Json<TenderDetail>> {
    user.require(Capability::ApproveProcurement)?;
    store::decide_now(&state, &user, *id, body.into_inner()).await?;
    Ok(web::Json(
        store::detail(&state, &user, *id, Locale::of(&req)).await?,
    ))
}

/// Re-issues a failed tender as a new draft with a new deadline.
#[utoipa::path(post, path = "/api/tenders/{id}/reissue", tag = "tenders", security(("bearer" = ["manage_procurement"])), params(("id" = i64, Path)),
    request_body = TenderReissueInput,
    responses((status = 201, body = TenderDetail), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/tenders/{id}/reissue")]
pub async fn api_reissue(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<TenderId>,
    body: web::Json<TenderReissueInput>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageProcurement)?;
    let t = store::reissue_now(&state, &user, *id, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(store::detail(&state, &user, t.id, Locale::of(&req)).await?))
}
