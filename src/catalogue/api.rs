//! The catalogue's JSON API: a supplier's listings and price changes, procurement's price
//! approval, and the catalogue search (the instance's search index, `super::live`, or the
//! database's substring search while the index is being built).

use super::engine::{self, Sort};
use super::store::{self, ListingInput, PriceChangeInput};
use crate::auth::{Capability, CurrentUser};
use crate::error::{AppError, AppResult, ErrorBody};
use crate::money::stored::{Price, Qty};
use crate::state::AppState;
use actix_web::{HttpResponse, get, post, web};
use entity::{ListingId, SupplierId, listing, material, price_change, supplier};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Expr, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct ListingView {
    pub id: ListingId,
    pub supplier_id: SupplierId,
    pub material_id: i64,
    pub warehouse_id: i64,
    #[schema(value_type = String)]
    pub price: Decimal,
    #[schema(value_type = String)]
    pub on_hand: Decimal,
    #[schema(value_type = String)]
    pub reserved: Decimal,
    #[schema(value_type = String)]
    pub available: Decimal,
    #[schema(value_type = String)]
    pub min_stock: Decimal,
    #[schema(value_type = String)]
    pub max_stock: Decimal,
    pub lead_time_days: i32,
    /// False until procurement approves the first price, and once the supplier is removed.
    pub active: bool,
}

impl From<listing::Model> for ListingView {
    fn from(l: listing::Model) -> Self {
        Self {
            id: l.id,
            supplier_id: l.supplier_id,
            material_id: l.material_id,
            warehouse_id: l.warehouse_id,
            price: l.price.value(),
            on_hand: l.on_hand.value(),
            reserved: l.reserved.value(),
            available: l.on_hand.value() - l.reserved.value(),
            min_stock: l.min_stock.value(),
            max_stock: l.max_stock.value(),
            lead_time_days: l.lead_time_days,
            active: l.active,
        }
    }
}

/// A supplier lists a material at a warehouse; its price needs procurement's approval.
#[utoipa::path(post, path = "/api/listings", tag = "stock", security(("bearer" = ["manage_own_supplier"])), request_body = ListingInput,
    responses((status = 201, body = ListingView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/listings")]
pub async fn create_listing(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<ListingInput>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageOwnSupplier)?;
    let l = store::create_listing_now(&state, &user, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(ListingView::from(l)))
}

/// The supplier's own listings with their stock (never another supplier's); `price=pending`
/// or `price=refused` as on its listings page.
#[utoipa::path(get, path = "/api/my/listings", tag = "stock", security(("bearer" = ["manage_own_supplier"])), params(super::pages::MyListingsQuery),
    responses((status = 200, body = Vec<ListingView>), (status = 403, body = ErrorBody)))]
#[get("/api/my/listings")]
pub async fn my_listings(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: crate::web::Query<super::pages::MyListingsQuery>,
) -> AppResult<web::Json<Vec<ListingView>>> {
    user.require(Capability::ManageOwnSupplier)?;
    let sid = user.supplier_id.ok_or(AppError::Forbidden)?;
    let rows = store::own_listings(&state.db.read, sid, q.price.as_deref()).await?;
    Ok(web::Json(rows.into_iter().map(Into::into).collect()))
}

