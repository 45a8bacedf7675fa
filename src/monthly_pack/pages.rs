//! The monthly pack pages: the packs assembled (`/monthly-packs`), one pack's sections with
//! their figures and links (`/monthly-packs/{period}`), and its workbook.

use super::api::{pack, workbook_download};
use super::rules::Section;
use super::store;
use crate::auth::{Capability, CurrentUser};
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::page::PageCtx;
use actix_web::{HttpResponse, get, web};
use askama::Template;
use chrono::{DateTime, Utc};

#[derive(Template)]
#[template(path = "monthly_pack/list.html")]
struct ListView {
    ctx: PageCtx,
    packs: Vec<(String, DateTime<Utc>)>,
}

impl ListView {
    fn when(&self, at: &DateTime<Utc>) -> String {
        at.with_timezone(&self.ctx.tz)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }
}

#[get("/monthly-packs")]
pub async fn list_page(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
) -> AppResult<HttpResponse> {
    user.require(Capability::ReadSettlement)?;
    let packs = store::list(&state.db.read).await?;
    Ok(crate::web::html(&ListView { ctx, packs }))
}

#[derive(Template)]
#[template(path = "monthly_pack/pack.html")]
struct PackPage {
    ctx: PageCtx,
    role: crate::auth::Role,
    period: String,
    assembled_at: DateTime<Utc>,
    sections: Vec<Section>,
}

impl PackPage {
    fn when(&self) -> String {
        self.assembled_at
            .with_timezone(&self.ctx.tz)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }
    /// The section's page, if the reader may open it.
    fn link(&self, s: &Section) -> Option<String> {
        self.role
            .can(super::rules::capability(&s.key))
            .then(|| s.link.clone())
    }
    fn total(&self, s: &Section) -> String {
        s.total
            .map(|v| crate::money::text::amount(self.ctx.locale, v))
            .unwrap_or_default()
    }
}

#[get("/monthly-packs/{period}")]
pub async fn pack_page(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    period: web::Path<String>,
) -> AppResult<HttpResponse> {
    let p = pack(&state, &user, &period).await?;
    Ok(crate::web::html(&PackPage {
        ctx,
        role: user.role,
        sections: store::sections(&p),
        period: p.period,
        assembled_at: p.assembled_at,
    }))
}

/// The pack's workbook in the reader's language.
#[get("/monthly-packs/{period}/xlsx")]
pub async fn workbook(
    state: web::Data<AppState>,
    ctx: PageCtx,
    user: CurrentUser,
    period: web::Path<String>,
) -> AppResult<HttpResponse> {
    let p = pack(&state, &user, &period).await?;
    Ok(workbook_download(&p, ctx.locale))
}
