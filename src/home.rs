//! The home page of each role: what the role does here, and live figures to start from.

use crate::auth::{Capability, CurrentUser, Role};
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::page::PageCtx;
use actix_web::{HttpResponse, get, web};
use askama::Template;
use entity::{audit_log, material, outbox, site, supplier, user, warehouse};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

pub struct Card {
    pub href: String,
    pub value: String,
    pub label: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    ctx: PageCtx,
    title: String,
    intro: String,
    organisation: Option<String>,
    cards: Vec<Card>,
    duties: Vec<String>,
}

fn card(ctx: &PageCtx, href: &str, value: impl ToString, key: &str) -> Card {
    Card {
        href: href.into(),
        value: value.to_string(),
        label: ctx.t(key),
    }
}

#[get("/")]
pub async fn home(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
) -> AppResult<HttpResponse> {
    let db = &state.db.read;
    let role = user.role;
    let mut cards = Vec::new();
    let mut organisation = None;
    if let Some(sid) = user.supplier_id
        && let Some(s) = supplier::Entity::find_by_id(sid).one(db).await?
    {
        organisation = Some(ctx.ta(
            "home-supplier-of",
            &[
                ("name", s.legal_name.clone()),
                ("status", ctx.t(&format!("supplier-status-{}", s.status))),
            ],
        ));
    }
    if let Some(sid) = user.site_id
        && let Some(s) = site::Entity::find_by_id(sid).one(db).await?
    {
        organisation = Some(ctx.ta(
            "home-site-of",
            &[("name", ctx.pick(&s.name_zh, &s.name_en))],
        ));
    }
    if role.can(Capability::ReadMaterials) {
        let n = material::Entity::find()
            .filter(material::Column::Active.eq(true))
            .count(db)
            .await?;
        cards.push(card(&ctx, "/materials", n, "home-card-materials"));
    }
    if matches!(
        role,
        Role::ProcurementOfficer | Role::ProcurementHead | Role::Auditor | Role::Admin
    ) {
        let n = supplier::Entity::find()
            .filter(supplier::Column::Status.eq("admitted"))
            .count(db)
            .await?;
        cards.push(card(
            &ctx,
            "/organisation",
            n,
            "home-card-admitted-suppliers",
        ));
    }
    if matches!(
        role,
        Role::WarehouseKeeper | Role::Admin | Role::SiteManager
    ) {
        let n = warehouse::Entity::find()
            .filter(warehouse::Column::Active.eq(true))
            .count(db)
            .await?;
        cards.push(card(&ctx, "/organisation", n, "home-card-warehouses"));
        let n = site::Entity::find()
            .filter(site::Column::Active.eq(true))
            .count(db)
            .await?;
        cards.push(card(&ctx, "/organisation", n, "home-card-sites"));
    }
    if role.can(Capability::ReadUsers) {
        let n = user::Entity::find()
            .filter(user::Column::Active.eq(true))
            .count(db)
            .await?;
        cards.push(card(&ctx, "/admin/users", n, "home-card-users"));
    }
    if role.can(Capability::ReadMailQueue) {
        let n = outbox::Entity::find()
            .filter(outbox::Column::Status.eq("pending"))
            .count(db)
            .await?;
        cards.push(card(&ctx, "/admin/outbox", n, "home-card-mail-pending"));
    }
    if role.can(Capability::ReadAudit) {
        let n = audit_log::Entity::find().count(db).await?;
        cards.push(card(&ctx, "/audit", n, "home-card-audit"));
    }
    let role_name = role.as_str();
    let page = Home {
        title: ctx.t(&format!("home-title-{role_name}")),
        intro: ctx.t(&format!("home-intro-{role_name}")),
        duties: ctx
            .t(&format!("home-duties-{role_name}"))
            .lines()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect(),
        organisation,
        cards,
        ctx,
    };
    Ok(crate::web::html(&page))
}

/// This capability's routes, for `crate::routes` to assemble: the API operations (each written
/// into the OpenAPI document by its `#[utoipa::path]`), then the pages (not in the document).
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.map(|c| c.service(home));
}