/// The supplier asks for a new price from a date.
#[utoipa::path(post, path = "/api/listings/{id}/price-changes", tag = "stock", security(("bearer" = ["manage_own_supplier"])), params(("id" = i64, Path)), request_body = PriceChangeInput,
    responses((status = 201, body = PriceChangeView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/listings/{id}/price-changes")]
pub async fn request_price(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<ListingId>,
    body: web::Json<PriceChangeInput>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageOwnSupplier)?;
    let c = store::request_price_change_now(&state, &user, *id, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(PriceChangeView::from(c)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PriceChangeView {
    pub id: i64,
    pub listing_id: ListingId,
    #[schema(value_type = String)]
    pub old_price: Decimal,
    #[schema(value_type = String)]
    pub new_price: Decimal,
    pub effective_on: chrono::NaiveDate,
    pub status: String,
    pub reason: String,
}

impl From<price_change::Model> for PriceChangeView {
    fn from(c: price_change::Model) -> Self {
        Self {
            id: c.id,
            listing_id: c.listing_id,
            old_price: c.old_price.value(),
            new_price: c.new_price.value(),
            effective_on: c.effective_on,
            status: c.status,
            reason: c.reason,
        }
    }
}

/// Price changes waiting for procurement.
#[utoipa::path(get, path = "/api/price-changes", tag = "stock", security(("bearer" = ["decide_prices"])),
    responses((status = 200, body = Vec<PriceChangeView>), (status = 403, body = ErrorBody)))]
#[get("/api/price-changes")]
pub async fn pending_prices(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> AppResult<web::Json<Vec<PriceChangeView>>> {
    user.require(Capability::DecidePrices)?;
    let rows = store::pending_price_changes(&state.db.read).await?;
    Ok(web::Json(rows.into_iter().map(Into::into).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Decision {
    pub approve: bool,
}

/// Procurement approves or rejects a price; approved prices apply from their date.
#[utoipa::path(post, path = "/api/price-changes/{id}/decision", tag = "stock", security(("bearer" = ["decide_prices"])), request_body = Decision,
    responses((status = 200, body = PriceChangeView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/price-changes/{id}/decision")]
pub async fn decide_price(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: web::Json<Decision>,
) -> AppResult<web::Json<PriceChangeView>> {
    user.require(Capability::DecidePrices)?;
    Ok(web::Json(
        store::decide_price_change_now(&state, &user, *id, body.approve)
            .await?
            .into(),
    ))
}

/// The catalogue's orders by the names the API and the page's form take.
const SORTS: [(&str, Sort); 4] = [
    ("best", Sort::BestMatch),
    ("name", Sort::Name),
    ("price", Sort::PriceAsc),
    ("-price", Sort::PriceDesc),
];

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CatalogueQuery {
    /// Words of the name (Chinese or English), the specification or the supplier, or the
    /// pinyin of the Chinese name, full or its initials (`shuini`, `sn` find 水泥). Each
    /// word must be found; at most five are used.
    pub q: Option<String>,
    pub category_id: Option<i64>,
    pub supplier_id: Option<SupplierId>,
    /// `true`: only what can be ordered now; `false`: only what cannot.
    pub in_stock: Option<bool>,
    /// `best` (the default: exact words before fragments, the name before the specification
    /// before the supplier; without words, the name order), `name`, `price` or `-price`.
    pub sort: Option<String>,
    pub page: Option<u64>,
}

impl CatalogueQuery {
    /// The order asked for, or the default, best match (which without words is the name
    /// order: so the page's form, which always sends the order shown, keeps meaning "best"
    /// when words are typed after a first look without any).
    pub fn sort(&self) -> Sort {
        SORTS
            .iter()
            .find(|(key, _)| self.sort.as_deref() == Some(*key))
            .map_or(Sort::BestMatch, |(_, sort)| *sort)
    }

    /// The name of the order [`Self::sort`] gives, as the page's select shows it.
    pub fn sort_key(&self) -> &'static str {
        let sort = self.sort();
        SORTS
            .iter()
            .find(|(_, s)| *s == sort)
            .map_or("best", |(key, _)| key)
    }

    /// The query's words as the search compares them (normalised, at most five).
    pub fn words(&self) -> Vec<String> {
        engine::text::query_words(self.q.as_deref().unwrap_or(""))
    }

    /// The page asked for (1 to 10,000).
    pub fn page(&self) -> u64 {
        self.page.unwrap_or(1).clamp(1, 10_000)
    }

    /// The search as the engine takes it: the page's matches, counted up to
    /// `CATALOGUE_COUNT_CAP` past its start.
    pub fn engine_query(&self) -> engine::Query {
        let offset = (self.page() - 1) * CATALOGUE_PAGE;
        engine::Query {
            text: self.q.clone(),
            category_id: self.category_id,
            supplier_id: self.supplier_id.map(SupplierId::get),
            in_stock: self.in_stock,
            sort: self.sort(),
            offset: usize::try_from(offset).unwrap_or(usize::MAX),
            limit: CATALOGUE_PAGE as usize,
            count_cap: CATALOGUE_COUNT_CAP as usize,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogueItem {
    pub listing_id: ListingId,
    pub material_id: i64,
    pub name_zh: String,
    pub name_en: String,
    pub spec: String,
    pub unit: String,
    #[schema(value_type = String)]
    pub price: Decimal,
    #[schema(value_type = String)]
    pub available: Decimal,
    pub supplier: String,
    pub warehouse_id: i64,
}

impl From<engine::Doc> for CatalogueItem {
    fn from(d: engine::Doc) -> Self {
        Self {
            listing_id: ListingId(d.listing_id),
            material_id: d.material_id,
            name_zh: d.name_zh,
            name_en: d.name_en,
            spec: d.spec,
            unit: d.unit,
            price: Price::from_scaled(d.price).value(),
            available: Qty::from_scaled(d.available).value(),
            supplier: d.supplier,
            warehouse_id: d.warehouse_id,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CataloguePage {
    /// Matches counted, at most `CATALOGUE_COUNT_CAP` past the page's start.
    pub total: u64,
    /// More matches exist than `total` says.
    pub more: bool,
    pub page: u64,
    pub items: Vec<CatalogueItem>,
    /// The search index is still being built (for a few seconds after the server starts):
    /// this answer is the database's plain substring search, without pinyin, in name order
    /// for "best".
    pub warming_up: bool,
}

pub const CATALOGUE_PAGE: u64 = 20;

/// How many listings the catalogue counts before it says "more": counting every match of a
/// common word over 100,000 listings would cost more than the page itself.
pub const CATALOGUE_COUNT_CAP: u64 = 1000;

/// Counts the rows of `query`, stopping at `cap` so that a common match costs no more than
/// `cap` rows.
async fn count_upto(
    conn: &impl ConnectionTrait,
    query: SelectStatement,
    cap: u64,
) -> AppResult<u64> {
    let mut limited = query;
    limited.limit(cap);
    let stmt = Query::select()
        .expr_as(Expr::cust("COUNT(*)"), "n")
        .from_subquery(limited, "sub")
        .to_owned();
    let row = conn.query_one(&stmt).await?;
    let n: i64 = match row {
        Some(r) => r.try_get("", "n")?,
        None => 0,
    };
    Ok(u64::try_from(n).unwrap_or_default())
}

/// Searches the consigned catalogue: orderable listings (active, of an admitted supplier),
/// through the instance's search index (`super::live`), or the database while the index is
/// being built.
pub async fn catalogue(state: &AppState, q: &CatalogueQuery) -> AppResult<CataloguePage> {
    let conn = &state.db.read;
    let Some(hits) = state.catalogue.search(&state.db, &q.engine_query()).await? else {
        return sql_search(conn, q).await;
    };
    Ok(CataloguePage {
        total: hits.total as u64,
        more: hits.more,
        page: q.page(),
        // As the index holds them: every change committed before the search is applied.
        items: hits.docs.into_iter().map(CatalogueItem::from).collect(),
        warming_up: false,
    })
}

/// The catalogue from the database alone: every word a substring of the listing's text
/// (`listings.search_text`), in name or price order. What the catalogue answers while the
/// index is being built, and the plain substring scan the benchmark checks the index against.
pub async fn sql_search(
    conn: &impl ConnectionTrait,
    q: &CatalogueQuery,
) -> AppResult<CataloguePage> {
    // A correlated check, so that the database walks the sort order rather than every
    // listing of every admitted supplier.
    let mut sel = listing::Entity::find()
        .filter(listing::Column::Active.eq(true))
        .filter(Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from(supplier::Entity)
                .and_where(
                    Expr::col((supplier::Entity, supplier::Column::Id))
                        .equals((listing::Entity, listing::Column::SupplierId)),
                )
                .and_where(
                    supplier::Column::Status
                        .eq(crate::suppliers::rules::SupplierStatus::Admitted.as_str()),
                )
                .to_owned(),
        ));
    for word in q.words() {
        sel = sel.filter(crate::search::contains(listing::Column::SearchText, &word));
    }
    if let Some(c) = q.category_id {
        sel = sel.filter(
            listing::Column::MaterialId.in_subquery(
                Query::select()
                    .column(material::Column::Id)
                    .from(material::Entity)
                    .and_where(material::Column::CategoryId.eq(c))
                    .to_owned(),
            ),
        );
    }
    if let Some(s) = q.supplier_id {
        sel = sel.filter(listing::Column::SupplierId.eq(s));
    }
    // Each value filters: `true` what can be ordered now, `false` what cannot.
    if let Some(wanted) = q.in_stock {
        let free = Expr::col(listing::Column::OnHand).sub(Expr::col(listing::Column::Reserved));
        sel = sel.filter(if wanted { free.gt(0) } else { free.lte(0) });
    }
    let page = q.page();
    let offset = (page - 1) * CATALOGUE_PAGE;
    let cap = offset + CATALOGUE_COUNT_CAP;
    let counted = count_upto(
        conn,
        sel.clone()
            .select_only()
            .column(listing::Column::Id)
            .into_query(),
        cap + 1,
    )
    .await?;
    sel = match q.sort() {
        Sort::PriceAsc => sel.order_by_asc(listing::Column::Price),
        Sort::PriceDesc => sel.order_by_desc(listing::Column::Price),
        Sort::Name | Sort::BestMatch => sel.order_by_asc(listing::Column::SearchText),
    }
    .order_by_asc(listing::Column::Id);
    let ids: Vec<ListingId> = sel
        .select_only()
        .column(listing::Column::Id)
        .offset(offset)
        .limit(CATALOGUE_PAGE)
        .into_tuple()
        .all(conn)
        .await?;
    let items = items(conn, &ids).await?;
    Ok(CataloguePage {
        total: Ord::min(counted, cap),
        more: counted > cap,
        page,
        items,
        warming_up: true,
    })
}

/// The catalogue's items for the listings `ids`, in that order (a listing whose material or
/// supplier is missing is left out), in one read whatever their number.
pub async fn items(
    conn: &impl ConnectionTrait,
    ids: &[ListingId],
) -> AppResult<Vec<CatalogueItem>> {
    #[derive(FromQueryResult)]
    struct Row {
        listing_id: ListingId,
        material_id: i64,
        name_zh: String,
        name_en: String,
        spec: String,
        unit: String,
        price: entity::Fixed<4>,
        on_hand: entity::Fixed<3>,
        reserved: entity::Fixed<3>,
        supplier: String,
        warehouse_id: i64,
    }
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let m = |c: material::Column| Expr::col((material::Entity, c));
    let mut q = listing::Entity::find()
        .select_only()
        .column_as(listing::Column::Id, "listing_id")
        .column(listing::Column::MaterialId)
        .column_as(m(material::Column::NameZh), "name_zh")
        .column_as(m(material::Column::NameEn), "name_en")
        .column_as(m(material::Column::Spec), "spec")
        .column_as(m(material::Column::UnitCode), "unit")
        .column(listing::Column::Price)
        .column(listing::Column::OnHand)
        .column(listing::Column::Reserved)
        .column_as(
            Expr::col((supplier::Entity, supplier::Column::LegalName)),
            "supplier",
        )
        .column(listing::Column::WarehouseId)
        .filter(listing::Column::Id.is_in(ids.iter().copied()))
        .into_query();
    q.inner_join(
        material::Entity,
        Expr::col((material::Entity, material::Column::Id))
            .equals((listing::Entity, listing::Column::MaterialId)),
    )
    .inner_join(
        supplier::Entity,
        Expr::col((supplier::Entity, supplier::Column::Id))
            .equals((listing::Entity, listing::Column::SupplierId)),
    );
    let place: std::collections::HashMap<ListingId, usize> =
        ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let mut rows = conn
        .query_all(&q)
        .await?
        .iter()
        .map(|r| Row::from_query_result(r, ""))
        .collect::<Result<Vec<Row>, _>>()?;
    rows.sort_by_key(|r| place.get(&r.listing_id).copied());
    Ok(rows
        .into_iter()
        .map(|r| CatalogueItem {
            listing_id: r.listing_id,
            material_id: r.material_id,
            name_zh: r.name_zh,
            name_en: r.name_en,
            spec: r.spec,
            unit: r.unit,
            price: r.price.value(),
            available: r.on_hand.value() - r.reserved.value(),
            supplier: r.supplier,
            warehouse_id: r.warehouse_id,
        })
        .collect())
}

/// The consigned catalogue for sites and the office (suppliers do not see each other's stock).
#[utoipa::path(get, path = "/api/catalogue", tag = "stock", security(("bearer" = ["read_catalogue"])), params(CatalogueQuery),
    responses((status = 200, body = CataloguePage), (status = 403, body = ErrorBody)))]
#[get("/api/catalogue")]
pub async fn search(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: crate::web::Query<CatalogueQuery>,
) -> AppResult<web::Json<CataloguePage>> {
    user.require(Capability::ReadCatalogue)?;
    Ok(web::Json(catalogue(&state, &q).await?))
}
