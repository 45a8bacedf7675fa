//! The catalogue's JSON API: a supplier's listings and price changes, procurement's price
//! approval, and the catalogue search (the query over `crate::search`'s gram index).

use super::store::{self, ListingInput, PriceChangeInput};
use crate::auth::{Capability, CurrentUser};
use crate::error::{AppError, AppResult, ErrorBody};
use crate::state::AppState;
use actix_web::{HttpResponse, get, post, web};
use entity::{ListingId, SupplierId, listing, material, material_gram, price_change, supplier};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Alias, Expr, Func, LikeExpr, Query, SelectStatement, UnionType};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
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

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CatalogueQuery {
    /// Words of the name (Chinese or English), the specification or the supplier.
    pub q: Option<String>,
    pub category_id: Option<i64>,
    pub supplier_id: Option<SupplierId>,
    /// `true`: only what can be ordered now; `false`: only what cannot.
    pub in_stock: Option<bool>,
    /// `price`, `-price` or `name` (default).
    pub sort: Option<String>,
    pub page: Option<u64>,
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

#[derive(Debug, Serialize, ToSchema)]
pub struct CataloguePage {
    /// Matches counted, at most `CATALOGUE_COUNT_CAP` past the page's start.
    pub total: u64,
    /// More matches exist than `total` says.
    pub more: bool,
    pub page: u64,
    pub items: Vec<CatalogueItem>,
}

pub const CATALOGUE_PAGE: u64 = 20;

/// How many listings the catalogue counts before it says "more": counting every match of a
/// common word over 100,000 listings would cost more than the page itself.
pub const CATALOGUE_COUNT_CAP: u64 = 1000;

/// Up to this many candidates, a page of a word's matches is sorted from its candidates;
/// beyond, matches are common enough that walking the sort order finds a page sooner.
const SORT_CANDIDATES: u64 = 3000;

/// A gram held by more materials than this narrows too little to be worth the lookups: the
/// word is common, and walking the listings finds its matches at once.
const COMMON_GRAM: u64 = 20_000;

/// The materials whose text holds every one of `grams`: the first gram's range of the index,
/// each row probed for the others through the primary key.
fn materials_with(grams: &[String]) -> SelectStatement {
    let mut q = Query::select();
    q.column((Alias::new("g0"), material_gram::Column::MaterialId))
        .from_as(material_gram::Entity, Alias::new("g0"))
        .and_where(
            Expr::col((Alias::new("g0"), material_gram::Column::Gram)).eq(grams[0].as_str()),
        );
    for (i, gram) in grams.iter().enumerate().skip(1) {
        let g = Alias::new(format!("g{i}"));
        q.and_where(Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from_as(material_gram::Entity, g.clone())
                .and_where(Expr::col((g.clone(), material_gram::Column::Gram)).eq(gram.as_str()))
                .and_where(
                    Expr::col((g, material_gram::Column::MaterialId))
                        .equals((Alias::new("g0"), material_gram::Column::MaterialId)),
                )
                .to_owned(),
        ));
    }
    q.to_owned()
}

/// Listings that may contain `word`: those of materials holding every one of `grams`, and
/// those of suppliers whose name contains the word.
fn candidates(word: &str, grams: &[String]) -> SelectStatement {
    let suppliers = Query::select()
        .column(supplier::Column::Id)
        .from(supplier::Entity)
        .and_where(
            Func::lower(Expr::col(supplier::Column::LegalName))
                .like(LikeExpr::new(crate::search::like_pattern(word)).escape('\\')),
        )
        .to_owned();
    Query::select()
        .column(listing::Column::Id)
        .from(listing::Entity)
        .and_where(listing::Column::MaterialId.in_subquery(materials_with(grams)))
        .union(
            UnionType::All,
            Query::select()
                .column(listing::Column::Id)
                .from(listing::Entity)
                .and_where(listing::Column::SupplierId.in_subquery(suppliers))
                .to_owned(),
        )
        .to_owned()
}

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

/// How the catalogue finds the listings whose text contains one query word. `LIKE` on the
/// listing's own text always decides, so the result is exactly a substring match; the gram
/// index (see `crate::search`) narrows the rows it looks at when the word is rare enough.
struct WordFilter {
    confirm: Condition,
    /// The listings that may hold the word, when there are few enough to fetch (at most
    /// `SORT_CANDIDATES`); otherwise walking the listings in the sort order finds its
    /// matches sooner.
    candidates: Option<BTreeSet<i64>>,
}

