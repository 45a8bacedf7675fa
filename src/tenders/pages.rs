//! Tender pages: the list (the office's tenders, a supplier's open invitations), drafting and
//! editing, one tender with the steps of its life (publish, the four-eyes opening, scoring,
//! evaluation, the head's decision, re-issue), documents, and the supplier's own bid.
//!
//! The pages show what the API shows, through the same views: a bid's prices appear only on
//! the bidder's own bid page, and on the tender page for the office once it has been opened.

use super::api;
use super::rules::{TenderKind, TenderStatus, Weights};
use super::store::{
    self, AwardDecisionInput, BidInput, BidLineInput, BidScoreInput, BidScoresInput, OpenOutcome,
    TenderFilter, TenderInput, TenderItemInput, TenderReissueInput,
};
use super::store::{MyBidView, TenderDetail, TenderSummary};
use crate::auth::{Capability, CurrentUser};
use crate::error::RuleCode;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::money::text;
use crate::state::AppState;
use crate::web::page::{CsrfForm, FormErrors, PageCtx, check_csrf, form_outcome};
use crate::web::page::{Form, choice_field, field};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use entity::{BidId, SupplierId, TenderId};
use rust_decimal::Decimal;
use std::collections::HashMap;

/// Rows of items the drafting form offers beyond those filled in.
const SPARE_ROWS: usize = 3;
const MAX_ROWS: usize = 100;

/// A `datetime-local` value, read in the company's time zone.
pub fn parse_local(s: &str, tz: chrono_tz::Tz) -> Option<DateTime<Utc>> {
    let s = s.trim();
    let naive = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())?;
    tz.from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

/// An instant as a `datetime-local` value in the company's time zone.
pub fn local_value(at: DateTime<Utc>, tz: chrono_tz::Tz) -> String {
    at.with_timezone(&tz).format("%Y-%m-%dT%H:%M").to_string()
}

// ----- The list -----

#[derive(Template)]
#[template(path = "tenders/list.html")]
struct ListView {
    ctx: PageCtx,
    tenders: Vec<TenderSummary>,
    statuses: Vec<&'static str>,
    status: String,
    office: bool,
    may_create: bool,
}

impl ListView {
    fn chosen(&self, s: &str) -> bool {
        self.status == s
    }
}

#[get("/tenders")]
pub async fn list_page(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    q: crate::web::Query<TenderFilter>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadTenders)?;
    let f = q.into_inner();
    let tenders = super::store::summaries(&state, &user, &f, ctx.locale).await?;
    let office = store::viewer(&user)? == store::Viewer::Office;
    Ok(crate::web::html(&ListView {
        may_create: user.role.can(Capability::ManageProcurement),
        statuses: TenderStatus::ALL.iter().map(|s| s.as_str()).collect(),
        status: f.status.unwrap_or_default(),
        office,
        tenders,
        ctx,
    }))
}

// ----- Drafting -----

struct Choice<Id = i64> {
    id: Id,
    label: String,
}

#[derive(Template)]
#[template(path = "tenders/form.html")]
struct FormView {
    ctx: PageCtx,
    /// Where the form posts.
    action: String,
    tender_id: Option<TenderId>,
    form: Form,
    rows: Vec<usize>,
    categories: Vec<Choice>,
    materials: Vec<Choice>,
    suppliers: Vec<Choice<SupplierId>>,
    /// Who may be named to the committee.
    staff: Vec<Choice>,
    errors: FormErrors,
}

impl FormView {
    fn v(&self, k: &str) -> String {
        self.form.get(k).cloned().unwrap_or_default()
    }
    fn row(&self, name: &str, i: &usize) -> String {
        self.v(&format!("{name}_{i}"))
    }
    fn is(&self, k: &str, v: &str) -> bool {
        self.form.get(k).map(String::as_str) == Some(v)
    }
    fn row_is(&self, i: &usize, id: &i64) -> bool {
        self.row("material", i) == id.to_string()
    }
    fn category_is(&self, id: &i64) -> bool {
        self.v("category_id") == id.to_string()
    }
    fn invited(&self, id: &SupplierId) -> bool {
        self.form.contains_key(&format!("invite_{id}"))
    }
    fn member(&self, id: &i64) -> bool {
        self.form.contains_key(&format!("member_{id}"))
    }
}

