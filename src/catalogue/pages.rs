//! The catalogue's pages: the catalogue for sites (ordering from it raises a requisition),
//! listings, prices and delivery notes for suppliers, price approval for procurement.

use super::api::{CatalogueItem, CataloguePage, CatalogueQuery, catalogue};
use super::store::{self, ListingInput, PriceChangeInput};
use crate::auth::{Capability, CurrentUser};
use crate::error::RuleCode;
use crate::error::{AppError, AppResult};
use crate::materials::CategoryView;
use crate::state::AppState;
use crate::web::page::{CsrfForm, FormErrors, PageCtx, form_outcome, redirect_with_flash};
use crate::web::page::{Form, date_field as date, decimal_field as dec, field};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use entity::{
    ListingId, delivery, delivery_line, listing, material, price_change, supplier, warehouse,
};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashMap;

/// Names of listings for display: material name (in the page's language), spec, unit, supplier.
pub struct ListingLabel {
    pub name: String,
    pub spec: String,
    pub unit: String,
    pub supplier: String,
}

impl ListingLabel {
    /// Name, specification and supplier on one line.
    pub fn full(&self) -> String {
        format!("{} {} · {}", self.name, self.spec, self.supplier)
    }
}

/// The labels of `listing_ids`, read in three queries whatever their number.
pub(crate) async fn labels(
    conn: &impl ConnectionTrait,
    ctx: &PageCtx,
    listing_ids: &[ListingId],
) -> AppResult<HashMap<ListingId, ListingLabel>> {
    let listings = listing::Entity::find()
        .filter(listing::Column::Id.is_in(listing_ids.to_vec()))
        .all(conn)
        .await?;
    let materials = material::Entity::find()
        .filter(
            material::Column::Id.is_in(listings.iter().map(|l| l.material_id).collect::<Vec<_>>()),
        )
        .all(conn)
        .await?;
    let suppliers = supplier::Entity::find()
        .filter(
            supplier::Column::Id.is_in(listings.iter().map(|l| l.supplier_id).collect::<Vec<_>>()),
        )
        .all(conn)
        .await?;
    Ok(listings
        .into_iter()
        .filter_map(|l| {
            let m = materials.iter().find(|m| m.id == l.material_id)?;
            let s = suppliers.iter().find(|s| s.id == l.supplier_id)?;
            Some((
                l.id,
                ListingLabel {
                    // The English page: the master's English name where it has one.
                    name: Some(ctx.pick(&m.name_zh, &m.name_en))
                        .filter(|n| !n.trim().is_empty())
                        .unwrap_or_else(|| m.name_zh.clone()),
                    spec: m.spec.clone(),
                    // Named in the page's language ("吨" / "t").
                    unit: ctx.unit(&m.unit_code),
                    supplier: s.legal_name.clone(),
                },
            ))
        })
        .collect())
}

// ----- Catalogue and requisitions -----

#[derive(Template)]
#[template(path = "stock/catalogue.html")]
struct CatalogueView {
    ctx: PageCtx,
    q: CatalogueQuery,
    result: CataloguePage,
    categories: Vec<CategoryView>,
    pages: u64,
    errors: FormErrors,
    form: Form,
    /// How many lines the user's requisition cart holds (`None`: no cart for this role).
    cart_lines: Option<u64>,
}

impl CatalogueView {
    fn text(&self) -> String {
        self.q.q.clone().unwrap_or_default()
    }
    fn is_category(&self, id: &i64) -> bool {
        self.q.category_id == Some(*id)
    }
    /// Whether `s` is the order shown (the default one when none was asked for).
    fn is_sort(&self, s: &str) -> bool {
        self.q.sort_key() == s
    }
    fn in_stock(&self) -> bool {
        self.q.in_stock == Some(true)
    }
    fn value(&self, k: &str) -> String {
        self.form.get(k).cloned().unwrap_or_default()
    }
    fn qty_value(&self, id: &ListingId) -> String {
        self.value(&format!("qty_{id}"))
    }
    /// The name of row `id`'s quantity field (also its id).
    fn qty_name(&self, id: &ListingId) -> String {
        format!("qty_{id}")
    }
    /// What row `i`'s quantity field is called: "Quantity of <material> <spec>".
    fn qty_label(&self, i: &CatalogueItem) -> String {
        self.ctx.ta1("req-qty-of", "name", item_name(&self.ctx, i))
    }
    fn page_link(&self, p: u64) -> String {
        let mut s = format!(
            "/catalogue?page={p}&q={}",
            urlencoding::encode(&self.text())
        );
        if let Some(c) = self.q.category_id {
            s.push_str(&format!("&category_id={c}"));
        }
        if self.in_stock() {
            s.push_str("&in_stock=true");
        }
        if let Some(o) = &self.q.sort {
            s.push_str(&format!("&sort={}", urlencoding::encode(o)));
        }
        s
    }
    fn money(&self, d: &Decimal) -> String {
        crate::money::text::unit_price(self.ctx.locale, *d)
    }
}

