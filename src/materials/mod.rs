//! The materials master: categories, units and materials (name, specification, unit).
//! Everyone signed in reads it; maintaining it comes with the supermarket.

use crate::auth::{Capability, CurrentUser};
use crate::error::RuleCode;
use crate::error::{AppResult, ErrorBody};
use crate::state::AppState;
use crate::web::page::PageCtx;
use actix_web::{HttpResponse, get, web};
use askama::Template;
use entity::SupplierId;
use entity::{category, material, unit};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MaterialView {
    pub id: i64,
    pub code: String,
    pub category_id: i64,
    pub name_zh: String,
    pub name_en: String,
    pub spec: String,
    pub unit: String,
    /// Reference unit price in yuan.
    #[schema(value_type = String, example = "3850.00")]
    pub indicative_price: rust_decimal::Decimal,
}

impl From<material::Model> for MaterialView {
    fn from(m: material::Model) -> Self {
        Self {
            id: m.id,
            code: m.code,
            category_id: m.category_id,
            name_zh: m.name_zh,
            name_en: m.name_en,
            spec: m.spec,
            unit: m.unit_code,
            indicative_price: m.indicative_price.value(),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CategoryView {
    pub id: i64,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub parent_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitView {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// How many decimal places quantities in this unit take.
    pub decimals: i32,
}

#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MaterialQuery {
    /// Part of the name (Chinese or English) or of the specification.
    pub q: Option<String>,
    pub category_id: Option<i64>,
    pub page: Option<u64>,
}

pub const PAGE_SIZE: u64 = 50;

/// One page (1-based) of the active materials matching `q`, and how many match in all.
pub async fn search(
    conn: &impl ConnectionTrait,
    q: &MaterialQuery,
    page_no: u64,
) -> AppResult<(Vec<material::Model>, u64)> {
    let mut sel = material::Entity::find().filter(material::Column::Active.eq(true));
    if let Some(text) = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        sel = sel.filter(
            Condition::any()
                .add(crate::search::contains(material::Column::NameZh, text))
                .add(crate::search::contains(material::Column::NameEn, text))
                .add(crate::search::contains(material::Column::Spec, text)),
        );
    }
    if let Some(c) = q.category_id {
        sel = sel.filter(material::Column::CategoryId.eq(c));
    }
    let pages = sel
        .order_by_asc(material::Column::Code)
        .paginate(conn, PAGE_SIZE);
    let total = pages.num_items().await?;
    Ok((
        pages.fetch_page(crate::paging::page_index(page_no)).await?,
        total,
    ))
}

pub async fn categories(conn: &impl ConnectionTrait) -> AppResult<Vec<CategoryView>> {
    Ok(category::Entity::find()
        .order_by_asc(category::Column::Code)
        .all(conn)
        .await?
        .into_iter()
        .map(|c| CategoryView {
            id: c.id,
            code: c.code,
            name_zh: c.name_zh,
            name_en: c.name_en,
            parent_id: c.parent_id,
        })
        .collect())
}

#[utoipa::path(get, path = "/api/materials", tag = "materials", security(("bearer" = ["read_materials"])), params(MaterialQuery),
    responses((status = 200, body = Vec<MaterialView>), (status = 401, body = ErrorBody)))]
#[get("/api/materials")]
pub async fn api_list(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: crate::web::Query<MaterialQuery>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadMaterials)?;
    let (rows, total) = search(&state.db.read, &q, crate::web::page_number(q.page)).await?;
    let body: Vec<MaterialView> = rows.into_iter().map(Into::into).collect();
    Ok(HttpResponse::Ok()
        .insert_header(("X-Total-Count", total.to_string()))
        .json(body))
}

#[utoipa::path(get, path = "/api/categories", tag = "materials", security(("bearer" = ["read_materials"])),
    responses((status = 200, body = Vec<CategoryView>), (status = 401, body = ErrorBody)))]
#[get("/api/categories")]
pub async fn api_categories(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> AppResult<web::Json<Vec<CategoryView>>> {
    user.require(Capability::ReadMaterials)?;
    Ok(web::Json(categories(&state.db.read).await?))
}

#[utoipa::path(get, path = "/api/units", tag = "materials", security(("bearer" = ["read_materials"])),
    responses((status = 200, body = Vec<UnitView>), (status = 401, body = ErrorBody)))]