/// The committee's members checked on a form (`member_<user id>`).
fn members_of(f: &Form) -> Vec<i64> {
    let mut ids: Vec<i64> = f
        .keys()
        .filter_map(|k| k.strip_prefix("member_")?.parse().ok())
        .collect();
    ids.sort_unstable();
    ids
}

/// The staff a committee may name, as a form's choices ("name (role)").
async fn staff_choices(state: &AppState, ctx: &PageCtx) -> AppResult<Vec<Choice>> {
    Ok(store::committee_candidates(&state.db.read)
        .await?
        .into_iter()
        .map(|c| Choice {
            id: c.user_id,
            label: format!("{} ({})", c.name, ctx.t(&c.role.label_key())),
        })
        .collect())
}

/// The highest item row the form holds, plus spare ones.
fn rows_of(f: &Form) -> Vec<usize> {
    let used = f
        .keys()
        .filter_map(|k| k.strip_prefix("material_")?.parse::<usize>().ok())
        .filter(|i| *i < MAX_ROWS)
        .max()
        .map(|m| m + 1)
        .unwrap_or(0);
    (0..(used + SPARE_ROWS).min(MAX_ROWS)).collect()
}

/// The item rows of the drafting form that were filled in (a material or a quantity), in
/// order: the `n`th is the draft's `items[n]`.
fn item_rows(f: &Form) -> Vec<usize> {
    (0..MAX_ROWS)
        .filter(|i| {
            !field(f, &format!("material_{i}")).is_empty()
                || !field(f, &format!("qty_{i}")).is_empty()
        })
        .collect()
}

/// The drafting form's name for each field of an item.
const ITEM_FIELDS: &[(&str, &str)] = &[
    ("material_id", "material"),
    ("quantity", "qty"),
    ("specification", "spec"),
];
/// The bid form's name for each field of a line (a line's item is its price's row).
const LINE_FIELDS: &[(&str, &str)] = &[
    ("item_id", "price"),
    ("unit_price", "price"),
    ("delivery_days", "days"),
];
/// The scoring form's name for each field of a score (a score's bid is its quality's row).
const SCORE_FIELDS: &[(&str, &str)] = &[
    ("bid_id", "quality"),
    ("quality", "quality"),
    ("delivery", "delivery"),
];