/// The catalogue page for `q`, with `errors` and what was typed in `form` (a refused order
/// comes back to it: `crate::requisitions::pages::cart_post`).
pub(crate) async fn render_catalogue(
    state: &AppState,
    ctx: PageCtx,
    q: CatalogueQuery,
    errors: FormErrors,
    form: Form,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let mut result = catalogue(state, &q).await?;
    let mut errors = errors;
    if errors.any() {
        answer_rows(state, &ctx, &mut result, &mut errors, &form).await?;
    }
    let categories = crate::materials::categories(&state.db.read).await?;
    let pages = result.total.div_ceil(super::api::CATALOGUE_PAGE).max(1);
    let cart_lines = match &ctx.user {
        Some(u) if ctx.can(Capability::Requisition) => {
            Some(crate::requisitions::cart::line_count(&state.db.read, u.id).await?)
        }
        _ => None,
    };
    Ok(crate::web::html_status(
        status,
        &CatalogueView {
            ctx,
            q,
            result,
            categories,
            pages,
            errors,
            form,
            cart_lines,
        },
    ))
}

/// A material's name in the page's language (the Chinese one where it has no English one)
/// and its specification.
fn item_name(ctx: &PageCtx, i: &CatalogueItem) -> String {
    let name = Some(ctx.pick(&i.name_zh, &i.name_en))
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| i.name_zh.clone());
    format!("{name} {}", i.spec)
}

/// A refused order shown on the catalogue again: each row typed into stays on the page (one
/// the search no longer finds, e.g. its supplier removed meanwhile, is added at the end)
/// with its error beside it, and the summary names each row's quantity by its material.
/// "Nothing typed" goes to the first row's quantity.
async fn answer_rows(
    state: &AppState,
    ctx: &PageCtx,
    result: &mut CataloguePage,
    errors: &mut FormErrors,
    form: &Form,
) -> AppResult<()> {
    let mut typed: Vec<ListingId> = form
        .iter()
        .filter(|(k, v)| !v.trim().is_empty() || errors.has(k))
        .filter_map(|(k, _)| k.strip_prefix("qty_")?.parse::<ListingId>().ok())
        .filter(|id| !result.items.iter().any(|i| i.listing_id == *id))
        .collect();
    if !typed.is_empty() {
        typed.sort_unstable();
        result
            .items
            .extend(super::api::items(&state.db.read, &typed).await?);
    }
    if let Some(first) = result.items.first()
        && errors.fields.remove("quantity").is_some()
    {
        let name = format!("qty_{}", first.listing_id);
        errors
            .labels
            .insert(name.clone(), ctx.t("catalogue-quantity"));
        errors.keys.insert(name.clone(), "quantity".into());
        errors.fields.insert(name, ctx.t("req-cart-none-typed"));
    }
    for i in &result.items {
        let name = format!("qty_{}", i.listing_id);
        if errors.has(&name) && errors.keys.get(&name).map(String::as_str) != Some("quantity") {
            errors
                .labels
                .insert(name, ctx.ta1("req-qty-of", "name", item_name(ctx, i)));
        }
    }
    Ok(())
}

#[get("/catalogue")]
pub async fn catalogue_page(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    q: crate::web::Query<CatalogueQuery>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadCatalogue)?;
    render_catalogue(
        &state,
        ctx,
        q.into_inner(),
        FormErrors::default(),
        Form::new(),
        StatusCode::OK,
    )
    .await
}

