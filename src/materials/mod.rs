//! The materials master: categories, units and materials (name, specification, unit).
//! Everyone signed in reads it; maintaining it comes with the supermarket.

use crate::auth::{Capability, CurrentUser};
use crate::error::{AppResult, ErrorBody};
use crate::state::AppState;
use crate::web::page::PageCtx;
use actix_web::{HttpResponse, get, web};
use askama::Template;
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

pub async fn search(
    conn: &impl ConnectionTrait,
    q: &MaterialQuery,
) -> AppResult<(Vec<material::Model>, u64)> {
    let mut sel = material::Entity::find().filter(material::Column::Active.eq(true));
    if let Some(text) = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        sel = sel.filter(
            Condition::any()
                .add(material::Column::NameZh.contains(text))
                .add(material::Column::NameEn.contains(text))
                .add(material::Column::Spec.contains(text)),
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
        pages.fetch_page(q.page.unwrap_or(1).max(1) - 1).await?,
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

#[utoipa::path(get, path = "/api/materials", tag = "materials", security(("bearer" = [])), params(MaterialQuery),
    responses((status = 200, body = Vec<MaterialView>), (status = 401, body = ErrorBody)))]
#[get("/api/materials")]
pub async fn api_list(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: web::Query<MaterialQuery>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadMaterials)?;
    let (rows, total) = search(&state.db.read, &q).await?;
    let body: Vec<MaterialView> = rows.into_iter().map(Into::into).collect();
    Ok(HttpResponse::Ok()
        .insert_header(("X-Total-Count", total.to_string()))
        .json(body))
}

#[utoipa::path(get, path = "/api/categories", tag = "materials", security(("bearer" = [])),
    responses((status = 200, body = Vec<CategoryView>), (status = 401, body = ErrorBody)))]
#[get("/api/categories")]
pub async fn api_categories(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> AppResult<web::Json<Vec<CategoryView>>> {
    user.require(Capability::ReadMaterials)?;
    Ok(web::Json(categories(&state.db.read).await?))
}

#[utoipa::path(get, path = "/api/units", tag = "materials", security(("bearer" = [])),
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
    fn unit_name(&self, code: &str) -> String {
        self.units
            .iter()
            .find(|u| u.code == code)
            .map(|u| self.name(&u.name_zh, &u.name_en))
            .unwrap_or_else(|| code.to_string())
    }
    fn price(&self, m: &material::Model) -> String {
        format!("{:.2}", m.indicative_price.value())
    }
}

#[get("/materials")]
pub async fn page(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    q: web::Query<MaterialQuery>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadMaterials)?;
    let q = q.into_inner();
    let (rows, total) = search(&state.db.read, &q).await?;
    let categories = categories(&state.db.read).await?;
    let units = unit::Entity::find().all(&state.db.read).await?;
    let page = q.page.unwrap_or(1).max(1);
    Ok(crate::web::html(&MaterialsPage {
        ctx,
        units,
        q: q.q.clone().unwrap_or_default(),
        category_id: q.category_id,
        categories,
        rows,
        total,
        page,
        pages: total.div_ceil(PAGE_SIZE).max(1),
    }))
}