async fn form_page(
    state: &AppState,
    ctx: PageCtx,
    tender_id: Option<TenderId>,
    form: Form,
    errors: FormErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let db = &state.db.read;
    let categories = crate::materials::categories(db)
        .await?
        .into_iter()
        .map(|c| Choice {
            id: c.id,
            label: ctx.pick(&c.name_zh, &c.name_en),
        })
        .collect();
    let cat_names: HashMap<i64, String> = crate::materials::categories(db)
        .await?
        .into_iter()
        .map(|c| (c.id, ctx.pick(&c.name_zh, &c.name_en)))
        .collect();
    let materials = {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
        entity::material::Entity::find()
            .filter(entity::material::Column::Active.eq(true))
            .order_by_asc(entity::material::Column::CategoryId)
            .order_by_asc(entity::material::Column::Code)
            .all(db)
            .await?
            .into_iter()
            .map(|m| Choice {
                id: m.id,
                label: format!(
                    "{} · {} {} ({})",
                    cat_names.get(&m.category_id).cloned().unwrap_or_default(),
                    ctx.pick(&m.name_zh, &m.name_en),
                    m.spec,
                    m.unit_code
                ),
            })
            .collect()
    };
    let suppliers = store::eligible_suppliers(db, None, state.today())
        .await?
        .into_iter()
        .map(|(s, cats)| Choice {
            id: s.id,
            label: format!(
                "{} ({})",
                s.legal_name,
                cats.iter()
                    .filter_map(|c| cat_names.get(c).cloned())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })
        .collect();
    let action = match tender_id {
        Some(id) => format!("/tenders/{id}/edit"),
        None => "/tenders/new".to_string(),
    };
    let staff = staff_choices(state, &ctx).await?;
    Ok(crate::web::html_status(
        status,
        &FormView {
            ctx,
            action,
            tender_id,
            rows: rows_of(&form),
            form,
            categories,
            materials,
            suppliers,
            staff,
            errors,
        },
    ))
}

/// Reads the drafting form.
fn tender_input(f: &Form, tz: chrono_tz::Tz) -> AppResult<TenderInput> {
    let mut errors = FieldErrors::new();
    let kind = TenderKind::parse(&field(f, "kind"));
    if kind.is_none() {
        errors.add("kind", RuleCode::Invalid);
    }
    let category_id = field(f, "category_id").parse::<i64>().ok();
    if category_id.is_none() {
        errors.add("category_id", RuleCode::Required);
    }
    let deadline = parse_local(&field(f, "bid_deadline"), tz);
    if deadline.is_none() {
        errors.add("bid_deadline", RuleCode::TenderDatetime);
    }
    let weight = |k: &str| field(f, k).parse::<i32>().ok();
    let weights = match (
        weight("weight_price"),
        weight("weight_quality"),
        weight("weight_delivery"),
    ) {
        (Some(price), Some(quality), Some(delivery)) => Some(Weights {
            price,
            quality,
            delivery,
        }),
        _ => {
            errors.add("weights", RuleCode::TenderWeightsSum);
            None
        }
    };
    let mut items = Vec::new();
    for (n, i) in item_rows(f).into_iter().enumerate() {
        let m = field(f, &format!("material_{i}"));
        let q = field(f, &format!("qty_{i}"));
        let material_id = m.parse::<i64>().unwrap_or_default();
        let quantity = match crate::money::parse_decimal(&q) {
            Some(d) => d,
            None => {
                errors.add(&format!("items.{n}.quantity"), RuleCode::NotANumber);
                Decimal::ZERO
            }
        };
        items.push(TenderItemInput {
            material_id,
            quantity,
            specification: field(f, &format!("spec_{i}")),
        });
    }
    let invitees = f
        .keys()
        .filter_map(|k| k.strip_prefix("invite_")?.parse::<SupplierId>().ok())
        .collect::<Vec<_>>();
    let mut invitees = invitees;
    invitees.sort_unstable();
    errors.into_result()?;
    match (kind, category_id, deadline, weights) {
        (Some(kind), Some(category_id), Some(bid_deadline), Some(weights)) => Ok(TenderInput {
            title: field(f, "title"),
            kind,
            category_id,
            description: field(f, "description"),
            bid_deadline,
            weights,
            items,
            invitees,
            committee: Some(members_of(f)),
        }),
        _ => Err(AppError::BadRequest("form".into())),
    }
}

#[get("/tenders/new")]
pub async fn new_page(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageProcurement)?;
    let deadline = state.now() + chrono::Duration::days(14);
    let form: Form = [
        ("kind", "invitational".to_string()),
        ("weight_price", "60".into()),
        ("weight_quality", "30".into()),
        ("weight_delivery", "10".into()),
        ("bid_deadline", local_value(deadline, state.tz())),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    form_page(
        &state,
        ctx,
        None,
        form,
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

#[post("/tenders/new")]
pub async fn create_submit(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageProcurement)?;
    let f = form.0;
    let rows = item_rows(&f);
    let created = async {
        let input = tender_input(&f, state.tz())?;
        store::create_now(&state, &user, input).await
    }
    .await
    .map_err(|e| e.rows_named("items", &rows, ITEM_FIELDS));
    let to = match &created {
        Ok(t) => format!("/tenders/{}", t.id),
        Err(_) => "/tenders".into(),
    };
    let locale = ctx.locale;
    form_outcome(
        created.map(|_| ()),
        locale,
        &to,
        "tender-flash-created",
        |errors, status| form_page(&state, ctx, None, f.clone(), errors, status),
    )
    .await
}

/// The drafting form's values of an existing draft.
fn form_of(d: &TenderDetail, tz: chrono_tz::Tz) -> Form {
    let t = &d.tender;
    let mut f: Form = [
        ("title", t.title.clone()),
        ("kind", t.kind.clone()),
        ("category_id", t.category_id.to_string()),
        ("bid_deadline", local_value(t.bid_deadline, tz)),
        ("weight_price", t.weights.price.to_string()),
        ("weight_quality", t.weights.quality.to_string()),
        ("weight_delivery", t.weights.delivery.to_string()),
        ("description", t.description.clone()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    for (i, it) in d.items.iter().enumerate() {
        f.insert(format!("material_{i}"), it.material_id.to_string());
        f.insert(format!("qty_{i}"), it.quantity.normalize().to_string());
        f.insert(format!("spec_{i}"), it.specification.clone());
    }
    for inv in &d.invitees {
        f.insert(format!("invite_{}", inv.supplier_id), "on".into());
    }
    for m in &d.committee {
        f.insert(format!("member_{}", m.user_id), "on".into());
    }
    f
}

#[get("/tenders/{id}/edit")]
pub async fn edit_page(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<TenderId>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageProcurement)?;
    let d = super::store::detail(&state, &user, *id, ctx.locale).await?;
    if d.tender.status != TenderStatus::Draft.as_str() {
        return Err(AppError::Rule(RuleCode::TenderState));
    }
    let form = form_of(&d, state.tz());
    form_page(
        &state,
        ctx,
        Some(*id),
        form,
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

#[post("/tenders/{id}/edit")]
pub async fn edit_submit(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<TenderId>,
    form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageProcurement)?;
    let id = *id;
    let f = form.0;
    let rows = item_rows(&f);
    let result = async {
        let input = tender_input(&f, state.tz())?;
        store::update_now(&state, &user, id, input)
            .await
            .map(|_| ())
    }
    .await
    .map_err(|e| e.rows_named("items", &rows, ITEM_FIELDS));
    let locale = ctx.locale;
    form_outcome(
        result,
        locale,
        &format!("/tenders/{id}"),
        "tender-flash-updated",
        |errors, status| form_page(&state, ctx, Some(id), f.clone(), errors, status),
    )
    .await
}

// ----- One tender -----

#[derive(Template)]
#[template(path = "tenders/detail.html")]
struct DetailView {
    ctx: PageCtx,
    d: TenderDetail,
    errors: FormErrors,
    reissue_deadline: String,
    /// Who may be named to the committee (when the user may name it now).
    staff: Vec<Choice>,
}

impl DetailView {
    fn may(&self, action: &str) -> bool {
        self.d.actions.iter().any(|a| a == action)
    }
    fn money(&self, d: &Decimal) -> String {
        text::amount(self.ctx.locale, *d)
    }
    fn price(&self, d: &Decimal) -> String {
        text::unit_price(self.ctx.locale, *d)
    }
    fn opt_money(&self, d: &Option<Decimal>) -> String {
        d.map(|d| text::amount(self.ctx.locale, d))
            .unwrap_or_else(|| "—".into())
    }
    fn opt_score(&self, d: &Option<Decimal>) -> String {
        d.map(|d| d.normalize().to_string())
            .unwrap_or_else(|| "—".into())
    }
    fn score(&self, d: &Decimal) -> String {
        d.normalize().to_string()
    }
    fn opt_int(&self, v: &Option<i32>) -> String {
        v.map(|v| v.to_string()).unwrap_or_default()
    }
    fn opt_when(&self, at: &Option<DateTime<Utc>>) -> String {
        at.map(|a| self.ctx.when(&a)).unwrap_or_default()
    }
    fn office(&self) -> bool {
        self.ctx.can(Capability::ReadProcurement)
    }
    fn opened(&self) -> bool {
        self.d.tender.opened_at.is_some()
    }
    fn valid(&self, status: &str) -> bool {
        status == "submitted"
    }
    fn kb(&self, size: &i64) -> String {
        format!("{:.1}", *size as f64 / 1024.0)
    }
    fn member(&self, id: &i64) -> bool {
        self.d.committee.iter().any(|m| m.user_id == *id)
    }
    /// "2 of 3 members have scored".
    fn progress(&self, p: &store::ScoringProgress) -> String {
        self.ctx.ta(
            "tender-scoring-progress",
            &[
                ("scored", p.scored.to_string()),
                ("members", p.members.to_string()),
            ],
        )
    }
    /// Why the evaluation cannot be closed yet: who is still to score.
    fn waiting(&self, p: &store::ScoringProgress) -> String {
        self.ctx
            .ta1("tender-evaluate-waiting", "missing", p.missing.join(", "))
    }
}

async fn detail_page(
    state: &AppState,
    ctx: PageCtx,
    user: &CurrentUser,
    id: TenderId,
    errors: FormErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let d = super::store::detail(state, user, id, ctx.locale).await?;
    let reissue_deadline = local_value(state.now() + chrono::Duration::days(14), state.tz());
    let staff = if d.actions.iter().any(|a| a == "committee") {
        staff_choices(state, &ctx).await?
    } else {
        Vec::new()
    };
    Ok(crate::web::html_status(
        status,
        &DetailView {
            ctx,
            d,
            errors,
            reissue_deadline,
            staff,
        },
    ))
}

#[get("/tenders/{id}")]
pub async fn tender_page(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<TenderId>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadTenders)?;
    detail_page(
        &state,
        ctx,
        &user,
        *id,
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

/// Answers a step posted from the tender page: back to it with a flash, or the page again
/// with the message.
async fn step_outcome(
    state: &AppState,
    ctx: PageCtx,
    user: &CurrentUser,
    id: TenderId,
    result: AppResult<()>,
    flash: &str,
) -> AppResult<HttpResponse> {
    let locale = ctx.locale;
    form_outcome(
        result,
        locale,
        &format!("/tenders/{id}"),
        flash,
        |errors, status| detail_page(state, ctx, user, id, errors, status),
    )
    .await
}

#[post("/tenders/{id}/documents")]
pub async fn document_submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<TenderId>,
    payload: actix_multipart::Multipart,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageProcurement)?;
    let (f, upload) = crate::files::read_multipart(payload).await?;
    check_csrf(&req, &field(&f, "csrf_token"))?;
    crate::web::page::keep_posted(&req, &f);
    let result = async {
        let upload = upload.ok_or_else(|| AppError::field("file", RuleCode::Required))?;
        store::add_document_now(&state, &user, *id, &upload)
            .await
            .map(|_| ())
    }
    .await;
    step_outcome(
        &state,
        ctx,
        &user,
        *id,
        result,
        "tender-flash-document-added",
    )
    .await
}

#[get("/tenders/{id}/documents/{file_id}")]
pub async fn document_download(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(TenderId, i64)>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadTenders)?;
    let (id, file_id) = path.into_inner();
    api::document_response(&state, &user, id, file_id).await
}

/// Names the committee from the tender page (checkboxes `member_<user id>`), until opening.
#[post("/tenders/{id}/committee")]
pub async fn committee_submit(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<TenderId>,
    form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::TenderCommittee)?;
    let input = store::CommitteeInput {
        committee: members_of(&form.0),
    };
    let result = store::set_committee_now(&state, &user, *id, input)
        .await
        .map(|_| ());
    step_outcome(&state, ctx, &user, *id, result, "tender-flash-committee").await
}

#[post("/tenders/{id}/publish")]
pub async fn publish_submit(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<TenderId>,
    _form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageProcurement)?;
    let result = store::publish_now(&state, &user, *id).await.map(|_| ());
    step_outcome(&state, ctx, &user, *id, result, "tender-flash-published").await
}