#[get("/api/units")]
pub async fn api_units(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> AppResult<web::Json<Vec<UnitView>>> {
    user.require(Capability::ReadMaterials)?;
    let units = unit::Entity::find()
        .order_by_asc(unit::Column::Code)
        .all(&state.db.read)
        .await?;
    Ok(web::Json(
        units
            .into_iter()
            .map(|u| UnitView {
                code: u.code,
                name_zh: u.name_zh,
                name_en: u.name_en,
                decimals: u.decimals,
            })
            .collect(),
    ))
}

#[derive(Template)]
#[template(path = "materials/index.html")]
struct MaterialsPage {
    ctx: PageCtx,
    units: Vec<unit::Model>,
    q: String,
    category_id: Option<i64>,
    categories: Vec<CategoryView>,
    rows: Vec<material::Model>,
    total: u64,
    page: u64,
    pages: u64,
    proposals: Vec<entity::material_proposal::Model>,
    errors: FormErrors,
}

impl MaterialsPage {
    fn name(&self, zh: &str, en: &str) -> String {
        self.ctx.pick(zh, en)
    }
    fn category_name(&self, id: &i64) -> String {
        self.categories
            .iter()
            .find(|c| c.id == *id)
            .map(|c| self.name(&c.name_zh, &c.name_en))
            .unwrap_or_default()
    }
    fn unit_name(&self, code: &str) -> String {
        self.units
            .iter()
            .find(|u| u.code == code)
            .map(|u| self.name(&u.name_zh, &u.name_en))
            .unwrap_or_else(|| code.to_string())
    }
    fn is_selected(&self, id: &i64) -> bool {
        self.category_id == Some(*id)
    }
    fn page_link(&self, p: u64) -> String {
        let mut s = format!("/materials?page={p}&q={}", urlencoding::encode(&self.q));
        if let Some(c) = self.category_id {
            s.push_str(&format!("&category_id={c}"));
        }
        s
    }
    fn price(&self, m: &material::Model) -> String {
        crate::money::text::unit_price(self.ctx.locale, m.indicative_price.value())
    }
    fn can_add(&self) -> bool {
        self.ctx.can(Capability::ManageMaterials) || self.ctx.can(Capability::ManageOwnSupplier)
    }
}

async fn render_page(
    state: &AppState,
    ctx: PageCtx,
    user: &CurrentUser,
    q: MaterialQuery,
    errors: FormErrors,
    status: actix_web::http::StatusCode,
) -> AppResult<HttpResponse> {
    let (rows, total) = search(&state.db.read, &q, crate::web::page_number(q.page)).await?;
    let categories = categories(&state.db.read).await?;
    let units = unit::Entity::find().all(&state.db.read).await?;
    let proposals =
        if user.role.can(Capability::ManageMaterials) || user.role == crate::auth::Role::Supplier {
            proposals(state, user).await?
        } else {
            Vec::new()
        };
    let page_no = crate::web::page_number(q.page);
    Ok(crate::web::html_status(
        status,
        &MaterialsPage {
            ctx,
            units,
            q: q.q.clone().unwrap_or_default(),
            category_id: q.category_id,
            categories,
            rows,
            total,
            page: page_no,
            pages: total.div_ceil(PAGE_SIZE).max(1),
            proposals,
            errors,
        },
    ))
}

#[get("/materials")]
pub async fn page(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    q: crate::web::Query<MaterialQuery>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadMaterials)?;
    render_page(
        &state,
        ctx,
        &user,
        q.into_inner(),
        FormErrors::default(),
        actix_web::http::StatusCode::OK,
    )
    .await
}

// ----- Maintaining the master -----

pub mod store;

use crate::web::page::{CsrfForm, FormErrors, form_outcome};
use actix_web::{patch, post};
use store::{MaterialInput, MaterialUpdate};