// ----- Suppliers: listings and deliveries -----

#[derive(Template)]
#[template(path = "stock/my_listings.html")]
struct MyListingsView {
    ctx: PageCtx,
    listings: Vec<listing::Model>,
    labels: HashMap<ListingId, ListingLabel>,
    materials: Vec<material::Model>,
    warehouses: Vec<warehouse::Model>,
    pending: Vec<price_change::Model>,
    deliveries: Vec<(delivery::Model, Vec<delivery_line::Model>)>,
    errors: FormErrors,
    which: &'static str,
    today: String,
}

impl MyListingsView {
    fn label(&self, id: &ListingId) -> String {
        self.labels
            .get(id)
            .map(|l| format!("{} {}", l.name, l.spec))
            .unwrap_or_default()
    }
    fn q(&self, d: &entity::Fixed<3>) -> String {
        d.value().normalize().to_string()
    }
    fn money(&self, d: &entity::Fixed<4>) -> String {
        crate::money::text::unit_price(self.ctx.locale, d.value())
    }
    fn pending_for(&self, id: &ListingId) -> Option<&price_change::Model> {
        self.pending.iter().find(|c| c.listing_id == *id)
    }
    /// The errors of the form `which`, or none when another form was posted.
    fn errors_for_form(&self, which: &str) -> &FormErrors {
        if self.which == which {
            &self.errors
        } else {
            &crate::web::page::NO_ERRORS
        }
    }
}

async fn render_my_listings(
    state: &AppState,
    ctx: PageCtx,
    user: &CurrentUser,
    errors: FormErrors,
    which: &'static str,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    render_my_listings_of(state, ctx, user, errors, which, status, None).await
}

/// The listings page; `price` filters them as [`store::own_listings`] does
/// (`/my/listings?price=pending` or `?price=refused`, the supplier's home page links there).
async fn render_my_listings_of(
    state: &AppState,
    ctx: PageCtx,
    user: &CurrentUser,
    errors: FormErrors,
    which: &'static str,
    status: StatusCode,
    price: Option<&str>,
) -> AppResult<HttpResponse> {
    let sid = user.supplier_id.ok_or(AppError::Forbidden)?;
    let db = &state.db.read;
    let pending = store::own_pending_price_changes(db, sid).await?;
    let listings = store::own_listings(db, sid, price).await?;
    let ids: Vec<ListingId> = listings.iter().map(|l| l.id).collect();
    let labels = labels(db, &ctx, &ids).await?;
    let cats: Vec<i64> = crate::suppliers::store::agreement(db, sid)
        .await?
        .map(|a| {
            a.categories
                .split(',')
                .filter_map(|c| c.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    let materials = material::Entity::find()
        .filter(material::Column::CategoryId.is_in(cats))
        .filter(material::Column::Active.eq(true))
        .order_by_asc(material::Column::Code)
        .all(db)
        .await?;
    let warehouses = warehouse::Entity::find()
        .filter(warehouse::Column::Active.eq(true))
        .all(db)
        .await?;
    let mut deliveries = Vec::new();
    for d in delivery::Entity::find()
        .filter(delivery::Column::SupplierId.eq(sid))
        .order_by_desc(delivery::Column::Id)
        .limit(20)
        .all(db)
        .await?
    {
        let lines = delivery_line::Entity::find()
            .filter(delivery_line::Column::DeliveryId.eq(d.id))
            .all(db)
            .await?;
        deliveries.push((d, lines));
    }
    let today = state.today().to_string();
    Ok(crate::web::html_status(
        status,
        &MyListingsView {
            ctx,
            listings,
            labels,
            materials,
            warehouses,
            pending,
            deliveries,
            errors,
            which,
            today,
        },
    ))
}

/// A supplier's form on its listings page answered: the flash and back to the page, or the
/// page again with the errors beside the form `which` (`crate::receiving::pages` answers the
/// delivery note form through it too).
pub(crate) async fn mine_or_error(
    state: &AppState,
    ctx: PageCtx,
    user: &CurrentUser,
    r: AppResult<()>,
    which: &'static str,
    flash: &str,
) -> AppResult<HttpResponse> {
    let locale = ctx.locale;
    form_outcome(r, locale, "/my/listings", flash, |errors, status| {
        render_my_listings(state, ctx, user, errors, which, status)
    })
    .await
}

#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MyListingsQuery {
    /// `pending`: only the listings whose new price waits for procurement; `refused`: only
    /// those whose latest price request procurement refused.
    pub price: Option<String>,
}

#[get("/my/listings")]
pub async fn my_listings(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    q: crate::web::Query<MyListingsQuery>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageOwnSupplier)?;
    render_my_listings_of(
        &state,
        ctx,
        &user,
        FormErrors::default(),
        "",
        StatusCode::OK,
        q.price.as_deref(),
    )
    .await
}

#[post("/my/listings")]
pub async fn my_listing_create(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageOwnSupplier)?;
    let f = form.0;
    let r = async {
        let input = ListingInput {
            material_id: field(&f, "material_id")
                .parse()
                .map_err(|_| AppError::field("material_id", RuleCode::Required))?,
            warehouse_id: field(&f, "warehouse_id")
                .parse()
                .map_err(|_| AppError::field("warehouse_id", RuleCode::Required))?,
            price: dec(&f, "price")?,
            min_stock: dec(&f, "min_stock")?,
            max_stock: dec(&f, "max_stock")?,
            lead_time_days: field(&f, "lead_time_days")
                .parse()
                .map_err(|_| AppError::field("lead_time_days", RuleCode::NotANumber))?,
        };
        store::create_listing_now(&state, &user, input)
            .await
            .map(|_| ())
    }
    .await;
    mine_or_error(&state, ctx, &user, r, "listing", "flash-listing-created").await
}

