//! The organisation page: sites and warehouses, with forms for the admin.

use super::store::{self, NewSite, NewWarehouse, SiteView, WarehouseView};
use crate::auth::{Capability, CurrentUser};
use crate::error::RuleCode;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::page::{CsrfForm, FormErrors, PageCtx, redirect_with_flash};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "org/index.html")]
struct OrgPage {
    ctx: PageCtx,
    sites: Vec<SiteView>,
    warehouses: Vec<WarehouseView>,
    site_form: OrgForm,
    site_errors: FormErrors,
    warehouse_form: OrgForm,
    warehouse_errors: FormErrors,
}

impl OrgPage {
    fn name(&self, zh: &str, en: &str) -> String {
        self.ctx.pick(zh, en)
    }
    fn site_name(&self, id: &Option<i64>) -> String {
        id.and_then(|id| self.sites.iter().find(|s| s.id == id))
            .map(|s| self.name(&s.name_zh, &s.name_en))
            .unwrap_or_else(|| "—".into())
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct OrgForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name_zh: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    site_id: String,
}

async fn render(
    state: &AppState,
    ctx: PageCtx,
    forms: (OrgForm, FormErrors, OrgForm, FormErrors),
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let sites = store::sites(&state.db.read).await?;
    let warehouses = store::warehouses(&state.db.read).await?;
    let (site_form, site_errors, warehouse_form, warehouse_errors) = forms;
    Ok(crate::web::html_status(
        status,
        &OrgPage {
            ctx,
            sites,
            warehouses,
            site_form,
            site_errors,
            warehouse_form,
            warehouse_errors,
        },
    ))
}

#[get("/organisation")]
pub async fn index(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadOrganisation)?;
    render(&state, ctx, Default::default(), StatusCode::OK).await
}

#[post("/organisation/sites")]
pub async fn add_site(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    form: CsrfForm<OrgForm>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageOrganisation)?;
    let f = form.0;
    let input = NewSite {
        code: f.code.clone(),
        name_zh: f.name_zh.clone(),
        name_en: f.name_en.clone(),
        address: f.address.clone(),
    };
    match store::create_site_now(&state, &user, input).await {
        Ok(_) => Ok(redirect_with_flash(
            "/organisation",
            "success",
            "flash-site-created",
        )),
        Err(e @ AppError::Validation(_)) => {
            let errors = FormErrors::from_error(&e, ctx.locale);
            render(
                &state,
                ctx,
                (f, errors, OrgForm::default(), FormErrors::default()),
                e.status(),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

#[post("/organisation/warehouses")]
pub async fn add_warehouse(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    form: CsrfForm<OrgForm>,
) -> AppResult<HttpResponse> {
    user.require(Capability::ManageOrganisation)?;
    let f = form.0;
    let site_id = match f.site_id.trim() {
        "" => None,
        v => match v.parse() {
            Ok(id) => Some(id),
            Err(_) => return Err(AppError::field("site_id", RuleCode::NotANumber)),
        },
    };
    let input = NewWarehouse {
        code: f.code.clone(),
        name_zh: f.name_zh.clone(),
        name_en: f.name_en.clone(),
        address: f.address.clone(),
        site_id,
    };
    match store::create_warehouse_now(&state, &user, input).await {
        Ok(_) => Ok(redirect_with_flash(
            "/organisation",
            "success",
            "flash-warehouse-created",
        )),
        Err(e @ AppError::Validation(_)) => {
            let errors = FormErrors::from_error(&e, ctx.locale);
            render(
                &state,
                ctx,
                (OrgForm::default(), FormErrors::default(), f, errors),
                e.status(),
            )
            .await
        }
        Err(e) => Err(e),
    }
}
