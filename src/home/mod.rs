//! The home page of each role: its work queue ("what needs me now"), each row a count that
//! links to the filtered list where exactly those things are, the urgent ones first; for a
//! supplier still applying, the checklist of its application. What the role does here stays
//! below, folded.

mod queue;
pub mod rules;

use crate::auth::{CurrentUser, Role};
use crate::error::AppResult;
use crate::state::AppState;
use crate::suppliers::rules::{DocumentKind, SupplierStatus, document_valid};
use crate::web::page::PageCtx;
use actix_web::{HttpResponse, get, web};
use askama::Template;
use entity::{site, supplier, user};
use rules::{ApplicantFacts, Item};
use sea_orm::EntityTrait;

/// A queue row as the page shows it.
pub struct Row {
    pub key: &'static str,
    pub count: usize,
    pub href: String,
    pub label: String,
    pub alarming: bool,
}

/// A step of the applicant's checklist as the page shows it.
pub struct StepRow {
    pub id: String,
    pub state: &'static str,
    pub state_label: String,
    pub label: String,
}

pub struct Checklist {
    pub steps: Vec<StepRow>,
    /// What comes next, for the application's status.
    pub next: String,
    /// The office's reason when it asked for information or rejected.
    pub reason: String,
    pub may_submit: bool,
}

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    ctx: PageCtx,
    title: String,
    intro: String,
    organisation: Option<String>,
    /// Rows with something waiting, the urgent ones first.
    busy: Vec<Row>,
    /// Rows with nothing waiting, folded below.
    idle: Vec<Row>,
    all_clear: bool,
    checklist: Option<Checklist>,
    /// The auditor's standing task beside the queue: verifying the audit chain.
    audit_chain: bool,
    duties: Vec<String>,
    /// The month at a glance: the area's chart, with a link to its dashboard.
    chart: Option<(crate::charts::Chart, String)>,
}

impl Home {
    fn chart_svg(&self, c: &crate::charts::Chart) -> String {
        c.svg(480.0, 280.0)
    }
}

fn rows(ctx: &PageCtx, items: Vec<Item>) -> Vec<Row> {
    rules::order(items)
        .into_iter()
        .map(|i| Row {
            label: ctx.t(&format!("home-q-{}", i.key)),
            alarming: i.alarming(),
            key: i.key,
            count: i.count,
            href: i.href,
        })
        .collect()
}

async fn checklist(
    state: &AppState,
    ctx: &PageCtx,
    user: &CurrentUser,
    s: &supplier::Model,
    status: SupplierStatus,
) -> AppResult<Checklist> {
    let db = &state.db.read;
    let today = state.today();
    let email_verified = user::Entity::find_by_id(user.id)
        .one(db)
        .await?
        .is_some_and(|u| u.email_verified);
    let documents = crate::suppliers::store::documents(db, s.id)
        .await?
        .into_iter()
        .filter(|d| document_valid(d.expires_on, today))
        .filter_map(|d| DocumentKind::parse(&d.kind))
        .collect();
    let facts = ApplicantFacts {
        status,
        email_verified,
        documents,
    };
    let steps = rules::applicant_steps(&facts)
        .into_iter()
        .map(|st| {
            let (id, label) = match st.document {
                Some(kind) => (
                    format!("step-document-{}", kind.as_str()),
                    ctx.ta(
                        if st.required {
                            "home-step-document-required"
                        } else {
                            "home-step-document"
                        },
                        &[("document", ctx.t(&format!("document-{}", kind.as_str())))],
                    ),
                ),
                None => (
                    format!("step-{}", st.key),
                    ctx.t(&format!("home-step-{}", st.key)),
                ),
            };
            StepRow {
                id,
                state: st.state.as_str(),
                state_label: ctx.t(&format!("home-step-state-{}", st.state.as_str())),
                label,
            }
        })
        .collect();
    Ok(Checklist {
        steps,
        next: ctx.t(&format!("home-next-{}", status.as_str())),
        reason: if matches!(
            status,
            SupplierStatus::InfoRequested | SupplierStatus::Rejected
        ) {
            s.status_reason.clone()
        } else {
            String::new()
        },
        may_submit: rules::may_submit(&facts),
    })
}

#[get("/")]
pub async fn home(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
) -> AppResult<HttpResponse> {
    let db = &state.db.read;
    let role = user.role;
    let mut organisation = None;
    let mut checklist_view = None;
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
        if let Some(status) = SupplierStatus::parse(&s.status)
            && rules::is_applicant(status)
        {
            checklist_view = Some(checklist(&state, &ctx, &user, &s, status).await?);
        }
    }
    if let Some(sid) = user.site_id
        && let Some(s) = site::Entity::find_by_id(sid).one(db).await?
    {
        organisation = Some(ctx.ta(
            "home-site-of",
            &[("name", ctx.pick(&s.name_zh, &s.name_en))],
        ));
    }
    // An applicant has nothing to trade yet: its checklist is its queue.
    let items = if checklist_view.is_some() && role == Role::Supplier {
        Vec::new()
    } else {
        queue::items_for(&state, &ctx, &user).await?
    };
    let all_clear = rules::all_clear(&items);
    let (busy, idle): (Vec<Row>, Vec<Row>) =
        rows(&ctx, items).into_iter().partition(|r| r.count > 0);
    let role_name = role.as_str();
    // The month at a glance: each area's first chart, with a link to its dashboard.
    // An applicant has no goods on site yet, and the admin no area.
    let area = match role {
        Role::ProcurementOfficer | Role::ProcurementHead | Role::Auditor => Some("procurement"),
        Role::WarehouseKeeper => Some("warehouse"),
        Role::Finance => Some("finance"),
        Role::SiteUser | Role::SiteManager => Some("site"),
        Role::Supplier if checklist_view.is_none() => Some("supplier"),
        Role::Supplier | Role::Admin => None,
    };
    let dashboard = match area.map(|a| crate::dashboards::api::area(&user, a)) {
        Some(Ok(area)) => Some(
            crate::dashboards::store::dashboard(
                db,
                ctx.locale,
                crate::dashboards::api::as_of(&state),
                area,
                true,
            )
            .await?,
        ),
        _ => None,
    };
    let chart = dashboard.and_then(|d| {
        let href = format!("/dashboards/{}", d.area);
        d.charts.into_iter().next().map(|c| (c, href))
    });
    let page = Home {
        chart,
        title: ctx.t(&format!("home-title-{role_name}")),
        intro: ctx.t(&format!("home-intro-{role_name}")),
        duties: ctx
            .t(&format!("home-duties-{role_name}"))
            .lines()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect(),
        organisation,
        busy,
        idle,
        all_clear,
        checklist: checklist_view,
        audit_chain: role == Role::Auditor,
        ctx,
    };
    Ok(crate::web::html(&page))
}

/// This capability's routes, for `crate::routes` to assemble: the API operations (each written
/// into the OpenAPI document by its `#[utoipa::path]`), then the pages (not in the document).
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.map(|c| c.service(home));
}