#[post("/tenders/{id}/open")]
pub async fn open_submit(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<TenderId>,
    _form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::TenderCommittee)?;
    let outcome = store::open_now(&state, &user, *id).await;
    let flash = match &outcome {
        Ok(OpenOutcome::FirstConfirmation) => "tender-flash-open-confirmed",
        Ok(OpenOutcome::Opened) => "tender-flash-opened",
        Ok(OpenOutcome::Failed) => "tender-flash-failed",
        Err(_) => "tender-flash-opened",
    };
    step_outcome(&state, ctx, &user, *id, outcome.map(|_| ()), flash).await
}

/// The bids the scoring form scores (a quality or a delivery score filled in), in order: the
/// `n`th is the input's `scores[n]`.
fn scored_bids(f: &Form) -> Vec<BidId> {
    let mut ids: Vec<BidId> = f
        .keys()
        .filter_map(|k| k.strip_prefix("quality_")?.parse().ok())
        .filter(|id| {
            !field(f, &format!("quality_{id}")).is_empty()
                || !field(f, &format!("delivery_{id}")).is_empty()
        })
        .collect();
    ids.sort_unstable();
    ids
}

/// Reads the scoring form: `quality_<bid>` and `delivery_<bid>` for each bid scored.
fn scores_input(f: &Form) -> AppResult<BidScoresInput> {
    let mut errors = FieldErrors::new();
    let mut scores = Vec::new();
    for (i, bid_id) in scored_bids(f).into_iter().enumerate() {
        let quality = field(f, &format!("quality_{bid_id}")).parse::<i32>();
        let delivery = field(f, &format!("delivery_{bid_id}")).parse::<i32>();
        if quality.is_err() {
            errors.add(&format!("scores.{i}.quality"), RuleCode::TenderScoreRange);
        }
        if delivery.is_err() {
            errors.add(&format!("scores.{i}.delivery"), RuleCode::TenderScoreRange);
        }
        if let (Ok(quality), Ok(delivery)) = (quality, delivery) {
            scores.push(BidScoreInput {
                bid_id,
                quality,
                delivery,
            });
        }
    }
    errors.into_result()?;
    Ok(BidScoresInput { scores })
}

