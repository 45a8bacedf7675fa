//! The company's organisation: construction sites and warehouses. Everyone signed in reads
//! them (suppliers deliver to warehouses); the admin adds and renames them.

pub mod pages;
pub mod store;

use crate::auth::{Capability, CurrentUser};
use crate::error::{AppResult, ErrorBody};
use crate::state::AppState;
use actix_web::{HttpResponse, get, post, web};
use store::{NewSite, NewWarehouse};

#[utoipa::path(get, path = "/api/sites", tag = "organisation", security(("bearer" = ["read_organisation"])),
    responses((status = 200, body = Vec<store::SiteView>), (status = 401, body = ErrorBody)))]
#[get("/api/sites")]
pub async fn list_sites(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> AppResult<web::Json<Vec<store::SiteView>>> {
    user.require(Capability::ReadOrganisation)?;
    Ok(web::Json(store::sites(&state.db.read).await?))
}

#[utoipa::path(post, path = "/api/sites", tag = "organisation", security(("bearer" = ["manage_organisation"])), request_body = NewSite,
    responses((status = 201, body = store::SiteView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/sites")]
pub async fn create_site(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<NewSite>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageOrganisation)?;
    let s = store::create_site_now(&state, &user, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(s))
}

#[utoipa::path(get, path = "/api/warehouses", tag = "organisation", security(("bearer" = ["read_organisation"])),
    responses((status = 200, body = Vec<store::WarehouseView>), (status = 401, body = ErrorBody)))]
#[get("/api/warehouses")]
pub async fn list_warehouses(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> AppResult<web::Json<Vec<store::WarehouseView>>> {
    user.require(Capability::ReadOrganisation)?;
    Ok(web::Json(store::warehouses(&state.db.read).await?))
}

#[utoipa::path(post, path = "/api/warehouses", tag = "organisation", security(("bearer" = ["manage_organisation"])), request_body = NewWarehouse,
    responses((status = 201, body = store::WarehouseView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/warehouses")]
pub async fn create_warehouse(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<NewWarehouse>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageOrganisation)?;
    let w = store::create_warehouse_now(&state, &user, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(w))
}

/// This capability's routes, for `crate::routes` to assemble: the API operations (each written
/// into the OpenAPI document by its `#[utoipa::path]`), then the pages (not in the document).
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_sites)
        .service(create_site)
        .service(list_warehouses)
        .service(create_warehouse)
        .map(|c| {
            c.service(pages::index)
                .service(pages::add_site)
                .service(pages::add_warehouse)
        });
}