impl WordFilter {
    async fn new(conn: &impl ConnectionTrait, word: &str) -> AppResult<Self> {
        let confirm = Condition::all().add(
            Expr::col((listing::Entity, listing::Column::SearchText))
                .like(LikeExpr::new(crate::search::like_pattern(word)).escape('\\')),
        );
        let mut filter = WordFilter {
            confirm,
            candidates: None,
        };
        let Some(grams) = crate::search::word_grams(word) else {
            return Ok(filter);
        };
        // Rarest first: it drives the lookup, the others are probed. Counting stops early, so
        // a common gram costs little.
        let mut counted = Vec::new();
        for gram in grams.into_iter().take(8) {
            let n = count_upto(
                conn,
                materials_with(std::slice::from_ref(&gram)),
                COMMON_GRAM + 1,
            )
            .await?;
            counted.push((n, gram));
            if n == 0 {
                break;
            }
        }
        counted.sort();
        if counted.first().is_none_or(|(n, _)| *n > COMMON_GRAM) {
            return Ok(filter);
        }
        let grams: Vec<String> = counted.into_iter().take(4).map(|(_, g)| g).collect();
        let mut cands = candidates(word, &grams);
        cands.limit(SORT_CANDIDATES + 1);
        let mut ids = BTreeSet::new();
        for row in conn.query_all(&cands).await? {
            ids.insert(row.try_get_by_index::<i64>(0)?);
        }
        if ids.len() as u64 <= SORT_CANDIDATES {
            filter.candidates = Some(ids);
        }
        Ok(filter)
    }
}

/// The listings every narrowing word allows (the intersection of their candidates), or `None`
/// when no word narrows. Fetched and intersected here rather than left to the database as
/// subqueries: with two candidate lists PostgreSQL's planner misjudged the rows of correlated
/// grams and rescanned one list for every row of the other (30 s for "焊丝 Φ1.2").
fn narrowed(words: &[WordFilter]) -> Option<Vec<i64>> {
    let mut sets = words.iter().filter_map(|w| w.candidates.as_ref());
    let first = sets.next()?;
    Some(
        first
            .iter()
            .copied()
            .filter(|id| sets.clone().all(|s| s.contains(id)))
            .collect(),
    )
}

/// Searches the consigned catalogue: orderable listings of admitted suppliers.
pub async fn catalogue(
    conn: &impl ConnectionTrait,
    q: &CatalogueQuery,
) -> AppResult<CataloguePage> {
    // A correlated check, so that the database walks the sort order or the word's candidates
    // rather than every listing of every admitted supplier.
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
                .and_where(supplier::Column::Status.eq("admitted"))
                .to_owned(),
        ));
    let mut words = Vec::new();
    for word in q.q.as_deref().unwrap_or("").split_whitespace().take(5) {
        words.push(WordFilter::new(conn, word).await?);
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
    let page = q.page.unwrap_or(1).clamp(1, 10_000);
    let offset = (page - 1) * CATALOGUE_PAGE;
    let cap = offset + CATALOGUE_COUNT_CAP;
    for w in &words {
        sel = sel.filter(w.confirm.clone());
    }
    if let Some(ids) = narrowed(&words) {
        sel = sel.filter(listing::Column::Id.is_in(ids));
    }
    let counted = count_upto(
        conn,
        sel.clone()
            .select_only()
            .column(listing::Column::Id)
            .into_query(),
        cap + 1,
    )
    .await?;
    sel = match q.sort.as_deref() {
        Some("price") => sel.order_by_asc(listing::Column::Price),
        Some("-price") => sel.order_by_desc(listing::Column::Price),
        _ => sel.order_by_asc(listing::Column::SearchText),
    }
    .order_by_asc(listing::Column::Id);
    let rows = sel.offset(offset).limit(CATALOGUE_PAGE).all(conn).await?;
    let items = items_of(conn, rows).await?;
    Ok(CataloguePage {
        total: Ord::min(counted, cap),
        more: counted > cap,
        page,
        items,
    })
}

/// The catalogue's items for `rows`, in their order (a listing whose material or supplier is
/// missing is left out), read in two queries whatever their number.
pub(crate) async fn items_of(
    conn: &impl ConnectionTrait,
    rows: Vec<listing::Model>,
) -> AppResult<Vec<CatalogueItem>> {
    let material_ids: Vec<i64> = rows.iter().map(|l| l.material_id).collect();
    let supplier_ids: Vec<SupplierId> = rows.iter().map(|l| l.supplier_id).collect();
    let materials = material::Entity::find()
        .filter(material::Column::Id.is_in(material_ids))
        .all(conn)
        .await?;
    let suppliers = supplier::Entity::find()
        .filter(supplier::Column::Id.is_in(supplier_ids))
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|l| {
            let m = materials.iter().find(|m| m.id == l.material_id)?;
            let s = suppliers.iter().find(|s| s.id == l.supplier_id)?;
            Some(CatalogueItem {
                listing_id: l.id,
                material_id: m.id,
                name_zh: m.name_zh.clone(),
                name_en: m.name_en.clone(),
                spec: m.spec.clone(),
                unit: m.unit_code.clone(),
                price: l.price.value(),
                available: l.on_hand.value() - l.reserved.value(),
                supplier: s.legal_name.clone(),
                warehouse_id: l.warehouse_id,
            })
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
    Ok(web::Json(catalogue(&state.db.read, &q).await?))
}