#[post("/tenders/{id}/scores")]
pub async fn scores_submit(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<TenderId>,
    form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::TenderCommittee)?;
    let bids = scored_bids(&form.0);
    let result = async {
        let input = scores_input(&form.0)?;
        store::score_now(&state, &user, *id, input).await
    }
    .await
    .map_err(|e| e.rows_named("scores", &bids, SCORE_FIELDS));
    step_outcome(&state, ctx, &user, *id, result, "tender-flash-scored").await
}

#[post("/tenders/{id}/evaluate")]
pub async fn evaluate_submit(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<TenderId>,
    _form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::TenderCommittee)?;
    let result = store::evaluate_now(&state, &user, *id).await.map(|_| ());
    step_outcome(&state, ctx, &user, *id, result, "tender-flash-evaluated").await
}

#[post("/tenders/{id}/decision")]
pub async fn decision_submit(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<TenderId>,
    form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ApproveProcurement)?;
    let f = form.0;
    // Award and decline are two buttons; a form posted without either decides nothing.
    let chosen = choice_field(&f, "decision", &["approve", "decline"]).map(|d| d == "approve");
    let approve = chosen.as_ref().is_ok_and(|a| *a);
    let result = match chosen {
        Ok(approve) => store::decide_now(
            &state,
            &user,
            *id,
            AwardDecisionInput {
                approve,
                note: field(&f, "note"),
            },
        )
        .await
        .map(|_| ()),
        Err(e) => Err(e),
    };
    let flash = if approve {
        "tender-flash-awarded"
    } else {
        "tender-flash-declined"
    };
    step_outcome(&state, ctx, &user, *id, result, flash).await
}

