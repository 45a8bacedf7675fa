//! The user administration pages.

use super::store::{self, NewUser, UserUpdate, UserView};
use crate::auth::{Capability, CurrentUser, Role};
use crate::error::RuleCode;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::page::{CsrfForm, FormErrors, PageCtx, redirect_with_flash};
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use entity::{SupplierId, site, supplier};
use sea_orm::{EntityTrait, QueryOrder};
use serde::Deserialize;

/// An option of a select: a site's or a supplier's id and its label.
pub struct Choice<I = i64> {
    pub id: I,
    pub label: String,
}

async fn choices(
    state: &AppState,
    ctx: &PageCtx,
) -> AppResult<(Vec<Choice>, Vec<Choice<SupplierId>>)> {
    let sites = site::Entity::find()
        .order_by_asc(site::Column::Code)
        .all(&state.db.read)
        .await?
        .into_iter()
        .map(|s| Choice {
            id: s.id,
            label: ctx.pick(&s.name_zh, &s.name_en),
        })
        .collect();
    let suppliers = supplier::Entity::find()
        .order_by_asc(supplier::Column::LegalName)
        .all(&state.db.read)
        .await?
        .into_iter()
        .map(|s| Choice {
            id: s.id,
            label: s.legal_name,
        })
        .collect();
    Ok((sites, suppliers))
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    ctx: PageCtx,
    users: Vec<UserView>,
    filter: store::UserFilter,
}

impl UsersPage {
    fn role_label(&self, role: &str) -> String {
        self.ctx.t(&format!("role-{role}"))
    }
}

#[get("/admin/users")]
pub async fn list(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    q: crate::web::Query<store::UserFilter>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadUsers)?;
    let filter = q.into_inner();
    let users = store::list_where(&state.db.read, &filter, state.now()).await?;
    Ok(crate::web::html(&UsersPage { ctx, users, filter }))
}

#[derive(Template)]
#[template(path = "admin/user_form.html")]
struct UserForm {
    ctx: PageCtx,
    /// `None` when adding.
    id: Option<i64>,
    form: UserFormData,
    active: bool,
    roles: Vec<(&'static str, String)>,
    sites: Vec<Choice>,
    suppliers: Vec<Choice<SupplierId>>,
    errors: FormErrors,
}

#[derive(Deserialize, Default, Clone)]
pub struct UserFormData {
    #[serde(default)]
    email: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    supplier_id: String,
    #[serde(default)]
    site_id: String,
    #[serde(default)]
    locale: String,
    #[serde(default)]
    active: Option<String>,
}

impl UserForm {
    fn selected_site(&self, id: &i64) -> bool {
        self.form.site_id == id.to_string()
    }
    fn selected_supplier(&self, id: &SupplierId) -> bool {
        self.form.supplier_id == id.to_string()
    }
}

async fn render_form(
    state: &AppState,
    ctx: PageCtx,
    id: Option<i64>,
    form: UserFormData,
    active: bool,
    errors: FormErrors,
    status: actix_web::http::StatusCode,
) -> AppResult<HttpResponse> {
    let (sites, suppliers) = choices(state, &ctx).await?;
    let roles = Role::ALL
        .iter()
        .map(|r| (r.as_str(), ctx.t(&r.label_key())))
        .collect();
    Ok(crate::web::html_status(
        status,
        &UserForm {
            ctx,
            id,
            form,
            active,
            roles,
            sites,
            suppliers,
            errors,
        },
    ))
}

/// An empty select is "none"; anything else must be a number.
fn optional_id<T: std::str::FromStr>(field: &str, v: &str) -> Result<Option<T>, AppError> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    v.parse()
        .map(Some)
        .map_err(|_| AppError::field(field, RuleCode::NotANumber))
}

#[get("/admin/users/new")]
pub async fn new_form(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageUsers)?;
    let form = UserFormData {
        role: "site_user".into(),
        locale: ctx.locale.tag().into(),
        ..Default::default()
    };
    render_form(
        &state,
        ctx,
        None,
        form,
        true,
        FormErrors::default(),
        actix_web::http::StatusCode::OK,
    )
    .await
}

#[post("/admin/users/new")]
pub async fn create(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    form: CsrfForm<UserFormData>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageUsers)?;
    let f = form.0;
    let result = async {
        let input = NewUser {
            email: f.email.clone(),
            display_name: f.display_name.clone(),
            password: f.password.clone(),
            role: f.role.clone(),
            supplier_id: optional_id("supplier_id", &f.supplier_id)?,
            site_id: optional_id("site_id", &f.site_id)?,
            locale: Some(f.locale.clone()).filter(|l| !l.is_empty()),
        };
        store::create_now(&state, &user, input).await
    }
    .await;
    match result {
        Ok(_) => Ok(redirect_with_flash(
            "/admin/users",
            "success",
            "flash-user-created",
        )),
        Err(e @ (AppError::Validation(_) | AppError::Conflict(_))) => {
            let errors = FormErrors::from_error(&e, ctx.locale);
            render_form(
                &state,
                ctx,
                None,
                UserFormData {
                    password: String::new(),
                    ..f
                },
                true,
                errors,
                e.status(),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

#[get("/admin/users/{id}")]
pub async fn edit_form(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageUsers)?;
    let u = store::get(&state.db.read, *id).await?;
    let form = UserFormData {
        email: u.email.clone(),
        display_name: u.display_name.clone(),
        role: u.role.clone(),
        supplier_id: u.supplier_id.map(|v| v.to_string()).unwrap_or_default(),
        site_id: u.site_id.map(|v| v.to_string()).unwrap_or_default(),
        locale: u.locale.clone().unwrap_or_default(),
        ..Default::default()
    };
    render_form(
        &state,
        ctx,
        Some(u.id),
        form,
        u.active,
        FormErrors::default(),
        actix_web::http::StatusCode::OK,
    )
    .await
}

#[post("/admin/users/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    id: web::Path<i64>,
    form: CsrfForm<UserFormData>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageUsers)?;
    let f = form.0;
    let active = f.active.is_some();
    let result = async {
        let input = UserUpdate {
            display_name: Some(f.display_name.clone()),
            role: Some(f.role.clone()),
            supplier_id: optional_id("supplier_id", &f.supplier_id)?,
            site_id: optional_id("site_id", &f.site_id)?,
            active: Some(active),
            password: Some(f.password.clone()).filter(|p| !p.is_empty()),
        };
        store::update_now(&state, &user, *id, input).await
    }
    .await;
    match result {
        Ok(_) => Ok(redirect_with_flash(
            "/admin/users",
            "success",
            "flash-user-updated",
        )),
        Err(e @ AppError::Validation(_)) => {
            let errors = FormErrors::from_error(&e, ctx.locale);
            render_form(
                &state,
                ctx,
                Some(*id),
                UserFormData {
                    password: String::new(),
                    ..f
                },
                active,
                errors,
                e.status(),
            )
            .await
        }
        Err(e) => Err(e),
    }
}
