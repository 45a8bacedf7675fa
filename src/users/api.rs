//! `/api/users`: admin manages, auditor reads.

use super::store::{self, NewUser, UserUpdate, UserView};
use crate::auth::{Capability, CurrentUser};
use crate::error::{AppResult, ErrorBody};
use crate::state::AppState;
use actix_web::{HttpResponse, get, patch, post, web};

#[utoipa::path(get, path = "/api/users", tag = "users", security(("bearer" = ["read_users"])), params(store::UserFilter),
    responses((status = 200, body = Vec<UserView>), (status = 403, body = ErrorBody)))]
#[get("/api/users")]
pub async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    f: crate::web::Query<store::UserFilter>,
) -> AppResult<web::Json<Vec<UserView>>> {
    user.require(Capability::ReadUsers)?;
    Ok(web::Json(
        store::list_where(&state.db.read, &f, state.now()).await?,
    ))
}

#[utoipa::path(get, path = "/api/users/{id}", tag = "users", security(("bearer" = ["read_users"])),
    responses((status = 200, body = UserView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/api/users/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<web::Json<UserView>> {
    user.require(Capability::ReadUsers)?;
    Ok(web::Json(store::get(&state.db.read, *id).await?))
}

/// Adds a user; the new user gets a welcome email.
#[utoipa::path(post, path = "/api/users", tag = "users", security(("bearer" = ["manage_users"])), request_body = NewUser,
    responses((status = 201, body = UserView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/api/users")]
pub async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<NewUser>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageUsers)?;
    let created = store::create_now(&state, &user, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(created))
}

/// Changes a user's name, role, membership, active flag or password.
#[utoipa::path(patch, path = "/api/users/{id}", tag = "users", security(("bearer" = ["manage_users"])), request_body = UserUpdate,
    responses((status = 200, body = UserView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[patch("/api/users/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    body: web::Json<UserUpdate>,
) -> AppResult<web::Json<UserView>> {
    user.require(Capability::ManageUsers)?;
    Ok(web::Json(
        store::update_now(&state, &user, *id, body.into_inner()).await?,
    ))
}