#[post("/tenders/{id}/reissue")]
pub async fn reissue_submit(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<TenderId>,
    form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageProcurement)?;
    let id = *id;
    let result = async {
        let bid_deadline = parse_local(&field(&form.0, "bid_deadline"), state.tz())
            .ok_or_else(|| AppError::field("bid_deadline", RuleCode::TenderDatetime))?;
        store::reissue_now(&state, &user, id, TenderReissueInput { bid_deadline }).await
    }
    .await;
    let to = match &result {
        Ok(t) => format!("/tenders/{}", t.id),
        Err(_) => format!("/tenders/{id}"),
    };
    let locale = ctx.locale;
    form_outcome(
        result.map(|_| ()),
        locale,
        &to,
        "tender-flash-reissued",
        |errors, status| detail_page(&state, ctx, &user, id, errors, status),
    )
    .await
}

// ----- The supplier's own bid -----

#[derive(Template)]
#[template(path = "tenders/bid.html")]
struct BidPage {
    ctx: PageCtx,
    d: TenderDetail,
    mine: MyBidView,
    form: Form,
    errors: FormErrors,
}

impl BidPage {
    fn may(&self, action: &str) -> bool {
        self.d.actions.iter().any(|a| a == action)
    }
    fn money(&self, d: &Decimal) -> String {
        text::amount(self.ctx.locale, *d)
    }
    /// The price field of an item: what was just posted, else the bid's own price.
    fn price_value(&self, item_id: &i64) -> String {
        if let Some(v) = self.form.get(&format!("price_{item_id}")) {
            return v.clone();
        }
        self.mine
            .lines
            .iter()
            .find(|l| l.item_id == *item_id)
            .map(|l| text::price_input(l.unit_price))
            .unwrap_or_default()
    }
    fn days_value(&self, item_id: &i64) -> String {
        if let Some(v) = self.form.get(&format!("days_{item_id}")) {
            return v.clone();
        }
        self.mine
            .lines
            .iter()
            .find(|l| l.item_id == *item_id)
            .map(|l| l.delivery_days.to_string())
            .unwrap_or_default()
    }
    fn note_value(&self) -> String {
        self.form
            .get("technical_note")
            .cloned()
            .unwrap_or_else(|| self.mine.technical_note.clone())
    }
    fn opt_money(&self, d: &Option<Decimal>) -> String {
        d.map(|d| text::amount(self.ctx.locale, d))
            .unwrap_or_default()
    }
    fn opt_when(&self, at: &Option<DateTime<Utc>>) -> String {
        at.map(|a| self.ctx.when(&a)).unwrap_or_default()
    }
}