/// Procurement adds a material to the master.
#[utoipa::path(post, path = "/api/materials", tag = "materials", security(("bearer" = ["manage_materials"])), request_body = MaterialInput,
    responses((status = 201, body = MaterialView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/materials")]
pub async fn api_create(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<MaterialInput>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageMaterials)?;
    let m = store::create_now(&state, &user, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(MaterialView::from(m)))
}

/// Procurement corrects or retires a material.
#[utoipa::path(patch, path = "/api/materials/{id}", tag = "materials", security(("bearer" = ["manage_materials"])), request_body = MaterialUpdate,
    responses((status = 200, body = MaterialView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[patch("/api/materials/{id}")]
pub async fn api_update(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: web::Json<MaterialUpdate>,
) -> AppResult<web::Json<MaterialView>> {
    user.require(Capability::ManageMaterials)?;
    Ok(web::Json(
        store::update_now(&state, &user, *id, body.into_inner())
            .await?
            .into(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ProposalInput {
    #[serde(flatten)]
    pub material: MaterialInput,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalView {
    pub id: i64,
    pub supplier_id: SupplierId,
    pub category_id: i64,
    pub name_zh: String,
    pub name_en: String,
    pub spec: String,
    pub unit_code: String,
    pub note: String,
    pub status: String,
    pub material_id: Option<i64>,
}

impl From<entity::material_proposal::Model> for ProposalView {
    fn from(p: entity::material_proposal::Model) -> Self {
        Self {
            id: p.id,
            supplier_id: p.supplier_id,
            category_id: p.category_id,
            name_zh: p.name_zh,
            name_en: p.name_en,
            spec: p.spec,
            unit_code: p.unit_code,
            note: p.note,
            status: p.status,
            material_id: p.material_id,
        }
    }
}

/// A supplier proposes a new material for the master.
#[utoipa::path(post, path = "/api/material-proposals", tag = "materials", security(("bearer" = ["manage_own_supplier"])), request_body = ProposalInput,
    responses((status = 201, body = ProposalView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/material-proposals")]
pub async fn api_propose(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<ProposalInput>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageOwnSupplier)?;
    let b = body.into_inner();
    let p = store::propose_now(&state, &user, b.material, &b.note).await?;
    Ok(HttpResponse::Created().json(ProposalView::from(p)))
}

/// Proposals: a supplier sees its own, procurement all pending ones.
#[utoipa::path(get, path = "/api/material-proposals", tag = "materials", security(("bearer" = ["read_material_proposals"])),
    responses((status = 200, body = Vec<ProposalView>), (status = 403, body = ErrorBody)))]
#[get("/api/material-proposals")]
pub async fn api_proposals(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> AppResult<web::Json<Vec<ProposalView>>> {
    user.require(Capability::ReadMaterialProposals)?;
    Ok(web::Json(
        proposals(&state, &user)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// The proposals `user` follows: a supplier its own, procurement (whom a handler let read
/// proposals) the pending ones.
async fn proposals(
    state: &AppState,
    user: &CurrentUser,
) -> AppResult<Vec<entity::material_proposal::Model>> {
    use entity::material_proposal as mp;
    let mut sel = mp::Entity::find().order_by_desc(mp::Column::Id);
    if user.role == crate::auth::Role::Supplier {
        sel = sel.filter(
            mp::Column::SupplierId.eq(user.supplier_id.ok_or(crate::error::AppError::Forbidden)?),
        );
    } else {
        sel = sel.filter(mp::Column::Status.eq("pending"));
    }
    Ok(sel.all(&state.db.read).await?)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ProposalDecision {
    pub approve: bool,
}

/// Procurement approves (adding the material) or rejects a proposal.
#[utoipa::path(post, path = "/api/material-proposals/{id}/decision", tag = "materials", security(("bearer" = ["manage_materials"])), request_body = ProposalDecision,
    responses((status = 200, body = ProposalView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/material-proposals/{id}/decision")]
pub async fn api_decide(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: web::Json<ProposalDecision>,
) -> AppResult<web::Json<ProposalView>> {
    user.require(Capability::ManageMaterials)?;
    Ok(web::Json(
        store::decide_now(&state, &user, *id, body.approve)
            .await?
            .into(),
    ))
}

// Pages: a form on the materials page adds a material (procurement) or proposes one
// (suppliers); procurement decides proposals on the same page.

type PageForm = std::collections::HashMap<String, String>;

fn material_of(f: &PageForm) -> Result<MaterialInput, crate::error::AppError> {
    let g = |k: &str| f.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    Ok(MaterialInput {
        category_id: g("category_id")
            .parse()
            .map_err(|_| crate::error::AppError::field("category_id", RuleCode::Required))?,
        name_zh: g("name_zh"),
        name_en: g("name_en"),
        spec: g("spec"),
        unit_code: g("unit_code"),
        indicative_price: if g("indicative_price").is_empty() {
            rust_decimal::Decimal::ZERO
        } else {
            std::str::FromStr::from_str(&g("indicative_price")).map_err(|_| {
                crate::error::AppError::field("indicative_price", RuleCode::NotANumber)
            })?
        },
    })
}

async fn material_form_result(
    state: &AppState,
    ctx: PageCtx,
    user: &CurrentUser,
    r: AppResult<()>,
    flash: &str,
) -> AppResult<HttpResponse> {
    let locale = ctx.locale;
    form_outcome(r, locale, "/materials", flash, |errors, status| {
        render_page(state, ctx, user, MaterialQuery::default(), errors, status)
    })
    .await
}

#[post("/materials/new")]
pub async fn page_create(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    form: CsrfForm<PageForm>,
) -> AppResult<HttpResponse> {
    user.require(Capability::AddMaterials)?;
    let f = form.0;
    let r = async {
        let input = material_of(&f)?;
        if user.role == crate::auth::Role::Supplier {
            store::propose_now(
                &state,
                &user,
                input,
                f.get("note").map(String::as_str).unwrap_or_default(),
            )
            .await
            .map(|_| ())
        } else {
            store::create_now(&state, &user, input).await.map(|_| ())
        }
    }
    .await;
    let flash = if user.role == crate::auth::Role::Supplier {
        "flash-material-proposed"
    } else {
        "flash-material-created"
    };
    material_form_result(&state, ctx, &user, r, flash).await
}

#[post("/material-proposals/{id}")]
pub async fn page_decide(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<i64>,
    form: CsrfForm<PageForm>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageMaterials)?;
    let r = match crate::web::page::choice_field(&form.0, "decision", &["approve", "reject"]) {
        Ok(d) => store::decide_now(&state, &user, *id, d == "approve")
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    material_form_result(&state, ctx, &user, r, "flash-saved").await
}

/// Procurement adds a category to the tree.
#[utoipa::path(post, path = "/api/categories", tag = "materials", security(("bearer" = ["manage_materials"])), request_body = store::CategoryInput,
    responses((status = 201, body = CategoryView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/categories")]
pub async fn api_create_category(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<store::CategoryInput>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageMaterials)?;
    let c = store::create_category_now(&state, &user, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(CategoryView {
        id: c.id,
        code: c.code,
        name_zh: c.name_zh,
        name_en: c.name_en,
        parent_id: c.parent_id,
    }))
}

#[post("/categories/new")]
pub async fn page_create_category(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    form: CsrfForm<PageForm>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageMaterials)?;
    let f = form.0;
    let g = |k: &str| f.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let input = store::CategoryInput {
        name_zh: g("name_zh"),
        name_en: g("name_en"),
        parent_id: g("parent_id").parse().ok(),
    };
    let r = store::create_category_now(&state, &user, input)
        .await
        .map(|_| ());
    material_form_result(&state, ctx, &user, r, "flash-category-created").await
}

/// This capability's routes, for `crate::routes` to assemble: the API operations (each written
/// into the OpenAPI document by its `#[utoipa::path]`), then the pages (not in the document).
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(api_list)
        .service(api_categories)
        .service(api_units)
        .service(api_create)
        .service(api_update)
        .service(api_propose)
        .service(api_proposals)
        .service(api_decide)
        .service(api_create_category)
        .map(|c| {
            c.service(page)
                .service(page_create)
                .service(page_decide)
                .service(page_create_category)
        });
}