#[post("/my/listings/{id}/price")]
pub async fn my_listing_price(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<ListingId>,
    form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageOwnSupplier)?;
    let f = form.0;
    let r = async {
        let input = PriceChangeInput {
            new_price: dec(&f, "new_price")?,
            effective_on: date(&f, "effective_on")?,
            reason: field(&f, "reason"),
        };
        store::request_price_change_now(&state, &user, *id, input)
            .await
            .map(|_| ())
    }
    .await;
    mine_or_error(&state, ctx, &user, r, "price", "flash-price-requested").await
}

// ----- Procurement: prices -----

#[derive(Template)]
#[template(path = "stock/prices.html")]
struct PricesView {
    ctx: PageCtx,
    rows: Vec<price_change::Model>,
    labels: HashMap<ListingId, ListingLabel>,
}

impl PricesView {
    fn label(&self, id: &ListingId) -> String {
        self.labels
            .get(id)
            .map(|l| format!("{} {} · {}", l.name, l.spec, l.supplier))
            .unwrap_or_default()
    }
    fn money(&self, d: &entity::Fixed<4>) -> String {
        crate::money::text::unit_price(self.ctx.locale, d.value())
    }
    /// The viewer asked for this change: someone else decides it (rule 14).
    fn own(&self, c: &price_change::Model) -> bool {
        self.ctx
            .user
            .as_ref()
            .is_some_and(|u| crate::auth::four_eyes::not_own(c.requested_by, u.id).is_err())
    }
}

#[get("/price-changes")]
pub async fn prices_page(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
) -> AppResult<HttpResponse> {
    user.require(Capability::DecidePrices)?;
    let rows = store::pending_price_changes(&state.db.read).await?;
    let ids: Vec<ListingId> = rows.iter().map(|r| r.listing_id).collect();
    let labels = labels(&state.db.read, &ctx, &ids).await?;
    Ok(crate::web::html(&PricesView { ctx, rows, labels }))
}

#[post("/price-changes/{id}")]
pub async fn price_decide(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    form: CsrfForm<Form>,
) -> AppResult<HttpResponse> {
    user.require(Capability::DecidePrices)?;
    // A missing or unknown decision is refused, never taken for a refusal.
    let approve =
        crate::web::page::choice_field(&form.0, "decision", &["approve", "reject"])? == "approve";
    store::decide_price_change_now(&state, &user, *id, approve).await?;
    Ok(redirect_with_flash(
        "/price-changes",
        "success",
        "flash-saved",
    ))
}