async fn bid_page(
    state: &AppState,
    ctx: PageCtx,
    user: &CurrentUser,
    id: TenderId,
    form: Form,
    errors: FormErrors,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let (_, mine) = super::store::my_bid_view(state, user, id, ctx.locale).await?;
    let d = super::store::detail(state, user, id, ctx.locale).await?;
    Ok(crate::web::html_status(
        status,
        &BidPage {
            ctx,
            d,
            mine,
            form,
            errors,
        },
    ))
}

#[get("/tenders/{id}/bid")]
pub async fn bid_form(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<TenderId>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageOwnSupplier)?;
    bid_page(
        &state,
        ctx,
        &user,
        *id,
        Form::new(),
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

/// Reads the bid form: `price_<item>` and `days_<item>` per item, `technical_note`.
fn bid_input(f: &Form, item_ids: &[i64]) -> AppResult<BidInput> {
    let mut errors = FieldErrors::new();
    let mut lines = Vec::new();
    for (i, item_id) in item_ids.iter().enumerate() {
        let p = field(f, &format!("price_{item_id}"));
        let d = field(f, &format!("days_{item_id}"));
        let unit_price = crate::money::parse_decimal(&p);
        let delivery_days = d.parse::<i32>().ok();
        if unit_price.is_none() {
            errors.add(
                &format!("lines.{i}.unit_price"),
                RuleCode::TenderPricePlaces,
            );
        }
        if delivery_days.is_none() {
            errors.add(
                &format!("lines.{i}.delivery_days"),
                RuleCode::TenderDeliveryDays,
            );
        }
        if let (Some(unit_price), Some(delivery_days)) = (unit_price, delivery_days) {
            lines.push(BidLineInput {
                item_id: *item_id,
                unit_price,
                delivery_days,
            });
        }
    }
    errors.into_result()?;
    Ok(BidInput {
        lines,
        technical_note: field(f, "technical_note"),
    })
}

#[post("/tenders/{id}/bid")]
pub async fn bid_submit(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<TenderId>,
    form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageOwnSupplier)?;
    let id = *id;
    let f = form.0;
    let result = async {
        store::visible(&state.db.read, &user, id).await?;
        let item_ids: Vec<i64> = store::items(&state.db.read, id)
            .await?
            .into_iter()
            .map(|i| i.id)
            .collect();
        let input =
            bid_input(&f, &item_ids).map_err(|e| e.rows_named("lines", &item_ids, LINE_FIELDS))?;
        let line_items: Vec<i64> = input.lines.iter().map(|l| l.item_id).collect();
        store::submit_bid_now(&state, &user, id, input)
            .await
            .map(|_| ())
            .map_err(|e| e.rows_named("lines", &line_items, LINE_FIELDS))
    }
    .await;
    let locale = ctx.locale;
    form_outcome(
        result,
        locale,
        &format!("/tenders/{id}/bid"),
        "tender-flash-bid-submitted",
        |errors, status| bid_page(&state, ctx, &user, id, f.clone(), errors, status),
    )
    .await
}

#[post("/tenders/{id}/bid/withdraw")]
pub async fn bid_withdraw(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<TenderId>,
    _form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageOwnSupplier)?;
    let id = *id;
    let result = store::withdraw_bid_now(&state, &user, id).await.map(|_| ());
    let locale = ctx.locale;
    form_outcome(
        result,
        locale,
        &format!("/tenders/{id}/bid"),
        "tender-flash-bid-withdrawn",
        |errors, status| bid_page(&state, ctx, &user, id, Form::new(), errors, status),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deadline_is_entered_in_the_company_time_zone() {
        let tz = chrono_tz::Asia::Shanghai;
        let at = parse_local("2027-03-01T09:00", tz).map(|t| t.to_rfc3339());
        assert_eq!(at.as_deref(), Some("2027-03-01T01:00:00+00:00"));
        let back = parse_local("2027-03-01T09:00", tz).map(|t| local_value(t, tz));
        assert_eq!(back.as_deref(), Some("2027-03-01T09:00"));
        assert!(parse_local("tomorrow", tz).is_none());
    }

    #[test]
    fn the_bid_form_names_the_line_of_an_unreadable_price() {
        let f: Form = [("price_7", "abc"), ("days_7", "10")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        match bid_input(&f, &[7]) {
            Err(AppError::Validation(e)) => assert!(e.0.contains_key("lines.0.unit_price")),
            other => panic!("{other:?}"),
        }
    }

    fn form_of_pairs(pairs: &[(&str, &str)]) -> Form {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_refused_row_is_named_by_the_forms_row_not_its_place_in_the_list() {
        // Bid 3 is not scored: bid 9's delivery is the list's first entry.
        let f = form_of_pairs(&[
            ("quality_3", ""),
            ("delivery_3", ""),
            ("quality_9", "90"),
            ("delivery_9", "soon"),
        ]);
        let e = scores_input(&f)
            .map(|_| ())
            .map_err(|e| e.rows_named("scores", &scored_bids(&f), SCORE_FIELDS));
        match e {
            Err(AppError::Validation(e)) => {
                assert_eq!(e.0.keys().collect::<Vec<_>>(), vec!["delivery_9"])
            }
            other => panic!("{other:?}"),
        }
        // Item row 1 is empty: row 2 is the draft's second item.
        let f = form_of_pairs(&[
            ("material_0", "1"),
            ("qty_0", "5"),
            ("material_2", "2"),
            ("qty_2", "many"),
        ]);
        let mut e = FieldErrors::new();
        e.add("items.1.quantity", RuleCode::NotANumber);
        e.add("items.0.specification", RuleCode::TooLong);
        match AppError::Validation(e).rows_named("items", &item_rows(&f), ITEM_FIELDS) {
            AppError::Validation(e) => {
                assert_eq!(e.0.keys().collect::<Vec<_>>(), vec!["qty_2", "spec_0"])
            }
            other => panic!("{other:?}"),
        }
    }
}
